# SPDX-License-Identifier: MIT
"""What every test of tests/python shares: skipping (exit 77, ctest's SKIP_RETURN_CODE) when
a Python package it needs is not installed, a root of its own, the paths of the test data.

Import it before accel: the root must be set before libaccel's first call."""

import atexit
import importlib
import os
import shutil
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FASHION_MNIST = os.path.join(REPO, "models", "fashion_mnist")
ONNX_NODE_TESTS = "/usr/share/libonnx-testdata/data/node"

# Debian's package of each Python module the tests import.
_DEBIAN = {"numpy": "python3-numpy", "torch": "python3-torch"}


def require(*modules):
    """Exit 77 (a skip) naming the first of @modules that cannot be imported."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            test = os.path.basename(sys.argv[0])
            print(f"{test}: Python module {name} not installed "
                  f"({_DEBIAN.get(name, name)}): skipped")
            sys.exit(77)


def private_root():
    """A fresh $ACCEL_ROOT that no daemon serves (unless the caller starts one): the core runs
    embedded in this process with its built-in devices, a vnpu among them."""
    root = tempfile.mkdtemp(prefix="accel-python.")
    atexit.register(shutil.rmtree, root, True)
    os.environ["ACCEL_ROOT"] = root
    for var in ("ACCEL_BACKEND", "ACCEL_CONFIG"):
        os.environ.pop(var, None)
    return root


def _die_with_parent():
    """In the daemon's child before exec: SIGTERM when the test's interpreter dies, so that a
    test that crashes leaves no acceld behind (prctl PR_SET_PDEATHSIG)."""
    import ctypes
    import signal
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)


class Daemon:
    """acceld ($ACCELD) on a fresh root, ready (it said READY=1), that libaccel's calls in
    this process reach (ACCEL_BACKEND=daemon: no embedded fallback). Start it before
    libaccel's first call; stop() ends it and removes the root."""

    def __init__(self):
        import subprocess
        self.root = tempfile.mkdtemp(prefix="accel-python-daemon.")
        ready_r, ready_w = os.pipe()
        self.proc = subprocess.Popen([os.environ["ACCELD"], "--root", self.root,
                                      "--log-level", "err", "--ready-fd", str(ready_w)],
                                     pass_fds=(ready_w,), preexec_fn=_die_with_parent)
        os.close(ready_w)
        with os.fdopen(ready_r, "rb") as ready:
            said = ready.read()
        if said != b"READY=1\n":
            self.proc.wait()
            shutil.rmtree(self.root, True)
            raise RuntimeError(f"acceld did not start (exit {self.proc.returncode})")
        os.environ["ACCEL_ROOT"] = self.root
        os.environ["ACCEL_BACKEND"] = "daemon"
        os.environ.pop("ACCEL_CONFIG", None)

    def stop(self):
        """SIGTERM, then its exit status (0: it stopped cleanly)."""
        self.proc.terminate()
        status = self.proc.wait()
        shutil.rmtree(self.root, True)
        return status
