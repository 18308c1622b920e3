# SPDX-License-Identifier: MIT
"""The package through acceld: with ACCEL_BACKEND=daemon every node is acceld's, and a
Session compiles and runs the Fashion-MNIST CNN on the daemon's vnpu with the answers it gives
embedded (and accel.torch.compile a module, when PyTorch is installed). $ACCELD names the
daemon; skipped without it."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import support

support.require("numpy")
if not os.environ.get("ACCELD"):
    print("test_daemon: $ACCELD (the acceld binary) not set: skipped")
    sys.exit(77)

import numpy as np  # noqa: E402

import onnx_tensor  # noqa: E402

MODEL = os.path.join(support.FASHION_MNIST, "model.onnx")
DATA = os.path.join(support.FASHION_MNIST, "test_data_set_0")
RTOL, ATOL = 1e-3, 1e-4

daemon = None


def setUpModule():
    """acceld on a fresh root, ready, before libaccel's first call."""
    global daemon
    daemon = support.Daemon()


def tearDownModule():
    if daemon is not None:
        daemon.stop()


class ThroughAcceld(unittest.TestCase):
    def test_devices_are_the_daemons(self):
        import accel
        vnpus = [d for d in accel.devices() if d.driver == "vnpu"]
        self.assertTrue(vnpus)
        self.assertTrue(all(d.backend == "daemon" for d in accel.devices()))

    def test_session_matches_pytorch(self):
        import accel
        _, images = onnx_tensor.read(os.path.join(DATA, "input_0.pb"))
        _, logits = onnx_tensor.read(os.path.join(DATA, "output_0.pb"))
        with accel.Session(MODEL) as s:
            out = s.run({"image": images})["logits"]
        np.testing.assert_allclose(out, logits, rtol=RTOL, atol=ATOL)

    def test_torch_compile(self):
        try:
            import torch
        except ImportError:
            self.skipTest("PyTorch not installed (python3-torch)")
        import accel.torch
        torch.manual_seed(0)
        mlp = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU())
        x = torch.randn(3, 8)
        npu = accel.torch.compile(mlp, x)
        with torch.no_grad():
            torch.testing.assert_close(npu(x), mlp(x), rtol=RTOL, atol=ATOL)


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=[sys.argv[0]] + sys.argv[1:])
