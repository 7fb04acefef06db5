# settlebook — build, test, demo, bench, sanitizers, install.
# Libraries come from Debian packages, found with pkg-config (libcsv ships no .pc file,
# so it is linked by name).

PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
PKGS     := sqlite3 jansson libcurl xlsxwriter openssl zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm -pthread
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) \
             -Iinclude -Ibuild $(PKG_CFLAGS)
BUILD    ?= build
# Unit tests and fuzz targets may reach a subsystem's internal headers.
TEST_CFLAGS = $(ALL_CFLAGS) $(addprefix -I,$(SRC_DIRS))

# One folder per subsystem under src/ (see README "Architecture"); main.c sits on top.
SRC_DIRS := $(sort $(dir $(wildcard src/*/*.c)))
LIB_SRCS := $(sort $(wildcard src/*/*.c))
LIB_OBJS := $(patsubst src/%.c,$(BUILD)/%.o,$(LIB_SRCS))
OBJS     := $(LIB_OBJS) $(BUILD)/sql_embed.o
SQL      := $(sort $(wildcard sql/*.sql))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

# The binary this build folder links: ./settlebook for the normal build, build-asan/settlebook
# for the sanitizer build (which never replaces ./settlebook).
BIN      ?= settlebook

.PHONY: all deps deps-build deps-test deps-asan test unit e2e check demo bench asan fuzz \
        bench-fanout install uninstall clean

all: $(BIN)

# V=1 shows the full compiler command lines.
Q := $(if $(V),,@)

$(BIN): $(BUILD)/main.o $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

# -MMD -MP: each object depends on exactly the headers it includes.
$(BUILD)/%.o: src/%.c | $(BUILD)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Migrations are compiled into the binary so an installed settlebook needs no sql/ folder.
$(BUILD)/sql_embed.c: $(SQL) tests/embed_sql.sh | $(BUILD)
	$(Q)sh tests/embed_sql.sh $(SQL) > $@.tmp && mv $@.tmp $@

$(BUILD)/sql_embed.o: $(BUILD)/sql_embed.c
	$(Q)$(CC) $(ALL_CFLAGS) -Isrc/ledger -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(OBJS) tests/unit/t.h | $(BUILD)
	@mkdir -p $(BUILD)/tests
	@echo "  TEST    $@"
	$(Q)$(CC) $(TEST_CFLAGS) -Itests/unit -MMD -MP -o $@ $< $(OBJS) $(PKG_LIBS) $(LDFLAGS)

$(BUILD):
	@mkdir -p $(BUILD)

# Each purpose installs only what it needs (tests/deps.sh build|test|asan).
deps deps-test:
	@sh tests/deps.sh test
deps-build:
	@sh tests/deps.sh build
deps-asan:
	@sh tests/deps.sh asan

# test = check = unit + e2e; `unit` and `e2e` run one half (tests/run.sh: in parallel, one
# line per test, the total last).
test check: deps-test
	@$(MAKE) --no-print-directory $(BIN) $(UNIT_BINS)
	@SETTLEBOOK_BIN=$(BIN) sh tests/run.sh $(UNIT_BINS)

unit: deps-test
	@$(MAKE) --no-print-directory $(BIN) $(UNIT_BINS)
	@E2E=0 sh tests/run.sh $(UNIT_BINS)

e2e: deps-test
	@$(MAKE) --no-print-directory $(BIN)
	@SETTLEBOOK_BIN=$(BIN) sh tests/run.sh

demo: deps-build
	@$(MAKE) --no-print-directory settlebook
	@sh tests/demo.sh

bench: deps-test
	@$(MAKE) --no-print-directory settlebook
	@sh tests/bench.sh; s1=$$?; sh tests/bench_post.sh; s2=$$?; [ $$s1 = 0 ] && [ $$s2 = 0 ]

# 200 synthetic sellers closed as independent jobs, xargs -P $(nproc) at a time.
bench-fanout: deps-test
	@$(MAKE) --no-print-directory settlebook
	@sh tests/bench_fanout.sh

# The whole suite under AddressSanitizer and UBSan, built in build-asan/ with its own binary
# build-asan/settlebook; ./settlebook is left as it is.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=all -Wno-unknown-warning-option
asan: deps-asan
	@$(MAKE) --no-print-directory BUILD=build-asan BIN=build-asan/settlebook CC=clang \
	  CFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" check

fuzz: deps-asan
	@sh tests/fuzz.sh

# The stripped binary, the man page and the bash completion; DESTDIR stages a package.
MANDIR  ?= $(PREFIX)/share/man/man1
COMPDIR ?= $(PREFIX)/share/bash-completion/completions
STRIP   ?= strip

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR) $(DESTDIR)$(COMPDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/settlebook
	$(STRIP) $(DESTDIR)$(PREFIX)/bin/settlebook
	install -m 0644 doc/settlebook.1 $(DESTDIR)$(MANDIR)/settlebook.1
	install -m 0644 contrib/bash-completion/settlebook $(DESTDIR)$(COMPDIR)/settlebook

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/settlebook $(DESTDIR)$(MANDIR)/settlebook.1 \
	  $(DESTDIR)$(COMPDIR)/settlebook

-include $(LIB_OBJS:.o=.d) $(BUILD)/main.d $(BUILD)/sql_embed.d $(UNIT_BINS:=.d)

clean:
	rm -rf build build-asan build-fuzz settlebook tests/out

