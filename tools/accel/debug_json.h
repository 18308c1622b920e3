/* SPDX-License-Identifier: MIT */
/*
 * `accel debug dump --json` and `accel debug vm --json`: the vnpu driver's debugfs views
 * (state, queues, jobs, coredump, vm: their text formats are in docs/vnpu.md) as JSON
 * objects. docs/tools.md, "accel debug", lists the fields.
 */
#ifndef ACCEL_TOOL_DEBUG_JSON_H
#define ACCEL_TOOL_DEBUG_JSON_H

#include <json-c/json.h>

/**
 * debug_json_state() - debugfs "state" as an object: its "KEY: ..." lines as fields,
 * "engines" an array (each with "running" and "queued"), "last_hang"/"last_fault" null when
 * none.
 * @text: the file's text
 *
 * Return: a new object (json_object_put() it), NULL without memory.
 */
json_object *debug_json_state(const char *text);

/**
 * debug_json_queues() - debugfs "queues" as {"contexts": [...], "user_queues": [...]}, one
 * object per line (its engine lines are left out: "state" has the engines).
 * @text: the file's text
 */
json_object *debug_json_queues(const char *text);

/**
 * debug_json_jobs() - debugfs "jobs" as an array of objects, oldest first.
 * @text: the file's text
 */
json_object *debug_json_jobs(const char *text);

/**
 * debug_json_coredumps() - debugfs "coredump" as {"hang": DUMP|null, "fault": DUMP|null}:
 * each dump with its job (or user-queue entry), fault, stream, where it stopped, the packets
 * around that ("packets", the one it stopped at with "here": true), the client's "vm" with
 * its "mappings", and the "engines" at that moment.
 * @text: the file's text
 */
json_object *debug_json_coredumps(const char *text);

/**
 * debug_json_vm_client() - one client's section of debugfs "vm" ("client ID: N mappings",
 * its mapping lines, "last fault: ...") as {"client", "mappings": [...], "last_fault"}.
 * @section: the section's text, from its "client" line to the next section
 * @len: its length
 */
json_object *debug_json_vm_client(const char *section, size_t len);

#endif /* ACCEL_TOOL_DEBUG_JSON_H */
