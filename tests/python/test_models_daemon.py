# SPDX-License-Identifier: MIT
"""test_models.py's checks through acceld: every model of models/ loaded by accel.Session on
the vnpu of a daemon's root (ACCEL_BACKEND=daemon) matches its reference outputs, and the
daemon stops cleanly afterwards. $ACCELD names the daemon; skipped without it."""

import os
import sys
import unittest

import support

support.require("numpy")
if not os.environ.get("ACCELD"):
    print("test_models_daemon: $ACCELD (the acceld binary) not set: skipped")
    sys.exit(77)

import test_models  # noqa: E402  (the module, so that its own test class is not run here)

daemon = None


def setUpModule():
    global daemon
    daemon = support.Daemon()


class ModelsThroughAcceld(test_models.ModelsThroughPython):
    @classmethod
    def tearDownClass(cls):
        # Asserted here and not in a module teardown, whose failures unittest reports too,
        # but after every model ran on the daemon.
        global daemon
        status, daemon = daemon.stop(), None
        if status != 0:
            raise AssertionError(f"acceld exited {status} after SIGTERM, not 0")


if __name__ == "__main__":
    unittest.main()
