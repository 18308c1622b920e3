# SPDX-License-Identifier: MIT
"""accel.devices(): the accelerator nodes libaccel finds (accel_devices_list())."""

import ctypes
from dataclasses import dataclass

from . import _lib


@dataclass(frozen=True)
class Device:
    """One node, as ``accel list`` shows it.

    node: "accel0"; path: "/dev/accel/accel0" (what Session's ``device`` takes); driver:
    "vnpu", "example"... ("" when the node could not be opened: open_error says why, an
    errno); desc: the driver's description; backend: "kernel", "daemon" or "embedded"; parent:
    the parent device's name; is_accel: an accel node (major 261) rather than a DRM one;
    version: the driver's (major, minor, patchlevel).
    """
    node: str
    path: str
    driver: str
    desc: str
    backend: str
    parent: str
    is_accel: bool
    major: int
    minor: int
    version: tuple
    open_error: int

    def __str__(self):
        return f"{self.node} ({self.driver or '?'}, {self.backend})"


def devices(include_drm=False):
    """Every accel node (and DRM node with @include_drm) of the root and of a real kernel,
    kernel ones first then by minor: a list of Device. Raises OSError when listing fails
    (ECONNREFUSED while a dead acceld's nodes remain...)."""
    lib = _lib.lib()
    handle = ctypes.c_void_p()
    count = ctypes.c_size_t()
    _lib.check(lib.accel_py_devices_list(1 if include_drm else 0, ctypes.byref(handle),
                                         ctypes.byref(count)), "listing the devices")
    try:
        return [_device(lib, handle, i) for i in range(count.value)]
    finally:
        lib.accel_py_devices_free(handle)


def _device(lib, handle, i):
    def text(field):
        value = ctypes.c_char_p()
        _lib.check(lib.accel_py_device_str(handle, i, field.encode(), ctypes.byref(value)),
                   f"device {i}: {field}")
        return value.value.decode(errors="replace")

    def number(field):
        value = ctypes.c_int64()
        _lib.check(lib.accel_py_device_int(handle, i, field.encode(), ctypes.byref(value)),
                   f"device {i}: {field}")
        return value.value

    return Device(node=text("node"), path=text("path"), driver=text("driver"),
                  desc=text("desc"), backend=text("backend"), parent=text("parent"),
                  is_accel=bool(number("is_accel")), major=number("major"),
                  minor=number("minor"),
                  version=(number("version_major"), number("version_minor"),
                           number("version_patchlevel")),
                  open_error=-number("open_error"))
