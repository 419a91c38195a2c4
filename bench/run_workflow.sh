#!/usr/bin/env bash
# Workflow benchmark: the reissue loop (rules/procedures/reissue.yaml: review → return →
# resubmit → review → vendor review → shipped → picked up) through keydesk's CaseStore, every
# action its own committed SQLite transaction in a database file, side by side with npm
# bpmn-engine 25 running the same loop (bench/peer-bpmn); then the overdue list among 1,000,000
# open cases.
#
# Usage: bench/run_workflow.sh            (from any directory)
# Environment: CASES          keydesk loop cases (default 10000)
#              PEER_CASES     bpmn-engine cases per mode (default 1000; the peer is slow)
#              PEER_MODES     bpmn-engine modes (default durable,durable_nofsync,memory)
#              OVERDUE_CASES  open cases for the overdue query (default 1000000)
#              RUNS           timed overdue queries after one warm-up (default 20)
#              NORMAL_SYNC    1 (default): also run the keydesk loop with synchronous=NORMAL
#              KEEP_DBS       1: keep the overdue database (~640 MB) in bench/out/
# keydesk as shipped runs SQLite in WAL mode with synchronous=FULL: every action is its own
# transaction, fsynced at commit (it survives a power cut), comparable to the peer's "durable"
# mode, which fsyncs each wait's state. With NORMAL_SYNC the loop runs again with
# synchronous=NORMAL (a commit survives a crash of the process; the WAL is fsynced at
# checkpoints), to show what the fsync costs.
# If npm or the peer fails, the issue's reference figures (27.8 and 108 cases/s) are used instead
# and labelled as such. Output files go to bench/out/. Exit status: non-zero when a step fails,
# a verification fails, or the overdue query misses its 50 ms limit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build-bench"
OUT="$ROOT/bench/out"
PEER="$ROOT/bench/peer-bpmn"
PY=/usr/bin/python3
CASES="${CASES:-10000}"
PEER_CASES="${PEER_CASES:-1000}"
PEER_MODES="${PEER_MODES:-durable,durable_nofsync,memory}"
OVERDUE_CASES="${OVERDUE_CASES:-1000000}"
RUNS="${RUNS:-20}"
NORMAL_SYNC="${NORMAL_SYNC:-1}"
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
  "$(uname -sr), node $(node --version 2>/dev/null || echo 'not installed')"

# --- keydesk: the reissue loop --------------------------------------------------------------
echo
echo "== keydesk reissue loop: $CASES cases, database file $OUT/workflow_loop.db"
"$BENCH" loop --cases "$CASES" --db "$OUT/workflow_loop.db" | tee "$OUT/workflow_keydesk.jsonl"
if [[ "$NORMAL_SYNC" == 1 ]]; then
  echo "== keydesk reissue loop, synchronous=NORMAL: $CASES cases"
  "$BENCH" loop --cases "$CASES" --synchronous normal --db "$OUT/workflow_loop_normal.db" |
    tee "$OUT/workflow_keydesk_normal.jsonl"
else
  : >"$OUT/workflow_keydesk_normal.jsonl"
fi

# --- the peer: npm bpmn-engine 25 -----------------------------------------------------------
echo
: >"$OUT/workflow_peer.jsonl"
peer_ok=0
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
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
echo "== keydesk overdue list: $OVERDUE_CASES open cases, $RUNS timed runs after a warm-up"
"$BENCH" overdue --overdue-cases "$OVERDUE_CASES" --runs "$RUNS" \
  --overdue-db "$OUT/workflow_overdue.db" | tee "$OUT/workflow_overdue.jsonl" || status=$?
if [[ "$KEEP_DBS" != 1 ]]; then
  rm -f "$OUT/workflow_overdue.db" "$OUT/workflow_overdue.db-wal" "$OUT/workflow_overdue.db-shm"
fi

# --- summary ----------------------------------------------------------------------------------
echo
"$PY" - "$OUT" "$peer_ok" <<'EOF' || status=$((status == 0 ? 1 : status))
import json, os, sys
out, peer_ok = sys.argv[1], sys.argv[2] == "1"
def lines(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]
kd = next(j for j in lines("workflow_keydesk.jsonl") if j["bench"] == "reissue_loop")
kd_full = next((j for j in lines("workflow_keydesk_normal.jsonl") if j["bench"] == "reissue_loop"), None)
over = lines("workflow_overdue.jsonl")
peer = {j["mode"]: j for j in lines("workflow_peer.jsonl")}
REFERENCE = {"durable": 27.8, "memory": 108.0}

rows = []  # (label, cases, cases/s, note)
def kd_row(j, label):
    rows.append((label, j["cases"], j["cases_per_s"],
                 f"{j['actions_per_case']} tx/case, {j['actions_per_s']:,.0f} tx/s, "
                 f"completed {j['completed']}/{j['cases']}, audit "
                 f"{'intact' if j['audit_intact'] else 'BROKEN'} ({j['audit_events']} events)"))
kd_row(kd, f"keydesk CaseStore, WAL synchronous={kd['synchronous']} (as shipped)")
if kd_full:
    kd_row(kd_full, f"keydesk CaseStore, WAL synchronous={kd_full['synchronous']}")
peer_rate = {}
labels = {"durable": "bpmn-engine durable (state->file+fsync->recover each wait)",
          "durable_nofsync": "bpmn-engine durable, no fsync",
          "memory": "bpmn-engine in memory"}
if peer_ok and peer:
    for mode in ("durable", "durable_nofsync", "memory"):
        if mode in peer:
            p = peer[mode]
            peer_rate[mode] = p["cases_per_s"]
            rows.append((labels[mode] + " [measured]", p["cases"], p["cases_per_s"],
                         f"{p['waits_per_case']} waits/case, {p['actions_per_s']:,.0f} signals/s, "
                         f"bpmn-engine {p['version']}, node {p['node']}"
                         + (f", state {p['state_bytes_avg']:,} B" if p["state_bytes_avg"] else "")))
for mode, rate in REFERENCE.items():
    rows.append((labels[mode] + " [REFERENCE, issue]", None, rate, "not measured here"))

print("== reissue loop (cases/s)")
w = max(len(r[0]) for r in rows)
print(f"  {'implementation':<{w}} {'cases':>7} {'cases/s':>9}  notes")
for label, n, rate, note in rows:
    print(f"  {label:<{w}} {n if n else '-':>7} {rate:>9,.1f}  {note}")

print()
print("== ratios keydesk / peer (goal: >= 20x the durable peer)")
kds = [(f"keydesk {kd['synchronous']}", kd["cases_per_s"])]
if kd_full:
    kds.append((f"keydesk {kd_full['synchronous']}", kd_full["cases_per_s"]))
peers = [(f"bpmn-engine {m} [measured]", r) for m, r in peer_rate.items()]
peers += [(f"bpmn-engine {m} [REFERENCE]", r) for m, r in REFERENCE.items()]
for kname, krate in kds:
    for pname, prate in peers:
        mark = ""
        if pname.startswith("bpmn-engine durable "):
            mark = "  PASS" if krate / prate >= 20 else "  FAIL (< 20x)"
        print(f"  {kname:<18} / {pname:<38} {krate / prate:>7.1f}x{mark}")

print()
print("== overdue list")
for o in over:
    print(f"  {o['cases']:,} open cases, {o['overdue_cases']:,} overdue; overdue(today={o['today']}, "
          f"limit {o['limit']}) -> {o['rows']} rows: median {o['median_ms']:.2f} ms, "
          f"max {o['max_ms']:.2f} ms over {o['runs']} runs (warm-up {o['first_ms']:.2f} ms): "
          f"{o['result']} (< {o['threshold_ms']:.0f} ms)")
    print(f"  plan: {o['plan']}")
if not over:
    print("  no result (see above)")
EOF
exit "$status"
