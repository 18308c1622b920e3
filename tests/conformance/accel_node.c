/* accel_node.c - the accel node and its sysfs/debugfs entries (names of the driver and of
 * its parent device are replaced by DRIVER and PARENT, which differ between the worlds). */
#include "conformance.h"
#include <dirent.h>
#include <limits.h>

static char parent[128], driver[64];

static void path(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s%s", c_root(), rel);
}

/* Replace every occurrence of @what in @s by @with (in place, s has room). */
static void subst(char *s, size_t n, const char *what, const char *with)
{
	char out[1024] = "", *p = s, *hit;

	if (!*what)
		return;
	while ((hit = strstr(p, what))) {
		strncat(out, p, hit - p);
		strncat(out, with, sizeof(out) - strlen(out) - 1);
		p = hit + strlen(what);
	}
	strncat(out, p, sizeof(out) - strlen(out) - 1);
	snprintf(s, n, "%s", out);
}

static void normalise(char *s, size_t n)
{
	subst(s, n, parent, "PARENT");
	subst(s, n, driver, "DRIVER");
}

static void kv_file(const char *key, const char *rel)
{
	char p[PATH_MAX], buf[1024];
	FILE *f;
	size_t len;

	path(p, sizeof(p), rel);
	f = fopen(p, "r");
	if (!f) {
		KV(key, "-%s", c_errname(errno));
		return;
	}
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = 0;
	for (char *c = buf; *c; c++)
		if (*c == '\n')
			*c = ';';
	normalise(buf, sizeof(buf));
	KV(key, "%s", buf);
}

static void kv_link(const char *key, const char *rel)
{
	char p[PATH_MAX], buf[1024];
	ssize_t n;

	path(p, sizeof(p), rel);
	n = readlink(p, buf, sizeof(buf) - 1);
	if (n < 0) {
		KV(key, "-%s", c_errname(errno));
		return;
	}
	buf[n] = 0;
	normalise(buf, sizeof(buf));
	KV(key, "%s", buf);
}

static void kv_has(const char *key, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	path(p, sizeof(p), rel);
	KV(key, "%d", lstat(p, &st) == 0);
}

int main(void)
{
	char p[PATH_MAX], buf[PATH_MAX];
	struct drm_version v = { 0 };
	ssize_t n;
	int fd;

	fd = c_open_accel0();
	KV("NODE.OPEN_RDWR", "%s", rcstr(fd < 0 ? fd : 0));
	if (fd < 0)
		return 1;
	v.name = driver;
	v.name_len = sizeof(driver) - 1;
	xioctl(fd, DRM_IOCTL_VERSION, &v);
	driver[v.name_len < sizeof(driver) ? v.name_len : sizeof(driver) - 1] = 0;
	path(p, sizeof(p), "/sys/class/accel/accel0/device");
	n = readlink(p, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = 0;
		snprintf(parent, sizeof(parent), "%s", strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf);
	}

	{
		int f2 = c_open("/dev/accel/accel0", O_RDONLY | O_CLOEXEC);
		KV("NODE.OPEN_RDONLY", "%s", rcstr(f2 < 0 ? -errno : 0));
		if (f2 >= 0)
			c_close(f2);
		f2 = c_open("/dev/accel/accel0", O_RDWR | O_EXCL);
		KV("NODE.OPEN_EXCL", "%s", rcstr(f2 < 0 ? -errno : 0));
		if (f2 >= 0)
			c_close(f2);
		f2 = c_open("/dev/accel/accel77", O_RDWR);
		KV("NODE.OPEN_MISSING", "%s", rcstr(f2 < 0 ? -errno : 0));
	}

	kv_file("SYSFS.CLASS.DEV", "/sys/class/accel/accel0/dev");
	kv_file("SYSFS.CLASS.UEVENT", "/sys/class/accel/accel0/uevent");
	kv_link("SYSFS.CLASS.LINK", "/sys/class/accel/accel0");
	kv_link("SYSFS.CLASS.DEVICE", "/sys/class/accel/accel0/device");
	kv_link("SYSFS.CLASS.SUBSYSTEM", "/sys/class/accel/accel0/subsystem");
	kv_has("SYSFS.CLASS.HAS_DEV", "/sys/class/accel/accel0/dev");
	kv_has("SYSFS.CLASS.HAS_UEVENT", "/sys/class/accel/accel0/uevent");
	kv_has("SYSFS.CLASS.HAS_POWER", "/sys/class/accel/accel0/power");
	kv_has("SYSFS.DRM_CLASS_HAS_ACCEL0", "/sys/class/drm/accel0");
	snprintf(buf, sizeof(buf), "/sys/devices/platform/%s/driver", parent);
	kv_link("SYSFS.PARENT.DRIVER", buf);
	snprintf(buf, sizeof(buf), "/sys/devices/platform/%s/accel/accel0/dev", parent);
	kv_file("SYSFS.PARENT.ACCEL0_DEV", buf);

	/* debugfs name: "<driver> dev=<parent> unique=<unique>", unique being the parent's name. */
	{
		char line[512] = "", d1[128] = "", d2[128] = "", d3[128] = "";
		FILE *f;

		snprintf(buf, sizeof(buf), "%s/sys/kernel/debug/accel/%s/name", c_root(), parent);
		f = fopen(buf, "r");
		KV("DEBUGFS.UNIQUE.NAME_READABLE", "%d", f != NULL);
		if (f) {
			if (!fgets(line, sizeof(line), f))
				line[0] = 0;
			fclose(f);
		}
		KV("DEBUGFS.UNIQUE.NAME_FIELDS", "%d", sscanf(line, "%127s dev=%127s unique=%127s", d1, d2, d3));
		KV("DEBUGFS.UNIQUE.NAME_DRIVER_FIRST", "%d", !strcmp(d1, driver));
		KV("DEBUGFS.UNIQUE.NAME_DEV_IS_PARENT", "%d", !strcmp(d2, parent));
		KV("DEBUGFS.UNIQUE.NAME_UNIQUE_IS_PARENT", "%d", !strcmp(d3, parent));
	}
	kv_has("DEBUGFS.MINOR_LINK", "/sys/kernel/debug/accel/0");

	/* No DRM node (card, renderD) belongs to the accelerator's driver. */
	{
		DIR *d;
		struct dirent *e;
		int accel_in_dri = 0;

		path(p, sizeof(p), "/dev/dri");
		d = opendir(p);
		while (d && (e = readdir(d))) {
			char node[PATH_MAX + 300], name[64] = "";
			struct drm_version dv = { 0 };
			int dfd;

			if (e->d_name[0] == '.')
				continue;
			snprintf(node, sizeof(node), "/dev/dri/%s", e->d_name);
			dfd = c_open(node, O_RDWR | O_CLOEXEC);
			if (dfd < 0)
				continue;
			dv.name = name;
			dv.name_len = sizeof(name) - 1;
			if (!xioctl(dfd, DRM_IOCTL_VERSION, &dv) && !strcmp(name, driver))
				accel_in_dri++;
			c_close(dfd);
		}
		if (d)
			closedir(d);
		KV("NODE.ACCEL_DRIVER_NODES_IN_DEV_DRI", "%d", accel_in_dri);
	}
	c_close(fd);
	return 0;
}
