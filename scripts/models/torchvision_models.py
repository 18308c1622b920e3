#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Export torchvision's ResNet-18, MobileNetV2 and SqueezeNet 1.1 with fixed-seed weights.

No weights can be downloaded here, so each network is torchvision's architecture (Debian
python3-torchvision) with the weights its constructor initialises, drawn after
torch.manual_seed(SEED): a rerun gives the same weights. BatchNorm's running statistics are
then given seeded values too (fresh ones are mean 0, variance 1, which would let the
exporter's folding of BatchNorm into the convolutions go untested). For each NAME (default:
all three) it writes, under OUT/NAME (default models/NAME):

  model.onnx                   the network in eval mode (opset 13, input "image"
                               [batch, 3, 224, 224] float, output "logits" [batch, 1000];
                               the batch axis is symbolic, named "batch")
  test_data_set_0/input_0.pb   one seeded image, batch 1 (standard normal values)
  test_data_set_0/output_0.pb  PyTorch's logits for it

The files are larger than the repository takes (> 5 MB each), so they are not committed:
`make models` generates them (models/README.md). bench/peers/torch_bench.py builds the same
modules through build_model() for the PyTorch side of `make bench-models`.
"""
import argparse
import os

import torch
import torchvision
from onnx import numpy_helper

SEED = 20261202
NAMES = ("resnet18", "mobilenet_v2", "squeezenet1_1")
IMAGE = (3, 224, 224)


def build_model(name):
    """torchvision's NAME with seeded weights and BatchNorm statistics, in eval mode."""
    if name not in NAMES:
        raise ValueError(f"unknown model {name}: one of {', '.join(NAMES)}")
    torch.manual_seed(SEED)
    model = getattr(torchvision.models, name)(weights=None)
    gen = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=gen) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(n, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(n, generator=gen) * 0.1)
    return model.eval()


def example_input(batch=1):
    """The reference image (batch 1) or a batch of seeded images: standard normal values."""
    gen = torch.Generator().manual_seed(SEED + 2)
    return torch.randn((batch,) + IMAGE, generator=gen)


def write_tensor(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def export(name, out):
    model = build_model(name)
    x = example_input()
    ref = os.path.join(out, "test_data_set_0")
    os.makedirs(ref, exist_ok=True)
    torch.onnx.export(model, x, os.path.join(out, "model.onnx"), opset_version=13,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    with torch.no_grad():
        logits = model(x).numpy()
    write_tensor(os.path.join(ref, "input_0.pb"), x.numpy(), "image")
    write_tensor(os.path.join(ref, "output_0.pb"), logits, "logits")
    print(f"{name}: {out}/model.onnx, logits range [{logits.min():.3g}, {logits.max():.3g}]",
          flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="models", help="the directory of the models' directories")
    ap.add_argument("names", nargs="*", default=list(NAMES), help=", ".join(NAMES))
    args = ap.parse_args()
    # One thread: the same sums in the same order on any machine.
    torch.set_num_threads(1)
    for name in args.names:
        export(name, os.path.join(args.out, name))


if __name__ == "__main__":
    main()
