/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/cred.h - who is calling.
 *
 * The kernel knows the calling task; here the transport says who the caller is. Embedded mode
 * calls come from this process; acceld sets the peer's credentials (SO_PEERCRED) around each
 * request with accel_cred_set_current().
 */
#ifndef ACCEL_CRED_H
#define ACCEL_CRED_H

#include <stdbool.h>
#include <sys/types.h>

/**
 * struct accel_cred - identity of the caller of the current request: @groups holds its
 * @ngroups supplementary groups (acceld: SO_PEERGROUPS; NULL for this process, whose groups
 * nothing here checks).
 */
struct accel_cred {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	unsigned int ngroups;
};

/** accel_cred_in_group() - @gid is @cred's group or one of its supplementary groups. */
bool accel_cred_in_group(const struct accel_cred *cred, gid_t gid);

/** MAY_READ, MAY_WRITE - what accel_cred_permission() checks, as the kernel's names. */
#define MAY_WRITE 0x2
#define MAY_READ 0x4

/**
 * accel_cred_permission() - may @cred access a node owned by @owner:@group with @mode for
 * @mask (MAY_READ | MAY_WRITE), as the kernel's generic_permission() decides for a device
 * node: the owner's bits for its owner, else the group's for a member of @group
 * (supplementary groups included), else the others'; uid 0 may always. 0 or -EACCES.
 */
int accel_cred_permission(const struct accel_cred *cred, uid_t owner, gid_t group, mode_t mode,
			  int mask);

/** current_cred() - the caller of the request this thread is serving. */
const struct accel_cred *current_cred(void);

/**
 * accel_cred_set_current() - make @cred the caller for this thread (NULL: this process).
 * Returns the previous value so that nested callers can restore it.
 */
const struct accel_cred *accel_cred_set_current(const struct accel_cred *cred);

/** capable_sys_admin() - the caller may do what CAP_SYS_ADMIN allows (uid 0 here). */
bool capable_sys_admin(void);

/** ERESTARTSYS - what an interrupted wait returns, as in the kernel (never seen by callers). */
#define ERESTARTSYS 512

/**
 * signal_pending() - the caller of the current request is gone (acceld: its connection hung
 * up), so interruptible waits give up with -ERESTARTSYS, as a kernel's do on a fatal signal.
 * Always false in embedded mode, where the caller is this very thread.
 */
bool signal_pending(void);

/** accel_set_signal_check() - how this thread learns that its caller is gone (NULL: never). */
void accel_set_signal_check(bool (*check)(void *data), void *data);

#endif
