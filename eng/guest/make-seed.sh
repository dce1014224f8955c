#!/usr/bin/env bash
# Builds a NoCloud seed ISO: ISO9660 (Joliet + Rock Ridge) volume labelled "cidata" holding
# user-data and meta-data, which cloud-init images and the Simplestack test guest read at boot.
#   eng/guest/make-seed.sh USERDATA_FILE METADATA_FILE OUT.iso
# Uses genisoimage, else xorriso's mkisofs emulation. Overwrites OUT.iso.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 USERDATA_FILE METADATA_FILE OUT.iso" >&2; exit 2
fi
userdata=$1 metadata=$2 out=$3
[ -f "$userdata" ] || { echo "make-seed: $userdata not found" >&2; exit 1; }
[ -f "$metadata" ] || { echo "make-seed: $metadata not found" >&2; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# NoCloud wants exactly these file names at the root of the volume.
cp "$userdata" "$dir/user-data"
cp "$metadata" "$dir/meta-data"

tmp="$out.tmp.$$"
if command -v genisoimage >/dev/null; then
  genisoimage -quiet -output "$tmp" -volid cidata -joliet -rock "$dir/user-data" "$dir/meta-data"
elif command -v xorriso >/dev/null; then
  xorriso -as mkisofs -quiet -o "$tmp" -V cidata -J -r "$dir/user-data" "$dir/meta-data" 2>/dev/null
else
  echo "make-seed: need genisoimage or xorriso (eng/substrate/install-packages.sh)" >&2; exit 1
fi
mv "$tmp" "$out"
