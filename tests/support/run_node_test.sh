#!/bin/sh
# Runs one node:test file for CTest:  run_node_test.sh NODE FILE [NEED...]
# Each NEED must be there: a path relative to FILE's folder is a file (a pinned package's
# package.json), an absolute path an executable (a browser). Fails, never skips, with a clear
# message when node or a NEED is missing, so that CI cannot pass without having run the test.
set -eu
node=$1
file=$2
shift 2
cd "$(dirname "$file")"
if ! command -v "$node" >/dev/null 2>&1; then
  echo "FAIL: node ('$node') not found; run scripts/install-deps.sh (installs nodejs and npm)" >&2
  exit 1
fi
for need in "$@"; do
  case $need in
    /*) [ -x "$need" ] && continue ;;
    *) [ -f "$need" ] && continue ;;
  esac
  echo "FAIL: $need is missing (from $(pwd)); run scripts/install-deps.sh (it installs the" \
    "Debian packages and runs npm ci for web, tests/sdk and tests/web)" >&2
  exit 1
done
exec "$node" --test "$(basename "$file")"
