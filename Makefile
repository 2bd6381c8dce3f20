# lifeboat: one non-recursive GNU Makefile.
#
#   make            build ./lifeboat
#   make test       install what is missing, build, run every test
#   make check      the same tests under AddressSanitizer + UBSan
#   make fuzz       build the libFuzzer targets (clang)
#   make demo       the demo inventory: exec, triage, the remediation
#   make install    PREFIX=/usr/local DESTDIR=
#
# Knobs: CFLAGS/LDFLAGS are yours; project flags live in LB_*.
# DEVELOPER=1 adds -Werror and stricter warnings; SANITIZE=address,undefined
# adds sanitizers; V=1 shows every command; BUILD=dir puts objects elsewhere.

PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
LIBDIR		?= $(PREFIX)/lib
DATADIR		?= $(PREFIX)/share
PLUGINDIR	?= $(LIBDIR)/lifeboat/plugins
PLAYBOOKDIR	?= $(DATADIR)/lifeboat/playbooks
DESTDIR		?=

CC		?= cc
FUZZCC		?= clang
CFLAGS		?= -O2 -g
LDFLAGS		?=
PKG_CONFIG	?= pkg-config
INSTALL		?= install
BUILD		?= build
BIN		?= lifeboat

VERSION		:= 0.1.0
PKGS		:= yaml-0.1 libssh2 libcurl libxml-2.0 libsodium libarchive ldap \
		   ncursesw
TEST_PKGS	:= cmocka

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Recursive (=) so that pkg-config runs only when a recipe needs it, after
# `make deps` has had the chance to install what is missing.
PKG_CFLAGS	= $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS	= $(shell $(PKG_CONFIG) --libs $(PKGS))
TEST_CFLAGS	= $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS))
TEST_LIBS	= $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))

LB_WARN		:= -Wall -Wextra -Wshadow -Wpointer-arith -Wformat=2 \
		   -Wmissing-prototypes -Wstrict-prototypes -Wvla \
		   -Wno-unused-parameter
LB_HARDEN	:= -fstack-protector-strong -fPIE
LB_HARDEN_LD	:= -pie -Wl,-z,relro -Wl,-z,now
ifneq ($(findstring -O,$(CFLAGS)),)
ifeq ($(SANITIZE),)
LB_HARDEN	+= -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
endif
endif
ifeq ($(DEVELOPER),1)
LB_WARN		+= -Werror -Wcast-align -Wundef -Wwrite-strings \
		   -Wold-style-definition -Wredundant-decls
endif
ifneq ($(SANITIZE),)
LB_SAN		:= -fsanitize=$(SANITIZE) -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all
endif

LB_CPPFLAGS	= -Isrc -Iinclude -D_GNU_SOURCE \
		  -DLIFEBOAT_VERSION='"$(VERSION)"' \
		  -DLIFEBOAT_PLUGINDIR='"$(PLUGINDIR)"' \
		  -DLIFEBOAT_PLAYBOOKDIR='"$(PLAYBOOKDIR)"'
LB_CFLAGS	= -std=c11 $(LB_WARN) $(LB_HARDEN) $(LB_SAN) -MMD -MP
ALL_CFLAGS	= $(LB_CPPFLAGS) $(LB_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS	= $(LB_HARDEN_LD) $(LB_SAN) $(LDFLAGS)

LIB_SRCS	:= $(sort $(wildcard src/*.c))
CMD_SRCS	:= $(sort $(wildcard cmd/*.c cmd/tui/*.c))
UNIT_SRCS	:= $(sort $(wildcard tests/unit/test-*.c))
FUZZ_SRCS	:= $(sort $(wildcard tests/fuzz/fuzz-*.c))
PLUGIN_SRCS	:= $(sort $(wildcard plugins/*.c))

LIB_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/%.o)
CMD_OBJS	:= $(CMD_SRCS:%.c=$(BUILD)/%.o)
LIB		:= $(BUILD)/liblifeboat.a
UNIT_BINS	:= $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_BINS	:= $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
PLUGINS		:= $(PLUGIN_SRCS:plugins/%.c=$(BUILD)/plugins/%.so)
# Plugins for the loader's tests that lifeboat must refuse.
TEST_PLUGINS	:= $(BUILD)/tests/plugins-bad/badabi.so
FUZZ_FLAGS	:= -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
		   -fno-omit-frame-pointer
MANS		:= $(wildcard man/*.1 man/*.5 man/*.7)

# dlopen() is in glibc's libc from 2.34 and in the BSDs'; older glibc
# keeps it in libdl, which newer ones still provide, empty.
ifeq ($(shell uname -s),Linux)
DL_LIBS		?= -ldl
endif

# A plugin sees <lifeboat/plugin.h> and libc, and nothing of lifeboat's.
PLUGIN_CFLAGS	= -Iinclude -D_POSIX_C_SOURCE=200809L -std=c11 $(LB_WARN) \
		  -fstack-protector-strong -fPIC $(LB_SAN) -MMD -MP \
		  $(CPPFLAGS) $(CFLAGS)
PLUGIN_LDFLAGS	= -shared -Wl,-z,relro -Wl,-z,now $(LB_SAN) $(LDFLAGS)

.PHONY: all test check fuzz demo demo-tui demo-cli deps install uninstall clean unit-bins \
	plugins

all: $(BIN) plugins

$(BIN): $(CMD_OBJS) $(LIB)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $(CMD_OBJS) $(LIB) $(ALL_LDFLAGS) \
	    $(PKG_LIBS) $(DL_LIBS)

$(LIB): $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIB_OBJS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test-%: tests/unit/test-%.c $(LIB)
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -MF $@.d -o $@ $< $(LIB) \
	    $(ALL_LDFLAGS) $(PKG_LIBS) $(TEST_LIBS) $(DL_LIBS)

unit-bins: $(UNIT_BINS) $(PLUGINS) $(TEST_PLUGINS) $(BUILD)/tests/vault-tool

# The key vault from the shell, for t0160; not installed.
$(BUILD)/tests/vault-tool: tests/tools/vault-tool.c $(LIB)
	@mkdir -p $(@D)
	@echo "  TOOL    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -MF $@.d -o $@ $< $(LIB) $(ALL_LDFLAGS) \
	    $(PKG_LIBS) $(DL_LIBS)

$(BUILD)/plugins/%.so: plugins/%.c
	@mkdir -p $(@D)
	@echo "  PLUGIN  $@"
	$(Q)$(CC) $(PLUGIN_CFLAGS) -MF $@.d -o $@ $< $(PLUGIN_LDFLAGS)

# Plugins that read JSON (PowerShell's, Graph's) carry their own copy of
# the strict reader, built position-independent and hidden, so the
# plugin still sees nothing of lifeboat's at run time.
PLUGIN_JSON	:= src/jsonr.c src/arena.c src/xmalloc.c src/errors.c
$(BUILD)/plugins/bitlocker.so $(BUILD)/plugins/entra.so: \
    $(BUILD)/plugins/%.so: plugins/%.c $(PLUGIN_JSON)
	@mkdir -p $(@D)
	@echo "  PLUGIN  $@"
	$(Q)$(CC) $(PLUGIN_CFLAGS) -Isrc -D_GNU_SOURCE -fvisibility=hidden \
	    -DLB_PLUGIN_EXPORT='__attribute__((visibility("default")))' \
	    -MF $@.d -o $@ $< $(PLUGIN_JSON) $(PLUGIN_LDFLAGS) -lm

$(BUILD)/tests/plugins-bad/badabi.so: tests/unit/plugin-bad-abi.c
	@mkdir -p $(@D)
	@echo "  PLUGIN  $@"
	$(Q)$(CC) $(PLUGIN_CFLAGS) -MF $@.d -o $@ $< $(PLUGIN_LDFLAGS)

plugins: $(PLUGINS)

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZCC) $(LB_CPPFLAGS) -std=c11 $(PKG_CFLAGS) $(FUZZ_FLAGS) \
	    -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_OBJS)
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	$(Q)$(FUZZCC) $(LB_CPPFLAGS) -std=c11 $(PKG_CFLAGS) \
	    -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-omit-frame-pointer -MMD -MP -MF $@.d -o $@ $< \
	    $(FUZZ_OBJS) $(PKG_LIBS) $(DL_LIBS)

fuzz: $(FUZZ_BINS)

# The instrumented objects are not intermediate files: keep them.
.SECONDARY: $(FUZZ_OBJS)

deps:
	$(Q)sh tools/deps test

# The one command for the tests: set-up, build, run.  The last line of the
# run is "N passed, N failed".
test:
	$(Q)sh tools/deps test
	$(Q)$(MAKE) --no-print-directory $(BIN) plugins unit-bins fuzz
	$(Q)LIFEBOAT="$(abspath $(BIN))" BUILD="$(abspath $(BUILD))" \
	    bash tests/run

check:
	$(Q)$(MAKE) --no-print-directory BUILD=build/san BIN=build/san/lifeboat \
	    SANITIZE=address,undefined CFLAGS="-O1 -g" test

# At a terminal the demo opens the TUI on the demo inventory with the
# remediation playbook; otherwise (CI, a pipe) it runs the CLI tour.
demo:
	$(Q)sh tools/deps build
	$(Q)$(MAKE) --no-print-directory $(BIN) plugins
	$(Q)if [ -t 0 ] && [ -t 1 ]; then \
	    $(MAKE) --no-print-directory demo-tui; \
	else \
	    $(MAKE) --no-print-directory demo-cli; \
	fi

demo-tui:
	$(Q)LIFEBOAT_PLUGIN_PATH="$(abspath $(BUILD))/plugins" \
	    $(abspath $(BIN)) -i inventory/demo.yml tui \
	    playbooks/remediate-bad-driver-file.yml || [ $$? -ne 2 ]

demo-cli:
	$(Q)$(abspath $(BIN)) -i inventory/demo.yml inventory graph
	$(Q)$(abspath $(BIN)) -i inventory/demo.yml inventory list 'windows:&tier0'
	@echo; echo '$$ lifeboat -i inventory/demo.yml exec --retries 2 all -- uptime'
	$(Q)$(abspath $(BIN)) -i inventory/demo.yml exec --retries 2 all -- uptime \
	    || [ $$? -eq 1 ]
	@echo; echo '$$ lifeboat -i inventory/demo.yml exec --gather tier0 -- echo patched'
	$(Q)$(abspath $(BIN)) -i inventory/demo.yml exec --gather tier0 -- echo patched \
	    || [ $$? -eq 1 ]
	@echo; echo '$$ lifeboat -i inventory/demo.yml run playbooks/triage-reachability.yml'
	$(Q)LIFEBOAT_PLUGIN_PATH="$(abspath $(BUILD))/plugins" \
	    $(abspath $(BIN)) -i inventory/demo.yml run \
	    playbooks/triage-reachability.yml || [ $$? -eq 1 ]
	@echo; echo '$$ lifeboat -i inventory/demo.yml run playbooks/remediate-bad-driver-file.yml --yes -l ams-dc01,fra-dc01,nyc-dc01'
	$(Q)LIFEBOAT_PLUGIN_PATH="$(abspath $(BUILD))/plugins" \
	    $(abspath $(BIN)) -i inventory/demo.yml run \
	    playbooks/remediate-bad-driver-file.yml --yes \
	    -l ams-dc01,fra-dc01,nyc-dc01 || [ $$? -eq 1 ]

install: $(BIN) plugins
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
	    $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(PLAYBOOKDIR)
	$(INSTALL) -m 755 $(BIN) $(DESTDIR)$(BINDIR)/lifeboat
	$(INSTALL) -m 644 $(filter %.1,$(MANS)) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(filter %.5,$(MANS)) $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 644 $(filter %.7,$(MANS)) $(DESTDIR)$(MANDIR)/man7
	for f in playbooks/*.yml; do [ -e "$$f" ] || continue; \
	    $(INSTALL) -m 644 "$$f" $(DESTDIR)$(PLAYBOOKDIR); done
	for f in $(BUILD)/plugins/*.so; do [ -e "$$f" ] || continue; \
	    $(INSTALL) -m 755 "$$f" $(DESTDIR)$(PLUGINDIR); done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/lifeboat
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(filter %.1,$(MANS))))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(filter %.5,$(MANS))))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(filter %.7,$(MANS))))
	rm -rf $(DESTDIR)$(PLAYBOOKDIR) $(DESTDIR)$(LIBDIR)/lifeboat

clean:
	rm -rf build lifeboat

-include $(LIB_OBJS:.o=.d) $(CMD_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d)
-include $(UNIT_BINS:=.d) $(FUZZ_BINS:=.d) $(PLUGINS:=.d) $(TEST_PLUGINS:=.d)
