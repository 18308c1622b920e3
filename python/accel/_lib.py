# SPDX-License-Identifier: MIT
"""Loading libaccel_python.so (python/native/accel_python.h) and declaring its functions.

The library is found, in this order, at ``$ACCEL_LIBRARY``; next to this package (an
installed copy); in the build directory of the source tree the package sits in
(``build/lib``, as ``make`` builds it). It holds libaccel, the compiler and the runtime, so
the embedded core runs inside this process unless acceld serves the root.
"""

import ctypes
import os

# python/native/accel_python.h, ACCEL_PY_API_VERSION: the library this package speaks to.
API_VERSION = 1

LIBRARY_NAME = "libaccel_python.so"

_lib = None


def _candidates():
    env = os.environ.get("ACCEL_LIBRARY")
    if env:
        # Named on purpose: no fallback that would hide a wrong path.
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    return [os.path.join(here, LIBRARY_NAME), os.path.join(repo, "build", "lib", LIBRARY_NAME)]


def _declare(lib):
    c = ctypes
    sig = {
        "accel_py_api_version": (c.c_int, []),
        "accel_py_devices_list": (c.c_int, [c.c_int, c.POINTER(c.c_void_p),
                                            c.POINTER(c.c_size_t)]),
        "accel_py_devices_free": (None, [c.c_void_p]),
        "accel_py_device_str": (c.c_int, [c.c_void_p, c.c_size_t, c.c_char_p,
                                          c.POINTER(c.c_char_p)]),
        "accel_py_device_int": (c.c_int, [c.c_void_p, c.c_size_t, c.c_char_p,
                                          c.POINTER(c.c_int64)]),
        "accel_py_device_open": (c.c_int, [c.c_char_p, c.c_char_p, c.c_size_t,
                                           c.POINTER(c.c_void_p)]),
        "accel_py_device_close": (None, [c.c_void_p]),
        "accel_py_model_load": (c.c_int, [c.c_void_p, c.c_char_p, c.c_int64,
                                          c.POINTER(c.c_char_p), c.POINTER(c.c_int),
                                          c.POINTER(c.c_int64), c.c_size_t, c.c_char_p,
                                          c.c_size_t, c.POINTER(c.c_void_p)]),
        "accel_py_model_free": (None, [c.c_void_p]),
        "accel_py_model_tensors": (c.c_uint, [c.c_void_p, c.c_int]),
        "accel_py_model_tensor": (c.c_int, [c.c_void_p, c.c_int, c.c_uint,
                                            c.POINTER(c.c_char_p), c.POINTER(c.c_int),
                                            c.POINTER(c.c_int),
                                            c.POINTER(c.POINTER(c.c_int64)),
                                            c.POINTER(c.c_uint64)]),
        "accel_py_model_map": (c.c_void_p, [c.c_void_p, c.c_int, c.c_uint]),
        "accel_py_model_run": (c.c_int, [c.c_void_p, c.c_char_p, c.c_size_t]),
    }
    for name, (restype, argtypes) in sig.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes


def lib():
    """The loaded library (loaded on first use). Raises OSError when it cannot be."""
    global _lib
    if _lib is not None:
        return _lib
    tried = []
    for path in _candidates():
        if not os.path.exists(path):
            tried.append(path)
            continue
        # ctypes.CDLL releases the GIL around every call: a model's compile and run let other
        # Python threads go on.
        loaded = ctypes.CDLL(path)
        _declare(loaded)
        version = loaded.accel_py_api_version()
        if version != API_VERSION:
            raise OSError(f"{path}: API version {version}, this package speaks {API_VERSION}: "
                          "rebuild the library (make) or point ACCEL_LIBRARY at a current one")
        _lib = loaded
        return _lib
    raise OSError(f"{LIBRARY_NAME} not found (tried {', '.join(tried)}): build it with make, "
                  "or set ACCEL_LIBRARY to its path")


def check(ret, what, err=None, filename=None):
    """Raise OSError for a negative errno @ret: the C side's message when it gave one (it names
    the file, node or stage at fault), else @what and the errno's text."""
    if ret >= 0:
        return
    msg = err.value.decode(errors="replace") if err is not None else ""
    # OSError(errno, ...) is made the matching subclass: FileNotFoundError for ENOENT...
    raise OSError(-ret, msg or f"{what}: {os.strerror(-ret)}", filename)


def err_buffer():
    """A buffer for the C side's one-line messages."""
    return ctypes.create_string_buffer(1024)
