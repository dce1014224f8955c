#!/usr/bin/env bash
# Runs VMware's simulator (vcsim) in the foreground on https://127.0.0.1:PORT/sdk, as vCenter or,
# with --esx, a standalone ESX host; --vms N adds N powered-on VMs (bench-0001 ...) to the default
# inventory. Prints the URL once it answers, and a line "vcsim: ... certificate sha256 HEX" on
# stderr (the pin the gateway needs); stops on SIGTERM or Ctrl+C, removing its datastore files.
# Default credentials: root / simplestack. --tls-cert/--tls-key serve that certificate instead of
# one made for the run (a restart then keeps the pin, as a real host's certificate stays).
#   eng/vcsim/run.sh PORT [--esx] [--vms N] [--user U] [--password P] [--tls-cert PEM --tls-key PEM]
#   eng/vcsim/run.sh --build-only      (installs and builds, prints the binary's path)
# Installs Go and govmomi from Debian when missing; builds eng/vcsim/main.go once into
# ${XDG_CACHE_HOME:-~/.cache}/simplestack/vcsim/<hash>/vcsim (see eng/vcsim/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
  echo "usage: $0 PORT [--esx] [--vms N] [--user U] [--password P] [--tls-cert PEM --tls-key PEM] | --build-only" >&2
  exit 2
}
number() { [[ "$1" =~ ^[0-9]+$ ]] || usage; }

[ $# -ge 1 ] || usage
build_only=false
arguments=()
if [ "$1" = --build-only ]; then
  [ $# -eq 1 ] || usage
  build_only=true
else
  number "$1"
  arguments=(-port "$1")
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --esx) arguments+=(-esx); shift ;;
      --vms) [ $# -ge 2 ] || usage; number "$2"; arguments+=(-vms "$2"); shift 2 ;;
      --user) [ $# -ge 2 ] || usage; arguments+=(-user "$2"); shift 2 ;;
      --password) [ $# -ge 2 ] || usage; arguments+=(-password "$2"); shift 2 ;;
      --tls-cert) [ $# -ge 2 ] || usage; tls_cert=$2; arguments+=(-tlscert "$2"); shift 2 ;;
      --tls-key) [ $# -ge 2 ] || usage; tls_key=$2; arguments+=(-tlskey "$2"); shift 2 ;;
      *) usage ;;
    esac
  done
  # Both or neither.
  if [[ -n ${tls_cert:-} && -z ${tls_key:-} || -z ${tls_cert:-} && -n ${tls_key:-} ]]; then usage; fi
fi

packages=(golang-go golang-github-vmware-govmomi-dev)
eng/install-deps.sh --only "${packages[@]}"

# One build per version of main.go and of the Debian packages it is built from.
cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/simplestack/vcsim
hash=$( { cat eng/vcsim/main.go; dpkg-query -W "${packages[@]}"; } | sha256sum | cut -c1-16)
binary=$cache/$hash/vcsim
if [ ! -x "$binary" ]; then
  mkdir -p "$cache"
  # Parallel first runs wait for one build instead of racing.
  exec 9>"$cache/lock"
  flock 9
  if [ ! -x "$binary" ]; then
    echo "vcsim: building $binary (once; a minute or two) ..." >&2
    mkdir -p "$cache/$hash"
    # Debian's Go library tree, without modules (no module proxy is needed); the Go build cache
    # and GOPATH stay in the cache folder, out of the repository. CGO_ENABLED=0: no C compiler.
    GO111MODULE=off GOPATH="$cache/gopath:/usr/share/gocode" GOCACHE="$cache/go-build" CGO_ENABLED=0 \
      go build -o "$binary.tmp" eng/vcsim/main.go >&2
    mv "$binary.tmp" "$binary"
    # Builds of older versions are of no further use.
    find "$cache" -mindepth 1 -maxdepth 1 -type d -name '????????????????' ! -name "$hash" -exec rm -rf {} +
  fi
  exec 9>&-
fi

if $build_only; then
  echo "$binary"
  exit 0
fi
# exec: the simulator gets this process id, so SIGTERM sent to it reaches the simulator.
exec "$binary" "${arguments[@]}"
