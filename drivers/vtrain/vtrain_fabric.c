// SPDX-License-Identifier: MIT
/*
 * vtrain_fabric.c - the scale-out transport over libfabric: one FI_EP_RDM endpoint with
 * tagged messages, a progress thread, chunking of large messages and peer liveness.
 *
 * Progress: the provider's data progress is manual (tcp;ofi_rxm says FI_PROGRESS_MANUAL), so
 * one thread per endpoint reads the completion queue. While requests are pending it polls
 * (yielding the CPU between empty polls); when none are, it polls every millisecond, enough
 * for connection set-up and heartbeats. A caller in vtrain_fabric_wait() polls the queue
 * itself for its first SPIN_NS (the progress thread steps back meanwhile), then sleeps until
 * the progress thread reports its request done: a short wait avoids a thread hand-off,
 * a long one burns no CPU.
 *
 * Tags: the provider sees (kind | chunk << 48 | user tag). Bit 63 marks heartbeats; bits
 * 48-62 number the chunks of a long message, so a chunk can only match the same chunk of a
 * receive, whatever the order in which the provider completes them.
 *
 * Liveness: every peer gets a heartbeat every peer_timeout/4 and keeps a heartbeat receive
 * posted. A peer once heard from (heartbeat or data) and silent for peer_timeout is dead
 * (-EHOSTDOWN); a connection error the provider reports on any operation to or from a peer
 * (a CQ error entry: reset, refused, aborted) kills it at once with that error. Killing a peer
 * fails every pending request to or from it and withdraws their posted receives.
 */
#define _GNU_SOURCE
#include "vtrain_fabric.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_tagged.h>

#define FABRIC_API_VERSION FI_VERSION(1, 17)
#define TAG_HEARTBEAT (UINT64_C(1) << 63)
#define TAG_CHUNK_SHIFT 48
#define MAX_CHUNKS (1u << 15)
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_PEER_TIMEOUT_MS 5000
#define DEFAULT_CHUNK_BYTES (8u << 20)
#define IDLE_POLL_NS 1000000L
#define CQ_BATCH 32
#define SPIN_NS 2000000u /* how long a waiter polls before it sleeps */

enum fabric_op_kind { OP_DATA, OP_HB_SEND, OP_HB_RECV };

/*
 * One operation handed to the provider: its context is the address of @ctx, the first field,
 * which is how a completion finds its way back.
 */
struct fabric_op {
	struct fi_context2 ctx;
	enum fabric_op_kind kind;
	struct vtrain_fabric_req *req; /* OP_DATA */
	struct fabric_peer *peer;      /* OP_HB_* */
	size_t len;
	bool posted; /* handed to the provider, completion not yet seen */
};

/* Every field is guarded by vtrain_fabric.lock. */
struct fabric_peer {
	uint32_t rank;
	fi_addr_t addr;
	bool heard;		/* a heartbeat or data came from it */
	uint64_t last_heard_ns;
	int dead;		/* 0, or the negative errno its requests fail with */
	struct fabric_op hb_send, hb_recv;
	uint64_t hb_send_buf, hb_recv_buf;
	uint64_t hb_seq;
	bool hb_recv_stale;	/* posted for an address replaced since: cancelled, to repost */
};

/*
 * A request: @nchunks operations, posted in order as the provider accepts them. It lives
 * until the caller released it (wait/test/cancel) and no operation is with the provider.
 * Every field is guarded by vtrain_fabric.lock.
 */
struct vtrain_fabric_req {
	struct vtrain_fabric_req *prev, *next; /* vtrain_fabric.reqs */
	struct fabric_peer *peer;
	bool is_send;
	uint64_t tag;
	char *buf;
	size_t len;
	unsigned nchunks, next_post, inflight, done_chunks;
	int status; /* 1 pending, 0 done, or a negative errno */
	bool released;
	struct fabric_op ops[];
};

/*
 * The endpoint. Locking: @lock guards the peer table, the request list and every request and
 * peer; libfabric calls that post or cancel (fi_tsend, fi_trecv, fi_cancel, fi_av_insert) are
 * made with @lock held so that an operation's state and its presence in the provider agree.
 * The completion queue is read by the progress thread and by polling waiters, without @lock
 * (the domain is FI_THREAD_SAFE); the completions are then applied under @lock. @done signals waiters that
 * a request finished; @kick wakes an idle progress thread. @fab..@chunk are set at open.
 */
struct vtrain_fabric {
	struct fi_info *info;
	struct fid_fabric *fab;
	struct fid_domain *domain;
	struct fid_av *av;
	struct fid_cq *cq;
	struct fid_ep *ep;
	int timeout_ms, peer_timeout_ms;
	size_t chunk;

	pthread_mutex_t lock;
	pthread_cond_t done, kick;
	pthread_t progress;
	bool stop;
	struct fabric_peer **peers;
	size_t npeers, peers_cap;
	struct vtrain_fabric_req reqs; /* list head */
	unsigned npending;	       /* requests with status 1 */
	unsigned nbacklog;	       /* pending requests with chunks not yet posted */
	unsigned npollers;	       /* waiters polling the completion queue */
	uint64_t next_hb_ns;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec deadline_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = ns / 1000000000u, .tv_nsec = ns % 1000000000u };
}

/* libfabric's FI_E* codes are errno values, but for the few of its own. */
static int fi_to_errno(int fi_err)
{
	int e = fi_err < 0 ? -fi_err : fi_err;

	switch (e) {
	case FI_ETRUNC:
		return -EMSGSIZE;
	case FI_ENOCQ:
	case FI_ENOEQ:
	case FI_EOPBADSTATE:
	case FI_EAVAIL:
	case FI_EBADFLAGS:
	case FI_ENOAV:
	case FI_EOTHER:
	case FI_ETOOSMALL:
	case FI_EOVERRUN:
	case FI_ENOKEY:
		return -EIO;
	case 0:
		return -EIO;
	default:
		return e < FI_ERRNO_OFFSET ? -e : -EIO;
	}
}

static bool is_connection_error(int err)
{
	switch (err) {
	case -ECONNRESET:
	case -ECONNREFUSED:
	case -ECONNABORTED:
	case -EHOSTUNREACH:
	case -ENETUNREACH:
	case -ENOTCONN:
	case -EPIPE:
	case -EHOSTDOWN:
	case -EIO:
		return true;
	}
	return false;
}

static struct fabric_peer *peer_find(struct vtrain_fabric *f, uint32_t rank)
{
	for (size_t i = 0; i < f->npeers; i++)
		if (f->peers[i]->rank == rank)
			return f->peers[i];
	return NULL;
}

static void req_unlink_free(struct vtrain_fabric_req *r)
{
	r->prev->next = r->next;
	r->next->prev = r->prev;
	free(r);
}

/* Frees @r when neither the caller nor the provider holds it any more. */
static void req_put_if_idle(struct vtrain_fabric_req *r)
{
	if (r->released && !r->inflight)
		req_unlink_free(r);
}

static void req_finish(struct vtrain_fabric *f, struct vtrain_fabric_req *r, int status)
{
	if (r->status != 1)
		return;
	if (r->next_post < r->nchunks)
		f->nbacklog--;
	r->status = status;
	f->npending--;
	pthread_cond_broadcast(&f->done);
}

/* Withdraws the posted receives of a failed request (sends cannot be taken back). */
static void req_cancel_ops(struct vtrain_fabric *f, struct vtrain_fabric_req *r)
{
	for (unsigned i = 0; i < r->next_post; i++)
		if (r->ops[i].posted)
			fi_cancel(&f->ep->fid, &r->ops[i].ctx);
}

static void peer_kill(struct vtrain_fabric *f, struct fabric_peer *p, int err)
{
	struct vtrain_fabric_req *r;

	if (p->dead)
		return;
	p->dead = err;
	for (r = f->reqs.next; r != &f->reqs; r = r->next) {
		if (r->peer != p || r->status != 1)
			continue;
		req_finish(f, r, err);
		req_cancel_ops(f, r);
	}
	if (p->hb_recv.posted)
		fi_cancel(&f->ep->fid, &p->hb_recv.ctx);
}

static void peer_heard(struct fabric_peer *p)
{
	p->heard = true;
	p->last_heard_ns = now_ns();
}

/*
 * Posts what the provider accepts of @r's remaining chunks. Returns 1 when the provider
 * pushed back (-FI_EAGAIN): the rest waits, and so must every later request, or a later
 * message could overtake this one.
 */
static int req_post(struct vtrain_fabric *f, struct vtrain_fabric_req *r)
{
	while (r->status == 1 && r->next_post < r->nchunks) {
		unsigned i = r->next_post;
		struct fabric_op *op = &r->ops[i];
		uint64_t tag = r->tag | (uint64_t)i << TAG_CHUNK_SHIFT;
		char *p = r->buf + (size_t)i * f->chunk;
		ssize_t ret;

		if (r->is_send)
			ret = fi_tsend(f->ep, p, op->len, NULL, r->peer->addr, tag, &op->ctx);
		else
			ret = fi_trecv(f->ep, p, op->len, NULL, r->peer->addr, tag, 0, &op->ctx);
		if (ret == -FI_EAGAIN)
			return 1;
		if (ret) {
			req_finish(f, r, fi_to_errno((int)ret));
			req_cancel_ops(f, r);
			return 0;
		}
		op->posted = true;
		r->inflight++;
		if (++r->next_post == r->nchunks)
			f->nbacklog--;
	}
	return 0;
}

static void complete_op(struct vtrain_fabric *f, struct fabric_op *op, size_t len, int err)
{
	struct fabric_peer *p = op->peer;
	struct vtrain_fabric_req *r = op->req;

	op->posted = false;
	switch (op->kind) {
	case OP_HB_SEND:
		/* Refused before first contact: the peer is not up yet, not dead. */
		if (err && is_connection_error(err) && p->heard)
			peer_kill(f, p, err);
		return;
	case OP_HB_RECV:
		if (!err)
			peer_heard(p);
		else if (err != -ECANCELED && is_connection_error(err))
			peer_kill(f, p, err);
		p->hb_recv_stale = false;
		return;
	case OP_DATA:
		break;
	}
	if (!--r->inflight && !r->released)
		pthread_cond_broadcast(&f->done); /* vtrain_fabric_cancel() waits for this */
	if (!err && !r->is_send && len != op->len)
		err = -EMSGSIZE;
	if (!err && !r->is_send)
		peer_heard(r->peer);
	if (err && err != -ECANCELED) {
		if (is_connection_error(err))
			peer_kill(f, r->peer, err);
		req_finish(f, r, err);
		req_cancel_ops(f, r);
	} else if (!err && ++r->done_chunks == r->nchunks) {
		req_finish(f, r, 0);
	}
	req_put_if_idle(r);
}

/* Heartbeats out, heartbeat receives reposted, silent peers declared dead. Under lock. */
static void heartbeat_tick(struct vtrain_fabric *f, uint64_t now)
{
	uint64_t timeout_ns = (uint64_t)f->peer_timeout_ms * 1000000u;

	for (size_t i = 0; i < f->npeers; i++) {
		struct fabric_peer *p = f->peers[i];

		if (p->dead)
			continue;
		if (p->heard && now - p->last_heard_ns > timeout_ns) {
			peer_kill(f, p, -EHOSTDOWN);
			continue;
		}
		if (!p->hb_recv.posted &&
		    !fi_trecv(f->ep, &p->hb_recv_buf, sizeof(p->hb_recv_buf), NULL, p->addr,
			      TAG_HEARTBEAT, 0, &p->hb_recv.ctx))
			p->hb_recv.posted = true;
		if (!p->hb_send.posted) {
			p->hb_send_buf = ++p->hb_seq;
			if (!fi_tsend(f->ep, &p->hb_send_buf, sizeof(p->hb_send_buf), NULL, p->addr,
				      TAG_HEARTBEAT, &p->hb_send.ctx))
				p->hb_send.posted = true;
		}
	}
}

static int drain_cq(struct vtrain_fabric *f)
{
	struct fi_cq_tagged_entry ent[CQ_BATCH];
	ssize_t n = fi_cq_read(f->cq, ent, CQ_BATCH);

	if (n > 0) {
		pthread_mutex_lock(&f->lock);
		for (ssize_t i = 0; i < n; i++)
			complete_op(f, ent[i].op_context, ent[i].len, 0);
		pthread_mutex_unlock(&f->lock);
		return (int)n;
	}
	if (n == -FI_EAVAIL) {
		struct fi_cq_err_entry e = { 0 };

		if (fi_cq_readerr(f->cq, &e, 0) == 1 && e.op_context) {
			pthread_mutex_lock(&f->lock);
			complete_op(f, e.op_context, e.len, fi_to_errno(e.err));
			pthread_mutex_unlock(&f->lock);
		}
		return 1;
	}
	return 0;
}

/*
 * No provider wait object: a CQ opened with one (FI_WAIT_UNSPEC, for fi_cq_sread) leaks
 * libfabric 1.17's wait set at close, which LeakSanitizer reports.
 */
static void *progress_main(void *arg)
{
	struct vtrain_fabric *f = arg;

	for (;;) {
		int got = drain_cq(f);
		uint64_t now = now_ns();
		bool busy;

		pthread_mutex_lock(&f->lock);
		if (f->stop) {
			pthread_mutex_unlock(&f->lock);
			return NULL;
		}
		if (f->nbacklog)
			for (struct vtrain_fabric_req *r = f->reqs.next, *n; r != &f->reqs; r = n) {
				n = r->next;
				if (r->status == 1 && r->next_post < r->nchunks && req_post(f, r))
					break;
			}
		if (now >= f->next_hb_ns) {
			heartbeat_tick(f, now);
			f->next_hb_ns = now + (uint64_t)f->peer_timeout_ms * 250000u;
		}
		/* While a waiter polls, it drives progress and we only keep time. */
		busy = (f->npending && !f->npollers) || got;
		if (!busy) {
			struct timespec ts = deadline_ts(now + IDLE_POLL_NS);

			pthread_cond_timedwait(&f->kick, &f->lock, &ts);
		}
		pthread_mutex_unlock(&f->lock);
		if (busy && !got)
			sched_yield();
	}
}

static int cond_init_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t a;
	int ret;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	ret = pthread_cond_init(c, &a);
	pthread_condattr_destroy(&a);
	return -ret;
}

int vtrain_fabric_open(const struct vtrain_fabric_opts *opts, struct vtrain_fabric **out)
{
	static const struct vtrain_fabric_opts defaults;
	struct fi_cq_attr cq_attr = { .format = FI_CQ_FORMAT_TAGGED, .wait_obj = FI_WAIT_NONE };
	struct fi_av_attr av_attr = { .type = FI_AV_TABLE };
	struct fi_info *hints;
	struct vtrain_fabric *f;
	const char *prov, *service;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (opts->timeout_ms < 0 || opts->peer_timeout_ms < 0)
		return -EINVAL;
	prov = opts->provider ? opts->provider : getenv("ACCEL_FABRIC_PROVIDER");
	if (!prov || !*prov)
		prov = VTRAIN_FABRIC_DEFAULT_PROVIDER;
	service = opts->service && strcmp(opts->service, "0") ? opts->service : NULL;

	f = calloc(1, sizeof(*f));
	hints = fi_allocinfo();
	if (!f || !hints) {
		ret = -ENOMEM;
		goto err_free;
	}
	f->reqs.next = f->reqs.prev = &f->reqs;
	f->timeout_ms = opts->timeout_ms ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	f->peer_timeout_ms = opts->peer_timeout_ms ? opts->peer_timeout_ms : DEFAULT_PEER_TIMEOUT_MS;

	hints->ep_attr->type = FI_EP_RDM;
	hints->caps = FI_TAGGED | FI_DIRECTED_RECV;
	hints->mode = FI_CONTEXT | FI_CONTEXT2;
	hints->domain_attr->threading = FI_THREAD_SAFE;
	hints->domain_attr->av_type = FI_AV_TABLE;
	/* Sends to one peer arrive (and match) in the order they were posted. */
	hints->tx_attr->msg_order = FI_ORDER_SAS;
	hints->rx_attr->msg_order = FI_ORDER_SAS;
	hints->fabric_attr->prov_name = strdup(prov);
	if (!hints->fabric_attr->prov_name) {
		ret = -ENOMEM;
		goto err_free;
	}
	ret = fi_getinfo(FABRIC_API_VERSION, opts->node, service, opts->node || service ? FI_SOURCE : 0,
			 hints, &f->info);
	if (ret) {
		ret = ret == -FI_ENODATA ? -ENODEV : fi_to_errno(ret);
		goto err_free;
	}
	f->chunk = opts->chunk_bytes ? opts->chunk_bytes : DEFAULT_CHUNK_BYTES;
	if (f->info->ep_attr->max_msg_size && f->chunk > f->info->ep_attr->max_msg_size)
		f->chunk = f->info->ep_attr->max_msg_size;

	ret = fi_fabric(f->info->fabric_attr, &f->fab, NULL);
	if (ret)
		goto err_fi;
	ret = fi_domain(f->fab, f->info, &f->domain, NULL);
	if (ret)
		goto err_fi;
	ret = fi_av_open(f->domain, &av_attr, &f->av, NULL);
	if (ret)
		goto err_fi;
	cq_attr.size = 4096;
	ret = fi_cq_open(f->domain, &cq_attr, &f->cq, NULL);
	if (ret)
		goto err_fi;
	ret = fi_endpoint(f->domain, f->info, &f->ep, NULL);
	if (ret)
		goto err_fi;
	ret = fi_ep_bind(f->ep, &f->av->fid, 0);
	if (!ret)
		ret = fi_ep_bind(f->ep, &f->cq->fid, FI_TRANSMIT | FI_RECV);
	if (!ret)
		ret = fi_enable(f->ep);
	if (ret)
		goto err_fi;

	ret = pthread_mutex_init(&f->lock, NULL);
	if (ret) {
		ret = -ret;
		goto err_free;
	}
	ret = cond_init_monotonic(&f->done);
	if (ret)
		goto err_mutex;
	ret = cond_init_monotonic(&f->kick);
	if (ret)
		goto err_done;
	ret = -pthread_create(&f->progress, NULL, progress_main, f);
	if (ret)
		goto err_kick;
	fi_freeinfo(hints);
	*out = f;
	return 0;

err_kick:
	pthread_cond_destroy(&f->kick);
err_done:
	pthread_cond_destroy(&f->done);
err_mutex:
	pthread_mutex_destroy(&f->lock);
	goto err_free;
err_fi:
	ret = fi_to_errno(ret);
err_free:
	if (f) {
		if (f->ep)
			fi_close(&f->ep->fid);
		if (f->cq)
			fi_close(&f->cq->fid);
		if (f->av)
			fi_close(&f->av->fid);
		if (f->domain)
			fi_close(&f->domain->fid);
		if (f->fab)
			fi_close(&f->fab->fid);
		if (f->info)
			fi_freeinfo(f->info);
		free(f);
	}
	if (hints)
		fi_freeinfo(hints);
	return ret;
}

void vtrain_fabric_close(struct vtrain_fabric *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_signal(&f->kick);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->progress, NULL);

	/* The endpoint first: once closed the provider touches no buffer or context of ours. */
	fi_close(&f->ep->fid);
	fi_close(&f->cq->fid);
	fi_close(&f->av->fid);
	fi_close(&f->domain->fid);
	fi_close(&f->fab->fid);
	fi_freeinfo(f->info);
	while (f->reqs.next != &f->reqs)
		req_unlink_free(f->reqs.next);
	for (size_t i = 0; i < f->npeers; i++)
		free(f->peers[i]);
	free(f->peers);
	pthread_cond_destroy(&f->kick);
	pthread_cond_destroy(&f->done);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static bool is_sockaddr_format(uint32_t fmt)
{
	return fmt == FI_SOCKADDR_IN || fmt == FI_SOCKADDR_IN6 || fmt == FI_SOCKADDR;
}

int vtrain_fabric_local_name(struct vtrain_fabric *f, char *buf, size_t len)
{
	unsigned char addr[256];
	size_t alen = sizeof(addr), need;
	int ret;

	if (!f || !buf || !len)
		return -EINVAL;
	ret = fi_getname(&f->ep->fid, addr, &alen);
	if (ret)
		return fi_to_errno(ret);
	if (is_sockaddr_format(f->info->addr_format)) {
		char tmp[VTRAIN_FABRIC_NAME_MAX];
		size_t tlen = sizeof(tmp);

		fi_av_straddr(f->av, addr, tmp, &tlen);
		if (tlen > sizeof(tmp))
			return -ENOSPC;
		if (strlen(tmp) + 1 > len)
			return -ENOSPC;
		strcpy(buf, tmp);
		return 0;
	}
	need = strlen("fi_raw://") + 2 * alen + 1;
	if (need > len)
		return -ENOSPC;
	strcpy(buf, "fi_raw://");
	for (size_t i = 0; i < alen; i++)
		sprintf(buf + strlen("fi_raw://") + 2 * i, "%02x", addr[i]);
	return 0;
}

/* "fi_sockaddr_in://H:P", "fi_sockaddr_in6://[H]:P" or "H:P" into a socket address. */
static int parse_sockaddr(const char *s, int family, struct sockaddr_storage *ss, size_t *sslen)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM }, *res;
	char host[256], *port;
	const char *sep = strstr(s, "://");

	if (sep)
		s = sep + 3;
	if (strlen(s) >= sizeof(host))
		return -EINVAL;
	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (!end || end[1] != ':')
			return -EINVAL;
		memcpy(host, s + 1, end - s - 1);
		host[end - s - 1] = 0;
		port = (char *)end + 2;
	} else {
		strcpy(host, s);
		port = strrchr(host, ':');
		if (!port)
			return -EINVAL;
		*port++ = 0;
	}
	if (!*host || !*port || getaddrinfo(host, port, &hints, &res))
		return -EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int parse_raw(const char *s, unsigned char *out, size_t cap, size_t *outlen)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > cap || !n)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		out[i] = (unsigned char)v;
	}
	*outlen = n / 2;
	return 0;
}

int vtrain_fabric_add_peer(struct vtrain_fabric *f, uint32_t host_rank, const char *addr)
{
	union {
		struct sockaddr_storage ss;
		unsigned char raw[256];
	} a;
	struct fabric_peer *p;
	fi_addr_t fa = FI_ADDR_NOTAVAIL;
	size_t alen;
	int ret;

	if (!f || !addr)
		return -EINVAL;
	if (!strncmp(addr, "fi_raw://", 9))
		ret = parse_raw(addr + 9, a.raw, sizeof(a.raw), &alen);
	else if (is_sockaddr_format(f->info->addr_format))
		ret = parse_sockaddr(addr, f->info->addr_format == FI_SOCKADDR_IN ? AF_INET :
					   f->info->addr_format == FI_SOCKADDR_IN6 ? AF_INET6 : AF_UNSPEC,
				     &a.ss, &alen);
	else
		ret = -EINVAL;
	if (ret)
		return ret;

	pthread_mutex_lock(&f->lock);
	ret = fi_av_insert(f->av, &a, 1, &fa, 0, NULL);
	if (ret != 1) {
		ret = ret < 0 ? fi_to_errno(ret) : -EINVAL;
		goto out;
	}
	p = peer_find(f, host_rank);
	if (p) {
		/* A restarted peer: its old heartbeat receive names the old address. */
		p->addr = fa;
		p->dead = 0;
		p->heard = false;
		if (p->hb_recv.posted && !p->hb_recv_stale) {
			p->hb_recv_stale = true;
			fi_cancel(&f->ep->fid, &p->hb_recv.ctx);
		}
		ret = 0;
		goto out;
	}
	if (f->npeers == f->peers_cap) {
		size_t cap = f->peers_cap ? 2 * f->peers_cap : 8;
		struct fabric_peer **v = realloc(f->peers, cap * sizeof(*v));

		if (!v) {
			ret = -ENOMEM;
			goto out;
		}
		f->peers = v;
		f->peers_cap = cap;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		ret = -ENOMEM;
		goto out;
	}
	p->rank = host_rank;
	p->addr = fa;
	p->hb_send.kind = OP_HB_SEND;
	p->hb_send.peer = p;
	p->hb_recv.kind = OP_HB_RECV;
	p->hb_recv.peer = p;
	f->peers[f->npeers++] = p;
	/* Greet it now: the first heartbeat opens the connection. */
	f->next_hb_ns = 0;
	pthread_cond_signal(&f->kick);
	ret = 0;
out:
	pthread_mutex_unlock(&f->lock);
	return ret;
}

static int fabric_post(struct vtrain_fabric *f, bool is_send, uint32_t peer, uint64_t tag, void *buf,
		       size_t len, struct vtrain_fabric_req **out)
{
	struct vtrain_fabric_req *r;
	struct fabric_peer *p;
	unsigned nchunks;
	int ret;

	if (!f || !out || (!buf && len) || tag > VTRAIN_FABRIC_TAG_MAX)
		return -EINVAL;
	*out = NULL;
	if (len / f->chunk >= MAX_CHUNKS)
		return -EMSGSIZE;
	nchunks = len ? (unsigned)((len + f->chunk - 1) / f->chunk) : 1;

	r = calloc(1, sizeof(*r) + nchunks * sizeof(r->ops[0]));
	if (!r)
		return -ENOMEM;
	r->is_send = is_send;
	r->tag = tag;
	r->buf = buf;
	r->len = len;
	r->nchunks = nchunks;
	r->status = 1;
	for (unsigned i = 0; i < nchunks; i++) {
		size_t off = (size_t)i * f->chunk;

		r->ops[i].kind = OP_DATA;
		r->ops[i].req = r;
		r->ops[i].len = len - off < f->chunk ? len - off : f->chunk;
	}

	pthread_mutex_lock(&f->lock);
	if (f->stop) {
		ret = -ESHUTDOWN;
		goto err;
	}
	p = peer_find(f, peer);
	if (!p) {
		ret = -ENOENT;
		goto err;
	}
	if (p->dead) {
		ret = p->dead;
		goto err;
	}
	r->peer = p;
	r->prev = f->reqs.prev;
	r->next = &f->reqs;
	f->reqs.prev->next = r;
	f->reqs.prev = r;
	f->npending++;
	/* Behind a backlog it waits its turn: the progress thread posts in request order. */
	if (!f->nbacklog++)
		req_post(f, r);
	/* A failure to post shows in the request's status, as a failed transfer would. */
	pthread_cond_signal(&f->kick);
	pthread_mutex_unlock(&f->lock);
	*out = r;
	return 0;
err:
	pthread_mutex_unlock(&f->lock);
	free(r);
	return ret;
}

int vtrain_fabric_isend(struct vtrain_fabric *f, uint32_t peer, uint64_t tag, const void *buf,
			size_t len, struct vtrain_fabric_req **req)
{
	return fabric_post(f, true, peer, tag, (void *)buf, len, req);
}

int vtrain_fabric_irecv(struct vtrain_fabric *f, uint32_t peer, uint64_t tag, void *buf, size_t len,
			struct vtrain_fabric_req **req)
{
	return fabric_post(f, false, peer, tag, buf, len, req);
}

/* Under lock: the final status of a finished request, which it releases. */
static int req_release(struct vtrain_fabric_req *r)
{
	int status = r->status;

	r->released = true;
	req_put_if_idle(r);
	return status;
}

int vtrain_fabric_wait(struct vtrain_fabric *f, struct vtrain_fabric_req *req, int timeout_ms)
{
	uint64_t start = now_ns(), deadline;
	struct timespec ts;
	int ret = 0;

	if (!f || !req)
		return -EINVAL;
	if (timeout_ms < 0)
		timeout_ms = f->timeout_ms;
	deadline = start + (uint64_t)timeout_ms * 1000000u;
	ts = deadline_ts(deadline);
	pthread_mutex_lock(&f->lock);
	/*
	 * Poll the completion queue ourselves for a while: handing each completion over from
	 * the progress thread costs a wake-up, which is most of a small message's latency.
	 */
	f->npollers++;
	while (req->status == 1 && now_ns() - start < SPIN_NS && now_ns() < deadline) {
		pthread_mutex_unlock(&f->lock);
		if (!drain_cq(f))
			sched_yield();
		pthread_mutex_lock(&f->lock);
	}
	/* The progress thread takes over the polling. */
	if (!--f->npollers && req->status == 1)
		pthread_cond_signal(&f->kick);
	while (req->status == 1 && ret != ETIMEDOUT)
		ret = pthread_cond_timedwait(&f->done, &f->lock, &ts);
	ret = req->status == 1 ? -ETIMEDOUT : req_release(req);
	pthread_mutex_unlock(&f->lock);
	return ret;
}

int vtrain_fabric_test(struct vtrain_fabric *f, struct vtrain_fabric_req *req)
{
	int ret;

	if (!f || !req)
		return -EINVAL;
	pthread_mutex_lock(&f->lock);
	ret = req->status == 1 ? -EAGAIN : req_release(req);
	pthread_mutex_unlock(&f->lock);
	return ret;
}

void vtrain_fabric_cancel(struct vtrain_fabric *f, struct vtrain_fabric_req *req)
{
	struct timespec ts;

	if (!f || !req)
		return;
	pthread_mutex_lock(&f->lock);
	if (req->status == 1) {
		req_finish(f, req, -ECANCELED);
		req_cancel_ops(f, req);
	}
	/*
	 * A receive is withdrawn once the provider says so (a cancellation or, had the data
	 * arrived meanwhile, a completion): until then it may still write the buffer.
	 */
	ts = deadline_ts(now_ns() + (uint64_t)f->timeout_ms * 1000000u);
	while (!req->is_send && req->inflight && !f->stop &&
	       pthread_cond_timedwait(&f->done, &f->lock, &ts) != ETIMEDOUT)
		;
	req_release(req);
	pthread_mutex_unlock(&f->lock);
}
