#!/usr/bin/env bash
# The Fashion-MNIST CNN on all 10 000 test images (examples/fashion_mnist.c: 1 000 images per
# inference) against PyTorch's classes and accuracy: PASS, no class differing but near ties.
# Skipped (77) without Debian's dataset-fashion-mnist.
#
#   tests/scripts/fashion-mnist-accuracy.sh FASHION_MNIST_BINARY MODEL_DIR
set -euo pipefail
bin=$1
dir=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fashion-mnist-accuracy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A fresh root with the default vnpu and its default job timeout (2 s): on a loaded machine
# (make check -j) one inference of 1 000 images may take longer than that in all, but the
# timeout only catches a job that starts no packet for that long (docs/vnpu.md, "Timeouts
# and recovery"), and no one packet of this model comes near it.
export ACCEL_ROOT=$tmp/root ACCEL_CONFIG=$tmp/accel.conf
mkdir -p "$ACCEL_ROOT"
printf '[vnpu.0]\ndriver = vnpu\n' > "$ACCEL_CONFIG"
unset ACCEL_BACKEND

rc=0
"$bin" "$dir/model.onnx" "$dir/pytorch_predictions.txt" || rc=$?
exit $rc
