-- wrk script for bench/run_serve.sh: every request carries the clerk's session cookie
-- (KD_COOKIE, "kd_session=TOKEN"), and the summary is written as KEY VALUE lines that
-- run_serve.sh reads. No response() callback: with one, wrk hands every body (some 100 KB for
-- the queue) to Lua, and the load generator would slow itself down on the same two cores.
wrk.headers["Cookie"] = os.getenv("KD_COOKIE")

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
