#!/usr/bin/python3
"""Hold N idle HTTP/1.1 keep-alive connections to a server (bench/run --idle).

Each connection sends one `GET /health` (--path; keep-alive), reads the whole
response, then stays open and silent. Prints one JSON line when all are
established ({"open": n, "failed": n, "seconds": s}), then waits for a line on
stdin; at that line (or at EOF) it prints {"still_open": n, "closed": n} and
exits, closing them all.
"""
import argparse
import asyncio
import json
import resource
import sys
import time


async def one(host, port, path, sem, conns, failures):
    async with sem:
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(host, port), 30)
            w.write(b"GET %s HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\n\r\n"
                    % path.encode())
            head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 30)
            n = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    n = int(line.split(b":", 1)[1])
            if n:
                await asyncio.wait_for(r.readexactly(n), 30)
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
            conns.append((r, w))
        except Exception as e:  # noqa: BLE001 - counted and reported
            failures.append(repr(e))


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--path", default="/health", help="what each connection asks once")
    ap.add_argument("--parallel", type=int, default=256, help="connects in flight at once")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.count + 256
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, min(hard, want)), max(hard, want)))
        except (ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    conns, failures = [], []
    sem = asyncio.Semaphore(a.parallel)
    t0 = time.time()
    await asyncio.gather(*(one(a.host, a.port, a.path, sem, conns, failures) for _ in range(a.count)))
    print(json.dumps({"open": len(conns), "failed": len(failures), "seconds":
                      round(time.time() - t0, 2), "first_error": failures[0] if failures else None}),
          flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.readline)
    await asyncio.sleep(0.2)
    closed = sum(1 for r, w in conns if r.at_eof() or w.is_closing())
    print(json.dumps({"still_open": len(conns) - closed, "closed": closed}), flush=True)
    for _, w in conns:
        w.close()


if __name__ == "__main__":
    asyncio.run(main())
