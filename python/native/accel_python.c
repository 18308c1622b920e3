// SPDX-License-Identifier: MIT
/*
 * accel_python - the flat C API of python/native/accel_python.h over libaccel's device list
 * and accelrt_model: what the Python package's ctypes calls, and nothing else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accelrt.h>
#include <accelrt_model.h>
#include <libaccel.h>

#include "accel_python.h"

struct accel_py_devices {
	struct accel_device_info *info;
	size_t count;
};

struct accel_py_model {
	struct accelrt_model *model;
	struct accelrt_model_bindings *io;
};

int accel_py_api_version(void)
{
	return ACCEL_PY_API_VERSION;
}

/* ---- device listing --------------------------------------------------------------------- */

int accel_py_devices_list(int include_drm, struct accel_py_devices **out, size_t *count)
{
	struct accel_py_devices *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	ret = accel_devices_list(&l->info, &l->count, include_drm);
	if (ret) {
		free(l);
		return ret;
	}
	*out = l;
	*count = l->count;
	return 0;
}

void accel_py_devices_free(struct accel_py_devices *l)
{
	if (!l)
		return;
	free(l->info);
	free(l);
}

int accel_py_device_str(const struct accel_py_devices *l, size_t i, const char *field,
			const char **value)
{
	const struct accel_device_info *d;

	if (i >= l->count)
		return -EINVAL;
	d = &l->info[i];
	if (!strcmp(field, "node"))
		*value = d->node;
	else if (!strcmp(field, "path"))
		*value = d->path;
	else if (!strcmp(field, "backend"))
		*value = accel_backend_name(d->backend);
	else if (!strcmp(field, "driver"))
		*value = d->driver;
	else if (!strcmp(field, "desc"))
		*value = d->desc;
	else if (!strcmp(field, "parent"))
		*value = d->parent;
	else
		return -EINVAL;
	return 0;
}

int accel_py_device_int(const struct accel_py_devices *l, size_t i, const char *field,
			int64_t *value)
{
	const struct accel_device_info *d;

	if (i >= l->count)
		return -EINVAL;
	d = &l->info[i];
	if (!strcmp(field, "is_accel"))
		*value = d->is_accel;
	else if (!strcmp(field, "major"))
		*value = d->major;
	else if (!strcmp(field, "minor"))
		*value = d->minor;
	else if (!strcmp(field, "version_major"))
		*value = d->version_major;
	else if (!strcmp(field, "version_minor"))
		*value = d->version_minor;
	else if (!strcmp(field, "version_patchlevel"))
		*value = d->version_patchlevel;
	else if (!strcmp(field, "open_error"))
		*value = d->open_error;
	else
		return -EINVAL;
	return 0;
}

/* ---- devices ---------------------------------------------------------------------------- */

/*
 * The path of the first vnpu accel_devices_list() finds: the node accelrt_device_open(NULL)
 * opens, chosen here so that the caller learns which one it got.
 */
static int first_vnpu(char *path, size_t len)
{
	struct accel_device_info *list;
	size_t count;
	int ret;

	ret = accel_devices_list(&list, &count, 0);
	if (ret)
		return ret;
	ret = -ENODEV;
	for (size_t i = 0; i < count; i++) {
		if (list[i].is_accel && !strcmp(list[i].driver, "vnpu")) {
			snprintf(path, len, "%s", list[i].path);
			ret = 0;
			break;
		}
	}
	free(list);
	return ret;
}

int accel_py_device_open(const char *node, char *path, size_t path_len,
			 struct accelrt_device **out)
{
	char first[sizeof(((struct accel_device_info *)0)->path)];
	int ret;

	if (!node) {
		ret = first_vnpu(first, sizeof(first));
		if (ret)
			return ret;
		node = first;
	}
	ret = accelrt_device_open(node, out);
	if (!ret && path_len)
		snprintf(path, path_len, "%s", node);
	return ret;
}

void accel_py_device_close(struct accelrt_device *dev)
{
	accelrt_device_close(dev);
}

/* ---- models ----------------------------------------------------------------------------- */

int accel_py_model_load(struct accelrt_device *dev, const char *path, int64_t batch,
			const char *const *shape_names, const int *shape_ranks,
			const int64_t *shape_dims, size_t n_shapes, char *err, size_t err_len,
			struct accel_py_model **out)
{
	struct accelrt_model_options o = { .batch = batch, .err = err, .err_len = err_len };
	struct accelrt_model_shape *shapes = NULL;
	struct accel_py_model *m;
	size_t at = 0;
	int ret;

	if (err_len)
		err[0] = '\0';
	if (batch < 0 || (n_shapes && (!shape_names || !shape_ranks)))
		return -EINVAL;
	if (n_shapes) {
		shapes = calloc(n_shapes, sizeof(*shapes));
		if (!shapes)
			return -ENOMEM;
	}
	/* The dimensions of each shape follow those of the shapes before it. */
	for (size_t i = 0; i < n_shapes; i++) {
		if (shape_ranks[i] < 0 || (shape_ranks[i] && !shape_dims)) {
			free(shapes);
			return -EINVAL;
		}
		shapes[i] = (struct accelrt_model_shape){ shape_names[i], shape_ranks[i],
							  shape_ranks[i] ? shape_dims + at : NULL };
		at += (size_t)shape_ranks[i];
	}
	o.shapes = shapes;
	o.n_shapes = n_shapes;
	m = calloc(1, sizeof(*m));
	if (!m) {
		free(shapes);
		return -ENOMEM;
	}
	ret = accelrt_model_load(dev, path, &o, &m->model);
	/* The compiled model keeps no pointer into the options. */
	free(shapes);
	if (ret)
		goto err_free;
	ret = accelrt_model_bindings_new(m->model, &m->io);
	if (ret) {
		snprintf(err, err_len, "%s: allocating the buffers of an inference", path);
		goto err_model;
	}
	*out = m;
	return 0;

err_model:
	accelrt_model_free(m->model);
err_free:
	free(m);
	return ret;
}

void accel_py_model_free(struct accel_py_model *m)
{
	if (!m)
		return;
	accelrt_model_bindings_free(m->io);
	accelrt_model_free(m->model);
	free(m);
}

unsigned int accel_py_model_tensors(const struct accel_py_model *m, int output)
{
	return output ? accelrt_model_num_outputs(m->model) : accelrt_model_num_inputs(m->model);
}

int accel_py_model_tensor(const struct accel_py_model *m, int output, unsigned int i,
			  const char **name, int *dtype, int *rank, const int64_t **dims,
			  uint64_t *bytes)
{
	struct accelrt_model_tensor t;
	int ret;

	ret = output ? accelrt_model_output(m->model, i, &t) : accelrt_model_input(m->model, i, &t);
	if (ret)
		return ret;
	*name = t.name;
	*dtype = t.dtype;
	*rank = t.rank;
	*dims = t.dims;
	*bytes = t.bytes;
	return 0;
}

void *accel_py_model_map(struct accel_py_model *m, int output, unsigned int i)
{
	return output ? accelrt_model_output_map(m->io, i) : accelrt_model_input_map(m->io, i);
}

int accel_py_model_run(struct accel_py_model *m, char *err, size_t err_len)
{
	struct accelrt_model_stats st;
	size_t used = 0;
	int ret;

	if (err_len)
		err[0] = '\0';
	ret = accelrt_model_run_sync(m->model, m->io, 0);
	if (!ret || !err_len)
		return ret;
	/* A host stage's failure says why in words; the device's is the errno alone. */
	accelrt_model_get_stats(m->model, &st);
	for (unsigned int i = 0; i < st.stages_device + st.stages_host && used < err_len; i++) {
		const char *msg = accelrt_model_host_error(m->model, i);

		if (msg)
			used += (size_t)snprintf(err + used, err_len - used, "%shost stage %u: %s",
						 used ? "; " : "", i, msg);
	}
	return ret;
}
