# SPDX-License-Identifier: GPL-2.0-or-later
# box: build, test, install. Sources are found by wildcard: a new module or test
# is a new file, never an edit here.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DESTDIR ?=
CC ?= cc
PKG_CONFIG ?= pkg-config
BUILD ?= build

PKGS := slirp libcap-ng ncursesw inih libcurl libarchive json-c libcrypto
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null | sed 's/-D_XOPEN_SOURCE=[0-9]*//; s/-D_DEFAULT_SOURCE//')
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

WARN := -Wall -Wextra -Wno-unused-parameter -Werror=shadow -Werror=strict-prototypes \
	-Werror=missing-prototypes -Werror=implicit-function-declaration -Wformat=2 \
	-Werror=format-nonliteral -Werror=switch-enum
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -D_GNU_SOURCE $(WARN) -MMD -MP $(PKG_CFLAGS) $(SANITIZE_FLAGS)
LDLIBS += $(PKG_LIBS) -lm
ifdef SANITIZE
SANITIZE_FLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=$(SANITIZE)
endif
ifdef WERROR
override CFLAGS += -Werror
endif

LIB_SRC := $(sort $(wildcard core/*/*.c config/*.c net/*.c tui/*.c))
CMD_SRC := $(sort $(wildcard cmd/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/fuzz/%)
LIB := $(BUILD)/libbox.a

.PHONY: all box tests deps setup-tests install uninstall check check-unit check-integration asan lint \
	format format-check fuzz bench clean

all: $(BUILD)/box tests

box: $(BUILD)/box

tests: $(UNIT_BIN) $(FUZZ_BIN) $(BUILD)/probe

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

# Libraries only some commands use are loaded on their first call (core/util/lazylib.h):
# otherwise every `box run` would pay for mapping and relocating them and their ~40
# dependencies, more than the sandbox itself costs to start. x86-64 builds without
# sanitizers only; anything else links them as usual.
# (slirp: its first call, slirp_new(), comes before the net helper jails itself.)
LAZY_LIBS ?= curl archive crypto slirp
ifeq ($(shell $(CC) -dumpmachine 2>/dev/null | cut -d- -f1)$(SANITIZE),x86_64)
LAZY := $(LAZY_LIBS)
endif
LAZY_OBJ := $(LAZY:%=$(BUILD)/lazy/%.o)
comma := ,
BOX_LDLIBS := $(if $(LAZY),-Wl$(comma)--as-needed) $(filter-out $(LAZY:%=-l%),$(LDLIBS))

$(BUILD)/lazy/%.s: $(CMD_OBJ) $(LIB) core/util/lazy-stubs.sh
	@mkdir -p $(dir $@)
	sh core/util/lazy-stubs.sh $* "$(CC)" $(CMD_OBJ) $(LIB) >$@.tmp && mv $@.tmp $@

$(BUILD)/lazy/%.o: $(BUILD)/lazy/%.s
	$(CC) -c -o $@ $<

$(BUILD)/box: $(CMD_OBJ) $(LIB) $(LAZY_OBJ)
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJ) $(LAZY_OBJ) $(LIB) $(BOX_LDLIBS)

# The same box with every library linked as usual, for tests/bench/bench-lazy.sh.
$(BUILD)/box-nolazy: $(CMD_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c tests/unit/tap.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay_main.c $(LIB) $(LDLIBS)

# A static multi-call probe for fast test images (no userland needed).
$(BUILD)/probe: tests/probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -static -o $@ $<

# Installs every Debian package that building, running and testing needs.
deps:
	@sh tests/deps.sh

# Prepares this host for the integration tests (test user, subuid range, device modes,
# delegated cgroup, Debian userland, local registry); see tests/host-setup.sh.
setup-tests:
	@if [ "$$(id -u)" = 0 ]; then tests/host-setup.sh; else sudo tests/host-setup.sh; fi

install: $(BUILD)/box
	install -D -m 0755 $(BUILD)/box $(DESTDIR)$(BINDIR)/box

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/box

check: all
	tests/run.sh

check-unit: all
	tests/run.sh --unit

check-integration: all
	tests/run.sh --integration

asan:
	$(MAKE) BUILD=build-asan SANITIZE=address,undefined tests $(BUILD:%=build-asan)/box
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		BUILD=build-asan tests/run.sh --unit

fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang SANITIZE=fuzzer-no-link,address,undefined $(LIB:$(BUILD)/%=build-fuzz/%)
	@mkdir -p build-fuzz/fuzz
	for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
		clang -std=gnu11 -D_GNU_SOURCE $(PKG_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-o build-fuzz/fuzz/$$n $$f build-fuzz/libbox.a $(LDLIBS) || exit 1; done

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem -D_GNU_SOURCE -I core core config net tui cmd

format:
	clang-format -i $(LIB_SRC) $(CMD_SRC) $(wildcard */*.h core/*/*.h)

format-check:
	@clang-format --dry-run --Werror $(LIB_SRC) $(CMD_SRC) $(wildcard core/*/*.h config/*.h net/*.h tui/*.h cmd/*.h)

bench: all $(BUILD)/box-nolazy
	tests/bench/run.sh

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d)
