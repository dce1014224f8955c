#!/usr/bin/env bash
# Starts the gateway on the embedded test hypervisor with everything it needs installed.
#   eng/run.sh                      -> http://127.0.0.1:8080
#   eng/run.sh --urls http://127.0.0.1:9000
set -euo pipefail
cd "$(dirname "$0")/.."

# Node.js and npm: the build bundles the console page (/ui/) with them.
eng/install-deps.sh node

args=("$@")
if [[ " ${args[*]-} " != *" --urls "* ]]; then
  args+=(--urls "http://127.0.0.1:8080")
fi

exec dotnet run --project src/Simplestack.Server -c Release -- "${args[@]}"
