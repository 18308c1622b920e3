# SPDX-License-Identifier: MIT
"""accel.devices() and the device a Session opens: the embedded core's built-in devices
listed with their driver and backend, a session on the first vnpu by default or on the node
named (a Device, "accelN" or a path), and refused on a node that is not a vnpu."""

import errno
import os
import subprocess
import sys
import unittest

import support

support.require("numpy")
support.private_root()

import accel  # noqa: E402

MODEL = os.path.join(support.FASHION_MNIST, "model.onnx")


class Devices(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.devices = accel.devices()
        cls.vnpus = [d for d in cls.devices if d.driver == "vnpu"]

    def test_lists_a_vnpu(self):
        self.assertTrue(self.vnpus)
        d = self.vnpus[0]
        self.assertTrue(d.is_accel)
        self.assertEqual(d.major, 261)
        self.assertEqual(d.path, f"/dev/accel/{d.node}")
        self.assertEqual(d.backend, "embedded")
        self.assertEqual(d.open_error, 0)
        self.assertTrue(d.desc)

    def test_accel_nodes_only_by_default(self):
        self.assertTrue(all(d.is_accel for d in self.devices))

    def test_drm_nodes_on_request(self):
        every = accel.devices(include_drm=True)
        self.assertTrue(any(not d.is_accel for d in every))
        self.assertEqual([d for d in every if d.is_accel], self.devices)

    def test_sorted_by_minor(self):
        minors = [d.minor for d in self.devices]
        self.assertEqual(minors, sorted(minors))

    def test_session_opens_the_first_vnpu(self):
        with accel.Session(MODEL, batch=1) as s:
            self.assertEqual(s.device, self.vnpus[0].path)

    def test_session_on_a_device(self):
        with accel.Session(MODEL, device=self.vnpus[0], batch=1) as s:
            self.assertEqual(s.device, self.vnpus[0].path)

    def test_session_on_a_node_name(self):
        with accel.Session(MODEL, device=self.vnpus[0].node, batch=1) as s:
            self.assertEqual(s.device, self.vnpus[0].path)

    def test_session_refuses_a_device_that_is_no_vnpu(self):
        other = [d for d in self.devices if d.driver != "vnpu"]
        self.assertTrue(other)
        with self.assertRaises(OSError) as e:
            accel.Session(MODEL, device=other[0])
        self.assertEqual(e.exception.errno, errno.ENODEV)

    def test_session_on_a_missing_node(self):
        with self.assertRaises(OSError) as e:
            accel.Session(MODEL, device="accel99")
        self.assertEqual(e.exception.errno, errno.ENOENT)
        self.assertIn("/dev/accel/accel99", str(e.exception))



class Library(unittest.TestCase):
    def test_library_named_by_accel_library_must_exist(self):
        env = dict(os.environ, ACCEL_LIBRARY="/nonexistent/libaccel_python.so")
        r = subprocess.run([sys.executable, "-c", "import accel; accel.devices()"], env=env,
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("OSError: libaccel_python.so not found (tried "
                      "/nonexistent/libaccel_python.so)", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=[sys.argv[0]] + sys.argv[1:])
