/* SPDX-License-Identifier: MIT */
/*
 * <drm/drm.h> for programs built against an installed libaccel: the DRM core uAPI from
 * libdrm (Debian libdrm-dev's <libdrm/drm.h>), as accel itself is built with it. Installed
 * as <includedir>/accel/drm/drm.h, ahead of any kernel copy on libaccel.pc's include path,
 * so that the accel headers and the program see one definition of each struct.
 */
#include <libdrm/drm.h>
