#!/usr/bin/env bash
# Stops what eng/substrate/up.sh started, by the pids it recorded, and deletes the namespace.
#   1. destroys every running domain (qemu and lxc) and stops every active network of the
#      substrate's libvirtd, so QEMU/dnsmasq do not outlive it. That includes guests of any test
#      run still using the substrate: only run this when nobody is. Persistent definitions stay
#      (up.sh brings the autostarted default network and pool back);
#   2. TERM, wait up to 10 s, KILL: libvirtd, ovs-vswitchd, ovsdb-server, virtlogd (recorded pids);
#   3. kills leftovers that our libvirtd spawned (QEMU, dnsmasq, libvirt_lxc) still in the
#      namespace, identified by `ip netns pids` and their program name;
#   4. deletes the namespace.
# Safe to run when nothing is up.
set -euo pipefail

NS=${SIMPLESTACK_NS:-simplestack}
STATE=/run/simplestack-substrate
declare -A COMM=([virtlogd]=virtlogd [libvirtd]=libvirtd [ovsdb-server]=ovsdb-server [ovs-vswitchd]=ovs-vswitchd)

[ "$(id -u)" -eq 0 ] || { echo "down.sh: must run as root" >&2; exit 1; }
log() { echo "down: $*" >&2; }

recorded_pid() { # prints the recorded pid of NAME if it still runs that program
  local f="$STATE/$1.pid" pid
  [ -s "$f" ] || return 1
  pid=$(tr -dc 0-9 <"$f")
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "${COMM[$1]}" ] && echo "$pid"
}

running() { # running PID: alive and not a zombie (our daemons' parent is PID 1, which may reap late)
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

stop_pids() { # stop_pids "PID:LABEL"...: TERM all, wait up to 10 s, then KILL what is left
  local entry pid i left
  for entry in "$@"; do kill -TERM "${entry%%:*}" 2>/dev/null || true; done
  for i in $(seq 1 40); do
    left=0
    for entry in "$@"; do running "${entry%%:*}" && left=1; done
    [ "$left" = 0 ] && break
    sleep 0.25
  done
  for entry in "$@"; do
    pid=${entry%%:*}
    if running "$pid"; then
      log "${entry#*:} ($pid) ignored TERM for 10 s: KILL"
      kill -KILL "$pid" 2>/dev/null || true
    else
      log "stopped ${entry#*:} ($pid)"
    fi
  done
}

# 1. Guests and networks, while libvirtd still answers.
if recorded_pid libvirtd >/dev/null; then
  for uri in qemu:///system lxc:///system; do
    for dom in $(timeout 20 virsh -q -c "$uri" list --state-running --state-paused --state-other --name 2>/dev/null || true); do
      log "destroying domain $dom ($uri)"
      timeout 30 virsh -q -c "$uri" destroy "$dom" >/dev/null 2>&1 || true
    done
  done
  for net in $(timeout 20 virsh -q -c qemu:///system net-list --name 2>/dev/null || true); do
    log "stopping network $net"
    timeout 30 virsh -q -c qemu:///system net-destroy "$net" >/dev/null 2>&1 || true
  done
fi

# 2. Our daemons: libvirtd first (it uses OVS and virtlogd), then the rest together.
if pid=$(recorded_pid libvirtd); then stop_pids "$pid:libvirtd"; fi
rest=()
for d in ovs-vswitchd ovsdb-server virtlogd; do
  if pid=$(recorded_pid "$d"); then rest+=("$pid:$d"); fi
done
[ ${#rest[@]} -eq 0 ] || stop_pids "${rest[@]}"
for d in libvirtd ovs-vswitchd ovsdb-server virtlogd; do rm -f "$STATE/$d.pid"; done

# 3. Anything our libvirtd spawned that survived (e.g. if libvirtd had crashed).
if [ -e "/run/netns/$NS" ]; then
  leftovers=()
  for pid in $(ip netns pids "$NS" 2>/dev/null || true); do
    comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
    case "$comm" in
      qemu-system-*|dnsmasq|libvirt_lxc|libvirt_leasesh*) leftovers+=("$pid:$comm") ;;
      "") ;;
      *) log "leaving pid $pid ($comm) alone: not started by the substrate" ;;
    esac
  done
  [ ${#leftovers[@]} -eq 0 ] || stop_pids "${leftovers[@]}"
  ip netns delete "$NS"
  log "deleted namespace $NS"
fi
echo "Simplestack substrate is down."
