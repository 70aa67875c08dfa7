#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs clang-tidy over confab's sources with the checked-in .clang-tidy, and fails on any finding that
scripts/tidy-suppressions.txt does not name (docs/analysis.md says why each one is there).

    scripts/lint_tidy.py [-p build] [-j N] [--clang-tidy clang-tidy] src/a/x.c src/b/y.c ...

A suppression names a check, a file, and a piece of the text of the flagged source line, so that it keeps
matching when lines move and stops matching when the line changes. Suppressions are matched only in the
source tree; confab's sources carry no NOLINT comments. A suppression that matched nothing in a run over
every source file is reported as stale and also fails the run: the code it excused has changed, so the
line has to go (or be rewritten for the new code).

Exit status: 0 clean, 1 findings (or stale suppressions, or a file clang-tidy could not analyse), 2 usage.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUPPRESSIONS = os.path.join(TOP, "scripts", "tidy-suppressions.txt")
DIAG_RE = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<sev>warning|error): "
                     r"(?P<msg>.*?)(?: \[(?P<check>[^\]]+)\])?$")
ANSI_RE = re.compile(r"\x1b\[[0-9;]*m")


class Suppression:
    def __init__(self, check, path, text, why, lineno):
        self.check, self.path, self.text, self.why, self.lineno = check, path, text, why, lineno
        self.used = 0

    def matches(self, diag):
        checks = diag["check"].split(",") if diag["check"] else []
        return (self.check in checks and diag["rel"] == self.path and self.text in diag["source"])


def load_suppressions(path):
    """Lines `check | file | text of the flagged line | why`; '#' starts a comment line."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split(" | ")]
            if len(parts) != 4 or not all(parts):
                sys.exit(f"{path}:{n}: want `check | file | text of the flagged line | why`, got: {line}")
            out.append(Suppression(*parts, lineno=n))
    return out


def source_line(path, line, cache={}):
    if path not in cache:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                cache[path] = f.read().splitlines()
        except OSError:
            cache[path] = []
    lines = cache[path]
    return lines[line - 1] if 0 < line <= len(lines) else ""


def run_one(tidy, build, src):
    res = subprocess.run([tidy, "-p", build, "--quiet", src], cwd=TOP, capture_output=True, text=True)
    return src, res.returncode, ANSI_RE.sub("", res.stdout), ANSI_RE.sub("", res.stderr)


def parse(text):
    """Diagnostics with the lines that follow each (notes, source excerpts), in order."""
    diags, cur = [], None
    for line in text.splitlines():
        m = DIAG_RE.match(line)
        if m:
            path = os.path.normpath(os.path.join(TOP, m["file"]))
            cur = {"file": path, "rel": os.path.relpath(path, TOP), "line": int(m["line"]),
                   "col": int(m["col"]), "sev": m["sev"], "msg": m["msg"], "check": m["check"] or "",
                   "body": [line]}
            cur["source"] = source_line(path, cur["line"])
            diags.append(cur)
        elif cur is not None:
            cur["body"].append(line)
    return diags


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-p", dest="build", default="build", help="directory with compile_commands.json")
    ap.add_argument("-j", dest="jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--clang-tidy", default=os.environ.get("CLANG_TIDY", "clang-tidy"))
    ap.add_argument("sources", nargs="+")
    args = ap.parse_args(argv)

    db = os.path.join(TOP, args.build, "compile_commands.json")
    if not os.path.isfile(db):
        print(f"lint_tidy: {db} is missing (make compile_commands writes it)", file=sys.stderr)
        return 2
    sups = load_suppressions(SUPPRESSIONS)
    seen, findings, broken = set(), [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for src, rc, out, err in pool.map(lambda s: run_one(args.clang_tidy, args.build, s), args.sources):
            diags = parse(out)
            for d in diags:
                key = (d["file"], d["line"], d["col"], d["check"], d["msg"])
                if key in seen:
                    continue            # a header's finding, met again through another file
                seen.add(key)
                hit = next((s for s in sups if s.matches(d)), None)
                if hit:
                    hit.used += 1
                else:
                    findings.append(d)
            if rc != 0 and not any(d["sev"] == "error" for d in diags):
                broken.append(f"{src}: clang-tidy exited {rc}\n{err.strip()}")
    for d in findings:
        print("\n".join(d["body"]))
    for b in broken:
        print(b)
    stale = [s for s in sups if not s.used]
    every_file = {os.path.relpath(os.path.join(TOP, s), TOP) for s in args.sources}
    stale = [s for s in stale if s.path in every_file or s.path.endswith(".h")]
    for s in stale:
        print(f"{os.path.relpath(SUPPRESSIONS, TOP)}:{s.lineno}: stale suppression (matched nothing): "
              f"{s.check} | {s.path} | {s.text}")
    used = sum(s.used for s in sups)
    print(f"clang-tidy: {len(args.sources)} files, {len(findings)} finding(s), {used} suppressed, "
          f"{len(stale)} stale suppression(s)" + (f", {len(broken)} file(s) not analysed" if broken else ""))
    return 1 if findings or stale or broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
