# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# hostlens build: bpf/*.bpf.c -> clang -target bpf -> bpftool gen skeleton -> one binary.
# Quiet by default; V=1 for the full commands. `make asan` builds with ASan+UBSan
# into build-asan/, `make fuzz` builds libFuzzer targets.

OUTPUT ?= build
ARCH ?= $(shell uname -m | sed 's/x86_64/x86/' | sed 's/aarch64/arm64/')
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
VMLINUX := vmlinux/$(ARCH)/vmlinux.h
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

PKGS := libbpf libelf zlib jansson libnghttp2 libevent libevent_openssl libevent_pthreads libcurl yaml-0.1 openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
SAN ?=
CFLAGS ?= -O2 -g
override CFLAGS += $(WARN) -std=gnu11 -D_GNU_SOURCE -DHOSTLENS_VERSION='"$(VERSION)"' \
	-I$(OUTPUT) -I. -Iuser -Ibpf $(PKG_CFLAGS) $(SAN) -MMD -MP -pthread
LDLIBS := $(PKG_LIBS) -lpthread -lm
override LDFLAGS += $(SAN) -pthread

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(dir $(VMLINUX)) -Ibpf \
	-Wall -Werror -Wno-unused-function -mcpu=v3

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.skel.h,$(BPF_SRCS))

# Every .c under the module folders goes into one static library; main.c only
# wires. Helpers drop files into their folder without touching this Makefile.
LIB_SRCS := $(filter-out user/main.c,$(wildcard user/*.c user/fleet/*.c collectors/*.c sinks/*.c sinks/*/*.c web/*.c))
LIB_OBJS := $(patsubst %.c,$(OUTPUT)/obj/%.o,$(LIB_SRCS)) $(OUTPUT)/obj/web_assets.o
LIB := $(OUTPUT)/libhostlens.a
BIN := $(OUTPUT)/hostlens

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
# Test helpers; a tests/helpers/X.bpf.c is a BPF program of the tests' own,
# built into a skeleton next to the helper binaries, never into the agent.
HELPER_SRCS := $(filter-out %.bpf.c,$(wildcard tests/helpers/*.c bench/*.c))
TEST_BPF_OBJS := $(patsubst %.c,$(OUTPUT)/%.o,$(wildcard tests/helpers/*.bpf.c))
HELPER_BINS := $(patsubst %.c,$(OUTPUT)/%,$(HELPER_SRCS))

# The chart library comes pinned from npm (web/package-lock.json) and is
# embedded next to the dashboard sources; nothing is fetched at run time.
CHART_LIB := web/node_modules/uplot/dist/uPlot.iife.min.js web/node_modules/uplot/dist/uPlot.min.css
ASSETS := $(sort $(wildcard web/assets/*.*)) $(CHART_LIB)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(TEST_BPF_OBJS)
.PHONY: all setup run test test-only unit asan fuzz bench clean vmlinux install-deps

all: $(BIN) $(UNIT_BINS) $(HELPER_BINS)

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c bpf/*.h $(VMLINUX) | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/bpf/%.bpf.o | $(OUTPUT)
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# Only the loader includes skeletons; make sure they exist before it compiles.
$(OUTPUT)/obj/user/loader.o: $(SKELS)

$(OUTPUT)/obj/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(OUTPUT)/web_assets.c: $(ASSETS) scripts/embed-assets.sh
	$(call msg,EMBED,$@)
	$(Q)mkdir -p $(OUTPUT)
	$(Q)sh scripts/embed-assets.sh $@ $(ASSETS)

$(CHART_LIB) &: web/package-lock.json
	$(call msg,NPM,web/node_modules)
	$(Q)cd web && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.stamp $(patsubst web/%,%,$(CHART_LIB))

$(OUTPUT)/obj/web_assets.o: $(OUTPUT)/web_assets.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BIN): $(OUTPUT)/obj/user/main.o $(LIB)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/%: tests/unit/%.c $(LIB) | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

$(OUTPUT)/tests/helpers/%.bpf.o: tests/helpers/%.bpf.c tests/helpers/*.h $(VMLINUX)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/tests/helpers/%.skel.h: $(OUTPUT)/tests/helpers/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

# tests/helpers/netloss.c loads its own skeleton
$(OUTPUT)/tests/helpers/netloss: $(OUTPUT)/tests/helpers/netloss.skel.h

$(OUTPUT)/tests/helpers/%: tests/helpers/%.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -I$(OUTPUT)/tests/helpers $< $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

# bench/floor_load.c loads its own skeleton
$(OUTPUT)/bench/floor_load: $(OUTPUT)/floor.skel.h

$(OUTPUT)/bench/%: bench/%.c $(LIB)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB) $(LDFLAGS) $(LDLIBS) -o $@

# The two user-facing commands. Both install what is missing first.
setup install-deps:
	$(Q)sh scripts/setup.sh build

run: setup
	$(Q)$(MAKE) --no-print-directory $(BIN)
	./$(BIN)

test: 
	$(Q)sh scripts/setup.sh test
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory asan
	$(Q)sh tests/run

# Run the suite without installing anything (developer loop).
test-only: all
	$(Q)sh tests/run

unit: all
	$(Q)sh tests/run unit

asan:
	$(Q)$(MAKE) --no-print-directory OUTPUT=build-asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" CFLAGS="-O1 -g" all

fuzz:
	$(Q)sh scripts/fuzz.sh $(FUZZ_SECONDS)

bench: setup
	$(Q)sh scripts/setup.sh bench
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh bench/run.sh

vmlinux:
	$(Q)mkdir -p vmlinux/$(ARCH)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $(VMLINUX)

clean:
	$(Q)rm -rf build build-asan build-fuzz

-include $(shell find $(OUTPUT)/obj -name '*.d' 2>/dev/null)
-include $(wildcard $(OUTPUT)/tests/*.d)
