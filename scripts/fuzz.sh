#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang-14, AddressSanitizer + UndefinedBehaviorSanitizer)
# in build-fuzz and runs each for SECONDS (default 20) on a scratch copy of its seed corpus and
# regressions; the repository is never written. Prints one line per target (executions, exec/s,
# coverage) and exits non-zero if any target crashed, with the crashing input's path and how to
# reproduce it. docs/testing.md, "Fuzzing".
#
# Usage: scripts/fuzz.sh [SECONDS]
# Environment: FUZZ_BUILD_DIR (default <repo>/build-fuzz), FUZZ_TARGETS (names, default all),
#              FUZZ_ARTIFACTS (where crashing inputs are kept, default $FUZZ_BUILD_DIR/artifacts).
set -euo pipefail

seconds=${1:-20}
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "usage: scripts/fuzz.sh [SECONDS]" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
artifacts=${FUZZ_ARTIFACTS:-$build/artifacts}
targets=${FUZZ_TARGETS:-"icmp_message probe_codec_tcp probe_codec_gre request_parser handler wire dns_message"}

CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCOLOTRACE_WERROR=ON \
  -DCOLOTRACE_FUZZ=ON -DCOLOTRACE_TESTS=OFF -DCOLOTRACE_BENCH=OFF >/dev/null
cmake --build "$build" -j2 --target colotrace_fuzzers

scratch=$(mktemp -d "${TMPDIR:-/tmp}/colotrace-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts" "$build/fuzz-logs"

failed=0
for name in $targets; do
  exe=$build/fuzz/${name}_fuzz
  corpus=$scratch/$name
  mkdir -p "$corpus" "$artifacts/$name"
  # Seeds and every known crash; new inputs land in the scratch copy only.
  for dir in "$root/fuzz/corpus/$name" "$root/fuzz/regressions/$name"; do
    if [[ -d $dir ]]; then find "$dir" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$corpus/" \;; fi
  done
  dict=()
  if [[ -f $root/fuzz/$name.dict ]]; then dict=("-dict=$root/fuzz/$name.dict"); fi
  log=$build/fuzz-logs/$name.log
  status=0
  "$exe" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=25 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$name/" "${dict[@]}" "$corpus" >"$log" 2>&1 || status=$?

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  if ((status == 0)); then
    printf '%-16s ok  %4ss %10s execs %7s exec/s  cov %5s  ft %6s  rss %4s MB\n' \
      "$name" "$seconds" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${rss:-?}"
    continue
  fi
  failed=1
  input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
  printf '%-16s FAILED (exit %s) after %s execs\n' "$name" "$status" "${execs:-?}"
  grep -E '^(==[0-9]+==ERROR|SUMMARY|.*fuzz property broken|.*runtime error)' "$log" | head -5 |
    sed 's/^/    /' || true
  if [[ -n $input ]]; then
    known=""
    for f in "$root/fuzz/regressions/$name"/*; do
      if [[ -f $f ]] && cmp -s "$f" "$input"; then known=$f; fi
    done
    echo "    crashing input: $input"
    echo "    reproduce:      $exe $input"
    if [[ -n $known ]]; then
      echo "    known:          it is $known (not fixed yet)"
    else
      echo "    keep it:        cp $input $root/fuzz/regressions/$name/"
    fi
  fi
  echo "    log:            $log"
done
exit "$failed"
