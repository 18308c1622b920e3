/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/uaccess.h - copy_from_user() / copy_to_user().
 *
 * Handlers are written once for every transport: in embedded mode a user pointer is a pointer
 * in this process; acceld installs a struct accel_uaccess for the request being served, which
 * resolves user pointers against the data the client marshalled with it.
 */
#ifndef ACCEL_UACCESS_H
#define ACCEL_UACCESS_H

#include <accel/compiler.h>

/** struct accel_uaccess - how this thread's user pointers reach the caller's memory. */
struct accel_uaccess {
	/** @copy_from: like copy_from_user(); returns the number of bytes NOT copied. */
	unsigned long (*copy_from)(struct accel_uaccess *ua, void *to, const void __user *from,
				   unsigned long n);
	/** @copy_to: like copy_to_user(); returns the number of bytes NOT copied. */
	unsigned long (*copy_to)(struct accel_uaccess *ua, void __user *to, const void *from,
				 unsigned long n);
};

/**
 * accel_uaccess_set_current() - route this thread's user copies through @ua (NULL: direct).
 * Returns the previous value.
 */
struct accel_uaccess *accel_uaccess_set_current(struct accel_uaccess *ua);

/** copy_from_user() - copy @n bytes from the caller; returns the bytes that could not be. */
unsigned long copy_from_user(void *to, const void __user *from, unsigned long n);

/** copy_to_user() - copy @n bytes to the caller; returns the bytes that could not be. */
unsigned long copy_to_user(void __user *to, const void *from, unsigned long n);

/** u64_to_user_ptr() - a __u64 field of a uAPI struct as a user pointer. */
#define u64_to_user_ptr(x) ((void __user *)(uintptr_t)(x))

#endif
