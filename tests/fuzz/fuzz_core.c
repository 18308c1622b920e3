// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the embedded ioctl path of the DRM core and the example drivers (GEM,
 * PRIME, dumb buffers, syncobj, version/caps, master, the example job ioctls) on the accel
 * node of example.0, the card and render nodes of example_gfx.0 and the two nodes of
 * example_combo.0. Input format: fuzz_ioctl.h.
 */
#include "fuzz_ioctl.h"
#include "fuzz_fdcheck.h"

#include <uapi/drm/example_accel.h>

static const char config[] =
	"[example.0]\ndriver = example\n"
	"[example_gfx.0]\ndriver = example_gfx\n"
	"[example_combo.0]\ndriver = example_combo\n";

/* The nodes these devices make (the first is opened for every input). */
static const char *const nodes[] = {
	"accel/accel0", "dri/renderD128", "dri/card0", "accel/accel1", "dri/renderD129", "dri/card1",
};

static void post_bo_info(struct fz *f, void *arg)
{
	fz_offset_add(f, ((struct drm_example_bo_info *)arg)->mmap_offset);
}

/*
 * The example device's job fences are the device's, signalled only by SIGNAL (from any
 * file): what an input left unsignalled would hold its syncobjs, eventfds and sync_files
 * forever. The fence ids SUBMIT gave out are signalled when the input ends.
 */
static uint32_t fence_ids[FZ_MAX_OPS];
static unsigned int num_fence_ids;

static void post_submit(struct fz *f, void *arg)
{
	(void)f;
	if (num_fence_ids < FZ_MAX_OPS)
		fence_ids[num_fence_ids++] = ((struct drm_example_submit *)arg)->fence_id;
}

static void cleanup(struct fz *f)
{
	struct drm_example_signal *sig = (void *)f->arena;
	bool opened = false;

	if (!num_fence_ids)
		return;
	if (!f->num_files) {
		fz_open(f, 0);
		opened = true;
	}
	while (num_fence_ids) {
		*sig = (struct drm_example_signal){ .fence_id = fence_ids[--num_fence_ids] };
		/* Through the example.0 file (node 0): the fences are that device's. */
		for (unsigned int i = 0; i < f->num_files; i++)
			if (!vfs_ioctl(f->files[i], DRM_IOCTL_EXAMPLE_SIGNAL, (unsigned long)sig))
				break;
	}
	if (opened)
		fz_close(f, 0);
}

static const struct fz_ioctl ioctls[] = {
	FZ_CORE_IOCTLS,
	{ DRM_IOCTL_EXAMPLE_CREATE_BO },
	{ DRM_IOCTL_EXAMPLE_BO_INFO, NULL, NULL, post_bo_info },
	{ DRM_IOCTL_EXAMPLE_SUBMIT, NULL, NULL, post_submit },
	{ DRM_IOCTL_EXAMPLE_SIGNAL },
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	fz_init(config, nodes, sizeof(nodes) / sizeof(nodes[0]));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_run(data, size, ioctls, sizeof(ioctls) / sizeof(ioctls[0]), 0, NULL, cleanup);
	fz_fd_check();
	return 0;
}
