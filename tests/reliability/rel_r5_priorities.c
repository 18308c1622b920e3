// SPDX-License-Identifier: MIT
/*
 * R5 (issue 11): CLIENTS clients x JOBS jobs with mixed priorities through acceld: no
 * completion lost or duplicated, per-priority latency, throughput, and fairness within a
 * priority.
 *
 * acceld serves one vnpu (two compute engines) under a private root. Each client is a process
 * with one compute context at priority low, normal or high (in turn: client i gets
 * i mod 3; high needs CAP_SYS_ADMIN, which root has). Its job k writes k+1 into slot k of
 * the client's memory (FENCE_WRITE) and signals point k+1 of the client's timeline syncobj;
 * each job asks for a profile record. A client keeps up to --window jobs in flight, all
 * clients starting at once.
 *
 * Completions: a client waits for its next unobserved point, then asks the syncobj how far it
 * got (SYNCOBJ_QUERY) and observes every point up to there exactly once: a point must never
 * go backwards or beyond what was submitted, and when point k+1 is observed slot k must hold
 * k+1 (the job ran before its completion was seen). After the run every job must have been
 * observed once, with a profile record saying it ended without error, and the engines'
 * job counters (sysfs engines/<e>/jobs) must have grown by exactly the number of jobs: a
 * job run twice would count twice.
 *
 * Figures: per priority the device latency of jobs (profile end - submit, CLOCK_MONOTONIC)
 * p50 and p99; throughput (jobs over the wall time of the run); Jain's fairness index
 * within each priority, of (a) each client's throughput over its own run, and (b) the jobs
 * each client had completed when the first client of that priority finished (goal >= 0.9).
 * A context stays on the compute engine it was put on while it has jobs in flight (the
 * least loaded one, chosen when it is idle, as the kernel's drm_sched does), so clients of
 * one priority split unevenly over the two engines get unequal shares: the split is
 * printed, and (a) again within each engine's clients.
 *
 * usage: rel_r5_priorities [--clients N] [--jobs N] [--window N] [--limit S]
 * (nothing is random: runs differ only in timing)
 */
#include "rel_common.h"

#include <math.h>

#define NODE		"/dev/accel/accel0"
#define PROF_STRIDE	64
#define CMD_BYTES	24	/* one FENCE_WRITE packet */

static const char daemon_config[] =
	"[nodes]\nmode = 0666\n\n"
	"[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 60000\ncompute_engines = 2\ndma_engines = 1\n"
	"queue_depth = 256\n";

static const char *const prio_name[3] = { "normal", "low", "high" };

/* What a client reports, in memory shared with the campaign. */
struct client_result {
	int status;			/* 0 ok, else what failed first */
	uint32_t priority;
	uint64_t observed;		/* completions observed */
	uint64_t duplicates;		/* a point observed twice (or query going backwards) */
	uint64_t beyond;		/* a point signalled past what was submitted */
	uint64_t early;			/* a completion seen before its job's write */
	uint64_t bad_record;		/* no profile record, or an error in it */
	uint64_t busy;			/* SUBMITs refused with -EBUSY (retried) */
	int64_t t_start, t_end;		/* first SUBMIT, last observation */
	uint64_t on_engine[2];		/* jobs that ran on compute0, compute1 */
};

static unsigned int nclients = 64, window = 32;
static uint64_t njobs = 10000;
static struct client_result *results;
static uint64_t *lat_ns, *end_ns;	/* [client][job] */

enum { ST_OK, ST_OPEN, ST_CTX, ST_SYNCOBJ, ST_SUBMIT, ST_WAIT, ST_QUERY, ST_GO };

static int client_main(unsigned int idx, int ready, int go)
{
	struct client_result *r = &results[idx];
	uint64_t slots_off, prof_off, cmd_off, submitted = 0, observed = 0, k, size;
	struct vnpu_arena_client c;
	uint32_t ctx, tl;
	uint8_t *seen;
	char ch;
	int err;

	r->priority = idx % 3;
	size = njobs * (8 + PROF_STRIDE + CMD_BYTES) + 3 * 4096;
	seen = calloc(njobs, 1);
	if (!seen || vnpu_arena_open(&c, NODE, size))
		return r->status = ST_OPEN;
	slots_off = (uint64_t)vnpu_arena_alloc(&c, njobs * 8);
	prof_off = (uint64_t)vnpu_arena_alloc(&c, njobs * PROF_STRIDE);
	cmd_off = (uint64_t)vnpu_arena_alloc(&c, njobs * CMD_BYTES);
	for (k = 0; k < njobs; k++) {
		struct vnpu_stream s = { .len = 0 };

		rel_emit_fence_write(&s, vnpu_arena_va(slots_off + 8 * k), k + 1);
		memcpy(c.map + cmd_off + CMD_BYTES * k, s.buf, CMD_BYTES);
	}
	memset(c.map + slots_off, 0, njobs * 8);
	memset(c.map + prof_off, 0, njobs * PROF_STRIDE);
	if (vnpu_arena_ctx_create(&c, VNPU_ENGINE_COMPUTE, r->priority, &ctx))
		return r->status = ST_CTX;
	if (vnpu_syncobj_create(c.fd, &tl))
		return r->status = ST_SYNCOBJ;
	if (write(ready, "r", 1) != 1 || read(go, &ch, 1) != 0)
		return r->status = ST_GO;

	r->t_start = mono_now_ns();
	while (observed < njobs) {
		struct drm_syncobj_timeline_array q = { .handles = (uintptr_t)&tl, .count_handles = 1 };
		uint64_t point = 0;

		while (submitted < njobs && submitted - observed < window) {
			struct drm_vnpu_submit a = {
				.ctx_id = ctx,
				.cmd_handle = c.bo,
				.cmd_offset = cmd_off + CMD_BYTES * submitted,
				.cmd_size = CMD_BYTES,
				.out_sync = { .handle = tl, .point = submitted + 1 },
				.profile_va = vnpu_arena_va(prof_off + PROF_STRIDE * submitted),
			};

			err = accel_sys_ioctl(c.fd, DRM_IOCTL_VNPU_SUBMIT, &a) ? -errno : 0;
			if (err == -EBUSY) {
				r->busy++;
				break;
			}
			if (err == -EINTR || err == -EAGAIN)
				continue;
			if (err)
				return r->status = ST_SUBMIT;
			submitted++;
		}
		if (vnpu_wait_point(c.fd, tl, observed + 1, 120 * REL_NSEC))
			return r->status = ST_WAIT;
		q.points = (uintptr_t)&point;
		if (vnpu_ioctl_retry(c.fd, DRM_IOCTL_SYNCOBJ_QUERY, &q))
			return r->status = ST_QUERY;
		if (point <= observed) {
			r->duplicates++; /* the point we just waited for is not signalled? */
			continue;
		}
		if (point > submitted) {
			r->beyond++;
			point = submitted;
		}
		for (k = observed; k < point; k++) {
			if (seen[k]++)
				r->duplicates++;
			if (__atomic_load_n((uint64_t *)(c.map + slots_off + 8 * k), __ATOMIC_ACQUIRE) !=
			    k + 1)
				r->early++;
		}
		observed = point;
		r->observed = observed;
	}
	r->t_end = mono_now_ns();
	for (k = 0; k < njobs; k++) {
		struct vnpu_job_profile p;

		memcpy(&p, c.map + prof_off + PROF_STRIDE * k, sizeof(p));
		if (!p.end_ns || p.error || seen[k] != 1)
			r->bad_record++;
		if (p.end_ns && p.engine_instance < 2)
			r->on_engine[p.engine_instance]++;
		lat_ns[idx * njobs + k] = p.end_ns > p.submit_ns ? p.end_ns - p.submit_ns : 0;
		end_ns[idx * njobs + k] = p.end_ns;
	}
	vnpu_arena_close(&c);
	free(seen);
	return r->status = ST_OK;
}

static const char *root;

/* Sum of the engines' "jobs that ran" counters (sysfs). */
static long long engine_jobs(void)
{
	static const char *const engines[] = { "compute0", "compute1", "dma0" };
	char path[4200];
	long long sum = 0, v;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/sys/devices/platform/vnpu.0/engines/%s/jobs", root,
			 engines[i]);
		v = rel_file_num(path, NULL);
		if (v < 0)
			return -1;
		sum += v;
	}
	return sum;
}

int main(int argc, char **argv)
{
	unsigned int limit = 1800, i, p, failed = 0;
	uint64_t total_obs = 0, dup = 0, beyond = 0, early = 0, bad = 0, busy = 0, lost;
	long long jobs0, jobs1;
	int go[2], *ready, status;
	pid_t *pids, daemon;
	int64_t t0, t1;
	bool ok;

	for (i = 1; i < (unsigned int)argc; i++) {
		const char *v = i + 1 < (unsigned int)argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--clients") && v)
			nclients = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--jobs") && v)
			njobs = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--window") && v)
			window = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--limit") && v)
			limit = (unsigned int)strtoul(argv[++i], NULL, 0);
		else {
			bool help = !strcmp(argv[i], "--help");

			fprintf(help ? stdout : stderr, "usage: %s [--clients N] [--jobs N] [--window N] "
				"[--limit SECONDS]\n", argv[0]);
			return help ? 0 : 2;
		}
	}
	if (!nclients || nclients > 1024 || !njobs || njobs > 1000000 || !window || window > 256) {
		fprintf(stderr, "r5: --clients 1..1024, --jobs 1..1000000, --window 1..256\n");
		return 2;
	}
	rel_init("r5", limit);
	printf("R5 mixed priorities through acceld: %u clients x %llu jobs, window %u, priorities "
	       "low/normal/high in turn\n", nclients, (unsigned long long)njobs, window);
	fflush(stdout);

	results = mmap(NULL, sizeof(*results) * nclients, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	lat_ns = mmap(NULL, sizeof(uint64_t) * nclients * njobs, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	end_ns = mmap(NULL, sizeof(uint64_t) * nclients * njobs, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pids = calloc(nclients, sizeof(*pids));
	ready = calloc(nclients, sizeof(*ready));
	if (results == MAP_FAILED || lat_ns == MAP_FAILED || end_ns == MAP_FAILED || !pids ||
	    !ready || pipe2(go, O_CLOEXEC))
		return 1;
	root = rel_private_root("r5");
	setenv("ACCEL_ROOT", root, 1);
	daemon = rel_acceld_start(ACCELD_PATH, root, daemon_config, 100);
	if (daemon < 0)
		return 1;

	for (i = 0; i < nclients; i++) {
		int rp[2];

		if (pipe2(rp, O_CLOEXEC))
			return 1;
		pids[i] = rel_fork(limit);
		if (pids[i] < 0)
			return 1;
		if (pids[i] == 0) {
			close(rp[0]);
			close(go[1]);
			_exit(client_main(i, rp[1], go[0]));
		}
		close(rp[1]);
		ready[i] = rp[0];
	}
	close(go[0]);
	for (i = 0; i < nclients; i++) {
		struct pollfd pfd = { .fd = ready[i], .events = POLLIN };
		char ch;

		if (poll(&pfd, 1, 60000) != 1 || read(ready[i], &ch, 1) != 1) {
			fprintf(stderr, "r5: client %u did not get ready (status %d)\n", i,
				results[i].status);
			return 1;
		}
		close(ready[i]);
	}
	usleep(300000); /* the published counters are refreshed every 100 ms */
	jobs0 = engine_jobs();
	t0 = mono_now_ns();
	close(go[1]); /* go */
	for (i = 0; i < nclients; i++) {
		status = rel_reap(pids[i], (int)limit * 1000);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			failed++;
			fprintf(stderr, "r5: client %u failed: status 0x%x, step %d\n", i, status,
				results[i].status);
		}
	}
	t1 = mono_now_ns();
	usleep(400000);
	jobs1 = engine_jobs();
	status = rel_acceld_stop(daemon);

	for (i = 0; i < nclients; i++) {
		total_obs += results[i].observed;
		dup += results[i].duplicates;
		beyond += results[i].beyond;
		early += results[i].early;
		bad += results[i].bad_record;
		busy += results[i].busy;
	}
	lost = (uint64_t)nclients * njobs - total_obs;
	printf("\nR5 results (%.1f s wall for the jobs, machine shared with other builds)\n",
	       (double)(t1 - t0) / REL_NSEC);
	printf("  completions observed %llu of %llu: lost %llu, duplicated %llu, past the last "
	       "submit %llu, seen before the job's write %llu, bad profile records %llu\n",
	       (unsigned long long)total_obs, (unsigned long long)nclients * njobs,
	       (unsigned long long)lost, (unsigned long long)dup, (unsigned long long)beyond,
	       (unsigned long long)early, (unsigned long long)bad);
	printf("  jobs the engines ran (sysfs): %lld (submitted %llu)\n", jobs1 - jobs0,
	       (unsigned long long)nclients * njobs);
	printf("  throughput %.0f jobs/s; SUBMITs refused -EBUSY and retried: %llu\n",
	       (double)total_obs / ((double)(t1 - t0) / REL_NSEC), (unsigned long long)busy);
	printf("  %-7s %7s %12s %12s %10s %14s %14s %12s\n", "prio", "clients", "p50_us", "p99_us",
	       "jobs/s", "Jain(thruput)", "Jain(window)", "engine0/1");
	ok = !failed && !lost && !dup && !beyond && !early && !bad &&
	     jobs1 - jobs0 == (long long)((uint64_t)nclients * njobs) && status == 0;
	for (p = 0; p < 3; p++) {
		static const unsigned int order[3] = { 2, 0, 1 }; /* high, normal, low */
		unsigned int prio = order[p], n = 0, j = 0;
		uint64_t *lat, first_end = UINT64_MAX;
		double *thr, *win, *thr_e[2], jt, jw;
		unsigned int ne[2] = { 0, 0 };
		int64_t pmin = INT64_MAX, pmax = 0;
		unsigned int split[2] = { 0, 0 };	/* clients mostly on compute0 / compute1 */

		for (i = 0; i < nclients; i++)
			n += results[i].priority == prio;
		if (!n)
			continue;
		lat = malloc(sizeof(*lat) * n * njobs);
		thr = calloc(n, sizeof(*thr));
		win = calloc(n, sizeof(*win));
		thr_e[0] = calloc(n, sizeof(double));
		thr_e[1] = calloc(n, sizeof(double));
		if (!lat || !thr || !win || !thr_e[0] || !thr_e[1])
			return 1;
		for (i = 0; i < nclients; i++) {
			uint64_t last = 0, k;

			if (results[i].priority != prio)
				continue;
			for (k = 0; k < njobs; k++)
				if (end_ns[i * njobs + k] > last)
					last = end_ns[i * njobs + k];
			if (last < first_end)
				first_end = last;
		}
		for (i = 0; i < nclients; i++) {
			uint64_t k;

			if (results[i].priority != prio)
				continue;
			memcpy(lat + (size_t)j * njobs, lat_ns + i * njobs, sizeof(*lat) * njobs);
			thr[j] = results[i].t_end > results[i].t_start ?
				 (double)njobs / ((double)(results[i].t_end - results[i].t_start) / REL_NSEC) : 0;
			for (k = 0; k < njobs; k++)
				win[j] += end_ns[i * njobs + k] && end_ns[i * njobs + k] <= first_end;
			{
				unsigned int e = results[i].on_engine[1] > results[i].on_engine[0];

				split[e]++;
				thr_e[e][ne[e]++] = thr[j];
			}
			if (results[i].t_start < pmin)
				pmin = results[i].t_start;
			if (results[i].t_end > pmax)
				pmax = results[i].t_end;
			j++;
		}
		qsort(lat, (size_t)n * njobs, sizeof(*lat), rel_cmp_u64);
		jt = rel_jain(thr, n);
		jw = rel_jain(win, n);
		printf("  %-7s %7u %12.1f %12.1f %10.0f %14.3f %14.3f %8u/%u\n", prio_name[prio], n,
		       rel_quantile(lat, (size_t)n * njobs, 0.50) / 1000.0,
		       rel_quantile(lat, (size_t)n * njobs, 0.99) / 1000.0,
		       pmax > pmin ? (double)n * njobs / ((double)(pmax - pmin) / REL_NSEC) : 0, jt, jw,
		       split[0], split[1]);
		printf("  %-7s within each engine's clients: Jain(thruput) %.3f / %.3f\n", "",
		       rel_jain(thr_e[0], ne[0]), rel_jain(thr_e[1], ne[1]));
		free(lat);
		free(thr);
		free(win);
		free(thr_e[0]);
		free(thr_e[1]);
	}
	printf("  acceld stopped with status %d\n  R5 %s\n", status, ok ? "PASSED" : "FAILED");
	free(pids);
	free(ready);
	return ok ? 0 : 1;
}
