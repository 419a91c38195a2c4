#!/usr/bin/env bash
# Sets up (packages + build) and runs every test with ctest. Exit status is ctest's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
# The browser test's npm packages (playwright-core; needs Node.js >= 20): the test command's own.
"$root/scripts/install-browser-test.sh"
cd "$root/build"
ctest --output-on-failure
