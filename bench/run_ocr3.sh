#!/usr/bin/env bash
# Batch verification speed and field accuracy, three side by side on the same generated batch in
# one run, each two at a time on the machine's two cores:
#   keydesk      `keydesk batch verify --jobs 2`
#   tesseract    the plain tesseract CLI, full page, -l chi_sim+eng, OMP_THREAD_LIMIT=1
#   PaddleOCR    PP-OCRv4 mobile through npm @gutenye/ocr-node (onnxruntime-node, CPU),
#                bench/paddle/ocr.mjs: two node processes, ONNX intra-op and inter-op threads 1
# Field accuracy: bench/ocr_fields.py, the same extraction on every text (overall, per field kind,
# per page rotation); then keydesk's findings against the generator's (bench/ocr_findings.py).
#
# usage: [VARIETY=classic|wide] [KEYDESK=path] bench/run_ocr3.sh [COUNT]
#   COUNT     submissions to generate (default 100)
#   VARIETY   classic (default: scangen seed 7, the tests' scans) or wide (seed 3: more faces,
#             layouts, label wordings, rotations and copy tones)
#   KEYDESK   the keydesk binary (default: build/cli/keydesk of this checkout)
#   PEERS     which peers to run (default "tesseract paddle")
# The PaddleOCR peer needs bench/install-paddle.sh once (npm, node >= 18); without it the other
# two still run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-100}
variety=${VARIETY:-classic}
peers=${PEERS:-tesseract paddle}
kd=${KEYDESK:-$root/build/cli/keydesk}
out="$root/bench/out/ocr3"
case "$variety" in
  classic) seed=7; subs="$root/bench/out/ocr/submissions-$count" ;;  # shared with run_ocr.sh
  wide) seed=3; subs="$root/bench/out/ocr/submissions-wide-$count" ;;
  *) echo "VARIETY is classic or wide" >&2; exit 2 ;;
esac
[ -x "$kd" ] || { echo "no keydesk binary at $kd: build first (scripts/build.sh) or set KEYDESK=" >&2; exit 2; }
py=/usr/bin/python3
now() { date +%s.%N; }
since() { $py -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 2))" "$1" "$(now)"; }

if [ ! -d "$subs" ]; then
  echo "generating $count submissions (tools/scangen --variety $variety, seed $seed) ..."
  $py "$root/tools/scangen/scangen.py" --variety "$variety" --count "$count" --faults mix --seed "$seed" \
    --out "$subs" -q --jobs 2
fi
scans=$(find "$subs" -name '*.jpg' | wc -l)
rm -rf "$out"
mkdir -p "$out"
find "$subs" -name '*.jpg' -print0 | sort -z >"$out/scans.list"

echo "keydesk batch verify --jobs 2 ($kd) ..."
start=$(now)
"$kd" batch verify "$subs" --report "$out/keydesk" --jobs 2 --today 2026-11-24 --quiet >/dev/null || true
kd_s=$(since "$start")
times="keydesk=$kd_s"
dirs=()

for peer in $peers; do
  case "$peer" in
  tesseract)
    command -v tesseract >/dev/null || { echo "tesseract CLI not found: apt-get install tesseract-ocr tesseract-ocr-chi-sim; skipped" >&2; continue; }
    echo "tesseract CLI, full page, two at a time ..."
    mkdir -p "$out/tesseract"
    start=$(now)
    xargs -0 -P 2 -n 1 sh -c 'd="$1/$(basename "$(dirname "$2")")"; mkdir -p "$d";
      OMP_THREAD_LIMIT=1 tesseract "$2" "$d/$(basename "$2")" -l chi_sim+eng >/dev/null 2>&1 || true' \
      _ "$out/tesseract" <"$out/scans.list"
    times="$times tesseract=$(since "$start")"
    dirs+=("tesseract=$out/tesseract")
    ;;
  paddle)
    if [ ! -f "$root/bench/paddle/node_modules/@gutenye/ocr-node/package.json" ]; then
      echo "PaddleOCR peer not installed: run bench/install-paddle.sh (npm, node >= 18); skipped" >&2
      continue
    fi
    echo "PaddleOCR (PP-OCRv4 mobile, @gutenye/ocr-node), two processes of one ONNX thread ..."
    mkdir -p "$out/paddle"
    mapfile -d '' list <"$out/scans.list"
    start=$(now)
    # Both processes get the whole list and take each scan first come (ocr.mjs); one model load
    # each. OMP_NUM_THREADS / VIPS_CONCURRENCY=1 also keep any OpenMP and libvips pools at one.
    for i in 1 2; do
      ( cd "$root/bench/paddle" && PADDLE_THREADS=1 OMP_NUM_THREADS=1 VIPS_CONCURRENCY=1 \
        /usr/bin/time -f "paddle process $i: %e s wall, %U s user + %S s system CPU (%P of one core)" \
        -o "$out/paddle.time.$i" node ocr.mjs "$out/paddle" "${list[@]}" 2>>"$out/paddle.err" ) &
    done
    wait
    times="$times paddle=$(since "$start")"
    cat "$out"/paddle.time.* >&2
    dirs+=("paddle=$out/paddle")
    ;;
  *) echo "unknown peer $peer" >&2; exit 2 ;;
  esac
done

$py "$root/bench/ocr_fields.py" "$subs" "$out/keydesk/batch.db" "${dirs[@]}" >"$out/fields.json"
$py - "$scans" "$variety" "$out/fields.json" $times <<'PY'
import json, sys
scans, variety, acc = int(sys.argv[1]), sys.argv[2], json.load(open(sys.argv[3]))
secs = dict(a.split("=") for a in sys.argv[4:])
label = {"keydesk": "keydesk", "tesseract": "tesseract CLI", "paddle": "PaddleOCR"}
cols = ["keydesk"] + [p for p in ("tesseract", "paddle") if p in secs]
W = 16
def row(name, cells):
    print(f"{name:30}" + "".join(f"{c:>{W}}" for c in cells))
def pct(r):
    return f"{r[0]}/{r[1]} {r[0] / r[1]:.0%}" if r[1] else "-"
print(f"\n{scans} scans ({variety}), 2 cores shared")
row("", [label[c] for c in cols])
row("seconds", [f"{float(secs[c]):.1f}" for c in cols])
row("scans/s", [f"{scans / float(secs[c]):.2f}" for c in cols])
row("keydesk speed ÷ peer", [""] + [f"{float(secs[c]) / float(secs['keydesk']):.2f}x" for c in cols[1:]])
row("fields read (of checked)", [f"{acc[c]['read']}/{acc[c]['fields']}" for c in cols])
row("field accuracy", [f"{acc[c]['accuracy']:.1%}" for c in cols])
row("  in keydesk's text lines", [f"{acc['keydesk lines']['read']}/{acc['keydesk lines']['fields']}"])
row("keydesk − peer (points)", [""] + [f"{100 * (acc['keydesk']['accuracy'] - acc[c]['accuracy']):+.1f}" for c in cols[1:]])
print("by field kind")
for k in ("uscc", "name", "person", "id_number"):
    row(f"  {k}", [pct(acc[c]["kinds"][k]) for c in cols])
print("by page rotation (degrees)")
for r in sorted(acc["keydesk"]["rotation"], key=int):
    row(f"  {r}", [pct(acc[c]["rotation"][r]) for c in cols])
PY
echo
echo "keydesk findings against the generator's expected.json:"
$py "$root/bench/ocr_findings.py" "$out/keydesk/report.json"
