# SPDX-License-Identifier: MIT
"""accel: models on the vnpu from Python (docs/python.md).

    import accel
    accel.devices()                                   # the accelerators: [Device...]
    s = accel.Session("model.onnx")                   # compiled onto the first vnpu
    s.run({"image": x})                               # {output name: numpy array}

    import accel.torch
    f = accel.torch.compile(module, (example,))       # a torch.nn.Module on the vnpu
    f(x)                                              # torch tensors in and out

The package calls libaccel_python.so (python/native/) through ctypes: libaccel's embedded
core runs in this process unless acceld serves the root, as for any libaccel client.
"""

from .devices import Device, devices
from .session import MAX_BATCHES, Session, TensorInfo

__all__ = ["Device", "devices", "Session", "TensorInfo", "MAX_BATCHES"]


def __getattr__(name):
    # accel.torch is imported on first use: importing PyTorch takes seconds, and many users
    # of the package never need it.
    if name == "torch":
        import importlib
        return importlib.import_module(".torch", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
