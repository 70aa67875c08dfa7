# SPDX-License-Identifier: MIT
"""bench/run's latency arithmetic: wrk 4 hands done() a histogram it has corrected for
coordinated omission (stats_correct in wrk.c), and the bench takes that correction off again
to report the latencies of the requests actually sent next to wrk's own percentiles. Checked
against a port of wrk's stats_correct on made-up histograms, with the shapes a bench row has:
a mass near the batch cycle, a tail of stalls, and values on both sides of e and 2e."""
import importlib.machinery
import importlib.util
import os
import random

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_bench():
    path = os.path.join(ROOT, "bench", "run")
    loader = importlib.machinery.SourceFileLoader("bench_run", path)
    spec = importlib.util.spec_from_loader("bench_run", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


bench = load_bench()


def wrk_correct(raw, runtime_us, complete, conns):
    """wrk 4.1's stats_correct, on {microseconds: count}."""
    data = dict(raw)
    per_conn = complete // conns
    if not per_conn:
        return data
    e = runtime_us // per_conn
    top = max(raw)
    for n in range(2 * e, top + 1):
        count = raw.get(n, 0)  # its own count: additions to n come from above, later
        m = n - e
        while count and m > e:
            data[m] = data.get(m, 0) + count
            m -= e
    return data


@pytest.mark.parametrize("seed", range(8))
def test_uncorrected_takes_wrk_correction_off(seed):
    rnd = random.Random(seed)
    raw = {}
    n = rnd.randint(2000, 20000)
    for _ in range(n):
        if rnd.random() < 0.02:
            v = rnd.randint(5000, 60000)  # stalls
        else:
            v = int(rnd.gauss(3500, 700))
        v = max(v, 1)
        raw[v] = raw.get(v, 0) + 1
    conns = rnd.choice([1, 16, 64])
    runtime = rnd.randint(1_000_000, 10_000_000)
    corrected = wrk_correct(raw, runtime, n, conns)
    assert sum(corrected.values()) >= n
    back = bench.uncorrected(corrected, runtime, n, conns)
    assert back == {v: c for v, c in raw.items() if c}
    assert bench.percentile(back, 99) == bench.percentile(raw, 99)


def test_correction_changes_the_tail_and_nothing_below_2e():
    # 64 connections, 100 ms, 6400 requests: e = 1000 us
    raw = {900: 3000, 1500: 3000, 1999: 300, 8000: 40}
    corrected = wrk_correct(raw, 100_000, 6400, 64)
    assert corrected[7000] == 40 and corrected[2000] == 40 and 1000 not in corrected
    assert corrected[900] == 3000 and corrected[1999] == 300
    assert bench.uncorrected(corrected, 100_000, 6400, 64) == raw
    assert bench.percentile(raw, 99) == 1999 and bench.percentile(corrected, 99) > 1999


def test_no_correction_when_a_connection_made_no_request():
    raw = {100: 5, 200000: 1}
    assert bench.uncorrected(raw, 1_000_000, 6, 64) == raw
