#!/usr/bin/env bash
# Runs the benchmarks of a build and keeps their output: what `make bench` calls.
#
#   bench/run.sh BUILD_DIR [muster_bench options…]
#
# Runs muster_bench (default sizes: 1,000,000 persons, 100,000 summonses; extra arguments are
# passed to it, e.g. --persons 100000 --summonses 10000), then muster_pg_bench, the same
# workloads on a throwaway PostgreSQL server, with the same arguments (less --sqlite3), then
# muster_micro_bench if it was built, then bench/http_bench.sh (the HTTP API under wrk beside
# nginx), then bench/checks_bench.sh (measure checks under wrk beside nginx and Redis, and bulk
# checks), and tees everything to BUILD_DIR/bench-results.txt.
# Benchmarks are not pass/fail: the script fails only if a benchmark cannot run. See
# docs/BENCHMARKS.md.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: bench/run.sh BUILD_DIR [muster_bench options...]" >&2
  exit 2
fi
build_dir=$1
shift

if [[ ! -x "$build_dir/muster_bench" ]]; then
  echo "bench/run.sh: $build_dir/muster_bench is missing (configure with -DMUSTER_BUILD_BENCH=ON and build)" >&2
  exit 1
fi
if ! command -v sqlite3 >/dev/null; then
  echo "bench/run.sh: the sqlite3 shell is missing (Debian package sqlite3); muster_bench runs it as the peer" >&2
  exit 1
fi

if [[ ! -x "$build_dir/muster_pg_bench" ]]; then
  echo "bench/run.sh: $build_dir/muster_pg_bench is missing (build the target muster_pg_bench)" >&2
  exit 1
fi
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  echo "bench/run.sh: no PostgreSQL server under /usr/lib/postgresql/*/bin (Debian package postgresql); muster_pg_bench starts a throwaway one" >&2
  exit 1
fi

# muster_pg_bench takes muster_bench's options except --sqlite3.
pg_args=()
skip_value=0
for arg in "$@"; do
  if ((skip_value)); then
    skip_value=0
    continue
  fi
  case $arg in
    --sqlite3) skip_value=1 ;;
    --sqlite3=*) ;;
    *) pg_args+=("$arg") ;;
  esac
done

results="$build_dir/bench-results.txt"
{
  echo "# Muster benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# host: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "# commit: $(git -C "$(dirname "$0")/.." rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
  echo "## muster_bench $*"
} | tee "$results"

# Progress goes to stderr (the terminal); the report goes to stdout and into the file.
"$build_dir/muster_bench" "$@" | tee -a "$results"

echo | tee -a "$results"
echo "## muster_pg_bench ${pg_args[*]}" | tee -a "$results"
"$build_dir/muster_pg_bench" "${pg_args[@]}" | tee -a "$results"

if [[ -x "$build_dir/muster_micro_bench" ]]; then
  echo | tee -a "$results"
  echo "## muster_micro_bench" | tee -a "$results"
  "$build_dir/muster_micro_bench" 2>&1 | tee -a "$results"
fi

# The HTTP API under wrk beside nginx (its own demo registry of 100,000 persons; needs wrk and
# nginx-light). Skipped, with a note, when the muster binary was not built.
echo | tee -a "$results"
echo "## bench/http_bench.sh" | tee -a "$results"
if [[ -x "$build_dir/muster" ]]; then
  "$(dirname "$0")/http_bench.sh" "$build_dir" | tee -a "$results"
else
  echo "skipped: $build_dir/muster is missing" | tee -a "$results"
fi

# Measure checks under wrk beside nginx and Redis, and bulk checks (its own demo registry of
# 200,000 persons; needs wrk, nginx-light, redis-server, redis-tools and curl).
echo | tee -a "$results"
echo "## bench/checks_bench.sh" | tee -a "$results"
if [[ -x "$build_dir/muster" ]]; then
  "$(dirname "$0")/checks_bench.sh" "$build_dir" | tee -a "$results"
else
  echo "skipped: $build_dir/muster is missing" | tee -a "$results"
fi

echo
echo "results: $results"
