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
bench_name=http_bench
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
[[ -x "$muster" ]] || die "$muster is missing (build the target muster)"
require_tool wrk
require_tool sqlite3
find_nginx

make_work_dir muster-http-bench
detect_perf

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

# ---- Running wrk ----------------------------------------------------------------------------

wrk_args=(-t "$wrk_threads" -c "$connections" -d "$duration" --latency --timeout 10s)

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
  if [[ ${exhausted[$name]} != 0 ]]; then
    echo "    WARNING: ${exhausted[$name]} wrk thread(s) ran out of persons and stopped early, so this rate is"
    echo "    understated (wrk divides by the whole --duration): use more --persons or a shorter --duration"
  fi
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

start_nginx "$nginx_body" "$nginx_workers"
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
