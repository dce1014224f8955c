#!/usr/bin/env bash
# Runs every test project of the solution, after installing what the tests need.
# Ends with one line summing all projects: "N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

eng/install-deps.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT

set +e
dotnet test --solution Simplestack.slnx 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# Microsoft.Testing.Platform closes a solution run with a summary: total / failed / succeeded / skipped.
summary() { grep -E "^\s*$1:\s*[0-9]+" "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0; }
passed=$(summary succeeded)
failed=$(summary failed)
skipped=$(summary skipped)

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build or the runner failed before any test result: count it as a failure.
  failed=1
fi

echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
