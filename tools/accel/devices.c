// SPDX-License-Identifier: MIT
/*
 * The device list and its JSON form, shared by `accel list` and `accel info`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"

int accel_devices_get(struct accel_device_info **v, size_t *n, int all)
{
	int err = accel_devices_list(v, n, all);

	if (err == -ECONNREFUSED) {
		fprintf(stderr, "%s: no acceld serves %s (the one that did is gone): start acceld, "
			"or set ACCEL_BACKEND=embedded to run the devices in this command\n",
			accel_prog, accel_root());
		return 1;
	}
	if (err) {
		fprintf(stderr, "%s: cannot list devices under %s: %s%s\n", accel_prog, accel_root(),
			strerror(-err),
			err == -EINVAL && getenv("ACCEL_BACKEND") ?
				" (ACCEL_BACKEND must be kernel, daemon or embedded)" : "");
		return 1;
	}
	return 0;
}

json_object *accel_device_json(const struct accel_device_info *d)
{
	json_object *o = json_object_new_object();
	char dev[32];

	snprintf(dev, sizeof(dev), "%u:%u", d->major, d->minor);
	json_object_object_add(o, "node", json_object_new_string(d->node));
	json_object_object_add(o, "path", json_object_new_string(d->path));
	json_object_object_add(o, "dev", json_object_new_string(dev));
	json_object_object_add(o, "accel", json_object_new_boolean(d->is_accel));
	json_object_object_add(o, "backend", json_object_new_string(accel_backend_name(d->backend)));
	json_object_object_add(o, "parent", json_object_new_string(d->parent));
	if (d->open_error) {
		json_object_object_add(o, "error", json_object_new_string(strerror(-d->open_error)));
		return o;
	}
	json_object_object_add(o, "driver", json_object_new_string(d->driver));
	json_object_object_add(o, "desc", json_object_new_string(d->desc));
	{
		char v[48];

		snprintf(v, sizeof(v), "%d.%d.%d", d->version_major, d->version_minor,
			 d->version_patchlevel);
		json_object_object_add(o, "version", json_object_new_string(v));
	}
	{
		json_object *caps = json_object_new_object();

		json_object_object_add(caps, "prime", json_object_new_int64(d->cap_prime));
		json_object_object_add(caps, "syncobj", json_object_new_int64(d->cap_syncobj));
		json_object_object_add(caps, "syncobj_timeline",
				       json_object_new_int64(d->cap_syncobj_timeline));
		json_object_object_add(caps, "timestamp_monotonic",
				       json_object_new_int64(d->cap_timestamp_monotonic));
		json_object_object_add(o, "caps", caps);
	}
	return o;
}
