#!/usr/bin/env bash
# Installs the browser test's npm packages (tests/browser: playwright-core, pinned by its
# package-lock.json). Called by scripts/test.sh only: building keydesk and running the demo never
# need Node.js. Idempotent: with the packages present it touches nothing and needs no network.
set -euo pipefail

# --- npm: tests/browser's packages ---------------------------------------------------------------
# `npm ci` installs exactly what package-lock.json pins; it runs only when node_modules is missing
# or the lock file changed since the last install (a stamp in node_modules holds its hash).
# Playwright's browser download stays off: the test drives /usr/bin/chromium.
browser_dir=$(cd "$(dirname "$0")/.." && pwd)/tests/browser
stamp=$browser_dir/node_modules/.keydesk-package-lock.sha256
lock_hash=$(sha256sum "$browser_dir/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  echo "install-browser-test: tests/browser npm packages present"
  exit 0
fi
# playwright-core needs Node.js 20 or newer (Debian 12's nodejs is 18: use NodeSource's).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ! command -v npm >/dev/null 2>&1 || [ "$node_major" -lt 20 ]; then
  echo "install-browser-test: the browser test (tests/browser) needs Node.js 20 or newer with npm, found: $(node --version 2>/dev/null || echo none). Debian 12 ships Node.js 18: install Node.js 20 (e.g. NodeSource's nodejs package), then run scripts/test.sh again" >&2
  exit 2
fi
echo "install-browser-test: npm ci in tests/browser"
(cd "$browser_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
echo "$lock_hash" >"$stamp"
