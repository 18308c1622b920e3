// SPDX-License-Identifier: MIT
/*
 * `accel top -J` and `accel info --json` show a client as it is: this process holds an
 * example device (accel0: a 64 KiB buffer, jobs submitted and signalled) and a vnpu (accel1:
 * a 1 MiB system arena, a 2 MiB VRAM buffer, DMA fills) and runs the accel command in
 * children. Built twice: with TOOLS_VIA_DAEMON the devices are acceld's (the root it
 * publishes), else this process's embedded core's, which publishes the root itself (the
 * children read its files without a core of their own).
 *
 * The published files follow the counters every ACCEL_REFRESH_MS, so the test waits for
 * them, not for time: before the children run, until the files show the buffers and the
 * first jobs; between top's two samples, until they show the jobs run after the first one
 * was printed (a run of top whose second sample came first is run again).
 *
 * The children run in the group setup, which only records what they printed; the tests
 * assert on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/example_accel.h>

#include "tests/common/vnpu_arena_client.h"
#include "helpers.h"
#include "tools/accel/fdinfo_scan.h"

#define EXAMPLE_BO_SIZE (64u << 10)
#define VNPU_ARENA_SIZE (1u << 20)
#define VNPU_VRAM_SIZE (2u << 20)

static const char tools_config[] =
	"[example.0]\ndriver = example\n\n"
	"[vnpu.0]\ndriver = vnpu\nvram_size = 64M\n";

static struct {
	char *root;
	pid_t daemon;
	int example_fd;
	struct vnpu_arena_client vnpu;
	uint32_t vnpu_ctx, vnpu_sync, vram_bo;
	int jobs_error;
	/* What the children printed: top's samples (one object a line) and info's object. */
	json_object *top[2];
	size_t nr_top;
	int top_status;
	json_object *info_vnpu, *info_example;
	int info_status;
} t;

/* One example job: submitted, then signalled, so that its time counts for the client. */
static int example_job(void)
{
	struct drm_example_submit s = { 0 };
	struct drm_example_signal sig = { 0 };

	if (accel_sys_ioctl(t.example_fd, DRM_IOCTL_EXAMPLE_SUBMIT, &s))
		return -errno;
	sig.fence_id = s.fence_id;
	return accel_sys_ioctl(t.example_fd, DRM_IOCTL_EXAMPLE_SIGNAL, &sig) ? -errno : 0;
}

/* One vnpu DMA fill of the arena's second half, waited for. */
static int vnpu_job(void)
{
	struct vnpu_stream s = { .len = 0 };
	int err = vnpu_stream_dma_fill(&s, vnpu_arena_va(VNPU_ARENA_SIZE / 2), VNPU_ARENA_SIZE / 2,
				       0x5a, 1);

	if (!err)
		err = vnpu_arena_submit(&t.vnpu, t.vnpu_ctx, &s, 0, t.vnpu_sync, 0, -1, NULL);
	if (!err)
		err = vnpu_wait_point(t.vnpu.fd, t.vnpu_sync, 0, 10ll * 1000 * 1000 * 1000);
	return err;
}

/* Run the accel command with @args (NULL-terminated); its stdout into @out (@size bytes). */
static int run_accel(char *out, size_t size, ...)
{
	const char *argv[16] = { "accel" };
	size_t n = 1, len = 0;
	int p[2], status;
	va_list ap;
	ssize_t r;
	pid_t pid;

	va_start(ap, size);
	while (n < 15 && (argv[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(p[1], STDOUT_FILENO);
		execv(ACCEL_CMD_PATH, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	while (len + 1 < size && (r = read(p[0], out + len, size - 1 - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		len += (size_t)r;
	}
	out[len] = 0;
	close(p[0]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The engine time and memory the root's files show for this process's client of @driver. */
static int published(const char *driver, const char *engine, const char *region, uint64_t *ns,
		     uint64_t *bytes)
{
	struct fdinfo_list l = { 0 };
	int found = -ENOENT;
	size_t i, j;

	if (fdinfo_scan_root(t.root, &l))
		return -ENOMEM;
	for (i = 0; i < l.n; i++) {
		const struct fdinfo_engine *e = fdinfo_engine_find(&l.v[i], engine);

		if (l.v[i].pid != getpid() || strcmp(l.v[i].driver, driver) || !e)
			continue;
		*ns = e->ns;
		*bytes = 0;
		for (j = 0; j < l.v[i].nr_regions; j++)
			if (!strcmp(l.v[i].regions[j].name, region))
				*bytes = l.v[i].regions[j].total;
		found = 0;
	}
	fdinfo_list_free(&l);
	return found;
}

/*
 * Wait until the files show client @driver with more than @after ns on @engine and @want
 * bytes in @region; *@now gets the time they show. Bounded (a minute), in case they never do.
 */
static int wait_published(const char *driver, const char *engine, uint64_t after,
			  const char *region, uint64_t want, uint64_t *now)
{
	uint64_t bytes;
	int i;

	for (i = 0; i < 6000; i++) {
		if (!published(driver, engine, region, now, &bytes) && *now > after && bytes == want)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* One job on each device, and the files showing both. */
static int jobs_published(uint64_t *ex_ns, uint64_t *vn_ns)
{
	int err = example_job();

	if (!err)
		err = vnpu_job();
	if (!err)
		err = wait_published("example", "job", *ex_ns, "memory", EXAMPLE_BO_SIZE, ex_ns);
	if (!err)
		err = wait_published("vnpu", "dma", *vn_ns, "vram", VNPU_VRAM_SIZE, vn_ns);
	return err;
}

/*
 * accel top -J -n 2: jobs run (and show in the files) after its first sample was printed, so
 * its second sample's period holds them; when the second came before they showed, again.
 */
static int run_top(char *out, size_t size)
{
	uint64_t ex_ns = 0, vn_ns = 0;
	int attempt, status;

	if (jobs_published(&ex_ns, &vn_ns))
		return -1;
	for (attempt = 0; attempt < 5; attempt++) {
		struct pollfd pfd = { .events = POLLIN };
		size_t len = 0;
		int p[2], early;
		ssize_t r;
		pid_t pid;

		if (pipe2(p, O_CLOEXEC))
			return -1;
		pid = fork();
		if (pid < 0)
			return -1;
		if (!pid) {
			dup2(p[1], STDOUT_FILENO);
			execl(ACCEL_CMD_PATH, "accel", "top", "-J", "-n", "2", "-d", "1", (char *)NULL);
			_exit(127);
		}
		close(p[1]);
		/* The first sample, byte by byte: nothing of the second is read with it. */
		while (len + 1 < size && (r = read(p[0], out + len, 1)) == 1 && out[len++] != '\n')
			;
		t.jobs_error = jobs_published(&ex_ns, &vn_ns);
		pfd.fd = p[0];
		early = poll(&pfd, 1, 0) == 1;
		while (len + 1 < size && (r = read(p[0], out + len, size - 1 - len)) > 0)
			len += (size_t)r;
		out[len] = 0;
		close(p[0]);
		if (waitpid(pid, &status, 0) != pid)
			return -1;
		if (t.jobs_error || !early)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	return -1;
}

static int clients_open(void)
{
	struct drm_example_create_bo eb = { .size = EXAMPLE_BO_SIZE };
	struct drm_vnpu_bo_create vb = { .size = VNPU_VRAM_SIZE, .flags = VNPU_BO_VRAM };

	t.example_fd = accel_sys_open("/dev/accel/accel0", O_RDWR | O_CLOEXEC);
	if (t.example_fd < 0 || accel_sys_ioctl(t.example_fd, DRM_IOCTL_EXAMPLE_CREATE_BO, &eb))
		return -1;
	if (vnpu_arena_open(&t.vnpu, "/dev/accel/accel1", VNPU_ARENA_SIZE) ||
	    vnpu_arena_ctx_create(&t.vnpu, VNPU_ENGINE_DMA, VNPU_PRIORITY_NORMAL, &t.vnpu_ctx) ||
	    vnpu_syncobj_create(t.vnpu.fd, &t.vnpu_sync) ||
	    accel_sys_ioctl(t.vnpu.fd, DRM_IOCTL_VNPU_BO_CREATE, &vb))
		return -1;
	t.vram_bo = vb.handle;
	return 0;
}

/* Record the commands' output; what they say is the tests' to judge. */
static int group_setup(void **state)
{
	static char out[1 << 20];
	char *line, *save;

	(void)state;
	t.root = test_tmpdir_try("tools");
	if (!t.root)
		return -1;
	setenv("ACCEL_ROOT", t.root, 1);
	/* The published files follow the counters closely (the default is a second). */
	setenv("ACCEL_REFRESH_MS", "20", 1);
	unsetenv("ACCEL_CONFIG");
#ifdef TOOLS_VIA_DAEMON
	setenv("ACCEL_BACKEND", "daemon", 1);
	t.daemon = test_acceld_spawn(t.root, tools_config);
	if (t.daemon < 0)
		return -1;
#else
	setenv("ACCEL_BACKEND", "embedded", 1);
	if (accel_embedded_start(tools_config))
		return -1;
#endif
	if (clients_open())
		return -1;
	/* The children find the root's publisher by themselves. */
	unsetenv("ACCEL_BACKEND");
	t.top_status = run_top(out, sizeof(out));
	for (line = strtok_r(out, "\n", &save); line && t.nr_top < 2; line = strtok_r(NULL, "\n", &save))
		t.top[t.nr_top++] = json_tokener_parse(line);
	t.info_status = run_accel(out, sizeof(out), "info", "--json", "-d", "0.3", "accel1", NULL);
	t.info_vnpu = json_tokener_parse(out);
	if (!t.info_status)
		t.info_status = run_accel(out, sizeof(out), "info", "--json", "-d", "0", "0", NULL);
	t.info_example = json_tokener_parse(out);
	return 0;
}

static int group_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < t.nr_top; i++)
		json_object_put(t.top[i]);
	json_object_put(t.info_vnpu);
	json_object_put(t.info_example);
	vnpu_arena_close(&t.vnpu);
	if (t.example_fd >= 0)
		accel_sys_close(t.example_fd);
	if (t.daemon > 0) {
		char cfg[4096];

		test_acceld_kill(t.daemon);
		/* test_acceld_spawn()'s configuration file, beside the root. */
		snprintf(cfg, sizeof(cfg), "%s.conf", t.root);
		unlink(cfg);
	}
	if (t.root)
		test_rmdir(t.root);
	return 0;
}

static json_object *get(json_object *o, const char *path)
{
	char buf[256], *key, *save;

	snprintf(buf, sizeof(buf), "%s", path);
	for (key = strtok_r(buf, ".", &save); key && o; key = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
	return o;
}

/* This process's client of @driver in @clients (an array), or NULL. */
static json_object *my_client(json_object *clients, const char *driver)
{
	size_t i;

	for (i = 0; i < json_object_array_length(clients); i++) {
		json_object *c = json_object_array_get_idx(clients, i);

		if (json_object_get_int(get(c, "pid")) == getpid() &&
		    !strcmp(json_object_get_string(get(c, "driver")), driver))
			return c;
	}
	return NULL;
}

static void test_jobs_ran(void **state)
{
	(void)state;
	assert_int_equal(t.jobs_error, 0);
}

static void test_top_prints_two_samples(void **state)
{
	(void)state;
	assert_int_equal(t.top_status, 0);
	assert_int_equal(t.nr_top, 2);
	assert_non_null(t.top[0]);
	assert_non_null(t.top[1]);
	assert_string_equal(json_object_get_string(get(t.top[1], "period.unit")), "ms");
}

static void test_top_lists_the_client_on_its_device(void **state)
{
	json_object *c;

	(void)state;
	assert_int_equal(t.nr_top, 2);
	c = my_client(get(t.top[1], "clients"), "example");
	assert_non_null(c);
	assert_string_equal(json_object_get_string(get(c, "device")), "accel0");
	c = my_client(get(t.top[1], "clients"), "vnpu");
	assert_non_null(c);
	assert_string_equal(json_object_get_string(get(c, "device")), "accel1");
}

static void test_top_engine_time_grows_over_the_period(void **state)
{
	json_object *ex, *vn;

	(void)state;
	assert_int_equal(t.nr_top, 2);
	ex = my_client(get(t.top[1], "clients"), "example");
	vn = my_client(get(t.top[1], "clients"), "vnpu");
	assert_non_null(ex);
	assert_non_null(vn);
	assert_true(json_object_get_int64(get(ex, "engines.job.delta_ns")) > 0);
	assert_true(json_object_get_double(get(ex, "engines.job.busy")) > 0);
	assert_true(json_object_get_int64(get(vn, "engines.dma.delta_ns")) > 0);
	assert_true(json_object_get_int64(get(vn, "engines.dma.ns")) >=
		    json_object_get_int64(get(vn, "engines.dma.delta_ns")));
}

static void test_top_memory_is_what_the_client_allocated(void **state)
{
	json_object *ex, *vn;

	(void)state;
	assert_int_equal(t.nr_top, 2);
	ex = my_client(get(t.top[1], "clients"), "example");
	vn = my_client(get(t.top[1], "clients"), "vnpu");
	assert_non_null(ex);
	assert_non_null(vn);
	assert_int_equal(json_object_get_int64(get(ex, "memory.memory.total")), EXAMPLE_BO_SIZE);
	assert_int_equal(json_object_get_int64(get(vn, "memory.vram.total")), VNPU_VRAM_SIZE);
	assert_int_equal(json_object_get_int64(get(vn, "memory.system.total")), VNPU_ARENA_SIZE);
}

static void test_top_device_shows_engines_and_vram(void **state)
{
	json_object *devs, *d = NULL;
	size_t i;

	(void)state;
	assert_int_equal(t.nr_top, 2);
	devs = get(t.top[1], "devices");
	for (i = 0; i < json_object_array_length(devs); i++)
		if (!strcmp(json_object_get_string(get(json_object_array_get_idx(devs, i), "node")), "accel1"))
			d = json_object_array_get_idx(devs, i);
	assert_non_null(d);
	assert_string_equal(json_object_get_string(get(d, "driver")), "vnpu");
	assert_true(json_object_get_int64(get(d, "engines.dma0.busy_us")) > 0);
	assert_non_null(get(d, "engines.dma0.busy"));
	assert_int_equal(json_object_get_int64(get(d, "memory.vram.used")), VNPU_VRAM_SIZE);
}

static void test_info_vnpu_memory_and_top_user(void **state)
{
	json_object *top;

	(void)state;
	assert_int_equal(t.info_status, 0);
	assert_non_null(t.info_vnpu);
	assert_string_equal(json_object_get_string(get(t.info_vnpu, "drm_driver")), "vnpu");
	assert_int_equal(json_object_get_int64(get(t.info_vnpu, "memory.regions.vram.used")),
			 VNPU_VRAM_SIZE);
	assert_int_equal(json_object_get_int64(get(t.info_vnpu, "memory.regions.vram.total")), 64 << 20);
	top = get(t.info_vnpu, "memory.clients.vram.top");
	assert_true(json_object_array_length(top) >= 1);
	assert_int_equal(json_object_get_int(get(json_object_array_get_idx(top, 0), "pid")), getpid());
	assert_int_equal(json_object_get_int64(get(json_object_array_get_idx(top, 0), "total")),
			 VNPU_VRAM_SIZE);
}

static void test_info_vnpu_engines_and_client(void **state)
{
	json_object *engines, *c;
	int64_t jobs = 0;
	size_t i;

	(void)state;
	assert_non_null(t.info_vnpu);
	engines = get(t.info_vnpu, "engines");
	assert_int_equal(json_object_array_length(engines), 4);
	for (i = 0; i < 4; i++) {
		json_object *e = json_object_array_get_idx(engines, i);

		assert_non_null(get(e, "busy_pct"));
		if (!strcmp(json_object_get_string(get(e, "class")), "dma"))
			jobs += json_object_get_int64(get(e, "jobs"));
	}
	assert_true(jobs > 0);
	c = my_client(get(t.info_vnpu, "clients"), "vnpu");
	assert_non_null(c);
	assert_true(json_object_get_int64(get(c, "engines.dma.ns")) > 0);
#ifdef TOOLS_VIA_DAEMON
	/* Opened through acceld: the vnpu answers GET_PARAM. */
	assert_int_equal(json_object_get_int64(get(t.info_vnpu, "params.vram_size")), 64 << 20);
#else
	/* Another process's embedded core: its nodes are its own, the files say the rest. */
	assert_non_null(get(t.info_vnpu, "open_error"));
#endif
}

static void test_info_example_by_index(void **state)
{
	json_object *c;

	(void)state;
	assert_non_null(t.info_example);
	assert_string_equal(json_object_get_string(get(t.info_example, "node")), "accel0");
	c = my_client(get(t.info_example, "clients"), "example");
	assert_non_null(c);
	assert_true(json_object_get_int64(get(c, "engines.job.ns")) > 0);
	assert_int_equal(json_object_get_int64(get(c, "memory.memory.total")), EXAMPLE_BO_SIZE);
	/* -d 0: no busy measurement. */
	assert_null(get(t.info_example, "interval_s"));
}

static void test_info_names_the_backend(void **state)
{
	(void)state;
	assert_non_null(t.info_example);
#ifdef TOOLS_VIA_DAEMON
	assert_string_equal(json_object_get_string(get(t.info_example, "backend")), "daemon");
	assert_string_equal(json_object_get_string(get(t.info_example, "driver")), "example");
#else
	assert_string_equal(json_object_get_string(get(t.info_example, "backend")), "embedded");
	assert_int_equal(json_object_get_int(get(t.info_example, "publisher_pid")), getpid());
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_ran),
		cmocka_unit_test(test_top_prints_two_samples),
		cmocka_unit_test(test_top_lists_the_client_on_its_device),
		cmocka_unit_test(test_top_engine_time_grows_over_the_period),
		cmocka_unit_test(test_top_memory_is_what_the_client_allocated),
		cmocka_unit_test(test_top_device_shows_engines_and_vram),
		cmocka_unit_test(test_info_vnpu_memory_and_top_user),
		cmocka_unit_test(test_info_vnpu_engines_and_client),
		cmocka_unit_test(test_info_example_by_index),
		cmocka_unit_test(test_info_names_the_backend),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
