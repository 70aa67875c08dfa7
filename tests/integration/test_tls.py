"""Native HTTPS (issue 5, item 1): TLS 1.2/1.3 only, plain HTTP beside it, and the certificate reloaded on
SIGHUP without dropping connections: a keep-alive connection opened before the reload keeps working, and a
new connection is served the new certificate."""

import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest

from confab_helpers import free_port
from webhook_receiver import ServeProcess


def make_cert(directory, name, cn):
    key, crt = os.path.join(directory, f"{name}.key"), os.path.join(directory, f"{name}.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", crt, "-days", "2", "-subj", f"/CN={cn}",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return crt, key


def peer_cn(sock):
    cert = sock.getpeercert()
    return dict(x[0] for x in cert["subject"])["commonName"]


@pytest.fixture()
def tls_server(confab_bin, tmp_path):
    crt_a, key_a = make_cert(tmp_path, "a", "confab-a")
    crt_b, key_b = make_cert(tmp_path, "b", "confab-b")
    live_crt, live_key = os.path.join(tmp_path, "live.pem"), os.path.join(tmp_path, "live.key")
    shutil.copy(crt_a, live_crt)
    shutil.copy(key_a, live_key)
    tls_port = free_port()
    srv = ServeProcess(confab_bin, str(tmp_path), os.path.join(tmp_path, "tls.db"), label="tls",
                       extra_args=["--tls-listen", f"127.0.0.1:{tls_port}", "--tls-cert", live_crt,
                                   "--tls-key", live_key])
    srv.start()
    yield srv, tls_port, (crt_a, crt_b, key_b, live_crt, live_key)
    assert srv.stop() == 0, srv.stderr_tail()
    assert not srv.sanitizer_lines(), srv.sanitizer_lines()


def context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    return ctx


def test_https_and_http_side_by_side(tls_server):
    srv, tls_port, (crt_a, _, _, _, _) = tls_server
    c = http.client.HTTPSConnection("localhost", tls_port, context=context(crt_a), timeout=5)
    c.request("GET", "/health")
    r = c.getresponse()
    assert r.status == 200 and b'"ok"' in r.read()
    assert c.sock.version() in ("TLSv1.2", "TLSv1.3")
    h = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5)
    h.request("GET", "/health")
    assert h.getresponse().status == 200


def test_old_protocols_refused(tls_server):
    _, tls_port, (crt_a, _, _, _, _) = tls_server
    ctx = context(crt_a)
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    try:
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except ssl.SSLError:
        pass
    with pytest.raises((ssl.SSLError, ConnectionResetError, OSError)):
        with socket.create_connection(("127.0.0.1", tls_port), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost"):
                pass


def test_sighup_reloads_without_dropping_connections(tls_server):
    srv, tls_port, (crt_a, crt_b, key_b, live_crt, live_key) = tls_server
    old = http.client.HTTPSConnection("localhost", tls_port, context=context(crt_a), timeout=5)
    old.request("GET", "/health")
    assert old.getresponse().read()
    assert peer_cn(old.sock) == "confab-a"
    shutil.copy(crt_b, live_crt)
    shutil.copy(key_b, live_key)
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while True:
        try:
            new = http.client.HTTPSConnection("localhost", tls_port, context=context(crt_b), timeout=5)
            new.request("GET", "/health")
            assert new.getresponse().status == 200
            break
        except ssl.SSLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    assert peer_cn(new.sock) == "confab-b"
    # the connection made before the reload is still up and served
    for _ in range(3):
        old.request("GET", "/health")
        r = old.getresponse()
        assert r.status == 200 and r.read()
