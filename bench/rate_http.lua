-- wrk script for bench/rate_http.py: each request rates its own invitation (ids handed out
-- per thread: first + thread index + n * threads), JSON body, headers from the environment.
local threads_n = tonumber(os.getenv("BENCH_THREADS") or "1")
local first = tonumber(os.getenv("BENCH_FIRST_ID") or "1")
local path = os.getenv("BENCH_PATH")
local counter = 0
local index = 0

function setup(thread)
  thread:set("tid", index)
  index = index + 1
end

function init(args)
  counter = 0
end

request = function()
  local id = first + (tid or 0) + counter * threads_n
  counter = counter + 1
  local body = string.format('{"level": %d, "invitation_id": %d}', 1 + id % 3, id)
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-CSRFToken"] = os.getenv("BENCH_TOKEN") or "",
    ["Cookie"] = os.getenv("BENCH_COOKIE") or "",
  }
  return wrk.format("POST", path, headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format("LUA requests=%d p50_us=%d p99_us=%d errors_status=%d\n",
    summary.requests, latency:percentile(50), latency:percentile(99), summary.errors.status))
end
