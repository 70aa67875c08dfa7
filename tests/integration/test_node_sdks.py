"""The official Node SDKs, unchanged, against confab (issue 5): npm `twilio` over HTTP and
`@signalwire/compatibility-api` over HTTPS, built the way its documentation says, trusting a test certificate
authority made now through NODE_EXTRA_CA_CERTS. The suites live in tests/clients/ (node:test); the helpers
that make the certificates, install the pinned packages (`npm ci`) and run `node --test` are in
tests/clients/run_node.py. A missing node or npm fails this test: it is never skipped."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "clients"))
import run_node  # noqa: E402  (tests/clients/run_node.py)


@pytest.fixture(scope="module")
def tls_server(confab_bin, tmp_root):
    workdir = os.path.join(tmp_root, "node-sdks")
    os.makedirs(workdir)
    server = run_node.TlsServer(confab_bin, workdir).start()
    yield server
    rc, reports = server.stop()
    assert rc == 0 and not reports, (f"confab serve (TLS) exited {rc} on SIGTERM (want 0); sanitizer lines: "
                                     f"{reports}\n--- stderr tail ---\n{server.proc.stderr_tail(120)}")


def test_node_sdk_suites(tls_server):
    run_node.ensure_node_modules()
    rc, out, counts = run_node.run_node_tests(tls_server.node_env())
    print(out)
    assert rc == 0, run_node.failure_report(rc, out, counts)
    assert counts.get("fail") == 0 and counts.get("pass", 0) >= 40, run_node.failure_report(rc, out, counts)
    assert not run_node.missing_suites(out), f"suites that did not run: {run_node.missing_suites(out)}\n{out}"
