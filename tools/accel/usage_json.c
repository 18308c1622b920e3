// SPDX-License-Identifier: MIT
/*
 * JSON of clients and device state, shared by info and top (usage_json.h).
 */
#include <stdio.h>

#include "usage_json.h"

json_object *usage_client_json(const struct fdinfo_client *c, const struct devstat_device *d)
{
	json_object *o = json_object_new_object(), *eng = json_object_new_object();
	json_object *mem = json_object_new_object();
	size_t i;

	json_object_object_add(o, "pid", json_object_new_int(c->pid));
	json_object_object_add(o, "comm", json_object_new_string(c->comm));
	json_object_object_add(o, "device", d ? json_object_new_string(d->node) : NULL);
	json_object_object_add(o, "driver", json_object_new_string(c->driver[0] || !d ? c->driver :
											   d->drm_driver));
	json_object_object_add(o, "usage_stats", json_object_new_boolean(c->usage_stats));
	json_object_object_add(o, "client_id", c->usage_stats ?
				json_object_new_int64((int64_t)c->client_id) : NULL);
	if (c->client_name[0])
		json_object_object_add(o, "client_name", json_object_new_string(c->client_name));
	if (c->pdev[0])
		json_object_object_add(o, "pdev", json_object_new_string(c->pdev));
	if (c->fd >= 0)
		json_object_object_add(o, "fd", json_object_new_int(c->fd));
	for (i = 0; i < c->nr_engines; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "ns", json_object_new_int64((int64_t)c->engines[i].ns));
		json_object_object_add(e, "capacity", json_object_new_int((int)c->engines[i].capacity));
		json_object_object_add(eng, c->engines[i].name, e);
	}
	json_object_object_add(o, "engines", eng);
	for (i = 0; i < c->nr_regions; i++) {
		const struct fdinfo_region *r = &c->regions[i];
		json_object *m = json_object_new_object();

		if (r->have & FDINFO_MEM_TOTAL)
			json_object_object_add(m, "total", json_object_new_int64((int64_t)r->total));
		if (r->have & FDINFO_MEM_SHARED)
			json_object_object_add(m, "shared", json_object_new_int64((int64_t)r->shared));
		if (r->have & FDINFO_MEM_RESIDENT)
			json_object_object_add(m, "resident", json_object_new_int64((int64_t)r->resident));
		if (r->have & FDINFO_MEM_ACTIVE)
			json_object_object_add(m, "active", json_object_new_int64((int64_t)r->active));
		if (r->have & FDINFO_MEM_PURGEABLE)
			json_object_object_add(m, "purgeable", json_object_new_int64((int64_t)r->purgeable));
		json_object_object_add(mem, r->name, m);
	}
	json_object_object_add(o, "memory", mem);
	return o;
}

json_object *usage_regions_json(const struct devstat_device *d)
{
	json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; i < d->nr_regions; i++) {
		json_object *r = json_object_new_object();

		json_object_object_add(r, "total", json_object_new_int64((int64_t)d->regions[i].total));
		if (d->regions[i].have_used)
			json_object_object_add(r, "used", json_object_new_int64((int64_t)d->regions[i].used));
		json_object_object_add(o, d->regions[i].name, r);
	}
	return o;
}

const char *usage_format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	while (v >= 1024 && u < sizeof(units) / sizeof(units[0]) - 1) {
		v /= 1024;
		u++;
	}
	if (!u)
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f %s", v, units[u]);
	return buf;
}
