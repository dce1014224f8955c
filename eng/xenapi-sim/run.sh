#!/usr/bin/env bash
# Runs the XenAPI simulator in the foreground on https://127.0.0.1:PORT/ (self-signed certificate;
# a pool member answering HOST_IS_SLAVE listens on 127.0.0.2:PORT). Prints the URL once ready;
# stops on SIGTERM or Ctrl+C. Default credentials: root / simplestack.
#   eng/xenapi-sim/run.sh PORT [--vms N] [--no-sample-vms] [--user U --password P] [--http-port P] [--session-lifetime SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -lt 1 ]; then
  echo "usage: $0 PORT [--vms N] [--no-sample-vms] [--user U --password P] [--http-port P] [--session-lifetime SECONDS]" >&2
  exit 2
fi
project=tests/Simplestack.XenApi.Simulator
dll=$project/bin/Release/net10.0/Simplestack.XenApi.Simulator.dll
# Build when the binary is missing or older than any source of the project.
if [ ! -f "$dll" ] || [ -n "$(find "$project" -newer "$dll" \( -name '*.cs' -o -name '*.csproj' \) -not -path '*/obj/*' -print -quit)" ]; then
  dotnet build "$project" -c Release -v quiet -nologo >&2
fi
exec dotnet "$dll" "$@"
