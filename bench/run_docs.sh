#!/usr/bin/env bash
# Fax cover sheet benchmark: keydesk (docs_bench: layout, hb-subset, libharu) against
# python3-reportlab (Debian) drawing the same one-page sheet with the same font (wqy-zenhei).
# The peer replays the drawing operations keydesk laid out (docs_bench --dump), so both pages
# carry the same text, rules and QR modules; each side renders COUNT sheets in one process with
# the font opened once, ROUNDS times, alternating, and the median round counts. Then the keydesk
# CLI is timed end to end, one process per sheet (start-up, JSON Schema check, file written).
#
# Usage: bench/run_docs.sh            (from any directory)
# Environment: COUNT (sheets per round, default 200), ROUNDS (default 5), CLI_RUNS (default 50)
# Output files go to bench/out/docs/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build"
OUT="$ROOT/bench/out/docs"
PY=/usr/bin/python3  # the interpreter that sees Debian's python3-reportlab
COUNT="${COUNT:-200}"
ROUNDS="${ROUNDS:-5}"
CLI_RUNS="${CLI_RUNS:-50}"
SHEET="$ROOT/examples/docs/coversheet.json"
FONT="${KEYDESK_FONT:-/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc}"

if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" -j2 --target docs_bench keydesk >/dev/null
rm -rf "$OUT" && mkdir -p "$OUT"

"$BUILD/bench/docs_bench" "$SHEET" --count 1 --out "$OUT" --dump "$OUT/ops.json" >/dev/null
"$PY" "$ROOT/bench/reportlab_peer.py" "$OUT/ops.json" "$FONT" --count 1 --out "$OUT" >/dev/null

echo "== the same sheet: case numbers and names pdftotext finds in each file"
for f in keydesk reportlab; do
  found=$(pdftotext -raw "$OUT/$f.pdf" - 2>/dev/null | tr -d '\n' |
    grep -o 'S-2026-00020[0-9]\|北京示例进出口有限公司\|深圳科达供应链管理有限公司' | sort -u | wc -l)
  fonts=$(pdffonts "$OUT/$f.pdf" 2>/dev/null | tail -n +3 | awk '{ print $(NF-4), $(NF-3) }' | sort -u | tr '\n' ' ')
  echo "  $f.pdf: $found of 6 expected strings; fonts embedded/subset: $fonts"
done

echo
echo "== $ROUNDS rounds of $COUNT sheets, alternating"
: >"$OUT/rounds.jsonl"
for ((r = 1; r <= ROUNDS; r++)); do
  "$BUILD/bench/docs_bench" "$SHEET" --count "$COUNT" | tee -a "$OUT/rounds.jsonl"
  "$PY" "$ROOT/bench/reportlab_peer.py" "$OUT/ops.json" "$FONT" --count "$COUNT" |
    tee -a "$OUT/rounds.jsonl"
done

echo
echo "== keydesk CLI, one process per sheet ($CLI_RUNS runs)"
start=$(date +%s%N)
for ((i = 0; i < CLI_RUNS; i++)); do
  "$BUILD/cli/keydesk" docs coversheet --from "$SHEET" --out "$OUT/cli.pdf" >/dev/null
done
end=$(date +%s%N)
cli_ms=$(awk -v ns=$((end - start)) -v n="$CLI_RUNS" 'BEGIN { printf "%.2f", ns / 1e6 / n }')
echo "  ${cli_ms} ms per sheet, $(stat -c %s "$OUT/cli.pdf") bytes"

echo
echo "== summary (median round; ratio = reportlab / keydesk, > 1 means keydesk is better)"
"$PY" - "$OUT/rounds.jsonl" "$cli_ms" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = {}
for impl in ("keydesk", "reportlab"):
    r = [x for x in rows if x["impl"] == impl]
    med[impl] = (statistics.median(x["ms_per_sheet"] for x in r), r[-1]["bytes"],
                 statistics.median(x["font_open_ms"] for x in r))
k, p = med["keydesk"], med["reportlab"]
print("  %-22s %12s %12s %14s" % ("", "ms / sheet", "bytes / file", "font open, ms"))
print("  %-22s %12.2f %12d %14.1f" % ("keydesk (library)", k[0], k[1], k[2]))
print("  %-22s %12.2f %12d %14.1f" % ("python3-reportlab", p[0], p[1], p[2]))
print("  %-22s %11.2fx %11.2fx" % ("ratio", p[0] / k[0], p[1] / k[1]))
print("  %-22s %12s" % ("keydesk CLI (process)", sys.argv[2]))
print("  reference figures of the issue: reportlab 17.5 ms and 35 KB per sheet")
PYEOF
