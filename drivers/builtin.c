// SPDX-License-Identifier: MIT
/*
 * The drivers built into libaccel, registered once like the kernel's module_init calls, and
 * the default devices: one of each.
 */
#define _GNU_SOURCE
#include <pthread.h>

#include "builtin.h"
#include "example/example.h"
#include "vedge/vedge.h"
#include "vnpu/vnpu.h"
#include "vtrain/vtrain.h"

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
	"; a modesetting driver without display objects: a card node only (drm_info reads it)\n"
	"[example_kms.0]\n"
	"driver = example_kms\n"
	"\n"
	"; the inference data-centre NPU: VRAM, DMA and compute engines, an MMU (docs/vnpu-isa.md)\n"
	"[vnpu.0]\n"
	"driver = vnpu\n"
	"\n"
	"; the edge NPU (docs/vedge.md): registers, SRAM, int8 operations; with DMA, and without\n"
	"[vedge.0]\n"
	"driver = vedge\n"
	"has_dma = 1\n"
	"\n"
	"[vedge.1]\n"
	"driver = vedge\n"
	"has_dma = 0\n"
	"\n"
	"; the training card (docs/vtrain.md): HBM, training packets, collectives over a mesh\n"
	"[vtrain.0]\n"
	"driver = vtrain\n"
	"hbm_size = 1G\n"
	"cards = 2\n"
	"card = 0\n"
	"links = mesh\n"
	"group = vtrain\n"
	"\n"
	"[vtrain.1]\n"
	"driver = vtrain\n"
	"hbm_size = 1G\n"
	"cards = 2\n"
	"card = 1\n"
	"links = mesh\n"
	"group = vtrain\n";

static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static int builtin_error;

static int (*const builtin_inits[])(void) = {
	example_accel_init,
	example_gfx_init,
	example_combo_init,
	example_kms_init,
	vnpu_init,
	vedge_init,
	vtrain_init,
};

static void builtin_register(void)
{
	for (unsigned int i = 0; i < sizeof(builtin_inits) / sizeof(builtin_inits[0]); i++) {
		builtin_error = builtin_inits[i]();
		if (builtin_error)
			return;
	}
}

int accel_drivers_register_builtin(void)
{
	pthread_once(&builtin_once, builtin_register);
	return builtin_error;
}

const char *accel_drivers_builtin_config(void)
{
	return builtin_config;
}
