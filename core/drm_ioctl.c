// SPDX-License-Identifier: MIT
/*
 * ioctl dispatch and the core ioctls that every DRM/accel file answers (VERSION, GET_CAP,
 * SET_CLIENT_CAP, SET_CLIENT_NAME, the legacy and KMS numbers). The KMS numbers that list
 * display objects are drm_mode_config.c's; the others answer as the kernel does for a device
 * without KMS (docs/kernel-differences.md: on a modesetting device too, which has no objects).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_ioctl.h>
#include <accel/drm_print.h>
#include <accel/uaccess.h>
#include <uapi/drm/drm_ext.h>
#include "drm_internal.h"
#include "drm_gem_ioctls.h"
#include "drm_syncobj_ioctls.h"

#define OVERFLOW_UID 65534

int drm_noop(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	(void)dev; (void)data; (void)file_priv;
	return 0;
}

int drm_invalid_op(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	(void)dev; (void)data; (void)file_priv;
	return -EINVAL;
}

/* Copy a string out the kernel's way: full length reported, truncated copy, no NUL added. */
static int drm_copy_field(char __user *buf, __kernel_size_t *buf_len, const char *value)
{
	size_t len;

	if (!value) {
		*buf_len = 0;
		return 0;
	}
	len = strlen(value);
	if (len > *buf_len)
		len = *buf_len;
	*buf_len = strlen(value);
	if (len && buf && copy_to_user(buf, value, len))
		return -EFAULT;
	return 0;
}

static int drm_version(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_version *version = data;
	int err;

	(void)file_priv;
	version->version_major = dev->driver->major;
	version->version_minor = dev->driver->minor;
	version->version_patchlevel = dev->driver->patchlevel;
	err = drm_copy_field(version->name, &version->name_len, dev->driver->name);
	/* The date is deprecated; like Linux 6.12 answer "0" whatever the driver says. */
	if (!err)
		err = drm_copy_field(version->date, &version->date_len, "0");
	if (!err)
		err = drm_copy_field(version->desc, &version->desc_len, dev->driver->desc);
	return err;
}

static int drm_getclient(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_client *client = data;

	(void)dev;
	/* Hollowed out as in the kernel: only index 0, answering for the caller. */
	if (client->idx != 0)
		return -EINVAL;
	client->auth = file_priv->authenticated;
	client->pid = current_cred()->pid;
	client->uid = OVERFLOW_UID;
	client->magic = 0;
	client->iocs = 0;
	return 0;
}

static int drm_getstats(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	(void)dev; (void)file_priv;
	memset(data, 0, sizeof(struct drm_stats));
	return 0;
}

static int drm_getcap(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_get_cap *req = data;

	(void)file_priv;
	req->value = 0;
	switch (req->capability) {
	case DRM_CAP_TIMESTAMP_MONOTONIC:
		req->value = 1;
		return 0;
	case DRM_CAP_PRIME:
		req->value = DRM_PRIME_CAP_IMPORT | DRM_PRIME_CAP_EXPORT;
		return 0;
	case DRM_CAP_SYNCOBJ:
		req->value = drm_core_check_feature(dev, DRIVER_SYNCOBJ) ? 1 : 0;
		return 0;
	case DRM_CAP_SYNCOBJ_TIMELINE:
		req->value = drm_core_check_feature(dev, DRIVER_SYNCOBJ_TIMELINE) ? 1 : 0;
		return 0;
	}
	/* Other caps only work with KMS drivers. */
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	switch (req->capability) {
	case DRM_CAP_DUMB_BUFFER:
		req->value = dev->driver->dumb_create ? 1 : 0;
		break;
	case DRM_CAP_VBLANK_HIGH_CRTC:
	case DRM_CAP_CRTC_IN_VBLANK_EVENT:
		req->value = 1;
		break;
	case DRM_CAP_DUMB_PREFERRED_DEPTH:
		req->value = dev->mode_config.preferred_depth;
		break;
	case DRM_CAP_DUMB_PREFER_SHADOW:
		req->value = dev->mode_config.prefer_shadow;
		break;
	case DRM_CAP_ASYNC_PAGE_FLIP:
		req->value = dev->mode_config.async_page_flip;
		break;
	case DRM_CAP_ATOMIC_ASYNC_PAGE_FLIP:
		req->value = drm_core_check_feature(dev, DRIVER_ATOMIC) &&
			     dev->mode_config.async_page_flip;
		break;
	case DRM_CAP_PAGE_FLIP_TARGET:
		/* 1 unless a CRTC lacks targeted flips: there are no CRTCs. */
		req->value = 1;
		break;
	case DRM_CAP_CURSOR_WIDTH:
		req->value = dev->mode_config.cursor_width ? dev->mode_config.cursor_width : 64;
		break;
	case DRM_CAP_CURSOR_HEIGHT:
		req->value = dev->mode_config.cursor_height ? dev->mode_config.cursor_height : 64;
		break;
	case DRM_CAP_ADDFB2_MODIFIERS:
		req->value = !dev->mode_config.fb_modifiers_not_supported;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int drm_setclientcap(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_set_client_cap *req = data;

	/* No render-only settable capabilities: all of them need KMS. */
	if (!drm_core_check_feature(dev, DRIVER_MODESET))
		return -EOPNOTSUPP;
	switch (req->capability) {
	case DRM_CLIENT_CAP_STEREO_3D:
		if (req->value > 1)
			return -EINVAL;
		file_priv->stereo_allowed = req->value;
		break;
	case DRM_CLIENT_CAP_UNIVERSAL_PLANES:
		if (req->value > 1)
			return -EINVAL;
		file_priv->universal_planes = req->value;
		break;
	case DRM_CLIENT_CAP_ATOMIC:
		if (!drm_core_check_feature(dev, DRIVER_ATOMIC))
			return -EOPNOTSUPP;
		if (req->value > 2)
			return -EINVAL;
		file_priv->atomic = req->value;
		file_priv->universal_planes = req->value;
		file_priv->aspect_ratio_allowed = req->value;
		break;
	case DRM_CLIENT_CAP_ASPECT_RATIO:
		if (req->value > 1)
			return -EINVAL;
		file_priv->aspect_ratio_allowed = req->value;
		break;
	case DRM_CLIENT_CAP_WRITEBACK_CONNECTORS:
		if (!file_priv->atomic || req->value > 1)
			return -EINVAL;
		file_priv->writeback_connectors = req->value;
		break;
	case DRM_CLIENT_CAP_CURSOR_PLANE_HOTSPOT:
		/* Only for drivers of virtual machines' displays (DRIVER_CURSOR_HOTSPOT): none here. */
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
	return 0;
}

/* KMS and vblank ioctls on a device without a display engine. */
static int drm_mode_no_kms(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	(void)dev; (void)data; (void)file_priv;
	return -EOPNOTSUPP;
}

/* GETFB2 answers -EINVAL rather than -EOPNOTSUPP without KMS, as the kernel does. */
static int drm_mode_getfb2_no_kms(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	(void)dev; (void)data; (void)file_priv;
	return -EINVAL;
}

static int drm_set_client_name(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_set_client_name *name = data;
	size_t len = name->name_len, i;
	char *new_name = NULL;

	(void)dev;
	if (len > DRM_CLIENT_NAME_MAX_LEN)
		return -EINVAL;
	if (len) {
		new_name = malloc(len + 1);
		if (!new_name)
			return -ENOMEM;
		if (copy_from_user(new_name, u64_to_user_ptr(name->name), len)) {
			free(new_name);
			return -EFAULT;
		}
		new_name[len] = 0;
		/* Printable, no spaces, no embedded NUL: it goes into fdinfo and debugfs lines. */
		for (i = 0; i < len; i++) {
			if (!isascii((unsigned char)new_name[i]) || !isgraph((unsigned char)new_name[i])) {
				free(new_name);
				return -EINVAL;
			}
		}
	}
	pthread_mutex_lock(&file_priv->client_name_lock);
	free(file_priv->client_name);
	file_priv->client_name = new_name;
	pthread_mutex_unlock(&file_priv->client_name_lock);
	if (file_priv->fdinfo)
		attr_notify(file_priv->fdinfo);
	return 0;
}

#define DRM_IOCTL_DEF(ioctl, _func, _flags) \
	[DRM_IOCTL_NR(ioctl)] = { .cmd = ioctl, .func = _func, .flags = _flags, .name = #ioctl }
#define DRM_IOCTL_DEF_LAYOUT(ioctl, _func, _flags, _layout) \
	[DRM_IOCTL_NR(ioctl)] = { .cmd = ioctl, .func = _func, .flags = _flags, .name = #ioctl, \
				  .layout = _layout }

/* Strings the handlers copy out: at most this much of a caller's buffer is marshalled. */
#define DRM_STRING_MAX 4096

static const struct drm_ioctl_ptr drm_version_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_version, name, name_len, 1, DRM_STRING_MAX, DRM_IOCTL_OUT),
	DRM_IOCTL_PTR(struct drm_version, date, date_len, 1, DRM_STRING_MAX, DRM_IOCTL_OUT),
	DRM_IOCTL_PTR(struct drm_version, desc, desc_len, 1, DRM_STRING_MAX, DRM_IOCTL_OUT),
};
static const struct drm_ioctl_layout drm_version_layout = { drm_version_ptrs, 3, NULL, 0 };

static const struct drm_ioctl_ptr drm_unique_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_unique, unique, unique_len, 1, DRM_STRING_MAX, DRM_IOCTL_OUT),
};
static const struct drm_ioctl_layout drm_unique_layout = { drm_unique_ptrs, 1, NULL, 0 };

static const struct drm_ioctl_ptr drm_client_name_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_set_client_name, name, name_len, 1, DRM_STRING_MAX, DRM_IOCTL_IN),
};
static const struct drm_ioctl_layout drm_client_name_layout = { drm_client_name_ptrs, 1, NULL, 0 };

#define NO_KMS(ioctl, flags) DRM_IOCTL_DEF(ioctl, drm_mode_no_kms, flags)

static const struct drm_ioctl_desc drm_ioctls[] = {
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_VERSION, drm_version, DRM_RENDER_ALLOW, &drm_version_layout),
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_GET_UNIQUE, drm_getunique, 0, &drm_unique_layout),
	DRM_IOCTL_DEF(DRM_IOCTL_GET_MAGIC, drm_getmagic, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_GET_CLIENT, drm_getclient, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_GET_STATS, drm_getstats, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_GET_CAP, drm_getcap, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SET_CLIENT_CAP, drm_setclientcap, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_SET_VERSION, drm_setversion, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_SET_UNIQUE, drm_invalid_op, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_BLOCK, drm_noop, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_UNBLOCK, drm_noop, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_AUTH_MAGIC, drm_authmagic, DRM_MASTER),
	DRM_IOCTL_DEF(DRM_IOCTL_SET_MASTER, drm_setmaster_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_DROP_MASTER, drm_dropmaster_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_ADD_DRAW, drm_noop, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_RM_DRAW, drm_noop, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),
	DRM_IOCTL_DEF(DRM_IOCTL_FINISH, drm_noop, DRM_AUTH),
	NO_KMS(DRM_IOCTL_WAIT_VBLANK, 0),

	/* GEM, dumb buffers and PRIME (core/drm_gem.c, core/drm_prime.c) */
	DRM_IOCTL_DEF(DRM_IOCTL_GEM_CLOSE, drm_gem_close_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_GEM_FLINK, drm_gem_flink_ioctl, DRM_AUTH),
	DRM_IOCTL_DEF(DRM_IOCTL_GEM_OPEN, drm_gem_open_ioctl, DRM_AUTH),
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_PRIME_HANDLE_TO_FD, drm_prime_handle_to_fd_ioctl,
			     DRM_RENDER_ALLOW, &drm_prime_handle_to_fd_layout),
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_PRIME_FD_TO_HANDLE, drm_prime_fd_to_handle_ioctl,
			     DRM_RENDER_ALLOW, &drm_prime_fd_to_handle_layout),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_CREATE_DUMB, drm_mode_create_dumb_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_MAP_DUMB, drm_mode_mmap_dumb_ioctl, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_DESTROY_DUMB, drm_mode_destroy_dumb_ioctl, 0),

	/* syncobj (core/drm_syncobj.c) */
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_CREATE, drm_syncobj_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_DESTROY, drm_syncobj_destroy_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, drm_syncobj_handle_to_fd_ioctl,
			     DRM_RENDER_ALLOW, &drm_syncobj_handle_to_fd_layout),
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, drm_syncobj_fd_to_handle_ioctl,
			     DRM_RENDER_ALLOW, &drm_syncobj_fd_to_handle_layout),
	/* The 6.12 layouts (with deadline_nsec): libdrm's shorter ones are zero-extended. */
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_SYNCOBJ_WAIT_6_12, drm_syncobj_wait_ioctl,
			     DRM_RENDER_ALLOW, &drm_syncobj_wait_layout),
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_6_12, drm_syncobj_timeline_wait_ioctl,
			     DRM_RENDER_ALLOW, &drm_syncobj_timeline_wait_layout),
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_SYNCOBJ_RESET, drm_syncobj_reset_ioctl,
			     DRM_RENDER_ALLOW, &drm_syncobj_array_layout),
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_SYNCOBJ_SIGNAL, drm_syncobj_signal_ioctl,
			     DRM_RENDER_ALLOW, &drm_syncobj_array_layout),
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, drm_syncobj_timeline_signal_ioctl,
			     DRM_RENDER_ALLOW, &drm_syncobj_timeline_signal_layout),
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_SYNCOBJ_QUERY, drm_syncobj_query_ioctl,
			     DRM_RENDER_ALLOW, &drm_syncobj_query_layout),
	DRM_IOCTL_DEF(DRM_IOCTL_SYNCOBJ_TRANSFER, drm_syncobj_transfer_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_SYNCOBJ_EVENTFD, drm_syncobj_eventfd_ioctl,
			     DRM_RENDER_ALLOW, &drm_syncobj_eventfd_layout),

	DRM_IOCTL_DEF(DRM_IOCTL_UPDATE_DRAW, drm_noop, DRM_AUTH | DRM_MASTER | DRM_ROOT_ONLY),

	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETRESOURCES, drm_mode_getresources, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETPLANERESOURCES, drm_mode_getplane_res, 0),
	NO_KMS(DRM_IOCTL_MODE_GETCRTC, 0),
	NO_KMS(DRM_IOCTL_MODE_SETCRTC, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_GETPLANE, 0),
	NO_KMS(DRM_IOCTL_MODE_SETPLANE, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_CURSOR, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_GETGAMMA, 0),
	NO_KMS(DRM_IOCTL_MODE_SETGAMMA, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_GETENCODER, 0),
	NO_KMS(DRM_IOCTL_MODE_GETCONNECTOR, 0),
	NO_KMS(DRM_IOCTL_MODE_ATTACHMODE, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_DETACHMODE, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_GETPROPERTY, 0),
	NO_KMS(DRM_IOCTL_MODE_SETPROPERTY, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_GETPROPBLOB, 0),
	NO_KMS(DRM_IOCTL_MODE_GETFB, 0),
	DRM_IOCTL_DEF(DRM_IOCTL_MODE_GETFB2, drm_mode_getfb2_no_kms, 0),
	NO_KMS(DRM_IOCTL_MODE_ADDFB, 0),
	NO_KMS(DRM_IOCTL_MODE_ADDFB2, 0),
	NO_KMS(DRM_IOCTL_MODE_RMFB, 0),
	NO_KMS(DRM_IOCTL_MODE_CLOSEFB, 0),
	NO_KMS(DRM_IOCTL_MODE_PAGE_FLIP, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_DIRTYFB, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_OBJ_GETPROPERTIES, 0),
	NO_KMS(DRM_IOCTL_MODE_OBJ_SETPROPERTY, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_CURSOR2, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_ATOMIC, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_CREATEPROPBLOB, 0),
	NO_KMS(DRM_IOCTL_MODE_DESTROYPROPBLOB, 0),
	NO_KMS(DRM_IOCTL_CRTC_GET_SEQUENCE, 0),
	NO_KMS(DRM_IOCTL_CRTC_QUEUE_SEQUENCE, 0),
	NO_KMS(DRM_IOCTL_MODE_CREATE_LEASE, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_LIST_LESSEES, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_GET_LEASE, DRM_MASTER),
	NO_KMS(DRM_IOCTL_MODE_REVOKE_LEASE, DRM_MASTER),

	DRM_IOCTL_DEF_LAYOUT(DRM_IOCTL_SET_CLIENT_NAME, drm_set_client_name, DRM_RENDER_ALLOW,
			     &drm_client_name_layout),
};

#define DRM_CORE_IOCTL_COUNT ARRAY_SIZE(drm_ioctls)

const struct drm_ioctl_desc *drm_ioctl_core_desc(unsigned int nr)
{
	if (nr >= DRM_CORE_IOCTL_COUNT || !drm_ioctls[nr].func)
		return NULL;
	return &drm_ioctls[nr];
}

static int drm_ioctl_permit(unsigned int flags, struct drm_file *file_priv)
{
	if (unlikely((flags & DRM_ROOT_ONLY) && !capable_sys_admin()))
		return -EACCES;
	if (unlikely((flags & DRM_AUTH) && !drm_is_render_client(file_priv) &&
		     !file_priv->authenticated))
		return -EACCES;
	/* Only the current master of a card node: render and accel files never are. */
	if (unlikely((flags & DRM_MASTER) && !drm_is_current_master(file_priv)))
		return -EACCES;
	if (unlikely(!(flags & DRM_RENDER_ALLOW) && drm_is_render_client(file_priv)))
		return -EACCES;
	return 0;
}

long drm_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct drm_file *file_priv = filp->private_data;
	struct drm_device *dev = file_priv->minor->dev;
	const struct drm_ioctl_desc *ioctl;
	unsigned int nr = DRM_IOCTL_NR(cmd);
	unsigned int in_size, out_size, drv_size, ksize;
	char stack_kdata[128];
	char *kdata = stack_kdata;
	int retcode;

	if (drm_dev_is_unplugged(dev))
		return -ENODEV;
	if (DRM_IOCTL_TYPE(cmd) != DRM_IOCTL_BASE)
		return -ENOTTY;

	if (nr >= DRM_COMMAND_BASE && nr < DRM_COMMAND_END) {
		unsigned int index = nr - DRM_COMMAND_BASE;

		if (index >= (unsigned int)dev->driver->num_ioctls)
			return -EINVAL;
		ioctl = &dev->driver->ioctls[index];
	} else {
		if (nr >= DRM_CORE_IOCTL_COUNT)
			return -EINVAL;
		ioctl = &drm_ioctls[nr];
	}
	if (unlikely(!ioctl->func))
		return -EINVAL;

	/* Our own definition decides the handler; the caller's size decides the copies. */
	drv_size = _IOC_SIZE(ioctl->cmd);
	out_size = in_size = _IOC_SIZE(cmd);
	if ((cmd & ioctl->cmd & IOC_IN) == 0)
		in_size = 0;
	if ((cmd & ioctl->cmd & IOC_OUT) == 0)
		out_size = 0;
	ksize = max_t(unsigned int, max_t(unsigned int, in_size, out_size), drv_size);

	if (ksize > sizeof(stack_kdata)) {
		kdata = malloc(ksize);
		if (!kdata)
			return -ENOMEM;
	}
	if (copy_from_user(kdata, (void __user *)arg, in_size) != 0) {
		retcode = -EFAULT;
		goto out;
	}
	if (ksize > in_size)
		memset(kdata + in_size, 0, ksize - in_size);

	if (drm_dev_is_unplugged(dev))
		retcode = -ENODEV;
	else
		retcode = drm_ioctl_permit(ioctl->flags, file_priv);
	if (!retcode)
		retcode = ioctl->func(dev, kdata, file_priv);
	if (copy_to_user((void __user *)arg, kdata, out_size) != 0)
		retcode = -EFAULT;
out:
	if (kdata != stack_kdata)
		free(kdata);
	return retcode;
}
