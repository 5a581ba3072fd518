# levdyn: the two set-up commands are `make run` and `make test` (README, Quick start).
# Each installs missing Debian packages (scripts/deps.sh), configures, builds and runs.

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CONFIG     ?= deploy/levdyn.yaml
CMAKE_ARGS ?=

.PHONY: all deps deps-test build run demo test test-asan test-tsan bench image test-image clean format

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

test-tsan: deps-test
	cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEVDYN_TSAN=ON -DLEVDYN_BUILD_BENCH=OFF
	cmake --build build-tsan -j $(JOBS) --target core_test http_test
	cd build-tsan && ctest --output-on-failure -j $(JOBS) -R '^(Spsc|Seqlock|Engine|Http|Stream|Published)'

bench: deps
	JOBS=$(JOBS) scripts/bench.sh build-bench

# The container image, built without a Docker engine (../shared/tools/container-build.sh).
image: deps
	../shared/tools/container-build.sh all . localhost/levdyn:latest -f Dockerfile

# Builds the image, runs `levdyn demo` in it and reads /healthz and /metrics from the host.
test-image: deps-test
	tests/image/image_test.sh localhost/levdyn:test

clean:
	rm -rf $(BUILD) build-asan build-tsan build-bench

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')
