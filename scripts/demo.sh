#!/usr/bin/env bash
# Sets up (packages + build) and runs keydesk's main job on the bundled examples.
# For now the main job is the working-day calendar: deadlines for the example submissions.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
cd "$root"
kd=build/cli/keydesk
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "keydesk calendar status"
$kd calendar status
say "keydesk calendar add 2026-09-30 5      # 5 working days after 30 Sep (National Day week)"
$kd calendar add 2026-09-30 5
say "keydesk calendar between 2026-09-30 2026-10-12"
$kd calendar between 2026-09-30 2026-10-12
say "keydesk calendar accept < examples/calendar/submissions.txt   # acceptance date and 2-day review deadline"
$kd calendar accept < examples/calendar/submissions.txt
say "keydesk calendar add < examples/calendar/deadlines.txt"
# One answer per line; the last query reaches 2027, for which there is no data yet: it is an
# error (exit 2) by design, so the demo carries on.
$kd calendar add < examples/calendar/deadlines.txt || echo "(exit $?: a query reached a year without data, as intended)"
say "keydesk calendar show 2026"
$kd calendar show 2026
say "keydesk --calendar examples/calendars/example-regional.yaml calendar add 2026-03-19 1   # a regional layer"
$kd --calendar examples/calendars/example-regional.yaml calendar add 2026-03-19 1
