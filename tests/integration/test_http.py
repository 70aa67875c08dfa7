"""HTTP transport (issue 2 item 5): keep-alive, `Connection: close` honoured and echoed, /health."""

import base64
import http.client
import os
import socket

from confab_helpers import describe


def _auth_header(project):
    return "Basic " + base64.b64encode(f"{project.id}:{project.token}".encode()).decode()


def test_health(confab):
    r = confab.session.get(confab.base + "/health", timeout=5)
    assert r.status_code == 200, describe(r)


def test_keep_alive_serves_two_requests_on_one_connection(confab):
    conn = http.client.HTTPConnection("127.0.0.1", confab.process.port, timeout=10)
    try:
        headers = {"Authorization": _auth_header(confab.a)}
        conn.request("GET", confab.confs_path() + "?PageSize=1", headers=headers)
        r1 = conn.getresponse()
        body1 = r1.read()
        assert r1.status == 200, body1
        assert (r1.getheader("Connection") or "").lower() != "close"
        sock1 = conn.sock
        assert sock1 is not None, "the server closed a keep-alive connection"
        local1 = sock1.getsockname()
        conn.request("GET", confab.confs_path() + "?PageSize=1", headers=headers)
        r2 = conn.getresponse()
        body2 = r2.read()
        assert r2.status == 200, body2
        assert conn.sock is sock1 and conn.sock.getsockname() == local1, "second request used a new connection"
    finally:
        conn.close()


def test_keep_alive_survives_an_error_response(confab):
    conn = http.client.HTTPConnection("127.0.0.1", confab.process.port, timeout=10)
    try:
        conn.request("GET", confab.confs_path() + "?PageSize=0", headers={"Authorization": _auth_header(confab.a)})
        r1 = conn.getresponse()
        r1.read()
        assert r1.status == 400
        sock1 = conn.sock
        conn.request("GET", confab.confs_path(), headers={"Authorization": _auth_header(confab.a)})
        r2 = conn.getresponse()
        r2.read()
        assert r2.status == 200
        assert sock1 is not None and conn.sock is sock1
    finally:
        conn.close()


def test_connection_close_is_echoed_and_honoured(confab):
    path = confab.confs_path() + "?PageSize=1"
    request = (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{confab.process.port}\r\n"
               f"Authorization: {_auth_header(confab.a)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", confab.process.port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while True:  # the server must close the connection after the response: read to EOF
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 200"), lines[0]
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.setdefault(k.strip().lower(), []).append(v.strip())
    assert [v.lower() for v in headers.get("connection", [])] == ["close"], headers
    assert headers.get("content-type", [""])[0].startswith("application/json"), headers
    assert b'"conferences"' in body


def test_connection_close_on_post(confab):
    sid, _, _ = confab.new_conference()
    conn = http.client.HTTPConnection("127.0.0.1", confab.process.port, timeout=10)
    try:
        conn.request("POST", confab.conf_path(sid), body="AnnounceUrl=http%3A%2F%2Flocalhost%3A9%2Fa.xml",
                     headers={"Authorization": _auth_header(confab.a), "Connection": "close",
                              "Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse()
        r.read()
        assert r.status == 200
        assert (r.getheader("Connection") or "").lower() == "close"
    finally:
        conn.close()


def test_threads_carry_their_names(confab):
    """Each of the server's own threads names itself, so that `top -H`, `ps -L`, perf and gdb tell them apart
    (docs/architecture.md, Threads); libmicrohttpd names its own."""
    pid = confab.process.proc.pid
    names = set()
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            names.add(f.read().strip())
    for want in ("cf-writer", "cf-checkpoint", "cf-webhook", "cf-engine", "cf-sweeper"):
        assert want in names, f"no thread named {want} among {sorted(names)}"
    assert any(n.startswith("MHD-") for n in names), sorted(names)
