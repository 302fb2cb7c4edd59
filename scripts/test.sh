#!/usr/bin/env bash
# The whole test suite, as CI runs it. As root on Debian 12:  bash scripts/test.sh
# Installs the dependencies, then builds and tests twice: an optimised build, and a build with
# AddressSanitizer + UndefinedBehaviorSanitizer. Lab tests (network namespaces) need root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

run_suite() {
  local dir=$1
  shift
  bash scripts/build.sh "$dir" "$@"
  # Pure unit tests in parallel; lab tests one at a time (they time real packets).
  (cd "$dir" && ctest -L unit -j2 --output-on-failure)
  (cd "$dir" && ctest -LE unit --output-on-failure)
}

echo "== optimised build"
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DCOLOTRACE_SANITIZE=ON -DCOLOTRACE_BENCH=OFF
