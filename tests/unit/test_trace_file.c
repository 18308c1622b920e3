// SPDX-License-Identifier: MIT
/*
 * `accel trace -o FILE -- PROGRAM`: the Chrome trace-event JSON of a known job sequence,
 * parsed with json-c. The program is this test run again with --jobs: three vnpu jobs in a
 * dependency chain across two contexts (job 2 waits for job 1's out-syncobj, job 3 for job
 * 2's), then NENTRIES user-queue entries. Once on the embedded core (the program records itself)
 * and once through acceld (the tool reads the daemon's tracing node); each group traces
 * once in its set-up and each test checks one property of the file. The command's usage
 * errors are checked last.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>

#include <accel/attr.h>
#include <drm/drm.h>
#include <libaccel.h>
#include <libaccel_vnpu.h>
#include <uapi/drm/vnpu_accel.h>

#include "helpers.h"

#define NJOBS 3
/* User-queue entries the traced program submits, seqnos 1 to NENTRIES. */
#define NENTRIES 3

/* ---- the traced program (--jobs) ---- */

static int jobs_fd;

static int jobs_fail(const char *what)
{
	fprintf(stderr, "test_trace_file --jobs: %s: %s\n", what, strerror(errno));
	return 1;
}

static int run_jobs(void)
{
	struct accel_device_info *v;
	struct drm_vnpu_bo_create bc = { .size = 4096 };
	struct drm_vnpu_bo_info info = { 0 };
	struct vnpu_pkt_nop nop = { { VNPU_OP_NOP, sizeof(nop) / 4, 0 } };
	struct accel_vnpu_uq *uq;
	uint32_t ctx[2], sync[NJOBS];
	uint64_t last = 0;
	char *path = NULL;
	void *map, *space;
	size_t n, i;

	if (accel_devices_list(&v, &n, 0))
		return jobs_fail("accel_devices_list");
	for (i = 0; i < n && !path; i++)
		if (!strcmp(v[i].driver, "vnpu"))
			path = strdup(v[i].path);
	free(v);
	if (!path)
		return jobs_fail("no vnpu");
	jobs_fd = accel_sys_open(path, O_RDWR);
	free(path);
	if (jobs_fd < 0)
		return jobs_fail("open");
	if (accel_sys_ioctl(jobs_fd, DRM_IOCTL_VNPU_BO_CREATE, &bc))
		return jobs_fail("BO_CREATE");
	info.handle = bc.handle;
	if (accel_sys_ioctl(jobs_fd, DRM_IOCTL_VNPU_BO_INFO, &info))
		return jobs_fail("BO_INFO");
	map = accel_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, jobs_fd,
			     (off_t)info.mmap_offset);
	if (map == MAP_FAILED)
		return jobs_fail("mmap");
	memcpy(map, &nop, sizeof(nop));
	for (i = 0; i < 2; i++) {
		struct drm_vnpu_context_create cc = { .engine = VNPU_ENGINE_COMPUTE };

		if (accel_sys_ioctl(jobs_fd, DRM_IOCTL_VNPU_CONTEXT_CREATE, &cc))
			return jobs_fail("CONTEXT_CREATE");
		ctx[i] = cc.ctx_id;
	}
	for (i = 0; i < NJOBS; i++) {
		struct drm_syncobj_create sc = { 0 };

		if (accel_sys_ioctl(jobs_fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc))
			return jobs_fail("SYNCOBJ_CREATE");
		sync[i] = sc.handle;
	}
	/* Job i + 1 waits for job i, on the other context: a dependency the scheduler resolves. */
	for (i = 0; i < NJOBS; i++) {
		struct drm_vnpu_sync in = { .handle = i ? sync[i - 1] : 0 };
		struct drm_vnpu_submit s = {
			.ctx_id = ctx[i % 2], .cmd_handle = bc.handle, .cmd_size = sizeof(nop),
			.num_in_syncs = i ? 1 : 0, .in_syncs = (uintptr_t)&in,
			.out_sync = { .handle = sync[i] },
		};

		if (accel_sys_ioctl(jobs_fd, DRM_IOCTL_VNPU_SUBMIT, &s))
			return jobs_fail("SUBMIT");
	}
	{
		struct drm_syncobj_wait w = {
			.handles = (uintptr_t)&sync[NJOBS - 1], .count_handles = 1,
			.timeout_nsec = INT64_MAX,
		};

		if (accel_sys_ioctl(jobs_fd, DRM_IOCTL_SYNCOBJ_WAIT, &w))
			return jobs_fail("SYNCOBJ_WAIT");
	}
	if (accel_vnpu_uq_create(jobs_fd, 64 << 10, &uq))
		return jobs_fail("accel_vnpu_uq_create");
	for (i = 0; i < NENTRIES; i++) {
		if (accel_vnpu_uq_reserve(uq, sizeof(nop), 0, &space))
			return jobs_fail("accel_vnpu_uq_reserve");
		memcpy(space, &nop, sizeof(nop));
		last = accel_vnpu_uq_submit(uq, 0);
	}
	if (accel_vnpu_uq_wait(uq, last, -1))
		return jobs_fail("accel_vnpu_uq_wait");
	accel_vnpu_uq_destroy(uq);
	accel_sys_munmap(map, 4096);
	accel_sys_close(jobs_fd);
	return 0;
}

/*
 * --hang: one job that hangs (debugfs inject_hang) on a vnpu with a 200 ms timeout, which
 * the timeout handler resets; the job completes with -ETIME.
 */
static int run_hang(void)
{
	struct accel_device_info *v;
	struct drm_vnpu_bo_create bc = { .size = 4096 };
	struct drm_vnpu_bo_info info = { 0 };
	struct drm_vnpu_context_create cc = { .engine = VNPU_ENGINE_COMPUTE };
	struct drm_syncobj_create sc = { 0 };
	struct vnpu_pkt_nop nop = { { VNPU_OP_NOP, sizeof(nop) / 4, 0 } };
	struct attr_node *inject;
	char *path = NULL;
	void *map;
	size_t n, i;

	if (accel_embedded_start("[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 200\n"))
		return jobs_fail("accel_embedded_start");
	if (accel_devices_list(&v, &n, 0))
		return jobs_fail("accel_devices_list");
	for (i = 0; i < n && !path; i++)
		if (!strcmp(v[i].driver, "vnpu"))
			path = strdup(v[i].path);
	free(v);
	jobs_fd = path ? accel_sys_open(path, O_RDWR) : -1;
	free(path);
	if (jobs_fd < 0)
		return jobs_fail("open");
	/* debugfs/accel/<unique>: the unique name is the platform device's. */
	inject = attr_lookup("kernel/debug/accel/vnpu.0/inject_hang");
	if (!inject || attr_write(inject, "1\n", 2) != 2)
		return jobs_fail("inject_hang");
	if (accel_sys_ioctl(jobs_fd, DRM_IOCTL_VNPU_BO_CREATE, &bc))
		return jobs_fail("BO_CREATE");
	info.handle = bc.handle;
	if (accel_sys_ioctl(jobs_fd, DRM_IOCTL_VNPU_BO_INFO, &info))
		return jobs_fail("BO_INFO");
	map = accel_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, jobs_fd,
			     (off_t)info.mmap_offset);
	if (map == MAP_FAILED)
		return jobs_fail("mmap");
	memcpy(map, &nop, sizeof(nop));
	if (accel_sys_ioctl(jobs_fd, DRM_IOCTL_VNPU_CONTEXT_CREATE, &cc) ||
	    accel_sys_ioctl(jobs_fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc))
		return jobs_fail("CONTEXT_CREATE / SYNCOBJ_CREATE");
	{
		struct drm_vnpu_submit s = {
			.ctx_id = cc.ctx_id, .cmd_handle = bc.handle, .cmd_size = sizeof(nop),
			.out_sync = { .handle = sc.handle },
		};
		struct drm_syncobj_wait w = {
			.handles = (uintptr_t)&sc.handle, .count_handles = 1, .timeout_nsec = INT64_MAX,
		};

		if (accel_sys_ioctl(jobs_fd, DRM_IOCTL_VNPU_SUBMIT, &s) ||
		    accel_sys_ioctl(jobs_fd, DRM_IOCTL_SYNCOBJ_WAIT, &w))
			return jobs_fail("SUBMIT / SYNCOBJ_WAIT");
	}
	accel_sys_munmap(map, 4096);
	accel_sys_close(jobs_fd);
	return 0;
}

/* ---- tracing it ---- */

static char self[PATH_MAX], tool[PATH_MAX];
static char *root;
static pid_t daemon_pid;
static json_object *trace;

/* `accel trace -o ROOT/trace.json -- self --jobs` with @backend; the parsed file or NULL. */
static json_object *trace_jobs(const char *backend)
{
	char cmd[3 * PATH_MAX + 256], out[PATH_MAX];

	snprintf(out, sizeof(out), "%s/trace.json", root);
	snprintf(cmd, sizeof(cmd), "ACCEL_BACKEND=%s '%s' trace -o '%s' -- '%s' --jobs 2>&1", backend,
		 tool, out, self);
	if (system(cmd) != 0)
		return NULL;
	return json_object_from_file(out);
}

static int paths_init(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		return -1;
	self[n] = '\0';
	snprintf(buf, sizeof(buf), "%s", ACCELD_PATH);
	snprintf(tool, sizeof(tool), "%s/accel", dirname(buf));
	return 0;
}

static int embedded_setup(void **state)
{
	(void)state;
	if (paths_init())
		return -1;
	root = test_tmpdir_try("trace-embedded");
	if (!root)
		return -1;
	setenv("ACCEL_ROOT", root, 1);
	trace = trace_jobs("embedded");
	return trace ? 0 : -1;
}

static int daemon_setup(void **state)
{
	(void)state;
	if (paths_init())
		return -1;
	root = test_tmpdir_try("trace-daemon");
	if (!root)
		return -1;
	setenv("ACCEL_ROOT", root, 1);
	daemon_pid = test_acceld_spawn(root, NULL);
	if (daemon_pid <= 0)
		return -1;
	trace = trace_jobs("daemon");
	return trace ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	json_object_put(trace);
	trace = NULL;
	if (daemon_pid > 0)
		test_acceld_stop(daemon_pid);
	daemon_pid = 0;
	if (root)
		test_rmdir(root);
	root = NULL;
	return 0;
}

/* ---- reading the file ---- */

static json_object *events(void)
{
	json_object *a;

	assert_true(json_object_object_get_ex(trace, "traceEvents", &a));
	assert_true(json_object_is_type(a, json_type_array));
	return a;
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static int64_t int_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : -1;
}

static double ts_of(json_object *o)
{
	json_object *v;

	assert_true(json_object_object_get_ex(o, "ts", &v));
	return json_object_get_double(v);
}

static int64_t arg_of(json_object *o, const char *key)
{
	json_object *args;

	return json_object_object_get_ex(o, "args", &args) ? int_of(args, key) : -1;
}

/* The X mark @name of the job (@fctx, @seqno), or NULL. */
static json_object *find_mark(const char *name, int64_t fctx, int64_t seqno)
{
	json_object *a = events();
	size_t i;

	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (!strcmp(str_of(e, "ph"), "X") && !strcmp(str_of(e, "name"), name) &&
		    arg_of(e, "fence_context") == fctx && arg_of(e, "seqno") == seqno)
			return e;
	}
	return NULL;
}

/* The submits of the traced program's vnpu jobs, in time order (the file is in time order). */
static size_t job_submits(json_object **out, size_t max)
{
	json_object *a = events();
	size_t i, n = 0;

	for (i = 0; i < json_object_array_length(a) && n < max; i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (!strcmp(str_of(e, "ph"), "X") && !strcmp(str_of(e, "name"), "submit") &&
		    arg_of(e, "job") > 0)
			out[n++] = e;
	}
	return n;
}

/* ---- the tests ---- */

static void the_file_is_a_trace_event_object(void **state)
{
	(void)state;
	assert_string_equal(str_of(trace, "displayTimeUnit"), "ns");
	assert_true(json_object_array_length(events()) > 0);
}

static void every_begin_has_its_end_on_its_track(void **state)
{
	json_object *a = events();
	struct { int64_t pid, tid; const char *name; } open[64];
	size_t i, k, nopen = 0, begins = 0;

	(void)state;
	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *ph = str_of(e, "ph");

		if (!strcmp(ph, "B")) {
			assert_true(nopen < 64);
			open[nopen].pid = int_of(e, "pid");
			open[nopen].tid = int_of(e, "tid");
			open[nopen++].name = str_of(e, "name");
			begins++;
		} else if (!strcmp(ph, "E")) {
			/* The innermost open slice of the same track. */
			for (k = nopen; k > 0; k--)
				if (open[k - 1].pid == int_of(e, "pid") && open[k - 1].tid == int_of(e, "tid"))
					break;
			assert_true(k > 0);
			assert_string_equal(open[k - 1].name, str_of(e, "name"));
			memmove(&open[k - 1], &open[k], (nopen - k) * sizeof(open[0]));
			nopen--;
		}
	}
	assert_int_equal(nopen, 0);
	/* The three jobs on an engine and the user-queue entry. */
	assert_true(begins >= NJOBS + 1);
}

static void flow_arrows_pair_up(void **state)
{
	json_object *a = events();
	int64_t starts[256], ends[256];
	size_t i, k, ns = 0, nf = 0;

	(void)state;
	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *ph = str_of(e, "ph");

		if (!strcmp(ph, "s") && ns < 256)
			starts[ns++] = int_of(e, "id");
		else if (!strcmp(ph, "f") && nf < 256)
			ends[nf++] = int_of(e, "id");
	}
	assert_true(ns >= NJOBS);
	assert_int_equal(ns, nf);
	for (i = 0; i < ns; i++) {
		int found = 0;

		for (k = 0; k < nf; k++)
			found += ends[k] == starts[i];
		assert_int_equal(found, 1);
	}
}

static void tracks_are_named(void **state)
{
	json_object *a = events();
	bool engine = false, queue = false, uq = false, process = false;
	size_t i, k;

	(void)state;
	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i), *args, *name;
		const char *n;

		if (strcmp(str_of(e, "ph"), "M"))
			continue;
		if (!strcmp(str_of(e, "name"), "process_name"))
			process = true;
		if (strcmp(str_of(e, "name"), "thread_name"))
			continue;
		assert_true(json_object_object_get_ex(e, "args", &args));
		assert_true(json_object_object_get_ex(args, "name", &name));
		n = json_object_get_string(name);
		engine |= !strncmp(n, "engine compute", 14);
		queue |= !strncmp(n, "queue: client", 13);
		uq |= !strncmp(n, "user queue: client", 18);
	}
	assert_true(process && engine && queue && uq);
	/* Every slice's track has a name. */
	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);
		bool named = false;

		if (!strcmp(str_of(e, "ph"), "M"))
			continue;
		for (k = 0; k < json_object_array_length(a) && !named; k++) {
			json_object *m = json_object_array_get_idx(a, k);

			named = !strcmp(str_of(m, "name"), "thread_name") &&
				int_of(m, "pid") == int_of(e, "pid") && int_of(m, "tid") == int_of(e, "tid");
		}
		assert_true(named);
	}
}

static void jobs_submit_run_and_signal_in_dependency_order(void **state)
{
	json_object *sub[NJOBS + 1], *run[NJOBS], *sig[NJOBS];
	int i;

	(void)state;
	assert_int_equal(job_submits(sub, NJOBS + 1), NJOBS);
	for (i = 0; i < NJOBS; i++) {
		int64_t fctx = arg_of(sub[i], "fence_context"), seq = arg_of(sub[i], "seqno");

		run[i] = find_mark("run", fctx, seq);
		sig[i] = find_mark("signalled", fctx, seq);
		assert_non_null(run[i]);
		assert_non_null(sig[i]);
		assert_true(ts_of(sub[i]) <= ts_of(run[i]));
		assert_true(ts_of(run[i]) <= ts_of(sig[i]));
		assert_int_equal(arg_of(sig[i], "error"), -1); /* absent: no error */
		if (i) {
			/* Submitted in order; each runs only once the one it waits for signalled. */
			assert_true(ts_of(sub[i - 1]) <= ts_of(sub[i]));
			assert_true(ts_of(sig[i - 1]) <= ts_of(run[i]));
		}
	}
}

static void engine_slices_carry_the_profile_record(void **state)
{
	json_object *a = events();
	size_t i, ends = 0;

	(void)state;
	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (strcmp(str_of(e, "ph"), "E") || strncmp(str_of(e, "name"), "job ", 4))
			continue;
		/* One NOP packet each, no error. */
		assert_int_equal(arg_of(e, "packets"), 1);
		assert_int_equal(arg_of(e, "error"), 0);
		assert_true(arg_of(e, "compute_busy_ns") >= 0);
		ends++;
	}
	assert_int_equal(ends, NJOBS);
}

static void the_user_queue_entry_is_a_slice(void **state)
{
	json_object *a = events();
	size_t i;
	int begin = 0, end = 0;

	(void)state;
	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (strcmp(str_of(e, "name"), "entry 1"))
			continue;
		begin += !strcmp(str_of(e, "ph"), "B");
		end += !strcmp(str_of(e, "ph"), "E") && arg_of(e, "error") == 0;
	}
	assert_int_equal(begin, 1);
	assert_int_equal(end, 1);
}

/* The first event @ph named @name on a user-queue track with args.seqno @seqno, or NULL. */
static json_object *find_uq(const char *ph, const char *name, int64_t seqno)
{
	json_object *a = events();
	size_t i;

	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (!strcmp(str_of(e, "ph"), ph) && !strcmp(str_of(e, "name"), name) &&
		    !strcmp(str_of(e, "cat"), "uq") && arg_of(e, "seqno") == seqno)
			return e;
	}
	return NULL;
}

/* The flow event @ph ("s", "t", "f") of id @id, or NULL. */
static json_object *find_flow(const char *ph, int64_t id)
{
	json_object *a = events();
	size_t i;

	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);

		if (!strcmp(str_of(e, "ph"), ph) && int_of(e, "id") == id)
			return e;
	}
	return NULL;
}

/*
 * Each entry: submit (the device saw it), then its slice, then completed, on its queue's
 * track, with a flow arrow from the submit through the start to the completion; the entries
 * in seqno order, each starting after the one before it ended.
 */
static void user_queue_entries_submit_run_and_complete_in_order(void **state)
{
	json_object *sub[NENTRIES + 1], *beg[NENTRIES + 1], *end[NENTRIES + 1], *done[NENTRIES + 1];
	char name[32];
	int64_t k;

	(void)state;
	for (k = 1; k <= NENTRIES; k++) {
		json_object *a = events(), *s, *f, *t;
		size_t i;
		int64_t id = -1;

		snprintf(name, sizeof(name), "entry %lld", (long long)k);
		sub[k] = find_uq("X", "submit", k);
		beg[k] = find_uq("B", name, k);
		done[k] = find_uq("X", "completed", k);
		assert_non_null(sub[k]);
		assert_non_null(beg[k]);
		assert_non_null(done[k]);
		end[k] = NULL;
		for (i = 0; i < json_object_array_length(a) && !end[k]; i++) {
			json_object *e = json_object_array_get_idx(a, i);

			if (!strcmp(str_of(e, "ph"), "E") && !strcmp(str_of(e, "name"), name))
				end[k] = e;
		}
		assert_non_null(end[k]);
		assert_int_equal(arg_of(end[k], "error"), 0);
		assert_true(ts_of(sub[k]) <= ts_of(beg[k]));
		assert_true(ts_of(beg[k]) <= ts_of(end[k]));
		assert_true(ts_of(end[k]) <= ts_of(done[k]));
		assert_int_equal(int_of(sub[k], "tid"), int_of(beg[k], "tid"));
		assert_int_equal(int_of(sub[k], "tid"), int_of(done[k], "tid"));
		if (k > 1) {
			assert_true(ts_of(sub[k - 1]) <= ts_of(sub[k]));
			assert_true(ts_of(end[k - 1]) <= ts_of(beg[k]));
		}
		/* The arrow: starts at the submit, steps at the start, ends at the completion. */
		for (i = 0; i < json_object_array_length(a) && id < 0; i++) {
			json_object *e = json_object_array_get_idx(a, i);

			if (!strcmp(str_of(e, "ph"), "s") && int_of(e, "tid") == int_of(sub[k], "tid") &&
			    ts_of(e) == ts_of(sub[k]))
				id = int_of(e, "id");
		}
		assert_true(id > 0);
		s = find_flow("s", id);
		t = find_flow("t", id);
		f = find_flow("f", id);
		assert_non_null(s);
		assert_non_null(t);
		assert_non_null(f);
		assert_true(ts_of(t) == ts_of(beg[k]));
		assert_true(ts_of(f) == ts_of(done[k]));
	}
}

/* ---- --duration ---- */

static int count_named(const char *ph, const char *name);

/*
 * `accel trace -o ROOT/@name --duration 600` started; returns once it says it records. Its
 * pid; its stderr in *@err.
 */
static pid_t duration_start(const char *name, FILE **err)
{
	char out[PATH_MAX], line[512];
	int pipefd[2];
	pid_t pid;

	snprintf(out, sizeof(out), "%s/%s", root, name);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		close(pipefd[1]);
		execl(tool, tool, "trace", "-o", out, "--duration", "600", (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	*err = fdopen(pipefd[0], "r");
	assert_non_null(*err);
	/* Recording once it says so. */
	assert_non_null(fgets(line, sizeof(line), *err));
	assert_non_null(strstr(line, "recording"));
	return pid;
}

/* Ctrl-C ends the recording @pid early, and its file ROOT/@name is written: parsed into trace. */
static void duration_stop(pid_t pid, FILE *err, const char *name)
{
	char out[PATH_MAX];
	int status;

	assert_int_equal(kill(pid, SIGINT), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	fclose(err);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	snprintf(out, sizeof(out), "%s/%s", root, name);
	json_object_put(trace);
	trace = json_object_from_file(out);
	assert_non_null(trace);
}

static void run_jobs_through_acceld(void)
{
	char cmd[PATH_MAX + 64];

	snprintf(cmd, sizeof(cmd), "ACCEL_BACKEND=daemon '%s' --jobs", self);
	assert_int_equal(system(cmd), 0);
}

static void duration_records_the_jobs_run_meanwhile(void **state)
{
	json_object *sub[NJOBS + 1];
	FILE *err;
	pid_t pid;

	(void)state;
	pid = duration_start("duration.json", &err);
	run_jobs_through_acceld();
	duration_stop(pid, err, "duration.json");
	assert_int_equal(job_submits(sub, NJOBS + 1), NJOBS);
}

/* Two users tracing one acceld at once: each file has every job (and the queue's entry). */
static void two_duration_sessions_at_once_both_record_the_jobs(void **state)
{
	json_object *sub[NJOBS + 1];
	FILE *err_a, *err_b;
	pid_t a, b;

	(void)state;
	a = duration_start("a.json", &err_a);
	b = duration_start("b.json", &err_b);
	run_jobs_through_acceld();
	duration_stop(a, err_a, "a.json");
	assert_int_equal(job_submits(sub, NJOBS + 1), NJOBS);
	assert_int_equal(count_named("B", "entry 1"), 1);
	duration_stop(b, err_b, "b.json");
	assert_int_equal(job_submits(sub, NJOBS + 1), NJOBS);
	assert_int_equal(count_named("B", "entry 1"), 1);
}

static int duration_setup(void **state)
{
	(void)state;
	if (paths_init())
		return -1;
	root = test_tmpdir_try("trace-duration");
	if (!root)
		return -1;
	setenv("ACCEL_ROOT", root, 1);
	daemon_pid = test_acceld_spawn(root, NULL);
	return daemon_pid > 0 ? 0 : -1;
}

/* ---- several processes ---- */

static void each_process_of_the_program_has_its_own_process(void **state)
{
	char cmd[3 * PATH_MAX + 256], out[PATH_MAX];
	json_object *sub[2 * NJOBS + 1], *a;
	size_t i, procs = 0;

	(void)state;
	/* Two at once: the second's core publishes under a private root, and records too. */
	snprintf(out, sizeof(out), "%s/two.json", root);
	snprintf(cmd, sizeof(cmd), "ACCEL_BACKEND=embedded '%s' trace -o '%s' -- sh -c \"'%s' --jobs & '%s' --jobs; wait\" 2>/dev/null",
		 tool, out, self, self);
	assert_int_equal(system(cmd), 0);
	json_object_put(trace);
	trace = json_object_from_file(out);
	assert_non_null(trace);
	a = events();
	for (i = 0; i < json_object_array_length(a); i++)
		procs += !strcmp(str_of(json_object_array_get_idx(a, i), "name"), "process_name");
	assert_int_equal(procs, 2);
	assert_int_equal(job_submits(sub, 2 * NJOBS + 1), 2 * NJOBS);
}

static int processes_setup(void **state)
{
	(void)state;
	if (paths_init())
		return -1;
	root = test_tmpdir_try("trace-procs");
	if (!root)
		return -1;
	setenv("ACCEL_ROOT", root, 1);
	return 0;
}

/* ---- a hang ---- */

static int count_named(const char *ph, const char *name)
{
	json_object *a = events();
	size_t i;
	int n = 0;

	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);

		n += !strcmp(str_of(e, "ph"), ph) && !strcmp(str_of(e, "name"), name);
	}
	return n;
}

static void a_hung_job_shows_its_timeout_hang_and_reset(void **state)
{
	char cmd[3 * PATH_MAX + 256], out[PATH_MAX];
	json_object *a;
	size_t i;
	int etime = 0;

	(void)state;
	snprintf(out, sizeof(out), "%s/hang.json", root);
	snprintf(cmd, sizeof(cmd), "ACCEL_BACKEND=embedded ACCEL_LOG=err '%s' trace -o '%s' -- '%s' --hang 2>/dev/null",
		 tool, out, self);
	assert_int_equal(system(cmd), 0);
	json_object_put(trace);
	trace = json_object_from_file(out);
	assert_non_null(trace);
	assert_true(count_named("i", "timeout") >= 1);
	assert_int_equal(count_named("i", "hang"), 1);
	assert_true(count_named("i", "reset") >= 1);
	/* The job's slice ends with the timeout's error. */
	a = events();
	for (i = 0; i < json_object_array_length(a); i++) {
		json_object *e = json_object_array_get_idx(a, i);

		etime += !strcmp(str_of(e, "ph"), "E") && arg_of(e, "error") == -ETIME;
	}
	assert_int_equal(etime, 1);
}

/* ---- usage ---- */

/* `accel trace ARGS`: its exit status; its stderr's line count in *@lines. */
static int run_tool(const char *args, int *lines)
{
	char cmd[PATH_MAX + 512], buf[512];
	FILE *p;
	int status;

	snprintf(cmd, sizeof(cmd), "'%s' trace %s 2>&1 >/dev/null", tool, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	*lines = 0;
	while (fgets(buf, sizeof(buf), p))
		(*lines)++;
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void bad_arguments_give_one_line_and_exit_2(void **state)
{
	static const char *const bad[] = {
		"-- true",				/* no -o */
		"-o x.json",				/* nothing to trace */
		"-o x.json --duration 1 -- true",	/* both */
		"-o x.json --duration -3",
		"-o x.json --buffer lots -- true",
		"-o x.json --frobnicate -- true",
		"-o",
	};
	size_t i;
	int lines;

	(void)state;
	assert_int_equal(paths_init(), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run_tool(bad[i], &lines), 2);
		assert_int_equal(lines, 1);
	}
}

static void help_has_examples(void **state)
{
	char cmd[PATH_MAX + 64], buf[512];
	bool examples = false;
	FILE *p;

	(void)state;
	assert_int_equal(paths_init(), 0);
	snprintf(cmd, sizeof(cmd), "'%s' trace --help", tool);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(buf, sizeof(buf), p))
		examples |= !strncmp(buf, "examples:", 9);
	assert_int_equal(pclose(p), 0);
	assert_true(examples);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest file_tests[] = {
		cmocka_unit_test(the_file_is_a_trace_event_object),
		cmocka_unit_test(every_begin_has_its_end_on_its_track),
		cmocka_unit_test(flow_arrows_pair_up),
		cmocka_unit_test(tracks_are_named),
		cmocka_unit_test(jobs_submit_run_and_signal_in_dependency_order),
		cmocka_unit_test(engine_slices_carry_the_profile_record),
		cmocka_unit_test(the_user_queue_entry_is_a_slice),
		cmocka_unit_test(user_queue_entries_submit_run_and_complete_in_order),
	};
	const struct CMUnitTest usage_tests[] = {
		cmocka_unit_test(bad_arguments_give_one_line_and_exit_2),
		cmocka_unit_test(help_has_examples),
	};
	const struct CMUnitTest duration_tests[] = {
		cmocka_unit_test(duration_records_the_jobs_run_meanwhile),
		cmocka_unit_test(two_duration_sessions_at_once_both_record_the_jobs),
	};
	const struct CMUnitTest process_tests[] = {
		cmocka_unit_test(each_process_of_the_program_has_its_own_process),
		cmocka_unit_test(a_hung_job_shows_its_timeout_hang_and_reset),
	};
	int failed = 0;

	if (argc > 1 && !strcmp(argv[1], "--jobs"))
		return run_jobs();
	if (argc > 1 && !strcmp(argv[1], "--hang"))
		return run_hang();
	failed += cmocka_run_group_tests_name("embedded", file_tests, embedded_setup, group_teardown);
	/* acceld's tracing node is CAP_SYS_ADMIN's, as tracefs is: root only here. */
	if (geteuid() == 0) {
		failed += cmocka_run_group_tests_name("acceld", file_tests, daemon_setup, group_teardown);
		failed += cmocka_run_group_tests_name("duration", duration_tests, duration_setup,
						      group_teardown);
	} else {
		printf("not root: the tests through acceld's tracing node (CAP_SYS_ADMIN) skipped\n");
	}
	failed += cmocka_run_group_tests_name("processes", process_tests, processes_setup, group_teardown);
	failed += cmocka_run_group_tests_name("usage", usage_tests, NULL, NULL);
	return failed;
}
