#!/usr/bin/env bash
# Batch verification speed and field accuracy: keydesk against the plain tesseract CLI pipeline
# (full page, chi_sim+eng, OMP_THREAD_LIMIT=1, two at a time on two cores), on the same 100
# generated submissions, side by side in one run.
#
# usage: [KEYDESK=path] bench/run_ocr.sh [COUNT]   (default 100 submissions; needs a built tree
# or KEYDESK=; bench/run_ocr3.sh adds PaddleOCR and the wide set)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-100}
out="$root/bench/out/ocr"
subs="$out/submissions-$count"
kd=${KEYDESK:-$root/build/cli/keydesk}
[ -x "$kd" ] || { echo "build first: scripts/build.sh" >&2; exit 2; }
if [ ! -d "$subs" ]; then
  echo "generating $count submissions (tools/scangen, seed 7) ..."
  /usr/bin/python3 "$root/tools/scangen/scangen.py" --count "$count" --faults mix --seed 7 --out "$subs" -q --jobs 2
fi
scans=$(find "$subs" -name '*.jpg' | wc -l)

rm -rf "$out/keydesk" "$out/peer"
mkdir -p "$out/peer"
echo "keydesk batch verify --jobs 2 ..."
start=$(date +%s.%N)
"$kd" batch verify "$subs" --report "$out/keydesk" --jobs 2 --today 2026-11-24 --quiet >/dev/null || true
kd_s=$(/usr/bin/python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")

echo "tesseract CLI, full page, two at a time ..."
start=$(date +%s.%N)
find "$subs" -name '*.jpg' -print0 |
  xargs -0 -P 2 -n 1 sh -c 'd="$1/$(basename "$(dirname "$2")")"; mkdir -p "$d";
    OMP_THREAD_LIMIT=1 tesseract "$2" "$d/$(basename "$2")" -l chi_sim+eng >/dev/null 2>&1 || true' \
    _ "$out/peer"
peer_s=$(/usr/bin/python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(date +%s.%N)")

acc=$(/usr/bin/python3 "$root/bench/ocr_fields.py" "$subs" "$out/keydesk/batch.db" "$out/peer")
/usr/bin/python3 - "$scans" "$kd_s" "$peer_s" "$acc" <<'PY'
import json, sys
scans, kd, peer, acc = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
k, t = acc["keydesk"], acc["tesseract"]
print(f"\n{scans} scans, 2 cores")
print(f"{'':28}{'keydesk':>14}{'tesseract CLI':>16}{'ratio':>9}")
print(f"{'seconds':28}{kd:14.1f}{peer:16.1f}")
print(f"{'scans/s':28}{scans/kd:14.2f}{scans/peer:16.2f}{(scans/kd)/(scans/peer):8.2f}x")
print(f"{'fields read (of checked)':28}{k['read']:>9}/{k['fields']:<4}{t['read']:>11}/{t['fields']:<4}")
print(f"{'field accuracy':28}{k['accuracy']:14.1%}{t['accuracy']:16.1%}")
PY
echo
echo "keydesk findings against the generator's expected.json:"
/usr/bin/python3 "$root/bench/ocr_findings.py" "$out/keydesk/report.json"
