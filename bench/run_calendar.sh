#!/usr/bin/env bash
# Working-day calendar benchmark: keydesk (library and CLI) against python3-workalendar's China
# calendar, on the same deterministic queries (2019–2023, the years workalendar has data for).
#
# Usage: bench/run_calendar.sh            (from any directory)
# Environment: ADD, BETWEEN   number of queries of each kind (default 100000 add, 20000 between:
#                            workalendar answers ~475 between queries/s)
#              SEED           query generator seed (default: gen_queries.py's)
#              MIN_SECONDS    minimum timed duration per measurement (default 0.5)
# Output files go to bench/out/. Disagreements between the two calendars are reported, not
# failures: the script exits non-zero only when a step itself fails.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build"
OUT="$ROOT/bench/out"
PY=/usr/bin/python3  # the interpreter that sees the Debian python3-workalendar package
ADD="${ADD:-100000}"
BETWEEN="${BETWEEN:-20000}"
MIN_SECONDS="${MIN_SECONDS:-0.5}"
KEYDESK=("$BUILD/cli/keydesk" --rules "$ROOT/rules" --calendar cn-national)

# --- build ------------------------------------------------------------------------------------
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  cmake -S "$ROOT" -B "$BUILD" >/dev/null
fi
cmake --build "$BUILD" -j2 --target calendar_bench keydesk >/dev/null

# --- queries ----------------------------------------------------------------------------------
mkdir -p "$OUT"
gen_args=(--add "$ADD" --between "$BETWEEN")
if [[ -n "${SEED:-}" ]]; then gen_args+=(--seed "$SEED"); fi
"$PY" "$ROOT/bench/gen_queries.py" "$OUT/queries.txt" "${gen_args[@]}"
awk '$1 == "add" { print $2, $3 }' "$OUT/queries.txt" >"$OUT/cli_add.in"
awk '$1 == "between" { print $2, $3 }' "$OUT/queries.txt" >"$OUT/cli_between.in"
echo "queries: $ADD add, $BETWEEN between -> $OUT/queries.txt"

# --- library vs peer, same process model and timing method ------------------------------------
echo
echo "== keydesk library (calendar_bench)"
"$BUILD/bench/calendar_bench" "$OUT/queries.txt" --min-seconds "$MIN_SECONDS" \
  --answers "$OUT/answers_keydesk.txt" | tee "$OUT/keydesk.jsonl"
echo "== python3-workalendar China (workalendar_peer.py)"
"$PY" "$ROOT/bench/workalendar_peer.py" "$OUT/queries.txt" --min-seconds "$MIN_SECONDS" \
  --answers "$OUT/answers_workalendar.txt" | tee "$OUT/workalendar.jsonl"

# --- keydesk CLI end to end: whole processes, wall clock, queries on stdin --------------------
# Runs `keydesk calendar $1` on cli_$1.in until MIN_SECONDS have passed (one run at least);
# appends a JSON line (queries/s over all runs) to cli.jsonl; cli_$1.out keeps the last output.
time_cli() {
  local op="$1" input="$OUT/cli_$1.in" output="$OUT/cli_$1.out"
  local queries runs=0 start now elapsed
  queries=$(wc -l <"$input")
  start=$(date +%s%N)
  while :; do
    "${KEYDESK[@]}" calendar "$op" <"$input" >"$output"
    runs=$((runs + 1))
    now=$(date +%s%N)
    elapsed=$(awk -v ns=$((now - start)) 'BEGIN { printf "%.6f", ns / 1e9 }')
    awk -v e="$elapsed" -v m="$MIN_SECONDS" 'BEGIN { exit !(e < m) }' || break
  done
  awk -v op="$op" -v q="$queries" -v r="$runs" -v e="$elapsed" 'BEGIN {
    printf "{\"impl\": \"keydesk-cli\", \"op\": \"%s\", \"queries\": %d, \"passes\": %d, ", op, q, r
    printf "\"seconds\": %.6f, \"ops_per_s\": %.1f}\n", e, q * r / e }' | tee -a "$OUT/cli.jsonl"
}
echo "== keydesk CLI (${KEYDESK[*]} calendar add|between < file)"
: >"$OUT/cli.jsonl"
time_cli add
time_cli between

# --- answers ----------------------------------------------------------------------------------
# Both answer files hold "<query line> <answer>" in query-file order.
echo
echo "== answers: keydesk vs workalendar"
paste -d' ' "$OUT/answers_keydesk.txt" "$OUT/answers_workalendar.txt" | awk '
  { kd = $4; wa = $8; total[$1]++
    if ($1 != $5 || $2 != $6 || $3 != $7) {
      print "answer files are not aligned at line " NR > "/dev/stderr"; bad = 1; exit 2 }
    if (kd == wa) agree[$1]++
    else if (disagree[$1]++ < 5)
      sample[$1] = sample[$1] sprintf("    %s %s %s: keydesk %s, workalendar %s\n",
                                      $1, $2, $3, kd, wa) }
  END { if (bad) exit 2
        split("add between", ops, " ")
        for (k = 1; k <= 2; k++) { op = ops[k]
          printf "  %-8s %d agree, %d disagree (of %d)\n", op, agree[op], disagree[op], total[op]
          printf "%s", sample[op] } }'

# The CLI must answer exactly as the library it wraps; a difference is a keydesk bug.
cli_ok=1
for op in add between; do
  if ! awk -v op="$op" '$1 == op { print $4 }' "$OUT/answers_keydesk.txt" |
    cmp -s - "$OUT/cli_$op.out"; then
    echo "  keydesk CLI $op answers differ from calendar_bench's: see $OUT/cli_$op.out" >&2
    cli_ok=0
  fi
done
if ((cli_ok)); then echo "  keydesk CLI answers identical to calendar_bench's (add and between)"; fi

# The days behind the disagreements: each day of 2019-01-02..2023-12-31 as working or not, from
# the keydesk CLI ("between D-1 D" is 1 exactly when D is a working day) and from workalendar.
echo
echo "== days on which the calendars differ (2019-01-02..2023-12-31)"
"$PY" - "${KEYDESK[@]}" <<'EOF'
import datetime as dt, subprocess, sys, warnings
warnings.filterwarnings("ignore", message="Support years")
from workalendar.asia import China
keydesk = sys.argv[1:]
days = [dt.date(2019, 1, 2) + dt.timedelta(days=i)
        for i in range((dt.date(2023, 12, 31) - dt.date(2019, 1, 2)).days + 1)]
stdin = "".join(f"{d - dt.timedelta(days=1)} {d}\n" for d in days)
kd = subprocess.run(keydesk + ["calendar", "between"], input=stdin, capture_output=True,
                    text=True, check=True).stdout.split()
assert len(kd) == len(days), "keydesk answered %d of %d days" % (len(kd), len(days))
cal = China()
mark = {True: "working", False: "rest"}
diff = [(d, k == "1", cal.is_working_day(d)) for d, k in zip(days, kd)]
diff = [(d, k, w) for d, k, w in diff if k != w]
for d, k, w in diff:
    print(f"  {d} {d.strftime('%a')}: keydesk {mark[k]}, workalendar {mark[w]}")
print(f"  {len(diff)} of {len(days)} days differ")
EOF

# --- summary ----------------------------------------------------------------------------------
echo
echo "== throughput (queries/s; ratio = keydesk / workalendar)"
"$PY" - "$OUT/keydesk.jsonl" "$OUT/workalendar.jsonl" "$OUT/cli.jsonl" <<'EOF'
import json, sys
r = {}
for path in sys.argv[1:]:
    with open(path) as f:
        r.update({(j["impl"], j["op"]): j["ops_per_s"] for j in map(json.loads, f)})
print("  %-8s %12s %14s %10s %14s %8s"
      % ("op", "workalendar", "keydesk lib", "ratio", "keydesk CLI", "ratio"))
for op in ("add", "between"):
    peer, lib, cli = r[("workalendar", op)], r[("keydesk", op)], r[("keydesk-cli", op)]
    print(f"  {op:<8} {peer:>12,.0f} {lib:>14,.0f} {lib / peer:>9,.0f}x"
          f" {cli:>14,.0f} {cli / peer:>7,.1f}x")
EOF
((cli_ok)) || exit 1
