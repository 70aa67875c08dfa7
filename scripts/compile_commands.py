#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a compile_commands.json (the JSON compilation database clang-tidy and clangd read) for confab.

The Makefile passes what it compiles with, so the database never drifts from the build:

    scripts/compile_commands.py --out build/compile_commands.json --cc clang \
        --cflags "$(LINT_CFLAGS) $(PKG_CFLAGS)" src/a/x.c src/b/y.c ...

Each source file gets one entry, compiled from the top of the tree (the directory this script's parent is
in), with `-c -o /dev/null` so that a tool that replays the command writes nothing. Dependency flags (-MMD,
-MP, -MF …) are dropped: they only matter to make. The file is rewritten only when its content changes, so
that make's timestamp on it means "the flags or the file list changed".

Usage: compile_commands.py --out FILE [--cc CC] [--cflags FLAGS] SOURCE...
"""

import argparse
import json
import os
import shlex
import sys

DROP = {"-MMD", "-MP", "-MD"}
DROP_WITH_ARG = {"-MF", "-MT", "-MQ"}


def clean_flags(flags):
    out, skip = [], False
    for f in flags:
        if skip:
            skip = False
            continue
        if f in DROP:
            continue
        if f in DROP_WITH_ARG:
            skip = True
            continue
        out.append(f)
    return out


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="the compile_commands.json to write")
    ap.add_argument("--cc", default="clang", help="the compiler named in each command (default clang)")
    ap.add_argument("--cflags", default="", help="compiler flags, one shell-quoted string")
    ap.add_argument("sources", nargs="+", help="C files, relative to the top of the tree")
    args = ap.parse_args(argv)

    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    flags = clean_flags(shlex.split(args.cflags))
    entries = []
    for src in args.sources:
        path = os.path.join(top, src)
        if not os.path.isfile(path):
            print(f"compile_commands.py: no such source file: {src}", file=sys.stderr)
            return 2
        entries.append({
            "directory": top,
            "file": path,
            "arguments": [args.cc, *flags, "-c", "-o", "/dev/null", src],
        })
    text = json.dumps(entries, indent=1) + "\n"
    try:
        with open(args.out, encoding="utf-8") as f:
            if f.read() == text:
                return 0
    except OSError:
        pass
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
