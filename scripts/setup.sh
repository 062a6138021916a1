#!/usr/bin/env bash
# Installs what Muster needs on Debian 12, and nothing when it is already there.
# Run by `make run` and `make test`; uses sudo when not root.
set -euo pipefail

packages=(
  # toolchain
  g++ make cmake pkg-config
  # libraries (see docs/ARCHITECTURE.md, "Dependencies", for why each)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libsodium-dev libssl-dev openssl
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libhowardhinnant-date-dev tzdata libicu-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcairo2-dev libpango1.0-dev libqrencode-dev fonts-dejavu-core libcsv-dev
  # tools the tests use on Muster's output: PDF text and pages, QR decoding
  poppler-utils zbar-tools
  # peers for the benchmarks in bench/
  sqlite3 wrk nginx-light redis-server redis-tools curl
  # PostgreSQL: libpq for the engine; the server for the throwaway test server and the bench peer
  libpq-dev postgresql
  # headless browser for the web front end's end-to-end tests (web/e2e, driven by playwright-core)
  chromium
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

# Node.js and npm for the web front end and the OpenAPI linter: the machine's own when it has
# one (Vite needs Node 20), else Debian's.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Front-end and tooling packages, exactly as locked; again only when the lock file changed.
repo=$(cd "$(dirname "$0")/.." && pwd)
for dir in "$repo" "$repo/web"; do
  if [ -f "$dir/package-lock.json" ] &&
     [ ! "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    echo "setup: npm ci in ${dir#$repo/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
