#!/usr/bin/env bash
# The HTTP API under load: requests per second and p99 latency of GET /persons/{id} and of
# POST /summonses under wrk on loopback, beside nginx answering a fixed JSON body of the same
# size with the same wrk settings, in the same run. See docs/BENCHMARKS.md ("HTTP").
#
#   bench/http_bench.sh BUILD_DIR [--persons N] [--threads N] [--connections N]
#                       [--duration D] [--server-threads "1 2"] [--nginx-workers N|auto]
#                       [--dir PATH] [--keep]
#
# Builds nothing: it runs BUILD_DIR/muster. Everything it creates (the demo registry, nginx's
# configuration and logs) lives in a new temporary directory (under --dir PATH if given, else
# $TMPDIR or /tmp) that is deleted at the end (--keep keeps it), and every process it starts
# is stopped on exit, failure or interrupt. Ports are picked free at run time, never fixed.
# Not pass/fail: it prints figures and exits 0 unless something could not run. Progress goes
# to stderr, the report to stdout.
set -euo pipefail

usage() {
  sed -n '6,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
build_dir=$1
shift
persons=100000
wrk_threads=2
connections=32
duration=10s
server_threads="1 2"
nginx_workers=auto
dir=""
keep=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --persons) persons=$2; shift 2 ;;
    --threads) wrk_threads=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --server-threads) server_threads=$2; shift 2 ;;
    --nginx-workers) nginx_workers=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "http_bench.sh: unknown option $1" >&2; usage ;;
  esac
done

muster=$(cd "$build_dir" && pwd)/muster
wrk_dir=$(cd "$(dirname "$0")/wrk" && pwd)
[[ -x "$muster" ]] || { echo "http_bench.sh: $muster is missing (build the target muster)" >&2; exit 1; }
for tool in wrk sqlite3; do
  command -v "$tool" >/dev/null ||
    { echo "http_bench.sh: $tool is missing (Debian package $tool; scripts/setup.sh installs it)" >&2; exit 1; }
done
nginx=$(command -v nginx || true)
[[ -n "$nginx" ]] || nginx=/usr/sbin/nginx
[[ -x "$nginx" ]] ||
  { echo "http_bench.sh: nginx is missing (Debian package nginx-light; scripts/setup.sh installs it)" >&2; exit 1; }

progress() { echo "http_bench: $*" >&2; }

# ---- Processes and cleanup -----------------------------------------------------------------

# Always a new directory (under --dir if given), so cleanup deletes only what this run made.
work=$(mktemp -d "${dir:-${TMPDIR:-/tmp}}/muster-http-bench.XXXXXX")
started_pids=()

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
  if ((keep)); then
    progress "kept $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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
    echo "http_bench.sh: $method $path: $status_line" >&2
    printf '%s\n' "${response#*$'\r\n\r\n'}" >&2
    return 1
  fi
  printf '%s' "${response#*$'\r\n\r\n'}"
}

json_string() {  # FIELD < JSON: the value of a top-level string field (no escapes expected)
  sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"
}

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

# The server's durable commits during a run: SQLite (WAL, synchronous = FULL) calls fdatasync
# once per commit, so their number and duration explain the figures. Measured with perf's
# syscall tracepoints when perf may use them here (root or perf_event_paranoid <= -1);
# otherwise reported as n/a.
have_perf=0
if command -v perf >/dev/null &&
   perf record -q -e syscalls:sys_enter_fdatasync -o /dev/null -- true >/dev/null 2>&1; then
  have_perf=1
fi
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

# ---- The demo registry ----------------------------------------------------------------------

db=$work/m.db
store=sqlite:$db
progress "creating a demo registry of $persons persons in $work"
foreground "$muster" --store "$store" demo --persons "$persons" --credentials "$work/cred.txt" \
  >"$work/demo.log" 2>&1 || { tail -20 "$work/demo.log" >&2; exit 1; }

# The ryazan.officer reads persons of region RYA. Issuing needs more persons than one region
# holds (RYA is about 0.8 % of the population, and the demo campaign already summoned most of
# its liable men), so the POST run acts as an officer with summons.issue in every region.
bench_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 24)
MUSTER_PASSWORD=$bench_password "$muster" --store "$store" account add --kind officer \
  --login bench.officer --name "Benchmark officer, all regions" \
  --grant summons.issue@all --grant person.read@all >"$work/account.log" 2>&1 ||
  { cat "$work/account.log" >&2; exit 1; }

# The demo's writes are still being written back; let that not fall into the first run.
sync -f "$db"
sqlite3 "$db" "SELECT person_id FROM persons WHERE region = 'RYA' ORDER BY person_id" >"$work/get_ids.txt"
get_ids=$(wc -l <"$work/get_ids.txt")
((get_ids > 0)) || { echo "http_bench.sh: no persons in region RYA" >&2; exit 1; }

# ---- Muster ----------------------------------------------------------------------------------

muster_pid=""
muster_port=""
start_muster() {  # IO_THREADS
  local log=$work/serve-$1.log
  : >"$log"  # exists before the child opens it, for the polling below
  "$muster" --store "$store" serve --listen 127.0.0.1:0 --rate-limit 0 --threads "$1" >"$log" 2>&1 &
  muster_pid=$!
  started_pids+=("$muster_pid")
  for _ in $(seq 300); do
    muster_port=$(sed -n 's/^muster: serving http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log")
    [[ -n "$muster_port" ]] && return 0
    kill -0 "$muster_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "http_bench.sh: muster serve did not start:" >&2
  cat "$log" >&2
  exit 1
}

login() {  # LOGIN PASSWORD: prints a session token
  local code
  code=$("$muster" --store "$store" account totp --login "$1")
  http POST "$muster_port" /auth/login "{\"login\":\"$1\",\"password\":\"$2\",\"totp\":\"$code\"}" |
    json_string token
}

# The persons a POST may issue to: no summons at all, on the register, liable by age and sex
# on the registry's date, no ground or objection in force. The gates decide; this only keeps
# the run measuring issuance rather than refusals, and the run counts what the gates refused.
write_post_ids() {  # FILE
  sqlite3 "$db" "
    SELECT p.person_id FROM persons p
    WHERE p.status = 'registered' AND p.sex IN ($liable_sexes)
      AND date(p.birth_date * 86400, 'unixepoch', '+$min_age years') <= '$today'
      AND date(p.birth_date * 86400, 'unixepoch', '+$max_age years') $max_compare '$today'
      AND NOT EXISTS (SELECT 1 FROM summonses s WHERE s.person_id = p.person_id)
      AND NOT EXISTS (SELECT 1 FROM grounds g WHERE g.person_id = p.person_id
                      AND g.ended_at IS NULL AND g.valid_from <= $today_days
                      AND (g.valid_until IS NULL OR g.valid_until >= $today_days))
      AND NOT EXISTS (SELECT 1 FROM objections o WHERE o.person_id = p.person_id
                      AND o.decided_at IS NULL)
    ORDER BY p.person_id" >"$1"
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

wrk_args=(-t "$wrk_threads" -c "$connections" -d "$duration" --latency --timeout 10s)
declare -A rps p50 p99 statuses requests cpu syncs

# run_wrk NAME URL SCRIPT SCRIPT_ARGS...: runs wrk, keeps its output, parses the BENCH line.
run_wrk() {
  local name=$1 url=$2 script=$3
  shift 3
  local out=$work/wrk-$name.txt
  foreground wrk "${wrk_args[@]}" -s "$script" "$url" -- "$@" >"$out" 2>&1 ||
    { cat "$out" >&2; exit 1; }
  echo "### $name: wrk ${wrk_args[*]} -s bench/wrk/$(basename "$script") $url"
  grep -v '^BENCH ' "$out" | sed 's/^/    /'
  local line
  line=$(grep '^BENCH ' "$out") || { echo "http_bench.sh: wrk printed no summary" >&2; exit 1; }
  field() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$line"; }
  rps[$name]=$(field rps)
  requests[$name]=$(field requests)
  p50[$name]=$(awk -v u="$(field p50_us)" 'BEGIN { printf "%.2f", u / 1000 }')
  p99[$name]=$(awk -v u="$(field p99_us)" 'BEGIN { printf "%.2f", u / 1000 }')
  statuses[$name]=$(field statuses)
  local reasons exhausted errors
  reasons=$(field reasons)
  exhausted=$(field threads_exhausted)
  errors="$(field socket_errors) socket errors, $(field timeouts) timeouts"
  echo "    statuses: ${statuses[$name]}; refusals/problems: $reasons; $errors"
  if [[ $name == *POST* && $exhausted != 0 ]]; then
    echo "    WARNING: $exhausted wrk thread(s) ran out of persons and stopped early, so this rate is"
    echo "    understated (wrk divides by the whole --duration): use more --persons or a shorter --duration"
  fi
}

# "server CPU 1.23 s (45 µs per request)" for run NAME.
cpu_note() {
  awk -v c="${cpu[$1]}" -v n="${requests[$1]}" \
    'BEGIN { printf "server CPU %.2f s (%s µs per request)", c, (n > 0 ? sprintf("%.0f", 1e6 * c / n) : "n/a") }'
}

ratio_of() {  # A B: A / B with two decimals, or n/a
  awk -v a="$1" -v b="$2" 'BEGIN { if (b != "n/a" && a != "n/a" && b > 0) printf "%.2f", a / b; else print "n/a" }'
}

{
  echo "# Muster HTTP benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# host: $(uname -srm), $(nproc) cores, load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# muster: $muster (built $(date -u -r "$muster" +%Y-%m-%dT%H:%M:%SZ)); $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2); $("$nginx" -v 2>&1)"
  echo "# registry: $persons persons (demo), SQLite (WAL, synchronous = FULL), $work"
  echo "# wrk ${wrk_args[*]} on the same 2 cores as the server; GET ids: $get_ids persons of region RYA"
  echo
}

ryazan_password=$(awk -F'\t' '$2 == "ryazan.officer" { print $3 }' "$work/cred.txt")
ryazan_token=""
bench_token=""
nginx_body=""

for io_threads in $server_threads; do
  progress "muster serve --threads $io_threads"
  start_muster "$io_threads"
  url=http://127.0.0.1:$muster_port
  if [[ -z "$ryazan_token" ]]; then
    # Sessions live in the registry, so the tokens outlast this server process.
    ryazan_token=$(login ryazan.officer "$ryazan_password")
    bench_token=$(login bench.officer "$bench_password")
    [[ -n "$ryazan_token" && -n "$bench_token" ]] || { echo "http_bench.sh: login gave no token" >&2; exit 1; }
    profile=$(http GET "$muster_port" /profile "" "Authorization: Bearer $ryazan_token")
    today=$(json_string now <<<"$profile" | cut -c1-10)
    today_days=$(sqlite3 "$db" "SELECT CAST(julianday('$today') - julianday('1970-01-01') AS INTEGER)")
    min_age=$(sed -n 's/.*"liability":{[^}]*"min_age":\([0-9]*\).*/\1/p' <<<"$profile")
    max_age=$(sed -n 's/.*"liability":{[^}]*"max_age":\([0-9]*\).*/\1/p' <<<"$profile")
    max_compare='>'
    grep -q '"max_age_inclusive":true' <<<"$profile" && max_compare='>=' && max_age=$((max_age + 1))
    liable_sexes=$(sed -n 's/.*"sexes":\[\([^]]*\)\].*/\1/p' <<<"$profile" | tr '"' "'")
    [[ -n "$today" && -n "$min_age" && -n "$max_age" && -n "$liable_sexes" ]] ||
      { echo "http_bench.sh: cannot read the liability rules from GET /profile" >&2; exit 1; }
    # nginx answers with a person card of the same size (a real card of this synthetic demo).
    nginx_body=$(http GET "$muster_port" "/persons/$(head -n1 "$work/get_ids.txt")" "" \
                   "Authorization: Bearer $ryazan_token")
  fi

  # GET /persons/{id}: a read, journalled (access journal, group commit) before it is answered.
  name="Muster GET t$io_threads"
  journal_before=$(sqlite3 "$db" "SELECT COALESCE(MAX(entry_id), 0) FROM access_journal")
  metric_lines "$muster_port" "/persons/{id}" >"$work/metrics-before"
  cpu_before=$(cpu_seconds "$muster_pid")
  start_sync_trace "$muster_pid" "$work/perf-get-$io_threads.data"
  run_wrk "$name" "$url" "$wrk_dir/get_person.lua" "$work/get_ids.txt" "$ryazan_token" "$wrk_threads"
  stop_sync_trace "$work/perf-get-$io_threads.data"
  syncs[$name]=$sync_calls
  cpu[$name]=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$muster_pid")" 'BEGIN { printf "%.2f", b - a }')
  metric_lines "$muster_port" "/persons/{id}" >"$work/metrics-after"
  journal_entries=$(( $(sqlite3 "$db" "SELECT COALESCE(MAX(entry_id), 0) FROM access_journal") - journal_before ))
  echo "    $(server_histogram "$work/metrics-before" "$work/metrics-after")"
  echo "    $(cpu_note "$name"); access journal: $journal_entries entries"
  echo "    fdatasync calls (= commits): ${syncs[$name]}, $(ratio_of "$journal_entries" "${syncs[$name]}")" \
       "journal entries per commit; $sync_note"
  echo

  # POST /summonses: a ledger write (one transaction, one durable commit) per request.
  name="Muster POST t$io_threads"
  write_post_ids "$work/post_ids.txt"
  post_ids=$(wc -l <"$work/post_ids.txt")
  ((post_ids >= wrk_threads)) || { echo "http_bench.sh: only $post_ids persons left to summon" >&2; exit 1; }
  summonses_before=$(sqlite3 "$db" "SELECT COUNT(*) FROM summonses")
  metric_lines "$muster_port" "/summonses" >"$work/metrics-before"
  cpu_before=$(cpu_seconds "$muster_pid")
  start_sync_trace "$muster_pid" "$work/perf-post-$io_threads.data"
  run_wrk "$name" "$url" "$wrk_dir/issue_summons.lua" "$work/post_ids.txt" "$bench_token" \
    "$wrk_threads" "bench-t$io_threads-$$"
  stop_sync_trace "$work/perf-post-$io_threads.data"
  syncs[$name]=$sync_calls
  cpu[$name]=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$muster_pid")" 'BEGIN { printf "%.2f", b - a }')
  metric_lines "$muster_port" "/summonses" >"$work/metrics-after"
  issued=$(( $(sqlite3 "$db" "SELECT COUNT(*) FROM summonses") - summonses_before ))
  echo "    $(server_histogram "$work/metrics-before" "$work/metrics-after")"
  echo "    $(cpu_note "$name"); summonses issued: $issued ($post_ids candidates)"
  echo "    fdatasync calls (= commits): ${syncs[$name]}, $(ratio_of "${syncs[$name]}" "$issued") per" \
       "summons issued; $sync_note"
  echo

  stop_process "$muster_pid"
done

# ---- nginx: a fixed JSON body, the same wrk settings -----------------------------------------

find_free_port() {  # a port nothing listens on (nginx's bind is the real check; see retries)
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

mkdir -p "$work/nginx"
# nginx's `return` text: escape backslashes and quotes; `$` would start a variable.
body=${nginx_body//\\/\\\\}
body=${body//\'/\\\'}
body=${body//\$/S}
nginx_pid=""
for attempt in 1 2 3 4 5; do
  nginx_port=$(find_free_port)
  cat >"$work/nginx/nginx.conf" <<EOF
# Written by bench/http_bench.sh; runs without root (no user directive takes effect, every
# path is in this directory).
daemon off;
master_process on;
worker_processes $nginx_workers;
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
  if kill -0 "$nginx_pid" 2>/dev/null; then break; fi
  nginx_pid=""
  progress "nginx did not start on port $nginx_port (attempt $attempt): $(tail -n1 "$work/nginx/error.log" 2>/dev/null)"
done
[[ -n "$nginx_pid" ]] || { echo "http_bench.sh: nginx did not start" >&2; cat "$work/nginx/error.log" >&2; exit 1; }
[[ "$(http GET "$nginx_port" /persons/1)" == "$nginx_body" ]] ||
  { echo "http_bench.sh: nginx does not answer with the card" >&2; exit 1; }

progress "nginx ($nginx_workers workers)"
name="nginx"
cpu_before=$(cpu_seconds "$nginx_pid")
run_wrk "$name" "http://127.0.0.1:$nginx_port" "$wrk_dir/get_person.lua" "$work/get_ids.txt" \
  "$ryazan_token" "$wrk_threads"
cpu[$name]=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$nginx_pid")" 'BEGIN { printf "%.2f", b - a }')
echo "    nginx: $(nproc) cores, worker_processes $nginx_workers," \
     "body ${#nginx_body} bytes; $(cpu_note "$name")"
stop_process "$nginx_pid"
echo

# ---- The table --------------------------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
echo "| run | requests/s | p50 ms | p99 ms | statuses | requests/s Muster/nginx | p99 Muster/nginx |"
echo "|---|---:|---:|---:|---|---:|---:|"
for io_threads in $server_threads; do
  for kind in GET POST; do
    name="Muster $kind t$io_threads"
    printf '| %s (serve --threads %s) | %s | %s | %s | %s | %s× | %s× |\n' "Muster $kind" "$io_threads" \
      "${rps[$name]}" "${p50[$name]}" "${p99[$name]}" "${statuses[$name]}" \
      "$(ratio "${rps[$name]}" "${rps[nginx]}")" "$(ratio "${p99[$name]}" "${p99[nginx]}")"
  done
done
printf '| nginx, fixed %s-byte JSON | %s | %s | %s | %s | 1× | 1× |\n' "${#nginx_body}" \
  "${rps[nginx]}" "${p50[nginx]}" "${p99[nginx]}" "${statuses[nginx]}"
echo
echo "GET /persons/{id}: ryazan.officer over the $get_ids persons of RYA; each answer waits for its"
echo "access-journal entry to be committed. POST /summonses: bench.officer (summons.issue@all), each"
echo "request a different person with no summons and its own Idempotency-Key; one ledger commit each."
