-- wrk script of bench/peer/run: POST the JSON request in $BODY_FILE (with "Authorization: Bearer
-- $TOKEN" when TOKEN is set and not empty), count answers that are not HTTP 200 with GraphQL data
-- and no errors (so a broken query cannot pass for a fast one), and print a summary in lines
-- "peer KEY VALUE" that the runner parses; latencies are in microseconds.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("TOKEN")
if token and token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end
local f = assert(io.open(os.getenv("BODY_FILE"), "r"))
wrk.body = f:read("*a")
f:close()

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

bad = 0
function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"data"', 1, true) or string.find(body, '"errors"', 1, true) then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local bad_total = 0
  for _, t in ipairs(threads) do
    bad_total = bad_total + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format("peer requests %d\n", summary.requests))
  io.write(string.format("peer duration_us %d\n", summary.duration))
  io.write(string.format("peer bad_answers %d\n", bad_total))
  io.write(string.format("peer socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  for _, p in ipairs({ 50, 90, 99 }) do
    io.write(string.format("peer p%d_us %d\n", p, latency:percentile(p)))
  end
  io.write(string.format("peer max_us %d\n", latency.max))
end
