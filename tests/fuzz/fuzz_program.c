// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the program-file loader (compiler/program_file.h). Each input is a
 * program file's bytes: every check of the header, the section table and each section, then
 * the embedded graph through the ONNX reader and the cross-checks between graph and program.
 * Any return is fine; a crash, a leak, undefined behaviour, or an error without a message is
 * not. A program it accepts must encode again, and that loads back or is refused with a
 * message (a file may name, as a host node, one the graph's reader folds into a constant).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "compiler/program_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct program_file *pf = NULL, *back = NULL;
	char err[512];
	size_t len;
	void *buf;
	int ret;

	err[0] = '\0';
	ret = program_file_decode(data, size, &pf, err, sizeof(err));
	if (ret) {
		if (ret > 0 || pf || (ret != -ENOMEM && !err[0]))
			abort();
		return 0;
	}
	if (!pf)
		abort();
	if (program_file_encode(pf->g, pf->prog, &pf->meta, &buf, &len, err, sizeof(err)) == 0) {
		err[0] = '\0';
		ret = program_file_decode(buf, len, &back, err, sizeof(err));
		if (ret > 0 || (ret && (back || (ret != -ENOMEM && !err[0]))))
			abort();
		program_file_free(back);
		free(buf);
	}
	program_file_free(pf);
	return 0;
}
