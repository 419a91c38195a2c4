-- wrk script for bench/run_serve.sh: every request carries the clerk's session cookie
-- (KD_COOKIE, "kd_session=TOKEN"), and the summary is written as KEY VALUE lines that
-- run_serve.sh reads. No response() callback: with one, wrk hands every body (some 100 KB for
-- the queue) to Lua, and the load generator would slow itself down on the same two cores.
wrk.headers["Cookie"] = os.getenv("KD_COOKIE")

-- KD_FRESH=1: pages built afresh, as after a write to the database. Each thread asks for 17
-- pages of its own in turn (thread 1 per_page=184..200, thread 2 167..183, ...): by the time a
-- thread asks for a page again, 16 others have been built since, and the server keeps 16 at
-- most, so it has let it go.
local threads = 0
function setup(thread)
  thread:set("top", 200 - 17 * threads)
  threads = threads + 1
end

if os.getenv("KD_FRESH") == "1" then
  local n = 0
  function request()
    n = n + 1
    return wrk.format(nil, wrk.path .. "&per_page=" .. (top - n % 17))
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("kd requests %d\n", summary.requests))
  io.write(string.format("kd seconds %.3f\n", summary.duration / 1e6))
  io.write(string.format("kd bytes %d\n", summary.bytes))
  io.write(string.format("kd p50_ms %.3f\n", latency:percentile(50) / 1e3))
  io.write(string.format("kd p99_ms %.3f\n", latency:percentile(99) / 1e3))
  io.write(string.format("kd max_ms %.3f\n", latency.max / 1e3))
  -- wrk counts a status of 400 or more here; the server answers these paths with no 1xx or 3xx.
  io.write(string.format("kd non2xx %d\n", e.status))
  io.write(string.format("kd socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("kd timeouts %d\n", e.timeout))
end
