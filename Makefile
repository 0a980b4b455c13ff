# parlab: the two commands that matter are `make test` and `make bench`. Both install what a
# fresh Debian/Ubuntu machine lacks (scripts/install-deps.sh says what it installs).
BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
PREFIX ?= /usr/local
export OMP_WAIT_POLICY ?= passive

.PHONY: all build deps configure test bench sweep install format format-check clean asan tsan fuzz \
  flake-hunt

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	@bash scripts/install-deps.sh
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

# CMAKE_FLAGS given to a tree configured earlier (.ci/run's -DPARLAB_WERROR=ON on a developer's
# build/) must not be silently ignored: apply them to the existing cache too.
configure: $(BUILD)/CMakeCache.txt
ifneq ($(strip $(CMAKE_FLAGS)),)
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
endif

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: deps build
	@bash scripts/bench.sh $(BUILD)

sweep: deps build
	@bash scripts/sweep.sh $(BUILD)

# --prefix here too: PREFIX given to a tree configured earlier must still be honoured.
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Sanitizer passes, each in a build tree of its own (scripts/sanitizers/, docs/RELIABILITY.md).
asan: deps
	@bash scripts/sanitizers/asan.sh

tsan: deps
	@bash scripts/sanitizers/tsan.sh

# The suite FLAKE_RUNS times (default 3) and `make asan` once beside one busy process per core;
# prints every test that failed or skipped in any run (docs/RELIABILITY.md).
flake-hunt: deps
	@BUILD=$(BUILD) bash scripts/flake-hunt.sh

FUZZ_TIME ?= 60
fuzz: deps
	@FUZZ_TIME=$(FUZZ_TIME) bash scripts/sanitizers/fuzz.sh

format:
	@bash scripts/format.sh

format-check:
	@bash scripts/format.sh --check

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz
