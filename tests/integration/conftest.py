"""Fixtures for confab's integration tests.

One `confab serve` (the sanitizer build, $CONFAB_BIN or build/asan/confab) runs for the whole session on a
free loopback port with a fresh SQLite file in a temp dir. Before it starts, the CLI creates project `a`
(the default for every helper), project `b` (isolation tests) and a small pool of projects that list tests
take with `confab.fresh_project()` when they must know a list's whole content. On teardown the server gets
SIGTERM and must exit 0: a sanitizer report makes the exit code non-zero and fails the session.

When a test fails, the tail of the server's stderr is attached to its report.
"""

import os
import shutil
import tempfile

import pytest

from confab_helpers import LIVE, Confab, ConfabProcess
from webhook_receiver import LOOPBACK_ALLOWED, ServeProcess

DEFAULT_BIN = "/work/main/build/asan/confab"
POOL_SIZE = 8


def confab_binary():
    path = os.environ.get("CONFAB_BIN", DEFAULT_BIN)
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"confab binary {path} does not exist; build it with `make build/asan/confab` "
                    f"or point CONFAB_BIN at one", pytrace=False)
    return path


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: starts extra server processes")


@pytest.fixture(scope="session")
def confab_bin(tmp_root):
    """A private copy of the binary: a rebuild during the session cannot take it away from the CLI calls."""
    src = confab_binary()
    copy = os.path.join(tmp_root, "confab")
    shutil.copy2(src, copy)
    return copy


@pytest.fixture(scope="session")
def tmp_root(request):
    """The session's temp dir (databases, server stderr). Kept when a test failed or CONFAB_KEEP_TMP is set."""
    d = tempfile.mkdtemp(prefix="confab-it-")
    yield d
    if os.environ.get("CONFAB_KEEP_TMP") or request.session.testsfailed:
        print(f"\nconfab integration temp dir kept: {d}")
    else:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def confab(confab_bin, tmp_root):
    workdir = os.path.join(tmp_root, "main")
    os.makedirs(workdir)
    # --webhook-allow 127.0.0.0/8: the webhook tests' receiver listens on loopback (issue 4);
    # --webhook-timeout 6: a fetch that never answers fails fast enough to test (the default is 30 s)
    proc = ServeProcess(confab_bin, workdir, os.path.join(workdir, "confab.db"), label="main",
                        extra_args=[*LOOPBACK_ALLOWED, "--webhook-timeout", "6"])
    a = proc.create_project("it-project-a")
    b = proc.create_project("it-project-b")
    pool = [proc.create_project(f"it-pool-{i}") for i in range(POOL_SIZE)]
    proc.start()
    server = Confab(proc, a, b, pool)
    yield server
    server.session.close()
    rc = proc.stop()
    reports = proc.sanitizer_lines()
    assert rc == 0 and not reports, (
        f"confab serve exited {rc} on SIGTERM (want 0); sanitizer lines: {reports}\n"
        f"--- stderr tail ---\n{proc.stderr_tail(120)}")


@pytest.fixture
def project(confab):
    """A project of its own for this test."""
    return confab.fresh_project()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for p in LIVE:
            if p.proc is not None:
                state = "running" if p.proc.poll() is None else f"exited {p.proc.returncode}"
                rep.sections.append((f"confab {p.label} stderr tail ({state})", p.stderr_tail(40)))
