#!/usr/bin/env bash
# examples/fashion_mnist_vedge.c on the embedded defaults' vedge nodes (vedge.0 with DMA,
# vedge.1 without): the int8 Fashion-MNIST CNN within 1 point of the float accuracy on the
# first IMAGES test images (default 1000; `make vedge-accuracy` runs all 10 000), both nodes
# giving the same classes. Skipped (77) without the dataset.
#
#   tests/scripts/fashion-mnist-vedge.sh FASHION_MNIST_VEDGE_BINARY MODEL_DIR [IMAGES]
set -euo pipefail
bin=$1
dir=$2
images=${3:-1000}
data=/usr/share/datasets/fashion-mnist
if [ ! -r "$data/t10k-images-idx3-ubyte.gz" ]; then
	echo "fashion-mnist-vedge: $data absent (dataset-fashion-mnist): skipped"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fashion-mnist-vedge.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A fresh root with the embedded defaults (accel3 = vedge.0, accel4 = vedge.1).
export ACCEL_ROOT=$tmp/root
mkdir -p "$ACCEL_ROOT"
unset ACCEL_BACKEND ACCEL_CONFIG

rc=0
"$bin" "$dir/model.onnx" "$dir/pytorch_predictions.txt" "$data" "$images" > "$tmp/out" 2> "$tmp/err" || rc=$?
cat "$tmp/out"
fail() { echo "FAIL: $*"; echo "--- stderr"; cat "$tmp/err"; exit 1; }
[ "$rc" -eq 0 ] || fail "exited $rc"
[ "$(grep -c '^int8 on /dev/accel/accel' "$tmp/out")" -ge 2 ] || fail "not two vedge nodes"
grep -q '(DMA)' "$tmp/out" || fail "no node with DMA"
grep -q '(no DMA)' "$tmp/out" || fail "no node without DMA"
grep -q 'same classes as the first node' "$tmp/out" || fail "nodes differ"
grep -q '^PASS$' "$tmp/out" || fail "no PASS"
echo "fashion-mnist-vedge: PASS"
