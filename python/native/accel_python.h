/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel_python.h - the flat C API the Python package (python/accel) loads with ctypes
 *
 * libaccel_python.so holds libaccel (its embedded core included), the compiler and the
 * runtime (accelrt, accelrt_model), linked statically, and exports only the functions below:
 * plain integers, strings and opaque pointers, so that ctypes needs no structure layouts
 * (accelrt_model_tensor, accel_device_info) that could drift from the C headers.
 *
 * One model here is an accelrt model with one set of bindings: one inference at a time, its
 * inputs and outputs mapped for the CPU. Every function that can fail returns 0 or a
 * negative errno, as the runtime does; where a message says more than the errno, it is
 * written to the caller's @err buffer (one line, NUL-terminated; empty when there is none).
 */
#ifndef ACCEL_PYTHON_H
#define ACCEL_PYTHON_H

#include <stddef.h>
#include <stdint.h>

#define ACCEL_PY_EXPORT __attribute__((visibility("default")))

/*
 * The version of this API: the Python side refuses a library of another version (a stale
 * build) instead of calling functions whose arguments changed.
 */
#define ACCEL_PY_API_VERSION 1

struct accel_py_devices;
struct accel_py_model;
struct accelrt_device;

/** accel_py_api_version() - ACCEL_PY_API_VERSION of the library. */
ACCEL_PY_EXPORT int accel_py_api_version(void);

/**
 * accel_py_devices_list() - the nodes accel_devices_list() finds, in *@out (free it with
 * accel_py_devices_free()), their number in *@count.
 * @include_drm: list DRM nodes (render, card) too.
 * Return: 0 or accel_devices_list()'s -errno.
 */
ACCEL_PY_EXPORT int accel_py_devices_list(int include_drm, struct accel_py_devices **out,
					  size_t *count);
/** accel_py_devices_free() - free a list of accel_py_devices_list(). NULL is a no-op. */
ACCEL_PY_EXPORT void accel_py_devices_free(struct accel_py_devices *l);
/**
 * accel_py_device_str() - text field @field of node @i of @l, in *@value (valid while @l is):
 * "node", "path", "backend", "driver", "desc" or "parent".
 * Return: 0; -EINVAL for @i out of range or an unknown @field.
 */
ACCEL_PY_EXPORT int accel_py_device_str(const struct accel_py_devices *l, size_t i,
					const char *field, const char **value);
/**
 * accel_py_device_int() - integer field @field of node @i of @l, in *@value: "is_accel",
 * "major", "minor", "version_major", "version_minor", "version_patchlevel", "open_error"
 * (0 or the -errno opening the node gave).
 * Return: 0; -EINVAL for @i out of range or an unknown @field.
 */
ACCEL_PY_EXPORT int accel_py_device_int(const struct accel_py_devices *l, size_t i,
					const char *field, int64_t *value);

/**
 * accel_py_device_open() - open the vnpu @node (a path: "/dev/accel/accel0"), or the first
 * vnpu accel_devices_list() finds when @node is NULL, as accelrt_device_open() does.
 * @path: receives the path of the node opened; @path_len its size.
 * @out: the device (accel_py_device_close()).
 * Return: 0; -ENODEV when no vnpu is found or @node is not one; the open's errno.
 */
ACCEL_PY_EXPORT int accel_py_device_open(const char *node, char *path, size_t path_len,
					 struct accelrt_device **out);
/** accel_py_device_close() - close @dev, every model on it freed first. NULL is a no-op. */
ACCEL_PY_EXPORT void accel_py_device_close(struct accelrt_device *dev);

/**
 * accel_py_model_load() - accelrt_model_load() of the model file at @path onto @dev (an
 * ONNX model, compiled now, or a program file) and one set of its bindings.
 * @batch: the value of a symbolic first input dimension (0: none).
 * @shape_names, @shape_ranks, @shape_dims: the static shapes of @n_shapes inputs
 *	(accelrt_model_options.shapes): input @shape_names[i] of rank @shape_ranks[i], its
 *	dimensions following those of the shapes before it in @shape_dims. NULL with 0.
 * @err: on error, accelrt_model_load()'s message; @err_len its size.
 * @out: the model (accel_py_model_free()).
 * Return: 0 or accelrt_model_load()'s and accelrt_model_bindings_new()'s -errno; -EINVAL
 * for a negative batch or rank.
 */
ACCEL_PY_EXPORT int accel_py_model_load(struct accelrt_device *dev, const char *path,
					int64_t batch, const char *const *shape_names,
					const int *shape_ranks, const int64_t *shape_dims,
					size_t n_shapes, char *err, size_t err_len,
					struct accel_py_model **out);
/** accel_py_model_free() - free @m's bindings and the model. NULL is a no-op. */
ACCEL_PY_EXPORT void accel_py_model_free(struct accel_py_model *m);
/** accel_py_model_tensors() - the number of graph inputs (@output 0) or outputs of @m. */
ACCEL_PY_EXPORT unsigned int accel_py_model_tensors(const struct accel_py_model *m, int output);
/**
 * accel_py_model_tensor() - graph input (@output 0) or output @i of @m: its @name, @dtype
 * (ONNX's TensorProto.DataType), @rank, @dims (@rank of them) and @bytes; the name and dims
 * are valid while the model is.
 * Return: 0; -EINVAL for @i out of range.
 */
ACCEL_PY_EXPORT int accel_py_model_tensor(const struct accel_py_model *m, int output,
					  unsigned int i, const char **name, int *dtype,
					  int *rank, const int64_t **dims, uint64_t *bytes);
/**
 * accel_py_model_map() - the CPU address of input (@output 0) or output @i in @m's bindings:
 * an input to write before accel_py_model_run(), an output to read after it; NULL for @i out
 * of range.
 */
ACCEL_PY_EXPORT void *accel_py_model_map(struct accel_py_model *m, int output, unsigned int i);
/**
 * accel_py_model_run() - one inference of @m on its bindings, waited for.
 * @err: on error, what each failed host stage said (accelrt_model_host_error()); @err_len
 *	its size.
 * Return: 0 or accelrt_model_run_sync()'s -errno.
 */
ACCEL_PY_EXPORT int accel_py_model_run(struct accel_py_model *m, char *err, size_t err_len);

#endif
