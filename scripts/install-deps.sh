#!/usr/bin/env bash
# Installs everything colotrace needs to build, run and test on Debian 12.
# Idempotent: packages already present are left alone. Needs root (apt-get).
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config ninja-build
  libboost1.81-dev libboost-json1.81-dev
  libcap-dev libssl-dev libtomlplusplus-dev libnats-dev nats-server libcli11-dev
  # stored measurements: SQLite (embedded) and PostgreSQL's client library; its tests: the
  # PostgreSQL server (they start clusters of their own, as nobody; runuser is util-linux's)
  libsqlite3-dev libpq-dev postgresql-15 util-linux
  libgtest-dev libgmock-dev
  # the page's unit test inflates the gzipped files the server sends
  zlib1g-dev
  # the lab: namespaces, firewall rules, the NFQUEUE delay program
  iproute2 nftables iptables libnetfilter-queue-dev iputils-ping
  # least privilege: setcap on the installed binary (cmake --install), and its tests
  libcap2-bin
  # the NATS tests: a TLS certificate authority made in the test
  openssl
  # enrich: ASN databases (libmaxminddb), reverse DNS (c-ares); its tests: a lab DNS server
  # (dnsmasq-base: the binary without the system service `dnsmasq` would start) and the
  # writer of lab ASN databases
  libmaxminddb-dev libc-ares-dev dnsmasq-base libmaxmind-db-writer-perl
  # sanitizers
  clang-14 libclang-rt-14-dev
  # peers compared against in bench/
  traceroute mtr-tiny scamper iputils-tracepath wrk
  # the web page's tests: a real browser (driven by puppeteer-core, tests/web)
  chromium
  # the Debian package: man pages from --help, its checks and a fresh Debian root to install into
  help2man lintian debootstrap systemd-container curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root (or with sudo)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if [[ " ${missing[*]} " == *" postgresql-15 "* ]]; then
    # The tests run PostgreSQL clusters of their own: the package must not create (and start)
    # the system's "main" cluster. Its policy file comes with postgresql-common.
    apt-get install -y -qq --no-install-recommends postgresql-common >/dev/null
    sed -i 's/^#* *create_main_cluster *=.*/create_main_cluster = false/' \
      /etc/postgresql-common/createcluster.conf
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all packages present"

# Node.js for tests/sdk (the official TypeScript SDK against the server): Debian's nodejs and
# npm, only when no node is on the machine (a newer node installed otherwise is kept).
if ! command -v node >/dev/null 2>&1; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: node is missing; run as root (or with sudo) to install nodejs npm" >&2
    exit 1
  fi
  echo "install-deps: installing nodejs npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
# The pinned Node packages (package-lock.json files), from the npm registry: the web page's
# build toolchain (esbuild, dagre), the SDK tests' and the browser tests' packages.
for dir in web tests/sdk tests/web; do
  npm ci --prefix "$(dirname "$0")/../$dir" --no-audit --no-fund --loglevel=error >/dev/null
done
echo "install-deps: Node packages of web, tests/sdk and tests/web installed"
