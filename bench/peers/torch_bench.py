#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""PyTorch's side of `make bench-models` (scripts/bench-models.sh): one model, eager.

    /usr/bin/python3 bench/peers/torch_bench.py NAME BATCH THREADS ITERATIONS [WARMUP]

NAME is fashion_mnist (scripts/models/fashion_mnist.py's FashionCNN), a torchvision model
of scripts/models/torchvision_models.py (resnet18, mobilenet_v2, squeezenet1_1) or a sequence
model of scripts/models/sequence_models.py (transformer_encoder, lstm_classifier), built the
same way as the exported ONNX file: the plain eager module in eval mode, under
torch.no_grad(), torch.set_num_threads(THREADS) (and one inter-op thread); the transformer
encoder thus takes PyTorch's fused inference path, as a user's would. Timing the
architecture needs no trained weights: FashionCNN gets seeded ones. The input is a seeded
batch of BATCH images or sequences. WARMUP runs (default 3), then ITERATIONS timed calls of the module.
Prints one JSON line: {"runtime": "pytorch VERSION", "model", "batch", "threads",
"iterations", "median_ms", "min_ms", "max_ms"}.
"""
import json
import os
import statistics
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "models"))



def build(name):
    """The module of NAME in eval mode and the shape of one input (image or sequence)."""
    if name == "fashion_mnist":
        import fashion_mnist
        torch.manual_seed(fashion_mnist.SEED)
        return fashion_mnist.FashionCNN().eval(), (1, 28, 28)
    import sequence_models
    if name in sequence_models.NAMES:
        return sequence_models.build_model(name), sequence_models.SPECS[name][2]
    # torchvision is imported only for its models: the others need python3-torch alone.
    import torchvision_models
    return torchvision_models.build_model(name), torchvision_models.IMAGE


def positive(s):
    v = int(s)
    if v < 1:
        raise ValueError(f"{s}: not a positive integer")
    return v


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__.splitlines()[2].strip())
    name = sys.argv[1]
    batch, threads, iterations = (positive(a) for a in sys.argv[2:5])
    warmup = positive(sys.argv[5]) if len(sys.argv) == 6 else 3
    # Inter-op threads are set before any parallel work starts, or not at all.
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)

    model, shape = build(name)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn((batch,) + tuple(shape), generator=gen)
    ms = []
    with torch.no_grad():
        for _ in range(warmup):
            model(x)
        for _ in range(iterations):
            t0 = time.perf_counter_ns()
            model(x)
            ms.append((time.perf_counter_ns() - t0) / 1e6)
    print(json.dumps({"runtime": f"pytorch {torch.__version__}", "model": name, "batch": batch,
                      "threads": threads, "iterations": iterations,
                      "median_ms": round(statistics.median(ms), 3),
                      "min_ms": round(min(ms), 3), "max_ms": round(max(ms), 3)}))


if __name__ == "__main__":
    main()
