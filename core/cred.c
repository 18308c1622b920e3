// SPDX-License-Identifier: MIT
/* The caller's identity: this process unless a transport says otherwise for this thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>

#include <accel/cred.h>

static _Thread_local const struct accel_cred *cred_current;
static _Thread_local struct accel_cred cred_self;

const struct accel_cred *current_cred(void)
{
	if (cred_current)
		return cred_current;
	/* Read every time: a process may change its ids (tests drop root with setuid). */
	cred_self.pid = getpid();
	cred_self.uid = geteuid();
	cred_self.gid = getegid();
	return &cred_self;
}

const struct accel_cred *accel_cred_set_current(const struct accel_cred *cred)
{
	const struct accel_cred *old = cred_current;

	cred_current = cred;
	return old;
}

bool accel_cred_in_group(const struct accel_cred *cred, gid_t gid)
{
	unsigned int i;

	if (cred->gid == gid)
		return true;
	for (i = 0; i < cred->ngroups; i++)
		if (cred->groups[i] == gid)
			return true;
	return false;
}

int accel_cred_permission(const struct accel_cred *cred, uid_t owner, gid_t group, mode_t mode,
			  int mask)
{
	unsigned int bits;

	/* CAP_DAC_OVERRIDE: root reads and writes whatever the mode says. */
	if (cred->uid == 0)
		return 0;
	if (cred->uid == owner)
		bits = (mode >> 6) & 7;
	else if (accel_cred_in_group(cred, group))
		bits = (mode >> 3) & 7;
	else
		bits = mode & 7;
	return (mask & ~(int)bits & (MAY_READ | MAY_WRITE)) ? -EACCES : 0;
}

bool capable_sys_admin(void)
{
	return current_cred()->uid == 0;
}

static _Thread_local bool (*signal_check)(void *data);
static _Thread_local void *signal_check_data;

void accel_set_signal_check(bool (*check)(void *data), void *data)
{
	signal_check = check;
	signal_check_data = data;
}

bool signal_pending(void)
{
	return signal_check && signal_check(signal_check_data);
}
