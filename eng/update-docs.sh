#!/usr/bin/env bash
# Rewrites the generated documents that are checked in: docs/openapi.json (the build generates
# it) and docs/drivers.md (the support matrix, rendered by the test that also checks it).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/Simplestack.Server.Tests >/dev/null
SIMPLESTACK_UPDATE_DOCS=1 dotnet test --project tests/Simplestack.Server.Tests --no-build -- \
  --filter-class Simplestack.Server.Tests.Http.DriversTests >/dev/null
git status --short docs/
