/* SPDX-License-Identifier: MIT */
/* Core-private interfaces between the DRM/accel core files. */
#ifndef ACCEL_CORE_DRM_INTERNAL_H
#define ACCEL_CORE_DRM_INTERNAL_H

#include <accel/drm_device.h>
#include <accel/drm_file.h>

/** enum drm_minor_table - the two minor number spaces: DRM (226) and accel (261). */
enum drm_minor_table {
	DRM_MINOR_TABLE_DRM,
	DRM_MINOR_TABLE_ACCEL,
};

/* drm_drv.c */
struct drm_minor *drm_minor_acquire(enum drm_minor_table table, unsigned int index);
void drm_minor_release(struct drm_minor *minor);
int drm_stub_open_minor(enum drm_minor_table table, struct inode *inode, struct file *filp);

/* drm_accel.c */
int accel_core_init(void);
extern const struct class accel_class_ro;
struct class *accel_class_get(void);
const struct device_type *accel_minor_type(void);
void accel_debugfs_init(struct drm_device *dev);
void accel_debugfs_register(struct drm_device *dev);

/* drm_mode_config.c: the ioctls listing a modesetting device's display objects. */
int drm_mode_getresources(struct drm_device *dev, void *data, struct drm_file *file_priv);
int drm_mode_getplane_res(struct drm_device *dev, void *data, struct drm_file *file_priv);

/* drm_file.c */
int drm_open_helper(struct file *filp, struct drm_minor *minor);

/* drm_auth.c: masters of card nodes (the interface version the kernel reports, too) */
#define DRM_IF_MAJOR 1
#define DRM_IF_MINOR 4
int drm_master_open(struct drm_file *file_priv);
void drm_master_release(struct drm_file *file_priv);
void drm_master_dev_fini(struct drm_device *dev);
int drm_setmaster_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv);
int drm_dropmaster_ioctl(struct drm_device *dev, void *data, struct drm_file *file_priv);
int drm_getmagic(struct drm_device *dev, void *data, struct drm_file *file_priv);
int drm_authmagic(struct drm_device *dev, void *data, struct drm_file *file_priv);
int drm_getunique(struct drm_device *dev, void *data, struct drm_file *file_priv);
int drm_setversion(struct drm_device *dev, void *data, struct drm_file *file_priv);

/* drm_debugfs.c */
struct attr_node *drm_debugfs_root(enum drm_minor_table table);
void drm_debugfs_dev_init(struct drm_device *dev, struct attr_node *root);
void drm_debugfs_dev_fini(struct drm_device *dev);
void drm_debugfs_register_minor(struct drm_minor *minor, struct attr_node *root);
void drm_debugfs_unregister_minor(struct drm_minor *minor);

#endif
