-- wrk script shared by every scenario of bench/run.py (see bench/README.md).
--
-- The request comes from the environment, so one static script serves every scenario and a
-- run can be reproduced by hand:
--   BENCH_METHOD           GET, POST, ...
--   BENCH_HEADERS          "Name: value" lines separated by newlines (optional)
--   BENCH_BODY             request body (optional)
--   BENCH_EXPECT_STATUS    the one status a correct response has (200, 302, ...)
--
-- wrk itself only counts statuses >= 400 as errors; a login redirect instead of the page, or
-- a 200 re-showing a form with errors instead of the 302 of a successful save, would look
-- like success. So every response whose status differs from BENCH_EXPECT_STATUS is counted,
-- and done() prints one machine-readable line (exact microseconds, no unit parsing).

wrk.method = os.getenv("BENCH_METHOD") or "GET"

local body = os.getenv("BENCH_BODY")
if body ~= nil and body ~= "" then
   wrk.body = body
end

for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\n]+") do
   local name, value = line:match("^([^:]+):%s*(.*)$")
   if name ~= nil then
      wrk.headers[name] = value
   end
end

local expected_status = tonumber(os.getenv("BENCH_EXPECT_STATUS") or "200")

-- Each wrk thread has its own Lua state: keep a handle on each to add up their counters.
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   unexpected = 0
end

function response(status, headers, body)
   if status ~= expected_status then
      unexpected = unexpected + 1
   end
end

function done(summary, latency, requests)
   local unexpected_total = 0
   for _, thread in ipairs(threads) do
      unexpected_total = unexpected_total + (thread:get("unexpected") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, '
         .. '"latency_p50_us": %d, "latency_p99_us": %d, "latency_max_us": %d, '
         .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d, '
         .. '"status": %d, "unexpected_status": %d}}\n',
      summary.requests, summary.duration, summary.bytes,
      latency:percentile(50), latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.timeout, e.status, unexpected_total
   ))
end
