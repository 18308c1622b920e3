# SPDX-License-Identifier: MIT
# Debian's python3, unmodified, under `accel exec` (tests/preload/run-under-shim.sh):
# os.open of the accel node and DRM_IOCTL_VERSION through fcntl.ioctl, as any Python
# program would do on a kernel. Exit status 0 when every answer is the kernel's.
import ctypes
import fcntl
import os
import stat
import struct
import sys

DRM_IOCTL_VERSION = 0xC0406400  # _IOWR('d', 0x00, struct drm_version), 64 bytes
NODE = "/dev/accel/accel0"

st = os.stat(NODE)
if not stat.S_ISCHR(st.st_mode) or os.major(st.st_rdev) != 261 or os.minor(st.st_rdev) != 0:
    sys.exit(f"{NODE}: not char device 261:0 (mode {st.st_mode:o}, rdev {st.st_rdev:x})")

fd = os.open(NODE, os.O_RDWR)
bufs = [ctypes.create_string_buffer(64) for _ in range(3)]
# struct drm_version: three ints (and padding), then (size_t len, char *ptr) x 3
arg = bytearray(struct.pack("=iii4x" + "QQ" * 3,
                            0, 0, 0, *[v for b in bufs for v in (63, ctypes.addressof(b))]))
fcntl.ioctl(fd, DRM_IOCTL_VERSION, arg, True)
major, minor, patch = struct.unpack_from("=iii", arg)
name, date, desc = (b.value.decode() for b in bufs)
os.close(fd)
print(f"name={name} version={major}.{minor}.{patch} date={date} desc={desc}")
if (name, major, minor, patch) != ("example", 1, 0, 0) or not desc:
    sys.exit("DRM_IOCTL_VERSION: not the example driver 1.0.0")
