# settlebook — build, test, demo, bench, sanitizers, install.
# Libraries come from Debian packages, found with pkg-config (libcsv ships no .pc file,
# so it is linked by name).

PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
PKGS     := sqlite3 jansson libcurl xlsxwriter openssl zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) \
             -Iinclude -Ibuild $(PKG_CFLAGS)
BUILD    ?= build

# One folder per subsystem under src/ (see README "Architecture"); main.c sits on top.
SRC_DIRS := $(sort $(dir $(wildcard src/*/*.c)))
LIB_SRCS := $(sort $(wildcard src/*/*.c))
LIB_OBJS := $(patsubst src/%.c,$(BUILD)/%.o,$(LIB_SRCS))
OBJS     := $(LIB_OBJS) $(BUILD)/sql_embed.o
SQL      := $(sort $(wildcard sql/*.sql))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all deps test unit e2e demo bench bench-fanout asan fuzz install clean

all: settlebook

# V=1 shows the full compiler command lines.
Q := $(if $(V),,@)

settlebook: $(BUILD)/main.o $(OBJS)
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
	$(Q)$(CC) $(ALL_CFLAGS) -Itests/unit $(addprefix -I,$(SRC_DIRS)) -MMD -MP -o $@ $< $(OBJS) $(PKG_LIBS) $(LDFLAGS)

$(BUILD):
	@mkdir -p $(BUILD)

deps:
	@sh tests/deps.sh

test: deps
	@$(MAKE) --no-print-directory settlebook $(UNIT_BINS)
	@sh tests/run.sh $(UNIT_BINS)

demo: deps
	@$(MAKE) --no-print-directory settlebook
	@sh tests/demo.sh

bench: deps
	@$(MAKE) --no-print-directory settlebook
	@sh tests/bench.sh; s1=$$?; sh tests/bench_post.sh; s2=$$?; [ $$s1 = 0 ] && [ $$s2 = 0 ]

# 200 synthetic sellers closed as independent jobs, xargs -P $(nproc) at a time.
bench-fanout: deps
	@$(MAKE) --no-print-directory settlebook
	@sh tests/bench_fanout.sh

# The whole suite under AddressSanitizer and UBSan, in its own build folder.
# The instrumented ./settlebook is removed afterwards so a plain `make` relinks a normal one.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -Wno-unknown-warning-option" \
	  LDFLAGS="-fsanitize=address,undefined" clean-bin test; st=$$?; rm -f settlebook; exit $$st

clean-bin:
	@rm -f settlebook

fuzz: deps
	@sh tests/fuzz.sh

install: settlebook
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 settlebook $(DESTDIR)$(PREFIX)/bin/settlebook

-include $(LIB_OBJS:.o=.d) $(BUILD)/main.d $(BUILD)/sql_embed.d $(UNIT_BINS:=.d)

clean:
	rm -rf build build-asan build-fuzz settlebook tests/out

# For tests/fuzz.sh: the library objects of a build folder.
print-lib-objs:
	@echo $(LIB_OBJS)
