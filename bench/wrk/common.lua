-- Shared by the wrk scripts of bench/http_bench.sh and bench/checks_bench.sh: the id list,
-- per-thread rotation, status counting, a script's own tallies and a machine-readable summary.
--
-- wrk runs setup() in its main Lua state once per thread, then init()/request()/response()
-- in each thread's own state, then done() in the main state. Counters therefore live in the
-- thread states and done() collects them with thread:get().
--
-- Arguments after `--`: IDS_FILE TOKEN THREADS [KEY_PREFIX]

local M = {}
local threads = {}

function M.setup(thread)
  table.insert(threads, thread)
  thread:set("thread_index", #threads)
end

-- Reads one id per line; each thread takes every THREADS-th id starting at its own index,
-- so no two threads use the same id.
function M.init(args)
  ids_file, token, thread_count, key_prefix = args[1], args[2], tonumber(args[3]), args[4]
  assert(ids_file and token and thread_count, "usage: wrk ... -- IDS_FILE TOKEN THREADS [KEY_PREFIX]")
  ids = {}
  local n = 0
  for line in io.lines(ids_file) do
    n = n + 1
    if (n - thread_index) % thread_count == 0 then table.insert(ids, line) end
  end
  assert(#ids > 0, "no ids for thread " .. thread_index .. " in " .. ids_file)
  position = 0
  statuses = {}  -- HTTP status -> count
  reasons = {}   -- problem "gate" (or status) of non-success answers -> count
  exhausted = 0  -- 1 once this thread used its last id (POST: it then stops)
  tags = {}      -- the script's own tallies (M.tag), e.g. answers in force and clear
end

-- The next id; `wrap` false returns nil when every id was used once.
function M.next_id(wrap)
  position = position + 1
  if position > #ids then
    exhausted = 1
    if not wrap then return nil end
    position = 1
  end
  return ids[position]
end

function M.count(status, body, success)
  statuses[status] = (statuses[status] or 0) + 1
  if status ~= success and body then
    local reason = body:match('"gate":"([%w_]+)"') or body:match('"type":"/problems/([%w%-]+)"') or tostring(status)
    reasons[reason] = (reasons[reason] or 0) + 1
  end
end

function M.tag(name)
  tags[name] = (tags[name] or 0) + 1
end

local function merge(into, from)
  for key, value in pairs(from or {}) do into[key] = (into[key] or 0) + value end
end

local function format_counts(counts)
  local keys = {}
  for key in pairs(counts) do table.insert(keys, tostring(key)) end
  table.sort(keys)
  local parts = {}
  for _, key in ipairs(keys) do
    table.insert(parts, key .. ":" .. (counts[key] or counts[tonumber(key)]))
  end
  return #parts > 0 and table.concat(parts, ",") or "-"
end

-- One line the shell script parses (times in microseconds), after wrk's own report.
function M.done(summary, latency, requests)
  local statuses, reasons, tags, exhausted = {}, {}, {}, 0
  for _, thread in ipairs(threads) do
    merge(statuses, thread:get("statuses"))
    merge(reasons, thread:get("reasons"))
    merge(tags, thread:get("tags"))
    exhausted = exhausted + (thread:get("exhausted") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
      "BENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
      "mean_us=%.0f statuses=%s reasons=%s tags=%s socket_errors=%d timeouts=%d threads_exhausted=%d\n",
      summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      latency.mean, format_counts(statuses), format_counts(reasons), format_counts(tags),
      errors.connect + errors.read + errors.write, errors.timeout, exhausted))
end

return M
