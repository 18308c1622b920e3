/* SPDX-License-Identifier: MIT */
/*
 * vtrain_fabric.h - the scale-out transport of the training card (vtrain): one libfabric
 * reliable-datagram endpoint (FI_EP_RDM, tagged messages) per host, that is per acceld
 * instance or embedded core, through which the host's link ports that leave the host reach
 * the other hosts. docs/vtrain-fabric.md describes the API, the provider, how hosts find each
 * other and what happens when a peer dies.
 *
 * All functions return 0 or a negative errno, as the kernel does.
 */
#ifndef VTRAIN_FABRIC_H
#define VTRAIN_FABRIC_H

#include <stddef.h>
#include <stdint.h>

struct vtrain_fabric;
struct vtrain_fabric_req;

/* The libfabric provider used when neither the options nor ACCEL_FABRIC_PROVIDER name one. */
#define VTRAIN_FABRIC_DEFAULT_PROVIDER "tcp;ofi_rxm"

/*
 * The tags a caller may use: the low 48 bits. The transport keeps the high 16 for the chunk
 * index of a large message and for its heartbeats.
 */
#define VTRAIN_FABRIC_TAG_MAX ((UINT64_C(1) << 48) - 1)

/* The longest printable address vtrain_fabric_local_name() writes, NUL included. */
#define VTRAIN_FABRIC_NAME_MAX 512

/**
 * struct vtrain_fabric_opts - how to open a host's endpoint; zero fields take the defaults.
 * @provider: libfabric provider name (fi_info's prov_name, e.g. "tcp;ofi_rxm", "verbs;ofi_rxm");
 *	NULL: $ACCEL_FABRIC_PROVIDER, else VTRAIN_FABRIC_DEFAULT_PROVIDER.
 * @node: address to listen on (e.g. "127.0.0.1", a host name); NULL: the provider's choice.
 * @service: port to listen on; NULL or "0": any free port (vtrain_fabric_local_name() says
 *	which).
 * @timeout_ms: timeout of vtrain_fabric_wait() called with a negative timeout; 0: 30000.
 * @peer_timeout_ms: a peer heard from once and silent for this long is declared dead
 *	(heartbeats go out every quarter of it); 0: 5000.
 * @chunk_bytes: largest message handed to the provider at once; longer messages go in
 *	chunks (never more than the provider's max_msg_size); 0: 8 MiB.
 */
struct vtrain_fabric_opts {
	const char *provider;
	const char *node;
	const char *service;
	int timeout_ms;
	int peer_timeout_ms;
	size_t chunk_bytes;
};

/**
 * vtrain_fabric_open() - open this host's endpoint and start its progress thread.
 * @opts: options, or NULL for every default.
 * @out: the endpoint, for vtrain_fabric_close().
 *
 * Return: 0; -EINVAL (bad options); -ENODEV (no such provider, or it cannot listen on
 * @opts->node/@opts->service); -ENOMEM; another negative errno from libfabric.
 */
int vtrain_fabric_open(const struct vtrain_fabric_opts *opts, struct vtrain_fabric **out);

/**
 * vtrain_fabric_local_name() - the printable address peers pass to vtrain_fabric_add_peer().
 * @f: endpoint.
 * @buf: where to write it (NUL-terminated); VTRAIN_FABRIC_NAME_MAX bytes always suffice.
 * @len: size of @buf.
 *
 * Socket addresses print as libfabric does ("fi_sockaddr_in://127.0.0.1:41233"), other
 * formats as "fi_raw://" and the address bytes in hex.
 *
 * Return: 0; -EINVAL; -ENOSPC when @len is too short.
 */
int vtrain_fabric_local_name(struct vtrain_fabric *f, char *buf, size_t len);

/**
 * vtrain_fabric_add_peer() - tell the endpoint where host @host_rank listens.
 * @f: endpoint.
 * @host_rank: the peer's rank (any number the hosts agree on).
 * @addr: its vtrain_fabric_local_name(), or "HOST:PORT" for the socket providers.
 *
 * Adding a rank again replaces its address and forgets that it died: a restarted peer.
 *
 * Return: 0; -EINVAL (malformed @addr); -ENOMEM; another negative errno from libfabric.
 */
int vtrain_fabric_add_peer(struct vtrain_fabric *f, uint32_t host_rank, const char *addr);

/**
 * vtrain_fabric_isend() - start sending @len bytes of @buf to @peer under @tag.
 * @f: endpoint.
 * @peer: host rank given to vtrain_fabric_add_peer().
 * @tag: matching tag, at most VTRAIN_FABRIC_TAG_MAX.
 * @buf: data; it must stay untouched until the request completes.
 * @len: bytes (0 allowed); sender and receiver must agree on it.
 * @req: the request, for vtrain_fabric_wait()/vtrain_fabric_test()/vtrain_fabric_cancel().
 *
 * Messages from one peer under one tag match receives in the order both were posted.
 *
 * Return: 0; -EINVAL (NULL pointer, tag too large); -ENOENT (unknown peer); -EHOSTDOWN
 * (the peer was declared dead); -ENOMEM; -ESHUTDOWN (the endpoint is closing).
 */
int vtrain_fabric_isend(struct vtrain_fabric *f, uint32_t peer, uint64_t tag, const void *buf,
			size_t len, struct vtrain_fabric_req **req);

/**
 * vtrain_fabric_irecv() - start receiving a message of exactly @len bytes from @peer.
 * @f: endpoint.
 * @peer: host rank.
 * @tag: matching tag, at most VTRAIN_FABRIC_TAG_MAX.
 * @buf: where the message lands.
 * @len: its length; a message of another length fails the request with -EMSGSIZE.
 * @req: the request.
 *
 * Return: as vtrain_fabric_isend().
 */
int vtrain_fabric_irecv(struct vtrain_fabric *f, uint32_t peer, uint64_t tag, void *buf, size_t len,
			struct vtrain_fabric_req **req);

/**
 * vtrain_fabric_wait() - wait for a request to finish.
 * @f: endpoint.
 * @req: request from vtrain_fabric_isend() or vtrain_fabric_irecv().
 * @timeout_ms: milliseconds; negative: the endpoint's default timeout.
 *
 * Once it returns anything but -ETIMEDOUT the request is released and @req must not be
 * used again. After -ETIMEDOUT the request is still pending: wait again or cancel it.
 *
 * Return: 0 (done, data in place); -ETIMEDOUT; -EHOSTDOWN (the peer stopped answering
 * heartbeats); -ECONNRESET, -ECONNREFUSED, -EIO (the provider reported the connection or
 * the transfer failed); -EMSGSIZE (length mismatch); -ESHUTDOWN (endpoint closing);
 * -EINVAL (NULL argument).
 */
int vtrain_fabric_wait(struct vtrain_fabric *f, struct vtrain_fabric_req *req, int timeout_ms);

/**
 * vtrain_fabric_test() - vtrain_fabric_wait() that does not block.
 * @f: endpoint.
 * @req: request.
 *
 * Return: as vtrain_fabric_wait(), with -EAGAIN (request still pending, not released) in place
 * of -ETIMEDOUT.
 */
int vtrain_fabric_test(struct vtrain_fabric *f, struct vtrain_fabric_req *req);

/**
 * vtrain_fabric_cancel() - give up a pending request and release it.
 * @f: endpoint.
 * @req: request not yet released by wait/test.
 *
 * Receives are withdrawn from the provider; the receive buffer is not written once this
 * returns. A send that the provider already took may still reach the peer, and the transport
 * keeps its bookkeeping until the provider is done, but the caller may free @buf only after
 * the endpoint is closed (the provider may still read it).
 */
void vtrain_fabric_cancel(struct vtrain_fabric *f, struct vtrain_fabric_req *req);

/**
 * vtrain_fabric_close() - stop the progress thread and free the endpoint.
 * @f: endpoint, or NULL.
 *
 * Requests not yet released are freed; their callers must not use them afterwards.
 */
void vtrain_fabric_close(struct vtrain_fabric *f);

#endif /* VTRAIN_FABRIC_H */
