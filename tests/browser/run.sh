#!/usr/bin/env bash
# The web counter in a real browser (ctest: browser_test).
#   tests/browser/run.sh KEYDESK_BINARY WORK_DIR SERVE_SEED_BINARY
# Makes a database in WORK_DIR (the example registry, whose original usernames the procedures'
# requirements look up; a clerk, a vendor and an administrator account; no case of the clerk's
# authority: the test's clerk takes in and checks examples/submissions on the batch page; 230
# open and 20 closed cases of another authority, made by bench's serve_seed, whose clerk pages
# and sorts them), starts `keydesk serve` on a free port and runs
# clerk_vendor.test.mjs against it: Debian's chromium
# (/usr/bin/chromium) driven by playwright-core from npm. Screenshots: WORK_DIR/screenshots.
# Nothing is downloaded: chromium comes from scripts/install-deps.sh, playwright-core from
# scripts/install-browser-test.sh (both run by scripts/test.sh).
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 KEYDESK_BINARY WORK_DIR SERVE_SEED_BINARY" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
kd=$(realpath "$1")
work=$2
seed=$(realpath "$3")

fail() {
  echo "browser_test: $*" >&2
  exit 1
}
[ -x /usr/bin/chromium ] ||
  fail "/usr/bin/chromium is missing: run scripts/install-deps.sh (it installs Debian's chromium)"
[ -f "$here/node_modules/playwright-core/package.json" ] ||
  fail "tests/browser/node_modules is missing: run scripts/install-browser-test.sh (scripts/test.sh does)"
command -v node >/dev/null 2>&1 ||
  fail "node is missing: install Node.js >= 20, then run scripts/install-browser-test.sh"
[ -x "$kd" ] || fail "no keydesk binary at $1"

rm -rf "$work"
mkdir -p "$work"
work=$(realpath "$work")
db=$work/keydesk.db
kdb=("$kd" --rules "$root/rules" --db "$db")

echo "browser_test: database $db"
# The bundled examples, with S-2026-000206's power of attorney drawn again without its red seal
# (tools/scangen --from): the clerk passes it over its failed check with a reason.
cp -r "$root/examples/submissions" "$work/submissions"
/usr/bin/python3 "$root/tools/scangen/scangen.py" --from "$work/submissions/S-2026-000206" \
  --fault seal_missing --fault-material power_of_attorney -q >"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log" >&2; fail "scangen --from S-2026-000206 failed"; }
# The second clerk's authority: more cases than one page shows (the queue's paging and sorting).
export KEYDESK_CLERK2_AUTHORITY='示例市商务局（发证机构）'
"$seed" --db "$db" --rules "$root/rules" --cases 230 --closed 20 \
  --authority "$KEYDESK_CLERK2_AUTHORITY" >>"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log" >&2; fail "serve_seed failed"; }
"${kdb[@]}" registry import "$root/examples/registry.json" >>"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log" >&2; fail "registry import failed"; }

export KEYDESK_CLERK=wangfang KEYDESK_CLERK_PASSWORD=clerk-pass-2026
export KEYDESK_VENDOR=lijing KEYDESK_VENDOR_PASSWORD=vendor-pass-2026
echo "$KEYDESK_CLERK_PASSWORD" | "${kdb[@]}" users add "$KEYDESK_CLERK" --role authority_clerk \
  --authority '示例省商务厅（发证机构）' >>"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log" >&2; fail "users add $KEYDESK_CLERK failed"; }
echo "$KEYDESK_VENDOR_PASSWORD" | "${kdb[@]}" users add "$KEYDESK_VENDOR" --role vendor_reviewer \
  >>"$work/setup.log" 2>&1 || { cat "$work/setup.log" >&2; fail "users add $KEYDESK_VENDOR failed"; }
export KEYDESK_CLERK2=zhaomin KEYDESK_CLERK2_PASSWORD=clerk2-pass-2026
echo "$KEYDESK_CLERK2_PASSWORD" | "${kdb[@]}" users add "$KEYDESK_CLERK2" --role authority_clerk \
  --authority "$KEYDESK_CLERK2_AUTHORITY" >>"$work/setup.log" 2>&1 ||
  { cat "$work/setup.log" >&2; fail "users add $KEYDESK_CLERK2 failed"; }
export KEYDESK_ADMIN=admin KEYDESK_ADMIN_PASSWORD=admin-pass-2026
echo "$KEYDESK_ADMIN_PASSWORD" | "${kdb[@]}" users add "$KEYDESK_ADMIN" --role administrator \
  >>"$work/setup.log" 2>&1 || { cat "$work/setup.log" >&2; fail "users add $KEYDESK_ADMIN failed"; }

# A batch another server left interrupted (its server killed): the clerk resumes it on the batch
# page under its own number. Its folder is the one the clerk takes S-2026-000201 in to.
# And one that server was running for the case page's 核验新材料 of S-2026-000204 (its intake
# folder) when it died: still marked running, its last heartbeat long past.
export KEYDESK_INTERRUPTED=W-20261204-00000007 KEYDESK_LEFT_RUNNING=W-20261204-00000008
/usr/bin/python3 - "$db" "$work/intake" "$KEYDESK_INTERRUPTED" "$KEYDESK_LEFT_RUNNING" \
  >>"$work/setup.log" 2>&1 <<'PY' ||
import datetime, json, sqlite3, sys
db, intake, interrupted, left_running = sys.argv[1:]
now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
with sqlite3.connect(db) as c:
    for batch, state, error, folder in (
            (interrupted, "interrupted",
             "核验已中断：运行此批次的服务器已停止（如重启）或失去联系。请点“继续核验”在原批次号下接着核验",
             "S-2026-000201"),
            (left_running, "running", "", "S-2026-000204")):
        c.execute("INSERT INTO web_batches (id, started_by, role, authority, state, cases, done, "
                  "total, error, started_at, finished_at, server, heartbeat_at, folders) VALUES (?, "
                  "'wangfang', 'authority_clerk', '示例省商务厅（发证机构）', ?, 1, 2, 5, ?, ?, ?, "
                  "'gone/1', 1, ?)",
                  (batch, state, error, now, now if state != "running" else None,
                   json.dumps([intake + "/" + folder])))
PY
  { cat "$work/setup.log" >&2; fail "the interrupted batches were not stored"; }

# The server on any free port; it prints "keydesk serve: http://127.0.0.1:PORT/ …". The log is
# made first: the background job's redirection may come after the first look at it below.
: >"$work/server.log"
"${kdb[@]}" serve --port 0 >"$work/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
url=
for _ in $(seq 1 300); do
  url=$(sed -n 's|^keydesk serve: \(http://[^ ]*/\) .*|\1|p' "$work/server.log")
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; fail "keydesk serve exited"; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/server.log" >&2; fail "keydesk serve did not start in 30 s"; }
echo "browser_test: server $url"

node "$here/clerk_vendor.test.mjs" "$url" "$work/screenshots" "$work/submissions"
