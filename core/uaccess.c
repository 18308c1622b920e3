// SPDX-License-Identifier: MIT
/*
 * copy_from_user() / copy_to_user(). Embedded callers share our address space, so a copy is
 * a memcpy; the first page stands for the kernel's unmapped zero page so that NULL and small
 * bogus pointers fault with -EFAULT as they do on a kernel.
 */
#define _GNU_SOURCE
#include <string.h>

#include <accel/uaccess.h>

#define UACCESS_GUARD 4096

static _Thread_local struct accel_uaccess *uaccess_current;

struct accel_uaccess *accel_uaccess_set_current(struct accel_uaccess *ua)
{
	struct accel_uaccess *old = uaccess_current;

	uaccess_current = ua;
	return old;
}

static bool uaccess_bad_range(const void *p, unsigned long n)
{
	uintptr_t a = (uintptr_t)p;

	return a < UACCESS_GUARD || a + n < a;
}

unsigned long copy_from_user(void *to, const void __user *from, unsigned long n)
{
	if (!n)
		return 0;
	if (uaccess_current)
		return uaccess_current->copy_from(uaccess_current, to, from, n);
	if (uaccess_bad_range(from, n))
		return n;
	memcpy(to, from, n);
	return 0;
}

unsigned long copy_to_user(void __user *to, const void *from, unsigned long n)
{
	if (!n)
		return 0;
	if (uaccess_current)
		return uaccess_current->copy_to(uaccess_current, to, from, n);
	if (uaccess_bad_range(to, n))
		return n;
	memcpy(to, from, n);
	return 0;
}
