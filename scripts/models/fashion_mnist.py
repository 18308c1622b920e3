#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Train the Fashion-MNIST CNN and write what the tests check accel against.

Trains a small CNN with PyTorch (Debian python3-torch) on the training set of Debian's
dataset-fashion-mnist, with fixed seeds on one thread so that a rerun gives the same weights,
then writes, under OUT (default models/fashion_mnist):

  model.onnx                       the trained model in eval mode (opset 13, input "image"
                                   [batch, 1, 28, 28] float, normalised; output "logits"
                                   [batch, 10]; the batch axis is symbolic, named "batch")
  test_data_set_0/input_0.pb       the first 64 test images, normalised as the model expects
  test_data_set_0/output_0.pb      PyTorch's logits for them
  pytorch_predictions.txt          PyTorch's answer for each of the 10 000 test images:
                                   label, argmax, top logit, top-2 margin; its accuracy in
                                   the header

Run it through `make models` (models/README.md); the tests use the committed files and never
retrain.
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from onnx import numpy_helper

DATA = "/usr/share/datasets/fashion-mnist"
# The mean and standard deviation of the training set's pixels (in [0, 1]); the C check
# (examples/fashion_mnist.c) normalises with the same two numbers.
MEAN = 0.2860
STD = 0.3530
SEED = 20261202
EPOCHS = 3
BATCH = 128
N_REFERENCE = 64


def read_idx(path):
    """An idx file (gzip): uint8 array of the shape its header gives."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        sys.exit(f"{path}: not an idx file of unsigned bytes")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    return data.reshape(dims)


def load(split):
    images = read_idx(os.path.join(DATA, f"{split}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(DATA, f"{split}-labels-idx1-ubyte.gz"))
    x = (images.astype(np.float32) / 255.0 - MEAN) / STD
    return torch.from_numpy(x[:, None, :, :].copy()), torch.from_numpy(labels.astype(np.int64))


class FashionCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def train(model, x, y):
    gen = torch.Generator().manual_seed(SEED)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for epoch in range(EPOCHS):
        order = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        print(f"epoch {epoch + 1}/{EPOCHS}: loss {total / len(x):.4f}", flush=True)


def write_tensor(path, array, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="models/fashion_mnist")
    args = ap.parse_args()

    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    x_train, y_train = load("train")
    x_test, y_test = load("t10k")
    model = FashionCNN()
    t0 = time.monotonic()
    train(model, x_train, y_train)
    print(f"training: {time.monotonic() - t0:.0f} s", flush=True)

    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(x_test[i:i + 1000]) for i in range(0, len(x_test), 1000)])
    top2 = torch.topk(logits, 2, dim=1).values
    pred = logits.argmax(dim=1)
    correct = int((pred == y_test).sum())
    print(f"pytorch test accuracy: {correct}/{len(y_test)} = {100.0 * correct / len(y_test):.2f}%")

    os.makedirs(os.path.join(args.out, "test_data_set_0"), exist_ok=True)
    onnx_path = os.path.join(args.out, "model.onnx")
    torch.onnx.export(model, x_test[:1], onnx_path, opset_version=13,
                      input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    ref = os.path.join(args.out, "test_data_set_0")
    with torch.no_grad():
        ref_logits = model(x_test[:N_REFERENCE]).numpy()
    write_tensor(os.path.join(ref, "input_0.pb"), x_test[:N_REFERENCE].numpy(), "image")
    write_tensor(os.path.join(ref, "output_0.pb"), ref_logits, "logits")

    with open(os.path.join(args.out, "pytorch_predictions.txt"), "w") as f:
        f.write(f"# fashion-mnist t10k: pytorch {torch.__version__} correct {correct} of "
                f"{len(y_test)}\n")
        f.write("# label argmax top_logit margin(top1-top2)\n")
        for i in range(len(y_test)):
            f.write(f"{int(y_test[i])} {int(pred[i])} {float(top2[i, 0]):.6g} "
                    f"{float(top2[i, 0] - top2[i, 1]):.6g}\n")


if __name__ == "__main__":
    main()
