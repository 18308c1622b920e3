#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Fashion-MNIST on the NPU from Python: the CNN trained with PyTorch (models/fashion_mnist,
exported to ONNX by scripts/models/fashion_mnist.py) classifies the 10 000 test images of
Debian's dataset-fashion-mnist on the vnpu, in five lines (below "The five lines").

    PYTHONPATH=python examples/python/fashion_mnist.py [DATASET_DIR]

Prints the accuracy next to PyTorch's on the same images (models/fashion_mnist/
pytorch_predictions.txt); exits 1 when they differ by more than 0.1 point, 77 when the
dataset or numpy is not installed.
"""
import gzip
import os
import sys

try:
    import numpy as np
except ImportError:
    print("fashion_mnist.py: numpy not installed (python3-numpy): skipped")
    sys.exit(77)

import accel  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(REPO, "models", "fashion_mnist")
DATASET = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
if not os.path.exists(f"{DATASET}/t10k-images-idx3-ubyte.gz"):
    print(f"fashion_mnist.py: {DATASET} has no test set (dataset-fashion-mnist): skipped")
    sys.exit(77)


def idx(name, offset):
    """The bytes of the dataset's idx file @name after its header of @offset bytes."""
    with gzip.open(f"{DATASET}/{name}-idx{1 if 'labels' in name else 3}-ubyte.gz") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


# The five lines: read the images and labels, load the model onto the NPU, classify the
# images (normalised as the training did) 1000 per inference, count.
images, labels = idx("t10k-images", 16).reshape(-1, 1, 28, 28), idx("t10k-labels", 8)
session = accel.Session(f"{MODEL}/model.onnx")
batches = np.split(((images / 255 - 0.2860) / 0.3530).astype(np.float32), 10)
classes = np.concatenate([session.run({"image": x})["logits"].argmax(1) for x in batches])
print(f"accel on {session.device}: {(classes == labels).mean():.2%} of {len(labels)} correct")

# PyTorch's answers for the same images: its accuracy in the header line.
with open(f"{MODEL}/pytorch_predictions.txt") as f:
    correct = int(f.readline().split("correct")[1].split()[0])
print(f"PyTorch: {correct / len(labels):.2%}")
sys.exit(0 if abs((classes == labels).sum() - correct) <= 0.001 * len(labels) else 1)
