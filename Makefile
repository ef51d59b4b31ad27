# The two set-up commands (see README.md):
#   make run   install what is missing, build (release), start `nifty run` on the embedded default
#   make test  install what is missing, build (debug + ASan/UBSan), run every test
# Other targets: build, build-dev, bench, clean.

JOBS ?= $(shell nproc)
RUN_ARGS ?=

.PHONY: run test deps build build-dev bench clean

deps:
	@scripts/install-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target nifty

build-dev: deps
	@cmake --preset dev >/dev/null
	@cmake --build --preset dev -j $(JOBS)

run: build
	./build/release/src/app/nifty run $(RUN_ARGS)

test: build-dev
	ctest --preset dev -j $(JOBS) --timeout 1200

bench: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	./build/release/bench/candle_builder_bench --benchmark_min_time=1

clean:
	rm -rf build
