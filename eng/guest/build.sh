#!/usr/bin/env bash
# Builds the small real test guest from Debian packages only (no network image downloads):
#   vmlinuz       Debian's cloud kernel (the package linux-image-cloud-amd64 depends on), extracted
#                 with dpkg-deb, never installed on the host;
#   initrd.img    gzip'd cpio (newc): busybox-static, the virtio/ATA/SCSI/CD/ACPI modules it needs,
#                 OpenSSH's sshd (extracted from the openssh-server .deb, not installed) +
#                 sftp-server with their libraries, and an /init (below) that does DHCP, reads a
#                 NoCloud seed (SSH keys), runs acpid (ACPI power button -> poweroff), sshd on
#                 port 22, prints SIMPLESTACK-GUEST-READY on ttyS0 and keeps a root shell there;
#   guest.iso     isolinux-bootable ISO with that kernel/initrd (console=ttyS0);
#   disk.qcow2    blank 64 MiB qcow2 for tests to attach;
#   cmdline       the recommended kernel command line for direct kernel boot.
# Output: ${SIMPLESTACK_CACHE:-$HOME/.cache/simplestack}/guest/ (or $1). Rebuilt only when this
# script or an input package version changes (key stored in guest/.key); otherwise a cache hit.
# Prints the output directory on stdout.
set -euo pipefail

CACHE=${SIMPLESTACK_CACHE:-$HOME/.cache/simplestack}
OUT=${1:-$CACHE/guest}
SELF=$(readlink -f "$0")
CMDLINE="console=ttyS0 quiet"
# The cloud kernel has no AHCI (SATA) driver: CD-ROMs must be IDE (machine 'pc', ata_piix) or
# SCSI on virtio-scsi (sr_mod); q35's default SATA CD-ROM is invisible to this guest.
MODULES=(virtio_pci virtio_blk virtio_net virtio_scsi virtio_console virtio_balloon virtio_rng
         ata_piix sd_mod sr_mod cdrom isofs button evdev)

for tool in apt-cache apt-get dpkg-deb dpkg-query depmod modprobe cpio gzip xorriso qemu-img ldd sha256sum flock; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool missing; run eng/substrate/install-packages.sh" >&2; exit 1; }
done
for f in /bin/busybox /usr/bin/ssh-keygen /usr/lib/openssh/sftp-server /usr/lib/ISOLINUX/isolinux.bin \
         /usr/lib/syslinux/modules/bios/ldlinux.c32; do
  [ -e "$f" ] || { echo "build.sh: $f missing; run eng/substrate/install-packages.sh" >&2; exit 1; }
done
# Captured first: under pipefail, `busybox --list | grep -q` fails whenever grep exits before
# busybox has finished writing (SIGPIPE), which made this check flaky.
applets=$(/bin/busybox --list)
grep -qx acpid <<<"$applets" || { echo "build.sh: /bin/busybox is not busybox-static" >&2; exit 1; }

# Cache key: this script (it embeds /init) and the host packages copied into the guest. The kernel
# is resolved from apt only when building (apt-cache takes ~2 s here), so an archive update does
# not silently change the guest; SIMPLESTACK_GUEST_REBUILD=1 forces a rebuild.
pkgvers=$(dpkg-query -W -f='${Package}=${Version}\n' busybox-static openssh-client openssh-sftp-server isolinux syslinux-common libc6 2>/dev/null)
KEY=$( { cat "$SELF"; echo "$pkgvers"; } | sha256sum | cut -c1-16)

mkdir -p "$CACHE"
exec 9>"$CACHE/guest.lock"
flock 9 # one builder at a time; a concurrent caller waits and then gets the cache hit
if [ "${SIMPLESTACK_GUEST_REBUILD:-0}" != 1 ] && [ -f "$OUT/.key" ] && [ "$(cat "$OUT/.key")" = "$KEY" ] && \
   [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.img" ] && [ -s "$OUT/guest.iso" ] && [ -s "$OUT/disk.qcow2" ]; then
  echo "build.sh: cache hit ($KEY) in $OUT" >&2
  echo "$OUT"
  exit 0
fi

# The kernel package behind the linux-image-cloud-amd64 meta-package (no download needed to know).
KPKG=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ && !k {k=$2} END {print k}')
[ -n "$KPKG" ] || { echo "build.sh: cannot resolve linux-image-cloud-amd64 (run apt-get update)" >&2; exit 1; }
KVER=$(apt-cache policy "$KPKG" | awk '/Candidate:/ {print $2}')
echo "build.sh: building guest $KEY ($KPKG $KVER) into $OUT" >&2

WORK=$(mktemp -d "$CACHE/guest-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
NEW="$WORK/out"
mkdir -p "$NEW"

# Downloads PKG=VERSION's .deb once into $CACHE/debs (never installs it) and prints its path.
fetch_deb() {
  local pkg=$1 ver=$2 deb dl
  mkdir -p "$CACHE/debs"
  deb=$(ls "$CACHE"/debs/"${pkg}_${ver//:/%3a}"_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    # apt's _apt user must be able to write the download dir, else apt warns and downloads as root.
    dl=$(mktemp -d); chown _apt "$dl" 2>/dev/null || true
    (cd "$dl" && apt-get download -qq "$pkg=$ver") >&2
    mv "$dl"/*.deb "$CACHE/debs/"; rmdir "$dl"
    deb=$(ls "$CACHE"/debs/"${pkg}_${ver//:/%3a}"_*.deb | head -1)
  fi
  echo "$deb"
}

# ---- kernel: extract the .deb, copy vmlinuz.
dpkg-deb -x "$(fetch_deb "$KPKG" "$KVER")" "$WORK/kernel"
UNAME=$(ls "$WORK/kernel/lib/modules")
cp "$WORK/kernel/boot/vmlinuz-$UNAME" "$NEW/vmlinuz"

# ---- initramfs tree.
R="$WORK/root"
mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,usr/lib/openssh,usr/libexec,usr/share/udhcpc,etc/ssh,etc/acpi/PWRF,proc,sys,dev,tmp,run,mnt/seed,root/.ssh,var/log}
chmod 700 "$R/root" "$R/root/.ssh"; chmod 1777 "$R/tmp"
cp /bin/busybox "$R/bin/busybox"
for applet in $(busybox --list-full); do
  [ -e "$R/$applet" ] || ln -s /bin/busybox "$R/$applet"
done

# Modules plus their dependencies, in load order (depmod on the extracted tree, never the host's).
depmod -b "$WORK/kernel" "$UNAME"
: >"$WORK/order"
for m in "${MODULES[@]}"; do
  modprobe -d "$WORK/kernel" -S "$UNAME" --show-depends "$m" | awk '$1=="insmod" {print $2}' >>"$WORK/order"
done
mkdir -p "$R/lib/modules/$UNAME"
: >"$R/etc/modules.order"
awk '!seen[$0]++' "$WORK/order" | while read -r ko; do
  rel=${ko#"$WORK/kernel/"}
  mkdir -p "$R/$(dirname "$rel")"
  cp "$ko" "$R/$rel"
  echo "/$rel" >>"$R/etc/modules.order"
done
cp "$WORK/kernel/lib/modules/$UNAME"/modules.{builtin,builtin.modinfo,order} "$R/lib/modules/$UNAME/" 2>/dev/null || true
depmod -b "$R" "$UNAME" # so `modprobe` works inside the guest too

# SSH server: OpenSSH's sshd, not dropbear. Dropbear 2022.83 (Debian 12) closes a freshly opened
# session channel if the exec/subsystem request arrives a moment later (upstream issue
# mkj/dropbear#258): on this low-latency link ~15% of paramiko exec/SFTP channels failed with
# "Channel closed", which would make Libcloud deploy tests flaky. sshd comes from the
# openssh-server .deb of the same version as the host's openssh-client, extracted only.
SSHVER=$(dpkg-query -W -f='${Version}' openssh-client)
dpkg-deb -x "$(fetch_deb openssh-server "$SSHVER")" "$WORK/openssh"
copy_with_libs() { # copy_with_libs BINARY DEST: the binary plus the shared libraries ldd reports
  local bin=$1 dest=$2 lib missing
  missing=$(ldd "$bin" | awk '/not found/ {print $1}')
  [ -z "$missing" ] || { echo "build.sh: $bin needs libraries missing on this host: $missing" >&2; exit 1; }
  mkdir -p "$R/$(dirname "$dest")"; cp -L "$bin" "$R/$dest"
  for lib in $(ldd "$bin" | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}'); do
    [ -e "$R/$lib" ] || { mkdir -p "$R/$(dirname "$lib")"; cp -L "$lib" "$R/$lib"; }
  done
}
copy_with_libs "$WORK/openssh/usr/sbin/sshd" /usr/sbin/sshd
copy_with_libs /usr/bin/ssh-keygen /usr/bin/ssh-keygen
copy_with_libs /usr/lib/openssh/sftp-server /usr/lib/openssh/sftp-server
# Other SSH servers look for sftp-server here (dropbear: /usr/lib/sftp-server).
ln -s openssh/sftp-server "$R/usr/lib/sftp-server"
ln -s ../lib/openssh/sftp-server "$R/usr/libexec/sftp-server"
cat >"$R/etc/ssh/sshd_config" <<'EOF'
# Test guest: root by key only (keys from the NoCloud seed), no PAM, no DNS lookups.
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
StrictModes no
PidFile /run/sshd.pid
Subsystem sftp /usr/lib/openssh/sftp-server
EOF

# Accounts: root's password field is '*' (no password login; not '!'-locked, which would also
# refuse keys); sshd's privilege-separation user.
echo 'root:x:0:0:root:/root:/bin/sh' >"$R/etc/passwd"
echo 'sshd:x:100:65534::/run/sshd:/usr/sbin/nologin' >>"$R/etc/passwd"
printf 'root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\n' >"$R/etc/shadow"; chmod 600 "$R/etc/shadow"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
printf '/bin/sh\n/bin/ash\n' >"$R/etc/shells"
echo 'simplestack-guest' >"$R/etc/hostname"
printf '127.0.0.1 localhost\n' >"$R/etc/hosts"
# Plain prompt. (busybox ash's line editing still sends ESC[6n before each prompt: a test reading
# the serial socket should look for its expected text, not compare whole lines.)
cat >"$R/etc/profile" <<'EOF'
export PATH=/sbin:/usr/sbin:/bin:/usr/bin
PS1='guest# '
EOF

# ACPI power button: busybox acpid maps it to the action "PWRF/00000080" under /etc/acpi.
cat >"$R/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
# ACPI power button (virsh shutdown): flush and power off now (PID 1 is a plain shell, not init).
echo "simplestack-guest: ACPI power button, powering off" >/dev/console
sync
poweroff -f
EOF
chmod +x "$R/etc/acpi/PWRF/00000080"

# udhcpc hook: set the address, default route and resolv.conf from the lease.
cat >"$R/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} dev "$interface"
    if [ -n "$router" ]; then
      ip route del default dev "$interface" 2>/dev/null
      for r in $router; do ip route add default via "$r" dev "$interface" metric "${IF_METRIC:-0}" && break; done
    fi
    : >/etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
    echo "$ip" >"/run/ip.$interface"
    echo "simplestack-guest: [$(cut -d' ' -f1 /proc/uptime)] $interface bound $ip" >/dev/console ;;
esac
exit 0
EOF
chmod +x "$R/usr/share/udhcpc/default.script"

# Cloud-config "ssh_authorized_keys:" list items (top level or under users:), one key a line.
cat >"$R/sbin/cloud-keys" <<'EOF'
#!/bin/sh
# Prints the items of every "ssh_authorized_keys:" list in a cloud-config file (top level or
# under users:), unquoted, one key a line. Block lists only (the form cloud-init documents).
awk '
  BEGIN { q = sprintf("%c", 39) }
  /^[ \t]*(- )?ssh[-_]authorized[-_]keys:[ \t]*$/ { inlist = 1; ind0 = -1; next }
  inlist && /^[ \t]*-[ \t]+/ {
    match($0, /^[ \t]*/); ind = RLENGTH
    if (ind0 < 0) ind0 = ind
    if (ind == ind0) {
      k = $0; sub(/^[ \t]*-[ \t]+/, "", k); sub(/[ \t\r]+$/, "", k)
      c = substr(k, 1, 1)
      if ((c == "\"" || c == q) && substr(k, length(k), 1) == c) k = substr(k, 2, length(k) - 2)
      if (k != "") print k
      next
    }
  }
  inlist && /^[ \t]*(#.*)?\r?$/ { next }
  { inlist = 0 }
' "$1"
EOF
chmod +x "$R/sbin/cloud-keys"

cat >"$R/init" <<'EOF'
#!/bin/sh
# Simplestack test guest init (PID 1). Everything runs from the initramfs; nothing is persistent.
export PATH=/sbin:/usr/sbin:/bin:/usr/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs tmpfs /run
exec </dev/console >/dev/console 2>&1
hostname -F /etc/hostname
say() { echo "simplestack-guest: [$(cut -d' ' -f1 /proc/uptime)] $*"; } # uptime: boot profiling
say "init started"

while read -r ko; do insmod "$ko" 2>/dev/null; done </etc/modules.order
sleep 0.3 # let virtio/ATA probes settle so disks, CDs and NICs exist
say "modules loaded"

# ACPI events from the power button's input device (-l: without a log file it exits).
acpid -f -l /tmp/acpid.log -c /etc/acpi &

# NoCloud seed: an ISO9660 CD (label cidata) holding meta-data / user-data.
for dev in /dev/sr* /dev/vd? /dev/sd? /dev/hd?; do
  [ -b "$dev" ] || continue
  mount -t iso9660 -o ro "$dev" /mnt/seed 2>/dev/null || continue
  if [ -f /mnt/seed/user-data ] || [ -f /mnt/seed/meta-data ]; then
    say "NoCloud seed on $dev"
    mkdir -p /run/seed; cp /mnt/seed/* /run/seed/ 2>/dev/null
    umount /mnt/seed; break
  fi
  umount /mnt/seed
done
if [ -f /run/seed/meta-data ]; then
  h=$(sed -n 's/^local-hostname:[ \t]*//p' /run/seed/meta-data | tr -d "\"'\r" | head -1)
  [ -n "$h" ] && hostname "$h"
fi
if [ -f /run/seed/user-data ]; then
  cloud-keys /run/seed/user-data >>/root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
  say "$(grep -c . /root/.ssh/authorized_keys) ssh key(s) installed"
  # A user-data that is a script (#!) runs once, in the background, like cloud-init would.
  if head -1 /run/seed/user-data | grep -q '^#!'; then
    cp /run/seed/user-data /run/user-data.sh; chmod +x /run/user-data.sh
    /run/user-data.sh >/tmp/user-data.log 2>&1 &
  fi
fi

# Networking: DHCP on every ethN, including NICs hot-plugged later (checked every 2 s). Each
# udhcpc waits at most ~3 s for a first lease, then keeps trying in the background (-b -A 2), so
# a NIC on a network without DHCP delays the ready marker by 3 s, not more.
ip link set lo up
dhcp_all() {
  for i in /sys/class/net/eth*; do
    [ -e "$i" ] || continue; n=${i##*/}
    [ -e "/run/udhcpc.$n.pid" ] && kill -0 "$(cat "/run/udhcpc.$n.pid")" 2>/dev/null && continue
    ip link set "$n" up
    udhcpc -i "$n" -x "hostname:$(hostname)" -b -t 3 -T 1 -A 2 -p "/run/udhcpc.$n.pid" -s /usr/share/udhcpc/default.script >/tmp/udhcpc.$n.log 2>&1
  done
}
dhcp_all
( while sleep 2; do dhcp_all; done ) &

# SSH on port 22: fresh host keys every boot (ed25519/ecdsa only: RSA keygen is slow under TCG).
mkdir -p /run/sshd && chmod 755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
ssh-keygen -q -t ecdsa -N '' -f /etc/ssh/ssh_host_ecdsa_key
/usr/sbin/sshd -E /tmp/sshd.log || say "sshd failed to start: $(tail -3 /tmp/sshd.log)"

echo "SIMPLESTACK-GUEST-READY kernel=$(uname -r) ip=$(cat /run/ip.* 2>/dev/null | tr '\n' ' ')" >/dev/ttyS0

# Root shell on the serial console, forever (PID 1 must never exit).
while :; do
  setsid cttyhack sh -l
  sleep 0.2
done
EOF
chmod +x "$R/init"

(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -6 -n >"$NEW/initrd.img"
echo "$CMDLINE" >"$NEW/cmdline"

# ---- bootable ISO (BIOS isolinux; hybrid MBR so it also boots as a disk).
iso="$WORK/iso"
mkdir -p "$iso/isolinux" "$iso/boot"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
cp "$NEW/vmlinuz" "$NEW/initrd.img" "$iso/boot/"
cat >"$iso/isolinux/isolinux.cfg" <<EOF
SERIAL 0 115200
DEFAULT guest
PROMPT 0
TIMEOUT 1
LABEL guest
  KERNEL /boot/vmlinuz
  INITRD /boot/initrd.img
  APPEND $CMDLINE
EOF
xorriso -as mkisofs -quiet -o "$NEW/guest.iso" -V SSGUEST -J -r \
  -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin \
  -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
  "$iso" 2>/dev/null

qemu-img create -q -f qcow2 "$NEW/disk.qcow2" 64M
echo "$KPKG $KVER ($UNAME)" >"$NEW/kernel-version"
echo "$KEY" >"$NEW/.key"

# Swap in atomically-ish: the old output is only removed once the new one is complete.
rm -rf "$OUT.old"
[ -e "$OUT" ] && mv "$OUT" "$OUT.old"
mv "$NEW" "$OUT"
rm -rf "$OUT.old"
echo "build.sh: done: $(cd "$OUT" && du -sh vmlinuz initrd.img guest.iso disk.qcow2 | tr '\t\n' ' ')" >&2
echo "$OUT"
