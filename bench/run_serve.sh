#!/usr/bin/env bash
# Load benchmark of keydesk serve, side by side in one run: the clerk's queue (GET
# /api/cases?tab=open&per_page=200, the 200 open cases due soonest, with working days left) among
# 100,000 open cases of the counter's authority (and 100,000 closed), under wrk with 200
# connections for a fixed time, on loopback only, on
#   - SQLite and PostgreSQL (a private cluster made for the run by tests/postgres/cluster.sh: initdb
#     in a temporary directory, the server as an unprivileged user on a Unix socket only, stopped
#     and removed on exit),
#   - one handler thread (--threads 1) and the pool (--threads THREADS_POOL, default the cores),
#   - the page cache on (the page kept while the database does not change: every request after
#     the first is served from it) and off (--no-queue-cache: every page built afresh, as when
#     cases move between requests).
# With the pool and the cache off, also the page a clerk opens (GET /api/cases: 我的待办, 50 cases).
# Then, per backend, every kind of queue page a clerk asks for (each tab, each sortable column, a
# deep page, searches), each built afresh: the median of 5 requests, one at a time. The searches:
# part of a case number, part of a login name, a name of 2 characters (王伟: too short for the
# trigram index) and of 3 (王海峰), open and closed, a USCC, part of an enterprise's name, and one
# every case holds (有限公司).
# Goal (issue 23): fresh queue pages (cache off) at 200 connections with p99 under 50 ms.
#
# usage: bench/run_serve.sh      (from any directory; needs a built tree: scripts/build.sh)
# Environment: CASES         open cases seeded (default 100000)
#              CLOSED        closed cases seeded (default 100000)
#              CONNECTIONS   wrk connections (default 200)
#              THREADS       wrk threads (default 2)
#              THREADS_POOL  keydesk serve --threads of the pool runs (default: nproc)
#              DURATION      each timed run (default 15s)
#              WARMUP        an untimed run before each (default 3s)
# The databases are seeded by serve_seed (bench/serve_seed.cpp), the same cases on both, a clerk
# of the authority is added, and keydesk serve is started on a free port of 127.0.0.1 for each
# run and stopped after it. wrk runs on the same machine: server, database server and load
# generator share its cores, so the figures are a floor for a server with a machine of its own.
# Latencies are wrk's (per request, from sending it to the end of the response); --timeout 10s
# keeps slow answers in them instead of dropping them as timeouts.
# Exit status: non-zero when a step fails, 2 when a run has failed requests.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bench/out/serve"
kd="$root/build/cli/keydesk"
seed="$root/build/bench/serve_seed"
cases=${CASES:-100000}
closed=${CLOSED:-100000}
connections=${CONNECTIONS:-200}
threads=${THREADS:-2}
pool=${THREADS_POOL:-$(nproc)}
duration=${DURATION:-15s}
warmup=${WARMUP:-3s}
goal_ms=50
[ -x "$kd" ] && [ -x "$seed" ] || { echo "build first: scripts/build.sh" >&2; exit 2; }
for tool in wrk curl psql; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: scripts/install-deps.sh" >&2; exit 2; }
done

rm -rf "$out"
mkdir -p "$out"
echo "machine: $(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')),"\
  "$(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"

# --- the PostgreSQL cluster, stopped on exit ----------------------------------------------------
pg_dir=$(mktemp -d /tmp/keydesk-bench-pg.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  bash "$root/tests/postgres/cluster.sh" stop "$pg_dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT
bash "$root/tests/postgres/cluster.sh" start "$pg_dir" >/dev/null
PGOPTIONS="-c client_min_messages=warning" psql -q "postgresql:///postgres?host=$pg_dir&user=keydesk" \
  -c "CREATE DATABASE keydesk_bench" >/dev/null
declare -A db=([sqlite]="$out/cases.db" [postgresql]="postgresql:///keydesk_bench?host=$pg_dir&user=keydesk")
echo "PostgreSQL $(psql -tA "${db[postgresql]}" -c 'SHOW server_version') on the socket in $pg_dir"

# --- the databases and the clerk ----------------------------------------------------------------
password="bench-clerk-$RANDOM$RANDOM"
for backend in sqlite postgresql; do
  echo "seeding $cases open and $closed closed cases into $backend ..."
  "$seed" --db "${db[$backend]}" --cases "$cases" --closed "$closed" --rules "$root/rules" \
    >"$out/seed_$backend.json"
  authority=$(/usr/bin/python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['authority'])" \
    "$out/seed_$backend.json")
  /usr/bin/python3 -c "import json, sys; j = json.load(open(sys.argv[1]));
print(f\"  {j['cases']:,} open cases ({j['overdue']:,} overdue), {j['closed']:,} closed, over {j['procedures']} procedures, \"
      f\"today {j['today']}, {j['db_bytes'] / 1e6:.0f} MB, {j['seconds']:.1f} s\")" "$out/seed_$backend.json"
  echo "$password" | "$kd" --rules "$root/rules" --db "${db[$backend]}" users add bench_clerk \
    --role authority_clerk --authority "$authority" >/dev/null
done

# --- one server per run -----------------------------------------------------------------------------
base=
start_server() {  # BACKEND THREADS CACHE(on|off) NAME
  local extra=()
  [ "$3" = on ] || extra=(--no-queue-cache)
  "$kd" --rules "$root/rules" --db "${db[$1]}" serve --address 127.0.0.1 --port 0 --mail-every 0 \
    --threads "$2" "${extra[@]}" >"$out/serve_$4.log" 2>&1 &
  server_pid=$!
  local port=
  for _ in $(seq 300); do
    port=$(sed -n 's|^keydesk serve: http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$out/serve_$4.log")
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$out/serve_$4.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { echo "keydesk serve did not start (see $out/serve_$4.log)" >&2; exit 1; }
  base="http://127.0.0.1:$port"
  curl -sS -o /dev/null -D "$out/login.headers" -H 'Content-Type: application/json' \
    --data "{\"name\": \"bench_clerk\", \"password\": \"$password\"}" "$base/api/login"
  cookie=$(sed -n 's/^[Ss]et-[Cc]ookie: \(kd_session=[0-9a-f]*\);.*/\1/p' "$out/login.headers")
  [ -n "$cookie" ] || { echo "login failed:" >&2; cat "$out/login.headers" >&2; exit 1; }
  export KD_COOKIE="$cookie"
}
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}

queue="/api/cases?tab=open&per_page=200"
# The page a clerk opens: 我的待办, 50 cases a page (the defaults).
first_page="/api/cases"
check_queue() {  # BACKEND: one page by hand, the clerk's 200 cases, soonest deadline first
  curl -sS -o "$out/queue_$1.json" -w '%{http_code}' -H "Cookie: $KD_COOKIE" "$base$queue" \
    >"$out/queue.status"
  /usr/bin/python3 - "$out/queue_$1.json" "$(cat "$out/queue.status")" "$1" <<'PY'
import json, os, sys
path, status, backend = sys.argv[1:4]
if status != "200":
    sys.exit(f"GET /api/cases answered {status}: {open(path).read()[:300]}")
cases = json.load(open(path))["cases"]
due = [c["due"] for c in cases if c["due"]]
if len(cases) != 200 or due != sorted(due):
    sys.exit(f"GET /api/cases: {len(cases)} cases, due dates sorted: {due == sorted(due)}")
print(f"  {backend}: GET /api/cases: 200 cases, {os.path.getsize(path):,} bytes, due {due[0]} to {due[-1]}")
PY
}

run_wrk() {  # NAME DURATION [PATH]
  wrk -t"$threads" -c"$connections" -d"$2" --timeout 10s --latency -s "$root/bench/serve_queue.lua" \
    "$base${3:-$queue}" >"$out/wrk_$1.txt"
  # wrk stops with a request in flight on every connection, and the server answers them all
  # before it reads the next run's: wait for it to be idle.
  curl -sS -m 600 -o /dev/null "$base/"
}

# Every kind of page, built afresh (a parameter the server ignores makes each request new to its
# page cache), one request at a time: the median of 5.
pages() {  # BACKEND
  : >"$out/pages_$1.txt"
  for page in "" "tab=enterprise" "tab=vendor" "tab=open" "tab=closed" \
      "tab=open&sort=opened&order=desc" "tab=open&sort=enterprise" "tab=open&sort=id&order=desc" \
      "tab=open&sort=state" "tab=open&procedure=reissue" "tab=open&page=1000" "tab=closed&page=1000" \
      "tab=closed&sort=enterprise" "q=C2026-00001" "q=u00000" "tab=open&q=%E7%8E%8B%E4%BC%9F" \
      "tab=closed&q=%E7%8E%8B%E4%BC%9F" "q=913100000000000123" "tab=open&q=%E7%8E%8B%E6%B5%B7%E5%B3%B0" \
      "tab=closed&q=%E7%8E%8B%E6%B5%B7%E5%B3%B0" "q=%E8%B4%B8%E6%98%93%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B800012" \
      "q=%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B8"; do
    for n in 1 2 3 4 5; do
      curl -sS -o "$out/page.json" -w '%{time_total}\n' -H "Cookie: $KD_COOKIE" \
        "$base/api/cases?$page&fresh=$n$RANDOM" >>"$out/page_times.txt"
    done
    /usr/bin/python3 - "$out/page.json" "$page" "$out/page_times.txt" >>"$out/pages_$1.txt" <<'PY'
import json, statistics, sys
j = json.load(open(sys.argv[1]))
times = [float(t) * 1000 for t in open(sys.argv[3]).read().split()[-5:]]
print(f"{sys.argv[2] or '(我的待办)':36}{j['total']:>9,}{len(j['cases']):>6}{statistics.median(times):>10.1f}")
PY
  done
}

runs=()
for backend in sqlite postgresql; do
  for t in 1 "$pool"; do
    for cache in on off; do
      name="${backend}_t${t}_$cache"
      start_server "$backend" "$t" "$cache" "$name"
      [ "$t$cache" = "1on" ] && check_queue "$backend"
      echo "$backend, --threads $t, page cache $cache: wrk -t$threads -c$connections -d$duration GET $queue ..."
      run_wrk "warmup_$name" "$warmup"
      run_wrk "$name" "$duration"
      if [ "$t$cache" = "${pool}off" ]; then
        echo "$backend, --threads $t, page cache off: wrk -t$threads -c$connections -d$duration GET $first_page ..."
        run_wrk "warmup_${name}_first" "$warmup" "$first_page"
        run_wrk "${name}_first" "$duration" "$first_page"
        echo "$backend: every kind of queue page, built afresh, one request at a time ..."
        pages "$backend"
      fi
      kill -0 "$server_pid" 2>/dev/null || { echo "keydesk serve died (see $out/serve_$name.log)" >&2; exit 1; }
      stop_server
      runs+=("$name")
    done
  done
done

echo
/usr/bin/python3 - "$out" "$goal_ms" "$connections" "$cases" "$pool" "${runs[@]}" <<'PY'
import sys
out, goal, connections, cases, pool = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
names = sys.argv[6:]
def figures(name):
    kv = {}
    for line in open(f"{out}/wrk_{name}.txt"):
        parts = line.split()
        if len(parts) == 3 and parts[0] == "kd":
            kv[parts[1]] = float(parts[2])
    kv["rps"] = kv["requests"] / kv["seconds"]
    return kv
f = {n: figures(n) for n in names}
print(f"GET /api/cases?tab=open&per_page=200, {connections} connections, {cases:,} open cases; "
      f"goal: fresh pages (cache off) p99 < {goal:.0f} ms")
print(f"{'backend':12}{'threads':>8}{'cache':>7}{'requests/s':>12}{'p50 ms':>9}{'p99 ms':>9}"
      f"{'max ms':>9}{'non-2xx':>9}{'sock err':>9}  goal")
failed = False
for n in names:
    backend, t, cache = n.split("_")
    r = f[n]
    bad = r["non2xx"] > 0 or r["socket_errors"] > 0
    failed |= bad
    met = r["p99_ms"] < goal and not bad
    print(f"{backend:12}{t[1:]:>8}{cache:>7}{r['rps']:12,.0f}{r['p50_ms']:9.2f}{r['p99_ms']:9.2f}"
          f"{r['max_ms']:9.1f}{r['non2xx']:9.0f}{r['socket_errors']:9.0f}  "
          + ("met" if met else "NOT met") + ("" if cache == "off" else " (cached: not the goal's)"))
print()
print(f"ratios (requests/s ×, p99 ×):")
for backend in ("sqlite", "postgresql"):
    for cache in ("on", "off"):
        one, many = f[f"{backend}_t1_{cache}"], f[f"{backend}_t{pool}_{cache}"]
        print(f"  {backend:10} cache {cache:3}: --threads {pool} / --threads 1   "
              f"{many['rps'] / one['rps']:5.2f}× requests/s, p99 {many['p99_ms'] / one['p99_ms']:5.2f}×")
for t in ("1", pool):
    for cache in ("on", "off"):
        s, p = f[f"sqlite_t{t}_{cache}"], f[f"postgresql_t{t}_{cache}"]
        print(f"  --threads {t:3} cache {cache:3}: postgresql / sqlite        "
              f"{p['rps'] / s['rps']:5.2f}× requests/s, p99 {p['p99_ms'] / s['p99_ms']:5.2f}×")
for backend in ("sqlite", "postgresql"):
    for t in ("1", pool):
        on, off = f[f"{backend}_t{t}_on"], f[f"{backend}_t{t}_off"]
        print(f"  {backend:10} --threads {t:3}: cache on / off        "
              f"{on['rps'] / off['rps']:5.2f}× requests/s, p99 {on['p99_ms'] / off['p99_ms']:5.2f}×")
print()
print(f"GET /api/cases (the clerk's first page: 我的待办, 50 cases), cache off, --threads {pool}, "
      f"{connections} connections:")
for backend in ("sqlite", "postgresql"):
    r = figures(f"{backend}_t{pool}_off_first")
    bad = r["non2xx"] > 0 or r["socket_errors"] > 0
    failed |= bad
    print(f"{backend:12}{r['rps']:12,.0f} requests/s{r['p50_ms']:9.2f} p50 ms{r['p99_ms']:9.2f} p99 ms"
          f"{r['max_ms']:9.1f} max ms{r['non2xx']:6.0f} non-2xx  "
          + ("met" if r["p99_ms"] < goal and not bad else "NOT met"))
print(f"(wrk output: {out}/wrk_*.txt)")
for backend in ("sqlite", "postgresql"):
    print()
    print(f"{backend}: queue pages built afresh, one request at a time (median of 5), --threads {pool}:")
    print(f"{'GET /api/cases?':36}{'total':>9}{'rows':>6}{'ms':>10}")
    print(open(f"{out}/pages_{backend}.txt").read(), end="")
sys.exit(2 if failed else 0)
PY
