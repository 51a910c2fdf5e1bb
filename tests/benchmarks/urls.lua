-- wrk script: GET paths drawn at random from the file named by BENCH_URLS (one path a line),
-- with the cookie in BENCH_COOKIE if any, then print one JSON line of the figures.

local paths = {}
local counter = 1

local function load_paths()
  local file = assert(io.open(os.getenv("BENCH_URLS"), "r"))
  for line in file:lines() do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  file:close()
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  load_paths()
  math.randomseed(os.time() * 100 + id)
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then
    wrk.headers["Cookie"] = cookie
  end
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "bad_status": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    errors.status, errors.connect + errors.read + errors.write + errors.timeout
  ))
end
