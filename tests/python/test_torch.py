# SPDX-License-Identifier: MIT
"""accel.torch.compile: PyTorch modules exported to ONNX in memory, compiled onto the vnpu and
called with torch tensors, against the same modules run by PyTorch (eager, eval mode): a
Linear+ReLU stack, a small CNN, several inputs and outputs, inputs of new shapes, and the
errors. Skipped without numpy or PyTorch."""

import sys
import unittest

import support

support.require("numpy", "torch")
support.private_root()

import torch  # noqa: E402

import accel  # noqa: E402
import accel.torch  # noqa: E402

# `accel run`'s default tolerances (docs/compiler.md).
RTOL, ATOL = 1e-3, 1e-4


class TwoHeads(torch.nn.Module):
    """Two inputs, two outputs, one of them an integer tensor."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(6, 3)

    def forward(self, a, b):
        y = self.fc(a) * b
        return y, y.argmax(dim=1)


class CompileModules(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def assert_matches(self, module, *args):
        npu = accel.torch.compile(module, args)
        with torch.no_grad():
            expected = module(*args)
        got = npu(*args)
        self.assertIsInstance(got, torch.Tensor)
        self.assertEqual(got.dtype, expected.dtype)
        torch.testing.assert_close(got, expected, rtol=RTOL, atol=ATOL)
        return npu

    def test_linear_relu(self):
        mlp = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(),
                                  torch.nn.Linear(32, 4), torch.nn.ReLU())
        self.assert_matches(mlp, torch.randn(5, 16))

    def test_small_cnn(self):
        cnn = torch.nn.Sequential(
            torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
            torch.nn.MaxPool2d(2), torch.nn.Conv2d(8, 16, 3), torch.nn.ReLU(),
            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(16, 10)).eval()
        # BatchNorm with statistics of its own, not the identity a fresh one is.
        with torch.no_grad():
            cnn[1].running_mean.uniform_(-0.5, 0.5)
            cnn[1].running_var.uniform_(0.5, 2)
        self.assert_matches(cnn, torch.randn(4, 1, 28, 28))

    def test_example_inputs_as_one_tensor(self):
        lin = torch.nn.Linear(3, 2)
        x = torch.randn(2, 3)
        npu = accel.torch.compile(lin, x)
        with torch.no_grad():
            torch.testing.assert_close(npu(x), lin(x), rtol=RTOL, atol=ATOL)

    def test_several_inputs_and_outputs(self):
        module = TwoHeads()
        a, b = torch.randn(4, 6), torch.rand(4, 3) + 0.5
        npu = accel.torch.compile(module, (a, b))
        got = npu(a, b)
        with torch.no_grad():
            expected = module(a, b)
        self.assertIsInstance(got, tuple)
        self.assertEqual(len(got), 2)
        torch.testing.assert_close(got[0], expected[0], rtol=RTOL, atol=ATOL)
        self.assertEqual(got[1].dtype, torch.int64)
        torch.testing.assert_close(got[1], expected[1])

    def test_new_shape_compiled_on_first_call(self):
        mlp = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.ReLU())
        npu = self.assert_matches(mlp, torch.randn(2, 8))
        x = torch.randn(7, 8)
        with torch.no_grad():
            torch.testing.assert_close(npu(x), mlp(x), rtol=RTOL, atol=ATOL)
        self.assertEqual([s.inputs[0].shape for s in npu.sessions], [(2, 8), (7, 8)])

    def test_inputs_that_require_grad(self):
        lin = torch.nn.Linear(4, 4)
        x = torch.randn(3, 4, requires_grad=True)
        npu = accel.torch.compile(lin, x)
        with torch.no_grad():
            torch.testing.assert_close(npu(x), lin(x), rtol=RTOL, atol=ATOL)

    def test_not_a_module(self):
        with self.assertRaises(TypeError):
            accel.torch.compile(lambda x: x, (torch.zeros(1),))

    def test_argument_that_is_no_tensor(self):
        lin = torch.nn.Linear(2, 2)
        npu = accel.torch.compile(lin, torch.zeros(1, 2))
        with self.assertRaisesRegex(TypeError, "argument 0"):
            npu([[0.0, 0.0]])


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=[sys.argv[0]] + sys.argv[1:])
