/*
 * The kernel oracle's guest program for tests/tools/kernel-record.sh: holds the accel_oracle
 * node (a 64 KiB buffer, a job submitted and signalled) and runs the static accel-kernel
 * (/bin/accel-kernel) three times while it does (and holds vgem's card node, with a dumb
 * buffer: a DRM driver whose fdinfo has the core's usage keys, which accel_oracle's lacks): list --json, info --json accel0 and
 * top -J -n 2. Each output line of a command is printed as KEY=VALUE, the key naming the
 * command and the line's number (LIST.001=...), since the oracle passes only such lines.
 */
#include <sys/wait.h>

#include "oracle.h"
#include "accel_oracle_drm.h"

/* Run /bin/accel-kernel with @args, printing its stdout lines under @key; its status. */
static int run_tool(const char *key, char *const args[])
{
	char buf[1 << 16];
	size_t len = 0;
	int p[2], status, line = 0;
	ssize_t r;
	pid_t pid;
	char *s, *nl;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execv("/bin/accel-kernel", args);
		_exit(127);
	}
	close(p[1]);
	while (len + 1 < sizeof(buf) && (r = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)r;
	buf[len] = 0;
	close(p[0]);
	waitpid(pid, &status, 0);
	for (s = buf; *s; s = nl + 1) {
		nl = strchr(s, '\n');
		if (!nl)
			nl = s + strlen(s) - 1;
		else
			*nl = 0;
		printf("%s.%03d=%s\n", key, ++line, s);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* What the kernel renders in /proc/self/fdinfo/FD, a line a key. */
static void print_fdinfo(const char *key, int fd)
{
	char path[64], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		printf("%s.%03d=%s\n", key, ++n, line);
	}
	fclose(f);
	fflush(stdout);
}

int main(void)
{
	struct drm_accel_oracle_create_bo cb = { .size = 64 << 10 };
	struct drm_accel_oracle_submit sub = { 0 };
	struct drm_accel_oracle_signal sig = { 0 };
	char *list[] = { "accel", "list", "--json", NULL };
	char *info[] = { "accel", "info", "--json", "-d", "0.2", "accel0", NULL };
	char *top[] = { "accel", "top", "-J", "-n", "2", "-d", "0.2", NULL };
	struct drm_mode_create_dumb cd = { .width = 64, .height = 64, .bpp = 32 };
	int fd = open("/dev/accel/accel0", O_RDWR | O_CLOEXEC);
	char path[256];
	int card = oracle_open_node("/dev/dri", "card", "vgem", path, sizeof(path));

	KV("T.OPEN", "%d,%d", fd >= 0, card >= 0);
	KRC("T.CREATE_DUMB", xioctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &cd));
	KV("T.PID", "%d", (int)getpid());
	KRC("T.CREATE_BO", xioctl(fd, DRM_IOCTL_ACCEL_ORACLE_CREATE_BO, &cb));
	KRC("T.SUBMIT", xioctl(fd, DRM_IOCTL_ACCEL_ORACLE_SUBMIT, &sub));
	sig.fence_id = sub.fence_id;
	KRC("T.SIGNAL", xioctl(fd, DRM_IOCTL_ACCEL_ORACLE_SIGNAL, &sig));
	print_fdinfo("FDINFO_ACCEL", fd);
	print_fdinfo("FDINFO_CARD", card);
	KV("T.LIST_RC", "%d", run_tool("LIST", list));
	fflush(stdout);
	KV("T.INFO_RC", "%d", run_tool("INFO", info));
	fflush(stdout);
	KV("T.TOP_RC", "%d", run_tool("TOP", top));
	close(card);
	close(fd);
	return 0;
}
