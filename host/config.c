// SPDX-License-Identifier: MIT
/*
 * Device configuration: an INI text whose every section names a platform device instance
 * ("[example.0]") and holds its "driver" and the driver's parameters. Parsed with inih.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <ini.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/attr.h>
#include <accel/drm_print.h>
#include <accel/platform_device.h>

#include "host/host.h"

struct config_device {
	char *section;
	char *driver;
	char **keys;
	char **values;
	unsigned int n;
	struct platform_device *pdev;	/* once added (not a reference) */
	struct config_device *next;
};

struct config_state {
	struct config_device *head, **tail;
	struct accel_config_result *res;
	int error;
};

static struct config_device *config_device_get(struct config_state *st, const char *section)
{
	struct config_device *d;

	for (d = st->head; d; d = d->next)
		if (!strcmp(d->section, section))
			return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->section = strdup(section);
	if (!d->section) {
		free(d);
		return NULL;
	}
	*st->tail = d;
	st->tail = &d->next;
	return d;
}

/* [nodes]: owner, group and mode of the node sockets acceld creates. */
static int config_nodes_key(struct config_state *st, const char *name, const char *value)
{
	struct accel_config_result *res = st->res;
	char *end;

	if (!res)
		return 1;
	res->nodes_set = 1;
	if (!strcmp(name, "mode")) {
		long m = strtol(value, &end, 8);

		if (*end || m < 0 || m > 07777)
			goto bad;
		res->node_mode = (mode_t)m;
	} else if (!strcmp(name, "owner")) {
		struct passwd *pw = getpwnam(value);
		long id = strtol(value, &end, 10);

		if (pw)
			res->node_uid = pw->pw_uid;
		else if (!*end && end != value && id >= 0)
			res->node_uid = (uid_t)id;
		else
			goto bad;
	} else if (!strcmp(name, "group")) {
		struct group *gr = getgrnam(value);
		long id = strtol(value, &end, 10);

		if (gr)
			res->node_gid = gr->gr_gid;
		else if (!*end && end != value && id >= 0)
			res->node_gid = (gid_t)id;
		else
			goto bad;
	} else {
		DRM_ERROR("config: [nodes] has no key '%s' (owner, group, mode)", name);
		st->error = -EINVAL;
		return 0;
	}
	return 1;
bad:
	DRM_ERROR("config: [nodes] %s = %s: not a valid value", name, value);
	st->error = -EINVAL;
	return 0;
}

static int config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct config_state *st = user;
	struct config_device *d;
	char **k, **v;

	if (!strcmp(section, "nodes"))
		return config_nodes_key(st, name, value);

	if (!section[0]) {
		DRM_ERROR("config: key '%s' outside a device section", name);
		st->error = -EINVAL;
		return 0;
	}
	d = config_device_get(st, section);
	if (!d)
		goto nomem;
	if (!strcmp(name, "driver")) {
		free(d->driver);
		d->driver = strdup(value);
		return d->driver ? 1 : 0;
	}
	k = realloc(d->keys, (d->n + 1) * sizeof(*k));
	if (!k)
		goto nomem;
	d->keys = k;
	v = realloc(d->values, (d->n + 1) * sizeof(*v));
	if (!v)
		goto nomem;
	d->values = v;
	d->keys[d->n] = strdup(name);
	d->values[d->n] = strdup(value);
	d->n++;
	return 1;
nomem:
	st->error = -ENOMEM;
	return 0;
}

static void config_free(struct config_state *st)
{
	struct config_device *d, *next;
	unsigned int i;

	for (d = st->head; d; d = next) {
		next = d->next;
		for (i = 0; i < d->n; i++) {
			free(d->keys[i]);
			free(d->values[i]);
		}
		free(d->keys);
		free(d->values);
		free(d->driver);
		free(d->section);
		free(d);
	}
}

/* "example.3" -> id 3; a name without a numeric suffix gets id -1. */
static int config_split_name(const char *section, char **name, int *id)
{
	const char *dot = strrchr(section, '.');
	char *end;
	long n;

	if (dot && dot[1]) {
		n = strtol(dot + 1, &end, 10);
		if (!*end && n >= 0 && n < 1 << 20) {
			*name = strndup(section, dot - section);
			*id = (int)n;
			return *name ? 0 : -ENOMEM;
		}
	}
	*name = strdup(section);
	*id = -1;
	return *name ? 0 : -ENOMEM;
}

int accel_config_apply(const char *text, const char *origin, struct accel_config_result *res)
{
	struct config_state st = { .head = NULL, .res = res };
	struct config_device *d;
	int line, err = 0;

	st.tail = &st.head;
	line = ini_parse_string(text, config_handler, &st);
	if (line) {
		DRM_ERROR("%s: line %d: not a valid configuration line", origin, line);
		err = st.error ? st.error : -EINVAL;
		goto out;
	}
	for (d = st.head; d; d = d->next) {
		struct platform_device *pdev;
		unsigned int i;
		char *name;
		int id;

		if (!d->driver) {
			DRM_ERROR("%s: [%s] has no 'driver' key", origin, d->section);
			err = -EINVAL;
			goto out;
		}
		err = config_split_name(d->section, &name, &id);
		if (err)
			goto out;
		/* The device carries the driver's name: the platform bus matches by it. */
		pdev = platform_device_alloc(d->driver, id);
		free(name);
		if (!pdev) {
			err = -ENOMEM;
			goto out;
		}
		for (i = 0; i < d->n && !err; i++)
			err = platform_device_add_param(pdev, d->keys[i], d->values[i]);
		if (!err)
			err = platform_device_add(pdev);
		if (err) {
			DRM_ERROR("%s: [%s]: cannot add device: %s", origin, d->section, strerror(-err));
			platform_device_put(pdev);
			goto out;
		}
		if (res) {
			struct platform_device **devs = realloc(res->devices,
								(res->num_devices + 1) * sizeof(*devs));

			if (!devs) {
				platform_device_unregister(pdev);
				err = -ENOMEM;
				goto out;
			}
			devs[res->num_devices++] = pdev;
			res->devices = devs;
		}
		d->pdev = pdev;
	}
	/*
	 * sriov_numvfs = N: stored into the device's attribute once every configured device is
	 * probed, as a boot script would echo it, so that VFs take minors after all of them.
	 */
	for (d = st.head; d && !err; d = d->next) {
		const char *numvfs = d->pdev ? platform_get_param(d->pdev, "sriov_numvfs") : NULL;
		struct attr_node *node;
		ssize_t ret;

		if (!numvfs)
			continue;
		node = attr_child(device_attr_dir(&d->pdev->dev), "sriov_numvfs");
		ret = node ? attr_write(node, numvfs, strlen(numvfs)) : -ENOENT;
		if (ret < 0) {
			DRM_ERROR("%s: [%s]: sriov_numvfs = %s: %s", origin, d->section, numvfs,
				  strerror((int)-ret));
			err = (int)ret;
		}
	}
out:
	config_free(&st);
	return err;
}

char *accel_read_text_file(const char *path, int *err)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f) {
		*err = -errno;
		return NULL;
	}
	if (getdelim(&buf, &len, 0, f) < 0 && !buf) {
		*err = -EIO;
		fclose(f);
		return NULL;
	}
	fclose(f);
	if (!buf) {
		buf = strdup("");
		if (!buf)
			*err = -ENOMEM;
	}
	return buf;
}
