/* SPDX-License-Identifier: MIT */
/* Registration of the example drivers (called once by drivers/builtin.c). */
#ifndef DRIVERS_EXAMPLE_H
#define DRIVERS_EXAMPLE_H

int example_accel_init(void);
int example_gfx_init(void);
int example_combo_init(void);
int example_kms_init(void);

struct drm_device;
struct drm_file;

/* buffers (example_gem.c) */
int example_create_bo_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int example_bo_info_ioctl(struct drm_device *dev, void *data, struct drm_file *file);

/* jobs (example_job.c) */
int example_job_init(struct drm_device *dev);
void example_job_release(struct drm_device *dev);
int example_submit_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int example_signal_ioctl(struct drm_device *dev, void *data, struct drm_file *file);

struct drm_file;
struct seq_file;
int example_open(struct drm_device *dev, struct drm_file *file);
void example_postclose(struct drm_device *dev, struct drm_file *file);
void example_show_fdinfo(struct seq_file *m, struct drm_file *file);

#endif
