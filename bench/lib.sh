# Shell functions shared by the HTTP benchmarks (bench/http_bench.sh, bench/checks_bench.sh):
# a temporary directory and the processes started in it, stopped on exit, failure or signal; a
# minimal HTTP client; CPU time and fdatasync tracing of a server; wrk runs parsed from the
# BENCH line of bench/wrk/common.lua; nginx answering a fixed body; muster serve on a free port.
#
# Sourced, not run. Before sourcing, a script sets `bench_name` (its progress prefix, e.g.
# http_bench); before make_work_dir it sets `keep` (1: keep the directory) and `dir` (parent
# directory, or empty for $TMPDIR or /tmp); before start_muster, `muster` and `store`.
# shellcheck shell=bash
# shellcheck disable=SC2034,SC2154  # variables shared with the script that sources this file

progress() { echo "$bench_name: $*" >&2; }
die() {
  echo "$bench_name.sh: $*" >&2
  exit 1
}

require_tool() {  # TOOL [DEBIAN_PACKAGE]
  command -v "$1" >/dev/null ||
    die "$1 is missing (Debian package ${2:-$1}; scripts/setup.sh installs it)"
}

find_nginx() {  # sets nginx (it lives in /usr/sbin, often not on a user's PATH)
  nginx=$(command -v nginx || true)
  [[ -n "$nginx" ]] || nginx=/usr/sbin/nginx
  [[ -x "$nginx" ]] || die "nginx is missing (Debian package nginx-light; scripts/setup.sh installs it)"
}

# ---- Processes and cleanup -----------------------------------------------------------------

started_pids=()
work=""

# Always a new directory (under $dir if given), so cleanup deletes only what this run made.
make_work_dir() {  # PREFIX: sets work and installs the traps
  work=$(mktemp -d "${dir:-${TMPDIR:-/tmp}}/$1.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Forgets PID once it is reaped, so cleanup never signals a recycled process id.
forget_pid() {
  local pid kept=()
  for pid in "${started_pids[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
  started_pids=("${kept[@]}")
}

stop_process() {  # PID: SIGTERM, up to 15 s for a graceful exit, then SIGKILL
  local pid=$1
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 150); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  wait "$pid" 2>/dev/null || true
  forget_pid "$pid"
}

# Runs a command as a child the traps can reach: bash runs a trap only once a foreground
# command returns, but `wait` is interrupted at once, and cleanup then stops the child.
foreground() {
  "$@" &
  local pid=$! status=0
  started_pids+=("$pid")
  wait "$pid" || status=$?
  forget_pid "$pid"
  return "$status"
}

cleanup() {
  local status=$? pid
  for pid in "${started_pids[@]}"; do stop_process "$pid"; done
  if [[ -n "$work" ]]; then
    if ((keep)); then
      progress "kept $work"
    else
      rm -rf "$work"
    fi
  fi
  exit "$status"
}

# ---- A minimal HTTP client (bash's /dev/tcp: no curl needed) --------------------------------

# http METHOD PORT PATH [BODY [HEADER...]]: prints the response body; fails on a non-2xx.
http() {
  local method=$1 port=$2 path=$3 body=${4-}
  shift $(($# < 4 ? $# : 4))
  local LC_ALL=C fd response status
  exec {fd}<>"/dev/tcp/127.0.0.1/$port"
  {
    printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n' "$method" "$path" "$port"
    local header
    for header in "$@"; do printf '%s\r\n' "$header"; done
    if [[ -n "$body" ]]; then
      printf 'Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' "${#body}" "$body"
    else
      printf '\r\n'
    fi
  } >&"$fd"
  response=$(cat <&"$fd")
  exec {fd}>&-
  local status_line=${response%%$'\r'*}
  status=${status_line#* }
  if [[ "$status" != 2* ]]; then
    echo "$bench_name.sh: $method $path: $status_line" >&2
    printf '%s\n' "${response#*$'\r\n\r\n'}" >&2
    return 1
  fi
  printf '%s' "${response#*$'\r\n\r\n'}"
}

json_string() {  # FIELD < JSON: the value of a top-level string field (no escapes expected)
  sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"
}

# ---- What a server spends --------------------------------------------------------------------

# CPU seconds (user + system) of a process and its child processes (nginx: master + workers).
cpu_seconds() {
  local pid ticks=0 fields
  local pids=("$@")
  for pid in "$@"; do
    if [[ -r /proc/$pid/task/$pid/children ]]; then
      # shellcheck disable=SC2207
      pids+=($(cat "/proc/$pid/task/$pid/children"))
    fi
  done
  for pid in "${pids[@]}"; do
    [[ -r /proc/$pid/stat ]] || continue
    # Fields after the ")" that ends the command name: utime is the 12th, stime the 13th.
    read -r -a fields <<<"$(sed 's/.*) //' "/proc/$pid/stat")"
    ticks=$((ticks + fields[11] + fields[12]))
  done
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

# Per-thread CPU ticks of a process ("TID TICKS" lines), to split a run's CPU between the I/O
# thread(s), the access-journal writer and the rest.
thread_ticks() {  # PID
  local task fields
  for task in /proc/"$1"/task/*; do
    [[ -r $task/stat ]] || continue
    read -r -a fields <<<"$(sed 's/.*) //' "$task/stat")"
    echo "${task##*/} $((fields[11] + fields[12]))"
  done | sort
}
# "37.04, 34.70, 0.29": µs of CPU per request (or per id) of each thread that was busy between
# two thread_ticks snapshots, busiest first (a tick is 10 ms: short runs are coarse).
thread_cpu_note() {  # BEFORE_FILE AFTER_FILE REQUESTS
  join "$1" "$2" | awk -v n="$3" -v hz="$(getconf CLK_TCK)" '
    { d = $3 - $2; if (d > 0 && n > 0) printf "%.2f\n", 1e6 * d / hz / n }' |
    sort -rn | paste -sd, | sed 's/,/, /g'
}

# The server's durable commits during a run: SQLite (WAL, synchronous = FULL) calls fdatasync
# once per commit, so their number and duration explain the figures. Measured with perf's
# syscall tracepoints when perf may use them here (root or perf_event_paranoid <= -1);
# otherwise reported as n/a.
have_perf=0
detect_perf() {
  if command -v perf >/dev/null &&
     perf record -q -e syscalls:sys_enter_fdatasync -o /dev/null -- true >/dev/null 2>&1; then
    have_perf=1
  fi
}
perf_pid=""
start_sync_trace() {  # PID OUTFILE
  perf_pid=""
  ((have_perf)) || return 0
  perf record -q -e 'syscalls:sys_enter_fdatasync,syscalls:sys_exit_fdatasync' \
    -e 'syscalls:sys_enter_fsync,syscalls:sys_exit_fsync' -p "$1" -o "$2" >/dev/null 2>&1 &
  perf_pid=$!
  started_pids+=("$perf_pid")
  sleep 0.5  # attached before the load starts
}
# Sets sync_calls (a number or n/a) and sync_note ("mean … ms, p50 …, p99 …" or "").
stop_sync_trace() {  # OUTFILE
  sync_calls=n/a
  sync_note=""
  [[ -n "$perf_pid" ]] || return 0
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  forget_pid "$perf_pid"
  local durations
  durations=$(perf script -i "$1" -F tid,time,event 2>/dev/null |
    awk '{ sub(":", "", $2) }
         $3 ~ /sys_enter_f/ { entered[$1] = $2 }
         $3 ~ /sys_exit_f/ && ($1 in entered) { printf "%.3f\n", 1000 * ($2 - entered[$1]); delete entered[$1] }' |
    sort -n)
  if [[ -z "$durations" ]]; then
    sync_calls=0
    return 0
  fi
  sync_calls=$(wc -l <<<"$durations")
  sync_note=$(awk '{ v[NR] = $1; sum += $1 }
    END { p99 = int(NR * 0.99); if (p99 < 1) p99 = 1
          printf "each took mean %.2f ms, p50 %.2f, p99 %.2f, max %.2f", sum / NR, v[int((NR + 1) / 2)], v[p99], v[NR] }' <<<"$durations")
}

metric_lines() {  # PORT ROUTE: the route's histogram lines from /metrics
  http GET "$1" /metrics | grep -F "route=\"$2\"" | grep '^muster_http_request_duration_seconds' || true
}

# Server-side latency of the requests between two /metrics snapshots: mean and the share of
# requests answered within each bucket bound.
server_histogram() {  # BEFORE AFTER
  awk '
    FILENAME == ARGV[1] { before[$1] = $2; next }
    {
      delta = $2 - before[$1]
      if ($1 ~ /_sum/) sum = delta
      else if ($1 ~ /_count/) count = delta
      else if (match($1, /le="[^"]*"/)) {
        bound = substr($1, RSTART + 4, RLENGTH - 5)
        bounds[++n] = bound
        cumulative[n] = delta
      }
    }
    END {
      if (count == 0) { print "server: no requests recorded"; exit }
      line = sprintf("server-side (from /metrics): mean %.2f ms;", 1000 * sum / count)
      p99 = ""
      for (i = 1; i <= n; i++) {
        if (p99 == "" && cumulative[i] >= 0.99 * count) p99 = bounds[i]
        if (bounds[i] != "+Inf") line = line sprintf(" <=%gms %.1f%%", 1000 * bounds[i], 100 * cumulative[i] / count)
      }
      print line "; p99 <= " (p99 == "+Inf" ? "+Inf" : 1000 * p99 " ms")
    }' "$1" "$2"
}

# ---- Running wrk ----------------------------------------------------------------------------

# The caller sets wrk_args (e.g. -t 2 -c 32 -d 10s --latency --timeout 10s).
wrk_args=()
declare -gA rps p50 p99 statuses requests cpu syncs exhausted tags

# run_wrk NAME URL SCRIPT SCRIPT_ARGS...: runs wrk, keeps its output, parses the BENCH line
# into rps[NAME], p50[NAME], p99[NAME] (ms), statuses, requests, exhausted (threads that used
# up their ids) and tags (the script's own counts, e.g. in_force:…,clear:…).
run_wrk() {
  local name=$1 url=$2 script=$3
  shift 3
  local out
  out=$work/wrk-${name//[^A-Za-z0-9_.-]/_}.txt
  foreground wrk "${wrk_args[@]}" -s "$script" "$url" -- "$@" >"$out" 2>&1 ||
    { cat "$out" >&2; exit 1; }
  echo "### $name: wrk ${wrk_args[*]} -s bench/wrk/$(basename "$script") $url"
  grep -v '^BENCH ' "$out" | sed 's/^/    /'
  local line
  line=$(grep '^BENCH ' "$out") || die "wrk printed no summary"
  field() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$line"; }
  rps[$name]=$(field rps)
  requests[$name]=$(field requests)
  p50[$name]=$(awk -v u="$(field p50_us)" 'BEGIN { printf "%.2f", u / 1000 }')
  p99[$name]=$(awk -v u="$(field p99_us)" 'BEGIN { printf "%.2f", u / 1000 }')
  statuses[$name]=$(field statuses)
  exhausted[$name]=$(field threads_exhausted)
  tags[$name]=$(field tags)
  local reasons errors
  reasons=$(field reasons)
  errors="$(field socket_errors) socket errors, $(field timeouts) timeouts"
  echo "    statuses: ${statuses[$name]}; refusals/problems: $reasons; $errors"
}

# "server CPU 1.23 s (45 µs per request)" for run NAME.
cpu_note() {
  awk -v c="${cpu[$1]}" -v n="${requests[$1]}" \
    'BEGIN { printf "server CPU %.2f s (%s µs per request)", c, (n > 0 ? sprintf("%.0f", 1e6 * c / n) : "n/a") }'
}

ratio_of() {  # A B: A / B with two decimals, or n/a
  awk -v a="$1" -v b="$2" 'BEGIN { if (b != "n/a" && a != "n/a" && b > 0) printf "%.2f", a / b; else print "n/a" }'
}

# ---- Servers ----------------------------------------------------------------------------------

find_free_port() {  # a port nothing listens on (the server's bind is the real check; retry)
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# start_muster IO_THREADS [BINARY [LABEL]]: `BINARY serve` (default $muster) on store $store,
# a free port picked by the kernel (port 0, read back from the start-up line), no rate limit.
# Sets muster_pid and muster_port.
muster_pid=""
muster_port=""
start_muster() {
  local binary=${2:-$muster} label=${3:-}
  local log=$work/serve-$1${label:+-$label}.log
  : >"$log"  # exists before the child opens it, for the polling below
  "$binary" --store "$store" serve --listen 127.0.0.1:0 --rate-limit 0 --threads "$1" >"$log" 2>&1 &
  muster_pid=$!
  started_pids+=("$muster_pid")
  for _ in $(seq 600); do
    muster_port=$(sed -n 's/^muster: serving http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
    [[ -n "$muster_port" ]] && return 0
    kill -0 "$muster_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$bench_name.sh: muster serve did not start:" >&2
  cat "$log" >&2
  exit 1
}

# start_nginx BODY WORKERS: nginx answering every request with BODY (application/json), its
# configuration, pid file, logs and temp paths in $work/nginx (so it runs without root), on a
# port found free (retried if the bind fails). Sets nginx_pid and nginx_port.
nginx_pid=""
nginx_port=""
start_nginx() {
  local nginx_body=$1 workers=$2 body
  find_nginx
  mkdir -p "$work/nginx"
  # nginx's `return` text: escape backslashes and quotes; `$` would start a variable.
  body=${nginx_body//\\/\\\\}
  body=${body//\'/\\\'}
  body=${body//\$/S}
  nginx_pid=""
  for attempt in 1 2 3 4 5; do
    nginx_port=$(find_free_port)
    cat >"$work/nginx/nginx.conf" <<EOF
# Written by bench/$bench_name.sh; runs without root (no user directive takes effect, every
# path is in this directory).
daemon off;
master_process on;
worker_processes $workers;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log $work/nginx/access.log;
    client_body_temp_path $work/nginx/client_body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    keepalive_requests 100000000;  # Muster does not close busy keep-alive connections either
    server {
        listen 127.0.0.1:$nginx_port;
        default_type application/json;
        location / { return 200 '$body'; }
    }
}
EOF
    "$nginx" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" \
      >"$work/nginx/stdout.log" 2>&1 &
    nginx_pid=$!
    started_pids+=("$nginx_pid")
    for _ in $(seq 50); do
      (exec 3<>"/dev/tcp/127.0.0.1/$nginx_port") 2>/dev/null && break
      kill -0 "$nginx_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$nginx_pid" 2>/dev/null; then return 0; fi
    wait "$nginx_pid" 2>/dev/null || true
    forget_pid "$nginx_pid"
    nginx_pid=""
    progress "nginx did not start on port $nginx_port (attempt $attempt): $(tail -n1 "$work/nginx/error.log" 2>/dev/null)"
  done
  cat "$work/nginx/error.log" >&2
  die "nginx did not start"
}
