// SPDX-License-Identifier: MIT
/*
 * Tracing (include/accel/trace.h): the event buffer of the process, its tracing node, and
 * the raw file an embedded core writes under $ACCEL_TRACE_DIR.
 *
 * The buffer is a bounded multi-producer ring of slots, each with a sequence number that
 * says whose turn it is (Vyukov's bounded queue): a producer claims position p by moving
 * @ring_tail from p to p + 1 once slot p's sequence reads p, fills it and publishes p + 1; the
 * reader takes slot p once it reads p + 1 and hands it back for position p + capacity. A
 * producer never waits: a slot still held by the reader one lap behind means the ring is
 * full and the event is dropped and counted. The ring is allocated by the first enable and
 * never freed: a tracepoint that saw the flag set just before a disable may still be writing.
 *
 * The tracing node serves any number of readers from that one buffer: each started reader
 * has a queue of its own that every read first fills from the buffer (struct trace_file).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <accel/cred.h>
#include <accel/device.h>
#include <accel/drm_print.h>
#include <accel/fs.h>
#include <accel/trace.h>
#include <accel/uaccess.h>

/*
 * The tracing node's char major: debugfs files have none in the kernel; here every node
 * opens through one. 243 lies in the kernel's range for local use (234-254).
 */
#define ACCEL_TRACE_MAJOR 243
#define ACCEL_TRACE_DEFAULT_EVENTS 65536u
#define ACCEL_TRACE_MAX_EVENTS (1u << 24)

struct trace_slot {
	_Atomic uint64_t seq;
	struct accel_trace_event ev;
};

int accel_trace_on;

/*
 * @state_lock guards @ring's allocation and @reader_busy (someone has tracing on); @read_lock
 * serialises readers over @ring_head. @ring, @ring_mask, @ring_size are constant once set.
 */
static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t read_lock = PTHREAD_MUTEX_INITIALIZER;
static struct trace_slot *ring;
static uint64_t ring_mask, ring_size;
static _Atomic uint64_t ring_tail;
static uint64_t ring_head;
static _Atomic uint64_t ring_dropped;
static _Atomic uint32_t trace_pid;
static bool reader_busy;

static uint64_t trace_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void accel_trace_emit(unsigned int type, uint64_t track, uint64_t ctx, uint64_t seqno,
		      uint64_t a0, uint64_t a1, uint64_t a2, int error, const char *name)
{
	uint64_t ts, pos;
	struct trace_slot *s;

	/*
	 * The callers' check (ACCEL_TRACE) is relaxed, to cost one plain load when tracing is
	 * off; this acquire pairs with accel_trace_enable()'s release, so that the ring it set
	 * up is seen whole by a thread that had no other reason to be ordered after it.
	 */
	if (!__atomic_load_n(&accel_trace_on, __ATOMIC_ACQUIRE))
		return;
	ts = trace_now_ns();
	pos = atomic_load_explicit(&ring_tail, memory_order_relaxed);
	for (;;) {
		uint64_t seq;
		int64_t diff;

		s = &ring[pos & ring_mask];
		seq = atomic_load_explicit(&s->seq, memory_order_acquire);
		diff = (int64_t)(seq - pos);
		if (diff == 0) {
			if (atomic_compare_exchange_weak_explicit(&ring_tail, &pos, pos + 1,
								  memory_order_relaxed,
								  memory_order_relaxed))
				break;
		} else if (diff < 0) {
			atomic_fetch_add_explicit(&ring_dropped, 1, memory_order_relaxed);
			return;
		} else {
			pos = atomic_load_explicit(&ring_tail, memory_order_relaxed);
		}
	}
	s->ev.ts_ns = ts;
	s->ev.track = track;
	s->ev.ctx = ctx;
	s->ev.seqno = seqno;
	s->ev.arg[0] = a0;
	s->ev.arg[1] = a1;
	s->ev.arg[2] = a2;
	s->ev.pid = atomic_load_explicit(&trace_pid, memory_order_relaxed);
	s->ev.type = (uint16_t)type;
	s->ev.pad = 0;
	s->ev.error = error;
	s->ev.pad2 = 0;
	if (name)
		snprintf(s->ev.name, sizeof(s->ev.name), "%s", name);
	else
		s->ev.name[0] = '\0';
	atomic_store_explicit(&s->seq, pos + 1, memory_order_release);
}

/* Take up to @max events; NULL @out discards them. Under @read_lock. */
static size_t ring_take_locked(struct accel_trace_event *out, size_t max)
{
	size_t n = 0;

	while (n < max) {
		struct trace_slot *s = &ring[ring_head & ring_mask];

		if (atomic_load_explicit(&s->seq, memory_order_acquire) != ring_head + 1)
			break; /* empty, or the producer of this slot has not published it yet */
		if (out)
			out[n] = s->ev;
		atomic_store_explicit(&s->seq, ring_head + ring_size, memory_order_release);
		ring_head++;
		n++;
	}
	return n;
}

/* Every slot free, positions from 0: the ring as allocated. No producer may run. */
static void ring_reset(void)
{
	uint64_t i;

	for (i = 0; i < ring_size; i++)
		atomic_store_explicit(&ring[i].seq, i, memory_order_relaxed);
	atomic_store(&ring_tail, 0);
	ring_head = 0;
	atomic_store(&ring_dropped, 0);
}

static int ring_alloc_locked(uint32_t events)
{
	uint64_t size = 1;

	if (ring)
		return 0;
	if (!events)
		events = ACCEL_TRACE_DEFAULT_EVENTS;
	if (events > ACCEL_TRACE_MAX_EVENTS)
		events = ACCEL_TRACE_MAX_EVENTS;
	while (size < events)
		size <<= 1;
	ring = aligned_alloc(64, size * sizeof(*ring));
	if (!ring)
		return -ENOMEM;
	ring_size = size;
	ring_mask = size - 1;
	ring_reset();
	return 0;
}

int accel_trace_enable(uint32_t buffer_events)
{
	int err;

	pthread_mutex_lock(&state_lock);
	if (reader_busy) {
		err = -EBUSY;
		goto out;
	}
	err = ring_alloc_locked(buffer_events);
	if (err)
		goto out;
	/* What an earlier session left: each slot handed back, so producers find room. */
	pthread_mutex_lock(&read_lock);
	while (ring_take_locked(NULL, SIZE_MAX))
		;
	atomic_store(&ring_dropped, 0);
	pthread_mutex_unlock(&read_lock);
	atomic_store(&trace_pid, (uint32_t)getpid());
	reader_busy = true;
	__atomic_store_n(&accel_trace_on, 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&state_lock);
	return err;
}

void accel_trace_disable(void)
{
	pthread_mutex_lock(&state_lock);
	__atomic_store_n(&accel_trace_on, 0, __ATOMIC_RELEASE);
	reader_busy = false;
	pthread_mutex_unlock(&state_lock);
}

size_t accel_trace_read(struct accel_trace_event *out, size_t max, uint64_t *dropped)
{
	size_t n = 0;

	pthread_mutex_lock(&read_lock);
	if (ring)
		n = ring_take_locked(out, max);
	pthread_mutex_unlock(&read_lock);
	if (dropped)
		*dropped = atomic_load(&ring_dropped);
	return n;
}

/* ---- the tracing node ---- */

/*
 * An open file of the node, a reader once started. Every started reader gets every event
 * recorded from its start, however many read at once: the process has one buffer with one
 * consumer, so a read first fans out what the buffer holds to every started reader's own
 * queue, then takes from its own. A reader's queue holds up to @max events (what its START
 * asked for); past that its own drops are counted, so a slow reader loses events without
 * costing the others theirs. The first start turns tracing on, the last release off.
 *
 * @started, @next, @q, @head, @count, @cap, @max, @dropped, @dropped_base are guarded by
 * @node_lock. @q holds @count events from @head (@cap allocated, grown by doubling up to
 * @max); @dropped counts the queue's own drops; @dropped_base is the buffer's drop count at
 * the start (the buffer's count runs from the first reader's start).
 */
struct trace_file {
	bool started;
	struct trace_file *next;
	struct accel_trace_event *q;
	size_t head, count, cap, max;
	uint64_t dropped;
	uint64_t dropped_base;
};

static pthread_mutex_t node_lock = PTHREAD_MUTEX_INITIALIZER;
static struct trace_file *node_readers;
/* The buffer's drop count as the last fan-out read it; under @node_lock. */
static uint64_t node_buffer_dropped;

/* Append @n events to @tf's queue, counting what does not fit. Under @node_lock. */
static void reader_push(struct trace_file *tf, const struct accel_trace_event *ev, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (tf->head + tf->count == tf->cap && tf->head) {
			memmove(tf->q, tf->q + tf->head, tf->count * sizeof(*tf->q));
			tf->head = 0;
		}
		if (tf->count == tf->cap && tf->cap < tf->max) {
			size_t cap = tf->cap ? tf->cap * 2 : 1024;
			struct accel_trace_event *q;

			if (cap > tf->max)
				cap = tf->max;
			q = realloc(tf->q, cap * sizeof(*q));
			if (q) {
				tf->q = q;
				tf->cap = cap;
			}
		}
		if (tf->count == tf->cap) {
			tf->dropped++;
			continue;
		}
		tf->q[tf->head + tf->count++] = ev[i];
	}
}

/* Move what the buffer holds to every started reader's queue. Under @node_lock. */
static void node_fan_out_locked(void)
{
	struct accel_trace_event ev[64];
	struct trace_file *tf;
	size_t n;

	while ((n = accel_trace_read(ev, 64, &node_buffer_dropped)) > 0)
		for (tf = node_readers; tf; tf = tf->next)
			reader_push(tf, ev, n);
}

static int trace_node_open(struct inode *inode, struct file *filp)
{
	struct trace_file *tf;

	(void)inode;
	/* As tracefs: everybody's jobs are in the events. */
	if (!capable_sys_admin())
		return -EPERM;
	tf = calloc(1, sizeof(*tf));
	if (!tf)
		return -ENOMEM;
	filp->private_data = tf;
	return 0;
}

static int trace_node_release(struct inode *inode, struct file *filp)
{
	struct trace_file *tf = filp->private_data, **pp;

	(void)inode;
	pthread_mutex_lock(&node_lock);
	if (tf->started) {
		for (pp = &node_readers; *pp && *pp != tf; pp = &(*pp)->next)
			;
		if (*pp)
			*pp = tf->next;
		if (!node_readers)
			accel_trace_disable();
	}
	pthread_mutex_unlock(&node_lock);
	free(tf->q);
	free(tf);
	return 0;
}

static long trace_ioctl_start(struct trace_file *tf, unsigned long arg)
{
	struct accel_trace_start st;
	int err = 0;

	if (copy_from_user(&st, (const void __user *)arg, sizeof(st)))
		return -EFAULT;
	if (st.flags)
		return -EINVAL;
	pthread_mutex_lock(&node_lock);
	if (tf->started) {
		err = -EBUSY;
		goto out;
	}
	if (!node_readers) {
		/* -EBUSY only while the process writes its own raw file ($ACCEL_TRACE_DIR). */
		err = accel_trace_enable(st.buffer_events);
		if (err)
			goto out;
		node_buffer_dropped = 0;
	} else {
		/* What the buffer holds was recorded before this start: the others' events. */
		node_fan_out_locked();
	}
	tf->max = st.buffer_events ? st.buffer_events : ACCEL_TRACE_DEFAULT_EVENTS;
	if (tf->max > ACCEL_TRACE_MAX_EVENTS)
		tf->max = ACCEL_TRACE_MAX_EVENTS;
	tf->dropped_base = node_buffer_dropped;
	tf->next = node_readers;
	node_readers = tf;
	tf->started = true;
out:
	pthread_mutex_unlock(&node_lock);
	return err;
}

static long trace_ioctl_read(struct trace_file *tf, unsigned long arg)
{
	struct accel_trace_read *rd;
	long ret = 0;

	rd = malloc(sizeof(*rd));
	if (!rd)
		return -ENOMEM;
	if (copy_from_user(&rd->max, (const void __user *)arg, sizeof(rd->max))) {
		ret = -EFAULT;
		goto out;
	}
	if (rd->max > ACCEL_TRACE_READ_MAX)
		rd->max = ACCEL_TRACE_READ_MAX;
	pthread_mutex_lock(&node_lock);
	if (!tf->started) {
		pthread_mutex_unlock(&node_lock);
		ret = -EINVAL;
		goto out;
	}
	node_fan_out_locked();
	rd->count = tf->count < rd->max ? (uint32_t)tf->count : rd->max;
	if (rd->count) /* an empty queue may have no memory yet */
		memcpy(rd->events, tf->q + tf->head, rd->count * sizeof(rd->events[0]));
	tf->head += rd->count;
	tf->count -= rd->count;
	if (!tf->count)
		tf->head = 0;
	rd->dropped = node_buffer_dropped - tf->dropped_base + tf->dropped;
	pthread_mutex_unlock(&node_lock);
	/* Only what was filled travels back: the header and @count events. */
	if (copy_to_user((void __user *)arg, rd,
			 offsetof(struct accel_trace_read, events) + rd->count * sizeof(rd->events[0])))
		ret = -EFAULT;
out:
	free(rd);
	return ret;
}

static long trace_node_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct trace_file *tf = filp->private_data;

	switch (cmd) {
	case ACCEL_TRACE_IOC_START:
		return trace_ioctl_start(tf, arg);
	case ACCEL_TRACE_IOC_READ:
		return trace_ioctl_read(tf, arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations trace_node_fops = {
	.open = trace_node_open,
	.release = trace_node_release,
	.unlocked_ioctl = trace_node_ioctl,
};

static pthread_once_t node_once = PTHREAD_ONCE_INIT;
static int node_error;

static void trace_node_init_once(void)
{
	node_error = register_chrdev_fops(ACCEL_TRACE_MAJOR, "accel_trace", &trace_node_fops);
	if (node_error)
		return;
	node_error = devnode_publish_path(ACCEL_TRACE_NODE_PATH, makedev(ACCEL_TRACE_MAJOR, 0), 0600);
	if (node_error) {
		DRM_ERROR("trace: cannot publish %s: %d", ACCEL_TRACE_NODE_PATH, node_error);
		unregister_chrdev_fops(ACCEL_TRACE_MAJOR);
	}
}

int accel_trace_node_init(void)
{
	pthread_once(&node_once, trace_node_init_once);
	return node_error;
}

/* ---- the raw file of an embedded core ($ACCEL_TRACE_DIR) ---- */

#define TRACE_DRAIN_MS 20

/*
 * @file_lock guards @file_fd (-1: not open; a forked child opens its own at exit) and the
 * file's contents; @file_dir is constant once set.
 */
static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;
static int file_fd = -1;
static char *file_dir;

static int file_open_locked(void)
{
	struct accel_trace_file_hdr hdr = { .version = ACCEL_TRACE_FILE_VERSION,
					     .event_size = sizeof(struct accel_trace_event) };
	char path[PATH_MAX];
	FILE *comm;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%d" ACCEL_TRACE_FILE_SUFFIX, file_dir,
			     (int)getpid()) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	memcpy(hdr.magic, ACCEL_TRACE_FILE_MAGIC, sizeof(hdr.magic));
	hdr.pid = (uint32_t)getpid();
	comm = fopen("/proc/self/comm", "re");
	if (comm) {
		if (fgets(hdr.comm, sizeof(hdr.comm), comm))
			hdr.comm[strcspn(hdr.comm, "\n")] = '\0';
		fclose(comm);
	}
	if (write(fd, &hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr)) {
		close(fd);
		return -EIO;
	}
	file_fd = fd;
	return 0;
}

/* Append what the buffer holds and bring the header's drop count up to date. */
static void file_drain_locked(void)
{
	struct accel_trace_event ev[256];
	uint64_t dropped = 0;
	size_t n;

	if (file_fd < 0 && file_open_locked())
		return;
	while ((n = accel_trace_read(ev, 256, &dropped)) > 0)
		if (write(file_fd, ev, n * sizeof(ev[0])) != (ssize_t)(n * sizeof(ev[0])))
			break; /* a full disk: the rest is lost, as a full buffer's would be */
	if (pwrite(file_fd, &dropped, sizeof(dropped), offsetof(struct accel_trace_file_hdr, dropped)) < 0)
		return;
}

static void *file_drain_thread(void *arg)
{
	struct timespec ts = { 0, TRACE_DRAIN_MS * 1000000l };

	(void)arg;
	for (;;) {
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&file_lock);
		file_drain_locked();
		pthread_mutex_unlock(&file_lock);
	}
	return NULL;
}

static void file_at_exit(void)
{
	pthread_mutex_lock(&file_lock);
	file_drain_locked();
	pthread_mutex_unlock(&file_lock);
}

/* No other thread may hold a lock the child needs: take them across fork(). */
static void trace_fork_prepare(void)
{
	pthread_mutex_lock(&file_lock);
	pthread_mutex_lock(&read_lock);
}

static void trace_fork_parent(void)
{
	pthread_mutex_unlock(&read_lock);
	pthread_mutex_unlock(&file_lock);
}

/*
 * The child has its parent's events (written by the parent) and slots other threads had
 * claimed and will never publish here: it starts with an empty ring and a file of its own,
 * written at its exit (it has no drain thread).
 */
static void trace_fork_child(void)
{
	ring_reset();
	atomic_store(&trace_pid, (uint32_t)getpid());
	if (file_fd >= 0)
		close(file_fd);
	file_fd = -1;
	pthread_mutex_unlock(&read_lock);
	pthread_mutex_unlock(&file_lock);
}

static pthread_once_t env_once = PTHREAD_ONCE_INIT;

static void trace_from_env_once(void)
{
	const char *dir = getenv(ACCEL_TRACE_DIR_ENV);
	const char *size = getenv("ACCEL_TRACE_BUFFER");
	pthread_attr_t attr;
	pthread_t thread;
	int err;

	if (!dir || !*dir)
		return;
	file_dir = strdup(dir);
	if (!file_dir)
		return;
	err = accel_trace_enable(size ? (uint32_t)strtoul(size, NULL, 0) : 0);
	if (!err) {
		pthread_mutex_lock(&file_lock);
		err = file_open_locked();
		pthread_mutex_unlock(&file_lock);
	}
	if (err) {
		DRM_ERROR("trace: %s=%s: %s", ACCEL_TRACE_DIR_ENV, dir, strerror(-err));
		accel_trace_disable();
		return;
	}
	pthread_atfork(trace_fork_prepare, trace_fork_parent, trace_fork_child);
	atexit(file_at_exit);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&thread, &attr, file_drain_thread, NULL) == 0)
		pthread_setname_np(thread, "accel-trace");
	pthread_attr_destroy(&attr);
}

void accel_trace_from_env(void)
{
	pthread_once(&env_once, trace_from_env_once);
}
