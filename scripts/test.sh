#!/usr/bin/env bash
# The whole test suite, as CI runs it. As root on Debian 12:  bash scripts/test.sh
# Installs the dependencies, then:
#   1. an optimised build (Release, -O3, as users build it): every unit and lab test, then the
#      soak test (SOAK_SECONDS, 90 here), then the Debian package test (tests/packaging);
#   2. AddressSanitizer + UndefinedBehaviorSanitizer (Debug): every unit and lab test;
#   3. ThreadSanitizer: the tests of the engine, dispatch, enrichment, the store and the servers,
#      and 30 s of the soak test (races only: its memory is judged in stage 1);
#   4. the libFuzzer targets (clang), each for FUZZ_SECONDS (20 here) from its seed corpus.
# Lab tests (network namespaces) need root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

# Warnings are errors in CI's builds (a user's build only warns: COLOTRACE_WERROR is off by default).
run_suite() {
  local dir=$1
  shift
  bash scripts/build.sh "$dir" -DCOLOTRACE_WERROR=ON "$@"
  # Pure unit tests in parallel; lab tests one at a time (they time real packets).
  (cd "$dir" && ctest -L unit -j2 --output-on-failure)
  (cd "$dir" && ctest -LE 'unit|soak|package' --output-on-failure)
}

echo "== optimised build"
run_suite build -DCMAKE_BUILD_TYPE=Release
echo "== soak"
(cd build && SOAK_SECONDS=${SOAK_SECONDS:-90} ctest -L soak --output-on-failure -V)
echo "== Debian package (lintian, a debootstrapped Debian 12, the units, a trace)"
(cd build && ctest -L package --output-on-failure -V)

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build"
(
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DCOLOTRACE_SANITIZE=ON -DCOLOTRACE_BENCH=OFF
)

echo "== ThreadSanitizer build (engine, dispatch, enrichment, store, servers)"
(
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  bash scripts/build.sh build-tsan -DCOLOTRACE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOLOTRACE_TSAN=ON \
    -DCOLOTRACE_BENCH=OFF
  cd build-tsan
  ctest -j2 --output-on-failure -L unit -R 'Dispatcher|Handler|RateLimiter|Metrics|Ttl|StoreWriter|InOrder|SqliteStore|Schedules|Webhooks'
  ctest --output-on-failure -R \
    'EngineLabTest|MultipathLabTest|ChainTest|EcmpDiamond|LocalColo|HostResolver|ReverseDns|Serve|AgentIntegration|Privilege|Measurements|PostgresStore|SchedulesLab'
  # Races, not memory: the 30-s server RSS under TSan is its own warm-up (the optimised soak
  # judges memory growth, ASan finds leaks).
  SOAK_SECONDS=30 SOAK_RSS_LIMIT_KB=0 ctest --output-on-failure -L soak
)

echo "== fuzzing"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
