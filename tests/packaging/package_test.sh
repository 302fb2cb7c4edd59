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
#    namespace (lab_up chain): it must reach the lab's target through the lab's routers;
# 5. boots that root with systemd (systemd-nspawn, inside the lab's colo namespace) with
#    colotrace-serve.service and colotrace-agent@lab.service enabled (a nats-server in the same
#    namespace): both become active (Type=notify), a traceroute through the API from both colos
#    reaches the target, the journal has its access-log line without the token, the database is
#    in the state directory, and both stop cleanly (exit 0) when asked;
# 6. runs the maintainer scripts under that systemd: dpkg -i over the installed package (an
#    upgrade) restarts both services (new main PIDs, active again), dpkg --remove stops them.
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
nspawn_pid=
nats_pid=
pid1=
cleanup() {
  if [[ -n $nspawn_pid ]]; then
    kill "$nspawn_pid" 2>/dev/null || true  # nspawn shuts the container down on SIGTERM
    for _ in $(seq 100); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$nspawn_pid" 2>/dev/null || true
    [[ -n $pid1 ]] && kill -9 "$pid1" 2>/dev/null || true  # ends the container's processes
  fi
  [[ -n $nats_pid ]] && kill "$nats_pid" 2>/dev/null || true
  if [[ -n $lab_pid ]]; then
    eval "exec ${lab_stdin}>&-" 2>/dev/null || true  # lab_up removes its lab when stdin closes
    wait "$lab_pid" 2>/dev/null || true
  fi
  for m in "$root/proc" "$root/dev/pts" "$root/dev"; do
    mountpoint -q "$m" 2>/dev/null && umount -l "$m"
  done
  rm -rf --one-file-system "$work"
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
mode=$(stat -c %a:%g "$root/etc/colotrace/serve.toml")
[[ $mode == "640:$gid" ]] || fail "serve.toml is $mode (mode:gid), not 640 and group colotrace ($gid)"
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

echo "== 5. the services under systemd (systemd-nspawn in the lab's colo namespace)"
command -v systemd-nspawn >/dev/null || fail "systemd-nspawn missing (Debian: systemd-container)"
# The container mounts its own /proc; the host's, mounted for the chroot, would show systemd
# the host's processes (it then loses track of its services).
umount "$root/proc"
nats_port=$(( 20000 + RANDOM % 20000 ))
ip netns exec "$colo" nats-server -a 127.0.0.1 -p "$nats_port" >"$work/nats.log" 2>&1 &
nats_pid=$!
token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
sha=$(printf %s "$token" | sha256sum | cut -d' ' -f1)
cat >"$root/etc/colotrace/serve.toml" <<TOML
listen = "127.0.0.1:8080"
allow_targets = ["203.0.113.0/24", "198.51.100.0/24"]
[colo]
name = "local"
[[tokens]]
sha256 = "$sha"
accounts = ["acc1"]
[nats]
urls = ["nats://127.0.0.1:$nats_port"]
TOML
echo "COLOTRACE_AGENT_OPTIONS=\"--nats nats://127.0.0.1:$nats_port --city Lab --no-names --allow-target 203.0.113.0/24 --allow-target 198.51.100.0/24\"" \
  >"$root/etc/colotrace/agent-lab.conf"
in_root systemctl enable colotrace-serve.service colotrace-agent@lab.service >/dev/null 2>&1
# nspawn keeps its mount propagation directory under /run, which must be a tmpfs: where it is
# not, a tmpfs is mounted there in a mount namespace of nspawn's own (the host sees nothing).
mkdir -p /run/systemd/nspawn
unshare --mount --propagation private sh -c '
  [ "$(stat -fc %T /run)" = tmpfs ] || mount -t tmpfs tmpfs /run/systemd/nspawn
  exec systemd-nspawn "$@"' nspawn -D "$root" -b --register=no --keep-unit --console=pipe \
  -M "ctpkg$$" --network-namespace-path="/run/netns/$colo" >"$work/boot.log" 2>&1 &
nspawn_pid=$!
for _ in $(seq 200); do  # the container's init: nspawn's child that runs systemd
  for p in $(ps --ppid "$nspawn_pid" -o pid= 2>/dev/null || true); do
    [[ $(cat "/proc/$p/comm" 2>/dev/null) == systemd ]] && pid1=$p
  done
  [[ -n $pid1 ]] && break
  sleep 0.1
done
[[ -n $pid1 ]] || { cat "$work/boot.log"; fail "the container did not start"; }
in_box() { nsenter -t "$pid1" -a "$@"; }
state=
for _ in $(seq 120); do
  state=$(in_box systemctl is-active colotrace-serve.service colotrace-agent@lab.service 2>/dev/null | paste -sd, -) || true
  [[ $state == active,active ]] && break
  sleep 0.5
done
[[ $state == active,active ]] || {
  in_box journalctl --no-pager -n 60 2>&1 || true
  fail "the services are not active: $state"
}
echo "colotrace-serve.service and colotrace-agent@lab.service: active"
api() { ip netns exec "$colo" curl -sS -H "Authorization: Bearer $token" "$@"; }
for _ in $(seq 50); do
  api http://127.0.0.1:8080/client/v4/accounts/acc1/diagnostics/traceroute/colos | grep -q '"name":"lab"' && break
  sleep 0.2
done
answer=$(api -X POST -H 'Content-Type: application/json' \
  -d "{\"targets\":[\"$target\"],\"colos\":[\"local\",\"lab\"],\"options\":{\"packet_type\":\"udp\"}}" \
  http://127.0.0.1:8080/client/v4/accounts/acc1/diagnostics/traceroute)
echo "$answer" | head -c 600; echo
reached=$(grep -o "\"ip\":\"$target\"" <<<"$answer" | wc -l)
(( reached >= 2 )) || fail "the API's traceroute did not reach $target from both colos"
journal=
for _ in $(seq 50); do  # journald takes the line from the service's stderr asynchronously
  # By identifier, not unit: nspawn on a cgroup-v1 host cannot give the service a cgroup of
  # its own ("Supervising process ... which is not our child"), so -u finds nothing there.
  journal=$(in_box journalctl -t colotrace --no-pager -o cat)
  grep -q 'http: POST /client/v4/accounts/acc1/diagnostics/traceroute .*status=200' <<<"$journal" && break
  sleep 0.2
done
grep -q 'http: POST /client/v4/accounts/acc1/diagnostics/traceroute .*status=200' <<<"$journal" || {
  in_box journalctl --no-pager -b | grep -i colotrace | tail -40
  fail "no access-log line for the request"
}
grep -q "$token" <<<"$journal" && fail "the token appears in the journal"
[[ -f $root/var/lib/colotrace/colotrace.db ]] || fail "no database in the state directory"
owner=$(stat -c %u "$root/var/lib/colotrace")
[[ $owner == "$uid" ]] || fail "the state directory belongs to uid $owner, not colotrace ($uid)"
for unit in colotrace-serve.service colotrace-agent@lab.service; do
  start=$(date +%s%N)
  in_box systemctl stop "$unit"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  result=$(in_box systemctl show "$unit" -p Result -p ExecMainStatus | paste -sd' ' -)
  echo "$unit: stopped in $ms ms ($result)"
  [[ $result == "Result=success ExecMainStatus=0" ]] || fail "$unit did not stop cleanly: $result"
done
echo "state directory /var/lib/colotrace owned by colotrace (uid $uid)"

echo "== 6. the maintainer scripts under systemd: an upgrade restarts, a removal stops"
units=(colotrace-serve.service colotrace-agent@lab.service)
main_pids() {  # "serve,agent" (systemctl prints an empty line between units)
  in_box systemctl show -p MainPID --value "${units[@]}" | grep -v '^$' | paste -sd, -
}
in_box systemctl start "${units[@]}"
before=$(main_pids)
cp "$deb" "$root/root/colotrace.deb"
in_box dpkg -i /root/colotrace.deb >"$work/upgrade.log" 2>&1 ||
  { cat "$work/upgrade.log"; fail "dpkg -i over the installed package"; }
state=$(in_box systemctl is-active "${units[@]}" | paste -sd, -) || true
after=$(main_pids)
echo "upgrade: main PIDs $before -> $after, $state"
[[ $state == active,active ]] || fail "after the upgrade the services are $state"
IFS=, read -r serve_before agent_before <<<"$before"
IFS=, read -r serve_after agent_after <<<"$after"
[[ $serve_before =~ ^[1-9][0-9]*$ && $agent_before =~ ^[1-9][0-9]*$ ]] ||
  fail "no main PIDs before the upgrade: $before"
[[ $serve_after != "$serve_before" && $agent_after != "$agent_before" ]] ||
  fail "the upgrade did not restart both services ($before -> $after)"
in_box dpkg --remove colotrace >"$work/remove.log" 2>&1 ||
  { cat "$work/remove.log"; fail "dpkg --remove"; }
state=$(in_box systemctl is-active "${units[@]}" | paste -sd, -) || true
echo "removal: $state"
[[ $state == inactive,inactive ]] || fail "after removal the services are $state"
echo "OK"
