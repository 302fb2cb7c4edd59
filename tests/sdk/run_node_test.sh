#!/bin/sh
# Runs one node:test file of tests/sdk for CTest: run_node_test.sh NODE FILE.
# Fails (never skips) with a clear message when node or the pinned packages are missing, so
# that CI cannot pass without having run the SDK tests.
set -eu
cd "$(dirname "$0")"
node=$1
file=$2
if ! command -v "$node" >/dev/null 2>&1; then
  echo "FAIL: node ('$node') not found; run scripts/install-deps.sh (installs nodejs and npm)" >&2
  exit 1
fi
for package in cloudflare ajv; do
  if [ ! -f "node_modules/$package/package.json" ]; then
    echo "FAIL: tests/sdk/node_modules/$package is missing; run scripts/install-deps.sh" \
      "(it runs: npm ci --prefix tests/sdk)" >&2
    exit 1
  fi
done
exec "$node" --test "$file"
