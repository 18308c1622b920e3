#!/usr/bin/env bash
# The models of models/ on accel and on its peers, in one run: onnxruntime (npm
# onnxruntime-node, CPU execution provider, bench/peers/ort_bench.js) and PyTorch (Debian
# python3-torch, eager, bench/peers/torch_bench.py), the same thread count for all three
# (accel: the vnpu's oneDNN team, OMP_NUM_THREADS; bench/bench_models.c). Prints a table of
# the median, min and max milliseconds per inference and the peers' medians over accel's
# (> 1: accel is faster), and writes the same as JSON.
#
#   scripts/bench-models.sh [BUILD]        (JSON: BUILD/bench-models.json)
#
# Environment: BENCH_MODELS_THREADS (2), BENCH_MODELS_ITERATIONS (20 timed runs after 3
# warm-up ones), BENCH_MODELS_BATCHES ("1 8"), BENCH_MODELS ("fashion_mnist resnet18
# mobilenet_v2 squeezenet1_1 transformer_encoder lstm_classifier ppocr_det ppocr_rec"),
# BENCH_MODELS_LIMIT (seconds per measurement, 120), BENCH_MODELS_PEERS ("ort torch": the
# peers to measure).
#
# ppocr_det and ppocr_rec are PP-OCRv4's detection and recognition models (models/ppocr,
# `make models-ppocr`) at the shapes of the OCR test (tests/scripts/ppocr-check.sh,
# examples/python/ocr.py): det x = [1, 3, 160, 512], rec x = [1, 3, 48, 320], batch 1 only
# (their inputs are shapes, not a batch: --shape to both runtimes). They have no PyTorch
# column: PP-OCRv4 is a PaddlePaddle network, shipped as ONNX exports of its inference
# models; no PyTorch definition of it exists to run eagerly (the cell says n/a).
#
# A model whose files are missing (`make models` makes the torchvision ones, the
# transformer encoder and PP-OCR) and a peer that is not installed are skipped with a message. Each measurement runs under `timeout`
# (SIGTERM to its process group, SIGKILL 5 s later) with its output in a file, so nothing it
# started outlives it; one that fails or runs out of time is marked in the table. The goals
# (accel at least 1.0x onnxruntime's speed and 1.5x PyTorch's) are reported, not enforced:
# the exit status is 0 unless accel itself fails a measurement.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
threads=${BENCH_MODELS_THREADS:-2}
iters=${BENCH_MODELS_ITERATIONS:-20}
batches=${BENCH_MODELS_BATCHES:-1 8}
models=${BENCH_MODELS:-fashion_mnist resnet18 mobilenet_v2 squeezenet1_1 transformer_encoder lstm_classifier ppocr_det ppocr_rec}
limit=${BENCH_MODELS_LIMIT:-120}
peers=" ${BENCH_MODELS_PEERS-ort torch} "
python=/usr/bin/python3
out=$build/bench-models.json
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-models.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

accel_bin=$build/bin/bench_models
if [ ! -x "$accel_bin" ]; then
	echo "bench-models: $accel_bin is missing (make bench-models builds it)" >&2
	exit 1
fi

# The peers: each either usable or skipped, with the reason.
ort=yes
if [[ $peers != *" ort "* ]]; then
	ort="skipped: not in BENCH_MODELS_PEERS"
elif ! "$src/bench/peers/install.sh" 300; then
	ort="skipped: onnxruntime-node could not be installed (bench/peers/install.sh)"
fi
torch=yes
if [[ $peers != *" torch "* ]]; then
	torch="skipped: not in BENCH_MODELS_PEERS"
elif ! "$python" -c 'import torch, torchvision' 2> /dev/null; then
	torch="skipped: $python cannot import torch and torchvision (Debian python3-torch, python3-torchvision)"
fi
[ "$ort" = yes ] || echo "bench-models: onnxruntime $ort" >&2
[ "$torch" = yes ] || echo "bench-models: PyTorch $torch" >&2

# One measurement: its JSON line in $tmp/line, or status != 0 and a reason in $tmp/why.
measure() {
	local rc=0
	timeout -k 5 "$limit" "$@" > "$tmp/line" 2> "$tmp/err" || rc=$?
	if [ "$rc" -eq 0 ] && grep -q '"median_ms"' "$tmp/line"; then
		return 0
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "timed out after ${limit} s" > "$tmp/why"
	else
		echo "exit status $rc: $(tail -n 1 "$tmp/err")" > "$tmp/why"
	fi
	return 1
}
# A model's ONNX file in $onnx, the input shapes both runtimes take in $shape_args (none: a
# batch), its batches in $model_batches and whether PyTorch has it in $torch_model ("yes" or
# why not).
model_spec() {
	shape_args=()
	model_batches=$batches
	torch_model=yes
	case $1 in
	ppocr_det | ppocr_rec)
		onnx=$src/models/ppocr/${1#ppocr_}.onnx
		if [ "$1" = ppocr_det ]; then
			shape_args=(--shape x=1,3,160,512)
		else
			shape_args=(--shape x=1,3,48,320)
		fi
		model_batches=1
		torch_model="n/a: a PaddlePaddle network, no PyTorch version"
		;;
	*)
		onnx=$src/models/$1/model.onnx
		;;
	esac
}
field() { sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p" "$tmp/line" | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b <= 0) print "-"; else printf "%.2f", a / b }'; }

results=$tmp/results	# model|batch|runtime|median|min|max|note
: > "$results"
accel_failed=0
export OMP_NUM_THREADS=$threads
for model in $models; do
	model_spec "$model"
	if [ ! -r "$onnx" ]; then
		echo "bench-models: $model: $onnx absent (make models): skipped" >&2
		continue
	fi
	for b in $model_batches; do
		echo "bench-models: $model batch $b ..." >&2
		if measure "$accel_bin" --batch "$b" "${shape_args[@]}" --iterations "$iters" "$onnx"; then
			echo "$model|$b|accel|$(field median_ms)|$(field min_ms)|$(field max_ms)|$(field submit)" >> "$results"
		else
			echo "$model|$b|accel||||FAILED: $(cat "$tmp/why")" >> "$results"
			echo "bench-models: accel: $model batch $b: $(cat "$tmp/why")" >&2
			accel_failed=1
		fi
		if [ "$ort" = yes ]; then
			if measure node "$src/bench/peers/ort_bench.js" "${shape_args[@]}" "$onnx" "$b" "$threads" "$iters"; then
				echo "$model|$b|ort|$(field median_ms)|$(field min_ms)|$(field max_ms)|" >> "$results"
			else
				echo "$model|$b|ort||||FAILED: $(cat "$tmp/why")" >> "$results"
				echo "bench-models: onnxruntime: $model batch $b: $(cat "$tmp/why")" >&2
			fi
		fi
		if [ "$torch" = yes ] && [ "$torch_model" != yes ]; then
			echo "$model|$b|torch||||$torch_model" >> "$results"
		elif [ "$torch" = yes ]; then
			if measure "$python" "$src/bench/peers/torch_bench.py" "$model" "$b" "$threads" "$iters"; then
				echo "$model|$b|torch|$(field median_ms)|$(field min_ms)|$(field max_ms)|" >> "$results"
			else
				echo "$model|$b|torch||||FAILED: $(cat "$tmp/why")" >> "$results"
				echo "bench-models: PyTorch: $model batch $b: $(cat "$tmp/why")" >&2
			fi
		fi
	done
done

get() { awk -F'|' -v m="$1" -v b="$2" -v r="$3" -v c="$4" '$1 == m && $2 == b && $3 == r { print $c }' "$results"; }
# A runtime's cell: "median (min-max)", or why it is missing.
cell() {
	local med note
	med=$(get "$1" "$2" "$3" 4)
	note=$(get "$1" "$2" "$3" 7)
	if [ -n "$med" ]; then
		printf '%s (%s-%s)' "$med" "$(get "$1" "$2" "$3" 5)" "$(get "$1" "$2" "$3" 6)"
	elif [ "${note#n/a}" != "$note" ]; then
		echo "n/a"
	elif [ -n "$note" ]; then
		echo "failed"
	else
		echo "-"
	fi
}
goal() { awk -v r="$1" -v g="$2" 'BEGIN { if (r == "-") print ""; else if (r + 0 >= g) print "ok"; else print "MISSED" }'; }

echo "models on accel, onnxruntime-node and PyTorch: ms per inference, median (min-max) of $iters runs, $threads threads each"
printf '%-19s %5s  %-34s %-28s %-28s %9s %-6s %11s %-6s\n' MODEL BATCH "ACCEL" "ORT" "PYTORCH" "ORT/ACCEL" "(>=1)" "TORCH/ACCEL" "(>=1.5)"
json=$tmp/json
: > "$json"
for model in $models; do
	for b in $batches; do
		grep -q "^$model|$b|" "$results" || continue
		a=$(get "$model" "$b" accel 4)
		o=$(get "$model" "$b" ort 4)
		t=$(get "$model" "$b" torch 4)
		ro=$(ratio "$o" "$a")
		rt=$(ratio "$t" "$a")
		printf '%-19s %5s  %-34s %-28s %-28s %9s %-6s %11s %-6s\n' "$model" "$b" \
			"$(cell "$model" "$b" accel)$(s=$(get "$model" "$b" accel 7); [ -n "$a" ] && [ -n "$s" ] && printf ' %s' "$s")" \
			"$(cell "$model" "$b" ort)" "$(cell "$model" "$b" torch)" \
			"$ro" "$(goal "$ro" 1.0)" "$rt" "$(goal "$rt" 1.5)"
		num() { [ -n "$1" ] && echo "$1" || echo null; }
		printf '    {"model": "%s", "batch": %s, "accel_ms": %s, "ort_ms": %s, "torch_ms": %s, "ort_over_accel": %s, "torch_over_accel": %s}\n' \
			"$model" "$b" "$(num "$a")" "$(num "$o")" "$(num "$t")" \
			"$([ "$ro" = - ] && echo null || echo "$ro")" "$([ "$rt" = - ] && echo null || echo "$rt")" >> "$json"
	done
done
awk -F'|' '$7 ~ /^n\/a/ { printf "%s on %s: %s\n", $1, $3, $7 }' "$results" | sort -u
grep 'FAILED' "$results" | awk -F'|' '{ printf "%s batch %s on %s: %s\n", $1, $2, $3, $7 }' || true
[ "$ort" = yes ] || echo "onnxruntime: $ort"
[ "$torch" = yes ] || echo "PyTorch: $torch"
echo "machine: $(nproc) cpus, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"

{
	echo "{"
	echo "  \"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
	echo "  \"threads\": $threads, \"iterations\": $iters,"
	echo "  \"machine\": \"$(uname -m) $(nproc) cpus $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//; s/"//g')\","
	echo "  \"rows\": ["
	sed '$!s/$/,/' "$json"
	echo "  ]"
	echo "}"
} > "$out"
echo "written: $out" >&2
exit "$accel_failed"
