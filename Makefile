# forklock build. Sources are discovered by directory, so adding a file needs no edit here:
#   shim/LAYER/*.c        the core, one folder per subsystem (ARCHITECTURE.md), linked into the
#                         library and the tools
#   preload/*.c *.S       the LD_PRELOAD surface (libforklock.so only)
#   tools/NAME.c          one helper program each: build/forklock-NAME (plus tools/lib/*.c)
#   tests/unit/*.c        Criterion suites over shim/ with fake syscalls
#   tests/preload/*.c     Criterion suites that run fixtures under LD_PRELOAD
#   tests/e2e/*.c         Criterion suites against real servers
#   tests/fixtures/*.c    fixture programs; tests/fixtures/lib*.c become shared objects
#   tests/lib/*.c         helpers shared by the test suites

CC      ?= gcc
SAN     ?=
PREFIX  ?= /usr/local
DESTDIR ?=

ifeq ($(SAN),asan)
BUILD    ?= build-asan
SANFLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANRT     = $(shell $(CC) -print-file-name=libasan.so)
else ifeq ($(SAN),tsan)
# Criterion itself aborts under TSan (Snaipe/Criterion#274), so the suites that drive programs
# are built without it and run the TSan-built library and fixtures; the unit suites cannot run.
BUILD    ?= build-tsan
SANFLAGS  = -fsanitize=thread
SANRT     = $(shell $(CC) -print-file-name=libtsan.so)
RUNNERSAN = -fno-sanitize=all
TSAN_OPTIONS ?= die_after_fork=0 halt_on_error=1 report_signal_unsafe=0 suppressions=$(abspath tests/tsan.supp)
export TSAN_OPTIONS
else ifeq ($(SAN),fuzz)
# scripts/fuzz: the archives with libFuzzer's coverage (CC=clang-14), linked into its fuzzers.
BUILD    ?= build-fuzz
SANFLAGS  = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
SANRT     =
else
BUILD    ?= build
SANFLAGS  =
SANRT     =
endif

# The layers, lowest first, and what each may use (ARCHITECTURE.md). The build enforces it: a layer
# compiles with only its own and its dependencies' include paths, and `make lint` checks the
# archives' symbols (scripts/check-layers).
SHIM_LAYERS = util ring core lock go fd audit
LAYER_DEPS_util  =
LAYER_DEPS_ring  = util
LAYER_DEPS_core  = util ring
LAYER_DEPS_lock  = util ring core
LAYER_DEPS_go    = util ring core
LAYER_DEPS_fd    = util ring core lock go
LAYER_DEPS_audit = util ring core lock go fd
SHIM_INC = $(addprefix -Ishim/,$(SHIM_LAYERS))
SHIM_SRC = $(foreach l,$(SHIM_LAYERS),$(wildcard shim/$(l)/*.c))
layer_inc = $(addprefix -Ishim/,$(LAYER_DEPS_$(1)) $(1))

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
# INC is the include path of what is compiled: a shim layer's own (below), everything else's all.
INC      = $(SHIM_INC) -Itools/lib
BASECFLAGS = -std=gnu11 -D_GNU_SOURCE -fPIC -MMD -MP
ALLCFLAGS = $(BASECFLAGS) -fvisibility=hidden -ftls-model=initial-exec -fno-plt -include shim/util/errno_fast.h $(WARN) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) $(INC)
TESTCFLAGS = $(BASECFLAGS) $(WARN) -Wno-missing-prototypes $(CFLAGS) $(SANFLAGS) $(SHIM_INC) -Itools/lib -Itests/lib
RUNNERSAN ?= $(SANFLAGS)

$(foreach l,$(SHIM_LAYERS),$(eval $(BUILD)/obj/shim/$(l)/%.o $(BUILD)/obj-test/shim/$(l)/%.o $(BUILD)/obj-runner/shim/$(l)/%.o: INC = $(call layer_inc,$(l))))

# One archive per layer (libfl-util.a ... libfl-audit.a) and one for the tools' library; the
# library, the tools, the tests, the benches and the fuzzers link these. Highest layer first, so
# that a single pass resolves every reference downwards.
layer_lib   = $(BUILD)/libfl-$(1).a
SHIM_LIBS   = $(foreach l,$(call reverse,$(SHIM_LAYERS)),$(call layer_lib,$(l)))
reverse     = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
TOOLS_LIB   = $(BUILD)/libfl-tools.a
SHIM_OBJ    = $(patsubst %.c,$(BUILD)/obj/%.o,$(SHIM_SRC))
PRELOAD_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard preload/*.c)) \
              $(patsubst %.S,$(BUILD)/obj/%.o,$(wildcard preload/*.S))
ifeq ($(SAN),tsan)
RUNNER_LIBS = $(foreach l,$(call reverse,$(SHIM_LAYERS)),$(BUILD)/runner/libfl-$(l).a)
RUNNER_TOOLS_LIB = $(BUILD)/runner/libfl-tools.a
else
RUNNER_LIBS = $(SHIM_LIBS)
RUNNER_TOOLS_LIB = $(TOOLS_LIB)
endif
TOOLLIB_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tools/lib/*.c))
TESTLIB_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/lib/*.c))
LIB         = $(BUILD)/libforklock.so
# The test build of the library: the same objects, but for the files that hold test-only switches
# (FORKLOCK_NO_LOCK) and reset hooks, rebuilt with -DFL_TEST_BUILD. Never installed. The unit
# suites link the shim's test variants ahead of the archives, so theirs are the ones used.
TESTVARIANT_SRC = shim/core/config.c shim/core/fdtable.c shim/lock/forklock.c shim/audit/carry.c \
                  preload/init.c
TESTVARIANT_SHIM_OBJ = $(patsubst %.c,$(BUILD)/obj-test/%.o,$(filter shim/%,$(TESTVARIANT_SRC)))
TESTLIB     = $(BUILD)/libforklock-test.so
TESTLIB_LINK_OBJ = $(filter-out $(patsubst %.c,$(BUILD)/obj/%.o,$(TESTVARIANT_SRC)),$(SHIM_OBJ) $(PRELOAD_OBJ)) \
                   $(patsubst %.c,$(BUILD)/obj-test/%.o,$(TESTVARIANT_SRC))
TOOLS       = $(patsubst tools/%.c,$(BUILD)/forklock-%,$(wildcard tools/*.c))
FIXTURE_SRC = $(filter-out tests/fixtures/lib%.c,$(wildcard tests/fixtures/*.c))
FIXTURES    = $(patsubst tests/fixtures/%.c,$(BUILD)/fixtures/%,$(FIXTURE_SRC)) \
              $(patsubst tests/fixtures/%.c,$(BUILD)/fixtures/%.so,$(wildcard tests/fixtures/lib*.c))
UNIT_TESTS    = $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/*.c))
PRELOAD_TESTS = $(patsubst tests/preload/%.c,$(BUILD)/tests/preload/%,$(wildcard tests/preload/*.c))
E2E_TESTS     = $(patsubst tests/e2e/%.c,$(BUILD)/tests/e2e/%,$(wildcard tests/e2e/*.c))
# tests/bench/*_preload.c are LD_PRELOAD libraries (the empty-preload floor), not programs.
BENCHES       = $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(filter-out %_preload.c,$(wildcard tests/bench/*.c))) \
                $(patsubst tests/bench/%.c,$(BUILD)/bench/%.so,$(wildcard tests/bench/*_preload.c))
ifeq ($(SAN),tsan)
ALL_TESTS     = $(PRELOAD_TESTS) $(E2E_TESTS)
else
ALL_TESTS     = $(UNIT_TESTS) $(PRELOAD_TESTS) $(E2E_TESTS)
endif

.PHONY: abi fuzz-libs all deps check check-suites check-unit check-asan check-tsan bench bench-compare fuzz golden lint format install uninstall clean demo
.DELETE_ON_ERROR:
.SECONDARY:

all: $(LIB) $(TOOLS) abi

# Every object's header dependencies come from the compiler (-MMD -MP): the .d files beside them.
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

$(BUILD)/obj/preload/%.o $(BUILD)/obj-test/preload/%.o: INC = $(SHIM_INC)

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(TESTCFLAGS) -DFL_TEST_BUILD $(RUNNERSAN) -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALLCFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(ALLCFLAGS) -c $< -o $@

$(BUILD)/libfl-%.a:
	@echo "  AR      $@"
	@rm -f $@
	@ar rcs $@ $^

# How the library is laid out in memory, for its start-up in every new image (issue 18): text and
# read-only data in one mapping (ld.so maps 2 segments instead of 4, fewer page faults), and no
# RELRO (one mprotect and one copy-on-write page less). Together -12 us of a /bin/true start (p10
# of 2,000 interleaved spawns: 589 -> 576 us; the empty preload: 521). RELRO would protect the
# GOT, but the real functions' pointers the library resolves at start are writable anyway. Before
# LDFLAGS, so a distribution's hardening flags (dpkg-buildflags: -z relro) still win.
LIBLAYOUT = -Wl,-z,noseparate-code -Wl,-z,norelro

$(foreach l,$(SHIM_LAYERS),$(eval $(call layer_lib,$(l)): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard shim/$(l)/*.c))))
$(TOOLS_LIB): $(TOOLLIB_OBJ)

# Each library is linked to $@.link and then written out again in one pass: the linker writes its
# output in scattered pieces, which leaves the file's page cache in small folios, where a copy
# written in one pass (an installed library) gets large ones, and every new image maps the
# library at fewer, cheaper faults. The same bytes cost a fork+exec of /bin/true 1.092x the empty
# preload as linked and 1.079x rewritten (fed.py, 25 rounds): the tests and make bench load what
# an install does. A rename, so that no running program sees the file change under it.
define write_in_one_pass
	@cp $@.link $@.tmp && mv -f $@.tmp $@ && rm -f $@.link
endef

# The library takes every object of every layer, referenced or not (--whole-archive), as it did
# when it was linked from the objects.
$(LIB): $(PRELOAD_OBJ) $(SHIM_LIBS) preload/libforklock.map
	@echo "  LD      $@"
	@$(CC) -shared $(SANFLAGS) $(LIBLAYOUT) $(LDFLAGS) -Wl,--version-script=preload/libforklock.map -Wl,-z,now \
	      -o $@.link $(PRELOAD_OBJ) -Wl,--whole-archive $(SHIM_LIBS) -Wl,--no-whole-archive -ldl -lpthread
	$(write_in_one_pass)

$(BUILD)/obj-test/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (test build)"
	@$(CC) $(ALLCFLAGS) -DFL_TEST_BUILD -c $< -o $@

$(TESTLIB): $(TESTLIB_LINK_OBJ) preload/libforklock.map
	@echo "  LD      $@"
	@$(CC) -shared $(SANFLAGS) $(LIBLAYOUT) $(LDFLAGS) -Wl,--version-script=preload/libforklock.map -Wl,-z,now \
	      -o $@.link $(TESTLIB_LINK_OBJ) -ldl -lpthread
	$(write_in_one_pass)

$(BUILD)/forklock-%: $(BUILD)/obj/tools/%.o $(TOOLS_LIB) $(SHIM_LIBS)
	@echo "  LD      $@"
	@$(CC) $(SANFLAGS) $(LDFLAGS) -o $@ $^ -lpthread

$(BUILD)/fixtures/%: tests/fixtures/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(TESTCFLAGS) -o $@ $< -lpthread

$(BUILD)/fixtures/%.so: tests/fixtures/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(TESTCFLAGS) -shared -o $@ $<

# Unit suites link the shim; the others only drive programs and need the test helpers.
$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(TESTLIB_OBJ) $(TESTVARIANT_SHIM_OBJ) $(TOOLS_LIB) \
                      $(SHIM_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(SANFLAGS) -o $@ $^ -lcriterion -lpthread

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TESTLIB_OBJ) $(RUNNER_TOOLS_LIB) $(RUNNER_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(CC) $(RUNNERSAN) -o $@ $^ -lcriterion -lpthread

# The shim as the runners link it: uninstrumented in the TSan build (see SAN=tsan above).
$(BUILD)/obj-runner/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (runner)"
	@$(CC) $(ALLCFLAGS) $(RUNNERSAN) -c $< -o $@

$(foreach l,$(SHIM_LAYERS),$(eval $(BUILD)/runner/libfl-$(l).a: $(patsubst %.c,$(BUILD)/obj-runner/%.o,$(wildcard shim/$(l)/*.c))))
$(BUILD)/runner/libfl-tools.a: $(patsubst %.c,$(BUILD)/obj-runner/%.o,$(wildcard tools/lib/*.c))
$(BUILD)/runner/libfl-%.a:
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/bench/%_preload.so: tests/bench/%_preload.c
	@mkdir -p $(dir $@)
	$(CC) $(TESTCFLAGS) -O2 -shared -o $@ $<

$(BUILD)/bench/%: tests/bench/%.c $(SHIM_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(TESTCFLAGS) -O2 -o $@ $^ -lpthread

# The fuzzers' build (scripts/fuzz): the same archives, compiled by clang with libFuzzer's coverage.
fuzz-libs: $(SHIM_LIBS) $(TOOLS_LIB)
	@echo $(TOOLS_LIB) $(SHIM_LIBS) >$(BUILD)/fuzz-libs

# ---- Other ABIs . ld.so expands $LIB in LD_PRELOAD (Debian: lib/<multiarch>), so
# `forklock run` preloads "<libdir>/$LIB/libforklock.so" and each image loads its own build:
#   $(BUILD)/lib/<native multiarch>/libforklock.so  -> ../../libforklock.so
#   $(BUILD)/lib/i386-linux-gnu/libforklock.so      the 32-bit build (gcc -m32 links: multilib),
#   $(BUILD)/lib32/libforklock.so                   also here: libc6-i386's ld.so (what
#                                                   gcc-multilib brings) expands $LIB to lib32
#   $(BUILD)/lib64/libforklock.so                   libc6-amd64's on an i386 system: lib64
#   $(BUILD)/$LIB/libforklock.so                    the musl build: musl's ld.so does not expand
#                                                   $LIB and opens this directory literally
# i386 and musl builds exist in the plain build only (no sanitizer runtime for them).
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
ABI_LINKS  = $(if $(MULTIARCH),$(BUILD)/lib/$(MULTIARCH)/libforklock.so)
ifeq ($(MULTIARCH),x86_64-linux-gnu)
ABI_LINKS += $(BUILD)/lib64/libforklock.so
endif
ifeq ($(SAN)$(MULTIARCH),x86_64-linux-gnu)
HAVE_M32  := $(shell printf 'int main(void){return 0;}' | $(CC) -m32 -x c -o /dev/null - 2>/dev/null && echo yes)
HAVE_MUSL := $(shell command -v musl-gcc >/dev/null && printf 'int main(void){return 0;}' | musl-gcc -x c -o /dev/null - 2>/dev/null && echo yes)
endif
# Debian's gcc-multilib (which conflicts with the aarch64 cross compiler) only adds the
# /usr/include/asm link; the x86 asm headers serve both word sizes, so point -m32 at them.
M32FLAGS   = -m32 -Wno-psabi -idirafter /usr/include/x86_64-linux-gnu
LIB32      = $(BUILD)/i386/libforklock.so
OBJ32      = $(patsubst $(BUILD)/obj/%,$(BUILD)/obj32/%,$(SHIM_OBJ) $(PRELOAD_OBJ))
TESTOBJ32  = $(patsubst $(BUILD)/obj/%,$(BUILD)/obj32/%,$(filter-out $(patsubst %.c,$(BUILD)/obj/%.o,$(TESTVARIANT_SRC)),$(SHIM_OBJ) $(PRELOAD_OBJ))) \
             $(patsubst %.c,$(BUILD)/obj32-test/%.o,$(TESTVARIANT_SRC))
# kernel_probe speaks x86_64 and aarch64 syscall numbers only: --kernel is checked on those.
FIXTURES32 = $(patsubst $(BUILD)/fixtures/%,$(BUILD)/i386/fixtures/%,$(filter-out %/kernel_probe,$(FIXTURES)))
# musl headers lack linux/ and asm/: a directory of links to the kernel's, searched last.
MUSLCC     = musl-gcc -idirafter $(BUILD)/musl/include -include preload/musl_compat.h
LIBMUSL    = $(BUILD)/musl/libforklock.so
OBJMUSL    = $(patsubst $(BUILD)/obj/%,$(BUILD)/obj-musl/%,$(SHIM_OBJ) $(PRELOAD_OBJ))
# A static image, for the note `forklock run` gives where no library can be preloaded.
ABI_LINKS += $(BUILD)/static/abi_legacy
ifeq ($(HAVE_M32),yes)
ABI_LINKS += $(BUILD)/lib/i386-linux-gnu/libforklock.so $(BUILD)/lib32/libforklock.so $(BUILD)/i386/libforklock-test.so $(FIXTURES32) \
             $(patsubst $(BUILD)/%,$(BUILD)/i386/%,$(TOOLS))
endif
ifeq ($(HAVE_MUSL),yes)
ABI_LINKS += $(BUILD)/$$LIB/libforklock.so $(BUILD)/musl/fixtures/abi_legacy $(BUILD)/musl/fixtures/fdreport
endif

abi: $(ABI_LINKS)

# The preload suites that run unchanged against the 32-bit tree (the race and the storm are in
# test_foundation). Left out, for reasons of the harness, not the library: fl_run_program
# preloads $(BUILD)/i386/libforklock.so by its plain path, so a 64-bit child (/bin/sh in
# test_stdfds, test_secure's probe) gets ld.so's wrong-class line; test_hardening preloads the
# 64-bit libfaketime and socket_wrapper; surface_gen and test_carry's small-stack cases assume
# 64-bit sizes; test_abi picks each ABI itself.
I386_SUITES = $(addprefix $(BUILD)/tests/preload/,test_foundation test_process test_streams \
              test_accept_timeout test_efault test_ioctl test_recvflags test_vfork_nested \
              test_popen)

$(BUILD)/lib/$(MULTIARCH)/libforklock.so: | $(LIB)
	@mkdir -p $(dir $@)
	@ln -sfn ../../libforklock.so $@

$(BUILD)/obj32/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC32    $<"
	@$(CC) $(M32FLAGS) $(ALLCFLAGS) -c $< -o $@

$(BUILD)/obj32/%.o: %.S preload/vfork.h
	@mkdir -p $(dir $@)
	@$(CC) $(M32FLAGS) $(ALLCFLAGS) -c $< -o $@

$(BUILD)/obj32-test/%.o: %.c
	@mkdir -p $(dir $@)
	@$(CC) $(M32FLAGS) $(ALLCFLAGS) -DFL_TEST_BUILD -c $< -o $@

$(BUILD)/i386/libforklock.so $(BUILD)/i386/libforklock-test.so: preload/libforklock.map
	@mkdir -p $(dir $@)
	@echo "  LD32    $@"
	@$(CC) -m32 -shared $(LIBLAYOUT) $(LDFLAGS) -Wl,--version-script=preload/libforklock.map -Wl,-z,now \
	      -o $@.link $(filter %.o,$^) -ldl -lpthread
	$(write_in_one_pass)
$(BUILD)/i386/libforklock.so: $(OBJ32)
$(BUILD)/i386/libforklock-test.so: $(TESTOBJ32)

$(BUILD)/lib/i386-linux-gnu/libforklock.so: | $(LIB32)
	@mkdir -p $(dir $@)
	@ln -sfn ../../i386/libforklock.so $@

$(BUILD)/lib32/libforklock.so: | $(LIB32)
	@mkdir -p $(dir $@)
	@ln -sfn ../i386/libforklock.so $@

$(BUILD)/lib64/libforklock.so: | $(LIB)
	@mkdir -p $(dir $@)
	@ln -sfn ../libforklock.so $@

# The 32-bit tree the preload suites run against (FL_BUILD=$(BUILD)/i386): its own library and
# fixtures, the 64-bit tools (the ring is the same on both ABIs).
$(BUILD)/i386/forklock-%: | $(BUILD)/forklock-%
	@mkdir -p $(dir $@)
	@ln -sfn ../forklock-$* $@

$(BUILD)/i386/fixtures/%: tests/fixtures/%.c $(wildcard tests/fixtures/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC32    $@"
	@$(CC) $(M32FLAGS) $(TESTCFLAGS) -o $@ $< -lpthread

$(BUILD)/i386/fixtures/%.so: tests/fixtures/%.c
	@mkdir -p $(dir $@)
	@$(CC) $(M32FLAGS) $(TESTCFLAGS) -shared -o $@ $<

$(BUILD)/static/%: tests/fixtures/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@ (static)"
	@$(CC) $(filter-out -fsanitize% -fno-sanitize%,$(TESTCFLAGS)) -static -o $@ $<

$(BUILD)/musl/include/.made:
	@mkdir -p $(dir $@)
	@ln -sfn /usr/include/linux $(dir $@)linux
	@ln -sfn /usr/include/asm-generic $(dir $@)asm-generic
	@ln -sfn /usr/include/$(MULTIARCH)/asm $(dir $@)asm
	@touch $@

$(BUILD)/obj-musl/%.o: %.c preload/musl_compat.h | $(BUILD)/musl/include/.made
	@mkdir -p $(dir $@)
	@echo "  CCMUSL  $<"
	@$(MUSLCC) $(ALLCFLAGS) -c $< -o $@

$(BUILD)/obj-musl/%.o: %.S preload/vfork.h
	@mkdir -p $(dir $@)
	@musl-gcc $(ALLCFLAGS) -c $< -o $@

$(LIBMUSL): $(OBJMUSL) preload/libforklock.map
	@mkdir -p $(dir $@)
	@echo "  LDMUSL  $@"
	@musl-gcc -shared $(LIBLAYOUT) $(LDFLAGS) -Wl,--version-script=preload/libforklock.map -Wl,-z,now \
	      -o $@.link $(OBJMUSL) -lc
	$(write_in_one_pass)

$(BUILD)/$$LIB/libforklock.so: | $(LIBMUSL)
	@mkdir -p '$(BUILD)/$$LIB'
	@ln -sfn ../musl/libforklock.so '$(BUILD)/$$LIB/libforklock.so'

$(BUILD)/musl/fixtures/%: tests/fixtures/%.c | $(BUILD)/musl/include/.made
	@mkdir -p $(dir $@)
	@echo "  CCMUSL  $@"
	@musl-gcc -idirafter $(BUILD)/musl/include $(TESTCFLAGS) -o $@ $< -lpthread

# Test binaries find what they run through these variables.
TESTENV = FL_BUILD=$(abspath $(BUILD)) FL_SRC=$(abspath .) FL_SANRT=$(SANRT) FL_SAN=$(SAN)

# The packages first (installed when root, else the exact apt-get command and a stop), then the
# build: a fresh machine gets a clear message instead of a failed link.
deps:
	@scripts/install-deps

check: deps
	@$(MAKE) --no-print-directory check-suites

check-suites: all $(TESTLIB) $(FIXTURES) $(ALL_TESTS)
	@$(TESTENV) scripts/run-tests $(ALL_TESTS)
ifeq ($(HAVE_M32),yes)
	@echo "i386: the preload suites again, against $(BUILD)/i386 (32-bit library and fixtures)"
	@$(TESTENV) FL_BUILD=$(abspath $(BUILD))/i386 scripts/run-tests $(I386_SUITES)
endif

check-unit: all $(TESTLIB) $(FIXTURES) $(UNIT_TESTS)
	@$(TESTENV) scripts/run-tests $(UNIT_TESTS)

check-asan:
	$(MAKE) SAN=asan check

check-tsan:
	$(MAKE) SAN=tsan check

bench: all $(FIXTURES) $(BENCHES)
	@$(TESTENV) scripts/bench

# make bench-compare A=old.csv B=new.csv: per-row change between two results of make bench.
bench-compare:
	@scripts/bench-compare $(A) $(B)

fuzz: all $(FIXTURES)
	@$(TESTENV) scripts/fuzz

# The core reaches the kernel through struct fl_sys or raw syscalls, never through a name the
# library exports; and each layer uses only the layers below it.
lint: $(LIB) $(SHIM_LIBS)
	scripts/check-core-symbols $(LIB) $(SHIM_OBJ)
	CC=$(CC) scripts/check-layers $(BUILD) $(foreach l,$(SHIM_LAYERS),'$(l):$(LAYER_DEPS_$(l))') -- $(PRELOAD_OBJ)
	cppcheck --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
	         --suppressions-list=.cppcheck-suppressions -q -D_GNU_SOURCE $(SHIM_INC) shim preload tools
	clang-tidy --quiet $(SHIM_SRC) $(wildcard preload/*.c) -- -std=gnu11 -D_GNU_SOURCE $(SHIM_INC)

format:
	clang-format -i $(wildcard shim/*/*.[ch] preload/*.[ch] tools/*.c tools/lib/*.[ch] \
	                 tests/*/*.[ch])

# Installed: the library and helpers in PREFIX/lib/forklock (the command finds them relative to
# itself), the command, the man pages, and the systemd drop-in with PREFIX's library path.
LIBDIR_INST = $(PREFIX)/lib/forklock
MAN1 = $(wildcard man/*.1)
MAN7 = $(wildcard man/*.7)

install: all
	install -d $(DESTDIR)$(LIBDIR_INST) $(DESTDIR)$(PREFIX)/bin
	install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR_INST)/libforklock.so
	@# Each ABI where ld.so's $$LIB finds it, as in the build tree (see "Other ABIs" above).
	cd $(BUILD) && for f in lib/*/libforklock.so lib32/libforklock.so lib64/libforklock.so \
	                        '$$LIB/libforklock.so'; do \
	  [ -e "$$f" ] || continue; install -d "$(DESTDIR)$(LIBDIR_INST)/$${f%/*}"; \
	  install -m 0644 "$$f" "$(DESTDIR)$(LIBDIR_INST)/$$f"; done
	install -m 0755 $(TOOLS) $(DESTDIR)$(LIBDIR_INST)/
	install -m 0755 scripts/forklock $(DESTDIR)$(PREFIX)/bin/forklock
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man7
	$(if $(MAN1),install -m 0644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1/)
	$(if $(MAN7),install -m 0644 $(MAN7) $(DESTDIR)$(PREFIX)/share/man/man7/)
	if [ -f systemd/forklock.conf ]; then install -d $(DESTDIR)$(PREFIX)/share/forklock/systemd && \
	  sed 's|/usr/lib/forklock/|$(LIBDIR_INST)/|g' systemd/forklock.conf \
	    >$(DESTDIR)$(PREFIX)/share/forklock/systemd/forklock.conf && \
	  chmod 0644 $(DESTDIR)$(PREFIX)/share/forklock/systemd/forklock.conf; fi

uninstall:
	rm -rf $(DESTDIR)$(LIBDIR_INST) $(DESTDIR)$(PREFIX)/share/forklock
	rm -f $(DESTDIR)$(PREFIX)/bin/forklock \
	      $(patsubst man/%,$(DESTDIR)$(PREFIX)/share/man/man1/%,$(MAN1)) \
	      $(patsubst man/%,$(DESTDIR)$(PREFIX)/share/man/man7/%,$(MAN7))

# After a deliberate change of what dump or the tree print: rewrite tests/golden/ from the fixed
# ring of tests/e2e/test_golden.c, then review the diff like code.
golden: all $(BUILD)/tests/e2e/test_golden
	@FL_GOLDEN_UPDATE=1 $(TESTENV) $(BUILD)/tests/e2e/test_golden --filter 'golden/dump_*'
	@FL_GOLDEN_UPDATE=1 $(TESTENV) $(BUILD)/tests/e2e/test_golden --filter 'golden/audit_*'
	@git --no-pager diff --stat -- tests/golden/ 2>/dev/null || true

# The README's first command.
demo:
	scripts/demo

clean:
	rm -rf build build-asan build-tsan build-fuzz build-aarch64
