# accel - top-level build. `make` builds everything into build/; see README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
CMAKE_ARGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
JOBS       ?= $(shell nproc)

.PHONY: all deps demo check check-asan bench reliability conformance-record clean help

all: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) $(CMAKE_ARGS) $(EXTRA_CMAKE_ARGS)

deps:
	@scripts/install-deps.sh

demo: deps all
	@scripts/demo.sh $(BUILD)

check: deps all
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	@scripts/conformance-summary.sh $(BUILD)

check-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DACCEL_SANITIZE=ON $(EXTRA_CMAKE_ARGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)
	@scripts/conformance-summary.sh $(ASAN_BUILD)

bench: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(EXTRA_CMAKE_ARGS)
	cmake --build $(BUILD) -j $(JOBS)
	@scripts/bench.sh $(BUILD)

# The reliability campaigns R2, R3, R5 (minutes; not part of check). RELIABILITY_ARGS=--quick
# runs them at a small scale.
reliability: deps all
	@scripts/reliability.sh $(BUILD) $(RELIABILITY_ARGS)

conformance-record: deps
	@scripts/conformance-record.sh

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

help:
	@echo "make              build everything into $(BUILD)/"
	@echo "make demo         install missing packages, build, run the demo"
	@echo "make check        install missing packages, build, run every test"
	@echo "make check-asan   the same suite built with ASan and UBSan in $(ASAN_BUILD)/"
	@echo "make bench        build optimised and run the benchmarks (table + $(BUILD)/bench.json)"
	@echo "make reliability  the reliability campaigns R2, R3, R5 (RELIABILITY_ARGS=--quick: small)"
	@echo "make conformance-record  re-record the kernel's answers through ../shared/oracle"
