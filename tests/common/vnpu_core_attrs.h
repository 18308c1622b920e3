/* SPDX-License-Identifier: MIT */
/*
 * What a process running the embedded core reads of its own attribute tree (sysfs, debugfs
 * and /proc as the core renders them, in-process): whole files, the drm client id of a
 * named client, and the engine debugfs "queues" shows running a job. For the unit tests and
 * the reliability campaigns; nothing here asserts.
 */
#ifndef TESTS_COMMON_VNPU_CORE_ATTRS_H
#define TESTS_COMMON_VNPU_CORE_ATTRS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <accel/attr.h>

/* The whole text of attribute file @path (relative to sys; malloc'd), or NULL. */
static inline char *core_attr_text(const char *path)
{
	struct attr_node *node = attr_lookup(path);
	char *text = NULL;

	if (!node || attr_read(node, &text, NULL))
		return NULL;
	return text;
}

/* The drm client id of this process's client named @name (from its fdinfo), or 0. */
static inline uint64_t core_client_id_by_name(const char *name)
{
	struct attr_node *dir, *f;
	char path[64], want[96];
	uint64_t id = 0;

	snprintf(path, sizeof(path), "%d/fdinfo", (int)getpid());
	dir = attr_lookup_in(attr_proc_root(), path);
	if (!dir)
		return 0;
	snprintf(want, sizeof(want), "drm-client-name:\t%s\n", name);
	for (f = dir->children; f && !id; f = f->next) {
		char *text = NULL, *p;

		if (attr_read(f, &text, NULL))
			continue;
		p = strstr(text, "drm-client-id:\t");
		if (strstr(text, want) && p)
			id = strtoull(p + strlen("drm-client-id:\t"), NULL, 10);
		free(text);
	}
	return id;
}

/*
 * Whether the text @queues of a vnpu's debugfs "queues" (changed: split into lines) shows job
 * @job of context @ctx of client @client running on an engine: that engine's name in @name
 * (@n bytes), and in *@hung (when not NULL) whether it is an injected hang.
 */
static inline bool vnpu_queues_running(char *queues, uint64_t client, uint32_t ctx, uint64_t job,
				       char *name, size_t n, bool *hung)
{
	char want[96], *line, *save = NULL;

	snprintf(want, sizeof(want), " running=client %llu ctx %u job %llu since_ns=",
		 (unsigned long long)client, ctx, (unsigned long long)job);
	for (line = strtok_r(queues, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *colon = strchr(line, ':');

		if (strncmp(line, "engine ", 7) || !strstr(line, want) || !colon)
			continue;
		snprintf(name, n, "%.*s", (int)(colon - line - 7), line + 7);
		if (hung)
			*hung = strstr(line, "(hung)") != NULL;
		return true;
	}
	return false;
}

#endif
