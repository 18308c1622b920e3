# SPDX-License-Identifier: MIT
"""accel.torch: a PyTorch module on the vnpu.

    import accel.torch
    npu = accel.torch.compile(model, (torch.randn(8, 1, 28, 28),))
    logits = npu(images)                  # torch tensors in, torch tensors out

compile() exports the module to ONNX in memory (torch.onnx.export, as in eval mode), compiles
that onto the vnpu (accel.Session) and returns a callable. Inputs of another shape or dtype
than the examples' are exported and compiled again on first use, as torch.compile traces
again on new shapes.
"""

import collections
import io

try:
    import torch as _torch
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError("accel.torch needs PyTorch (Debian python3-torch)") from e

from .session import Session

# The ONNX operator set the export asks for: that of the models the compiler is tested on
# (models/fashion_mnist).
OPSET = 13

# A compiled module keeps the programs of this many input signatures (shapes and dtypes); the
# least recently called goes first.
MAX_SIGNATURES = 8


def compile(module, example_inputs, device=None):
    """@module (a torch.nn.Module) compiled for the vnpu, traced with @example_inputs (a
    tensor or a tuple of tensors, the module's positional arguments). @device: as
    accel.Session's. Returns a CompiledModule: call it with tensors as you would the module;
    it returns a tensor, or a tuple of tensors when the module returns several.

    Raises TypeError for arguments that are not tensors, RuntimeError (torch's) when the
    module cannot be exported, OSError when the compiler or the device refuses the model."""
    return CompiledModule(module, example_inputs, device)


class _Program:
    """The export of one input signature: its session and how its outputs come back."""

    def __init__(self, session, inputs, outputs, single):
        self.session = session
        self.inputs = inputs      # [(argument index, graph input name)]
        self.outputs = outputs    # graph output names, in the module's order
        self.single = single      # the module returns one tensor, not a tuple


def _as_args(inputs, what):
    args = (inputs,) if isinstance(inputs, _torch.Tensor) else tuple(inputs)
    for i, a in enumerate(args):
        if not isinstance(a, _torch.Tensor):
            raise TypeError(f"{what} {i}: a torch.Tensor, not {type(a).__name__}")
    return args


class CompiledModule:
    """A torch.nn.Module running on the vnpu (accel.torch.compile())."""

    def __init__(self, module, example_inputs, device=None):
        if not isinstance(module, _torch.nn.Module):
            raise TypeError(f"compile() takes a torch.nn.Module, not {type(module).__name__}")
        self.module = module
        self.device = device
        self._programs = collections.OrderedDict()
        self._program(_as_args(example_inputs, "example input"))

    @staticmethod
    def _signature(args):
        return tuple((tuple(a.shape), a.dtype) for a in args)

    def _program(self, args):
        key = self._signature(args)
        program = self._programs.get(key)
        if program is None:
            program = self._programs[key] = self._export(args)
            while len(self._programs) > MAX_SIGNATURES:
                self._programs.popitem(last=False)[1].session.close()
        self._programs.move_to_end(key)
        return program

    def _export(self, args):
        # What the module returns (a tensor or a tuple of them) decides what a call returns.
        with _torch.no_grad():
            eager = self.module(*args)
        single = isinstance(eager, _torch.Tensor)
        results = (eager,) if single else tuple(eager)
        for i, r in enumerate(results):
            if not isinstance(r, _torch.Tensor):
                raise TypeError(f"the module's output {i} is a {type(r).__name__}: only "
                                "tensors, or a tuple or list of them, can come back")
        in_names = [f"input_{i}" for i in range(len(args))]
        out_names = [f"output_{i}" for i in range(len(results))]
        onnx = io.BytesIO()
        with _torch.no_grad():
            _torch.onnx.export(self.module, args, onnx, opset_version=OPSET,
                               input_names=in_names, output_names=out_names,
                               do_constant_folding=True)
        session = Session(onnx.getvalue(), device=self.device)
        # The exporter drops arguments the graph does not read.
        graph_inputs = {t.name for t in session.inputs}
        inputs = [(i, n) for i, n in enumerate(in_names) if n in graph_inputs]
        return _Program(session, inputs, out_names, single)

    @property
    def sessions(self):
        """The accel.Session of each input signature compiled so far, oldest first."""
        return [p.session for p in self._programs.values()]

    def __call__(self, *args):
        args = _as_args(args, "argument")
        program = self._program(args)
        feeds = {name: args[i].detach().cpu().contiguous().numpy()
                 for i, name in program.inputs}
        out = program.session.run(feeds)
        results = tuple(_torch.from_numpy(out[name]) for name in program.outputs)
        return results[0] if program.single else results

    def close(self):
        """Free every compiled program (also done when the object is collected)."""
        for p in self._programs.values():
            p.session.close()
        self._programs.clear()

    def __repr__(self):
        return f"accel.torch.CompiledModule({type(self.module).__name__}, " \
               f"{len(self._programs)} signature(s))"
