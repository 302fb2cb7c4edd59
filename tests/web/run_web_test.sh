#!/bin/sh
# Runs one node:test file of tests/web for CTest: run_web_test.sh NODE FILE. Fails (never
# skips) with a clear message when node, chromium or the pinned packages are missing, so that
# CI cannot pass without having run the browser tests.
set -eu
cd "$(dirname "$0")"
node=$1
file=$2
if ! command -v "$node" >/dev/null 2>&1; then
  echo "FAIL: node ('$node') not found; run scripts/install-deps.sh" >&2
  exit 1
fi
if [ ! -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ]; then
  echo "FAIL: no chromium at ${CHROMIUM_BIN:-/usr/bin/chromium}; run scripts/install-deps.sh" >&2
  exit 1
fi
for dir in node_modules/puppeteer-core ../sdk/node_modules/cloudflare; do
  if [ ! -f "$dir/package.json" ]; then
    echo "FAIL: tests/web/$dir is missing; run scripts/install-deps.sh (npm ci)" >&2
    exit 1
  fi
done
exec "$node" --test "$file"
