/* SPDX-License-Identifier: MIT */
/*
 * Compiled program files: a vnpu program (compiler/codegen_vnpu.h) and the graph its host
 * stages run, in one versioned file that `accel compile` writes and `accel run` loads without
 * compiling again. The layout is in docs/compiler.md, "Program files". Loading checks every
 * length, offset and index: a truncated or corrupt file is refused, never trusted.
 */
#ifndef ACCEL_COMPILER_PROGRAM_FILE_H
#define ACCEL_COMPILER_PROGRAM_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler/codegen_vnpu.h"
#include "compiler/ir.h"

/* The first 8 bytes of every program file. */
#define PROGRAM_FILE_MAGIC "ACCELPRG"
#define PROGRAM_FILE_MAGIC_LEN 8
/*
 * The format version written; a loader reads it and the older ones back to
 * PROGRAM_FILE_VERSION_MIN (version 1 had no profile section) and refuses any other.
 */
#define PROGRAM_FILE_VERSION 2
#define PROGRAM_FILE_VERSION_MIN 1
/* The device kind programs are compiled for (the header's device field). */
#define PROGRAM_FILE_DEVICE_VNPU "vnpu"
/* Header flags: the graph passes ran before code generation. */
#define PROGRAM_FILE_FLAG_PASSES (1u << 0)

/**
 * struct program_file_meta - what a program file records besides the program
 * @batch: the batch the model was compiled with (0: none given)
 * @flags: PROGRAM_FILE_FLAG_*
 * @nodes_before, @nodes_after: the graph's nodes before and after the passes
 */
struct program_file_meta {
	int64_t batch;
	uint32_t flags;
	uint64_t nodes_before, nodes_after;
};

/**
 * struct program_file - a loaded program file
 * @g: the graph the program was compiled from, read back from the file's ONNX bytes; the
 *     program's node and tensor indices are this graph's
 * @prog: the program (codegen_vnpu_free() through program_file_free())
 * @meta: the file's batch, flags and node counts
 * @device: the device kind it was compiled for ("vnpu")
 * @version: the file's format version
 */
struct program_file {
	struct ir_graph *g;
	struct vnpu_prog *prog;
	struct program_file_meta meta;
	char device[16];
	uint32_t version;
};

/**
 * program_file_encode() - serialize program @p, compiled from @g, into a new buffer
 * @meta: the batch, flags and node counts to record
 * @buf: a malloc'd buffer (the caller frees it); @len: its size
 * @err: on error, one line saying why; @err_len its size
 *
 * Return: 0; -EINVAL for a host node without outputs or an attribute onnx_export cannot
 * write; -ENOMEM.
 */
int program_file_encode(const struct ir_graph *g, const struct vnpu_prog *p,
			const struct program_file_meta *meta, void **buf, size_t *len,
			char *err, size_t err_len);

/**
 * program_file_write() - program_file_encode() into the file at @path (created or
 * truncated)
 * Return: 0, program_file_encode()'s errors, or the file's errno.
 */
int program_file_write(const char *path, const struct ir_graph *g, const struct vnpu_prog *p,
		       const struct program_file_meta *meta, char *err, size_t err_len);

/**
 * program_file_decode() - load the program in @buf (@len bytes)
 * @out: the program on success (program_file_free() it), untouched on error
 * @err: on error, one line saying what is wrong; @err_len its size
 *
 * Return: 0; -EINVAL for a file that is not a program, truncated or corrupt (a length,
 * offset or index outside its bounds, a graph that does not read back or does not match the
 * program); -EOPNOTSUPP for another format version or device kind; -ENOMEM.
 */
int program_file_decode(const void *buf, size_t len, struct program_file **out,
			char *err, size_t err_len);

/**
 * program_file_read() - program_file_decode() of the file at @path
 * Return: as program_file_decode(), or the file's errno (-ENOENT...), -EFBIG over 2 GiB.
 */
int program_file_read(const char *path, struct program_file **out, char *err, size_t err_len);

/** program_file_free() - free @pf and its graph and program; NULL is a no-op */
void program_file_free(struct program_file *pf);

/**
 * program_file_is_program() - whether the file at @path starts with PROGRAM_FILE_MAGIC
 * (an ONNX model never does: its first byte is a protobuf field tag)
 */
bool program_file_is_program(const char *path);

#endif
