// SPDX-License-Identifier: MIT
/* The errno of the shim's own system calls (direct.h), stored where libc stores it. */
#include <sys/single_threaded.h>

#include "direct.h"

#ifdef PRELOAD_DIRECT
struct direct_hot direct_hot;

int direct_fail(long ret)
{
	errno = (int)-ret;
	return -1;
}

/* errno's address less the thread pointer (%fs:0 holds the thread control block's address). */
__attribute__((constructor)) static void direct_errno_init(void)
{
	long tp;

	__asm__("movq %%fs:0, %0" : "=r"(tp));
	direct_hot.errno_offset = (long)((char *)&errno - (char *)tp);
	direct_hot.single_threaded = &__libc_single_threaded;
}
#endif
