// SPDX-License-Identifier: MIT
/*
 * onnx-conformance: every model of ONNX's own test data (Debian libonnx-testdata) through
 * `accel run --data`, tallied per operator type, written as docs/ONNX.md (`make
 * onnx-conformance`). With --check it fails unless the goals of docs/ONNX.md hold.
 *
 * Each test runs as its own `accel run` process (a crash or a hang fails that test only), up to
 * --jobs at once, each with a time limit. A test belongs to one operator type: the op of its
 * model when the model has one; for a function's "_expanded" model, the op of the same test
 * without the suffix; otherwise the model's op whose name best matches the test's name.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compiler/op.h"
#include "onnx.pb-c.h"

#define DEFAULT_DATA "/usr/share/libonnx-testdata/data"
#define MSG_MAX 240

static const char *const kinds[] = { "node", "pytorch-converted", "pytorch-operator", "simple" };
#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

enum outcome { OUT_PASS, OUT_MISMATCH, OUT_UNSUPPORTED, OUT_DEVICE, OUT_CRASH, OUT_TIMEOUT };
static const char *const outcome_names[] = { "pass", "mismatch", "unsupported", "device error",
					     "crash", "timeout" };

struct conf_test {
	char *kind;
	char *name;
	char *op;		/* the operator type it belongs to */
	char **ops;		/* the model's distinct operator types */
	size_t n_ops;
	enum outcome outcome;
	char msg[MSG_MAX];	/* the first error line of `accel run` */
	const char *out_of_scope; /* why the test cannot count for or against anyone, or NULL */
};

struct conf_run {
	char root[64];		/* a private ACCEL_ROOT per job slot under it: root/N */
	struct conf_test *tests;
	size_t n;
	const char *accel;
	const char *data;
	int jobs;
	int timeout_s;
};

static bool op_claimed(const char *op);

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "onnx-conformance: out of memory\n");
		exit(2);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fprintf(stderr, "onnx-conformance: out of memory\n");
		exit(2);
	}
	return d;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ONNX TensorProto.DataType STRING: the IR (and any accelerator) has no string tensors. */
#define ONNX_STRING 8

static bool value_out_of_scope(const Onnx__ValueInfoProto *vi, const char **why)
{
	if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) {
		*why = "a sequence, map or optional value (the IR has tensors only)";
		return true;
	}
	if (vi->type->tensor_type->elem_type == ONNX_STRING) {
		*why = "string tensors";
		return true;
	}
	return false;
}

/* Ops whose outputs are random: no reference can match them. */
static bool op_is_random(const char *op)
{
	static const char *const random_ops[] = { "Bernoulli", "Multinomial", "RandomNormal",
						  "RandomNormalLike", "RandomUniform",
						  "RandomUniformLike" };

	for (size_t i = 0; i < sizeof(random_ops) / sizeof(random_ops[0]); i++)
		if (!strcmp(op, random_ops[i]))
			return true;
	return false;
}

/* The element count a TensorProto file declares, or -1 when unreadable. */
static int64_t pb_numel(const char *path)
{
	Onnx__TensorProto *tp;
	struct stat st;
	int64_t numel = 1;
	uint8_t *buf;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	if (fstat(fileno(f), &st) || !(buf = malloc(st.st_size ? st.st_size : 1))) {
		fclose(f);
		return -1;
	}
	if (fread(buf, 1, st.st_size, f) != (size_t)st.st_size)
		numel = -1;
	fclose(f);
	tp = numel < 0 ? NULL : onnx__tensor_proto__unpack(NULL, st.st_size, buf);
	free(buf);
	if (!tp)
		return -1;
	for (size_t d = 0; d < tp->n_dims; d++)
		numel *= tp->dims[d];
	onnx__tensor_proto__free_unpacked(tp, NULL);
	return numel;
}

/*
 * Tests no implementation of ONNX's tensor operators can pass, set apart from the goals:
 * values that are not numeric tensors, random outputs, and reference inputs whose size
 * contradicts the model's own static input shape (which the model checks, as ORT does).
 */
static const char *scope_check(const char *dir, const char *name, const Onnx__GraphProto *g)
{
	const char *why;

	if (!strncmp(name, "test_training_dropout", 21))
		return "random outputs (training-mode dropout)";
	for (size_t i = 0; i < g->n_node; i++) {
		const Onnx__NodeProto *n = g->node[i];

		if (n->op_type && op_is_random(n->op_type))
			return "random outputs";
		for (size_t k = 0; k < n->n_attribute; k++)
			if (!strcmp(n->attribute[k]->name, "to") && n->attribute[k]->i == ONNX_STRING)
				return "string tensors";
	}
	for (size_t i = 0; i < g->n_input; i++)
		if (value_out_of_scope(g->input[i], &why))
			return why;
	for (size_t i = 0; i < g->n_output; i++)
		if (value_out_of_scope(g->output[i], &why))
			return why;
	for (size_t i = 0, k = 0; i < g->n_input; i++) {
		const Onnx__TensorShapeProto *sh = g->input[i]->type->tensor_type->shape;
		char path[4096 + 64];
		int64_t want = 1, got;
		bool known = sh != NULL;
		bool init = false;

		for (size_t j = 0; j < g->n_initializer; j++)
			init |= g->initializer[j]->name && !strcmp(g->initializer[j]->name, g->input[i]->name);
		if (init)
			continue;
		for (size_t d = 0; sh && d < sh->n_dim; d++) {
			if (sh->dim[d]->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
				known = false;
			else
				want *= sh->dim[d]->dim_value;
		}
		snprintf(path, sizeof(path), "%s/test_data_set_0/input_%zu.pb", dir, k++);
		got = pb_numel(path);
		if (known && got >= 0 && got != want)
			return "its reference input contradicts the model's declared input shape";
	}
	return NULL;
}

/* The distinct op types of DIR/model.onnx (raw protobuf: no import, no inference). */
static int model_ops(const char *dir, struct conf_test *t)
{
	char path[4096];
	Onnx__ModelProto *m;
	struct stat st;
	uint8_t *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/model.onnx", dir);
	f = fopen(path, "rb");
	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) || !(buf = malloc(st.st_size ? st.st_size : 1))) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(buf, 1, st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	m = onnx__model_proto__unpack(NULL, st.st_size, buf);
	free(buf);
	if (!m)
		return -EINVAL;
	for (size_t i = 0; m->graph && i < m->graph->n_node; i++) {
		const char *op = m->graph->node[i]->op_type ? m->graph->node[i]->op_type : "?";
		bool seen = false;

		for (size_t k = 0; k < t->n_ops; k++)
			seen |= !strcmp(t->ops[k], op);
		if (seen)
			continue;
		t->ops = xrealloc(t->ops, (t->n_ops + 1) * sizeof(*t->ops));
		t->ops[t->n_ops++] = xstrdup(op);
	}
	if (m->graph)
		t->out_of_scope = scope_check(dir, t->name, m->graph);
	onnx__model_proto__free_unpacked(m, NULL);
	qsort(t->ops, t->n_ops, sizeof(*t->ops), cmp_str);
	return 0;
}

/* Letters of @s, lower-cased, without '_': "test_reduce_sum_x" -> "testreducesumx". */
static void squash(const char *s, char *out, size_t len)
{
	size_t j = 0;

	for (; *s && j + 1 < len; s++)
		if (*s != '_')
			out[j++] = (char)tolower((unsigned char)*s);
	out[j] = '\0';
}

static size_t common_prefix(const char *a, const char *b)
{
	size_t n = 0;

	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

static const struct conf_test *find_test(const struct conf_run *r, const char *kind,
					 const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->tests[i].kind, kind) && !strcmp(r->tests[i].name, name))
			return &r->tests[i];
	return NULL;
}

/* Which operator type a test belongs to (the rule at the top of this file). */
static void attribute_ops(struct conf_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct conf_test *t = &r->tests[i];
		char want[256], cand[256];
		size_t best = 0;

		if (t->n_ops == 0) {
			t->op = xstrdup("(empty graph)");
			continue;
		}
		if (t->n_ops == 1) {
			t->op = xstrdup(t->ops[0]);
			continue;
		}
		squash(t->name + 5, want, sizeof(want));	/* past "test_" */
		t->op = NULL;
		for (size_t k = 0; k < t->n_ops; k++) {
			size_t p;

			squash(t->ops[k], cand, sizeof(cand));
			p = common_prefix(want, cand);
			if (p > best) {
				best = p;
				free(t->op);
				t->op = xstrdup(t->ops[k]);
			}
		}
		if (!t->op)
			t->op = xstrdup(t->ops[0]);
	}
	/* Then the expanded function bodies take their op's name. */
	for (size_t i = 0; i < r->n; i++) {
		struct conf_test *t = &r->tests[i];
		size_t len = strlen(t->name);
		const struct conf_test *twin;
		char base[512];

		if (len <= 9 || strcmp(t->name + len - 9, "_expanded") || len - 9 >= sizeof(base))
			continue;
		memcpy(base, t->name, len - 9);
		base[len - 9] = '\0';
		twin = find_test(r, t->kind, base);
		if (!twin || twin->n_ops != 1)
			continue;
		free(t->op);
		t->op = NULL;
		/*
		 * A function body tests the ops it is made of: it belongs to its function's op
		 * when the compiler has every one of them, else to the first it lacks (Range's
		 * body is a Loop: a test of Loop, not of Range).
		 */
		for (size_t k = 0; k < t->n_ops && !t->op; k++)
			if (!op_claimed(t->ops[k]))
				t->op = xstrdup(t->ops[k]);
		if (!t->op)
			t->op = xstrdup(twin->op);
	}
}

static int list_tests(struct conf_run *r, const char *filter)
{
	for (size_t k = 0; k < N_KINDS; k++) {
		char dir[4096];
		struct dirent **ents;
		int n;

		snprintf(dir, sizeof(dir), "%s/%s", r->data, kinds[k]);
		n = scandir(dir, &ents, NULL, alphasort);
		if (n < 0) {
			fprintf(stderr, "onnx-conformance: %s: %s (install libonnx-testdata)\n", dir,
				strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			struct conf_test t = { 0 };
			char tdir[4096 + 256];

			if (strncmp(ents[i]->d_name, "test_", 5) ||
			    (filter && !strstr(ents[i]->d_name, filter))) {
				free(ents[i]);
				continue;
			}
			snprintf(tdir, sizeof(tdir), "%s/%s", dir, ents[i]->d_name);
			t.kind = xstrdup(kinds[k]);
			t.name = xstrdup(ents[i]->d_name);
			if (model_ops(tdir, &t))
				fprintf(stderr, "onnx-conformance: %s: model unreadable\n", tdir);
			r->tests = xrealloc(r->tests, (r->n + 1) * sizeof(*r->tests));
			r->tests[r->n++] = t;
			free(ents[i]);
		}
		free(ents);
	}
	return 0;
}

struct conf_child {
	pid_t pid;
	int fd;
	size_t test;
	char out[4096];
	size_t out_len;
	struct timespec start;
};

static pid_t spawn_accel(const struct conf_run *r, const struct conf_test *t, int slot, int *fd)
{
	char model[4096], data[4096], root[128];
	int p[2];
	pid_t pid;

	snprintf(model, sizeof(model), "%s/%s/%s/model.onnx", r->data, t->kind, t->name);
	snprintf(data, sizeof(data), "%s/%s/%s/test_data_set_0", r->data, t->kind, t->name);
	snprintf(root, sizeof(root), "%s/%d", r->root, slot);
	if (mkdir(root, 0700) && errno != EEXIST)
		return -1;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		setpgid(0, 0);	/* so that a timeout kills the test's whole process group */
		/* Its own root: tests running at once never share a device's published files. */
		setenv("ACCEL_ROOT", root, 1);
		unsetenv("ACCEL_BACKEND");
		execl(r->accel, r->accel, "run", model, "--data", data, (char *)NULL);
		dprintf(2, "exec %s: %s\n", r->accel, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	*fd = p[0];
	return pid;
}

/* The first line of the output that names a problem ("accel run: ..."), for the report. */
static void first_error_line(const char *out, char *msg, size_t len)
{
	const char *p = strstr(out, "run: ");
	const char *line = p ? p + 5 : out;
	size_t n = strcspn(line, "\n");

	if (!p) {
		/* A mismatch: the first FAIL line. */
		const char *f = strstr(out, " FAIL");

		if (f) {
			while (f > out && f[-1] != '\n')
				f--;
			line = f;
			n = strcspn(line, "\n");
		}
	}
	if (n >= len)
		n = len - 1;
	memcpy(msg, line, n);
	msg[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (msg[i] == '|')
			msg[i] = '/';	/* a markdown table cell */
}

static double elapsed_s(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) + (b.tv_nsec - a->tv_nsec) / 1e9;
}

static void finish_child(struct conf_run *r, struct conf_child *c, bool timed_out)
{
	struct conf_test *t = &r->tests[c->test];
	int status = 0;

	if (timed_out)
		kill(-c->pid, SIGKILL);
	close(c->fd);
	waitpid(c->pid, &status, 0);
	c->out[c->out_len] = '\0';
	if (timed_out)
		t->outcome = OUT_TIMEOUT;
	else if (WIFSIGNALED(status))
		t->outcome = OUT_CRASH;
	else
		switch (WEXITSTATUS(status)) {
		case 0: t->outcome = OUT_PASS; break;
		case 1: t->outcome = OUT_MISMATCH; break;
		case 2: t->outcome = OUT_UNSUPPORTED; break;
		case 3: t->outcome = OUT_DEVICE; break;
		default: t->outcome = OUT_CRASH; break;
		}
	if (timed_out)
		snprintf(t->msg, sizeof(t->msg), "no result within %d s", r->timeout_s);
	else if (WIFSIGNALED(status))
		snprintf(t->msg, sizeof(t->msg), "killed by signal %d", WTERMSIG(status));
	else if (t->outcome != OUT_PASS)
		first_error_line(c->out, t->msg, sizeof(t->msg));
	c->pid = 0;
}

static int run_all(struct conf_run *r)
{
	struct conf_child *kids = calloc(r->jobs, sizeof(*kids));
	struct pollfd *pfd = calloc(r->jobs, sizeof(*pfd));
	bool tty = isatty(2);
	size_t next = 0, done = 0;

	if (!kids || !pfd) {
		free(kids);
		free(pfd);
		return -ENOMEM;
	}
	while (done < r->n) {
		int n = 0;

		for (int j = 0; j < r->jobs; j++) {
			if (!kids[j].pid && next < r->n) {
				kids[j] = (struct conf_child){ .test = next };
				kids[j].pid = spawn_accel(r, &r->tests[next], j, &kids[j].fd);
				if (kids[j].pid < 0) {
					fprintf(stderr, "onnx-conformance: fork: %s\n", strerror(errno));
					free(kids);
					free(pfd);
					return -errno;
				}
				clock_gettime(CLOCK_MONOTONIC, &kids[j].start);
				next++;
			}
		}
		for (int j = 0; j < r->jobs; j++)
			pfd[j] = (struct pollfd){ .fd = kids[j].pid ? kids[j].fd : -1, .events = POLLIN };
		n = poll(pfd, r->jobs, 200);
		if (n < 0 && errno != EINTR)
			break;
		for (int j = 0; j < r->jobs; j++) {
			struct conf_child *c = &kids[j];

			if (!c->pid)
				continue;
			if (pfd[j].revents & (POLLIN | POLLHUP | POLLERR)) {
				char sink[4096];
				size_t room = sizeof(c->out) - 1 - c->out_len;
				ssize_t got = read(c->fd, room ? c->out + c->out_len : sink,
						   room ? room : sizeof(sink));

				if (got > 0) {
					if (room)
						c->out_len += got;
					continue;
				}
				finish_child(r, c, false);
				done++;
			} else if (elapsed_s(&c->start) > r->timeout_s) {
				finish_child(r, c, true);
				done++;
			} else {
				continue;
			}
			if (tty)
				fprintf(stderr, "\ronnx-conformance: %zu/%zu", done, r->n);
		}
	}
	if (tty)
		fprintf(stderr, "\n");
	free(kids);
	free(pfd);
	return 0;
}

/* An op type is claimed when the compiler can run it: it has a host kernel (compiler/op.h). */
static bool op_claimed(const char *op)
{
	const struct op_def *d = op_find("", op);

	return d && d->host;
}

struct op_row {
	const char *op;
	unsigned int count[6];
	unsigned int total;
	unsigned int out_of_scope;	/* counted in total, not in count[] */
};

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct op_row *)a)->op, ((const struct op_row *)b)->op);
}

struct goals {
	unsigned int kind_pass[N_KINDS], kind_total[N_KINDS];
	unsigned int claimed_ops, claimed_tests, claimed_pass, node_tests;
};

static void tally(const struct conf_run *r, struct op_row **rows_out, size_t *n_rows,
		  struct goals *g)
{
	struct op_row *rows = NULL;
	size_t n = 0;

	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < r->n; i++) {
		const struct conf_test *t = &r->tests[i];
		size_t k;

		for (k = 0; k < N_KINDS && strcmp(kinds[k], t->kind); k++)
			;
		if (!t->out_of_scope) {
			g->kind_total[k]++;
			g->kind_pass[k] += t->outcome == OUT_PASS;
		}
		if (k != 0)
			continue;
		g->node_tests++;
		size_t j;

		for (j = 0; j < n && strcmp(rows[j].op, t->op); j++)
			;
		if (j == n) {
			rows = xrealloc(rows, (n + 1) * sizeof(*rows));
			rows[n++] = (struct op_row){ .op = t->op };
		}
		rows[j].total++;
		if (t->out_of_scope)
			rows[j].out_of_scope++;
		else
			rows[j].count[t->outcome]++;
	}
	qsort(rows, n, sizeof(*rows), cmp_row);
	for (size_t j = 0; j < n; j++) {
		if (!op_claimed(rows[j].op))
			continue;
		g->claimed_ops++;
		g->claimed_tests += rows[j].total - rows[j].out_of_scope;
		g->claimed_pass += rows[j].count[OUT_PASS];
	}
	*rows_out = rows;
	*n_rows = n;
}

static bool goals_met(const struct goals *g)
{
	return g->kind_pass[1] == g->kind_total[1] && g->kind_pass[2] == g->kind_total[2] &&
	       g->claimed_pass == g->claimed_tests && g->claimed_tests * 10 >= g->node_tests * 7;
}

static void write_report(FILE *f, const struct conf_run *r, const struct op_row *rows,
			 size_t n_rows, const struct goals *g)
{
	fprintf(f, "# ONNX conformance\n\n");
	fprintf(f, "Every model of ONNX's own test data (Debian `libonnx-testdata`, `%s`) through\n"
		   "`accel run MODEL --data DIR/test_data_set_0` on the default vnpu (embedded), with "
		   "the default\ntolerances (rtol 1e-3, atol 1e-4; integers and bools exact). "
		   "Written by `make onnx-conformance`\n(`build/bin/onnx-conformance --out docs/ONNX.md`, "
		   "tools/onnx-conformance/); do not edit by hand.\n\n", r->data);
	fprintf(f, "An operator type is **claimed** when the compiler has a host kernel for it (every "
		   "op the vnpu\nruns has one too: the host is the reference and the fallback). A test "
		   "belongs to the op type\nof its model; an `_expanded` function body to its "
		   "function's op when every op of the body is claimed,\nelse to the first op of "
		   "the body that is not; a test of several ops to the one its name names. Tests no implementation "
		   "of ONNX's tensor operators can pass are **out of\nscope** and count neither way "
		   "(listed at the end with the reason): string, sequence and optional\nvalues, random "
		   "outputs, reference inputs that contradict the model's declared shape. The\ncoverage "
		   "goal counts only in-scope tests of claimed ops over all node tests.\n\n");
	fprintf(f, "## Goals\n\n| goal | result | met |\n| --- | --- | --- |\n");
	fprintf(f, "| all (in-scope) `pytorch-converted` tests pass | %u / %u | %s |\n", g->kind_pass[1],
		g->kind_total[1], g->kind_pass[1] == g->kind_total[1] ? "yes" : "**no**");
	fprintf(f, "| all (in-scope) `pytorch-operator` tests pass | %u / %u | %s |\n", g->kind_pass[2],
		g->kind_total[2], g->kind_pass[2] == g->kind_total[2] ? "yes" : "**no**");
	fprintf(f, "| every in-scope node test of a claimed op passes | %u / %u | %s |\n", g->claimed_pass,
		g->claimed_tests, g->claimed_pass == g->claimed_tests ? "yes" : "**no**");
	fprintf(f, "| claimed ops cover >= 70%% of the node tests | %u op types, %u / %u = %.1f%% | %s |\n\n",
		g->claimed_ops, g->claimed_tests, g->node_tests,
		g->node_tests ? 100.0 * g->claimed_tests / g->node_tests : 0.0,
		g->claimed_tests * 10 >= g->node_tests * 7 ? "yes" : "**no**");
	fprintf(f, "## Totals\n\n| tests | pass | mismatch | unsupported | device error | crash | "
		   "timeout | out of scope | total |\n| --- | --- | --- | --- | --- | --- | --- | --- "
		   "| --- |\n");
	for (size_t k = 0; k < N_KINDS; k++) {
		unsigned int c[6] = { 0 }, tot = 0, oos = 0;

		for (size_t i = 0; i < r->n; i++)
			if (!strcmp(r->tests[i].kind, kinds[k])) {
				if (r->tests[i].out_of_scope)
					oos++;
				else
					c[r->tests[i].outcome]++;
				tot++;
			}
		fprintf(f, "| %s | %u | %u | %u | %u | %u | %u | %u | %u |\n", kinds[k], c[0], c[1],
			c[2], c[3], c[4], c[5], oos, tot);
	}
	fprintf(f, "\n## Node tests per operator type\n\n| op type | claimed | pass | not passing | "
		   "out of scope | tests |\n| --- | --- | --- | --- | --- | --- |\n");
	for (size_t j = 0; j < n_rows; j++)
		fprintf(f, "| %s | %s | %u | %u | %u | %u |\n", rows[j].op,
			op_claimed(rows[j].op) ? "yes" : "", rows[j].count[OUT_PASS],
			rows[j].total - rows[j].out_of_scope - rows[j].count[OUT_PASS],
			rows[j].out_of_scope, rows[j].total);
	fprintf(f, "\n## Tests that do not pass\n\nThose of claimed ops first (each one is a bug), "
		   "then the pytorch and simple tests.\nThe other node tests belong to op types not "
		   "claimed (the table above).\n\n| test | op | outcome | message |\n"
		   "| --- | --- | --- | --- |\n");
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->n; i++) {
			const struct conf_test *t = &r->tests[i];
			bool node = !strcmp(t->kind, "node"), claimed = node && op_claimed(t->op);
			int group = claimed ? 0 : !node ? 1 : 2;

			if (t->outcome == OUT_PASS || t->out_of_scope || group != pass)
				continue;
			fprintf(f, "| %s/%s | %s | %s | %s |\n", t->kind, t->name, t->op,
				outcome_names[t->outcome], t->msg);
		}
	fprintf(f, "\n## Out of scope\n\n| test | op | outcome | why |\n| --- | --- | --- | --- |\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct conf_test *t = &r->tests[i];

		if (t->out_of_scope)
			fprintf(f, "| %s/%s | %s | %s | %s |\n", t->kind, t->name, t->op,
				outcome_names[t->outcome], t->out_of_scope);
	}
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

/* The temporary roots, whatever the embedded cores left in them. */
static void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: onnx-conformance --accel PATH [--data DIR] [--out FILE] [--jobs N]\n"
		"                        [--timeout SECONDS] [--filter SUBSTRING] [--check]\n"
		"Runs every model of ONNX's test data through `accel run --data` and writes the\n"
		"per-op-type table (docs/ONNX.md's format) to FILE (default: standard output).\n"
		"  --accel PATH     the accel command to run\n"
		"  --data DIR       the test data (default " DEFAULT_DATA ")\n"
		"  --jobs N         tests at once (default: the CPU count)\n"
		"  --timeout S      seconds per test (default 120)\n"
		"  --filter S       only the tests whose name contains S\n"
		"  --check          exit 1 unless the goals are met\n"
		"Exit: 0, 1 (goals not met with --check), 2 (bad usage or no test data).\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "accel", required_argument, NULL, 'a' }, { "data", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' }, { "jobs", required_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' }, { "filter", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct conf_run r = { .data = DEFAULT_DATA, .jobs = (int)sysconf(_SC_NPROCESSORS_ONLN),
			      .timeout_s = 120 };
	const char *out = NULL, *filter = NULL;
	bool check = false;
	struct op_row *rows;
	struct goals g;
	size_t n_rows;
	FILE *f = stdout;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "a:d:o:j:t:f:ch", longopts, NULL)) != -1) {
		switch (opt) {
		case 'a': r.accel = optarg; break;
		case 'd': r.data = optarg; break;
		case 'o': out = optarg; break;
		case 'j': r.jobs = atoi(optarg); break;
		case 't': r.timeout_s = atoi(optarg); break;
		case 'f': filter = optarg; break;
		case 'c': check = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!r.accel || optind != argc || r.jobs < 1 || r.jobs > 256 || r.timeout_s < 1) {
		usage(stderr);
		return 2;
	}
	if (access(r.accel, X_OK)) {
		fprintf(stderr, "onnx-conformance: %s: %s\n", r.accel, strerror(errno));
		return 2;
	}
	if (list_tests(&r, filter))
		return 2;
	snprintf(r.root, sizeof(r.root), "%s/onnx-conformance.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (strlen(r.root) >= sizeof(r.root) - 1 || !mkdtemp(r.root)) {
		fprintf(stderr, "onnx-conformance: a temporary root: %s\n", strerror(errno));
		return 2;
	}
	attribute_ops(&r);
	ret = run_all(&r);
	remove_tree(r.root);
	if (ret)
		return 2;
	tally(&r, &rows, &n_rows, &g);
	if (out && !(f = fopen(out, "w"))) {
		fprintf(stderr, "onnx-conformance: %s: %s\n", out, strerror(errno));
		return 2;
	}
	write_report(f, &r, rows, n_rows, &g);
	if (f != stdout)
		fclose(f);
	fprintf(stderr, "onnx-conformance: pytorch-converted %u/%u, pytorch-operator %u/%u, "
		"claimed ops %u (node tests %u/%u pass, %.1f%% of %u), goals %s\n",
		g.kind_pass[1], g.kind_total[1], g.kind_pass[2], g.kind_total[2], g.claimed_ops,
		g.claimed_pass, g.claimed_tests,
		g.node_tests ? 100.0 * g.claimed_tests / g.node_tests : 0.0, g.node_tests,
		goals_met(&g) ? "met" : "NOT met");
	for (size_t i = 0; i < r.n; i++) {
		free(r.tests[i].kind);
		free(r.tests[i].name);
		free(r.tests[i].op);
		for (size_t k = 0; k < r.tests[i].n_ops; k++)
			free(r.tests[i].ops[k]);
		free(r.tests[i].ops);
	}
	free(r.tests);
	free(rows);
	return check && !goals_met(&g) ? 1 : 0;
}
