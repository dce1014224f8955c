#!/usr/bin/env bash
# End-to-end proof that the substrate (eng/substrate/up.sh) and the test guest (build.sh) work:
# boots a transient <domain type='qemu'> (TCG) by direct kernel boot with a virtio disk (qcow2
# overlay), a NoCloud seed CD carrying an SSH key, a virtio NIC on network "default", a virtio
# balloon and a serial console on a unix socket; then checks the ready marker and a typed command
# over the serial socket, the DHCP lease, ping, SSH (ssh: uname -r) and SFTP (paramiko, as
# Libcloud uses it) from inside the namespace, and ACPI shutdown. Removes everything it made.
# Prints the time of each step. Exit 0 = all checks passed.
set -euo pipefail

NS=${SIMPLESTACK_NS:-simplestack}
STATE=/run/simplestack-substrate
SOCK=$STATE/smoke.sock
CONSOLE_LOG=$STATE/smoke-console.log
NAME=simplestack-smoke
HERE=$(dirname "$(readlink -f "$0")")
PY=/usr/bin/python3 # Debian's python: the one that can import python3-paramiko

[ "$(id -u)" -eq 0 ] || { echo "smoke.sh: must run as root" >&2; exit 1; }
nsx() { ip netns exec "$NS" "$@"; }
vsh() { nsx virsh -q -c qemu:///system "$@"; }
if [ ! -e "/run/netns/$NS" ] || ! virsh -c qemu:///system uri >/dev/null 2>&1; then
  echo "smoke.sh: substrate is not up; run eng/substrate/up.sh first" >&2; exit 1
fi

t0=$(date +%s.%N); tprev=$t0
declare -a TIMES=()
step() { # step LABEL: records the time since the previous step
  local now; now=$(date +%s.%N)
  TIMES+=("$(awk -v a="$tprev" -v b="$now" -v l="$1" 'BEGIN{printf "%-40s %6.2f s", l, b-a}')")
  echo "smoke: ok  $1" >&2
  tprev=$now
}
fail() {
  echo "smoke: FAIL $*" >&2
  echo "smoke: serial console transcript: $CONSOLE_LOG" >&2
  exit 1
}

G=$("$HERE/build.sh")
step "guest build (cache)"

WORK=$(mktemp -d /var/lib/simplestack/smoke.XXXXXX)
serial_pid=
cleanup() {
  [ -n "$serial_pid" ] && kill "$serial_pid" 2>/dev/null || true
  if vsh domstate "$NAME" >/dev/null 2>&1; then vsh destroy "$NAME" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
  rm -f "$SOCK"
}
trap cleanup EXIT
# A leftover from an interrupted run would make `virsh create` fail.
if vsh domstate "$NAME" >/dev/null 2>&1; then vsh destroy "$NAME" >/dev/null 2>&1 || true; fi
rm -f "$SOCK"

# SSH key (OpenSSH format: ssh and paramiko both read it) and the NoCloud seed.
ssh-keygen -q -t ed25519 -N '' -C smoke -f "$WORK/id"
pub=$(cat "$WORK/id.pub")
printf '#cloud-config\nssh_authorized_keys:\n  - %s\n' "$pub" >"$WORK/user-data"
printf 'instance-id: %s\nlocal-hostname: smoke\n' "$NAME" >"$WORK/meta-data"
"$HERE/make-seed.sh" "$WORK/user-data" "$WORK/meta-data" "$WORK/seed.iso"
qemu-img create -q -f qcow2 -b "$G/disk.qcow2" -F qcow2 "$WORK/disk.qcow2"
step "key, seed ISO, qcow2 overlay"

# Machine 'pc' (i440fx): its IDE CD-ROM is driven by ata_piix (the cloud kernel has no AHCI).
cat >"$WORK/domain.xml" <<EOF
<domain type='qemu'>
  <name>$NAME</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$G/vmlinuz</kernel>
    <initrd>$G/initrd.img</initrd>
    <cmdline>$(cat "$G/cmdline")</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$WORK/disk.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='$WORK/seed.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <interface type='network'>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <serial type='unix'>
      <source mode='bind' path='$SOCK'/>
      <target port='0'/>
    </serial>
    <memballoon model='virtio'/>
  </devices>
</domain>
EOF

# Serial client (started before the guest so no early output is lost: QEMU drops console output
# while no client is connected). Waits for the ready marker, types a command, expects its answer.
"$PY" - "$SOCK" "$CONSOLE_LOG" >"$WORK/serial.out" 2>&1 <<'PYEOF' &
import socket, sys, time
path, logpath = sys.argv[1], sys.argv[2]
log = open(logpath, "wb")
start = time.time()
s = None
while time.time() - start < 30:
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(path); break
    except OSError:
        s = None; time.sleep(0.05)
if s is None:
    print("serial: could not connect to", path); sys.exit(2)
print("serial: connected %.2f" % (time.time() - start), flush=True)
buf = b""
def wait_for(text, timeout):
    global buf
    end = time.time() + timeout
    s.settimeout(0.2)
    while time.time() < end:
        if text in buf:
            return True
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            continue
        if not chunk:
            return False
        buf += chunk; log.write(chunk); log.flush()
    return text in buf
if not wait_for(b"SIMPLESTACK-GUEST-READY", 120):
    print("serial: no ready marker"); sys.exit(3)
i = buf.index(b"SIMPLESTACK-GUEST-READY")
end = time.time() + 5
while b"\n" not in buf[i:] and time.time() < end:  # the rest of the line may be in the next chunk
    wait_for(b"\0never\0", 0.2)  # just reads for 0.2 s
line = buf[i:].split(b"\n")[0].decode(errors="replace").strip()
print("serial: ready %.2f %s" % (time.time() - start, line), flush=True)
buf = b""
time.sleep(0.5)  # let the shell start reading its tty
s.sendall(b"echo MARKER-$((6*7))\n")
if not wait_for(b"MARKER-42", 20):
    print("serial: no MARKER-42 answer"); sys.exit(4)
print("serial: answered %.2f" % (time.time() - start), flush=True)
PYEOF
serial_pid=$!

vsh create "$WORK/domain.xml" >/dev/null || fail "virsh create"
step "virsh create (define+start)"

# Ready marker and the typed command, from the serial client.
wait "$serial_pid" || { cat "$WORK/serial.out" >&2; serial_pid=; fail "serial console"; }
serial_pid=
grep '^serial: ready' "$WORK/serial.out" | sed 's/^/smoke:   /' >&2
step "boot to SIMPLESTACK-GUEST-READY + echo"

# DHCP lease for the guest's MAC.
mac=$(vsh domiflist "$NAME" | awk '!m {m=$5} END {print m}')
ip=
for i in $(seq 1 60); do
  ip=$(vsh net-dhcp-leases default --mac "$mac" 2>/dev/null | awk '{print $5}' | cut -d/ -f1 | head -1)
  [ -n "$ip" ] && break
  sleep 0.5
done
[ -n "$ip" ] || fail "no DHCP lease for $mac"
echo "smoke:   lease $mac -> $ip" >&2
step "DHCP lease (net-dhcp-leases)"

nsx busybox ping -c 1 -W 5 "$ip" >/dev/null || fail "ping $ip"
step "ping from the namespace"

want=$(awk '{print $3}' "$G/kernel-version" | tr -d '()')
got=$(nsx timeout 60 ssh -i "$WORK/id" -o BatchMode=yes -o StrictHostKeyChecking=no \
        -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "root@$ip" uname -r </dev/null 2>"$WORK/ssh.err") \
  || { cat "$WORK/ssh.err" >&2; fail "ssh root@$ip"; }
[ "$got" = "$want" ] || fail "ssh uname -r: got '$got', want '$want'"
echo "smoke:   ssh uname -r -> $got" >&2
step "ssh (sshd, key from seed)"

# SFTP upload the way Libcloud's deploy_node does it (paramiko SFTP), then read it back over SSH.
nsx timeout 60 "$PY" - "$ip" "$WORK/id" <<'PYEOF' || fail "sftp via paramiko"
import sys, paramiko
ip, key = sys.argv[1], sys.argv[2]
c = paramiko.SSHClient(); c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
c.connect(ip, username="root", key_filename=key, look_for_keys=False, allow_agent=False, timeout=20)
sftp = c.open_sftp()
with sftp.open("/root/deploy.sh", "w") as f: f.write("#!/bin/sh\necho deployed-$((40+2))\n")
sftp.chmod("/root/deploy.sh", 0o755); sftp.close()
_, out, _ = c.exec_command("/root/deploy.sh"); text = out.read().decode().strip(); c.close()
assert text == "deployed-42", text
PYEOF
step "sftp upload + run (paramiko)"

vsh shutdown "$NAME" >/dev/null || fail "virsh shutdown"
stopped=0
for i in $(seq 1 150); do
  vsh domstate "$NAME" >/dev/null 2>&1 || { stopped=1; break; } # transient: gone once off
  sleep 0.2
done
[ "$stopped" = 1 ] || fail "guest still running 30 s after ACPI shutdown"
step "ACPI shutdown (virsh shutdown)"

echo "smoke: PASS  (guest $G, console transcript $CONSOLE_LOG)"
printf '  %s\n' "${TIMES[@]}"
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "  %-40s %6.2f s\n", "total", b-a}'
