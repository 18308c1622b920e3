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

/** struct accel_cred - identity of the caller of the current request. */
struct accel_cred {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/** current_cred() - the caller of the request this thread is serving. */
const struct accel_cred *current_cred(void);

/**
 * accel_cred_set_current() - make @cred the caller for this thread (NULL: this process).
 * Returns the previous value so that nested callers can restore it.
 */
const struct accel_cred *accel_cred_set_current(const struct accel_cred *cred);

/** capable_sys_admin() - the caller may do what CAP_SYS_ADMIN allows (uid 0 here). */
bool capable_sys_admin(void);

#endif
