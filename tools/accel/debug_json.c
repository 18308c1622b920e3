// SPDX-License-Identifier: MIT
/*
 * The vnpu driver's debugfs views as JSON (debug_json.h). The driver renders text, as a
 * kernel's debugfs and devcoredump do; its lines have three shapes, read here:
 *
 *   KEY: WORD k=v k=v ... (NOTE)    fields: k=v pairs, a leading bare WORD (a name), a bare
 *                                   read/write (an access), a parenthesised NOTE
 *   engine NAME: k=v ...            an engine, followed by "  running: ..." and "  queued: ..."
 *   => #I +0xOFF NAME (0xOP) ...    a packet of a coredump; 0x...-0x... ... a VM mapping
 *
 * Values become JSON numbers when they are decimal or 0x-hex integers (addresses and
 * offsets included), booleans for yes/no, strings otherwise. A line of no known shape is
 * kept whole in an "other" array, so nothing the driver says is lost.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debug_json.h"

/* One value: a decimal or 0x-hex integer, yes/no, or a string. */
static json_object *dj_value(const char *v)
{
	const char *p = v;
	char *end;

	if (!strcmp(v, "yes") || !strcmp(v, "no"))
		return json_object_new_boolean(v[0] == 'y');
	if (p[0] == '0' && p[1] == 'x' && p[2]) {
		uint64_t x;

		errno = 0;
		x = strtoull(p + 2, &end, 16);
		if (!errno && !*end)
			return json_object_new_uint64(x);
	} else if (*p) {
		long long x;

		errno = 0;
		x = strtoll(p, &end, 10);
		if (!errno && !*end && (isdigit((unsigned char)*p) || (*p == '-' && p[1])))
			return json_object_new_int64(x);
	}
	return json_object_new_string(v);
}

/*
 * The words of @text (one line) as fields of @obj: k=v pairs; a leading bare word under
 * @bare_key (when not NULL); a bare "read" or "write" as "access"; a parenthesised note as
 * "note", or "injected_hang": true when it says so.
 */
static void dj_fields(json_object *obj, const char *text, const char *bare_key)
{
	char *copy = strdup(text), *p = copy, *word, *eq;
	bool first = true;

	if (!copy)
		return;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (*p == '(') {
			char *close = strrchr(p, ')');

			if (close)
				*close = '\0';
			if (strstr(p + 1, "injected hang"))
				json_object_object_add(obj, "injected_hang", json_object_new_boolean(1));
			else
				json_object_object_add(obj, "note", json_object_new_string(p + 1));
			break;
		}
		word = p;
		p += strcspn(p, " ");
		if (*p)
			*p++ = '\0';
		eq = strchr(word, '=');
		if (eq) {
			*eq = '\0';
			json_object_object_add(obj, word, dj_value(eq + 1));
		} else if (!strcmp(word, "read") || !strcmp(word, "write")) {
			json_object_object_add(obj, "access", json_object_new_string(word));
		} else if (first && bare_key) {
			json_object_object_add(obj, bare_key, dj_value(word));
		} else {
			json_object_object_add(obj, "note", json_object_new_string(word));
		}
		first = false;
	}
	free(copy);
}

/* The array @key of @obj, made empty when missing. */
static json_object *dj_array(json_object *obj, const char *key)
{
	json_object *a;

	if (json_object_object_get_ex(obj, key, &a) && json_object_is_type(a, json_type_array))
		return a;
	a = json_object_new_array();
	json_object_object_add(obj, key, a);
	return a;
}

/* Keep a line of no known shape. */
static void dj_other(json_object *obj, const char *line)
{
	json_object_array_add(dj_array(obj, "other"), json_object_new_string(line));
}

/*
 * Where the lines of one view go: @obj the view (or one coredump); @engine the last engine
 * (its running and queued jobs follow it); @vm the VM object (its mappings and last fault
 * follow it); @in_packets after a "packets:" line.
 */
struct dj_ctx {
	json_object *obj;
	json_object *engine;
	json_object *vm;
	bool in_packets;
};

/* "=> #0 +0x0 DMA_COPY (0x10) length=8 flags=0x0: 00080010 ..." and its kin. */
static void dj_packet(struct dj_ctx *c, const char *line)
{
	json_object *pk = json_object_new_object(), *dw;
	bool here = !strncmp(line, "=>", 2);
	const char *p = line + 2;
	unsigned int index, opcode, length, flags;
	unsigned long long off;
	char name[64];
	int n = 0;

	while (*p == ' ')
		p++;
	json_object_object_add(pk, "here", json_object_new_boolean(here));
	if (sscanf(p, "#%u +%llx %63s (%x) length=%u flags=%x:%n", &index, &off, name, &opcode,
		   &length, &flags, &n) == 6 && n > 0) {
		json_object_object_add(pk, "index", json_object_new_int64(index));
		json_object_object_add(pk, "offset", json_object_new_uint64(off));
		json_object_object_add(pk, "opcode", json_object_new_string(name));
		json_object_object_add(pk, "opcode_value", json_object_new_int64(opcode));
		json_object_object_add(pk, "length", json_object_new_int64(length));
		json_object_object_add(pk, "flags", json_object_new_int64(flags));
		dw = json_object_new_array();
		p += n;
		for (;;) {
			char *end;
			unsigned long v;

			while (*p == ' ')
				p++;
			if (!strncmp(p, "...", 3)) {
				json_object_object_add(pk, "truncated", json_object_new_boolean(1));
				break;
			}
			v = strtoul(p, &end, 16);
			if (end == p)
				break;
			json_object_array_add(dw, json_object_new_int64((int64_t)v));
			p = end;
		}
		json_object_object_add(pk, "dwords", dw);
	} else if (sscanf(p, "#%u +%llx (malformed header)", &index, &off) == 2) {
		json_object_object_add(pk, "index", json_object_new_int64(index));
		json_object_object_add(pk, "offset", json_object_new_uint64(off));
		json_object_object_add(pk, "malformed", json_object_new_boolean(1));
	} else if (!strcmp(p, "(end of stream)")) {
		json_object_object_add(pk, "end_of_stream", json_object_new_boolean(1));
	} else {
		/* "(offset 0x.. is not at a packet boundary of the stream)" */
		json_object_object_add(pk, "note", json_object_new_string(p));
	}
	json_object_array_add(dj_array(c->obj, "packets"), pk);
}

/* "0x0000000010000000-0x0000000010001000 size=4096 obj_size=4096 offset=0x0 flags=rw" */
static void dj_mapping(struct dj_ctx *c, const char *line)
{
	json_object *m = json_object_new_object();
	unsigned long long start, end;
	int n = 0;

	if (sscanf(line, "%llx-%llx%n", &start, &end, &n) == 2 && n > 0) {
		json_object_object_add(m, "start", json_object_new_uint64(start));
		json_object_object_add(m, "end", json_object_new_uint64(end));
		dj_fields(m, line + n, NULL);
	}
	if (!c->vm) {
		c->vm = json_object_new_object();
		json_object_object_add(c->obj, "vm", c->vm);
	}
	json_object_array_add(dj_array(c->vm, "mappings"), m);
}

/* "reset_count: 1 contexts: 0 user_queues: 0 vram_used: 0": each "KEY: VALUE" a field. */
static void dj_pairs(json_object *obj, const char *line)
{
	char *copy = strdup(line), *p = copy, *key, *val;

	if (!copy)
		return;
	while (p && *p) {
		key = p;
		p = strstr(p, ": ");
		if (!p)
			break;
		*p = '\0';
		val = p + 2;
		p = strchr(val, ' ');
		if (p)
			*p++ = '\0';
		json_object_object_add(obj, key, dj_value(val));
	}
	free(copy);
}

/* "1 contexts: 0 ...": a bare first value, then a second word that is a "KEY:". */
static bool dj_is_pairs(const char *rest)
{
	size_t first = strcspn(rest, " "), second;

	if (memchr(rest, '=', first) || memchr(rest, '(', first) || !rest[first])
		return false;
	rest += first + 1;
	second = strcspn(rest, " ");
	return second > 1 && rest[second - 1] == ':' && !memchr(rest, '=', second);
}

static void dj_line(struct dj_ctx *c, const char *line)
{
	const char *colon, *rest;
	json_object *o;
	char key[64];
	size_t klen;

	if (!*line)
		return;
	if (!strncmp(line, "engine ", 7) && (colon = strstr(line, ": "))) {
		c->engine = json_object_new_object();
		json_object_object_add(c->engine, "name",
				       json_object_new_string_len(line + 7, (int)(colon - line - 7)));
		dj_fields(c->engine, colon + 2, NULL);
		json_object_array_add(dj_array(c->obj, "engines"), c->engine);
		return;
	}
	if (c->engine && !strncmp(line, "  running: ", 11)) {
		o = json_object_new_object();
		dj_fields(o, line + 11, NULL);
		json_object_object_add(c->engine, "running", o);
		return;
	}
	if (c->engine && !strncmp(line, "  queued: ", 10)) {
		o = json_object_new_object();
		dj_fields(o, line + 10, NULL);
		json_object_array_add(dj_array(c->engine, "queued"), o);
		return;
	}
	if (c->in_packets && (!strncmp(line, "=> ", 3) || !strncmp(line, "   ", 3))) {
		dj_packet(c, line);
		return;
	}
	if (!strncmp(line, "0x", 2) && strchr(line, '-')) {
		dj_mapping(c, line);
		return;
	}
	colon = strchr(line, ':');
	klen = colon ? (size_t)(colon - line) : 0;
	if (!colon || klen >= sizeof(key) || (colon[1] && colon[1] != ' ')) {
		dj_other(c->obj, line);
		return;
	}
	memcpy(key, line, klen);
	key[klen] = '\0';
	rest = colon[1] ? colon + 2 : colon + 1;
	c->in_packets = false;
	if (!strcmp(key, "packets")) {
		c->in_packets = true;
		dj_array(c->obj, "packets");
	} else if (!strcmp(key, "engines")) {
		c->engine = NULL;
		dj_array(c->obj, "engines");
	} else if (!strcmp(key, "vm")) {
		c->vm = json_object_new_object();
		dj_fields(c->vm, rest, NULL);
		/* "mappings=N" is the count; "mappings" is the array of the lines that follow. */
		if (json_object_object_get_ex(c->vm, "mappings", &o)) {
			json_object_object_add(c->vm, "mappings_count", json_object_get(o));
			json_object_object_del(c->vm, "mappings");
		}
		dj_array(c->vm, "mappings");
		json_object_object_add(c->obj, "vm", c->vm);
	} else if (!strcmp(key, "vm last fault") || !strcmp(key, "last fault")) {
		o = json_object_new_object();
		dj_fields(o, rest, NULL);
		json_object_object_add(c->vm ? c->vm : c->obj, "last_fault", o);
	} else if (!strcmp(key, "stream unreadable")) {
		if (!json_object_object_get_ex(c->obj, "stream", &o)) {
			o = json_object_new_object();
			json_object_object_add(c->obj, "stream", o);
		}
		json_object_object_add(o, "unreadable_error", dj_value(rest));
	} else if (!strcmp(key, "reason")) {
		/* "reason: hang error=-62": the dump's own fields. */
		dj_fields(c->obj, rest, "reason");
	} else if (!strcmp(key, "stopped") && !strncmp(rest, "stream completed", 16)) {
		o = json_object_new_object();
		json_object_object_add(o, "completed", json_object_new_boolean(1));
		json_object_object_add(c->obj, "stopped", o);
	} else if (dj_is_pairs(rest)) {
		dj_pairs(c->obj, line);
	} else if (!strcmp(rest, "none")) {
		json_object_object_add(c->obj, key, NULL);
	} else if (!strchr(rest, ' ') && !strchr(rest, '=')) {
		json_object_object_add(c->obj, key, dj_value(rest));
	} else {
		o = json_object_new_object();
		dj_fields(o, rest, "name");
		json_object_object_add(c->obj, key, o);
	}
}

/* Feed each line of @text (@len bytes) to dj_line(). */
static void dj_lines(struct dj_ctx *c, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = strndup(p, n);

		if (!line)
			return;
		dj_line(c, line);
		free(line);
		p += n + 1;
	}
}

json_object *debug_json_state(const char *text)
{
	struct dj_ctx c = { .obj = json_object_new_object() };

	if (c.obj) {
		dj_array(c.obj, "engines");
		dj_lines(&c, text, strlen(text));
	}
	return c.obj;
}

/*
 * An array of the lines of @text that start with "client=" (and hold @has, and not @hasnt,
 * when given), each an object of its fields.
 */
static json_object *dj_rows(const char *text, const char *has, const char *hasnt)
{
	json_object *a = json_object_new_array();
	const char *p = text;

	while (a && *p) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);

		if (line && !strncmp(line, "client=", 7) && (!has || strstr(line, has)) &&
		    (!hasnt || !strstr(line, hasnt))) {
			json_object *o = json_object_new_object();

			dj_fields(o, line, NULL);
			json_object_array_add(a, o);
		}
		free(line);
		p += n;
		if (*p)
			p++;
	}
	return a;
}

json_object *debug_json_queues(const char *text)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "contexts", dj_rows(text, NULL, " user-queue="));
	json_object_object_add(o, "user_queues", dj_rows(text, " user-queue=", NULL));
	return o;
}

json_object *debug_json_jobs(const char *text)
{
	return dj_rows(text, NULL, NULL);
}

json_object *debug_json_coredumps(const char *text)
{
	static const char head[] = "vnpu coredump: ";
	json_object *o = json_object_new_object();
	const char *p = text;

	if (!o)
		return NULL;
	json_object_object_add(o, "hang", NULL);
	json_object_object_add(o, "fault", NULL);
	/* The file holds the hang's dump, then the fault's, each from its "vnpu coredump:" line. */
	while ((p = strstr(p, head)) && (p == text || p[-1] == '\n')) {
		const char *kind = p + sizeof(head) - 1, *next = strstr(kind, "\nvnpu coredump: ");
		size_t len = next ? (size_t)(next - p) : strlen(p);
		struct dj_ctx c = { .obj = json_object_new_object() };
		const char *body = strchr(p, '\n');

		if (!c.obj)
			break;
		if (body && (size_t)(body - p) < len)
			dj_lines(&c, body + 1, len - (size_t)(body + 1 - p));
		json_object_object_add(o, !strncmp(kind, "hang", 4) ? "hang" : "fault", c.obj);
		if (!next)
			break;
		p = next + 1;
	}
	return o;
}

json_object *debug_json_vm_client(const char *section, size_t len)
{
	struct dj_ctx c = { .obj = json_object_new_object() };
	unsigned long long id, n;
	const char *body = memchr(section, '\n', len);

	if (!c.obj)
		return NULL;
	c.vm = c.obj;
	if (sscanf(section, "client %llu: %llu mappings", &id, &n) == 2) {
		json_object_object_add(c.obj, "client", json_object_new_uint64(id));
		json_object_object_add(c.obj, "mappings_count", json_object_new_uint64(n));
	}
	dj_array(c.obj, "mappings");
	if (body)
		dj_lines(&c, body + 1, len - (size_t)(body + 1 - section));
	return c.obj;
}
