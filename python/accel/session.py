# SPDX-License-Identifier: MIT
"""accel.Session: a model (ONNX or program file) on a vnpu, run on numpy arrays."""

import collections
import collections.abc
import ctypes
import errno
import numbers
import os
import threading
import weakref
from typing import NamedTuple, Optional

from . import _dtypes, _lib
from .devices import Device

np = _dtypes.np

# A session of a model whose batch is symbolic keeps the programs of this many batch sizes
# (each holds its own constants and buffers on the device); the least recently run goes first.
MAX_BATCHES = 4


class TensorInfo(NamedTuple):
    """A graph input or output.

    name: its name in the model; dtype: numpy's dtype (None for bfloat16, which numpy
    lacks); shape: a tuple, whose first item is None for a batch the session chooses per run
    (Session, ``batch``); onnx_type: ONNX's TensorProto.DataType (1 float, 7 int64...).
    """
    name: str
    dtype: Optional[object]
    shape: tuple
    onnx_type: int


class _Model:
    """One accelrt model with one set of bindings (accel_py_model_*): one compiled batch."""

    def __init__(self, lib, dev, path, shown_path, batch, shapes=None):
        err = _lib.err_buffer()
        handle = ctypes.c_void_p()
        shapes = shapes or {}
        n = len(shapes)
        names = (ctypes.c_char_p * max(n, 1))(*[k.encode() for k in shapes])
        ranks = (ctypes.c_int * max(n, 1))(*[len(v) for v in shapes.values()])
        flat = [d for v in shapes.values() for d in v]
        dims = (ctypes.c_int64 * max(len(flat), 1))(*flat)
        ret = lib.accel_py_model_load(dev, os.fsencode(path), batch, names, ranks, dims, n,
                                      err, len(err), ctypes.byref(handle))
        if ret < 0:
            # The compiler's message, naming the model as the caller knows it.
            msg = err.value.decode(errors="replace").replace(path, shown_path)
            if msg and shown_path not in msg:
                msg = f"{shown_path}: {msg}"
            err.value = msg.encode()
        _lib.check(ret, f"loading {shown_path}", err)
        self.lib = lib
        self.handle = handle
        try:
            self.inputs = self._tensors(0)
            self.outputs = self._tensors(1)
            self.input_views = [self._view(0, i, t) for i, t in enumerate(self.inputs)]
            self.output_views = [self._view(1, i, t) for i, t in enumerate(self.outputs)]
        except BaseException:
            self.free()
            raise

    def _tensors(self, output):
        lib, tensors = self.lib, []
        for i in range(lib.accel_py_model_tensors(self.handle, output)):
            name, dtype, rank = ctypes.c_char_p(), ctypes.c_int(), ctypes.c_int()
            dims, nbytes = ctypes.POINTER(ctypes.c_int64)(), ctypes.c_uint64()
            _lib.check(lib.accel_py_model_tensor(self.handle, output, i, ctypes.byref(name),
                                                 ctypes.byref(dtype), ctypes.byref(rank),
                                                 ctypes.byref(dims), ctypes.byref(nbytes)),
                       f"{'output' if output else 'input'} {i}")
            tensors.append((TensorInfo(name.value.decode(), _dtypes.to_numpy(dtype.value),
                                       tuple(dims[d] for d in range(rank.value)), dtype.value),
                            nbytes.value))
        return tensors

    def _view(self, output, i, tensor):
        """A numpy array over the bindings' mapping of the tensor (None for bfloat16)."""
        info, nbytes = tensor
        if info.dtype is None:
            return None
        if nbytes == 0:
            return np.empty(info.shape, info.dtype)
        addr = self.lib.accel_py_model_map(self.handle, output, i)
        if not addr:
            raise OSError(errno.EINVAL, f"no mapping of {'output' if output else 'input'} "
                          f"'{info.name}'")
        buf = (ctypes.c_char * nbytes).from_address(addr)
        return np.frombuffer(buf, dtype=info.dtype).reshape(info.shape)

    def run(self):
        err = _lib.err_buffer()
        _lib.check(self.lib.accel_py_model_run(self.handle, err, len(err)), "run", err)

    def free(self):
        if self.handle:
            self.input_views = self.output_views = None
            self.lib.accel_py_model_free(self.handle)
            self.handle = None


def _release(lib, dev, models, memfd):
    """Free what a session holds: its models, then its device (weakref.finalize)."""
    for m in models.values():
        m.free()
    models.clear()
    lib.accel_py_device_close(dev)
    if memfd is not None:
        os.close(memfd)


def _device_node(device):
    """The node path Session's @device names: None, a Device, "accel0" or a path."""
    if device is None:
        return None
    if isinstance(device, Device):
        return device.path
    device = os.fspath(device)
    if "/" not in device:
        return "/dev/accel/" + device
    return device


class Session:
    """A model on a vnpu, run on numpy arrays.

    model: the path of an ONNX model (compiled now) or of a program file (`accel compile`'s),
    or the bytes of either. device: the vnpu: None (the first vnpu accel.devices() lists), a
    Device, a node name ("accel0") or a path ("/dev/accel/accel0"). batch: the value of a
    symbolic first input dimension; None: a model with such a dimension is compiled again for
    the batch of each run's inputs (the last MAX_BATCHES kept), and its TensorInfo shapes say
    None there. shapes: {input name: tuple of every dimension} for an ONNX model whose inputs
    have symbolic dimensions other than the batch (an image's height and width...): the model
    is compiled for those shapes (a wrong name, rank or dimension raises OSError with the
    compiler's message; a shape that is not a sequence of positive integers, ValueError).

    The session holds one set of buffers: runs from several threads take turns. Raises
    OSError (FileNotFoundError...) with the compiler's or runtime's message when the model
    cannot be read, compiled or placed on the device.
    """

    def __init__(self, model, device=None, batch=None, shapes=None):
        if np is None:
            raise ImportError("accel.Session needs numpy (Debian python3-numpy)")
        if batch is not None:
            if isinstance(batch, bool) or not isinstance(batch, numbers.Integral) or batch < 1:
                raise ValueError(f"batch {batch!r}: a positive integer or None")
            batch = int(batch)
        self._shapes = _check_shapes(shapes)
        self._lib = lib = _lib.lib()
        memfd = None
        if isinstance(model, (bytes, bytearray, memoryview)):
            # In memory: a memfd stands for the file the loader reads.
            memfd = os.memfd_create("accel-model", os.MFD_CLOEXEC)
            with open(memfd, "wb", closefd=False) as f:
                f.write(model)
            self._path = f"/proc/self/fd/{memfd}"
            self._shown = "<model bytes>"
            self.model_path = None
        else:
            self._path = self._shown = self.model_path = os.fspath(model)

        path = ctypes.create_string_buffer(256)
        dev = ctypes.c_void_p()
        node = _device_node(device)
        try:
            _lib.check(lib.accel_py_device_open(node.encode() if node else None, path,
                                                len(path), ctypes.byref(dev)),
                       f"opening {node or 'the first vnpu'}", filename=node)
        except BaseException:
            if memfd is not None:
                os.close(memfd)
            raise
        self.device = path.value.decode()
        self._dev = dev
        self._models = collections.OrderedDict()
        self._finalizer = weakref.finalize(self, _release, lib, dev, self._models, memfd)
        self._lock = threading.Lock()
        self._dynamic = False
        try:
            self._load_first(batch)
        except BaseException:
            self.close()
            raise

    def _load(self, batch):
        return _Model(self._lib, self._dev, self._path, self._shown, batch, self._shapes)

    def _load_first(self, batch):
        if batch is not None:
            self._models[batch] = first = self._load(batch)
        else:
            try:
                self._models[0] = first = self._load(0)
            except OSError as e:
                if e.errno != errno.EINVAL:
                    raise
                # A symbolic batch is -EINVAL without a batch: compiled for one image, it
                # loads (any other fault fails again, with its own message).
                self._models[1] = first = self._load(1)
                self._dynamic = True
        self._inputs = [self._public(t) for t, _ in first.inputs]
        self._outputs = [self._public(t) for t, _ in first.outputs]

    def _public(self, info):
        """@info as the session shows it: a symbolic batch is None."""
        if self._dynamic and info.shape and info.shape[0] == 1:
            return info._replace(shape=(None,) + info.shape[1:])
        return info

    @property
    def inputs(self):
        """The graph's inputs: a list of TensorInfo."""
        return list(self._inputs)

    @property
    def outputs(self):
        """The graph's outputs: a list of TensorInfo."""
        return list(self._outputs)

    def close(self):
        """Free the model and close the device (also done when the session is collected)."""
        self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _check_open(self):
        if not self._finalizer.alive:
            raise ValueError("the session is closed")

    def _batch_of(self, arrays):
        """The batch of a run's @arrays, for a model compiled per batch."""
        for info in self._inputs:
            if info.shape and info.shape[0] is None:
                shape = arrays[info.name].shape
                if not shape or shape[0] < 1:
                    raise ValueError(f"input '{info.name}': shape {shape}, the model takes "
                                     f"{_shape_text(info.shape)} with a batch of 1 or more")
                return shape[0]
        return 1

    def _model_for(self, arrays):
        if not self._dynamic:
            return next(iter(self._models.values()))
        batch = self._batch_of(arrays)
        model = self._models.get(batch)
        if model is None:
            model = self._load(batch)
            self._models[batch] = model
            while len(self._models) > MAX_BATCHES:
                self._models.popitem(last=False)[1].free()
        self._models.move_to_end(batch)
        return model

    def _arrays(self, feeds):
        """The run's inputs as numpy arrays, checked against the graph's names."""
        if not isinstance(feeds, collections.abc.Mapping):
            raise TypeError(f"run() takes a dict of input name to array, not "
                            f"{type(feeds).__name__}")
        names = [t.name for t in self._inputs]
        for name in feeds:
            if name not in names:
                raise ValueError(f"unknown input '{name}': the model's inputs are "
                                 f"{', '.join(names)}")
        missing = [n for n in names if n not in feeds]
        if missing:
            raise ValueError(f"missing input{'s' if len(missing) > 1 else ''} "
                             f"{', '.join(repr(n) for n in missing)}")
        arrays = {}
        for info in self._inputs:
            arr = arrays[info.name] = np.asarray(feeds[info.name])
            if info.dtype is None:
                raise ValueError(f"input '{info.name}': {_dtypes.onnx_name(info.onnx_type)} "
                                 "has no numpy dtype")
            if arr.dtype != info.dtype:
                raise ValueError(f"input '{info.name}': dtype {arr.dtype}, the model takes "
                                 f"{info.dtype}")
            if len(arr.shape) != len(info.shape) or \
                    any(d is not None and a != d for a, d in zip(arr.shape, info.shape)):
                raise ValueError(f"input '{info.name}': shape {arr.shape}, the model takes "
                                 f"{_shape_text(info.shape)}")
        return arrays

    def run(self, feeds, output_names=None):
        """One inference: @feeds maps every input's name to an array of its dtype and shape;
        returns {output name: new numpy array}, every output or those of @output_names.
        Raises ValueError naming the input or output at fault, OSError for a failed run."""
        self._check_open()
        arrays = self._arrays(feeds)
        with self._lock:
            self._check_open()
            model = self._model_for(arrays)
            wanted = self._wanted(model, output_names)
            for (info, _), view in zip(model.inputs, model.input_views):
                arr = arrays[info.name]
                # Inputs of one batch: each has the shape compiled for the first one's.
                if arr.shape != info.shape:
                    raise ValueError(f"input '{info.name}': shape {arr.shape}, the model "
                                     f"compiled for this batch takes {info.shape}")
                np.copyto(view, arr)
            model.run()
            return {info.name: view.copy()
                    for (info, _), view in zip(model.outputs, model.output_views)
                    if info.name in wanted}

    def _wanted(self, model, output_names):
        names = [info.name for info, _ in model.outputs]
        if output_names is None:
            output_names = names
        elif isinstance(output_names, str):
            raise TypeError("output_names: a list of names, not a string")
        for name in output_names:
            if name not in names:
                raise ValueError(f"unknown output '{name}': the model's outputs are "
                                 f"{', '.join(names)}")
        for (info, _), view in zip(model.outputs, model.output_views):
            if info.name in output_names and view is None:
                raise ValueError(f"output '{info.name}': {_dtypes.onnx_name(info.onnx_type)} "
                                 "has no numpy dtype")
        return set(output_names)

    def __repr__(self):
        state = "" if self._finalizer.alive else ", closed"
        what = self.model_path if self.model_path is not None else "<bytes>"
        return f"accel.Session({what!r}, device={self.device!r}{state})"


def _check_shapes(shapes):
    """Session's @shapes as {name: tuple of ints}, or ValueError/TypeError."""
    if shapes is None:
        return {}
    if not isinstance(shapes, collections.abc.Mapping):
        raise TypeError(f"shapes: a dict of input name to shape, not {type(shapes).__name__}")
    out = {}
    for name, shape in shapes.items():
        if not isinstance(name, str):
            raise TypeError(f"shapes: input names are strings, not {name!r}")
        if isinstance(shape, (str, bytes)) or not isinstance(shape, collections.abc.Sequence) \
                or not shape or any(isinstance(d, bool) or not isinstance(d, numbers.Integral)
                                    or d < 1 for d in shape):
            raise ValueError(f"shapes['{name}'] = {shape!r}: a sequence of positive integers")
        out[name] = tuple(int(d) for d in shape)
    return out


def _shape_text(shape):
    return "(" + ", ".join("batch" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"
