/* SPDX-License-Identifier: MIT */
/* acceld's internal interfaces: node sockets, client connections. */
#ifndef ACCELD_H
#define ACCELD_H

#include <stdbool.h>
#include <sys/types.h>

#include <accel/device.h>

struct accel_config_result;
struct devnode_publisher;

/*
 * node.c: the devnode publisher that makes a listening socket per node, owned and
 * permitted as @cfg's node_uid, node_gid and node_mode say when the node appears.
 */
struct devnode_publisher *acceld_node_publisher(const char *root, const struct accel_config_result *cfg);

/* A node's owner, group and mode: what open() of it is checked against. */
struct acceld_node_perm {
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

/*
 * conn.c: serve one accepted connection of the node @devt with permissions @perm (copied);
 * @sock is taken (closed on error).
 */
int acceld_conn_start(int sock, dev_t devt, const struct acceld_node_perm *perm);
/* conn.c: disconnect every client and wait for their threads. */
void acceld_conn_shutdown_all(void);
/* conn.c: number of connected clients. */
unsigned int acceld_conn_count(void);
/* conn.c: wait until no client is connected, @timeout_ms at most; 0 or -ETIMEDOUT. */
int acceld_conn_wait_none(int timeout_ms);

/*
 * attr_sock.c: serve attribute requests on @root/attr.sock (wire/protocol.h); 0 or -errno.
 * acceld_attr_socket_stop() removes the socket and stops accepting.
 */
int acceld_attr_socket_start(const char *root);
void acceld_attr_socket_stop(void);

#endif
