#!/usr/bin/env bash
# Workflow benchmark, side by side in one run on SQLite and on PostgreSQL (issue 23, "Measure"):
#   1. the reissue loop (rules/procedures/reissue.yaml: review → return → resubmit → review →
#      vendor review → shipped → picked up) through keydesk's CaseStore, every action its own
#      committed transaction, by 1, 4 and 16 concurrent clients (threads, each with its own store
#      and connection, each driving its share of the cases), on an SQLite file and on a
#      PostgreSQL database, each run verified afterwards (final states, key serials, outbox,
#      audit chain); as shipped (every commit flushed to the disk) and relaxed (SQLite
#      synchronous=NORMAL, PostgreSQL synchronous_commit=off), to show what the flush costs;
#   2. where each backend's time goes in that loop, per action: this process's CPU (the engine,
#      and on SQLite the database), the PostgreSQL server's CPU, the flushes at commit (SQLite:
#      timed in a VFS; PostgreSQL: pg_stat_wal with track_wal_io_timing) and SQLite's writers
#      sleeping for the write lock (workflow_bench.cpp, store_probes.h);
#   3. npm bpmn-engine 25 running the same loop (bench/peer-bpmn), against keydesk on SQLite;
#   4. the overdue list among 1,000,000 open cases on both (goal < 50 ms, median and max), with
#      the database's share of it (the same query, rows read as text, nothing parsed) and its plan.
#
# Usage: bench/run_workflow.sh            (from any directory)
# Environment: CASES            keydesk loop cases per run (default 10000)
#              CLIENTS          client counts (default "1 4 16")
#              RELAXED_CLIENTS  client counts also run relaxed (default "1 4 16"; "" for none)
#              BACKENDS         default "sqlite postgresql"
#              PEER_CASES       bpmn-engine cases per mode (default 1000; the peer is slow)
#              PEER_MODES       bpmn-engine modes (default durable,durable_nofsync,memory; "" skips
#                               the peer, and its REFERENCE figures stand alone)
#              OVERDUE_CASES    open cases for the overdue query (default 1000000; 0 skips it)
#              RUNS             timed overdue queries after one warm-up (default 20)
#              KEEP_DBS         1: keep the SQLite overdue database (~1.5 GB) in bench/out/
# keydesk as shipped runs SQLite in WAL mode with synchronous=FULL (every commit fsynced: it
# survives a power cut) and PostgreSQL with synchronous_commit=on; the PostgreSQL cluster is a
# private one made for the run by tests/postgres/cluster.sh (initdb in a temporary directory,
# the server as an unprivileged user on a Unix socket only, on the same disk as bench/out/),
# started `durable` (fsync on, unlike the tests' cluster) and stopped and removed on exit. Each
# run has a fresh database: an SQLite file in bench/out/, or a database made in the cluster. Both
# databases, the benchmark and the PostgreSQL server share the machine's cores.
# If npm or the peer fails, the issue's reference figures (27.8 and 108 cases/s) are used instead
# and labelled as such. Output files go to bench/out/. Exit status: non-zero when a step fails,
# a verification fails, or an overdue query misses its 50 ms limit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build-bench"
OUT="$ROOT/bench/out"
PEER="$ROOT/bench/peer-bpmn"
PY=/usr/bin/python3
CASES="${CASES:-10000}"
CLIENTS="${CLIENTS:-1 4 16}"
RELAXED_CLIENTS="${RELAXED_CLIENTS-1 4 16}"
BACKENDS="${BACKENDS:-sqlite postgresql}"
PEER_CASES="${PEER_CASES:-1000}"
PEER_MODES="${PEER_MODES-durable,durable_nofsync,memory}"
OVERDUE_CASES="${OVERDUE_CASES:-1000000}"
RUNS="${RUNS:-20}"
KEEP_DBS="${KEEP_DBS:-0}"
BENCH="$BUILD/bench/workflow_bench"

# --- build ------------------------------------------------------------------------------------
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DBUILD_TESTING=OFF >/dev/null
fi
cmake --build "$BUILD" -j2 --target workflow_bench >/dev/null
mkdir -p "$OUT"
status=0

echo "machine: $(nproc) CPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')),"\
  "$(uname -sr), load average $(cut -d' ' -f1-3 /proc/loadavg), node $(node --version 2>/dev/null || echo 'not installed')"

# --- the PostgreSQL cluster, stopped on exit --------------------------------------------------
pg_dir=
server_pid=
cleanup() {
  if [[ -n "$pg_dir" ]]; then
    bash "$ROOT/tests/postgres/cluster.sh" stop "$pg_dir" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
if [[ " $BACKENDS " == *" postgresql "* ]]; then
  command -v psql >/dev/null || { echo "psql is missing: scripts/install-deps.sh" >&2; exit 2; }
  pg_dir=$(mktemp -d /tmp/keydesk-bench-pg.XXXXXX)
  bash "$ROOT/tests/postgres/cluster.sh" start "$pg_dir" durable >/dev/null
  pg_admin="postgresql:///postgres?host=$pg_dir&user=keydesk"
  # The WAL's writes and syncs timed (pg_stat_wal), which the benchmark reads.
  psql -q "$pg_admin" -c "ALTER SYSTEM SET track_wal_io_timing = on" -c "SELECT pg_reload_conf()" \
    >/dev/null
  server_pid=$(head -n 1 "$pg_dir/data/postmaster.pid")
  echo "PostgreSQL $(psql -tA "$pg_admin" -c 'SHOW server_version'), fsync"\
    "$(psql -tA "$pg_admin" -c 'SHOW fsync'), wal_sync_method $(psql -tA "$pg_admin" -c 'SHOW wal_sync_method'),"\
    "shared_buffers $(psql -tA "$pg_admin" -c 'SHOW shared_buffers'), on the socket in $pg_dir"
fi

# A fresh database of `backend` (sqlite | postgresql) named `name`; prints its --db.
fresh_db() {
  if [[ "$1" == sqlite ]]; then
    rm -f "$OUT/$2.db" "$OUT/$2.db-wal" "$OUT/$2.db-shm"
    echo "$OUT/$2.db"
  else
    PGOPTIONS="-c client_min_messages=warning" psql -q "$pg_admin" \
      -c "DROP DATABASE IF EXISTS $2" -c "CREATE DATABASE $2" >/dev/null
    echo "postgresql:///$2?host=$pg_dir&user=keydesk"
  fi
}
drop_db() {
  if [[ "$1" == sqlite ]]; then
    rm -f "$OUT/$2.db" "$OUT/$2.db-wal" "$OUT/$2.db-shm"
  else
    PGOPTIONS="-c client_min_messages=warning" psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $2" \
      >/dev/null
  fi
}
server_args() { [[ "$1" == postgresql ]] && echo "--server-pid $server_pid" || true; }

# --- keydesk: the reissue loop --------------------------------------------------------------
# As shipped for every client count and backend, then relaxed; the backends alternate, so that
# the machine's drift over the run falls on both alike.
echo
: >"$OUT/workflow_keydesk.jsonl"
loop_run() {  # loop_run BACKEND CLIENTS SYNCHRONOUS
  local name="workflow_loop_$1_c$2_$3" db
  db=$(fresh_db "$1" "$name")
  echo "== keydesk reissue loop on $1: $CASES cases, $2 client(s), synchronous $3"
  # shellcheck disable=SC2046
  if "$BENCH" loop --cases "$CASES" --clients "$2" --synchronous "$3" --db "$db" \
    $(server_args "$1") >"$OUT/$name.jsonl"; then
    grep '"reissue_loop"' "$OUT/$name.jsonl" | cut -c 1-400
  else
    echo "   FAILED (see above)"
    status=1
  fi
  cat "$OUT/$name.jsonl" >>"$OUT/workflow_keydesk.jsonl"
  drop_db "$1" "$name"
}
for clients in $CLIENTS; do
  for backend in $BACKENDS; do loop_run "$backend" "$clients" store; done
done
for clients in $RELAXED_CLIENTS; do
  for backend in $BACKENDS; do loop_run "$backend" "$clients" normal; done
done

# --- the peer: npm bpmn-engine 25 -----------------------------------------------------------
echo
: >"$OUT/workflow_peer.jsonl"
peer_ok=0
if [[ -z "$PEER_MODES" ]]; then
  echo "== bpmn-engine: not run (PEER_MODES empty); using the issue's REFERENCE figures"
elif ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "== bpmn-engine: node/npm not installed; using the issue's REFERENCE figures"
elif [[ ! -d "$PEER/node_modules/bpmn-engine" ]] &&
  ! (cd "$PEER" && npm ci --no-audit --no-fund >"$OUT/npm_ci.log" 2>&1); then
  echo "== bpmn-engine: npm ci failed (see $OUT/npm_ci.log); using the issue's REFERENCE figures"
else
  echo "== bpmn-engine $(cd "$PEER" && node -p "require('./node_modules/bpmn-engine/package.json').version"):"\
    "$PEER_CASES cases per mode ($PEER_MODES)"
  if node "$PEER/reissue_loop.js" --cases "$PEER_CASES" --modes "$PEER_MODES" \
    --dir "$OUT/peer-bpmn-state" | tee "$OUT/workflow_peer.jsonl"; then
    peer_ok=1
  else
    echo "== bpmn-engine peer failed; using the issue's REFERENCE figures"
    : >"$OUT/workflow_peer.jsonl"
  fi
fi

# --- keydesk: overdue among many open cases -------------------------------------------------
echo
: >"$OUT/workflow_overdue.jsonl"
[[ "$OVERDUE_CASES" != 0 ]] || echo "== keydesk overdue list: not run (OVERDUE_CASES=0)"
for backend in $BACKENDS; do
  [[ "$OVERDUE_CASES" != 0 ]] || break
  echo "== keydesk overdue list on $backend: $OVERDUE_CASES open cases, $RUNS timed runs after a warm-up"
  db=$(fresh_db "$backend" workflow_overdue)
  "$BENCH" overdue --overdue-cases "$OVERDUE_CASES" --runs "$RUNS" --overdue-db "$db" \
    >"$OUT/workflow_overdue_$backend.jsonl" || { rc=$?; [[ "$status" -ne 0 ]] || status=$rc; }
  cut -c 1-400 "$OUT/workflow_overdue_$backend.jsonl"
  cat "$OUT/workflow_overdue_$backend.jsonl" >>"$OUT/workflow_overdue.jsonl"
  if [[ "$backend" == postgresql || "$KEEP_DBS" != 1 ]]; then drop_db "$backend" workflow_overdue; fi
done

# --- summary ----------------------------------------------------------------------------------
echo
"$PY" "$ROOT/bench/workflow_summary.py" "$OUT" "$peer_ok" "$([[ "$OVERDUE_CASES" != 0 ]] && echo 1 || echo 0)" || status=$((status == 0 ? 1 : status))
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
