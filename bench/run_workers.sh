#!/usr/bin/env bash
# Checks as a queue of jobs: checks/s of `keydesk batch verify --queue` drained by 1 and by 2
# `keydesk worker` processes (one OCR engine each), on SQLite and on PostgreSQL (a private cluster
# made for the run by tests/postgres/cluster.sh), beside the in-process batch (--jobs 1 and 2) on
# the same generated submissions, side by side in one run. Every run starts on a fresh database,
# so no scan is taken from an earlier one. Time: from `batch verify` starting to its report.
#
# usage: [KEYDESK=path] bench/run_workers.sh [COUNT]   (default 10 submissions: more than the 6
# scans of a type that teach the rest where to look first, so stage 2 jobs are measured and their
# reports compared too; needs a built tree)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-10}
out="$root/bench/out/workers"
subs="$out/submissions-$count"
kd=${KEYDESK:-$root/build/cli/keydesk}
[ -x "$kd" ] || { echo "build first: scripts/build.sh" >&2; exit 2; }
if [ ! -d "$subs" ]; then
  echo "generating $count submissions (tools/scangen, seed 7) ..."
  /usr/bin/python3 "$root/tools/scangen/scangen.py" --count "$count" --faults mix --seed 7 --out "$subs" -q --jobs 2
fi

pg_dir=$(mktemp -d /tmp/keydesk-bench-pg.XXXXXX)
worker_pids=()
cleanup() {
  for p in "${worker_pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  bash "$root/tests/postgres/cluster.sh" stop "$pg_dir" >/dev/null 2>&1 || true
}
trap cleanup EXIT
bash "$root/tests/postgres/cluster.sh" start "$pg_dir" >/dev/null
pg_admin="postgresql:///postgres?host=$pg_dir&user=keydesk"

now() { date +%s.%N; }
# A fresh database of `backend` (sqlite | postgresql) named `name`; prints its --db.
fresh_db() {
  if [ "$1" = sqlite ]; then
    rm -f "$out/$2.db" "$out/$2.db-wal" "$out/$2.db-shm"
    echo "$out/$2.db"
  else
    PGOPTIONS="-c client_min_messages=warning" psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $2" \
      -c "CREATE DATABASE $2" >/dev/null
    echo "postgresql:///$2?host=$pg_dir&user=keydesk"
  fi
}

# run BACKEND WORKERS: seconds for `batch verify --queue` drained by WORKERS workers (0: the
# batch in-process, --jobs 2; -1: in-process, --jobs 1).
run() {
  local backend=$1 workers=$2 name="bench_${1}_${2/-/m}"
  local db report="$out/report-$name"
  db=$(fresh_db "$backend" "$name")
  rm -rf "$report"
  worker_pids=()
  local start end
  start=$(now)
  if [ "$workers" -le 0 ]; then
    local jobs=$((workers == 0 ? 2 : 1))
    "$kd" batch verify "$subs" --report "$report" --db "$db" --jobs "$jobs" --today 2026-11-24 \
      --quiet >/dev/null || true
  else
    "$kd" batch verify "$subs" --report "$report" --db "$db" --queue --today 2026-11-24 \
      --quiet >/dev/null &
    local verify=$!
    for i in $(seq 1 "$workers"); do
      "$kd" worker --db "$db" --name "w$i" 2>"$out/$name-w$i.log" >/dev/null &
      worker_pids+=($!)
    done
    wait "$verify" || true
  fi
  end=$(now)
  for p in "${worker_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  worker_pids=()
  /usr/bin/python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$end"
}

mkdir -p "$out"
declare -A secs
for backend in sqlite postgresql; do
  for workers in -1 0 1 2; do
    echo "$backend, $( [ "$workers" -gt 0 ] && echo "$workers worker(s)" || echo "in-process --jobs $((workers == 0 ? 2 : 1))") ..."
    secs[$backend,$workers]=$(run "$backend" "$workers")
  done
done
scans=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['summary']['scans'])" \
  "$out/report-bench_sqlite_1/report.json")

# The reports must agree: the queue gives what the in-process batch gives.
/usr/bin/python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
def outcomes(name):
    r = json.load(open(os.path.join(out, "report-" + name, "report.json")))
    return {os.path.basename(s["dir"]): (s["verdict"], [(f["code"], f["material"], json.dumps(f["evidence"], sort_keys=True)) for f in s["findings"]]) for s in r["submissions"]}
ref = outcomes("bench_sqlite_m1")
for name in ["bench_sqlite_0", "bench_sqlite_1", "bench_sqlite_2", "bench_postgresql_m1",
             "bench_postgresql_0", "bench_postgresql_1", "bench_postgresql_2"]:
    same = outcomes(name) == ref
    print(f"report {name}: {'identical to' if same else 'DIFFERS from'} the in-process --jobs 1 run")
PY

/usr/bin/python3 - "$scans" "$(nproc)" \
  "${secs[sqlite,-1]}" "${secs[sqlite,0]}" "${secs[sqlite,1]}" "${secs[sqlite,2]}" \
  "${secs[postgresql,-1]}" "${secs[postgresql,0]}" "${secs[postgresql,1]}" "${secs[postgresql,2]}" <<'PY'
import sys
scans, cores = int(sys.argv[1]), sys.argv[2]
s = [float(x) for x in sys.argv[3:]]
rows = {"SQLite": s[0:4], "PostgreSQL": s[4:8]}
print(f"\n{scans} scans, {cores} cores; checks/s (seconds)")
print(f"{'':12}{'in-process 1':>16}{'in-process 2':>16}{'1 worker':>16}{'2 workers':>16}{'2 / 1 workers':>15}")
for name, (i1, i2, w1, w2) in rows.items():
    cell = lambda t: f"{scans / t:7.2f} ({t:5.1f})"
    print(f"{name:12}{cell(i1):>16}{cell(i2):>16}{cell(w1):>16}{cell(w2):>16}{(scans / w2) / (scans / w1):14.2f}x")
PY
