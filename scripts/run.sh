#!/usr/bin/env bash
# Installs what colotrace needs, builds it and runs it. As root on Debian 12:
#   bash scripts/run.sh                 # a traceroute of 127.0.0.1 from this machine
#   bash scripts/run.sh trace --packet-type tcp 127.0.0.1
# (`colotrace serve`, the API server with its local colo, becomes the default once it exists.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=Release -DCOLOTRACE_TESTS=OFF -DCOLOTRACE_BENCH=OFF
if (($# == 0)); then set -- trace 127.0.0.1; fi
exec build/apps/colotrace "$@"
