#!/usr/bin/env bash
# Installs the native packages the gateway and its tests need on Debian 12, once.
# Idempotent: packages already installed are left alone and apt is not touched.
#   libvirt0     libvirt's client library, with the embedded test driver (test:///default)
#   libvirt-dev  /usr/share/libvirt/api/libvirt-api.xml, which the binding's tests check against
#   genisoimage  builds the NoCloud seed ISO for user_data and ssh_keys
# Arguments name more packages; the word "node" asks for Node.js and npm (eng/test.sh runs Redocly
# CLI, the OpenAPI contract's linter, with them): Debian's nodejs and npm, each only when no node or
# npm is on PATH (a machine may have its own Node.js, whose package bundles npm, which Debian's npm
# would conflict with). A first argument --only leaves out the three above (eng/vcsim/run.sh
# installs just Go and govmomi that way).
set -euo pipefail

packages=(libvirt0 libvirt-dev genisoimage)
if [ "${1:-}" = --only ]; then
  packages=()
  shift
fi
for argument in "$@"; do
  if [ "$argument" = node ]; then
    command -v node >/dev/null || packages+=(nodejs)
    command -v npm >/dev/null || packages+=(npm)
  else
    packages+=("$argument")
  fi
done
missing=()
for package in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "error: missing Debian packages: ${missing[*]}; run this script as root (or with passwordless sudo)." >&2
    exit 1
  fi
fi

echo "Installing ${missing[*]} ..." >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
