#!/usr/bin/env bash
# examples/fashion_mnist.c's check on the first 100 test images (a data set cut from Debian's
# dataset-fashion-mnist, one batch of 100) and PyTorch's predictions for them: it passes with
# them as they are; an image whose class PyTorch gave with a clear margin, changed to another
# class, fails it (status 1) and is named; the same change given a margin of 0 (a near tie)
# passes and is counted as a near tie. Skipped (77) without the dataset.
#
#   tests/scripts/fashion-mnist-check.sh FASHION_MNIST_BINARY MODEL_DIR
set -euo pipefail
bin=$1
dir=$2
data=/usr/share/datasets/fashion-mnist
if [ ! -r "$data/t10k-images-idx3-ubyte.gz" ]; then
	echo "fashion-mnist-check: $data absent (dataset-fashion-mnist): skipped"
	exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fashion-mnist-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# A fresh root with the default vnpu and its default job timeout (fashion-mnist-accuracy.sh).
export ACCEL_ROOT=$tmp/root ACCEL_CONFIG=$tmp/accel.conf
mkdir -p "$ACCEL_ROOT" "$tmp/set"
printf '[vnpu.0]\ndriver = vnpu\n' > "$ACCEL_CONFIG"
unset ACCEL_BACKEND

# idx files of the first 100 images and labels: their headers with a count of 100 (0x64).
zcat "$data/t10k-images-idx3-ubyte.gz" > "$tmp/images"
zcat "$data/t10k-labels-idx1-ubyte.gz" > "$tmp/labels"
{ printf '\0\0\10\3\0\0\0\144\0\0\0\34\0\0\0\34'; head -c $((16 + 78400)) "$tmp/images" | tail -c 78400; } |
	gzip > "$tmp/set/t10k-images-idx3-ubyte.gz"
{ printf '\0\0\10\1\0\0\0\144'; head -c $((8 + 100)) "$tmp/labels" | tail -c 100; } |
	gzip > "$tmp/set/t10k-labels-idx1-ubyte.gz"
grep '^#' "$dir/pytorch_predictions.txt" > "$tmp/head"
awk '!/^#/ && ++n <= 100' "$dir/pytorch_predictions.txt" > "$tmp/lines"

run() { rc=0; "$bin" "$dir/model.onnx" "$1" "$tmp/set" 100 > "$tmp/out" 2> "$tmp/err" || rc=$?; }
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"; exit 1; }

# As they are: the same classes.
cat "$tmp/head" "$tmp/lines" > "$tmp/same.txt"
run "$tmp/same.txt"
[ "$rc" -eq 0 ] || fail "unchanged predictions: exited $rc, not 0"
grep -q '^classes differing from pytorch: 0 ' "$tmp/out" || fail "unchanged predictions: differences"
grep -q '^PASS$' "$tmp/out" || fail "unchanged predictions: no PASS"

# An image PyTorch misclassifies (so that the accuracy stays the same) made to say a third
# class, neither the label nor accel's: with its clear margin, an unexplained difference.
line=$(awk '$1 != $2 && $4 > 0.5 { print NR; exit }' "$tmp/lines")
[ -n "$line" ] || fail "no misclassified image among the first 100"
other() { awk -v n="$line" -v m="$1" 'NR == n { for (c = 0; c == $1 || c == $2; c++); $2 = c; if (m != "") $4 = m } { print }' "$tmp/lines"; }
{ cat "$tmp/head"; other ""; } > "$tmp/wrong.txt"
run "$tmp/wrong.txt"
[ "$rc" -eq 1 ] || fail "a changed class: exited $rc, not 1"
grep -q "^image $((line - 1)): accel class " "$tmp/out" || fail "a changed class: image $((line - 1)) not named"
grep -q '^classes differing from pytorch: 1 (0 near ties, 1 not)' "$tmp/out" || fail "a changed class: not counted"
grep -q '^FAIL$' "$tmp/out" || fail "a changed class: no FAIL"

# The same change with a margin of 0: a near tie, allowed and counted.
{ cat "$tmp/head"; other 0; } > "$tmp/tie.txt"
run "$tmp/tie.txt"
[ "$rc" -eq 0 ] || fail "a near tie: exited $rc, not 0"
grep -q '^classes differing from pytorch: 1 (1 near ties, 0 not)' "$tmp/out" || fail "a near tie: not counted"
echo "fashion-mnist-check: PASS"
