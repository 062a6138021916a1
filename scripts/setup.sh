#!/usr/bin/env bash
# Installs what Muster needs on Debian 12, and nothing when it is already there.
# Run by `make run` and `make test`; uses sudo when not root.
set -euo pipefail

packages=(
  # toolchain
  g++ make cmake pkg-config
  # libraries (see docs/ARCHITECTURE.md, "Dependencies", for why each)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libsodium-dev libssl-dev
  libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libhowardhinnant-date-dev tzdata libicu-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcairo2-dev libpango1.0-dev libqrencode-dev fonts-dejavu-core libcsv-dev
  # tools the tests use on Muster's output: PDF text and pages, QR decoding
  poppler-utils zbar-tools
  # peers for the benchmarks in bench/
  sqlite3 wrk nginx-light redis-server redis-tools
  # PostgreSQL: libpq for the engine; the server for the throwaway test server and the bench peer
  libpq-dev postgresql
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
