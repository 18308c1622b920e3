/* SPDX-License-Identifier: MIT */
/*
 * The JSON forms `accel info --json` and `accel top -J` share: a client, a device's engines
 * and memory regions (docs/tools.md lists the fields).
 */
#ifndef ACCEL_TOOL_USAGE_JSON_H
#define ACCEL_TOOL_USAGE_JSON_H

#include <json-c/json.h>

#include "devstat.h"
#include "fdinfo_scan.h"

/**
 * usage_client_json() - a client's identity, its cumulative engine time per class and its
 * memory per region (bytes), as its fdinfo gave them
 * @c: the client
 * @d: the device it uses, NULL when unknown (then "device" is null); its driver stands for
 *	the client's when the fdinfo had no usage keys
 *
 * Return: a new object (json_object_put() it).
 */
json_object *usage_client_json(const struct fdinfo_client *c, const struct devstat_device *d);

/**
 * usage_regions_json() - @d's memory regions: {"vram": {"total": N, "used": N}, ...}
 */
json_object *usage_regions_json(const struct devstat_device *d);

/** usage_format_size() - @bytes as "12.0 MiB" into @buf. Returns @buf. */
const char *usage_format_size(uint64_t bytes, char *buf, size_t size);

#endif /* ACCEL_TOOL_USAGE_JSON_H */
