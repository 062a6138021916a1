#!/usr/bin/env bash
# Measure checks over HTTP (issue 5): single checks per second and their p99 latency under wrk
# (GET /checks/persons/{id} as the border agency, random persons with and without an exit ban),
# beside nginx answering a fixed JSON body of the same size with the same wrk settings and
# Redis GET under redis-benchmark with as many connections, in the same run; then bulk checks
# (POST /checks/bulk, 100,000 ids) in ids per second end to end. See docs/BENCHMARKS.md
# ("Checks: bench/checks_bench.sh"). Targets: single checks >= 0.9x nginx; bulk >= 5,000,000 ids/s.
#
#   bench/checks_bench.sh BUILD_DIR [--persons N] [--threads N] [--connections N] [--duration D]
#                         [--server-threads "1 2"] [--nginx-workers N|auto] [--in-force-share F]
#                         [--redis-requests N] [--bulk-ids N] [--bulk-repeats N]
#                         [--enforcement-bench PATH] [--variant LABEL=MUSTER_BINARY]...
#                         [--dir PATH] [--keep]
#
# Builds nothing: it runs BUILD_DIR/muster (and BUILD_DIR/muster_enforcement_bench, if built,
# for the in-process bulk figure). Everything it creates (the demo registry, nginx's and
# Redis's files) lives in a new temporary directory (under --dir PATH if given, else $TMPDIR or
# /tmp) that is deleted at the end (--keep keeps it); every process it starts is stopped on
# exit, failure or interrupt; ports are picked free at run time. --variant runs the single-check
# load once more against another muster binary on the same registry (an experimental build).
# Not pass/fail: it prints figures and exits 0 unless something could not run. Progress goes
# to stderr, the report to stdout.
set -euo pipefail

usage() {
  sed -n '9,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[[ $# -ge 1 ]] || usage
build_dir=$1
shift
persons=200000
wrk_threads=2
connections=32
duration=10s
server_threads="1 2"
nginx_workers=auto
in_force_share=0.5
redis_requests=1000000
bulk_ids=100000
bulk_repeats=5
enforcement_bench=""
variants=()
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
    --in-force-share) in_force_share=$2; shift 2 ;;
    --redis-requests) redis_requests=$2; shift 2 ;;
    --bulk-ids) bulk_ids=$2; shift 2 ;;
    --bulk-repeats) bulk_repeats=$2; shift 2 ;;
    --enforcement-bench) enforcement_bench=$2; shift 2 ;;
    --variant) variants+=("$2"); shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage ;;
    *) echo "checks_bench.sh: unknown option $1" >&2; usage ;;
  esac
done

muster=$(cd "$build_dir" && pwd)/muster
wrk_dir=$(cd "$(dirname "$0")/wrk" && pwd)
bench_name=checks_bench
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
[[ -x "$muster" ]] || die "$muster is missing (build the target muster)"
enforcement_bench=${enforcement_bench:-$(cd "$build_dir" && pwd)/muster_enforcement_bench}
for variant in "${variants[@]}"; do
  [[ $variant == *=* && -x ${variant#*=} ]] || die "--variant $variant: expected LABEL=PATH of an executable muster"
done
require_tool wrk
require_tool sqlite3
require_tool curl
require_tool redis-server redis-server
require_tool redis-benchmark redis-tools
require_tool redis-cli redis-tools
find_nginx
awk -v f="$in_force_share" 'BEGIN { exit !(f >= 0 && f <= 1) }' || die "--in-force-share: 0 to 1"

make_work_dir muster-checks-bench
detect_perf

# ---- The demo registry, the agency's key and the persons to check ------------------------------

db=$work/m.db
store=sqlite:$db
progress "creating a demo registry of $persons persons in $work"
foreground "$muster" --store "$store" demo --persons "$persons" --credentials "$work/cred.txt" \
  >"$work/demo.log" 2>&1 || { tail -20 "$work/demo.log" >&2; exit 1; }
# The border agency's API key, as `muster demo` wrote it (role, login, secret; tab-separated).
border_key=$(awk -F'\t' '$2 == "border.service" { print $3 }' "$work/cred.txt")
[[ $border_key == mak_* ]] || die "no border.service API key in $work/cred.txt"

# The demo's writes are still being written back; let that not fall into the first run.
sync -f "$db"

# The border agency enforces exit bans: persons with one in force, and persons without, mixed
# at --in-force-share and shuffled, so every check is a random slot of the index.
sqlite3 "$db" "SELECT DISTINCT person_id FROM measures WHERE kind = 'exit' AND lifted_at IS NULL
               ORDER BY random()" >"$work/banned.txt"
sqlite3 "$db" "SELECT person_id FROM persons p WHERE NOT EXISTS (SELECT 1 FROM measures m
                 WHERE m.person_id = p.person_id AND m.kind = 'exit' AND m.lifted_at IS NULL)
               ORDER BY random()" >"$work/clear.txt"
banned_total=$(wc -l <"$work/banned.txt")
clear_total=$(wc -l <"$work/clear.txt")
((banned_total > 0 && clear_total > 0)) || die "the demo has no persons with (or without) an exit ban"
# As many ids as the share allows without repeating a person, at most 100,000.
read -r take_banned take_clear < <(awk -v b="$banned_total" -v c="$clear_total" -v f="$in_force_share" '
  BEGIN {
    n = 100000
    if (f > 0 && b / f < n) n = b / f
    if (f < 1 && c / (1 - f) < n) n = c / (1 - f)
    printf "%d %d\n", n * f, n * (1 - f)
  }')
{ head -n "$take_banned" "$work/banned.txt"; head -n "$take_clear" "$work/clear.txt"; } |
  shuf >"$work/check_ids.txt"
check_ids=$(wc -l <"$work/check_ids.txt")

# The bulk request: --bulk-ids random persons (repeating persons only if there are fewer).
sqlite3 "$db" "SELECT person_id FROM persons ORDER BY random()" |
  awk -v n="$bulk_ids" '{ ids[NR] = $1 } END { for (i = 0; i < n; i++) print ids[i % NR + 1] }' \
  >"$work/bulk_ids.txt"

thousands() { printf '%.0f' "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'; }
journal_head() { sqlite3 "$db" "SELECT COALESCE(MAX(entry_id), 0) FROM access_journal"; }

# ---- Running wrk ----------------------------------------------------------------------------

wrk_args=(-t "$wrk_threads" -c "$connections" -d "$duration" --latency --timeout 10s)
auth="Authorization: Bearer $border_key"

{
  echo "# Muster checks benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# host: $(uname -srm), $(nproc) cores, load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# muster: $muster (built $(date -u -r "$muster" +%Y-%m-%dT%H:%M:%SZ)); $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2); $("$nginx" -v 2>&1); $(redis-server --version | cut -d' ' -f1-3)"
  echo "# registry: $persons persons (demo), SQLite (WAL; ledger commits synced, access journal synced within 50 ms), $work"
  echo "# wrk ${wrk_args[*]} on the same cores as the server; border.service API key; $check_ids ids:" \
       "$take_banned with an exit ban in force, $take_clear without (of $banned_total and $clear_total), shuffled"
  echo
}

# single_check_run NAME BINARY IO_THREADS: the single-check load on a fresh server process,
# with the server-side histogram, CPU, journal entries and fdatasync calls around it.
answer_mean=""
single_check_run() {
  local name=$1 binary=$2 io_threads=$3 label=${4:-}
  progress "$name"
  start_muster "$io_threads" "$binary" "$label"
  local url=http://127.0.0.1:$muster_port
  # The index is loaded before the server listens; one check proves the key and the route.
  http GET "$muster_port" "/checks/persons/$(head -n1 "$work/check_ids.txt")" "" "$auth" >/dev/null
  if [[ -z "$answer_mean" ]]; then
    # The mean size of an answer over the first 500 ids of the mix (one keep-alive curl).
    answer_mean=$(head -n 500 "$work/check_ids.txt" |
      awk -v u="$url/checks/persons/" '{ print "url = " u $1; print "output = /dev/null" }' |
      curl -sS -K - -H "$auth" -w '%{size_download}\n' |
      awk '{ s += $1 } END { printf "%d", s / NR + 0.5 }')
    answer_banned=$(http GET "$muster_port" "/checks/persons/$(head -n1 "$work/banned.txt")" "" "$auth")
    answer_clear=$(http GET "$muster_port" "/checks/persons/$(head -n1 "$work/clear.txt")" "" "$auth")
  fi
  local journal_before cpu_before
  journal_before=$(journal_head)
  metric_lines "$muster_port" "/checks/persons/{id}" >"$work/metrics-before"
  cpu_before=$(cpu_seconds "$muster_pid")
  thread_ticks "$muster_pid" >"$work/threads-before"
  start_sync_trace "$muster_pid" "$work/perf-$io_threads$label.data"
  run_wrk "$name" "$url" "$wrk_dir/check_person.lua" "$work/check_ids.txt" "$border_key" "$wrk_threads"
  stop_sync_trace "$work/perf-$io_threads$label.data"
  syncs[$name]=$sync_calls
  cpu[$name]=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$muster_pid")" 'BEGIN { printf "%.2f", b - a }')
  thread_ticks "$muster_pid" >"$work/threads-after"
  metric_lines "$muster_port" "/checks/persons/{id}" >"$work/metrics-after"
  local entries
  entries=$(($(journal_head) - journal_before))
  echo "    answers: ${tags[$name]}"
  echo "    $(server_histogram "$work/metrics-before" "$work/metrics-after")"
  echo "    $(cpu_note "$name"); access journal: $entries rows (the checks of a group commit are packed into one)"
  echo "    busy threads, µs of CPU per request each (I/O thread(s), the journal writer, its indexer):" \
       "$(thread_cpu_note "$work/threads-before" "$work/threads-after" "${requests[$name]}")"
  echo "    fdatasync calls (the journal's syncer, at most one per --journal-sync-ms, and checkpoints;" \
       "commits do not sync): ${syncs[$name]}; $sync_note"
  echo
}

# The same wrk settings against GET /health: the server's floor for an inline route (no
# credential check, no index lookup, no journal).
health_run() {
  local name=$1
  progress "$name"
  cpu_before=$(cpu_seconds "$muster_pid")
  thread_ticks "$muster_pid" >"$work/threads-before"
  run_wrk "$name" "http://127.0.0.1:$muster_port" "$wrk_dir/get_health.lua" \
    "$work/check_ids.txt" "$border_key" "$wrk_threads"
  cpu[$name]=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$muster_pid")" 'BEGIN { printf "%.2f", b - a }')
  thread_ticks "$muster_pid" >"$work/threads-after"
  echo "    $(cpu_note "$name"); busy threads, µs per request:" \
       "$(thread_cpu_note "$work/threads-before" "$work/threads-after" "${requests[$name]}")"
  echo
}

single_names=()
for io_threads in $server_threads; do
  name="Muster check t$io_threads"
  single_check_run "$name" "$muster" "$io_threads"
  single_names+=("$name")
  health_run "Muster /health t$io_threads"
  stop_process "$muster_pid"
done
for variant in "${variants[@]}"; do
  label=${variant%%=*}
  for io_threads in $server_threads; do
    name="$label check t$io_threads"
    single_check_run "$name" "${variant#*=}" "$io_threads" "$label"
    single_names+=("$name")
    stop_process "$muster_pid"
  done
done

# ---- nginx: a fixed JSON body of the mean answer's size, the same wrk settings ---------------

# A real clear answer, padded to the mean size of the mix (in-force answers are longer).
nginx_body=$(awk -v a="$answer_clear" -v n="$answer_mean" 'BEGIN {
  pad = n - length(a) - 10; if (pad < 0) pad = 0
  s = ""; for (i = 0; i < pad; i++) s = s "x"
  print substr(a, 1, length(a) - 1) ",\"pad\":\"" s "\"}" }')
start_nginx "$nginx_body" "$nginx_workers"
[[ "$(http GET "$nginx_port" /checks/persons/1)" == "$nginx_body" ]] ||
  die "nginx does not answer with the fixed body"
progress "nginx ($nginx_workers workers)"
name="nginx"
cpu_before=$(cpu_seconds "$nginx_pid")
run_wrk "$name" "http://127.0.0.1:$nginx_port" "$wrk_dir/check_person.lua" "$work/check_ids.txt" \
  "$border_key" "$wrk_threads"
cpu[$name]=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$nginx_pid")" 'BEGIN { printf "%.2f", b - a }')
echo "    nginx: worker_processes $nginx_workers, body ${#nginx_body} bytes; $(cpu_note "$name")"
stop_process "$nginx_pid"
echo

# ---- Redis: GET of a value of the same size, as many connections --------------------------------

mkdir -p "$work/redis"
redis_pid=""
for attempt in 1 2 3 4 5; do
  redis_port=$(find_free_port)
  # No persistence (no RDB snapshots, no AOF): a pure in-memory GET, like a check's lookup.
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work/redis" --save "" \
    --appendonly no --daemonize no --logfile "$work/redis/redis.log" &
  redis_pid=$!
  started_pids+=("$redis_pid")
  for _ in $(seq 50); do
    [[ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" == PONG ]] && break
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$redis_pid" 2>/dev/null; then break; fi
  wait "$redis_pid" 2>/dev/null || true
  forget_pid "$redis_pid"
  redis_pid=""
  progress "redis-server did not start on port $redis_port (attempt $attempt)"
done
[[ -n "$redis_pid" ]] || { cat "$work/redis/redis.log" >&2; die "redis-server did not start"; }
# One key per person, key:%012d as redis-benchmark's -r draws them, each holding the body nginx
# serves; loaded through redis-cli --pipe (the Redis protocol, generated here).
redis_keys=$persons
awk -v n="$redis_keys" -v v="$nginx_body" 'BEGIN {
  for (i = 0; i < n; i++) {
    k = sprintf("key:%012d", i)
    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
  } }' | redis-cli -p "$redis_port" --pipe >"$work/redis/load.log" 2>&1 ||
  { cat "$work/redis/load.log" >&2; die "loading Redis failed"; }
progress "redis-benchmark -t get"
redis_args=(-h 127.0.0.1 -p "$redis_port" -t get -n "$redis_requests" -r "$redis_keys"
            -c "$connections" --threads "$wrk_threads" --csv)
cpu_before=$(cpu_seconds "$redis_pid")
foreground redis-benchmark "${redis_args[@]}" >"$work/redis/bench.csv" 2>"$work/redis/bench.err" ||
  { cat "$work/redis/bench.err" >&2; die "redis-benchmark failed"; }
name="Redis"
cpu[$name]=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$redis_pid")" 'BEGIN { printf "%.2f", b - a }')
# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
redis_line=$(grep '^"GET"' "$work/redis/bench.csv" | tr -d '"') || die "redis-benchmark printed no GET line"
IFS=, read -r _ rps[$name] _ _ p50[$name] _ p99[$name] _ <<<"$redis_line"
requests[$name]=$redis_requests
hits=$(redis-cli -p "$redis_port" info stats | tr -d '\r' | awk -F: '
  $1 == "keyspace_hits" { h = $2 } $1 == "keyspace_misses" { m = $2 }
  END { printf "%d hits, %d misses", h, m }')
statuses[$name]=$hits
echo "### Redis: redis-benchmark ${redis_args[*]}"
sed 's/^/    /' "$work/redis/bench.csv"
echo "    redis-server $(redis-server --version | cut -d' ' -f3), no persistence; $redis_keys keys of" \
     "${#nginx_body} bytes; $hits; $(cpu_note "$name")"
stop_process "$redis_pid"
echo

# ---- Bulk checks: POST /checks/bulk over HTTP ------------------------------------------------

bulk_threads=${server_threads##* }
progress "bulk: $bulk_repeats x $bulk_ids ids (serve --threads $bulk_threads)"
start_muster "$bulk_threads" "$muster" bulk
bulk_url=http://127.0.0.1:$muster_port/checks/bulk
echo "### bulk: curl -sS --data-binary @bulk_ids.txt -H 'Authorization: Bearer …' $bulk_url" \
     "($bulk_ids ids, newline-separated, $(wc -c <"$work/bulk_ids.txt") bytes; serve --threads $bulk_threads)"
# With Content-Length, a body over the server's general 64 KiB limit is refused (413) when the
# header is read, before the route's 2 MiB limit for /checks/bulk applies (Beast compares the
# declared length with the limit set on the parser at that moment); a chunked body is checked
# as it arrives, against the route's limit. One request with Content-Length says whether that
# is still so; the timed requests are chunked unless it worked.
# The answer is streamed (Transfer-Encoding: chunked); curl fails if it is cut short.
bulk_post() {  # OUT [CURL_OPTION...]: sets code, seconds, size and encoding
  local out=$1
  shift
  foreground curl -sS -o "$out" -w '%{http_code} %{time_total} %{size_download} %header{transfer-encoding}\n' \
    -H "$auth" -H 'Content-Type: text/plain' "$@" --data-binary "@$work/bulk_ids.txt" "$bulk_url" \
    >"$out.status" || die "POST /checks/bulk: curl failed"
  read -r code seconds size encoding <"$out.status"
}
bulk_post "$work/bulk-0.ndjson"
if [[ $code == 200 ]]; then
  transfer=()
  echo "    with Content-Length: HTTP 200; the timed requests send it too"
else
  transfer=(-H 'Transfer-Encoding: chunked')
  echo "    with Content-Length: HTTP $code ($(json_string type <"$work/bulk-0.ndjson"));" \
       "the timed requests are sent chunked (Transfer-Encoding: chunked)"
fi
bulk_rates=()
journal_before=$(journal_head)
cpu_before=$(cpu_seconds "$muster_pid")
thread_ticks "$muster_pid" >"$work/threads-before"
start_sync_trace "$muster_pid" "$work/perf-bulk.data"
for repeat in $(seq "$bulk_repeats"); do
  out=$work/bulk-$repeat.ndjson
  bulk_post "$out" "${transfer[@]}"
  [[ $code == 200 ]] || { head -c 2000 "$out" >&2; die "POST /checks/bulk: HTTP $code"; }
  summary=$(tail -n1 "$out")
  [[ $summary == *"\"ids\":$bulk_ids,"* ]] || die "bulk answer $repeat has no summary for $bulk_ids ids: $summary"
  rate=$(awk -v n="$bulk_ids" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }')
  bulk_rates+=("$rate")
  echo "    $repeat: ${seconds} s, $size bytes (${encoding:-not chunked}), $(thousands "$rate") ids/s; $summary"
done
stop_sync_trace "$work/perf-bulk.data"
bulk_cpu=$(awk -v a="$cpu_before" -v b="$(cpu_seconds "$muster_pid")" 'BEGIN { printf "%.2f", b - a }')
thread_ticks "$muster_pid" >"$work/threads-after"
bulk_entries=$(($(journal_head) - journal_before))
bulk_median=$(printf '%s\n' "${bulk_rates[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
bulk_best=$(printf '%s\n' "${bulk_rates[@]}" | sort -n | tail -n1)
echo "    server CPU $bulk_cpu s for $((bulk_ids * bulk_repeats)) ids" \
     "($(awk -v c="$bulk_cpu" -v n="$((bulk_ids * bulk_repeats))" 'BEGIN { printf "%.1f", 1e6 * c / n }') µs per id);" \
     "access journal: $bulk_entries rows (one per chunk of 8,192 ids); fdatasync calls: $sync_calls; $sync_note"
echo "    busy threads, µs of CPU per id each (the journal writer, the blocking pool, the I/O thread):" \
     "$(thread_cpu_note "$work/threads-before" "$work/threads-after" "$((bulk_ids * bulk_repeats))")"
stop_process "$muster_pid"
echo

# The same work in one process, without HTTP or the durable journal (a counting journal).
inprocess=""
inprocess_cpu=""
if [[ -x "$enforcement_bench" ]]; then
  progress "$enforcement_bench --persons $persons --seconds 1"
  foreground "$enforcement_bench" --persons "$persons" --seconds 1 >"$work/enforcement-bench.txt" 2>&1 ||
    { cat "$work/enforcement-bench.txt" >&2; die "muster_enforcement_bench failed"; }
  echo "### in process: $enforcement_bench --persons $persons --seconds 1 (counting journal, no HTTP)"
  awk '/^ +per wall s/ && !header { print; header = 1 }
       /^ +(border, random ids|CheckService::Check)/' "$work/enforcement-bench.txt" | sed 's/^ */    /'
  # "  border, random ids   16,013,569   20,774,269 …": per wall s, per CPU s.
  read -r inprocess inprocess_cpu < <(awk '/^ +border, random ids/ && !done {
      gsub(",", "", $4); gsub(",", "", $5); print $4, $5; done = 1 }' \
    "$work/enforcement-bench.txt")
  echo
else
  echo "### in process: $enforcement_bench is not built (target muster_enforcement_bench); skipped"
  echo
fi

# ---- The table --------------------------------------------------------------------------------

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
echo "| run | requests/s | p50 ms | p99 ms | statuses | req/s ÷ nginx | req/s ÷ Redis | p99 ÷ nginx | p99 ÷ Redis |"
echo "|---|---:|---:|---:|---|---:|---:|---:|---:|"
rows=("${single_names[@]}")
for io_threads in $server_threads; do rows+=("Muster /health t$io_threads"); done
for name in "${rows[@]}"; do
  printf '| %s | %s | %s | %s | %s | %s× | %s× | %s× | %s× |\n' "$name" "$(thousands "${rps[$name]}")" \
    "${p50[$name]}" "${p99[$name]}" "${statuses[$name]}" \
    "$(ratio "${rps[$name]}" "${rps[nginx]}")" "$(ratio "${rps[$name]}" "${rps[Redis]}")" \
    "$(ratio "${p99[$name]}" "${p99[nginx]}")" "$(ratio "${p99[$name]}" "${p99[Redis]}")"
done
printf '| nginx, fixed %s-byte JSON | %s | %s | %s | %s | 1× | %s× | 1× | %s× |\n' "${#nginx_body}" \
  "$(thousands "${rps[nginx]}")" "${p50[nginx]}" "${p99[nginx]}" "${statuses[nginx]}" \
  "$(ratio "${rps[nginx]}" "${rps[Redis]}")" "$(ratio "${p99[nginx]}" "${p99[Redis]}")"
printf '| Redis GET (redis-benchmark) | %s | %s | %s | %s | %s× | 1× | %s× | 1× |\n' \
  "$(thousands "${rps[Redis]}")" "${p50[Redis]}" "${p99[Redis]}" "${statuses[Redis]}" \
  "$(ratio "${rps[Redis]}" "${rps[nginx]}")" "$(ratio "${p99[Redis]}" "${p99[nginx]}")"
echo
best_single=""
for name in "${single_names[@]}"; do
  [[ $name == "Muster check "* ]] || continue
  if [[ -z "$best_single" ]] || awk -v a="${rps[$name]}" -v b="${rps[$best_single]}" 'BEGIN { exit !(a > b) }'; then
    best_single=$name
  fi
done
single_ratio=$(ratio "${rps[$best_single]}" "${rps[nginx]}")
verdict() { awk -v a="$1" -v t="$2" 'BEGIN { print (a >= t ? "met" : "NOT met") }'; }
echo "Answers are $answer_mean bytes on average (an exit ban in force: ${#answer_banned}, clear: ${#answer_clear});"
echo "nginx serves a clear answer padded to that size, Redis holds the same body under each key."
echo
echo "| target | measured | ratio | verdict |"
echo "|---|---:|---:|---|"
echo "| single checks ≥ 0.9 × nginx requests/s | $(thousands "${rps[$best_single]}")/s ($best_single) against $(thousands "${rps[nginx]}")/s | ${single_ratio}× | $(verdict "$single_ratio" 0.9) |"
echo "| bulk checks ≥ 5,000,000 ids/s, HTTP end to end | median $(thousands "$bulk_median") ids/s (best $(thousands "$bulk_best")) | $(ratio "$bulk_median" 5000000)× | $(verdict "$bulk_median" 5000000) |"
for name in "${single_names[@]}"; do
  [[ $name == "Muster check "* ]] && continue
  echo "| single checks, --variant ${name% check *} (not the committed server) | $(thousands "${rps[$name]}")/s ($name) | $(ratio "${rps[$name]}" "${rps[nginx]}")× | $(verdict "$(ratio "${rps[$name]}" "${rps[nginx]}")" 0.9) |"
done
if [[ -n "$inprocess" ]]; then
  echo "| bulk checks in process (border, random ids; counting journal, no HTTP) | $(thousands "$inprocess") ids/s per wall s ($(thousands "$inprocess_cpu") per CPU s) | $(ratio "$inprocess" 5000000)× | $(verdict "$inprocess" 5000000) |"
fi
