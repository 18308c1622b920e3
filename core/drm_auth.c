// SPDX-License-Identifier: MIT
/*
 * Masters of card (primary) nodes, with Linux 6.12's rules, KMS or not: the first file
 * opened on a card node while the device has no master becomes master (and authenticated);
 * SET_MASTER/DROP_MASTER move the role between files (a former master of the same process,
 * or root); other card files authenticate through a magic token that the master accepts
 * (GET_MAGIC/AUTH_MAGIC). Render and accel files never have a master.
 *
 * A master object carries what belongs to one "session": the magic tokens handed out under
 * it and the unique name SET_VERSION 1.1 gives it. Every card file refers to the master
 * that was current when it was opened (or the one it created), so files opened under an
 * earlier master keep that master's tokens and name.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <drm/drm.h>
#include <accel/compiler.h>
#include <accel/cred.h>
#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_print.h>
#include <accel/kref.h>
#include <accel/uaccess.h>
#include "drm_internal.h"

/*
 * struct drm_master - one master session of a device. @ref is atomic; @unique,
 * @unique_len and @magic_map are guarded by the device's master_mutex.
 */
struct drm_master {
	struct kref ref;
	struct drm_device *dev;
	char *unique;
	int unique_len;
	/** @magic_map: magic token -> drm_file, from 1; NULL once the token was accepted. */
	struct idr magic_map;
};

static struct drm_master *drm_master_create(struct drm_device *dev)
{
	struct drm_master *master = calloc(1, sizeof(*master));

	if (!master)
		return NULL;
	kref_init(&master->ref);
	master->dev = dev;
	idr_init(&master->magic_map);
	return master;
}

static struct drm_master *drm_master_get(struct drm_master *master)
{
	kref_get(&master->ref);
	return master;
}

static void drm_master_destroy(struct kref *ref)
{
	struct drm_master *master = container_of(ref, struct drm_master, ref);

	idr_destroy(&master->magic_map);
	free(master->unique);
	free(master);
}

static void drm_master_put(struct drm_master **master)
{
	kref_put(&(*master)->ref, drm_master_destroy);
	*master = NULL;
}

/* Without leases a file is the current master when its master is the device's. */
static bool drm_is_current_master_locked(struct drm_file *fpriv)
{
	return fpriv->is_master && fpriv->master == fpriv->minor->dev->master;
}

bool drm_is_current_master(struct drm_file *fpriv)
{
	struct drm_device *dev = fpriv->minor->dev;
	bool ret;

	pthread_mutex_lock(&dev->master_mutex);
	ret = drm_is_current_master_locked(fpriv);
	pthread_mutex_unlock(&dev->master_mutex);
	return ret;
}

/* @fpriv's master becomes the device's. Called with master_mutex held. */
static void drm_set_master(struct drm_device *dev, struct drm_file *fpriv)
{
	dev->master = drm_master_get(fpriv->master);
	fpriv->was_master = true;
}

/* @fpriv becomes master of a new session. Called with master_mutex held. */
static int drm_new_set_master(struct drm_device *dev, struct drm_file *fpriv)
{
	struct drm_master *old_master = fpriv->master;
	struct drm_master *new_master = drm_master_create(dev);

	if (!new_master)
		return -ENOMEM;
	fpriv->master = new_master;
	fpriv->is_master = true;
	fpriv->authenticated = true;
	drm_set_master(dev, fpriv);
	if (old_master)
		drm_master_put(&old_master);
	return 0;
}

/* The device has no master any more. Called with master_mutex held. */
static void drm_drop_master(struct drm_device *dev)
{
	drm_master_put(&dev->master);
}

int drm_master_open(struct drm_file *file_priv)
{
	struct drm_device *dev = file_priv->minor->dev;
	int ret = 0;

	pthread_mutex_lock(&dev->master_mutex);
	if (!dev->master)
		ret = drm_new_set_master(dev, file_priv);
	else
		file_priv->master = drm_master_get(dev->master);
	pthread_mutex_unlock(&dev->master_mutex);
	return ret;
}

void drm_master_release(struct drm_file *file_priv)
{
	struct drm_device *dev = file_priv->minor->dev;

	pthread_mutex_lock(&dev->master_mutex);
	/*
	 * As in 6.12 the token is removed from the file's current master, which is not the
	 * one that issued it when the file has become master of a new session since.
	 */
	if (file_priv->magic && file_priv->master)
		idr_remove(&file_priv->master->magic_map, (int)file_priv->magic);
	if (drm_is_current_master_locked(file_priv))
		drm_drop_master(dev);
	if (file_priv->master)
		drm_master_put(&file_priv->master);
	pthread_mutex_unlock(&dev->master_mutex);
}

void drm_master_dev_fini(struct drm_device *dev)
{
	/* Every file is gone, and each took its master along. */
	if (dev->master)
		drm_master_put(&dev->master);
}

/* A former master of the same process, or root (the kernel's drm_master_check_perm()). */
static int drm_master_check_perm(struct drm_file *file_priv)
{
	if (file_priv->was_master && file_priv->pid == current_cred()->pid)
		return 0;
	return capable_sys_admin() ? 0 : -EACCES;
}

int drm_setmaster_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	int ret;

	(void)data;
	pthread_mutex_lock(&dev->master_mutex);
	ret = drm_master_check_perm(file_priv);
	if (ret || drm_is_current_master_locked(file_priv))
		goto out_unlock;
	if (dev->master) {
		ret = -EBUSY;
		goto out_unlock;
	}
	/* Render and accel files have no master to set. */
	if (!file_priv->master) {
		ret = -EINVAL;
		goto out_unlock;
	}
	if (!file_priv->is_master)
		ret = drm_new_set_master(dev, file_priv);
	else
		drm_set_master(dev, file_priv);
out_unlock:
	pthread_mutex_unlock(&dev->master_mutex);
	return ret;
}

int drm_dropmaster_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	int ret;

	(void)data;
	pthread_mutex_lock(&dev->master_mutex);
	ret = drm_master_check_perm(file_priv);
	if (!ret && (!drm_is_current_master_locked(file_priv) || !dev->master))
		ret = -EINVAL;
	if (!ret)
		drm_drop_master(dev);
	pthread_mutex_unlock(&dev->master_mutex);
	return ret;
}

int drm_getmagic(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_auth *auth = data;
	int ret = 0;

	/* Linux 6.12 oopses here on accel files (no master): see docs/kernel-differences.md. */
	if (!file_priv->master)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&dev->master_mutex);
	if (!file_priv->magic) {
		ret = idr_alloc(&file_priv->master->magic_map, file_priv, 1);
		if (ret >= 0)
			file_priv->magic = (unsigned int)ret;
	}
	auth->magic = file_priv->magic;
	pthread_mutex_unlock(&dev->master_mutex);
	return ret < 0 ? ret : 0;
}

int drm_authmagic(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_auth *auth = data;
	struct drm_file *file = NULL;

	pthread_mutex_lock(&dev->master_mutex);
	/* Token 0 is never handed out; ids past INT_MAX name nothing. */
	if (auth->magic && auth->magic <= INT_MAX)
		file = idr_find(&file_priv->master->magic_map, (int)auth->magic);
	if (file) {
		file->authenticated = true;
		/* Used once: the token stays taken but names nobody. */
		idr_replace(&file_priv->master->magic_map, NULL, (int)auth->magic);
	}
	pthread_mutex_unlock(&dev->master_mutex);
	return file ? 0 : -EINVAL;
}

int drm_getunique(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_unique *u = data;
	struct drm_master *master = file_priv->master;
	int ret = 0;

	/* Linux 6.12 oopses here on accel files (no master): see docs/kernel-differences.md. */
	if (!master)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&dev->master_mutex);
	if (u->unique_len >= (size_t)master->unique_len &&
	    copy_to_user(u->unique, master->unique, (unsigned long)master->unique_len))
		ret = -EFAULT;
	if (!ret)
		u->unique_len = (size_t)master->unique_len;
	pthread_mutex_unlock(&dev->master_mutex);
	return ret;
}

/* SET_VERSION 1.1 and later ties the master to the device: its unique name is the device's. */
static int drm_set_busid(struct drm_device *dev, struct drm_file *file_priv)
{
	struct drm_master *master = file_priv->master;

	free(master->unique);
	master->unique = NULL;
	master->unique_len = 0;
	if (!dev->unique)
		return 0;
	master->unique = strdup(dev->unique);
	if (!master->unique)
		return -ENOMEM;
	master->unique_len = (int)strlen(dev->unique);
	return 0;
}

int drm_setversion(struct drm_device *dev, void *data, struct drm_file *file_priv)
{
	struct drm_set_version *sv = data;
	int retcode = 0;

	/* A DRM_MASTER ioctl: only a current master (so a card file, with a master) gets here. */
	pthread_mutex_lock(&dev->master_mutex);
	if (sv->drm_di_major != -1) {
		if (sv->drm_di_major != DRM_IF_MAJOR || sv->drm_di_minor < 0 ||
		    sv->drm_di_minor > DRM_IF_MINOR) {
			retcode = -EINVAL;
			goto done;
		}
		if (sv->drm_di_minor >= 1) {
			retcode = drm_set_busid(dev, file_priv);
			if (retcode)
				goto done;
		}
	}
	if (sv->drm_dd_major != -1) {
		if (sv->drm_dd_major != dev->driver->major || sv->drm_dd_minor < 0 ||
		    sv->drm_dd_minor > dev->driver->minor) {
			retcode = -EINVAL;
			goto done;
		}
	}
done:
	sv->drm_di_major = DRM_IF_MAJOR;
	sv->drm_di_minor = DRM_IF_MINOR;
	sv->drm_dd_major = dev->driver->major;
	sv->drm_dd_minor = dev->driver->minor;
	pthread_mutex_unlock(&dev->master_mutex);
	return retcode;
}
