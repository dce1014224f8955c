#!/usr/bin/env bash
# A bounded soak of the gateway: mixed requests (reads, creates and deletes with tags and
# snapshots, errors, /metrics, /readyz) on the embedded test hypervisor for SOAK_SECONDS
# (default 300), with an API key configured, on 127.0.0.1 only. Records the gateway's RSS and
# open file descriptors at start (after a warm-up) and end, samples them every 10 s, greps the
# gateway's whole log for the API key, and appends a section to bench/RESULTS.md.
#   bench/soak/run.sh                 # 5 minutes
#   SOAK_SECONDS=60 bench/soak/run.sh # shorter
set -euo pipefail
cd "$(dirname "$0")/../.."

SECONDS_TO_RUN=${SOAK_SECONDS:-300}
PORT=${SOAK_PORT:-18090}
WORKERS=${SOAK_WORKERS:-8}
OUT=bench/soak/out
mkdir -p "$OUT"

dotnet build -c Release src/Simplestack.Server -v q -nologo >/dev/null
KEY=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
HASH="sha256:$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)"

LOG="$OUT/gateway.log"
(cd src/Simplestack.Server/bin/Release/net10.0 &&  # content root: its appsettings.json
  exec env Simplestack__Security__ApiKeys__0__Name=soak Simplestack__Security__ApiKeys__0__Hash="$HASH" \
  dotnet Simplestack.Server.dll --urls "http://127.0.0.1:$PORT") >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 0.2
done

SOAK_KEY="$KEY" python3 bench/soak/soak.py --base "http://127.0.0.1:$PORT" --pid "$PID" \
  --seconds "$SECONDS_TO_RUN" --workers "$WORKERS" --out "$OUT/result.json"

kill "$PID"; wait "$PID" 2>/dev/null || true
trap - EXIT
leaks=$(grep -cF -- "$KEY" "$LOG" || true)
python3 bench/soak/report.py "$OUT/result.json" "$leaks" "$(wc -l <"$LOG")" | tee "$OUT/section.md"
if [ -z "${SOAK_NO_APPEND:-}" ]; then cat "$OUT/section.md" >>bench/RESULTS.md; fi
