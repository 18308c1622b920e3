# SPDX-License-Identifier: MIT
"""ONNX element types (TensorProto.DataType, what the runtime reports) and numpy's dtypes."""

try:
    import numpy as np
except ImportError:  # accel.devices() works without numpy; a Session says what it needs
    np = None

# TensorProto.DataType -> its name in ONNX's spelling.
ONNX_NAMES = {
    1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
    8: "string", 9: "bool", 10: "float16", 11: "double", 12: "uint32", 13: "uint64",
    14: "complex64", 15: "complex128", 16: "bfloat16",
}

# TensorProto.DataType -> numpy's type: every type the compiler takes but bfloat16, which
# numpy lacks.
_ONNX_TO_NUMPY = {
    1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
    9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64",
}


def to_numpy(onnx_type):
    """numpy's dtype for ONNX element type @onnx_type, or None when numpy has none."""
    name = _ONNX_TO_NUMPY.get(onnx_type)
    return np.dtype(name) if name and np is not None else None


def onnx_name(onnx_type):
    """ONNX's name of element type @onnx_type ("float", "int64"...)."""
    return ONNX_NAMES.get(onnx_type, f"type {onnx_type}")
