# SPDX-License-Identifier: MIT
"""Reading ONNX's reference tensors (TensorProto .pb files, test_data_set_N/) into numpy
arrays, without the onnx package: the few protobuf fields a tensor uses."""

import numpy as np

# TensorProto.DataType -> numpy's type (float16 and bfloat16 are read as their bits).
_NUMPY = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16, 6: np.int32,
          7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64, 12: np.uint32,
          13: np.uint64, 16: np.uint16}


def _varint(buf, pos):
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7f) << shift
        shift += 7
        if not b & 0x80:
            return value, pos


def _signed(v):
    return v - (1 << 64) if v >= 1 << 63 else v


def _fields(buf):
    """(field number, wire type, value) of each field of a message: an int, or bytes."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"wire type {wire}")
        yield field, wire, value


def _ints(wire, value):
    """The integers of a repeated integer field: one (varint) or packed."""
    if wire == 0:
        return [value]
    out, pos = [], 0
    while pos < len(value):
        v, pos = _varint(value, pos)
        out.append(v)
    return out


def read(path):
    """The tensor in the TensorProto file at @path: (name, numpy array)."""
    with open(path, "rb") as f:
        buf = f.read()
    dims, dtype, name, raw = [], None, "", None
    ints, floats, doubles = [], [], []
    for field, wire, value in _fields(buf):
        if field == 1:
            dims += [_signed(v) for v in _ints(wire, value)]
        elif field == 2:
            dtype = value
        elif field == 4:
            floats.append(np.frombuffer(bytes(value), "<f4"))
        elif field in (5, 7, 11):
            ints += _ints(wire, value)
        elif field == 8:
            name = value.decode()
        elif field == 9:
            raw = bytes(value)
        elif field == 10:
            doubles.append(np.frombuffer(bytes(value), "<f8"))
    np_type = _NUMPY[dtype]
    if raw is not None:
        arr = np.frombuffer(raw, np_type).copy()
    elif floats:
        arr = np.concatenate(floats).astype(np_type)
    elif doubles:
        arr = np.concatenate(doubles).astype(np_type)
    elif dtype == 10:
        arr = np.array(ints, np.uint16).view(np.float16)
    else:
        arr = np.array([_signed(v) if dtype == 7 else v for v in ints]).astype(np_type)
    return name, arr.reshape(dims)
