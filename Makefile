# adascale: builds build/adascale (the harness) and build/adascale-agent (the on-device
# profiling agent), the Criterion suite, benchmarks and the demo. `make help` lists targets.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
BUILD   ?= build

VERSION := 0.1.0
GIT_REV := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wold-style-definition -Wpointer-arith -Wcast-qual -Wwrite-strings -Wformat=2 \
        -Wundef -Wvla -Wnull-dereference -Wimplicit-fallthrough -Wmissing-declarations
ifneq ($(CI),)
WARN += -Werror
endif
ifneq ($(WERROR),)
WARN += -Werror
endif

OPT      ?= -O2 -g
# The floors, lowest first (docs/layout.md): a file includes headers of its own folder or of a
# lower floor only; tests/test_layout.c holds the tree to it.
FLOORS   := common devices/agent models traces devices policies sandbox runtime sim store sweep reports cmd
CPPFLAGS += -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(addprefix -I,$(FLOORS)) \
            -DADASCALE_VERSION='"$(VERSION)"' -DADASCALE_GIT_REV='"$(GIT_REV)"' \
            -DADASCALE_DATADIR='"$(PREFIX)/share/adascale"'
# The objects that embed GIT_REV (a run's provenance, --version, evolve's record) are rebuilt
# when it changes: $(BUILD)/git-rev holds the revision they were built at.
GIT_REV_STAMP := $(BUILD)/git-rev
$(shell mkdir -p $(BUILD) && [ "$$(cat $(GIT_REV_STAMP) 2>/dev/null)" = "$(GIT_REV)" ] || \
	echo "$(GIT_REV)" > $(GIT_REV_STAMP))
CFLAGS   += -std=c11 $(OPT) $(WARN) -fno-strict-aliasing -pthread
LDLIBS_AGENT   := -lcsv -lXNNPACK -lpthreadpool -lopenblas -lm -lpthread
# serve (runtime/) reads device files (inih) and loads policy plugins (libdl); no SQLite
LDLIBS_SERVE   := -linih -ldl
LDLIBS_HARNESS := -lsqlite3 -lcsv -linih -lopenblas -llapacke -lz -ldl -lm -lpthread
LDLIBS_TEST    := -lcriterion

COMMON_SRC  := $(wildcard common/*.c)
AGENT_SRC   := $(wildcard devices/agent/*.c)
HARNESS_SRC := $(filter-out cmd/main.c runtime/main.c,$(wildcard $(addsuffix /*.c,$(filter-out \
                 common devices/agent,$(FLOORS)))))
# what the agent's serve verb links from the floors between the agent and runtime/: the
# linker takes from this archive only the objects serve reaches (never SQLite, zlib or
# LAPACK: the self-evolving trainer of models/ is left out)
SERVE_SRC   := $(filter-out models/evolve%,$(wildcard $(addsuffix /*.c,models traces devices \
                 policies runtime)))
SERVE_SRC   := $(filter-out runtime/main.c,$(SERVE_SRC))
TEST_SRC    := $(wildcard tests/test_*.c) tests/testutil.c tests/faultinject.c
BENCH_SRC   := $(filter-out tests/bench_agent.c,$(wildcard tests/bench_*.c))
PLUGIN_SRC  := $(wildcard policies/examples/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

COMMON_OBJ  := $(call obj,$(COMMON_SRC))
AGENT_OBJ   := $(call obj,$(AGENT_SRC))
HARNESS_OBJ := $(call obj,$(HARNESS_SRC))
PLUGINS     := $(patsubst policies/examples/%.c,$(BUILD)/policies/%.so,$(PLUGIN_SRC))

.PHONY: all deps test demo bench install uninstall clean asan asan-test valgrind help plugins \
	check-tests
.PHONY: test-cluster
.DEFAULT_GOAL := all

all: $(BUILD)/adascale $(BUILD)/adascale-agent $(PLUGINS)

help:
	@echo "make          build build/adascale and build/adascale-agent"
	@echo "make deps     install the Debian packages the project needs (only missing ones)"
	@echo "make test     deps, build, then the Criterion suite"
	@echo "make demo     deps, build, profile this machine, replay the bundled trace, report"
	@echo "make demo-readme  make demo, then its summary (table, verdict) into README.md"
	@echo "make browser-check  the demo report from bundled data, checked in headless Chromium"
	@echo "make validate measure this machine, serve for real and simulate 12 runs, docs/validation.md"
	@echo "make bench    speed benchmarks (engine, whole run, trace parsing, profiling)"
	@echo "make agent-cross  installs the cross toolchain if missing, builds the agent for arm64"
	@echo "make test-cross   the same, then runs the arm64 agent under qemu"
	@echo "make test-cluster  a one-node Slurm on this machine, a sharded sweep through it"
	@echo "make asan     the same binaries with ASan + UBSan into build-asan/"
	@echo "make asan-test  the whole suite with the ASan + UBSan build; any report fails it"
	@echo "make valgrind the whole suite under valgrind memcheck (VALGRIND_FILTER='store/*')"
	@echo "make fuzz FUZZ_SECONDS=60  clang + libFuzzer targets of every parser, each run N s"
	@echo "make install  into \$$(DESTDIR)\$$(PREFIX) (default /usr/local), relocatable; make uninstall removes it"

deps:
	@sh scripts/install-deps.sh

# V=1 shows the whole command lines
Q := $(if $(V),,@)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(call obj,store/store.c cmd/cmd.c models/evolve.c): $(GIT_REV_STAMP)

$(BUILD)/libadascale.a: $(HARNESS_OBJ) $(COMMON_OBJ) $(AGENT_OBJ)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/adascale: $(call obj,cmd/main.c) $(BUILD)/libadascale.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -rdynamic -o $@ $^ $(LDFLAGS) $(LDLIBS_HARNESS) $(LDLIBS_AGENT)

$(BUILD)/libagentserve.a: $(call obj,$(SERVE_SRC))
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/adascale-agent: $(call obj,runtime/main.c) $(BUILD)/libagentserve.a $(AGENT_OBJ) \
		$(COMMON_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $(call obj,runtime/main.c) $(BUILD)/libagentserve.a $(AGENT_OBJ) \
		$(COMMON_OBJ) $(LDFLAGS) $(LDLIBS_SERVE) $(LDLIBS_AGENT)

$(BUILD)/policies/%.so: policies/examples/%.c policies/adascale_policy.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  PLUGIN  $@")
	$(Q)$(CC) -std=c11 $(OPT) $(WARN) -Ipolicies -fPIC -shared -o $@ $<

plugins: $(PLUGINS)

$(BUILD)/tests: $(call obj,$(TEST_SRC)) $(BUILD)/libadascale.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -rdynamic -o $@ $^ $(LDFLAGS) $(LDLIBS_TEST) $(LDLIBS_HARNESS) $(LDLIBS_AGENT)

$(BUILD)/bench: $(call obj,$(BENCH_SRC)) $(BUILD)/libadascale.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS_HARNESS) $(LDLIBS_AGENT)

# kernel efficiency: the zoo's largest convolutions against sgemm, in the same run
$(BUILD)/bench-agent: $(call obj,tests/bench_agent.c) $(BUILD)/libadascale.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS_HARNESS) $(LDLIBS_AGENT)

# The suite runs from the repository root (it reads bundled data and ../shared/data).
test: deps
	@$(MAKE) --no-print-directory all $(BUILD)/tests
	ADASCALE_BUILD=$(BUILD) $(BUILD)/tests $(TEST_ARGS)

demo: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh $(BUILD) out/demo

# The last demo's summary (out/demo/summary.md) into README.md's demo block; run on an
# idle machine, since the numbers are its timings.
.PHONY: demo-readme
demo-readme: demo
	@sh scripts/demo-readme.sh out/demo README.md

# The demo's report, built from bundled data (devices/xeon-kvm-2vcpu and its timings), at
# 1280x800 in headless Chromium (installed when missing): the verdict and the on-time
# accuracy column within the window, no sideways scrolling, every image loaded.
.PHONY: browser-check
browser-check: deps
	@sh scripts/install-deps.sh chromium
	@$(MAKE) --no-print-directory all
	@sh scripts/browser-check.sh --demo $(BUILD) $(BUILD)/browser-check

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench $(BUILD)/bench-agent
	@sh scripts/bench.sh $(BUILD)

# The simulator against real serving on this machine (docs/validation.md); not part of
# `make test`: measures this machine, then serves and simulates 12 runs of 30 s each.
.PHONY: validate
validate: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/validate.sh $(BUILD) out/validate docs/validation.md

# Not part of `make test`: installs slurm-wlm and munge when missing (docs/sweeps.md).
test-cluster: deps
	@$(MAKE) --no-print-directory all
	@sh scripts/test-cluster.sh $(BUILD)

# libFuzzer targets of the parsers (tests/fuzz/): scripts/fuzz.sh builds them with clang
# into build-fuzzer/ through the rule below and runs each one; not part of `make test`.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz:
	@sh scripts/fuzz.sh $(FUZZ_SECONDS)

.SECONDARY: $(call obj,$(wildcard tests/fuzz/*.c))
$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(call obj,tests/fuzz/fuzz.c) $(BUILD)/libadascale.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDFLAGS) $(LDLIBS_HARNESS) $(LDLIBS_AGENT)

# float-cast-overflow (a double out of an integer's range converted to it) is undefined
# behaviour that gcc's -fsanitize=undefined leaves out.
asan:
	@$(MAKE) --no-print-directory BUILD=build-asan \
		OPT="-O1 -g -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined,float-cast-overflow" all build-asan/tests

# The whole suite with the ASan + UBSan build (docs/hardening.md): any report aborts the
# process it is in, a test or an adascale that a test runs, and so fails the test and the
# suite. allocator_may_return_null: a huge allocation returns NULL, as with glibc, for the
# code to refuse, instead of ASan stopping the process.
ASAN_TEST_ENV := ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
asan-test: deps
	@$(MAKE) --no-print-directory asan
	ADASCALE_BUILD=build-asan $(ASAN_TEST_ENV) build-asan/tests $(TEST_ARGS)

# The suite under valgrind's memcheck, every process it starts included (scripts/valgrind.sh):
# a -O1 -g build without sanitizers in build-vg/ (tests' timeouts x 20, TU_SLOW in
# tests/testutil.h). VALGRIND_FILTER='store/*' runs a subset.
# Installs valgrind when missing; not part of `make test`.
valgrind:
	@sh scripts/install-deps.sh valgrind
	@$(MAKE) --no-print-directory BUILD=build-vg OPT="-O1 -g -DTU_SLOW=20" all build-vg/tests
	@sh scripts/valgrind.sh build-vg $(TEST_ARGS)

# The agent for aarch64 with Debian's cross toolchain and arm64 libraries (multiarch, and
# XNNPACK unpacked into XNNPACK_ROOT: scripts/install-cross-deps.sh says why). Without an
# arm64 XNNPACK, or with AGENT_XNNPACK=0, the agent is built with OpenBLAS only; the agent,
# its libraries and their loader go into $(CROSS_BUILD)/agent-bundle, the folder to push to
# a device. test-cross installs what it needs and runs both under qemu-user. Neither is part
# of `make test` (docs/agent.md).
.PHONY: agent-cross test-cross
CROSS        ?= aarch64-linux-gnu-
CROSS_TRIPLET = $(patsubst %-,%,$(CROSS))
CROSS_BUILD  ?= build-$(CROSS_TRIPLET)
XNNPACK_ROOT ?= $(CROSS_BUILD)/arm64-root
CROSS_LIBDIR  = $(XNNPACK_ROOT)/usr/lib/$(CROSS_TRIPLET)
ifeq ($(AGENT_XNNPACK),0)
LDLIBS_AGENT := -lcsv -lopenblas -lm -lpthread
CPPFLAGS += -DADASCALE_AGENT_NO_XNNPACK
endif

# agent-cross installs what it links first (only what is missing, as `make deps` does): the
# aarch64 toolchain and arm64 libraries from Debian; another CROSS brings its own toolchain.
agent-cross:
	@if [ "$(CROSS_TRIPLET)" = aarch64-linux-gnu ]; then sh scripts/install-cross-deps.sh $(XNNPACK_ROOT); \
	elif ! command -v $(CROSS)gcc >/dev/null 2>&1; then \
		echo "agent-cross: no $(CROSS)gcc (scripts/install-cross-deps.sh installs only aarch64-linux-gnu-)" >&2; exit 1; fi
	@xnn=$(AGENT_XNNPACK); \
	if [ -z "$$xnn" ]; then \
		if [ -e $(CROSS_LIBDIR)/libXNNPACK.so ] || [ -e /usr/lib/$(CROSS_TRIPLET)/libXNNPACK.so ]; then xnn=1; \
		else xnn=0; echo "agent-cross: no $(CROSS_TRIPLET) XNNPACK (scripts/install-cross-deps.sh): OpenBLAS only"; fi; \
	fi; \
	$(MAKE) --no-print-directory BUILD=$(CROSS_BUILD) CC=$(CROSS)gcc AR=$(CROSS)ar AGENT_XNNPACK=$$xnn \
		LDFLAGS="$(LDFLAGS) -L$(CROSS_LIBDIR) -Wl,-rpath-link,$(CROSS_LIBDIR)" $(CROSS_BUILD)/adascale-agent
	@TRIPLET=$(CROSS_TRIPLET) sh scripts/agent-bundle.sh $(CROSS_BUILD)/adascale-agent \
		$(CROSS_BUILD)/agent-bundle $(CROSS_LIBDIR)

test-cross:
	@$(MAKE) --no-print-directory agent-cross CROSS=$(CROSS) CROSS_BUILD=$(CROSS_BUILD) \
		XNNPACK_ROOT=$(XNNPACK_ROOT)
	@sh scripts/test-cross.sh $(CROSS_BUILD)/adascale-agent $(CROSS_LIBDIR) $(CROSS_BUILD)/agent-bundle

# The installed tree finds its data from the binary (BIN/../share/adascale, common/paths.h),
# so it runs wherever it is moved to; adascale-policy.pc gives plugins the header's folder
# through ${pcfiledir}, so it moves too (docs/install.md).
SHARE := $(DESTDIR)$(PREFIX)/share/adascale
DOCS  := $(DESTDIR)$(PREFIX)/share/doc/adascale
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/adascale $(SHARE) $(DOCS) \
		$(DESTDIR)$(PREFIX)/lib/adascale/policies $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BUILD)/adascale $(BUILD)/adascale-agent $(DESTDIR)$(PREFIX)/bin/
	install -m 644 policies/adascale_policy.h $(DESTDIR)$(PREFIX)/include/adascale/
	$(if $(PLUGINS),install -m 755 $(PLUGINS) $(DESTDIR)$(PREFIX)/lib/adascale/policies/)
	for f in $$(find models/zoo data/accuracy data/sweeps data/studies devices traces -type f \( -name '*.csv' \
			-o -name '*.ini' -o -name '*.md' \) -not -path 'devices/agent/*') \
			data/tolerances.ini policies/examples/README.md policies/examples/*.c \
			tests/data/slowdown.csv tests/data/ramp.csv tests/data/flapping.csv tests/data/dvfs2.ini; do \
		install -D -m 644 $$f $(SHARE)/$$f; \
	done
	install -m 644 README.md docs/*.md $(DOCS)/
	sed -e 's|@VERSION@|$(VERSION)|' scripts/adascale-policy.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/adascale-policy.pc
	chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/adascale-policy.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/adascale $(DESTDIR)$(PREFIX)/bin/adascale-agent \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/adascale-policy.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/adascale $(SHARE) $(DOCS) $(DESTDIR)$(PREFIX)/lib/adascale

clean:
	rm -rf build build-asan build-fuzzer build-vg out

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
