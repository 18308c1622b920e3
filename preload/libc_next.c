// SPDX-License-Identifier: MIT
/*
 * libc's own definitions of every call the shim interposes, found with dlsym(RTLD_NEXT):
 * the shim is first in the lookup order (LD_PRELOAD), so "next" is libc. Resolved by the
 * constructor, and by the first call of any interposed function that runs before it (another
 * library's constructor may open a file first).
 */
#include <dlfcn.h>

#include "preload.h"

struct libc_next libc;
__thread int preload_in_lib __attribute__((tls_model("initial-exec")));

#define NEXT(name) (*(void **)&libc.name = dlsym(RTLD_NEXT, #name))

void libc_next_resolve(void)
{
	if (__atomic_load_n(&libc.execve, __ATOMIC_ACQUIRE))
		return;
	NEXT(open);
	NEXT(openat);
	NEXT(fopen);
	NEXT(stat);
	NEXT(lstat);
	NEXT(fstat);
	NEXT(fstatat);
	NEXT(statx);
	NEXT(access);
	NEXT(chmod);
	NEXT(fchmodat);
	NEXT(faccessat);
	NEXT(readlink);
	NEXT(readlinkat);
	NEXT(realpath);
	NEXT(opendir);
	NEXT(scandir);
	NEXT(close);
	NEXT(dup);
	NEXT(dup2);
	NEXT(dup3);
	NEXT(fcntl);
	NEXT(read);
	NEXT(pread);
	NEXT(readv);
	NEXT(preadv);
	NEXT(preadv2);
	NEXT(write);
	NEXT(pwrite);
	NEXT(writev);
	NEXT(pwritev);
	NEXT(pwritev2);
	NEXT(lseek);
	NEXT(send);
	NEXT(sendto);
	NEXT(sendmsg);
	NEXT(sendmmsg);
	NEXT(recv);
	NEXT(recvfrom);
	NEXT(recvmsg);
	NEXT(recvmmsg);
	NEXT(shutdown);
	NEXT(getsockopt);
	NEXT(setsockopt);
	NEXT(getsockname);
	NEXT(getpeername);
	NEXT(bind);
	NEXT(connect);
	NEXT(listen);
	NEXT(accept);
	NEXT(accept4);
	NEXT(close_range);
	NEXT(ioctl);
	NEXT(mmap);
	NEXT(munmap);
	NEXT(poll);
	NEXT(ppoll);
	NEXT(select);
	NEXT(pselect);
	NEXT(epoll_ctl);
	NEXT(fork);
	NEXT(execvpe);
	NEXT(fexecve);
	NEXT(posix_spawn);
	NEXT(posix_spawnp);
	NEXT(posix_spawn_file_actions_adddup2);
	NEXT(posix_spawn_file_actions_addopen);
	NEXT(posix_spawn_file_actions_destroy);
	/* Last: its being set tells other threads that everything is. */
	{
		void *p = dlsym(RTLD_NEXT, "execve");

		__atomic_store_n((void **)&libc.execve, p, __ATOMIC_RELEASE);
	}
}

__attribute__((constructor)) static void libc_next_init(void)
{
	libc_next_resolve();
}
