# levdyn: the two set-up commands are `make run` and `make test` (README, Quick start).
# Each installs missing Debian packages (scripts/deps.sh), configures, builds and runs.

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CONFIG     ?= deploy/levdyn.yaml
CMAKE_ARGS ?=

.PHONY: all deps deps-test build run demo test test-asan test-tsan fuzz fuzz-build fuzz-smoke bench image \
        test-image clean format soak lint

all: build

deps:
	@scripts/deps.sh deploy/packages-build.txt

deps-test: deps
	@scripts/deps.sh deploy/packages-test.txt

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/levdyn serve --config $(CONFIG)

demo: build
	./$(BUILD)/levdyn demo

test: deps-test $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

test-asan: deps-test
	$(MAKE) test BUILD=build-asan BUILD_TYPE=Debug CMAKE_ARGS="-DLEVDYN_SANITIZE=ON -DLEVDYN_BUILD_BENCH=OFF"

# ThreadSanitizer over the code that shares memory between threads: the SPSC ring, the
# seqlocks and published state, the engine, the feed sessions, and `levdyn demo` (sim, feeds,
# engine and HTTP readers in one TSan-built process) read over HTTP by the demo tests, and `levdyn
# record` + `levdyn replay` (its fit worker) in the record/replay tests, and the capture reader's
# block-reading thread in the capture tests. A race
# report aborts the process at once (halt_on_error), so the test reading it fails.
TSAN_TESTS ?= ^(SpscQueue|Seqlock|Engine|WsSession|SimHyperliquid|Demo|RecordReplay|CaptureFile|Recorder|ReplayTest)

test-tsan: deps-test
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEVDYN_TSAN=ON -DLEVDYN_BUILD_BENCH=OFF
	cmake --build build-tsan -j $(JOBS) --target core_test feed_test capture_test integration_test levdyn
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	  ctest --output-on-failure -j $(JOBS) --timeout 600 -R '$(TSAN_TESTS)'

# libFuzzer targets (tests/fuzz, docs/fuzzing.md), built with Debian's clang under ASan+UBSan
# in build-fuzz; each runs FUZZ_SECONDS. fuzz-smoke is CI's short pass over every target.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=

fuzz-build: deps-test
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_COMPILER=clang++ -DLEVDYN_FUZZ=ON -DLEVDYN_BUILD_TESTS=OFF -DLEVDYN_BUILD_BENCH=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target levdyn_fuzzers

fuzz: fuzz-build
	scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	scripts/fuzz.sh $(FUZZ_BUILD) 10 $(FUZZ_TARGETS)

bench: deps
	@scripts/deps.sh deploy/packages-bench.txt
	JOBS=$(JOBS) scripts/bench.sh build-bench
	/usr/bin/python3 scripts/bench_http.py build-bench/levdyn bench/HTTP.md
	/usr/bin/python3 scripts/bench_ingest.py build-bench/levdyn build-bench/tests/bench/levdyn_ingest_bench bench/INGEST.md
	build-bench/tests/bench/levdyn_hiccup 5 "after the benchmarks" | tee -a bench/HOST.md >>bench/RESULTS.md

# The container image, built without a Docker engine (../shared/tools/container-build.sh).
image: deps
	../shared/tools/container-build.sh all . localhost/levdyn:latest -f Dockerfile --format docker

# Builds the image, runs `levdyn demo` in it and reads /healthz and /metrics from the host.
test-image: deps-test
	tests/image/image_test.sh localhost/levdyn:test

# Soak (not part of make test): levdyn for SOAK_SECONDS (default 600) against the simulator
# and the hostile Binance peer; RSS, fds and event counts checked, a markdown summary printed.
soak: deps-test $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target levdyn
	/usr/bin/python3 scripts/soak.py --binary $(BUILD)/levdyn

# clang-tidy's bug-finding checks (.clang-tidy) over core/ and service/, any finding an error.
# Not part of make test: about 6 minutes on 2 cores. Compiled by clang in build-lint, whose
# compile commands it reads (the generated protobuf headers are built first).
lint: deps-test
	@scripts/deps.sh deploy/packages-lint.txt
	cmake -S . -B build-lint -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
	  -DLEVDYN_BUILD_TESTS=OFF -DLEVDYN_BUILD_BENCH=OFF
	cmake --build build-lint -j $(JOBS) --target levdyn_pb
	run-clang-tidy -p build-lint -j $(JOBS) -quiet '$(CURDIR)/(core|service)/'

clean:
	rm -rf $(BUILD) build-asan build-tsan build-bench build-fuzz build-lint

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')
