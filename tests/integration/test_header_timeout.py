"""The header deadline (issue 7, Build 4): a connection must send its first request head within
header_timeout seconds of opening, so a client sending a byte a second (which the idle time-out never
catches) is cut off; a connection that has sent its request is not, and other clients are not delayed."""

import os
import socket
import time

import pytest
import requests

from webhook_receiver import ServeProcess


@pytest.fixture()
def server(confab_bin, tmp_path):
    srv = ServeProcess(confab_bin, str(tmp_path), os.path.join(tmp_path, "h.db"), label="header",
                       extra_args=["--header-timeout", "2", "--idle-timeout", "60"])
    srv.start()
    yield srv
    assert srv.stop() == 0, srv.stderr_tail()
    assert not srv.sanitizer_lines(), srv.sanitizer_lines()


def closed_within(sock, seconds, drip=b""):
    """Sends drip one byte at a time (every 0.5 s) and reports whether the server closed the socket
    within `seconds`."""
    deadline = time.monotonic() + seconds
    i = 0
    sock.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            if i < len(drip):
                sock.send(drip[i:i + 1])
                i += 1
            data = sock.recv(4096)
            if data == b"":
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def test_slow_head_is_cut_off(server):
    s = socket.create_connection(("127.0.0.1", server.port))
    t0 = time.monotonic()
    drip = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
    assert closed_within(s, 8, drip), "a head dripping a byte every 0.5 s was not cut off"
    took = time.monotonic() - t0
    assert 1.5 <= took <= 6, f"cut off after {took:.1f}s (header_timeout is 2 s)"
    s.close()


def test_silent_connection_is_cut_off(server):
    s = socket.create_connection(("127.0.0.1", server.port))
    assert closed_within(s, 8), "a connection that never sent a request head was kept"
    s.close()


def test_connection_that_sent_a_request_is_kept(server):
    s = socket.create_connection(("127.0.0.1", server.port))
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(5)
    assert b"200" in s.recv(4096).split(b"\r\n", 1)[0]
    assert not closed_within(s, 4), "a keep-alive connection was cut by the header deadline"
    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b"200" in s.recv(4096).split(b"\r\n", 1)[0]
    s.close()


def test_slow_clients_do_not_delay_others(server):
    slow = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(300)]
    for s in slow:
        s.send(b"G")
    worst = 0.0
    for _ in range(30):
        t0 = time.monotonic()
        assert requests.get(server.base + "/health", timeout=5).status_code == 200
        worst = max(worst, time.monotonic() - t0)
    assert worst < 0.5, f"a normal request took {worst:.3f}s beside 300 slow connections"
    for s in slow:
        s.close()
