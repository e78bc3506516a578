# SPDX-License-Identifier: ISC
# Kenh build. GNU Make + pkg-config, no autotools (see README.md).
#
#   make            developer build into build/ (warnings are errors)
#   make check      install deps, ASan+UBSan build into build/asan/, run every test layer
#   make demo       install deps, build, run the demo
#   make fuzz       clang libFuzzer targets into build/fuzz/, each run FUZZ_SECONDS
#   make bench      build and run the benchmarks
#   make lint       the lint gate (STYLE R17)
#   make MODE=release   hardened build without -Werror
#
# BUILD selects the output directory (helpers working in parallel use their own).

MODE    ?= dev
ifeq ($(MODE),asan)
BUILD   ?= build/asan
else
BUILD   ?= build
endif
CC      ?= cc
PKGS    := openssl jansson libevent libevent_openssl sqlite3 libargon2
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
LIBPQ_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null)
LIBPQ_LIBS   := $(shell pkg-config --libs libpq 2>/dev/null)
# References the benchmarks compare against, linked only where installed (the
# bench sources test for their headers): libolm (Megolm), libsignal-protocol-c.
BENCH_LIBS := $(foreach p,olm libsignal-protocol-c,$(shell pkg-config --exists $(p) 2>/dev/null && pkg-config --libs $(p)))

# R15.2 warnings.
WARN := -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wformat=2 \
	-Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition -Wvla \
	-Wcast-qual -Wpointer-arith -Wundef -Wimplicit-fallthrough \
	-Wmisleading-indentation -Werror=unused-result

# R15.3 hardening, each flag probed before use.
comma := ,
probe = $(shell $(CC) -Werror $(1) -x c -c /dev/null -o /dev/null 2>/dev/null && echo "$(1)")
probe_ld = $(shell printf 'int main(void){return 0;}' | $(CC) -Werror $(1) -x c - -o /dev/null 2>/dev/null && echo "$(1)")
HARDEN := $(call probe,-fstack-protector-strong) $(call probe,-fstack-clash-protection) \
	$(call probe,-fcf-protection=full) $(call probe,-ftrivial-auto-var-init=zero) \
	$(call probe,-fzero-call-used-regs=used) -fPIE
FORTIFY := $(if $(call probe,-O2 -D_FORTIFY_SOURCE=3),-D_FORTIFY_SOURCE=3,-D_FORTIFY_SOURCE=2)
HARDEN_LD := $(call probe_ld,-pie) $(call probe_ld,-Wl$(comma)-z$(comma)relro$(comma)-z$(comma)now) \
	$(call probe_ld,-Wl$(comma)-z$(comma)noexecstack)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

ifeq ($(MODE),dev)
OPT      := -O2 -g $(FORTIFY) -Werror -DKENH_DEBUG
MODEFLAGS := $(HARDEN)
MODE_LD  := $(HARDEN_LD)
else ifeq ($(MODE),asan)
OPT      := -O1 -g -Werror -DKENH_DEBUG -DKENH_FAULT_INJECT
MODEFLAGS := $(SAN)
MODE_LD  := $(SAN)
else ifeq ($(MODE),release)
OPT      := -O2 $(FORTIFY)
MODEFLAGS := $(HARDEN)
MODE_LD  := $(HARDEN_LD)
else
$(error MODE must be dev, asan or release)
endif

CPPFLAGS := -Iinclude -Ilib -Itests/lib -Ikenhd
CFLAGS_ALL := -std=c11 -D_DEFAULT_SOURCE $(OPT) $(MODEFLAGS) $(WARN) -MMD -MP $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(MODE_LD) $(LDFLAGS)
LIBS := $(PKG_LIBS) $(LIBPQ_LIBS) -lpthread

LIB_SRCS  := $(sort $(wildcard lib/*/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
TLIB_SRCS := $(sort $(wildcard tests/lib/*.c))
TLIB_OBJS := $(TLIB_SRCS:%.c=$(BUILD)/obj/%.o)

# Programs: name:directory. Each directory's .c files make one program.
PROGRAMS := kenh-vectors:tests/kat kenh-mls:cli/kenh-mls kenhd:kenhd kenh:cli/kenh \
	kenh-admin:cli/kenh-admin kenh-test-csr:tests/tools kenh-relayc:tests/relayc
prog_name = $(word 1,$(subst :, ,$(1)))
prog_dir  = $(word 2,$(subst :, ,$(1)))
prog_srcs = $(sort $(wildcard $(call prog_dir,$(1))/*.c))
PRESENT   := $(foreach p,$(PROGRAMS),$(if $(call prog_srcs,$(p)),$(p)))
PROG_BINS := $(foreach p,$(PRESENT),$(BUILD)/$(call prog_name,$(p)))
# kenhd's storage backends: linked into kenhd and into the unit test of the store.
STORE_SRCS := $(sort $(wildcard kenhd/store/*.c))
STORE_OBJS := $(STORE_SRCS:%.c=$(BUILD)/obj/%.o)
COMMON_SRCS := $(sort $(wildcard cli/common/*.c))
COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/obj/%.o)

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRCS:fuzz/fuzz_%.c=%)
REPLAY_BINS := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
BENCH_SRCS := $(sort $(wildcard bench/bench_*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

.PHONY: all check demo fuzz bench lint clean deps check-valgrind
all: $(BUILD)/libkenh.a $(BUILD)/libkenh.so $(PROG_BINS) $(UNIT_BINS) $(REPLAY_BINS) $(BENCH_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS_ALL) -fvisibility=hidden -fPIC -c $< -o $@

$(BUILD)/libkenh.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libkenh.so: $(LIB_OBJS)
	$(CC) -shared $(filter-out -pie,$(LDFLAGS_ALL)) -o $@ $^ $(LIBS)

define PROGRAM_RULE
$(BUILD)/$(call prog_name,$(1)): $(patsubst %.c,$(BUILD)/obj/%.o,$(call prog_srcs,$(1))) $(COMMON_OBJS) $(if $(filter tests/%,$(call prog_dir,$(1))),$(TLIB_OBJS)) $(if $(filter kenhd,$(call prog_dir,$(1))),$(STORE_OBJS)) $(BUILD)/libkenh.a
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$(filter %.o,$$^) $(BUILD)/libkenh.a $$(LIBS)
endef
$(foreach p,$(PRESENT),$(eval $(call PROGRAM_RULE,$(p))))
# The vector runner also needs the shared test helpers (hex, JSON).
$(BUILD)/kenh-vectors: $(TLIB_OBJS)

# Unit tests also link cli/common, so the programs' shared helpers have tests too.
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(TLIB_OBJS) $(COMMON_OBJS) $(BUILD)/libkenh.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(BUILD)/libkenh.a $(LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/test_store: $(STORE_OBJS)
# kenhd's enrollment attempt limits have a unit test of their own (STYLE R17.1).
$(BUILD)/tests/test_ratelimit: $(BUILD)/obj/kenhd/ratelimit.o
# The frame-handler fuzz target runs kenhd's handlers without its main.c (STYLE R17.8).
KENHD_CORE_SRCS := $(filter-out kenhd/main.c,$(sort $(wildcard kenhd/*.c)))
KENHD_CORE_OBJS := $(KENHD_CORE_SRCS:%.c=$(BUILD)/obj/%.o)
$(BUILD)/fuzz/replay_relay_frame: $(KENHD_CORE_OBJS) $(STORE_OBJS)
# The daemon's request decoder lives with the programs' shared code (cli/common).
$(BUILD)/fuzz/replay_daemon_req: $(COMMON_OBJS)
# The fault walks over the relay's handlers (tests/unit/test_relay_fault.c, STYLE R17.5).
$(BUILD)/tests/test_relay_fault: $(KENHD_CORE_OBJS) $(STORE_OBJS)
# The store embeds its migrations with .incbin (kenhd/store/store_sqlite.c, store_pg.c).
$(STORE_OBJS): $(wildcard kenhd/store/sql/*.sql kenhd/store/pgsql/*.sql)
# libpq's headers only for the PostgreSQL backend.
$(BUILD)/obj/kenhd/store/store_pg.o: CFLAGS_ALL += $(LIBPQ_CFLAGS)

$(BUILD)/fuzz/replay_%: $(BUILD)/obj/fuzz/fuzz_%.o $(BUILD)/obj/fuzz/replay.o $(TLIB_OBJS) $(BUILD)/libkenh.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(BUILD)/libkenh.a $(LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(TLIB_OBJS) $(BUILD)/libkenh.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(BUILD)/libkenh.a $(LIBS) $(BENCH_LIBS)

# The whole test run, under ASan and UBSan (STYLE R15.4), one closing count line.
check: deps
	$(MAKE) MODE=asan all
	tools/run-tests.sh build/asan

check-valgrind: all
	VALGRIND=1 tools/run-tests.sh $(BUILD)

demo: deps
	$(MAKE) all
	scripts/demo.sh $(BUILD)

deps:
	scripts/deps.sh

# libFuzzer targets (clang-14). FUZZ_SECONDS bounds each run. New inputs go
# to build/fuzz/corpus_<t>; fuzz/corpus/<t> (the committed seeds) is only read.
# A crash, leak or UBSan report fails the target and shows the log's tail.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang-14
FUZZ_FLAGS := -std=c11 -D_DEFAULT_SOURCE -g -O1 -DKENH_DEBUG -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all $(CPPFLAGS) $(PKG_CFLAGS) $(LIBPQ_CFLAGS)
fuzz:
	@mkdir -p build/fuzz
	@set -e; for t in $(FUZZ_NAMES); do \
		echo "fuzz: building $$t"; \
		extra=""; [ $$t = relay_frame ] && extra="$(KENHD_CORE_SRCS) $(STORE_SRCS)"; \
		[ $$t = daemon_req ] && extra="cli/common/cli_jsonreq.c"; \
		$(FUZZ_CC) $(FUZZ_FLAGS) -o build/fuzz/fuzz_$$t fuzz/fuzz_$$t.c $(LIB_SRCS) $(TLIB_SRCS) $$extra $(LIBS); \
		mkdir -p build/fuzz/corpus_$$t; \
		echo "fuzz: running $$t for $(FUZZ_SECONDS)s"; \
		if ! build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -dict=fuzz/$$t.dict \
			-artifact_prefix=build/fuzz/$$t- build/fuzz/corpus_$$t fuzz/corpus/$$t \
			>build/fuzz/fuzz_$$t.log 2>&1; then \
			tail -n 40 build/fuzz/fuzz_$$t.log; echo "fuzz: $$t FAILED"; exit 1; \
		fi; \
		tail -n 3 build/fuzz/fuzz_$$t.log; \
	done

bench: all
	@for b in $(BENCH_BINS); do echo "== $$b"; $$b || exit 1; done

lint: all
	tools/lint.sh $(BUILD)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
