#!/usr/bin/env bash
# Sets up (packages + build) and runs keydesk's main job on the bundled examples: batch
# verification of the example submissions' scans, then the calendar and the workflow engine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
cd "$root"
kd=build/cli/keydesk
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

# --- the main job: document checks of a batch of submissions ---------------------------------
db=build/demo/keydesk.db
rm -rf build/demo && mkdir -p build/demo
say "keydesk --db $db registry import examples/registry.json   # enterprises and their keys"
$kd --db "$db" registry import examples/registry.json
say "keydesk batch verify examples/submissions --report build/demo/report --db $db --open-cases"
# Exit 1 means some submissions failed or need a person: that is the point of the examples.
# --open-cases opens a case per submission in the database and records each verdict on it.
$kd batch verify examples/submissions --report build/demo/report --db "$db" --open-cases \
  --today 2026-11-24 || echo "(exit $?: submissions with findings, as intended)"
echo
echo "Open the report: $root/build/demo/report/report.html (also report.json and report.csv)"

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

# --- the workflow engine: rule files, a simulation, and cases in a database -----------------
kdb="$kd --db $db"
say "keydesk rules lint"
$kd rules lint
say "keydesk rules simulate examples/scenarios/reissue-returned.yaml   # no database touched"
$kd rules simulate examples/scenarios/reissue-returned.yaml
# The cases were opened by batch verify --open-cases, each with its document check.
say "keydesk case show S-2026-000203   # its check failed: the remarks, and the pass blocked"
$kdb case show S-2026-000203
say "keydesk case act S-2026-000203 pass_prereview --version 1 --role authority_clerk   # refused: the check failed"
$kdb case act S-2026-000203 pass_prereview --version 1 --role authority_clerk --user 王芳 \
  --at 2026-11-04T10:00:00+08:00 || echo "(exit $?: refused, as intended)"
say "keydesk case act S-2026-000203 fail_prereview --version 1 --role authority_clerk --remark-from-check"
$kdb case act S-2026-000203 fail_prereview --version 1 --role authority_clerk --user 王芳 \
  --remark-from-check --at 2026-11-04T10:02:00+08:00
say "keydesk case act S-2026-000203 fail_prereview --version 1 …   # a double click: refused, nothing applied"
$kdb case act S-2026-000203 fail_prereview --version 1 --role authority_clerk --user 王芳 \
  --remark-from-check --at 2026-11-04T10:02:01+08:00 || echo "(exit $?: refused, as intended)"
say "keydesk case act S-2026-000201 fail_review --version 1 --role authority_clerk --remark …"
$kdb case act S-2026-000201 fail_review --version 1 --role authority_clerk --user 王芳 \
  --remark "营业执照副本复印件未加盖企业公章，请盖章后重新提交全部材料。" --at 2026-11-23T10:12:00+08:00
say "keydesk case act S-2026-000202 pass_review --version 1 --role authority_clerk"
# When its check asks for a person's look, the pass needs the clerk's reason.
$kdb case act S-2026-000202 pass_review --version 1 --role authority_clerk --user 王芳 \
  --at 2026-11-23T10:20:00+08:00 ||
  $kdb case act S-2026-000202 pass_review --version 1 --role authority_clerk --user 王芳 \
    --at 2026-11-23T10:20:00+08:00 --override-check "已核对纸质原件，手写统一社会信用代码无误"
say "keydesk case show S-2026-000201   # ID number masked"
$kdb case show S-2026-000201
say "keydesk case list"
$kdb case list
say "keydesk case overdue --today 2026-11-24"
$kdb case overdue --today 2026-11-24 || true
say "keydesk case history S-2026-000203"
$kdb case history S-2026-000203
say "keydesk case verify-audit"
$kdb case verify-audit
say "keydesk digest send --today 2026-11-26   # the morning digest, queued for each authority and the vendor"
$kdb digest send --today 2026-11-26 --at 2026-11-26T08:30:00+08:00 || true
say "keydesk outbox   # notices and digests with their delivery status"
$kdb outbox
say "keydesk outbox send   # no mail server in the demo: they wait, and it says so"
env -u KEYDESK_SMTP_URL $kdb outbox send

# --- documents: fax cover sheet, courier manifest, receipt, return notice (PDF) --------------
mkdir -p build/demo/docs
for doc in coversheet manifest receipt notice; do
  say "keydesk docs $doc --from examples/docs/$doc.json --out build/demo/docs/$doc.pdf"
  $kd docs "$doc" --from "examples/docs/$doc.json" --out "build/demo/docs/$doc.pdf"
done
say "keydesk docs coversheet --case S-2026-000202 --batch B-2026-1123-01   # the verified case, from the database"
$kdb docs coversheet --case S-2026-000202 --batch B-2026-1123-01 --today 2026-11-23 \
  --out build/demo/docs/coversheet-B-2026-1123-01.pdf
say "keydesk docs notice --case S-2026-000201   # its 核验未通过 remark, from the case history"
$kdb docs notice --case S-2026-000201 --out build/demo/docs/notice-S-2026-000201.pdf
say "keydesk docs notice --case S-2026-000203   # returned with its document check's failures"
$kdb docs notice --case S-2026-000203 --out build/demo/docs/notice-S-2026-000203.pdf
echo
echo "The PDFs:"
ls -1 "$root"/build/demo/docs/*.pdf

# --- the web counter: accounts, keydesk serve, its JSON API -----------------------------------
say "keydesk users add wang.fang --role authority_clerk --authority …   # password from stdin"
echo "demo-password-1" | $kdb users add wang.fang --role authority_clerk \
  --authority "示例省商务厅（发证机构）" --display-name 王芳
echo "demo-password-2" | $kdb users add li.vendor --role vendor_reviewer --display-name 李工
say "keydesk serve --port 0 &   # any free port; pages and API on 127.0.0.1"
$kdb serve --port 0 > build/demo/serve.log 2>&1 &
serve_pid=$!
trap 'kill $serve_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q '^keydesk serve: http' build/demo/serve.log && break; sleep 0.1; done
url=$(sed -n 's/^keydesk serve: \(http[^ ]*\).*/\1/p' build/demo/serve.log)
say "curl -X POST ${url}api/login -d '{\"name\": \"wang.fang\", …}'   # the session cookie"
curl -s -c build/demo/cookies -H 'Content-Type: application/json' \
  -d '{"name": "wang.fang", "password": "demo-password-1"}' "${url}api/login" | head -c 160
echo
say "curl -b cookies ${url}api/cases   # the clerk's queue: id, state, due, working days left"
curl -s -b build/demo/cookies "${url}api/cases" |
  /usr/bin/python3 -c 'import json, sys
for c in json.load(sys.stdin)["cases"]:
    print(c["id"], c["state_title"], "due", c["due"], "days left", c.get("days_left", "-"),
          "OVERDUE" if c.get("overdue") else "")'
kill $serve_pid
echo
echo "The web counter: $kd --db $db serve, then open http://127.0.0.1:8080/ (wang.fang / demo-password-1)"
