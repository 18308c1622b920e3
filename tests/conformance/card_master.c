/*
 * card_master.c - masters on the card (primary) node of a graphics driver without KMS (vgem
 * in the kernel, example_gfx in accel): the first opener is master, SET_MASTER/DROP_MASTER,
 * GET_MAGIC/AUTH_MAGIC, SET_VERSION and GET_UNIQUE, DRM_MASTER and DRM_AUTH ioctls, the
 * permission check of a non-root caller; render and accel files never master.
 *
 * Non-root steps run with the effective uid 65534 (seteuid, back to root after), opening
 * their own descriptors: a descriptor is only used under the identity that opened it.
 */
#include "conformance.h"
#include <limits.h>

#ifdef CONFORMANCE_ACCEL
#define GFX_DRIVER "example_gfx"
#else
#define GFX_DRIVER "vgem"
#endif

/* The first node /dev/dri/<prefix>N of GFX_DRIVER: its path in *path, or "" when none. */
static void find_node(const char *prefix, char *path, size_t n)
{
	for (int i = 0; i < 256; i++) {
		char p[64], name[64] = "";
		struct drm_version v = { .name = name, .name_len = sizeof(name) - 1 };
		int fd;

		snprintf(p, sizeof(p), "/dev/dri/%s%d", prefix, i + (!strcmp(prefix, "renderD") ? 128 : 0));
		fd = c_open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (!xioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, GFX_DRIVER)) {
			c_close(fd);
			snprintf(path, n, "%s", p);
			return;
		}
		c_close(fd);
	}
	path[0] = 0;
}

static int xopen(const char *path)
{
	int fd = c_open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/*
 * Through acceld a close() reaches the daemon a moment later (docs/kernel-differences.md):
 * what a master's close changes is observed by retrying for up to two seconds; a kernel
 * answers the first time.
 */
#define SETTLE_TRIES 200
static void settle(void)
{
	usleep(10000);
}

/* Open @path until the new file is master (up to SETTLE_TRIES): the last file opened. */
static int xopen_master(const char *path);
static long setcrtc(int fd);

/* DRM_IOCTL_GET_CLIENT index 0: whether the caller's file is authenticated, or -errno. */
static long authenticated(int fd)
{
	struct drm_client c = { .idx = 0 };
	long rc = xioctl(fd, DRM_IOCTL_GET_CLIENT, &c);

	return rc ? rc : c.auth;
}

/* A DRM_MASTER ioctl: SETCRTC (without KMS a master gets -EOPNOTSUPP, others -EACCES). */
static long setcrtc(int fd)
{
	struct drm_mode_crtc crtc = { 0 };

	return xioctl(fd, DRM_IOCTL_MODE_SETCRTC, &crtc);
}

static long get_magic(int fd, unsigned int *magic)
{
	struct drm_auth a = { 0 };
	long rc = xioctl(fd, DRM_IOCTL_GET_MAGIC, &a);

	*magic = a.magic;
	return rc;
}

static long auth_magic(int fd, unsigned int magic)
{
	struct drm_auth a = { .magic = magic };

	return xioctl(fd, DRM_IOCTL_AUTH_MAGIC, &a);
}

static long set_version(int fd, int di_major, int di_minor, struct drm_set_version *sv)
{
	*sv = (struct drm_set_version){ .drm_di_major = di_major, .drm_di_minor = di_minor,
					.drm_dd_major = -1, .drm_dd_minor = -1 };
	return xioctl(fd, DRM_IOCTL_SET_VERSION, sv);
}

/* GET_UNIQUE: the length of the master's unique name (the name itself in @buf), or -errno. */
static long unique_len(int fd, char *buf, size_t n)
{
	struct drm_unique u = { .unique_len = n - 1, .unique = buf };
	long rc;

	memset(buf, 0, n);
	rc = xioctl(fd, DRM_IOCTL_GET_UNIQUE, &u);
	return rc ? rc : (long)u.unique_len;
}

static int xopen_master(const char *path)
{
	int fd = -ENOENT;

	for (int i = 0; i < SETTLE_TRIES; i++, settle()) {
		fd = xopen(path);
		if (fd < 0 || setcrtc(fd) != -EACCES)
			break;
		c_close(fd);
	}
	return fd;
}

/* SET_MASTER, retried while another file's close has not yet left the device masterless. */
static long set_master_settled(int fd)
{
	long rc = -EBUSY;

	for (int i = 0; i < SETTLE_TRIES && rc == -EBUSY; i++) {
		rc = xioctl(fd, DRM_IOCTL_SET_MASTER, NULL);
		if (rc == -EBUSY)
			settle();
	}
	return rc;
}

static void nonroot(const char *card)
{
	char node[PATH_MAX];
	unsigned int m = 0;
	int a, b;

	/* The node lets everyone open it, as a desktop's seat manager would arrange. */
	snprintf(node, sizeof(node), "%s%s", c_root(), card);
	KRC("CARD.NONROOT.CHMOD", chmod(node, 0666) ? -errno : 0);
	KRC("CARD.NONROOT.SETEUID", seteuid(65534) ? -errno : 0);
	a = xopen_master(card); /* once the files closed above are released */
	KV("CARD.NONROOT.A_OPEN", "%s", rcstr(a < 0 ? a : 0));
	b = xopen(card);
	KV("CARD.NONROOT.B_OPEN", "%s", rcstr(b < 0 ? b : 0));
	/* The first opener is master even without privileges, and so authenticated. */
	KRC("CARD.NONROOT.A_AUTHENTICATED", authenticated(a));
	KRC("CARD.NONROOT.A_FINISH_AUTH", xioctl(a, DRM_IOCTL_FINISH, &(struct drm_lock){ 0 }));
	KRC("CARD.NONROOT.A_SETCRTC", setcrtc(a));
	KRC("CARD.NONROOT.B_AUTHENTICATED", authenticated(b));
	KRC("CARD.NONROOT.B_FINISH_AUTH", xioctl(b, DRM_IOCTL_FINISH, &(struct drm_lock){ 0 }));
	KRC("CARD.NONROOT.B_SETCRTC", setcrtc(b));
	/* Only a former master of the same process (or root) may set or drop master. */
	KRC("CARD.NONROOT.B_SET_MASTER", xioctl(b, DRM_IOCTL_SET_MASTER, NULL));
	KRC("CARD.NONROOT.B_DROP_MASTER", xioctl(b, DRM_IOCTL_DROP_MASTER, NULL));
	KRC("CARD.NONROOT.A_DROP_MASTER", xioctl(a, DRM_IOCTL_DROP_MASTER, NULL));
	KRC("CARD.NONROOT.A_SETCRTC_DROPPED", setcrtc(a));
	KRC("CARD.NONROOT.B_SET_MASTER_NONE", xioctl(b, DRM_IOCTL_SET_MASTER, NULL));
	KRC("CARD.NONROOT.A_SET_MASTER_AGAIN", xioctl(a, DRM_IOCTL_SET_MASTER, NULL));
	KRC("CARD.NONROOT.A_SETCRTC_AGAIN", setcrtc(a));
	/* The master authenticates the other file through its magic. */
	KRC("CARD.NONROOT.B_GET_MAGIC", get_magic(b, &m));
	KV("CARD.NONROOT.B_MAGIC", "%u", m);
	KRC("CARD.NONROOT.B_AUTH_OWN_MAGIC", auth_magic(b, m));
	KRC("CARD.NONROOT.A_AUTH_MAGIC", auth_magic(a, m));
	KRC("CARD.NONROOT.B_AUTHENTICATED_NOW", authenticated(b));
	KRC("CARD.NONROOT.B_FINISH_AUTH_NOW", xioctl(b, DRM_IOCTL_FINISH, &(struct drm_lock){ 0 }));
	c_close(a);
	/* The master's close leaves no master; the next opener is master. */
	KRC("CARD.NONROOT.B_SETCRTC_AFTER_CLOSE", setcrtc(b));
	a = xopen_master(card);
	KRC("CARD.NONROOT.C_SETCRTC", setcrtc(a));
	c_close(a);
	c_close(b);
	KRC("CARD.NONROOT.SETEUID_ROOT", seteuid(0) ? -errno : 0);
}

int main(void)
{
	char card[64], render[64], ua[256], ub[256];
	struct drm_set_version sv;
	unsigned int ma = 0, mb = 0, mb2 = 0, mc = 0;
	int a, b, c, d, r, x;

	find_node("card", card, sizeof(card));
	find_node("renderD", render, sizeof(render));
	KV("CARD.FOUND", "%d", card[0] != 0);
	KV("CARD.RENDER_FOUND", "%d", render[0] != 0);
	if (!card[0])
		return 1;
	a = xopen(card);
	KV("CARD.A_OPEN", "%s", rcstr(a < 0 ? a : 0));
	if (a < 0)
		return 1;
	{
		struct drm_get_cap cap = { .capability = DRM_CAP_DUMB_BUFFER };

		/* No KMS: the caps of a modeset driver are refused. */
		KRC("CARD.NO_KMS", xioctl(a, DRM_IOCTL_GET_CAP, &cap));
	}
	b = xopen(card);
	KV("CARD.B_OPEN", "%s", rcstr(b < 0 ? b : 0));

	/* The first opener is master: DRM_MASTER ioctls reach the handler only for it. */
	KRC("CARD.A_AUTHENTICATED", authenticated(a));
	KRC("CARD.A_SETCRTC", setcrtc(a));
	KRC("CARD.B_SETCRTC", setcrtc(b));
	KRC("CARD.A_SET_VERSION", set_version(a, -1, -1, &sv));
	KV("CARD.A_SET_VERSION.DI", "%d.%d", sv.drm_di_major, sv.drm_di_minor);
	KRC("CARD.B_SET_VERSION", set_version(b, -1, -1, &sv));
	KRC("CARD.A_SET_VERSION_BAD", set_version(a, 2, 0, &sv));
	KRC("CARD.A_BLOCK", xioctl(a, DRM_IOCTL_BLOCK, &(struct drm_block){ 0 }));
	KRC("CARD.B_BLOCK", xioctl(b, DRM_IOCTL_BLOCK, &(struct drm_block){ 0 }));
	KRC("CARD.A_SET_UNIQUE", xioctl(a, DRM_IOCTL_SET_UNIQUE, &(struct drm_unique){ 0 }));

	/* The unique name is the master's: empty until SET_VERSION 1.1 fills it in. */
	KRC("CARD.A_UNIQUE_LEN_BEFORE", unique_len(a, ua, sizeof(ua)));
	KRC("CARD.A_SET_VERSION_1_1", set_version(a, 1, 1, &sv));
	KV("CARD.A_UNIQUE_SET", "%d", unique_len(a, ua, sizeof(ua)) > 0);
	KV("CARD.B_UNIQUE_SAME", "%d", unique_len(b, ub, sizeof(ub)) > 0 && !strcmp(ua, ub));

	/* SET_MASTER/DROP_MASTER while A is master. */
	KRC("CARD.B_SET_MASTER", xioctl(b, DRM_IOCTL_SET_MASTER, NULL));
	KRC("CARD.B_DROP_MASTER", xioctl(b, DRM_IOCTL_DROP_MASTER, NULL));
	KRC("CARD.A_SET_MASTER", xioctl(a, DRM_IOCTL_SET_MASTER, NULL));

	/* Magic tokens: numbered per master from 1, one per file, used once. */
	KRC("CARD.B_GET_MAGIC", get_magic(b, &mb));
	KV("CARD.B_MAGIC", "%u", mb);
	KRC("CARD.B_GET_MAGIC_AGAIN", get_magic(b, &mb2));
	KV("CARD.B_MAGIC_SAME", "%d", mb == mb2);
	KRC("CARD.A_GET_MAGIC", get_magic(a, &ma));
	KV("CARD.A_MAGIC", "%u", ma);
	KRC("CARD.B_AUTH_MAGIC", auth_magic(b, mb));
	KRC("CARD.A_AUTH_MAGIC", auth_magic(a, mb));
	KRC("CARD.A_AUTH_MAGIC_TWICE", auth_magic(a, mb));
	KRC("CARD.A_AUTH_MAGIC_OWN", auth_magic(a, ma));
	KRC("CARD.A_AUTH_MAGIC_ZERO", auth_magic(a, 0));
	KRC("CARD.A_AUTH_MAGIC_UNKNOWN", auth_magic(a, 4242));

	/* A drops master: nobody is master until someone sets it. */
	KRC("CARD.A_DROP_MASTER", xioctl(a, DRM_IOCTL_DROP_MASTER, NULL));
	KRC("CARD.A_SETCRTC_DROPPED", setcrtc(a));
	KRC("CARD.A_DROP_MASTER_AGAIN", xioctl(a, DRM_IOCTL_DROP_MASTER, NULL));
	KRC("CARD.B_SET_MASTER_NONE", xioctl(b, DRM_IOCTL_SET_MASTER, NULL));
	KRC("CARD.B_SETCRTC_MASTER", setcrtc(b));
	KRC("CARD.A_SET_MASTER_BUSY", xioctl(a, DRM_IOCTL_SET_MASTER, NULL));
	KRC("CARD.A_SETCRTC_BUSY", setcrtc(a));
	/* B's master is a new one: the old unique name and magic tokens stay with the old. */
	KRC("CARD.B_UNIQUE_LEN_NEW_MASTER", unique_len(b, ub, sizeof(ub)));
	KRC("CARD.A_UNIQUE_LEN_OLD_MASTER", unique_len(a, ua, sizeof(ua)) > 0);
	KRC("CARD.B_GET_MAGIC_NEW_MASTER", get_magic(b, &mb2));
	KV("CARD.B_MAGIC_KEPT", "%d", mb == mb2);

	/* A file opened under B's master gets a magic of B's master's. */
	c = xopen(card);
	KV("CARD.C_OPEN", "%s", rcstr(c < 0 ? c : 0));
	KRC("CARD.C_SETCRTC", setcrtc(c));
	KRC("CARD.C_SET_MASTER", xioctl(c, DRM_IOCTL_SET_MASTER, NULL));
	KRC("CARD.C_GET_MAGIC", get_magic(c, &mc));
	KV("CARD.C_MAGIC", "%u", mc);
	KRC("CARD.A_AUTH_C_MAGIC", auth_magic(a, mc));
	KRC("CARD.B_AUTH_C_MAGIC", auth_magic(b, mc));

	/* Closing the master leaves none: the next opener becomes master. */
	c_close(b);
	KRC("CARD.C_SETCRTC_B_CLOSED", setcrtc(c));
	d = xopen_master(card);
	KV("CARD.D_OPEN", "%s", rcstr(d < 0 ? d : 0));
	KRC("CARD.D_SETCRTC", setcrtc(d));
	KRC("CARD.C_SET_MASTER_D", xioctl(c, DRM_IOCTL_SET_MASTER, NULL));
	c_close(d);
	KRC("CARD.C_SET_MASTER_D_CLOSED", set_master_settled(c));
	KRC("CARD.C_SETCRTC_MASTER", setcrtc(c));
	c_close(c);
	c_close(a);

	/* Render files are never master: the master ioctls are not for render nodes. */
	r = render[0] ? xopen(render) : -ENOENT;
	KV("CARD.RENDER_OPEN", "%s", rcstr(r < 0 ? r : 0));
	if (r >= 0) {
		unsigned int m;

		KRC("CARD.RENDER_SET_MASTER", xioctl(r, DRM_IOCTL_SET_MASTER, NULL));
		KRC("CARD.RENDER_DROP_MASTER", xioctl(r, DRM_IOCTL_DROP_MASTER, NULL));
		KRC("CARD.RENDER_GET_MAGIC", get_magic(r, &m));
		KRC("CARD.RENDER_AUTH_MAGIC", auth_magic(r, 1));
		KRC("CARD.RENDER_SETCRTC", setcrtc(r));
		KRC("CARD.RENDER_SET_VERSION", set_version(r, -1, -1, &sv));
		c_close(r);
	}

	/* Nor are accel files (GET_MAGIC and GET_UNIQUE oops 6.12 there: left out). */
	x = c_open_accel0();
	KV("CARD.ACCEL_OPEN", "%s", rcstr(x < 0 ? x : 0));
	if (x >= 0) {
		KRC("CARD.ACCEL_SET_MASTER", xioctl(x, DRM_IOCTL_SET_MASTER, NULL));
		KRC("CARD.ACCEL_DROP_MASTER", xioctl(x, DRM_IOCTL_DROP_MASTER, NULL));
		KRC("CARD.ACCEL_AUTH_MAGIC", auth_magic(x, 1));
		KRC("CARD.ACCEL_SETCRTC", setcrtc(x));
		KRC("CARD.ACCEL_SET_VERSION", set_version(x, -1, -1, &sv));
		KRC("CARD.ACCEL_AUTHENTICATED", authenticated(x));
		c_close(x);
	}

	nonroot(card);
	return 0;
}
