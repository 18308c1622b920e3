/* SPDX-License-Identifier: MIT */
/**
 * DOC: wire/protocol.h - the wire protocol between libaccel and acceld.
 *
 * A node is a SOCK_SEQPACKET socket at <root>/dev/accel/accelN; one connection is one open
 * file. Every message starts with struct accel_wire_hdr; descriptors travel as SCM_RIGHTS.
 *
 * Handshake: the client sends ACCEL_WIRE_HELLO (struct accel_wire_hello); the daemon opens
 * the node as the peer and answers with the result and the argument layouts of the driver's
 * ioctls, so the client can marshal driver ioctls it was not built with. The open is checked
 * as a kernel checks open() of the node: O_RDONLY needs read permission, O_WRONLY write,
 * O_RDWR both, against the node's owner, group and mode (the [nodes] section) with the
 * peer's uid, gid and supplementary groups (SO_PEERCRED, SO_PEERGROUPS); root may open
 * anything. The socket file itself carries write permission wherever the node grants read,
 * because connect() needs write permission; the daemon's check is the one that decides.
 * The file remembers its open mode: an mmap of a file not opened for reading, or a shared
 * writable mmap of one not opened for writing, fails with -EACCES, and the memory of a
 * shared mapping of a read-only file is passed read-only, so mprotect() cannot add writing.
 *
 * Requests on one connection may be in flight together (threads sharing a descriptor, as
 * on a kernel): each carries an id, the daemon serves them concurrently (a request that
 * blocks, such as a syncobj wait, does not hold up the others) and each reply echoes its
 * request's id; replies may come in any order.
 *
 * A message whose body would not fit ACCEL_WIRE_MAX_MSG travels in a sealed memfd
 * (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW) attached as the message's last descriptor:
 * the header has ACCEL_WIRE_F_MEMFD, @size is the body's length (at most
 * ACCEL_WIRE_MAX_LARGE) and the datagram holds the header alone. Both sides send this way
 * (a request with a large array, a reply that writes one back).
 *
 * A forked child shares its parent's open file, as on a kernel, but must not share its
 * socket (the replies would mix): it sends ACCEL_WIRE_ATTACH on the inherited connection
 * with one end of a new socketpair attached; the daemon serves the same open file on that
 * end and answers the attach there, as it answers a HELLO. Holding the connection is the
 * right to the file: no permission on the node is needed, as none is for an inherited fd.
 *
 * An ioctl request carries the command, the caller's address of the argument and regions of
 * the caller's memory: ACCEL_REGION_IN regions with their bytes (the argument itself and the
 * arrays its pointer fields name, as struct drm_ioctl_layout describes them) and
 * ACCEL_REGION_OUT windows without bytes. The daemon resolves copy_from_user() against the IN
 * regions and records each copy_to_user() into an OUT window (or the argument) as a write;
 * the reply carries the result and those writes, which the client applies in order, so the
 * caller's memory changes exactly as a kernel would change it. An address outside every
 * region is -EFAULT, as on a kernel.
 *
 * Hot ioctls may skip the socket: after the HELLO the client offers a request ring in a
 * memfd (ACCEL_WIRE_SHM_RING), whose slots carry the same ioctl bodies and replies
 * (docs/acceld-shm.md); ACCEL_WIRE_SHM=0 in the client's environment keeps to the socket.
 *
 * Attributes: acceld also listens on ROOT/attr.sock (ACCEL_WIRE_ATTR_SOCKET, SOCK_SEQPACKET,
 * mode 0666), where a connection opens no file and sends no HELLO: each message is an
 * ACCEL_WIRE_ATTR_READ or ACCEL_WIRE_ATTR_WRITE (struct accel_wire_attr) naming an attribute
 * by its path under the root ("sys/kernel/debug/accel/vnpu.0/inject_hang",
 * "proc/PID/fdinfo/N"), answered by id. The daemon calls the attribute's show or store, as
 * a read or write of the file would on a kernel: the peer (SO_PEERCRED) needs the read or
 * write bit of the attribute's mode for its class (the attributes belong to acceld's user;
 * root needs any), a read needs a show and a write a store (-EACCES), a write gives the
 * store at most PAGE_SIZE bytes. It is how `accel attr` and accel_attr_read()/write() reach
 * the callbacks where the tree under ROOT/sys is rendered files rather than served live.
 */
#ifndef ACCEL_WIRE_PROTOCOL_H
#define ACCEL_WIRE_PROTOCOL_H

#include <stdint.h>

#define ACCEL_WIRE_MAGIC 0x4c434341u /* "ACCL" */
#define ACCEL_WIRE_VERSION 2

/** ACCEL_WIRE_MAX_MSG - the largest message either side sends or accepts. */
#define ACCEL_WIRE_MAX_MSG (192 * 1024)
/** ACCEL_WIRE_MAX_LARGE - the largest body of a message that travels in a memfd. */
#define ACCEL_WIRE_MAX_LARGE (64u * 1024 * 1024)
/** ACCEL_WIRE_F_MEMFD - header flag: the body is in the last attached descriptor. */
#define ACCEL_WIRE_F_MEMFD 0x1
/** ACCEL_WIRE_MAX_FDS - the most descriptors one message carries. */
#define ACCEL_WIRE_MAX_FDS 16
/** ACCEL_WIRE_MAX_REGIONS - the most memory regions one request carries. */
#define ACCEL_WIRE_MAX_REGIONS 16
/** ACCEL_WIRE_MAX_WRITES - the most writes one reply carries. */
#define ACCEL_WIRE_MAX_WRITES 64

/** ACCEL_WIRE_FD_BASE - descriptor numbers the daemon hands out stand for passed fds from here. */
#define ACCEL_WIRE_FD_BASE 0x3f000000

enum accel_wire_op {
	ACCEL_WIRE_HELLO = 1,
	ACCEL_WIRE_IOCTL = 2,
	ACCEL_WIRE_MMAP = 3,
	ACCEL_WIRE_MUNMAP = 4,
	ACCEL_WIRE_ATTACH = 5,
	/*
	 * An ioctl on a sync_file descriptor (SYNC_IOC_*), which belongs to no open file: the
	 * body is a struct accel_wire_ioctl; the first attached descriptor is the sync_file,
	 * the rest are the argument's fd fields (@num_fds of them). The reply is an ioctl's.
	 */
	ACCEL_WIRE_SYNC_FILE_IOCTL = 6,
	/*
	 * On ROOT/attr.sock: show an attribute. The body is a struct accel_wire_attr and the
	 * path (@value_len 0); the reply's result is the value's length, its body the value,
	 * or -errno.
	 */
	ACCEL_WIRE_ATTR_READ = 7,
	/*
	 * On ROOT/attr.sock: store into an attribute. The body is a struct accel_wire_attr, the
	 * path, then the value; the reply's result is what the store returned (bytes used or
	 * -errno), with no body.
	 */
	ACCEL_WIRE_ATTR_WRITE = 8,
	/*
	 * Offer a shared-memory request ring (wire/shm_ring.h, docs/acceld-shm.md): no body, one
	 * descriptor, the ring's sealed memfd. The reply's result is 0 when the daemon serves the
	 * ring from then on, or -errno (the connection goes on over the socket alone). Ioctls
	 * that pass no descriptor and fit a slot may then go through the ring as the body of an
	 * ACCEL_WIRE_IOCTL and come back as its reply's body; everything else stays here.
	 */
	ACCEL_WIRE_SHM_RING = 9,
};

/** ACCEL_WIRE_ATTR_SOCKET - the attribute socket's name under the root. */
#define ACCEL_WIRE_ATTR_SOCKET "attr.sock"
/** ACCEL_WIRE_ATTR_MAX_PATH - the longest attribute path a request names. */
#define ACCEL_WIRE_ATTR_MAX_PATH 4096

/** struct accel_wire_attr - an attribute request: followed by the path, then the value. */
struct accel_wire_attr {
	uint32_t path_len;
	uint32_t value_len;
};


/** struct accel_wire_hdr - starts every message. */
struct accel_wire_hdr {
	uint32_t magic;
	uint16_t op;
	uint16_t flags; /* ACCEL_WIRE_F_* */
	uint32_t id;   /* request id, echoed in the reply */
	int32_t result; /* replies: 0 / positive or -errno */
	uint32_t size; /* bytes after this header (ACCEL_WIRE_F_MEMFD: in the memfd) */
	uint32_t nfds; /* descriptors attached (SCM_RIGHTS), in order, the memfd included */
};

/** struct accel_wire_hello - the client's first message: its version and open flags. */
struct accel_wire_hello {
	uint32_t version;
	uint32_t open_flags;
};

/** struct accel_wire_hello_reply - followed by @num_layouts struct accel_wire_layout. */
struct accel_wire_hello_reply {
	uint32_t version;
	uint32_t num_layouts;
	uint64_t client_id;
};

/** struct accel_wire_layout - one driver ioctl's pointer and fd fields. */
struct accel_wire_layout {
	uint32_t cmd;
	uint16_t num_ptrs;
	uint16_t num_fds;
	/* followed by num_ptrs struct accel_wire_ptr, then num_fds struct accel_wire_fd */
};

struct accel_wire_ptr {
	uint16_t ptr_offset;
	uint16_t count_offset;
	uint8_t count_size;
	uint8_t dir;
	uint16_t pad;
	uint32_t elem_size;
	uint32_t max_count;
};

struct accel_wire_fd {
	uint16_t offset;
	uint8_t dir;
	uint8_t pad;
};

enum accel_region_kind {
	ACCEL_REGION_IN = 1,  /* bytes follow */
	ACCEL_REGION_OUT = 2, /* a writable window, no bytes */
};

/** struct accel_wire_region - a region of the caller's memory. */
struct accel_wire_region {
	uint64_t addr;
	uint32_t len;
	uint32_t kind;
	/* ACCEL_REGION_IN: followed by len bytes, padded to 8 */
};

/**
 * struct accel_wire_ioctl - an ioctl request: followed by @num_regions regions. Descriptors
 * the argument's IN fd fields name travel attached; @fd_numbers gives the caller's number of
 * each, in order.
 */
struct accel_wire_ioctl {
	uint64_t cmd;
	uint64_t arg;
	uint32_t num_regions;
	uint32_t num_fds;
	int32_t fd_numbers[ACCEL_WIRE_MAX_FDS];
};

/** struct accel_wire_write - one write into the caller's memory: followed by len bytes, padded to 8. */
struct accel_wire_write {
	uint64_t addr;
	uint32_t len;
	uint32_t pad;
};

/** struct accel_wire_ioctl_reply - followed by @num_writes writes; fds given out are attached. */
struct accel_wire_ioctl_reply {
	uint32_t num_writes;
	uint32_t num_fds;
	/*
	 * Descriptor i stands for the number ACCEL_WIRE_FD_BASE + i the handler wrote into the
	 * argument; @fd_flags[i] holds the O_CLOEXEC the handler asked for.
	 */
	int32_t fd_flags[ACCEL_WIRE_MAX_FDS];
};

/** struct accel_wire_mmap - map @len bytes at fake offset @offset; the reply attaches the memfd. */
struct accel_wire_mmap {
	uint64_t offset;
	uint64_t len;
	int32_t prot;
	int32_t flags;
};

/** struct accel_wire_mmap_reply - map the attached descriptor at @map_offset; @handle names it for MUNMAP. */
struct accel_wire_mmap_reply {
	uint64_t map_offset;
	uint64_t handle;
};

/** struct accel_wire_munmap - the mapping @handle is gone (no reply). */
struct accel_wire_munmap {
	uint64_t handle;
};

#endif
