/* SPDX-License-Identifier: MIT */
/* Sending and receiving protocol messages with their descriptors (libaccel and acceld). */
#ifndef LIBACCEL_WIRE_IO_H
#define LIBACCEL_WIRE_IO_H

#include <sys/types.h>

#include <accel/protocol.h>

/*
 * accel_wire_send() - send @hdr (its magic, size and nfds filled in here) and @len bytes of
 * @body with @nfds descriptors. Returns the bytes sent or -1 with errno; never raises SIGPIPE.
 */
ssize_t accel_wire_send(int sock, struct accel_wire_hdr *hdr, const void *body, size_t len,
			const int *fds, unsigned int nfds);

/*
 * accel_wire_recv() - one message into @buf and its descriptors into @fds (close-on-exec;
 * any beyond ACCEL_WIRE_MAX_FDS are closed). Returns its length (0 at the end of the
 * stream, or for an empty message), or -errno: -EMSGSIZE when the message or its
 * descriptors did not fit. With 0 or -errno no descriptor is left open (*@nfds is 0).
 */
ssize_t accel_wire_recv(int sock, void *buf, size_t size, int *fds, unsigned int *nfds);

#endif
