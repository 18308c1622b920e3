// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ONNX reader (compiler/onnx_import.h). Each input is a model file's
 * bytes: protobuf-c's parser, then every check of the reader and the shape inference. External
 * data is refused (no model directory), so an input never reads a file. Any return is fine; a
 * crash, a leak, undefined behaviour, or an error without a message is not.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "compiler/onnx_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A symbolic batch resolved, to reach the inference of more models. */
	struct onnx_import_options opts = { .batch = 2 };
	struct ir_graph *g = NULL;
	char err[512];
	int ret;

	ret = onnx_import_buffer(data, size, NULL, &opts, &g, err, sizeof(err));
	if (ret == 0) {
		if (!g)
			abort();
		ir_graph_destroy(g);
	} else if (ret > 0 || g || (ret != -ENOMEM && !err[0])) {
		abort();
	}
	return 0;
}
