# levdyn: the two set-up commands are `make run` and `make test` (README, Quick start).
# Each installs missing Debian packages (scripts/deps.sh), configures, builds and runs.

BUILD      ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CONFIG     ?= deploy/levdyn.yaml
CMAKE_ARGS ?=

.PHONY: all deps deps-test build run demo test test-asan test-tsan bench clean format

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

clean:
	rm -rf $(BUILD) build-asan build-tsan

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')
