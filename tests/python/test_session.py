# SPDX-License-Identifier: MIT
"""accel.Session: the Fashion-MNIST CNN against PyTorch's reference logits, the graph's inputs
and outputs, a batch chosen per run, models as bytes and program files, the errors (ValueError
naming the input at fault, OSError with the compiler's message), and ONNX node tests of each
dtype numpy has, through the embedded core."""

import errno
import gc
import os
import subprocess
import sys
import tempfile
import threading
import unittest

import support

support.require("numpy")
support.private_root()

import numpy as np  # noqa: E402

import accel  # noqa: E402
import onnx_tensor  # noqa: E402

MODEL = os.path.join(support.FASHION_MNIST, "model.onnx")
DATA = os.path.join(support.FASHION_MNIST, "test_data_set_0")
# `accel run`'s default tolerances (docs/compiler.md).
RTOL, ATOL = 1e-3, 1e-4


def reference():
    """The 64 normalised test images and PyTorch's logits for them."""
    _, images = onnx_tensor.read(os.path.join(DATA, "input_0.pb"))
    _, logits = onnx_tensor.read(os.path.join(DATA, "output_0.pb"))
    return images, logits


class FashionMnist(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.images, cls.logits = reference()

    def assert_logits(self, out, expected):
        self.assertEqual(list(out), ["logits"])
        self.assertEqual(out["logits"].dtype, np.float32)
        np.testing.assert_allclose(out["logits"], expected, rtol=RTOL, atol=ATOL)

    def test_symbolic_batch_compiled_for_each_run(self):
        with accel.Session(MODEL) as s:
            self.assert_logits(s.run({"image": self.images}), self.logits)
            self.assert_logits(s.run({"image": self.images[:3]}), self.logits[:3])
            self.assert_logits(s.run({"image": self.images[10:11]}), self.logits[10:11])

    def test_fixed_batch(self):
        with accel.Session(MODEL, batch=64) as s:
            self.assertEqual(s.inputs[0].shape, (64, 1, 28, 28))
            self.assertEqual(s.outputs[0].shape, (64, 10))
            self.assert_logits(s.run({"image": self.images}), self.logits)

    def test_shapes_option_compiles_the_given_shape(self):
        with accel.Session(MODEL, shapes={"image": (3, 1, 28, 28)}) as s:
            self.assertEqual(s.inputs[0].shape, (3, 1, 28, 28))
            self.assert_logits(s.run({"image": self.images[:3]}), self.logits[:3])

    def test_inputs_and_outputs(self):
        with accel.Session(MODEL) as s:
            self.assertEqual(s.inputs, [accel.TensorInfo("image", np.dtype(np.float32),
                                                         (None, 1, 28, 28), 1)])
            self.assertEqual(s.outputs, [accel.TensorInfo("logits", np.dtype(np.float32),
                                                          (None, 10), 1)])

    def test_outputs_are_copies(self):
        with accel.Session(MODEL, batch=2) as s:
            first = s.run({"image": self.images[:2]})["logits"]
            s.run({"image": self.images[2:4]})
            np.testing.assert_allclose(first, self.logits[:2], rtol=RTOL, atol=ATOL)

    def test_model_from_bytes(self):
        with open(MODEL, "rb") as f:
            onnx = f.read()
        with accel.Session(onnx) as s:
            self.assert_logits(s.run({"image": self.images[:5]}), self.logits[:5])

    def test_non_contiguous_input(self):
        images = np.asfortranarray(self.images[:4])
        with accel.Session(MODEL) as s:
            self.assert_logits(s.run({"image": images}), self.logits[:4])

    def test_runs_from_threads_take_turns(self):
        s = accel.Session(MODEL, batch=8)
        results = {}

        def run(k):
            for _ in range(5):
                results[k] = s.run({"image": self.images[8 * k:8 * k + 8]})["logits"]

        threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for k in range(4):
            np.testing.assert_allclose(results[k], self.logits[8 * k:8 * k + 8], rtol=RTOL,
                                       atol=ATOL)
        s.close()

    @unittest.skipUnless(os.environ.get("ACCEL_CMD"), "ACCEL_CMD (the accel command) not set")
    def test_program_file(self):
        with tempfile.TemporaryDirectory() as tmp:
            prog = os.path.join(tmp, "fashion.prog")
            subprocess.run([os.environ["ACCEL_CMD"], "compile", MODEL, "--batch", "16", "-o",
                            prog], check=True, stdout=subprocess.DEVNULL)
            with accel.Session(prog) as s:
                self.assertEqual(s.inputs[0].shape, (16, 1, 28, 28))
                self.assert_logits(s.run({"image": self.images[:16]}), self.logits[:16])
            with self.assertRaises(OSError) as e:
                accel.Session(prog, batch=8)
            self.assertEqual(e.exception.errno, errno.EINVAL)
            self.assertIn("batch 16", str(e.exception))


class Errors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.session = accel.Session(MODEL, batch=2)
        cls.images = np.zeros((2, 1, 28, 28), np.float32)

    @classmethod
    def tearDownClass(cls):
        cls.session.close()

    def test_unknown_input_name(self):
        with self.assertRaisesRegex(ValueError, "unknown input 'img'.*image"):
            self.session.run({"image": self.images, "img": self.images})

    def test_missing_input(self):
        with self.assertRaisesRegex(ValueError, "missing input 'image'"):
            self.session.run({})

    def test_wrong_shape(self):
        with self.assertRaisesRegex(ValueError, r"input 'image': shape \(2, 1, 28, 27\), the "
                                    r"model takes \(2, 1, 28, 28\)"):
            self.session.run({"image": self.images[..., :27]})

    def test_wrong_rank(self):
        with self.assertRaisesRegex(ValueError, "input 'image': shape"):
            self.session.run({"image": self.images[0]})

    def test_wrong_dtype(self):
        with self.assertRaisesRegex(ValueError, "input 'image': dtype float64, the model "
                                    "takes float32"):
            self.session.run({"image": self.images.astype(np.float64)})

    def test_batch_of_dynamic_model_must_be_positive(self):
        with accel.Session(MODEL) as s:
            with self.assertRaisesRegex(ValueError, "input 'image'.*batch of 1 or more"):
                s.run({"image": np.zeros((0, 1, 28, 28), np.float32)})

    def test_feeds_not_a_dict(self):
        with self.assertRaises(TypeError):
            self.session.run([self.images])

    def test_unknown_output_name(self):
        with self.assertRaisesRegex(ValueError, "unknown output 'probs'.*logits"):
            self.session.run({"image": self.images}, output_names=["probs"])

    def test_selected_outputs(self):
        self.assertEqual(list(self.session.run({"image": self.images}, ["logits"])),
                         ["logits"])

    def test_missing_file(self):
        with self.assertRaises(FileNotFoundError) as e:
            accel.Session("/nonexistent/model.onnx")
        self.assertIn("/nonexistent/model.onnx", str(e.exception))

    def test_corrupt_model(self):
        with self.assertRaises(OSError) as e:
            accel.Session(b"not a model")
        self.assertEqual(e.exception.errno, errno.EINVAL)
        self.assertIn("<model bytes>", str(e.exception))
        self.assertNotIn("/proc/self/fd", str(e.exception))

    def test_bad_batch_option(self):
        for batch in (0, -1, 2.5, True):
            with self.assertRaises(ValueError):
                accel.Session(MODEL, batch=batch)

    def test_shapes_of_unknown_input(self):
        with self.assertRaises(OSError) as e:
            accel.Session(MODEL, shapes={"img": (1, 1, 28, 28)})
        self.assertEqual(e.exception.errno, errno.EINVAL)
        self.assertIn("'img', which is not an input", str(e.exception))

    def test_shapes_of_wrong_rank(self):
        with self.assertRaises(OSError) as e:
            accel.Session(MODEL, shapes={"image": (1, 28, 28)})
        self.assertIn("rank 3, the model's has rank 4", str(e.exception))

    def test_shapes_contradicting_the_model(self):
        with self.assertRaises(OSError) as e:
            accel.Session(MODEL, shapes={"image": (1, 1, 32, 28)})
        self.assertIn("dimension 2 is 28 in the model, the shape given says 32",
                      str(e.exception))

    def test_bad_shapes_option(self):
        for shapes in ({"image": (0, 1, 28, 28)}, {"image": "1x1"}, {"image": ()},
                       {"image": (1.5, 1, 28, 28)}):
            with self.assertRaises(ValueError):
                accel.Session(MODEL, shapes=shapes)
        with self.assertRaises(TypeError):
            accel.Session(MODEL, shapes=[(1, 1, 28, 28)])

    def test_collected_session_frees_its_device(self):
        s = accel.Session(MODEL, batch=2)
        finalizer = s._finalizer
        del s
        gc.collect()
        self.assertFalse(finalizer.alive)

    def test_closed_session(self):
        s = accel.Session(MODEL, batch=2)
        s.close()
        s.close()
        with self.assertRaisesRegex(ValueError, "closed"):
            s.run({"image": self.images})


def node_test(name):
    """An ONNX node test's model, inputs and expected outputs (in the graph's order)."""
    d = os.path.join(support.ONNX_NODE_TESTS, name)
    data = os.path.join(d, "test_data_set_0")
    files = sorted(os.listdir(data))
    read = [onnx_tensor.read(os.path.join(data, f)) for f in files]
    inputs = [a for f, (_, a) in zip(files, read) if f.startswith("input_")]
    outputs = [a for f, (_, a) in zip(files, read) if f.startswith("output_")]
    return os.path.join(d, "model.onnx"), inputs, outputs


@unittest.skipUnless(os.path.isdir(support.ONNX_NODE_TESTS), "libonnx-testdata not installed")
class Dtypes(unittest.TestCase):
    def check(self, name):
        model, inputs, expected = node_test(name)
        with accel.Session(model) as s:
            feeds = {t.name: a for t, a in zip(s.inputs, inputs)}
            for t, a in zip(s.inputs, inputs):
                self.assertEqual(t.dtype, a.dtype, t.name)
            out = s.run(feeds)
            self.assertEqual(len(out), len(expected))
            for t, e in zip(s.outputs, expected):
                self.assertEqual(out[t.name].dtype, e.dtype, t.name)
                if e.dtype.kind == "f":
                    np.testing.assert_allclose(out[t.name], e, rtol=RTOL, atol=ATOL)
                else:
                    np.testing.assert_array_equal(out[t.name], e)

    def test_bool(self):
        self.check("test_and2d")

    def test_bool_and_float(self):
        self.check("test_where_example")

    def test_int64_output(self):
        self.check("test_argmax_keepdims_random")

    def test_int64_input(self):
        self.check("test_gather_0")

    def test_uint8(self):
        self.check("test_add_uint8")

    def test_uint32(self):
        self.check("test_bitshift_left_uint32")

    def test_float16(self):
        self.check("test_cast_FLOAT_to_FLOAT16")

    def test_float16_to_double(self):
        self.check("test_cast_FLOAT16_to_DOUBLE")

    def test_bfloat16_output_has_no_numpy_dtype(self):
        model, inputs, _ = node_test("test_cast_FLOAT_to_BFLOAT16")
        with accel.Session(model) as s:
            self.assertIsNone(s.outputs[0].dtype)
            self.assertEqual(s.outputs[0].onnx_type, 16)
            with self.assertRaisesRegex(ValueError, "bfloat16 has no numpy dtype"):
                s.run({s.inputs[0].name: inputs[0]})

    def test_failed_run_says_why_and_the_session_goes_on(self):
        model, inputs, expected = node_test("test_gather_0")
        data, indices = inputs
        bad = indices.copy()
        bad[0] = 1000
        with accel.Session(model) as s:
            with self.assertRaises(OSError) as e:
                s.run({"data": data, "indices": bad})
            self.assertEqual(e.exception.errno, errno.EINVAL)
            self.assertIn("(Gather): index 1000 out of range", str(e.exception))
            out = s.run({"data": data, "indices": indices})
            np.testing.assert_array_equal(out[s.outputs[0].name], expected[0])

    def test_unsupported_op(self):
        model, _, _ = node_test("test_blackmanwindow")
        with self.assertRaises(OSError) as e:
            accel.Session(model)
        self.assertEqual(e.exception.errno, errno.EOPNOTSUPP)
        self.assertIn("BlackmanWindow", str(e.exception))


if __name__ == "__main__":
    unittest.main(verbosity=2, argv=[sys.argv[0]] + sys.argv[1:])
