// SPDX-License-Identifier: MIT
/*
 * json_shape FILE - the shape of the JSON texts in FILE (one or several, as `accel top -J`
 * prints them): one line per leaf, "PATH TYPE", array elements as [] and, for the keys that
 * name things rather than measure them (node, driver, dev...), "= VALUE". Two outputs of a
 * command compare equal (after sort -u) when they have the same fields for the same devices,
 * whatever the counters, times and pids were. tests/tools/kernel-record.sh compares the
 * kernel oracle's answers with the recording this way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

/* Keys whose values identify (kept), as opposed to measure (dropped). */
static const char *const identity_keys[] = {
	"node", "path", "dev", "accel", "backend", "driver", "drm_driver", "desc", "version",
	"parent", "device", "comm", "class", "unit", "usage_stats",
};

static int is_identity(const char *key)
{
	size_t i;

	for (i = 0; key && i < sizeof(identity_keys) / sizeof(identity_keys[0]); i++)
		if (!strcmp(key, identity_keys[i]))
			return 1;
	return 0;
}

static void shape(json_object *o, const char *path, const char *key)
{
	char sub[1024];
	size_t i;

	switch (json_object_get_type(o)) {
	case json_type_object:
		printf("%s object\n", path);
		json_object_object_foreach(o, k, v) {
			snprintf(sub, sizeof(sub), "%s.%s", path, k);
			shape(v, sub, k);
		}
		break;
	case json_type_array:
		printf("%s array\n", path);
		snprintf(sub, sizeof(sub), "%s[]", path);
		for (i = 0; i < json_object_array_length(o); i++)
			shape(json_object_array_get_idx(o, i), sub, NULL);
		break;
	case json_type_null:
		printf("%s null\n", path);
		break;
	default:
		/* Integers and doubles are both numbers: 0.0 and 0 are one kind of value. */
		printf("%s %s", path, json_object_is_type(o, json_type_string) ? "string" :
				      json_object_is_type(o, json_type_boolean) ? "boolean" : "number");
		if (is_identity(key))
			printf(" = %s", json_object_get_string(o));
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	json_tokener *tok;
	FILE *f;
	char line[1 << 16];
	int docs = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: json_shape FILE\n");
		return 2;
	}
	f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	tok = json_tokener_new();
	/* Texts may span lines (pretty) or share none (one a line): feed line by line. */
	while (fgets(line, sizeof(line), f)) {
		json_object *o = json_tokener_parse_ex(tok, line, (int)strlen(line));
		enum json_tokener_error e = json_tokener_get_error(tok);

		if (e == json_tokener_continue)
			continue;
		if (e != json_tokener_success) {
			fprintf(stderr, "%s: not JSON: %s\n", argv[1], json_tokener_error_desc(e));
			return 1;
		}
		shape(o, "$", NULL);
		json_object_put(o);
		json_tokener_reset(tok);
		docs++;
	}
	json_tokener_free(tok);
	fclose(f);
	if (!docs) {
		fprintf(stderr, "%s: no JSON text\n", argv[1]);
		return 1;
	}
	return 0;
}
