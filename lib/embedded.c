// SPDX-License-Identifier: MIT
/*
 * The embedded backend: the accel core running inside this process, with the devices of
 * the built-in configuration (or $ACCEL_CONFIG), published as files under the root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/drm_print.h>
#include "libaccel_internal.h"

int drm_core_init(void);

static const char builtin_config[] =
	"; accel embedded default devices (docs/config.md)\n"
	"; an accelerator made by the two changes of the accel documentation\n"
	"[example.0]\n"
	"driver = example\n"
	"\n"
	"; a render-only graphics device: card and renderD nodes, never an accel node\n"
	"[example_gfx.0]\n"
	"driver = example_gfx\n"
	"\n"
	"; one parent offering graphics and compute: two drivers on the auxiliary bus\n"
	"[example_combo.0]\n"
	"driver = example_combo\n"
	"\n"
	"; the inference data-centre NPU: VRAM, DMA and compute engines, an MMU (docs/vnpu-isa.md)\n"
	"[vnpu.0]\n"
	"driver = vnpu\n";

/* Guards embedded_state and embedded_error. */
static pthread_mutex_t embedded_lock = PTHREAD_MUTEX_INITIALIZER;
static enum { EMBEDDED_OFF, EMBEDDED_ON, EMBEDDED_FAILED } embedded_state;
static int embedded_error;

const char *accel_embedded_builtin_config(void)
{
	return builtin_config;
}

char *accel_read_text_file(const char *path, int *err)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f) {
		*err = -errno;
		return NULL;
	}
	if (getdelim(&buf, &len, 0, f) < 0 && !buf) {
		*err = -EIO;
		fclose(f);
		return NULL;
	}
	fclose(f);
	if (!buf) {
		buf = strdup("");
		if (!buf)
			*err = -ENOMEM;
	}
	return buf;
}

static int embedded_start_locked(const char *config)
{
	const char *env = getenv("ACCEL_CONFIG");
	char *text = NULL;
	const char *origin = "built-in configuration";
	int err;

	err = drm_core_init();
	if (err)
		return err;
	err = accel_drivers_register_builtin();
	if (err)
		return err;
	err = accel_fs_publish_start(accel_root(), NULL);
	if (err) {
		DRM_ERROR("cannot publish devices under %s: %s", accel_root(), strerror(-err));
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
	err = accel_config_apply(config ? config : builtin_config, config ? origin : "built-in configuration",
				 NULL);
	free(text);
	return err;
}

int accel_embedded_start(const char *config)
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

int accel_embedded_ensure(void)
{
	int err = accel_embedded_start(NULL);

	return err == -EALREADY ? 0 : err;
}
