#!/usr/bin/env bash
# The Debian package, as a user gets it (CTest `package`; as root):
#   package_test.sh BUILD_DIR LAB_UP
# 1. builds it (cpack) and runs lintian: no error;
# 2. makes a fresh Debian 12 root with debootstrap from Debian's mirror
#    (COLOTRACE_DEBIAN_MIRROR, default http://deb.debian.org/debian) and installs the package
#    into it with apt (its dependencies from the mirror);
# 3. checks what the package set up there: CAP_NET_RAW on the binary, the system user, the
#    conffile, man pages, bash completion; `systemd-analyze verify` of both units and their
#    `systemd-analyze security --offline=true` exposure (printed; at most 2.0);
# 4. runs `colotrace trace` from that root, as the unprivileged user colotrace, inside a lab
#    namespace (lab_up chain): it must reach the lab's target through the lab's routers.
# Safety: the only traffic outside the lab is the download of Debian packages; the traceroute
# runs inside the lab's colo namespace, towards its documentation addresses. Everything made
# here is removed on exit, also on failure.
set -euo pipefail
build=$(cd "$1" && pwd)
lab_up=$2
mirror=${COLOTRACE_DEBIAN_MIRROR:-http://deb.debian.org/debian}

if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: needs root (debootstrap, chroot, namespaces)"
  exit 0
fi
for tool in cpack lintian debootstrap; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool missing; run scripts/install-deps.sh" >&2; exit 1; }
done

work=$(mktemp -d /var/tmp/colotrace-package-XXXXXX)
root=$work/root
lab_pid=
lab_stdin=
cleanup() {
  if [[ -n $lab_pid ]]; then
    eval "exec ${lab_stdin}>&-" 2>/dev/null || true  # lab_up removes its lab when stdin closes
    wait "$lab_pid" 2>/dev/null || true
  fi
  for m in "$root/proc" "$root/dev/pts" "$root/dev"; do
    mountpoint -q "$m" 2>/dev/null && umount -l "$m"
  done
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

echo "== 1. the package"
(cd "$build" && rm -f colotrace_*.deb && cpack -G DEB >/dev/null)
deb=$(ls "$build"/colotrace_*_amd64.deb)
dpkg-deb -I "$deb" | sed -n '/Package:/,$p'
echo "-- lintian"
lintian --fail-on error "$deb" 2>&1 | grep -v 'running with root privileges' || true
lintian --fail-on error "$deb" >/dev/null 2>&1 || fail "lintian reports errors"

echo "== 2. a fresh Debian 12 root ($mirror)"
start=$(date +%s)
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
echo "debootstrap: $(( $(date +%s) - start )) s"
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/colotrace.deb"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }
start=$(date +%s)
in_root apt-get update -qq
# systemd for systemd-analyze (the units are checked where they are installed); bash-completion
# for the completion's own helpers.
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq systemd bash-completion \
  /tmp/colotrace.deb >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log"; fail "apt-get install"; }
echo "apt-get install: $(( $(date +%s) - start )) s"

echo "== 3. what the package set up"
caps=$(in_root getcap /usr/bin/colotrace)
echo "$caps"
[[ $caps == *cap_net_raw=ep* ]] || fail "CAP_NET_RAW not set on /usr/bin/colotrace: '$caps'"
user=$(in_root getent passwd colotrace) || fail "no system user colotrace"
echo "$user"
IFS=: read -r _ _ uid gid _ home shell <<<"$user"
(( uid < 1000 )) || fail "colotrace is not a system user (uid $uid)"
[[ $home == /var/lib/colotrace && $shell == */nologin ]] || fail "user colotrace: home $home, shell $shell"
conffiles=$(in_root dpkg-query -W -f='${Conffiles}' colotrace)
[[ $conffiles == */etc/colotrace/serve.toml* ]] || fail "serve.toml is not a conffile: $conffiles"
for page in colotrace colotrace-trace colotrace-serve colotrace-agent; do
  f=$root/usr/share/man/man1/$page.1.gz
  zcat "$f" | grep -q '^\.SH SYNOPSIS' || fail "man page $page(1) has no SYNOPSIS"
done
zcat "$root/usr/share/man/man1/colotrace-serve.1.gz" | grep -q '^\.SH FILES' || fail "colotrace-serve(1) has no FILES"
complete_words() {
  in_root bash -c 'source /usr/share/bash-completion/bash_completion
    source /usr/share/bash-completion/completions/colotrace
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _colotrace; echo "${COMPREPLY[*]}"' _ "$@"
}
[[ $(complete_words colotrace tr) == trace ]] || fail "completion of 'colotrace tr': $(complete_words colotrace tr)"
[[ $(complete_words colotrace trace --packet-t) == --packet-type ]] ||
  fail "completion of 'colotrace trace --packet-t': $(complete_words colotrace trace --packet-t)"
[[ $(complete_words colotrace trace --packet-type gre) == "gre gre+icmp" ]] ||
  fail "completion of --packet-type gre: $(complete_words colotrace trace --packet-type gre)"
echo "-- systemd-analyze verify"
out=$(in_root systemd-analyze verify --man=no /lib/systemd/system/colotrace-serve.service \
  /lib/systemd/system/colotrace-agent@.service 2>&1) || { echo "$out"; fail "systemd-analyze verify"; }
[[ -z $out ]] || { echo "$out"; fail "systemd-analyze verify printed warnings"; }
for unit in colotrace-serve.service colotrace-agent@.service; do
  report=$(in_root systemd-analyze security --offline=true "/lib/systemd/system/$unit" 2>&1) || true
  score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' <<<"$report")
  echo "$unit: exposure $score"
  grep '✗' <<<"$report" || true
  [[ -n $score ]] || { echo "$report"; fail "no exposure level for $unit"; }
  awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "$unit: exposure $score is above 2.0"
done

echo "== 4. colotrace trace from the installed package, as user colotrace, in a lab namespace"
coproc LAB { exec "$lab_up" chain --routers 2; }
lab_pid=$LAB_PID
lab_stdin=${LAB[1]}
read -r -t 60 topo <&"${LAB[0]}" || fail "lab_up printed nothing"
colo=$(sed -n 's/.*"colo":"\([^"]*\)".*/\1/p' <<<"$topo")
target=$(sed -n 's/.*"target_v4":"\([^"]*\)".*/\1/p' <<<"$topo")
hops=$(sed -n 's/.*"hop_v4":\[\([^]]*\)\].*/\1/p' <<<"$topo" | tr -d '"')
echo "lab: colo namespace $colo, target $target, hops $hops"
out=$(ip netns exec "$colo" chroot --userspec="$uid:$gid" "$root" \
  env -i PATH=/usr/bin:/bin /usr/bin/colotrace trace -n --packet-type udp --wait-time 1 "$target" 2>&1) ||
  { echo "$out"; fail "colotrace trace from the package"; }
echo "$out"
got=$(awk '$1 ~ /^[0-9]+$/ {print $2}' <<<"$out" | paste -sd, -)
[[ $got == "$hops" ]] || fail "the trace's hops $got are not the lab's $hops"
grep -q "^reached $target" <<<"$out" || fail "the trace did not reach $target"
echo "OK"
