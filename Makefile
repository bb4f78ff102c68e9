# xdc build. `make` builds everything into build/; `make test` installs
# missing Debian packages, builds, and runs unit tests, fuzz replays,
# integration tests and the docs check. Variants build under build-<name>/.

VERSION   := 0.1.0
O         ?= build
CC        ?= cc
OPT       ?= -O2 -g
SANITIZE  ?=
PKGS      := rdkafka libuv jansson libmicrohttpd libzstd zlib liblz4 snappy libpcre2-8 ldns
TEST_PKGS := cmocka
EXTRA_LIBS :=

WARN      := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(TEST_PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(EXTRA_LIBS) -lpthread -lm
TEST_LIBS  := $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)
CPPFLAGS  += -I. -D_GNU_SOURCE -DXDC_VERSION='"$(VERSION)"' -MMD -MP
CFLAGS    := $(WARN) $(OPT) $(SANITIZE) $(PKG_CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS   += $(SANITIZE) $(FUZZ_LDFLAGS)

# Components in link order: a library may use only those after it.
COMPONENTS := failover mirror checkpoint broker conf common
LIBS       := $(foreach c,$(COMPONENTS),$(O)/lib$(c).a)
DAEMONS    := broker mirror failover
export XDC_TEST_RESULTS := $(abspath $(O))/test-results
export XDC_SRC_DIR := $(CURDIR)

BINS       := $(O)/bin/xdc $(foreach d,$(DAEMONS),$(O)/bin/xdc-$(d))

lib_srcs = $(filter-out $(1)/main.c,$(wildcard $(1)/*.c))
lib_objs = $(patsubst %.c,$(O)/obj/%.o,$(call lib_srcs,$(1)))
CLI_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(wildcard cli/*.c))

UNIT_SRCS  := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_BINS  := $(patsubst %.c,$(O)/%,$(UNIT_SRCS))
TLIB_OBJS  := $(patsubst %.c,$(O)/obj/%.o,$(wildcard tests/lib/*.c))
INTEG_SRCS := $(sort $(wildcard tests/integration/[0-9]*.c))
INTEG_BINS := $(patsubst %.c,$(O)/%,$(INTEG_SRCS))
FUZZ_SRCS  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(patsubst %.c,$(O)/%,$(FUZZ_SRCS))

.PHONY: all build deps test check check-unit check-fuzz check-integration check-docs \
        docs demo asan ubsan valgrind format format-check clean tests-build
.DEFAULT_GOAL := all
# Keep objects of chained rules (tests) so rebuilds stay incremental.
.SECONDARY:

# Public entry points install missing packages first, then build in a
# sub-make so pkg-config sees the freshly installed libraries.
all: deps
	@$(MAKE) --no-print-directory build

# Interop clients (kafkajs) come from the npm registry, only for tests, so
# a plain build works without it.
test: deps
	@scripts/interop-deps.sh
	@$(MAKE) --no-print-directory check

demo: deps
	@$(MAKE) --no-print-directory build
	@scripts/demo.sh $(O)

deps:
	@scripts/deps.sh

build: $(BINS)

# The mirror's tests run against librdkafka's mock cluster too.
tests-build: $(UNIT_BINS) $(INTEG_BINS) $(FUZZ_BINS) $(O)/bench/mock_cluster

check: build tests-build
	@rm -f $(XDC_TEST_RESULTS)
	@scripts/run-tests.sh unit $(UNIT_BINS)
	@scripts/run-tests.sh fuzz $(FUZZ_BINS)
	@XDC_BIN_DIR=$(abspath $(O)/bin) scripts/run-tests.sh integration $(INTEG_BINS)
	@$(MAKE) --no-print-directory check-docs
	@scripts/run-tests.sh --summary

check-unit: build $(UNIT_BINS)
	@scripts/run-tests.sh unit $(UNIT_BINS)

check-fuzz: $(FUZZ_BINS)
	@scripts/run-tests.sh fuzz $(FUZZ_BINS)

check-integration: build $(INTEG_BINS) $(O)/bench/mock_cluster
	@scripts/interop-deps.sh
	@XDC_BIN_DIR=$(abspath $(O)/bin) scripts/run-tests.sh integration $(INTEG_BINS)

# docs/configuration.md is generated from the configuration tables; a stale
# copy fails the test run.
check-docs: $(O)/bin/xdc
	@$(O)/bin/xdc config docs > $(O)/configuration.md
	@cmp -s $(O)/configuration.md docs/configuration.md || \
	  { echo "docs/configuration.md is stale: run 'make docs' and commit it"; \
	    diff -u docs/configuration.md $(O)/configuration.md | head -20; exit 1; }
	@echo "docs: docs/configuration.md is up to date"

docs: deps
	@$(MAKE) --no-print-directory $(O)/bin/xdc
	$(O)/bin/xdc config docs > docs/configuration.md

# Coverage-guided fuzzing with clang's libFuzzer, FUZZ_SECONDS per target,
# starting from each target's corpus. New crashes land in build-fuzz/;
# once fixed, copy the input to tests/fuzz/<target>.repro/.
FUZZ_SECONDS ?= 60
fuzz: deps
	@$(MAKE) --no-print-directory O=build-fuzz CC=clang OPT="-O1 -g" FUZZ_MAIN= \
	  SANITIZE="-fsanitize=address,undefined,fuzzer-no-link" FUZZ_LDFLAGS="-fsanitize=fuzzer" fuzz-run

.PHONY: fuzz fuzz-run
fuzz-run: $(FUZZ_BINS)
	@for t in $(FUZZ_BINS); do \
	  n=$$(basename $$t); mkdir -p $(O)/corpus/$$n; \
	  echo "--- fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(O)/ $(O)/corpus/$$n tests/fuzz/$$n.in || exit 1; \
	done

asan: deps
	@scripts/interop-deps.sh
	@$(MAKE) --no-print-directory check O=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

ubsan: deps
	@scripts/interop-deps.sh
	@$(MAKE) --no-print-directory check O=build-ubsan OPT="-O1 -g" \
	  SANITIZE="-fsanitize=undefined -fno-sanitize-recover=undefined"

valgrind: deps
	@$(MAKE) --no-print-directory build-valgrind-unit O=build-valgrind OPT="-O0 -g"

.PHONY: build-valgrind-unit
build-valgrind-unit: build $(UNIT_BINS)
	@XDC_TEST_WRAPPER="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
	  --errors-for-leak-kinds=definite,indirect --error-exitcode=99" \
	  scripts/run-tests.sh unit $(UNIT_BINS)

# librdkafka 2.0.2's own test suite (Debian's source package, built once
# per build directory) against a fresh broker: tests/conformance/librdkafka.list.
.PHONY: conformance
conformance: deps
	@$(MAKE) --no-print-directory build
	@scripts/conformance.sh $(O)

# --- benchmarks (bench/): JSON against a named baseline in the same run ---
BENCH_BINS := $(O)/bench/bench_broker $(O)/bench/bench_mirror $(O)/bench/mock_cluster

.PHONY: bench-broker bench-mirror
bench-broker: deps
	@$(MAKE) --no-print-directory build $(BENCH_BINS)
	@bench/bench-broker.sh $(O)

bench-mirror: deps
	@$(MAKE) --no-print-directory build $(BENCH_BINS)
	@bench/bench-mirror.sh $(O)

$(O)/bench/%: $(O)/obj/bench/%.o $(O)/obj/bench/bench_util.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	clang-format --dry-run -Werror $(FORMAT_SRCS)

clean:
	rm -rf build build-asan build-ubsan build-valgrind

# --- rules -------------------------------------------------------------

$(O)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

define lib_rule
$(O)/lib$(1).a: $(call lib_objs,$(1))
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach c,$(COMPONENTS),$(eval $(call lib_rule,$(c))))

$(O)/bin/xdc: $(CLI_OBJS) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(LIBS) $(PKG_LIBS)

$(O)/bin/xdc-%: $(O)/obj/%/main.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS) $(PKG_LIBS)

# A unit test may wrap symbols at link time: tests/unit/<c>/test_x.wrap
# lists one symbol per line (see STYLE: mock only at component boundaries).
wrap_flags = $(if $(wildcard $(1).wrap),$(foreach s,$(shell cat $(1).wrap),-Wl,--wrap=$(s)))

$(O)/tests/unit/%: $(O)/obj/tests/unit/%.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(call wrap_flags,tests/unit/$*) -o $@ $< $(LIBS) $(PKG_LIBS) $(TEST_LIBS)

$(O)/tests/integration/%: $(O)/obj/tests/integration/%.o $(TLIB_OBJS) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(TLIB_OBJS) $(LIBS) $(PKG_LIBS) $(TEST_LIBS)

# Fuzz targets link the corpus replayer by default; `make fuzz` links
# libFuzzer instead (FUZZ_MAIN empty, -fsanitize=fuzzer).
FUZZ_MAIN ?= $(O)/obj/tests/fuzz/replay_main.o
$(O)/tests/fuzz/%: $(O)/obj/tests/fuzz/%.o $(FUZZ_MAIN) $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
