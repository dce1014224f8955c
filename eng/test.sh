#!/usr/bin/env bash
# Runs every test project of the solution, after installing and starting what the tests need:
# libvirt's client library for the embedded test hypervisor, and, as root, the real substrate
# (libvirtd with QEMU and LXC, Open vSwitch, a network namespace) and the small test guest.
# Ends with one line summing all projects: "N passed, N failed, N skipped".
#
# Tests run inside the substrate's network namespace, so guests' addresses are reachable and no
# packet leaves the machine. Without root the substrate cannot start: integration tests then
# skip with the reason, except in CI (CI=true), where they fail.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's Libcloud, paramiko and pytest for the Python driver's tests (under /usr/bin/python3),
# venv and wheel for the test that pip-installs the driver into a virtual environment, zsh (bash
# is there) for the CLI's shell completion tests, os-xenapi's XenAPI.py (one of the independent
# clients that prove the XenAPI simulator), xva-img (which unpacks the simulator's XVA exports on
# its own), Node.js with npm for the other client, for the contract's lint and for the generated
# TypeScript client, Go and govmomi for vcsim, pyVmomi (the client that checks it), nginx (the
# proxy a followed long request must get through), and Chromium with its WebDriver (the browser
# that opens the console page's consoles, ConsolePageTests).
eng/install-deps.sh python3-libcloud python3-paramiko python3-pytest python3-venv python3-wheel zsh \
  python3-os-xenapi xva-img openssl node golang-go golang-github-vmware-govmomi-dev python3-pyvmomi nginx \
  chromium chromium-driver

# vcsim's launcher is built once here, so that test projects starting vcsim in parallel find it
# built. A failed build makes the tests that use vcsim fail, not the whole run.
eng/vcsim/run.sh --build-only >/dev/null \
  || echo "eng/test.sh: building vcsim failed; the tests that use it will fail." >&2

# npm packages at the versions their lock files pin, outside the namespace (they need the
# registry): Xen Orchestra's xen-api for the simulator's tests, Redocly CLI for OpenApiLintTests,
# openapi-typescript, openapi-fetch and TypeScript for GeneratedClientSmokeTests, noVNC, xterm.js
# and esbuild for the console page (the server's build bundles it; it would run npm ci itself),
# puppeteer-core for ConsolePageTests.
# A failed install makes those tests fail (or skip outside CI), not the whole run.
for folder in tests/Simplestack.XenApi.Simulator.Tests/js eng/openapi-lint eng/ts-client \
  src/Simplestack.Ui tests/Simplestack.IntegrationTests/browser; do
  (cd "$folder" && npm ci --no-audit --no-fund --loglevel=error) \
    || echo "eng/test.sh: npm ci in $folder failed; the tests that use it will fail." >&2
done

in_namespace=()
if [ "$(id -u)" -eq 0 ]; then
  eng/substrate/install-packages.sh
  eng/substrate/up.sh
  export SIMPLESTACK_GUEST_DIR
  SIMPLESTACK_GUEST_DIR=$(eng/guest/build.sh)
  # Volumes several test projects use at once are made here, before any of them starts.
  eng/guest/install-volumes.sh "$SIMPLESTACK_GUEST_DIR"
  in_namespace=(ip netns exec "${SIMPLESTACK_NS:-simplestack}")
  export SIMPLESTACK_SUBSTRATE=1
else
  echo "eng/test.sh: not root, so the real-hypervisor substrate is not started; integration tests will skip." >&2
fi

if [ "${CI:-}" = "true" ]; then
  export SIMPLESTACK_REQUIRE_SUBSTRATE=1
fi

log=$(mktemp)
pylog=$(mktemp)
trap 'rm -f "$log" "$pylog"' EXIT

# Build outside the namespace (restore needs the package registry), test inside it.
set +e
py_status=0
dotnet build Simplestack.slnx >"$log" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
  cat "$log"
else
  tail -n 3 "$log"
  "${in_namespace[@]}" dotnet test --solution Simplestack.slnx --no-build 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  # The Python Libcloud driver's tests start the server built above as a process.
  "${in_namespace[@]}" /usr/bin/python3 -m pytest -q -p no:cacheprovider clients/libcloud 2>&1 | tee "$pylog"
  py_status=${PIPESTATUS[0]}
fi
set -e

# Microsoft.Testing.Platform closes a solution run with a summary: total / failed / succeeded / skipped.
summary() { grep -E "^\s*$1:\s*[0-9]+" "$log" | tail -n 1 | grep -oE '[0-9]+' || echo 0; }
# pytest closes with a line like "20 passed, 1 failed, 4 skipped in 12.3s".
pytest_count() { tail -n 1 "$pylog" | grep -oE "[0-9]+ $1" | grep -oE '[0-9]+' || echo 0; }

passed=$(( $(summary succeeded) + $(pytest_count passed) ))
failed=$(( $(summary failed) + $(pytest_count failed) + $(pytest_count error) ))
skipped=$(( $(summary skipped) + $(pytest_count skipped) ))

if { [ "$status" -ne 0 ] || [ "$py_status" -ne 0 ]; } && [ "$failed" -eq 0 ]; then
  # The build or a runner failed before any test result: count it as a failure.
  failed=1
fi

# A run's output is long and often read only from its end: repeat each failed test's name and
# first lines of its message just above the summary.
if grep -qE '^\s*failed ' "$log"; then
  echo "Failed tests:"
  grep -A 8 -E '^\s*failed ' "$log" | cut -c1-300
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ]; then
  exit "$status"
fi
exit "$py_status"
