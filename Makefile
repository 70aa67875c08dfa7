# confab - build, run and test. See README.md.
#
#   make            release binary at build/confab
#   make asan       debug binary with AddressSanitizer + UBSan at build/asan/confab
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

SRC      := $(sort $(wildcard src/*/*.c))
MAIN     := src/main.c
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))

REL_OBJ  := $(patsubst %.c,build/rel/%.o,$(SRC) $(MAIN))
ASAN_OBJ := $(patsubst %.c,build/asan/obj/%.o,$(SRC) $(MAIN))
UNIT_OBJ := $(patsubst %.c,build/asan/uobj/%.o,$(SRC) $(UNIT_SRC))

.PHONY: all asan unit test run deps clean
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
	    --webhook-allow 127.0.0.0/8 $(ARGS)

test: deps
	@$(MAKE) --no-print-directory build/confab build/asan/confab build/asan/unit
	@tests/run

clean:
	rm -rf build

-include $(REL_OBJ:.o=.d) $(ASAN_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
