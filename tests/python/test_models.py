# SPDX-License-Identifier: MIT
"""Every model of models/ through the Python package: accel.Session loads it (the input
shapes taken from its reference data, as `accel run --data` takes them) and its outputs match
the reference outputs within `accel run`'s default tolerances. The committed models always
run; the generated ones (`make models`: ResNet-18, MobileNetV2, the transformer encoder,
PP-OCRv4) when they are there, each skipped otherwise."""

import os
import unittest

import support

support.require("numpy")
support.private_root()

import numpy as np  # noqa: E402

import accel  # noqa: E402
import onnx_tensor  # noqa: E402

MODELS = os.path.join(support.REPO, "models")
RTOL, ATOL = 1e-3, 1e-4

# (name, model file, reference data directory), relative to models/.
CASES = [
    ("fashion_mnist", "fashion_mnist/model.onnx", "fashion_mnist/test_data_set_0"),
    ("squeezenet1_1", "squeezenet1_1/model.onnx", "squeezenet1_1/test_data_set_0"),
    ("lstm_classifier", "lstm_classifier/model.onnx", "lstm_classifier/test_data_set_0"),
    ("resnet18", "resnet18/model.onnx", "resnet18/test_data_set_0"),
    ("mobilenet_v2", "mobilenet_v2/model.onnx", "mobilenet_v2/test_data_set_0"),
    ("transformer_encoder", "transformer_encoder/model.onnx",
     "transformer_encoder/test_data_set_0"),
    ("ppocr_det", "ppocr/det.onnx", "ppocr/det_data"),
    ("ppocr_rec", "ppocr/rec.onnx", "ppocr/rec_data"),
]
COMMITTED = {"fashion_mnist", "squeezenet1_1", "lstm_classifier"}


def numbered(directory, prefix):
    """The (name, array) of DIR/PREFIX_0.pb, PREFIX_1.pb, ... in order."""
    tensors = []
    while True:
        path = os.path.join(directory, f"{prefix}_{len(tensors)}.pb")
        if not os.path.exists(path):
            return tensors
        tensors.append(onnx_tensor.read(path))


class ModelsThroughPython(unittest.TestCase):
    def check(self, name, model, data):
        model, data = os.path.join(MODELS, model), os.path.join(MODELS, data)
        if not os.path.exists(model) or not os.path.isdir(data):
            if name in COMMITTED:
                self.fail(f"{model}: a committed model is missing")
            self.skipTest(f"{name} not generated (make models)")
        inputs, outputs = numbered(data, "input"), numbered(data, "output")
        self.assertTrue(inputs and outputs, f"{data}: no reference data")
        # The reference data names its tensors (ONNX's test data layout): every symbolic
        # dimension of an input is set from its array's shape.
        self.assertTrue(all(n for n, _ in inputs), f"{data}: an input without its name")
        shapes = {n: tuple(a.shape) for n, a in inputs}
        with accel.Session(model, shapes=shapes) as s:
            self.assertEqual([t.name for t in s.inputs], [n for n, _ in inputs])
            out_names = [t.name for t in s.outputs]
            got = s.run({n: a for n, a in inputs})
        self.assertEqual(list(got), out_names)
        for n, (_, expected) in zip(out_names, outputs):
            self.assertEqual(got[n].shape, expected.shape, n)
            np.testing.assert_allclose(got[n], expected, rtol=RTOL, atol=ATOL, err_msg=n)


def add_case(name, model, data):
    setattr(ModelsThroughPython, f"test_{name}_matches_its_reference",
            lambda self: self.check(name, model, data))


for case in CASES:
    add_case(*case)

if __name__ == "__main__":
    unittest.main()
