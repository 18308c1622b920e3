#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A PyTorch module on the NPU: accel.torch.compile() on a small Fashion-MNIST CNN.

    PYTHONPATH=python examples/python/torch_compile.py [DATASET_DIR]

Trains the CNN for a few seconds with PyTorch (6400 images, one thread, fixed seed), then
compiles it for the vnpu and classifies the first 2000 test images there, 1000 per call, in
five lines (below "The five lines"), and compares each class with PyTorch's eager answer.
Exits 1 when a class differs where PyTorch's top two logits are not a near tie, 77 when
the dataset or PyTorch is not installed.
"""
import gzip
import os
import sys

DATASET = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
try:
    import torch
except ImportError:
    print("torch_compile.py: PyTorch not installed (python3-torch): skipped")
    sys.exit(77)
if not os.path.exists(f"{DATASET}/train-images-idx3-ubyte.gz"):
    print(f"torch_compile.py: {DATASET} has no images (dataset-fashion-mnist): skipped")
    sys.exit(77)

import numpy as np  # noqa: E402

import accel.torch  # noqa: E402

# The first @n images or labels of an idx file, the images normalised as models/fashion_mnist's
# training does.
def idx(split, what, n):
    with gzip.open(f"{DATASET}/{split}-{what}-idx{3 if what == 'images' else 1}-ubyte.gz") as f:
        raw = np.frombuffer(f.read(), np.uint8, offset=16 if what == "images" else 8)
    if what == "labels":
        return torch.from_numpy(raw[:n].astype(np.int64))
    return torch.from_numpy(((raw[:n * 784].reshape(-1, 1, 28, 28) / 255 - 0.2860) / 0.3530)
                            .astype(np.float32))


# A test set of this many images keeps the example (and its test) to seconds on one core.
N_TEST = 2000

torch.manual_seed(0)
torch.set_num_threads(1)
cnn = torch.nn.Sequential(
    torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
    torch.nn.MaxPool2d(2), torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(),
    torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(16 * 7 * 7, 10))
x, y = idx("train", "images", 6400), idx("train", "labels", 6400)
opt = torch.optim.Adam(cnn.parameters(), lr=2e-3)
for batch in range(0, len(x), 64):
    opt.zero_grad()
    torch.nn.functional.cross_entropy(cnn(x[batch:batch + 64]), y[batch:batch + 64]).backward()
    opt.step()
cnn.eval()

# The five lines: the test set, the module compiled for the NPU (traced with 1000 images),
# each 1000 images classified there, the accuracy.
images, labels = idx("t10k", "images", N_TEST), idx("t10k", "labels", N_TEST)
npu = accel.torch.compile(cnn, images[:1000])
logits = torch.cat([npu(batch) for batch in images.split(1000)])
print(f"accel: {(logits.argmax(1) == labels).float().mean():.2%} of {len(labels)} correct")

# PyTorch's own answers: a class may differ only where its top two logits are within the
# tolerances of `accel run` (rtol 1e-3, atol 1e-4) of each other.
with torch.no_grad():
    eager = cnn(images)
top2 = eager.topk(2, dim=1).values
near_tie = (top2[:, 0] - top2[:, 1]) <= 2 * (1e-4 + 1e-3 * top2[:, 0].abs())
differ = logits.argmax(1) != eager.argmax(1)
print(f"PyTorch: {(eager.argmax(1) == labels).float().mean():.2%}; classes differing: "
      f"{int(differ.sum())} ({int((differ & near_tie).sum())} near ties)")
sys.exit(1 if (differ & ~near_tie).any() else 0)
