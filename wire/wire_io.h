/* SPDX-License-Identifier: MIT */
/* Sending and receiving protocol messages with their descriptors (libaccel and acceld). */
#ifndef ACCEL_WIRE_IO_H
#define ACCEL_WIRE_IO_H

#include <stdbool.h>
#include <sys/types.h>

#include "wire/protocol.h"

/*
 * accel_wire_send() - send @hdr (its magic, size, flags and nfds filled in here) and @len
 * bytes of @body with @nfds descriptors. A body too large for one datagram goes in a sealed
 * memfd attached last (ACCEL_WIRE_F_MEMFD). Returns 0 or -1 with errno (E2BIG: @len over
 * ACCEL_WIRE_MAX_LARGE); never raises SIGPIPE.
 */
int accel_wire_send(int sock, struct accel_wire_hdr *hdr, const void *body, size_t len,
		    const int *fds, unsigned int nfds);

/*
 * accel_wire_recv() - one message into @buf and its descriptors into @fds (close-on-exec;
 * any beyond ACCEL_WIRE_MAX_FDS are closed). Returns its length (0 at the end of the
 * stream, or for an empty message), or -errno: -EMSGSIZE when the message or its
 * descriptors did not fit. With 0 or -errno no descriptor is left open (*@nfds is 0).
 */
ssize_t accel_wire_recv(int sock, void *buf, size_t size, int *fds, unsigned int *nfds);

/*
 * accel_wire_body() - the body of a message of @len bytes received into @buf: the bytes
 * after the header, or for ACCEL_WIRE_F_MEMFD the memfd's (its last descriptor, checked for
 * its seals and size, then closed and dropped from @fds). *@body is @buf's or a malloc'd
 * copy (*@owned true: the caller frees it). Returns 0 or -EPROTO / -ENOMEM.
 */
int accel_wire_body(const struct accel_wire_hdr *hdr, size_t len, unsigned char *buf,
		    int *fds, unsigned int *nfds, unsigned char **body, bool *owned);

#endif
