#!/bin/sh
# Installs the Debian packages confab needs to build, run and test, but only
# those that are missing; run by `make run` and `make test`.
set -e
PKGS="build-essential pkg-config libmicrohttpd-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev libxml2-dev libgnutls28-dev
      python3 python3-pytest python3-twilio python3-requests sqlite3 curl openssl wrk nginx"
# `scripts/deps.sh fuzz` (run by `make fuzz`) adds clang and its libFuzzer
# runtime; `make test` does not need them (it replays the fuzz inputs with gcc).
if [ "${1:-}" = fuzz ]; then
    PKGS="$PKGS clang libclang-rt-14-dev"
fi
# `scripts/deps.sh lint` (run by `make lint`) adds the static analysers (docs/analysis.md).
if [ "${1:-}" = lint ]; then
    PKGS="$PKGS clang clang-tidy cppcheck"
fi
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
# node and npm for the Node SDK suites (tests/clients); any install on PATH will do
command -v node >/dev/null || missing="$missing nodejs npm"
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
