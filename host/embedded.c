// SPDX-License-Identifier: MIT
/*
 * The embedded core: the accel core running inside a process that uses libaccel, with the
 * devices of the built-in configuration (or $ACCEL_CONFIG), published as files under the
 * root (or this process's private root). libaccel's embedded backend opens its nodes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/drm_print.h>

#include "drivers/builtin.h"
#include "host/host.h"

/* Guards embedded_state, embedded_error and root_lock_fd. */
static pthread_mutex_t embedded_lock = PTHREAD_MUTEX_INITIALIZER;
static enum { EMBEDDED_OFF, EMBEDDED_ON, EMBEDDED_FAILED } embedded_state;
static int embedded_error;
/* The lock of the root the core publishes under, held while the process lives. */
static int root_lock_fd = -1;

/*
 * Take the lock of the root: the shared root when nobody publishes there, else (acceld or
 * another process's core publishes there) this process's private root under it, which
 * accel_root() answers from then on. Returns the root to publish under, or NULL with *@err.
 */
static const char *embedded_take_root(int *err)
{
	const char *shared = accel_root_shared(), *priv;
	struct accel_root_owner owner;
	int fd;

	*err = accel_mkdir_p(shared, 0755);
	if (*err) {
		DRM_ERROR("cannot create the root %s: %s", shared, strerror(-*err));
		return NULL;
	}
	fd = accel_root_lock(shared, "embedded", &owner);
	if (fd >= 0) {
		root_lock_fd = fd;
		return shared;
	}
	if (fd != -EBUSY) {
		*err = fd;
		DRM_ERROR("cannot lock the root %s: %s", shared, strerror(-fd));
		return NULL;
	}
	priv = accel_root_private_path();
	accel_root_sweep_private(shared);
	*err = accel_mkdir_p(priv, 0755);
	if (!*err) {
		fd = accel_root_lock(priv, "embedded", NULL);
		*err = fd < 0 ? fd : 0;
	}
	if (*err) {
		DRM_ERROR("cannot make the private root %s: %s", priv, strerror(-*err));
		return NULL;
	}
	root_lock_fd = fd;
	accel_root_private_use();
	DRM_INFO("%s publishes under %s (pid %d): this process's embedded devices are under %s",
		 accel_root_owner_name(owner.holder), shared, (int)owner.pid, priv);
	return priv;
}

static int embedded_start_locked(const char *config)
{
	const char *env = getenv("ACCEL_CONFIG");
	const char *root;
	char *text = NULL;
	const char *origin = "built-in configuration";
	int err;

	err = accel_host_core_init();
	if (err)
		return err;
	root = embedded_take_root(&err);
	if (!root)
		return err;
	err = accel_fs_publish_start(root, NULL);
	if (err) {
		DRM_ERROR("cannot publish devices under %s: %s", root, strerror(-err));
		return err;
	}
	if (!config && env && *env) {
		text = accel_read_text_file(env, &err);
		if (!text) {
			DRM_ERROR("ACCEL_CONFIG=%s: %s", env, strerror(-err));
			return err;
		}
		config = text;
		origin = env;
	}
	err = accel_config_apply(config ? config : accel_drivers_builtin_config(),
				 config ? origin : "built-in configuration", NULL);
	free(text);
	return err;
}

int accel_host_embedded_start(const char *config)
{
	int err;

	pthread_mutex_lock(&embedded_lock);
	if (embedded_state != EMBEDDED_OFF) {
		err = embedded_state == EMBEDDED_ON ? -EALREADY : embedded_error;
	} else {
		err = embedded_start_locked(config);
		embedded_state = err ? EMBEDDED_FAILED : EMBEDDED_ON;
		embedded_error = err;
	}
	pthread_mutex_unlock(&embedded_lock);
	return err;
}

bool accel_host_embedded_started(void)
{
	bool started;

	pthread_mutex_lock(&embedded_lock);
	started = embedded_state != EMBEDDED_OFF;
	pthread_mutex_unlock(&embedded_lock);
	return started;
}
