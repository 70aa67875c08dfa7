"""Runs the Node SDK suites of tests/clients against a confab with HTTP and HTTPS listeners.

Used by tests/integration/test_node_sdks.py (the pytest entry point that `make test` runs), and runnable by
hand against the sanitizer build:

    python3 tests/clients/run_node.py [extra node --test arguments, e.g. --test-name-pattern=recordings]

What it does:
  * make_test_ca(): a certificate authority made now (openssl), and a server certificate for localhost and
    127.0.0.1 signed by it; confab serves HTTPS with the server pair, node trusts the CA through
    NODE_EXTRA_CA_CERTS (read by node at start-up, so it is set in the environment node starts with).
  * ensure_node_modules(): `npm ci --no-audit --no-fund` in tests/clients when node_modules is missing or
    does not hold the versions package.json pins. No node or npm is a failure, never a skip.
  * run_node_tests(): `node --test tests/clients/` with CONFAB_URL, CONFAB_TLS_URL, PROJECT_ID, TOKEN and
    NODE_EXTRA_CA_CERTS; returns the exit code, the output and the TAP summary counts.
"""

import json
import os
import re
import shutil
import subprocess
import sys

CLIENTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(os.path.dirname(CLIENTS_DIR))
# Each suite file and the prefix of its describe() names (conference_suite.mjs: `${sdk}: ...`).
SUITES = {"twilio_node.test.mjs": "twilio-node ", "signalwire_compat.test.mjs": "signalwire-compat "}
NPM_TIMEOUT = 300
NODE_TIMEOUT = 180

# Variables that would send an SDK elsewhere (twilio-node's edge/region rewrite the host name, proxies
# reroute axios, SIGNALWIRE_* choose a space) or carry someone's credentials: never passed to node.
SCRUBBED = re.compile(r"^(CONFAB_|TWILIO_|SIGNALWIRE_|NODE_OPTIONS$|NODE_EXTRA_CA_CERTS$|"
                      r"(HTTP|HTTPS|ALL|NO)_PROXY$)", re.IGNORECASE)


class SetupError(AssertionError):
    pass


def _run(cmd, cwd=None, timeout=60, env=None):
    try:
        res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    except FileNotFoundError as e:
        raise SetupError(f"{cmd[0]} is not installed ({e}); scripts/deps.sh installs it") from None
    except subprocess.TimeoutExpired as e:
        raise SetupError(f"`{' '.join(cmd)}` did not finish within {timeout}s\n{e.stdout}\n{e.stderr}") from None
    if res.returncode != 0:
        raise SetupError(f"`{' '.join(cmd)}` exited {res.returncode}\nstdout:\n{res.stdout[-4000:]}\n"
                         f"stderr:\n{res.stderr[-4000:]}")
    return res


# ---- the test certificate authority ----------------------------------------------------------------------

def make_test_ca(directory):
    """A CA and a server certificate (localhost, 127.0.0.1) signed by it; returns their paths."""
    if not shutil.which("openssl"):
        raise SetupError("openssl is not installed")
    p = {name: os.path.join(directory, name)
         for name in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem", "server.ext")}
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run(["openssl", "req", "-x509", *ec, "-keyout", p["ca.key"], "-out", p["ca.pem"], "-days", "2",
          "-subj", "/O=confab tests/CN=confab test CA",
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    _run(["openssl", "req", *ec, "-keyout", p["server.key"], "-out", p["server.csr"], "-subj", "/CN=localhost"])
    with open(p["server.ext"], "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    _run(["openssl", "x509", "-req", "-in", p["server.csr"], "-CA", p["ca.pem"], "-CAkey", p["ca.key"],
          "-CAcreateserial", "-out", p["server.pem"], "-days", "2", "-extfile", p["server.ext"]])
    _run(["openssl", "verify", "-CAfile", p["ca.pem"], p["server.pem"]])
    return {"ca": p["ca.pem"], "cert": p["server.pem"], "key": p["server.key"]}


# ---- npm packages ----------------------------------------------------------------------------------------

def _pinned():
    with open(os.path.join(CLIENTS_DIR, "package.json")) as f:
        return json.load(f)["dependencies"]


def _installed_version(name):
    path = os.path.join(CLIENTS_DIR, "node_modules", *name.split("/"), "package.json")
    try:
        with open(path) as f:
            return json.load(f).get("version")
    except (OSError, ValueError):
        return None


def ensure_node_modules():
    """Installs the pinned SDKs from package-lock.json unless node_modules already holds them."""
    for tool in ("node", "npm"):
        if not shutil.which(tool):
            raise SetupError(f"`{tool}` is not on PATH: the Node SDK suites need node and npm "
                             f"(scripts/deps.sh installs Debian's nodejs and npm)")
    stale = {n: v for n, v in _pinned().items() if _installed_version(n) != v}
    if not stale:
        return None
    res = _run(["npm", "ci", "--no-audit", "--no-fund"], cwd=CLIENTS_DIR, timeout=NPM_TIMEOUT)
    still = {n: _installed_version(n) for n, v in _pinned().items() if _installed_version(n) != v}
    if still:
        raise SetupError(f"after npm ci, node_modules does not hold the pinned versions: {still}")
    return res.stdout + res.stderr


# ---- running the suites ----------------------------------------------------------------------------------

def node_env(http_url, tls_url, project_id, token, ca_path):
    env = {k: v for k, v in os.environ.items() if not SCRUBBED.match(k)}
    env.update({
        "CONFAB_URL": http_url,
        "CONFAB_TLS_URL": tls_url,
        "PROJECT_ID": project_id,
        "TOKEN": token,
        "NODE_EXTRA_CA_CERTS": ca_path,
        "NO_COLOR": "1",
    })
    return env


def tap_summary(output):
    """The counts of node's TAP reporter closing lines ('# tests 52', '# pass 50', ...)."""
    counts = {}
    for key in ("tests", "suites", "pass", "fail", "cancelled", "skipped", "todo"):
        m = re.findall(rf"^# {key} (\d+)$", output, re.MULTILINE)
        if m:
            counts[key] = int(m[-1])
    return counts


def run_node_tests(env, extra_args=()):
    """`node --test` over tests/clients; returns (exit code, combined output, TAP counts)."""
    cmd = ["node", "--test", "--test-reporter=tap", *extra_args, os.path.join("tests", "clients") + os.sep]
    try:
        res = subprocess.run(cmd, cwd=REPO_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=NODE_TIMEOUT)
    except FileNotFoundError:
        raise SetupError("`node` is not on PATH") from None
    except subprocess.TimeoutExpired as e:
        out = e.stdout if isinstance(e.stdout, str) else (e.stdout or b"").decode("utf-8", "replace")
        return -1, f"node --test did not finish within {NODE_TIMEOUT}s\n{out}", tap_summary(out)
    return res.returncode, res.stdout, tap_summary(res.stdout)


def missing_suites(output):
    """The suite files whose tests do not show in node's TAP output."""
    return [f for f, label in SUITES.items() if f"# Subtest: {label}" not in output]


def failure_report(rc, output, counts):
    """The failing tests first (TAP 'not ok' blocks that are not TODO, SKIP or cancelled because a hook of
    their suite failed), then node's whole output."""
    blocks = []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^\s*not ok \d+ ", line) and "# TODO" not in line and "# SKIP" not in line:
            block = "\n".join(lines[i:i + 40])
            if "failureType: 'cancelledByParent'" not in block.split("...")[0]:
                blocks.append(block)
    return (f"node --test exited {rc}; counts {counts}\n\n=== failing tests ===\n" + "\n\n".join(blocks[:20])
            + "\n\n=== node's output ===\n" + output[-60000:])


# ---- the server ------------------------------------------------------------------------------------------

def _integration_helpers():
    """tests/integration's helpers (ConfabProcess and friends), importable from here too."""
    path = os.path.join(REPO_DIR, "tests", "integration")
    if path not in sys.path:
        sys.path.insert(0, path)
    import confab_helpers
    import webhook_receiver
    return confab_helpers, webhook_receiver


class TlsServer:
    """`confab serve` with an HTTP and an HTTPS listener (the test CA's server certificate) and one project."""

    def __init__(self, binary, workdir, label="node-sdks"):
        self.helpers, receiver = _integration_helpers()
        self.workdir = workdir
        self.certs = make_test_ca(workdir)
        self.proc = receiver.ServeProcess(binary, workdir, os.path.join(workdir, "confab.db"), label=label)
        self.loopback_allowed = receiver.LOOPBACK_ALLOWED
        self.project = None
        self.tls_port = None

    @property
    def http_url(self):
        return self.proc.base

    @property
    def tls_url(self):
        return f"https://localhost:{self.tls_port}"

    def start(self):
        self.project = self.proc.create_project("node-sdks")
        last = None
        for _ in range(3):  # a TLS port picked free can be taken before the server binds it
            self.tls_port = self.helpers.free_port()
            self.proc.extra_args = [*self.loopback_allowed, "--tls-listen", f"127.0.0.1:{self.tls_port}",
                                    "--tls-cert", self.certs["cert"], "--tls-key", self.certs["key"]]
            try:
                self.proc.start()
                self._wait_tls()
                return self
            except AssertionError as e:
                last = e
                self.proc.stop()
        raise AssertionError(f"confab with TLS did not start: {last}")

    def _wait_tls(self, timeout=20):
        import time
        import requests
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.proc.poll() is not None:
                raise AssertionError(f"confab serve exited {self.proc.proc.returncode}\n{self.proc.stderr_tail()}")
            try:
                r = requests.get(self.tls_url + "/health", verify=self.certs["ca"], timeout=2)
                if r.status_code == 200:
                    return
                last = f"HTTP {r.status_code}"
            except requests.RequestException as e:
                last = e
            time.sleep(0.05)
        raise AssertionError(f"GET {self.tls_url}/health (trusting the test CA) did not answer 200 within "
                             f"{timeout}s: {last}\n{self.proc.stderr_tail()}")

    def node_env(self):
        return node_env(self.http_url, self.tls_url, self.project.id, self.project.token, self.certs["ca"])

    def stop(self):
        """SIGTERM; returns (exit code, sanitizer report lines)."""
        rc = self.proc.stop()
        return rc, self.proc.sanitizer_lines()


# ---- by hand ---------------------------------------------------------------------------------------------

def main(argv):
    """Starts its own confab (sanitizer build, or $CONFAB_BIN) with TLS and runs the suites."""
    import tempfile

    binary = os.environ.get("CONFAB_BIN", os.path.join(REPO_DIR, "build", "asan", "confab"))
    with tempfile.TemporaryDirectory(prefix="confab-node-") as tmp:
        ensure_node_modules()
        server = TlsServer(binary, tmp)
        try:
            server.start()
            rc, out, counts = run_node_tests(server.node_env(), argv)
        finally:
            srv_rc, reports = server.stop()
        print(out)
        if rc != 0:
            print(failure_report(rc, out, counts))
        print(f"node --test exited {rc}, counts {counts}; confab exited {srv_rc}, sanitizer lines {reports}")
        return 0 if rc == 0 and srv_rc == 0 and not reports else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
