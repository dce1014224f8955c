#!/usr/bin/env bash
# Brings up the real-hypervisor substrate for integration tests, on a Debian 12 host without
# systemd (see /work/shared/SUBSTRATES.md):
#   - network namespace "simplestack" (lo up) that holds every guest/network packet;
#   - inside it: cgroup v1 mounts, virtlogd, libvirtd (qemu:///system and lxc:///system, unix
#     socket only), ovsdb-server + ovs-vswitchd (userspace datapath);
#   - storage pool "default" (dir, /var/lib/simplestack/pool), NAT network "default"
#     (192.168.122.0/24, DHCP), OVS bridge "ovsbr0" (datapath_type=netdev).
# The namespace is NOT connected to the root one: run test processes inside it with
#   ip netns exec simplestack <command>
# (the libvirt and OVS sockets are plain files under /run, so they are reachable from both).
# Idempotent: what is already running is left alone; a second run only re-checks.
# Every daemon pid started here is recorded under $STATE (down.sh stops exactly those).
set -euo pipefail

NS=${SIMPLESTACK_NS:-simplestack}
STATE=/run/simplestack-substrate
LOGS=/var/log/simplestack-substrate
POOL_DIR=/var/lib/simplestack/pool
OVS_DB=/var/lib/simplestack/ovs/conf.db
OVS_SOCK=/var/run/openvswitch/db.sock
OVS_BRIDGE=ovsbr0
NET_NAME=default
NET_BRIDGE=virbr0
NET_PREFIX=192.168.122
SELF=$(readlink -f "$0")

# Expected /proc/PID/comm per recorded daemon, so a recycled pid is never taken for ours.
declare -A COMM=([virtlogd]=virtlogd [libvirtd]=libvirtd [ovsdb-server]=ovsdb-server [ovs-vswitchd]=ovs-vswitchd)
DAEMONS=(virtlogd libvirtd ovsdb-server ovs-vswitchd)

alive() { # alive NAME -> 0 if the recorded pid runs the expected program
  local f="$STATE/$1.pid" pid
  [ -s "$f" ] || return 1
  pid=$(tr -dc 0-9 <"$f")
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${COMM[$1]}" ]
}

log() { echo "up: $*" >&2; }

# ---------------------------------------------------------------- inner phase (inside the netns)
# Runs via `ip netns exec $NS $SELF --inner`. `ip netns exec` gives each invocation a private
# mount namespace with a fresh /sys, so the cgroup mounts and the daemons must be made in the same
# invocation; the daemons then keep that mount namespace alive after this shell exits.
if [ "${1:-}" = --inner ]; then
  # cgroup v1 controllers, same layout as the root namespace (cpu and cpuacct are separate
  # hierarchies on this kernel, so they are mounted separately). No cgroup2: LXC fails with it.
  mountpoint -q /sys/fs/cgroup || mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup
  for c in cpu cpuacct cpuset memory devices freezer blkio pids; do
    mkdir -p "/sys/fs/cgroup/$c"
    mountpoint -q "/sys/fs/cgroup/$c" || mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
  done
  mkdir -p /sys/fs/cgroup/systemd
  mountpoint -q /sys/fs/cgroup/systemd || mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd

  if ! alive virtlogd; then # libvirtd needs it for QEMU logs; start it first
    log "starting virtlogd"
    virtlogd -d -p "$STATE/virtlogd.pid" </dev/null >>"$LOGS/virtlogd.log" 2>&1
  fi
  if ! alive ovsdb-server; then
    log "starting ovsdb-server"
    ovsdb-server "$OVS_DB" --remote="punix:$OVS_SOCK" \
      --remote=db:Open_vSwitch,Open_vSwitch,manager_options \
      --pidfile="$STATE/ovsdb-server.pid" --detach -vconsole:off --log-file="$LOGS/ovsdb-server.log" </dev/null
    ovs-vsctl --db="unix:$OVS_SOCK" --no-wait init
  fi
  if ! alive ovs-vswitchd; then
    # No openvswitch kernel module here: it logs that, and bridges must use datapath_type=netdev.
    log "starting ovs-vswitchd"
    ovs-vswitchd "unix:$OVS_SOCK" --pidfile="$STATE/ovs-vswitchd.pid" --detach \
      -vconsole:off --log-file="$LOGS/ovs-vswitchd.log" </dev/null
  fi
  if ! alive libvirtd; then
    log "starting libvirtd"
    # Unix socket only (no --listen). -d daemonises; -p records the pid for down.sh.
    libvirtd -d -p "$STATE/libvirtd.pid" </dev/null >>"$LOGS/libvirtd.log" 2>&1
  fi
  exit 0
fi

# ---------------------------------------------------------------- outer phase (root namespace)
[ "$(id -u)" -eq 0 ] || { echo "up.sh: must run as root" >&2; exit 1; }
for tool in libvirtd virtlogd virsh ovsdb-server ovs-vswitchd ovs-vsctl ip; do
  command -v "$tool" >/dev/null || { echo "up.sh: $tool missing; run eng/substrate/install-packages.sh" >&2; exit 1; }
done
mkdir -p "$STATE" "$LOGS" "$POOL_DIR" "$(dirname "$OVS_DB")" /var/run/openvswitch

virsh_q() { virsh -q -c qemu:///system "$@"; }
nsx() { ip netns exec "$NS" "$@"; }

# Daemons from an earlier up.sh must live in the namespace that has this name now (if someone
# deleted/recreated it, guests would be unreachable from `ip netns exec`): refuse, don't guess.
for d in "${DAEMONS[@]}"; do
  if alive "$d"; then
    pid=$(tr -dc 0-9 <"$STATE/$d.pid")
    if [ ! -e "/run/netns/$NS" ] || [ "$(stat -L -c %i "/proc/$pid/ns/net")" != "$(stat -L -c %i "/run/netns/$NS")" ]; then
      echo "up.sh: $d ($pid) runs outside namespace $NS; run eng/substrate/down.sh first" >&2; exit 1
    fi
  fi
done

# Namespace with loopback up.
if [ ! -e "/run/netns/$NS" ]; then
  log "creating network namespace $NS"
  ip netns add "$NS"
fi
nsx ip link set lo up

# Host-side prerequisites of libvirtd (SUBSTRATES.md): log dir (else it exits silently), the
# libvirt-qemu user (else "Failed to parse user"), and a qemu.conf that runs QEMU as root with no
# ownership changes or security driver (there is no AppArmor/SELinux setup without the -system pkg).
mkdir -p /var/log/libvirt /var/log/libvirt/qemu /var/lib/libvirt
for u in libvirt-qemu libvirt-dnsmasq; do
  getent passwd "$u" >/dev/null || useradd --system --no-create-home --home-dir /var/lib/libvirt \
    --shell /usr/sbin/nologin --user-group "$u"
done
qemu_conf=/etc/libvirt/qemu.conf
[ -e "$qemu_conf" ] || printf '# Written by eng/substrate/up.sh (keys below are set idempotently).\n' >"$qemu_conf"
set_conf() { # set_conf KEY VALUE: replace an existing "KEY = ..." line, else append; other lines kept
  if grep -qE "^[[:space:]]*$1[[:space:]]*=" "$qemu_conf"; then
    grep -qxF "$1 = $2" "$qemu_conf" || sed -i -E "s|^[[:space:]]*$1[[:space:]]*=.*|$1 = $2|" "$qemu_conf"
  else
    echo "$1 = $2" >>"$qemu_conf"
  fi
}
set_conf user '"root"'
set_conf group '"root"'
set_conf dynamic_ownership 0
set_conf security_driver '"none"'

# OVS database, created once.
[ -s "$OVS_DB" ] || ovsdb-tool create "$OVS_DB" /usr/share/openvswitch/vswitch.ovsschema

all_alive=1
for d in "${DAEMONS[@]}"; do alive "$d" || all_alive=0; done
if [ "$all_alive" = 0 ]; then
  # If libvirtd died but its socket file remains, the new one replaces it; nothing to clean.
  nsx "$SELF" --inner
fi
for d in "${DAEMONS[@]}"; do
  alive "$d" || { echo "up.sh: $d did not start; see $LOGS/$d.log" >&2; exit 1; }
done

# First qemu:///system connection probes QEMU capabilities (~8 s under TCG): poll until it answers.
wait_uri() {
  local uri=$1 i
  for i in $(seq 1 120); do
    virsh -c "$uri" uri >/dev/null 2>&1 && return 0
    alive libvirtd || { echo "up.sh: libvirtd exited; see $LOGS/libvirtd.log" >&2; return 1; }
    sleep 0.5
  done
  echo "up.sh: $uri did not answer within 60 s" >&2; return 1
}
wait_uri qemu:///system
wait_uri lxc:///system

# Storage pool "default": a directory pool, persistent, started, autostarted.
if ! virsh_q pool-info default >/dev/null 2>&1; then
  log "defining storage pool default at $POOL_DIR"
  virsh_q pool-define-as default dir --target "$POOL_DIR" >/dev/null
  virsh_q pool-build default >/dev/null 2>&1 || true
fi
# (Output captured first: `virsh | grep -q` would fail under pipefail when grep exits early.)
info=$(virsh_q pool-info default)
grep -qE '^State:[[:space:]]+running' <<<"$info" || virsh_q pool-start default >/dev/null
grep -qE '^Autostart:[[:space:]]+yes' <<<"$info" || virsh_q pool-autostart default >/dev/null

# NAT network "default" (dnsmasq DHCP). It lives in the namespace because libvirtd does.
# STP off: only guest ports on it. dnsmasq's no-ping: by default it pings an address for ~3 s
# before offering it, which delays every guest's first lease.
if ! virsh_q net-info "$NET_NAME" >/dev/null 2>&1; then
  log "defining network $NET_NAME ($NET_PREFIX.0/24)"
  xml=$(mktemp)
  cat >"$xml" <<XML
<network xmlns:dnsmasq='http://libvirt.org/schemas/network/dnsmasq/1.0'>
  <name>$NET_NAME</name>
  <forward mode='nat'/>
  <bridge name='$NET_BRIDGE' stp='off' delay='0'/>
  <ip address='$NET_PREFIX.1' netmask='255.255.255.0'>
    <dhcp><range start='$NET_PREFIX.2' end='$NET_PREFIX.254'/></dhcp>
  </ip>
  <dnsmasq:options><dnsmasq:option value='no-ping'/></dnsmasq:options>
</network>
XML
  virsh_q net-define "$xml" >/dev/null
  rm -f "$xml"
fi
info=$(virsh_q net-info "$NET_NAME")
grep -qE '^Active:[[:space:]]+yes' <<<"$info" || virsh_q net-start "$NET_NAME" >/dev/null
grep -qE '^Autostart:[[:space:]]+yes' <<<"$info" || virsh_q net-autostart "$NET_NAME" >/dev/null

# OVS bridge with the userspace datapath (no kernel module here). ovs-vsctl waits for
# ovs-vswitchd to apply it; the bridge's internal port appears as a tap device in the namespace.
if [ "$(ovs-vsctl --timeout=10 --if-exists get bridge "$OVS_BRIDGE" datapath_type 2>/dev/null)" != netdev ]; then
  log "creating OVS bridge $OVS_BRIDGE (datapath_type=netdev)"
  ovs-vsctl --timeout=30 --may-exist add-br "$OVS_BRIDGE" -- set bridge "$OVS_BRIDGE" datapath_type=netdev
fi
for i in $(seq 1 20); do nsx ip link show "$OVS_BRIDGE" >/dev/null 2>&1 && break; sleep 0.25; done
nsx ip link set "$OVS_BRIDGE" up 2>/dev/null || true

# Proof that a later, separate `ip netns exec` reaches the daemon.
nsx virsh -c qemu:///system list --all >/dev/null

cat <<EOF
Simplestack substrate is up.
  namespace:        $NS            (run inside: ip netns exec $NS <command>)
  libvirt:          qemu:///system, lxc:///system  (socket /var/run/libvirt/libvirt-sock)
  storage pool:     default -> $POOL_DIR
  networks:         $NET_NAME (NAT, bridge $NET_BRIDGE, $NET_PREFIX.0/24, DHCP)
  OVS:              bridge $OVS_BRIDGE (datapath_type=netdev), db $OVS_SOCK
  pids / logs:      $STATE/*.pid  $LOGS/ (libvirt's own: /var/log/libvirt/)
  stop:             eng/substrate/down.sh
EOF
