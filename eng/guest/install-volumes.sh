#!/usr/bin/env bash
# Puts the test guest's bootable ISO into libvirtd's storage, where tests name it as a volume
# ("cdrom": "simplestack-guest.iso", and as an image of the "images" pool). Run by eng/test.sh
# after eng/substrate/up.sh and eng/guest/build.sh, before any test project starts: several test
# projects use these volumes at the same time, so none of them may be the one that makes them.
#   eng/guest/install-volumes.sh GUEST_DIR
# Idempotent: a volume already there with the ISO's size is left alone.
set -euo pipefail

GUEST_DIR=${1:?usage: install-volumes.sh GUEST_DIR (the output of eng/guest/build.sh)}
URI=qemu:///system
VOLUME=simplestack-guest.iso
IMAGE_POOL=images
IMAGE_POOL_DIR=/var/lib/simplestack/images
ISO="$GUEST_DIR/guest.iso"

[ -f "$ISO" ] || { echo "install-volumes: $ISO missing; run eng/guest/build.sh" >&2; exit 1; }
virsh() { command virsh -q -c "$URI" "$@"; }

# The image pool (the drivers' default image pool name), defined once and kept active. Its folder
# is made whether or not the definition exists: a kept definition whose folder was removed (a
# cleaned /var/lib/simplestack) would not start.
mkdir -p "$IMAGE_POOL_DIR"
if ! virsh pool-info "$IMAGE_POOL" >/dev/null 2>&1; then
  virsh pool-define-as "$IMAGE_POOL" dir --target "$IMAGE_POOL_DIR" >/dev/null
  virsh pool-autostart "$IMAGE_POOL" >/dev/null
fi
# Captured first: under pipefail, `virsh ... | grep -q` fails when grep exits before virsh has written all (SIGPIPE).
info=$(virsh pool-info "$IMAGE_POOL")
if ! grep -qE '^State:\s+running' <<<"$info"; then
  virsh pool-start "$IMAGE_POOL" >/dev/null
fi

size=$(stat -c %s "$ISO")
for pool in default "$IMAGE_POOL"; do
  virsh pool-refresh "$pool" >/dev/null
  current=$(virsh vol-info --bytes --pool "$pool" "$VOLUME" 2>/dev/null | awk '$1 == "Capacity:" { print $2 }' || true)
  if [ "$current" = "$size" ]; then
    continue
  fi
  if [ -n "$current" ]; then
    virsh vol-delete --pool "$pool" "$VOLUME" >/dev/null
  fi
  virsh vol-create-as "$pool" "$VOLUME" "$size" --format raw >/dev/null
  virsh vol-upload --pool "$pool" "$VOLUME" "$ISO"
  echo "install-volumes: $VOLUME uploaded to pool $pool" >&2
done
