#!/usr/bin/env bash
# Installs what colotrace needs, builds it and runs it. As root on Debian 12:
#   bash scripts/run.sh                 # the API server with its local colo (colotrace serve)
#   bash scripts/run.sh serve --listen 0.0.0.0:8080 --config /etc/colotrace/serve.toml
#   bash scripts/run.sh trace --packet-type tcp 127.0.0.1
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh build -DCMAKE_BUILD_TYPE=Release -DCOLOTRACE_TESTS=OFF -DCOLOTRACE_BENCH=OFF
if (($# == 0)); then set -- serve; fi
exec build/apps/colotrace "$@"
