#!/usr/bin/env bash
# Configures and builds colotrace into a build folder.
#   scripts/build.sh [DIR] [extra cmake arguments...]     (DIR defaults to build)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
cmake --build "$dir" -j2
