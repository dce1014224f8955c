#!/usr/bin/env bash
# Installs the Debian 12 packages the real-hypervisor integration tests need (libvirtd with the
# QEMU and LXC drivers, QEMU for TCG guests, dnsmasq/nftables for NAT networks, Open vSwitch,
# the tools eng/guest/build.sh uses, and the Python/SSH pieces Libcloud deployment tests use).
# Idempotent: each package is checked with dpkg-query; apt is only touched if something is missing.
# Deliberately NOT libvirt-daemon-system: it pulls in systemd-sysv (this machine has no systemd).
set -euo pipefail

packages=(
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-driver-lxc libvirt-clients
  qemu-system-x86 qemu-utils
  dnsmasq-base iptables nftables            # libvirt NAT networks (DHCP + firewall rules)
  xorriso genisoimage                       # guest ISO and NoCloud seed ISOs
  busybox-static kmod cpio isolinux syslinux-common   # guest initramfs + bootable ISO
  openvswitch-switch                        # userspace (netdev) OVS bridge
  openssh-client openssh-sftp-server        # ssh/ssh-keygen; sftp-server + ssh-keygen go into the guest
  dropbear-bin                              # dbclient/dropbearkey (the guest runs OpenSSH's sshd: see guest/build.sh)
  python3-libcloud python3-paramiko         # Libcloud deploy_node tests (use /usr/bin/python3)
  iproute2                                  # ip netns
  socat                                     # talking to the guest's serial unix socket
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-packages: all ${#packages[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "error: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi

echo "install-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d stops maintainer scripts from trying to start services (no init system here);
# only installed for the duration of this run, and only if nobody else put one there.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; own_policy=1
  trap '[ "$own_policy" = 1 ] && rm -f "$policy"' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-packages: done" >&2
