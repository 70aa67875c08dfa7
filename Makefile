# confab - build, run and test. See README.md.
#
#   make            release binary at build/confab
#   make asan       debug binary with AddressSanitizer + UBSan at build/asan/confab
#   make tsan       debug binary with ThreadSanitizer at build/tsan/confab
#   make test-tsan  builds it and runs the concurrency test against it
#   make lint       cppcheck and clang-tidy over src/ (docs/analysis.md)
#   make run        installs missing packages, builds, starts a development server
#   make test       installs missing packages, builds, runs every test
#
CC      ?= cc
PKGS    := libmicrohttpd sqlite3 libcrypto libcurl libxml-2.0 gnutls
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

WARN := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wold-style-definition -Wpointer-arith -Wcast-qual \
        -Wwrite-strings -Wformat=2 -Wundef -Wvla -Wimplicit-fallthrough -fno-common \
        -Wno-format-nonliteral -Wno-overlength-strings
ifeq ($(shell $(CC) --version 2>/dev/null | grep -c gcc),1)
WARN += -Wduplicated-cond -Wlogical-op -Wrestrict
endif
ifdef WERROR
WARN += -Werror
endif

REL_CFLAGS  := $(WARN) -O2 -g -fno-omit-frame-pointer -D_FORTIFY_SOURCE=3 \
               -fstack-protector-strong -fPIE -MMD -MP
REL_LDFLAGS := -pie -Wl,-z,relro,-z,now,-z,noexecstack
ASAN_CFLAGS := $(WARN) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined -DCF_DEBUG -MMD -MP
ASAN_LDFLAGS := -fsanitize=address,undefined
TSAN_CFLAGS := $(WARN) -O1 -g -fno-omit-frame-pointer -fsanitize=thread -DCF_DEBUG -MMD -MP
TSAN_LDFLAGS := -fsanitize=thread

SRC      := $(sort $(wildcard src/*/*.c))
MAIN     := src/main.c
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))

REL_OBJ  := $(patsubst %.c,build/rel/%.o,$(SRC) $(MAIN))
ASAN_OBJ := $(patsubst %.c,build/asan/obj/%.o,$(SRC) $(MAIN))
TSAN_OBJ := $(patsubst %.c,build/tsan/obj/%.o,$(SRC) $(MAIN))
UNIT_OBJ := $(patsubst %.c,build/asan/uobj/%.o,$(SRC) $(UNIT_SRC))

.PHONY: all asan tsan test-tsan lint compile_commands unit test run deps clean
all: build/confab

build/confab: $(REL_OBJ)
	$(CC) $(REL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

asan: build/asan/confab
build/asan/confab: $(ASAN_OBJ)
	$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# ThreadSanitizer build for the concurrency test (tests/integration/test_concurrency.py).
tsan: build/tsan/confab
build/tsan/confab: $(TSAN_OBJ)
	$(CC) $(TSAN_LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/tsan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(TSAN_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

# halt_on_error=0: every race is reported, not only the first; the test fails on any report.
test-tsan: deps
	@$(MAKE) --no-print-directory build/tsan/confab
	CONFAB_TSAN_BIN="$(CURDIR)/build/tsan/confab" \
	TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 $(TSAN_OPTIONS)" \
	    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration/test_concurrency.py

# ---- static analysis (see docs/analysis.md) --------------------------------
#   make lint               cppcheck, then clang-tidy (.clang-tidy), over src/; fails on any finding
#                           that scripts/cppcheck-suppressions.txt or scripts/tidy-suppressions.txt
#                           does not name, and on a suppression that no longer matches anything
#   make compile_commands   build/compile_commands.json for clang-tidy and editors (clangd)
# clang-tidy parses with clang, so the gcc-only warnings are left out of its flags.
LINT_CC     ?= clang
CPPCHECK    ?= cppcheck
CLANG_TIDY  ?= clang-tidy
LINT_SRC    := $(SRC) $(MAIN)
LINT_CFLAGS := $(filter-out -Wduplicated-cond -Wlogical-op -Wrestrict,$(WARN)) -DCF_DEBUG
CPPCHECK_FLAGS := --enable=warning,performance,portability,information --library=posix --std=c11 \
                  --inline-suppr --error-exitcode=1 --quiet --template=gcc -I src \
                  --suppress=missingIncludeSystem \
                  --suppressions-list=scripts/cppcheck-suppressions.txt

.PHONY: lint-deps lint-cppcheck lint-tidy
lint: lint-deps
	@$(MAKE) --no-print-directory lint-cppcheck lint-tidy

lint-deps:
	@scripts/deps.sh lint

lint-cppcheck:
	$(CPPCHECK) $(CPPCHECK_FLAGS) src
	@echo "cppcheck: clean"

lint-tidy: compile_commands
	@scripts/lint_tidy.py -p build --clang-tidy $(CLANG_TIDY) $(LINT_SRC)

compile_commands:
	@scripts/compile_commands.py --out build/compile_commands.json --cc $(LINT_CC) \
	    --cflags "$(LINT_CFLAGS) $(PKG_CFLAGS)" $(LINT_SRC)

# Unit tests see the modules' static helpers through CF_TESTABLE.
build/asan/unit: $(UNIT_OBJ)
	$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/uobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -DCF_UNIT_TESTS -Itests/unit $(PKG_CFLAGS) -c -o $@ $<

unit: build/asan/unit
	build/asan/unit

deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory build/confab
	@mkdir -p var
	build/confab serve --database var/confab.db --dev-project var/dev-project.txt \
	    --webhook-allow 127.0.0.0/8,::1 $(ARGS)

# make test: the analysers' packages too (tests/run runs the lint), the release, ASan+UBSan and
# ThreadSanitizer builds, the fuzz replayers, then every test.
test: lint-deps
	@$(MAKE) --no-print-directory build/confab build/asan/confab build/asan/unit fuzz-replay \
	    build/tsan/confab
	@tests/run

clean:
	rm -rf build

# ---- fuzzing (see fuzz/README.md) ----------------------------------------
#   make fuzz          libFuzzer targets (clang, ASan + UBSan) at build/fuzz/fuzz_<target>
#   make fuzz-replay   gcc ASan + UBSan replayers at build/asan/replay_<target>, which run a
#                      target over fuzz/regression/<target> and fuzz/corpus/<target> without
#                      clang; `make test` builds them and tests/run runs them.
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(sort $(wildcard fuzz/fuzz_*.c)))
FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -g -O1 -fno-omit-frame-pointer \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined \
                -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -MMD -MP
FUZZ_OBJ     := $(patsubst %.c,build/fuzz/obj/%.o,$(SRC))
FUZZ_BINS    := $(addprefix build/fuzz/fuzz_,$(FUZZ_TARGETS))
REPLAY_OBJ   := $(patsubst %,build/asan/fuzzobj/fuzz_%.o,$(FUZZ_TARGETS)) build/asan/fuzzobj/replay.o
REPLAY_BINS  := $(addprefix build/asan/replay_,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-deps fuzz-replay
fuzz: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz-deps:
	@scripts/deps.sh fuzz

# Every module but main.c, instrumented for coverage; targets link what they use.
build/fuzz/libconfab.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -c -o $@ $<

build/fuzz/fuzz_%: fuzz/fuzz_%.c build/fuzz/libconfab.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -o $@ $< \
	    build/fuzz/libconfab.a $(PKG_LIBS)

fuzz-replay: $(REPLAY_BINS)
.SECONDARY: $(REPLAY_OBJ)

# The sanitizer objects of build/asan/confab, without main.
build/asan/libconfab.a: $(filter-out build/asan/obj/$(MAIN:.c=.o),$(ASAN_OBJ))
	@rm -f $@
	ar rcs $@ $^

build/asan/fuzzobj/%.o: fuzz/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

build/asan/replay_%: build/asan/fuzzobj/replay.o build/asan/fuzzobj/fuzz_%.o build/asan/libconfab.a
	$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(PKG_LIBS)

-include $(FUZZ_OBJ:.o=.d) $(FUZZ_BINS:=.d) $(REPLAY_OBJ:.o=.d)

-include $(REL_OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(TSAN_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
