#!/usr/bin/env bash
# Simplestack benchmark: one command, a few minutes, as root on Debian 12 with the .NET 10 SDK.
#
#   bench/run.sh                    # everything; the table is printed and written to bench/out/results.md
#   BENCH_SECONDS=10 bench/run.sh   # longer runs (default 5 s per measurement)
#   BENCH_SKIP="remote scaleout direct xen vmware events" bench/run.sh   # leave parts out
#   BENCH_GUEST_COUNTS="1000" bench/run.sh              # guest counts after the one-guest runs (default "1000 10000")
#   BENCH_ROUNDS=16 bench/run.sh                        # extra gateway/floor pairs at 64 connections (default 10, 3 s each: BENCH_PAIR_SECONDS)
#
# What it does (see bench/RESULTS.md for the why):
#   1. installs wrk, nginx and socat from Debian if missing; publishes the gateway (Release) and the
#      floor app (bench/Floor), builds bench/Direct;
#   2. starts the published gateway on loopback with its shipped configuration (request logging,
#      metrics and caller authentication at their defaults; stdout to a file, as a service would);
#   3. test hypervisor with 1, 1,000 and 10,000 guests (seeded through the API: POST /guests), wrk
#      on GET /test/default/guests at 1, 8 and 64 connections: requests/s, p50, p99, server RSS
#      (peak sampled) and CPU; hypervisor connections opened during the runs;
#   4. the floor: bench/Floor answering the gateway's own one-guest bytes from memory, same loads;
#   5. the limit: bench/Direct (BenchmarkDotNet) makes the list's libvirt calls in process;
#   6. remote transport: qemu+tcp to the substrate's libvirtd through a loopback TCP listener
#      (socat -> libvirtd's unix socket), counting TCP connections opened per request;
#   7. scale-out: two gateways behind nginx, both on the substrate's libvirtd (kvm/localhost), vs one;
#   8. xen: the guest list through the XenAPI simulator (eng/xenapi-sim/run.sh) at 1 and 1,000 VMs,
#      beside VM.get_all_records sent straight to it; XenAPI sessions opened during the runs;
#   9. vmware: the guest list through vcsim (eng/vcsim/run.sh) with its default 4 VMs and with 1,000
#      more, beside the RetrievePropertiesEx a list is made of sent straight to vcsim; vSphere
#      logins during the runs and the sessions vcsim holds after them;
#  10. events: GET /kvm/localhost/events with 1 and 100 subscribers while bench/Events defines and
#      undefines domains on the substrate's libvirtd directly, paced (20 changes/s: latency from the
#      libvirt call's return to each subscriber) and as fast as one caller can (events per second).
# Parts 6 and 7 need the substrate's libvirtd (eng/substrate/up.sh); without it they are skipped, said so.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${BENCH_OUT:-$ROOT/bench/out}
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
SKIP=" ${BENCH_SKIP:-} "
HOST=127.0.0.1
GW_PORT=18080 FLOOR_PORT=18090 REMOTE_GW_PORT=18081 SO_A=18082 SO_B=18083 NGINX_PORT=18088 LIBVIRT_TCP_PORT=16519
CONCURRENCY=(1 8 64)
TICKS=$(getconf CLK_TCK)
PIDS=()
BENCH_GUESTS_ON_LIBVIRTD=10

log() { echo "bench: $*" >&2; }
skip() { [[ "$SKIP" == *" $1 "* ]]; }

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ -s "$OUT/nginx.pid" ] && kill "$(cat "$OUT/nginx.pid")" 2>/dev/null || true
  if command -v virsh >/dev/null && [ -n "${LIBVIRTD_UP:-}" ]; then
    for i in $(seq -w 1 $BENCH_GUESTS_ON_LIBVIRTD); do virsh -q -c qemu:///system undefine "ssbench-$i" >/dev/null 2>&1 || true; done
  fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ 1. tools and builds
[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh: run as root (it installs Debian packages)" >&2; exit 1; }
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx)
command -v socat >/dev/null || missing+=(socat)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
"$ROOT/eng/install-deps.sh" >/dev/null 2>&1 || true # libvirt0 for the gateway

rm -rf "$OUT" && mkdir -p "$OUT"
log "publishing the gateway and the floor (Release)"
dotnet publish "$ROOT/src/Simplestack.Server" -c Release -o "$OUT/server" -v q -nologo >"$OUT/publish.log" 2>&1 || { cat "$OUT/publish.log"; exit 1; }
dotnet publish "$ROOT/bench/Floor" -c Release -o "$OUT/floor" -v q -nologo >>"$OUT/publish.log" 2>&1 || { cat "$OUT/publish.log"; exit 1; }
skip direct || dotnet build "$ROOT/bench/Direct" -c Release -o "$OUT/direct" -v q -nologo >>"$OUT/publish.log" 2>&1 || { cat "$OUT/publish.log"; exit 1; }
skip events || dotnet build "$ROOT/bench/Events" -c Release -o "$OUT/events" -v q -nologo >>"$OUT/publish.log" 2>&1 || { cat "$OUT/publish.log"; exit 1; }

# ------------------------------------------------------------------ helpers
start_gateway() { # start_gateway NAME PORT [ENV=VALUE...] -> pid in $STARTED
  local name=$1 port=$2; shift 2
  (cd "$OUT/server" && exec env ASPNETCORE_ENVIRONMENT=Production "$@" ./Simplestack.Server --urls "http://$HOST:$port" >"$OUT/$name.log" 2>&1) &
  STARTED=$!
  PIDS+=("$STARTED")
  wait_http "http://$HOST:$port/healthz"
}

wait_http() {
  for _ in $(seq 1 300); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "bench: $1 did not answer" >&2; exit 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# measure LABEL PID URL CONNECTIONS [wrk args...]: one wrk run, with the server's CPU and peak RSS.
measure() {
  local label=$1 pid=$2 url=$3 c=$4; shift 4
  local threads=$(( c < 2 ? 1 : 2 ))
  local t0 t1 peak=0 rss sampler result
  t0=$(cpu_ticks "$pid")
  # Reset before the sampler starts: reset after, it could wipe the sampler's first (and, with a
  # steady RSS, only) write and report no peak.
  echo 0 >"$OUT/.peak"
  ( peak=0; while kill -0 "$pid" 2>/dev/null; do rss=$(rss_kib "$pid"); [ "$rss" -gt "$peak" ] && peak=$rss && echo "$peak" >"$OUT/.peak"; sleep 0.2; done ) &
  sampler=$!
  result=$(wrk -t"$threads" -c"$c" -d"${SECONDS_PER_RUN}s" --timeout 10s -s "$ROOT/bench/wrk/report.lua" "$@" "$url" | grep '^WRK ')
  t1=$(cpu_ticks "$pid")
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  peak=$(cat "$OUT/.peak"); rss=$(rss_kib "$pid"); [ "$rss" -gt "$peak" ] && peak=$rss
  local secs cpu
  secs=$(sed -E 's/.* seconds=([0-9.]+).*/\1/' <<<"$result")
  cpu=$(awk -v d=$((t1 - t0)) -v hz="$TICKS" -v s="$secs" 'BEGIN {printf "%.2f", d / hz / s}')
  echo "$label c=$c $result server_cpu_cores=$cpu server_rss_mib=$((peak / 1024))" | tee -a "$OUT/raw.txt" >&2
}

warm() { wrk -t2 -c8 -d"${BENCH_WARM_SECONDS:-4}s" "$@" >/dev/null; } # JIT tiering settles in seconds

# seed_guests FROM TO: POST guests bench-FROM..bench-TO to the test hypervisor (every 10th started),
# 8 at a time, through the API like any client (about 1,000 a second here).
seed_guests() {
  local from=$1 to=$2 cfg="$OUT/seed.curl" started=$SECONDS codes
  awk -v from="$from" -v to="$to" -v url="http://$HOST:$GW_PORT/test/default/guests" 'BEGIN {
    for (i = from; i <= to; i++) {
      if (i > from) print "next"
      printf "url = \"%s\"\nrequest = \"POST\"\nheader = \"Content-Type: application/json\"\n", url
      printf "data = \"{\\\"name\\\":\\\"bench-%05d\\\",\\\"memory\\\":64,\\\"cpus\\\":1,\\\"start\\\":%s}\"\n", i, (i % 10 == 0 ? "true" : "false")
      print "output = \"/dev/null\""
      print "write-out = \"%{http_code}\\n\""
    }
  }' >"$cfg"
  codes=$(curl -s --no-progress-meter --parallel --parallel-max 8 -K "$cfg" | sort | uniq -c | tr -s ' \n' ' ')
  log "seeded bench-$from..bench-$to in $((SECONDS - started)) s (HTTP status counts:$codes)"
  [[ "$codes" =~ ^\ [0-9]+\ 201\ $ ]] || { echo "bench: seeding failed:$codes" >&2; exit 1; }
}

guest_count() { curl -fs "$1" | grep -o '"id":' | wc -l; }
opened() { grep -c 'Opened a connection' "$OUT/$1.log" || true; }

# ------------------------------------------------------------------ 2-4. test hypervisor: 1, 1,000, 10,000 guests, and the floor
: >"$OUT/raw.txt"
{
  echo "machine: $(nproc) cores, $(awk '/model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB"
  echo "kernel: $(uname -r); $(. /etc/os-release; echo "$PRETTY_NAME"); dotnet $(dotnet --version); libvirt $(virsh --version 2>/dev/null || echo '?'); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); nginx $(nginx -v 2>&1 | cut -d/ -f2)"
  echo "seconds per run: $SECONDS_PER_RUN; wrk threads: 1 at 1 connection, else 2; load generator on the same cores"
} | tee "$OUT/machine.txt" >&2

log "gateway: test hypervisor"
start_gateway gateway "$GW_PORT"
GW=$STARTED
LIST="http://$HOST:$GW_PORT/test/default/guests"
curl -fs -o /dev/null "$LIST"  # the first list fills the inventory; addresses follow within seconds
warm "$LIST"
curl -fs "$LIST" >"$OUT/body-1.json"
log "floor: the same $(wc -c <"$OUT/body-1.json") bytes from memory (measured alternately with the gateway)"
(cd "$OUT/floor" && exec ./Floor "$OUT/body-1.json" "http://$HOST:$FLOOR_PORT" >"$OUT/floor.log" 2>&1) &
FLOOR=$!; PIDS+=("$FLOOR")
FLIST="http://$HOST:$FLOOR_PORT/test/default/guests"
wait_http "$FLIST"
cmp -s "$OUT/body-1.json" <(curl -fs "$FLIST") || { echo "bench: the floor's bytes differ from the gateway's" >&2; exit 1; }
warm "$FLIST"
opened_before=$(opened gateway)
for c in "${CONCURRENCY[@]}"; do
  measure "gateway guests=1" "$GW" "$LIST" "$c"
  measure "floor guests=1" "$FLOOR" "$FLIST" "$c"
done
# The 80%-of-floor target at 64 connections: this shared machine's speed drifts by 25% within
# seconds, so one pair proves little. More pairs, shorter and alternating (each pair sees nearly the
# same machine); the target uses the median of all pairs' ratios (table.sh).
for r in $(seq 1 "${BENCH_ROUNDS:-10}"); do
  SECONDS_PER_RUN=${BENCH_PAIR_SECONDS:-3} measure "gateway-pair guests=1" "$GW" "$LIST" 64
  SECONDS_PER_RUN=${BENCH_PAIR_SECONDS:-3} measure "floor-pair guests=1" "$FLOOR" "$FLIST" 64
done
cmp -s "$OUT/body-1.json" <(curl -fs "$LIST") || { echo "bench: the gateway's one-guest list changed during the runs" >&2; exit 1; }
echo "new-connections guests=1 $(( $(opened gateway) - opened_before ))" >>"$OUT/raw.txt"
kill "$FLOOR"; wait "$FLOOR" 2>/dev/null || true

for target in ${BENCH_GUEST_COUNTS-1000 10000}; do
  have=$(guest_count "$LIST")
  seed_guests "$have" "$((target - 1))"
  n=$(guest_count "$LIST"); [ "$n" -eq "$target" ] || { echo "bench: expected $target guests, the list has $n" >&2; exit 1; }
  curl -fs -o "$OUT/body-$target.json" "$LIST"
  warm "$LIST"
  opened_before=$(opened gateway)
  for c in "${CONCURRENCY[@]}"; do measure "gateway guests=$target" "$GW" "$LIST" "$c"; done
  echo "new-connections guests=$target $(( $(opened gateway) - opened_before ))" >>"$OUT/raw.txt"
done
echo "body-bytes$(for f in "$OUT"/body-*.json; do n=${f##*/body-}; printf ' guests=%s %s' "${n%.json}" "$(wc -c <"$f")"; done)" >>"$OUT/raw.txt"
echo "gateway-rss-at-end guests=$(guest_count "$LIST") $(( $(rss_kib "$GW") / 1024 ))" >>"$OUT/raw.txt"
kill "$GW"; wait "$GW" 2>/dev/null || true

# ------------------------------------------------------------------ 5. the limit: the libvirt calls in process
if ! skip direct; then
  log "direct: BenchmarkDotNet, the list's libvirt calls in process"
  (cd "$OUT" && "$OUT/direct/Direct" --filter '*' >"$OUT/direct.log" 2>&1) || { tail -30 "$OUT/direct.log"; exit 1; }
  grep '^DIRECT ' "$OUT/direct.log" | tee -a "$OUT/raw.txt" >&2
fi

# ------------------------------------------------------------------ 6-7. the substrate's libvirtd
if virsh -q -c qemu:///system uri >/dev/null 2>&1; then
  LIBVIRTD_UP=1
  for i in $(seq -w 1 $BENCH_GUESTS_ON_LIBVIRTD); do
    virsh -q -c qemu:///system undefine "ssbench-$i" >/dev/null 2>&1 || true
    echo "<domain type='qemu'><name>ssbench-$i</name><memory unit='MiB'>32</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>" >"$OUT/ssbench.xml"
    virsh -q -c qemu:///system define "$OUT/ssbench.xml" >/dev/null
  done
else
  log "no libvirtd answers qemu:///system (run eng/substrate/up.sh): remote, scale-out and events parts skipped"
  SKIP="$SKIP remote scaleout events "
fi

if ! skip remote; then
  # qemu+tcp: libvirt's remote protocol over a real TCP connection on loopback. socat accepts on
  # 127.0.0.1 and relays each TCP connection to libvirtd's unix socket, so the substrate's daemon
  # (unix socket only, see eng/substrate/up.sh) is not reconfigured; socat logs every accept.
  log "remote: qemu+tcp://$HOST:$LIBVIRT_TCP_PORT through a loopback TCP listener"
  socat -d -d "TCP-LISTEN:$LIBVIRT_TCP_PORT,bind=$HOST,reuseaddr,fork" UNIX-CONNECT:/run/libvirt/libvirt-sock 2>"$OUT/socat.log" &
  PIDS+=("$!")
  sleep 0.3
  start_gateway gateway-remote "$REMOTE_GW_PORT" \
    Simplestack__Libvirt__RemoteTransport=tcp Simplestack__AllowedTargets__0="kvm/$HOST:$LIBVIRT_TCP_PORT"
  RGW=$STARTED
  RLIST="http://$HOST:$REMOTE_GW_PORT/kvm/$HOST:$LIBVIRT_TCP_PORT/guests"
  TOKEN="x-simplestack-hypervisor-token: $(printf 'bench:unused' | base64)"
  curl -fs -H "$TOKEN" -o "$OUT/body-remote.json" "$RLIST" || { echo "bench: the remote list failed:"; curl -s -H "$TOKEN" "$RLIST"; tail -5 "$OUT/gateway-remote.log"; exit 1; } >&2
  warm -H "$TOKEN" "$RLIST"
  accepts_before=$(grep -c 'accepting connection' "$OUT/socat.log" || true)
  for c in 1 8; do measure "remote-tcp guests=$(grep -o '"id":' "$OUT/body-remote.json" | wc -l)" "$RGW" "$RLIST" "$c" -H "$TOKEN"; done
  accepts_after=$(grep -c 'accepting connection' "$OUT/socat.log" || true)
  requests=$(grep '^remote-tcp' "$OUT/raw.txt" | sed -E 's/.* requests=([0-9]+).*/\1/' | awk '{s += $1} END {print s}')
  echo "remote-connections total_accepted=$accepts_after during_runs=$((accepts_after - accepts_before)) requests=$requests gateway_opened=$(opened gateway-remote)" | tee -a "$OUT/raw.txt" >&2
  kill "$RGW"; wait "$RGW" 2>/dev/null || true
fi

if ! skip scaleout; then
  log "scale-out: two gateways behind nginx vs one, on kvm/localhost"
  start_gateway gateway-a "$SO_A"; A=$STARTED
  start_gateway gateway-b "$SO_B"; B=$STARTED
  KPATH=/kvm/localhost/guests
  cat >"$OUT/nginx.conf" <<EOF
worker_processes 2;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  upstream one { server $HOST:$SO_A; keepalive 64; }
  upstream two { server $HOST:$SO_A; server $HOST:$SO_B; keepalive 64; }
  server { listen $HOST:$NGINX_PORT;       location / { proxy_pass http://two; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  server { listen $HOST:$((NGINX_PORT + 1)); location / { proxy_pass http://one; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
EOF
  nginx -c "$OUT/nginx.conf" -p "$OUT"
  for port in $SO_A $SO_B $NGINX_PORT $((NGINX_PORT + 1)); do curl -fs -o /dev/null "http://$HOST:$port$KPATH"; done
  n=$(guest_count "http://$HOST:$SO_A$KPATH")
  warm "http://$HOST:$SO_A$KPATH"; warm "http://$HOST:$NGINX_PORT$KPATH"
  measure "scaleout-one-direct guests=$n" "$A" "http://$HOST:$SO_A$KPATH" 64
  measure "scaleout-nginx-one guests=$n" "$A" "http://$HOST:$((NGINX_PORT + 1))$KPATH" 64
  answered() { grep -c 'answered 200' "$OUT/$1.log" || true; }
  a0=$(answered gateway-a) b0=$(answered gateway-b)
  measure "scaleout-nginx-two guests=$n" "$A" "http://$HOST:$NGINX_PORT$KPATH" 64
  sleep 0.5 # the access logs are written in batches
  echo "scaleout-split during-nginx-two gateway_a_requests=$(( $(answered gateway-a) - a0 )) gateway_b_requests=$(( $(answered gateway-b) - b0 ))" | tee -a "$OUT/raw.txt" >&2
  kill "$(cat "$OUT/nginx.pid")"; rm -f "$OUT/nginx.pid"
fi

# ------------------------------------------------------------------ 8. xen: the guest list through the XenAPI simulator
# The gateway on xen/127.0.0.1:XEN_PORT (eng/xenapi-sim/run.sh, its certificate pinned) at 1 and
# 1,000 VMs, next to the call a list is made of sent straight to the simulator with one session
# (VM.get_all_records over JSON-RPC, same TLS, same loads): what a client pays without the gateway.
if ! skip xen; then
  XEN_PORT=18443 XEN_GW_PORT=18084
  XEN_TOKEN=$(printf 'root:simplestack' | base64)
  XH=(-H "x-simplestack-hypervisor-token: $XEN_TOKEN")
  dotnet build "$ROOT/tests/Simplestack.XenApi.Simulator" -c Release -v q -nologo >>"$OUT/publish.log" 2>&1 || { cat "$OUT/publish.log"; exit 1; }
  for n in 1 ${BENCH_XEN_VMS-1000}; do
    : >"$OUT/xensim.url"
    "$ROOT/eng/xenapi-sim/run.sh" "$XEN_PORT" --no-sample-vms --vms "$n" >"$OUT/xensim.url" 2>"$OUT/xensim.err" &
    SIM=$!
    PIDS+=("$SIM")
    for _ in $(seq 1 600); do [ -s "$OUT/xensim.url" ] && break; sleep 0.1; done
    PIN=$(sed -nE 's/.*certificate sha256 ([0-9A-Fa-f]+).*/\1/p' "$OUT/xensim.err")
    [ -n "$PIN" ] || { echo "bench: the XenAPI simulator did not start:" >&2; cat "$OUT/xensim.err" >&2; exit 1; }
    start_gateway "gateway-xen-$n" "$XEN_GW_PORT" "Simplestack__AllowedTargets__0=xen/127.0.0.1:$XEN_PORT" "Simplestack__XenApi__CertificatePins__127.0.0.1:$XEN_PORT=$PIN"
    XGW=$STARTED
    XLIST="http://$HOST:$XEN_GW_PORT/xen/127.0.0.1:$XEN_PORT/guests"
    got=$(curl -fs "${XH[@]}" "$XLIST" | grep -o '"id":' | wc -l)
    [ "$got" -eq "$n" ] || { echo "bench: the xen list has $got guests, not $n" >&2; exit 1; }
    warm "${XH[@]}" "$XLIST"
    o0=$(opened "gateway-xen-$n")
    for c in "${CONCURRENCY[@]}"; do measure "xen-gateway guests=$n" "$XGW" "$XLIST" "$c" "${XH[@]}"; done
    echo "xen-new-connections guests=$n opened_during_runs=$(( $(opened "gateway-xen-$n") - o0 )) (each one XenAPI session)" | tee -a "$OUT/raw.txt" >&2

    SESSION=$(curl -sk -H 'Content-Type: application/json' \
      -d '{"jsonrpc":"2.0","method":"session.login_with_password","params":["root","simplestack","1.1","bench"],"id":1}' \
      "https://127.0.0.1:$XEN_PORT/jsonrpc" | sed -nE 's/.*"result":"([^"]+)".*/\1/p')
    export WRK_BODY="{\"jsonrpc\":\"2.0\",\"method\":\"VM.get_all_records\",\"params\":[\"$SESSION\"],\"id\":1}"
    warm -s "$ROOT/bench/wrk/report.lua" "https://127.0.0.1:$XEN_PORT/jsonrpc"
    for c in "${CONCURRENCY[@]}"; do measure "xen-direct guests=$n" "$SIM" "https://127.0.0.1:$XEN_PORT/jsonrpc" "$c"; done
    unset WRK_BODY
    kill "$XGW" "$SIM"; wait "$XGW" "$SIM" 2>/dev/null || true
  done
fi

# ------------------------------------------------------------------ 9. vmware: the guest list through vcsim
# The gateway on vmware/127.0.0.1:VC_PORT (eng/vcsim/run.sh as vCenter, its certificate pinned) with
# vcsim's own 4 VMs and with BENCH_VMWARE_VMS (1,000) more, next to what a list costs without the
# gateway: one RetrievePropertiesEx over a ContainerView of the VMs and hosts (the same properties
# the driver reads), sent straight to vcsim in one logged-in session, same TLS, same loads.
if ! skip vmware; then
  VC_PORT=18444 VC_GW_PORT=18085
  VH=(-H "x-simplestack-hypervisor-token: $(printf 'root:simplestack' | base64)")
  soap() { # soap COOKIE_ARGS... BODY_XML -> the answer
    local body=${*: -1}
    curl -sk "${@:1:$#-1}" -H 'Content-Type: text/xml; charset=utf-8' -H 'SOAPAction: "urn:vim25/6.5"' \
      -d "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body>$body</soapenv:Body></soapenv:Envelope>" \
      "https://127.0.0.1:$VC_PORT/sdk"
  }
  for extra in 0 ${BENCH_VMWARE_VMS-1000}; do
    : >"$OUT/vcsim.url"
    "$ROOT/eng/vcsim/run.sh" "$VC_PORT" --vms "$extra" >"$OUT/vcsim.url" 2>"$OUT/vcsim.err" &
    VC=$!
    PIDS+=("$VC")
    for _ in $(seq 1 1200); do [ -s "$OUT/vcsim.url" ] && break; sleep 0.1; done
    PIN=$(sed -nE 's/.*certificate sha256 ([0-9A-Fa-f]+).*/\1/p' "$OUT/vcsim.err")
    [ -n "$PIN" ] || { echo "bench: vcsim did not start:" >&2; cat "$OUT/vcsim.err" >&2; exit 1; }
    n=$((extra + 4))
    start_gateway "gateway-vmware-$n" "$VC_GW_PORT" "Simplestack__AllowedTargets__0=vmware/127.0.0.1:$VC_PORT" "Simplestack__VSphere__CertificatePins__127.0.0.1:$VC_PORT=$PIN"
    VGW=$STARTED
    VLIST="http://$HOST:$VC_GW_PORT/vmware/127.0.0.1:$VC_PORT/guests"
    got=$(curl -fs "${VH[@]}" "$VLIST" | grep -o '"id":' | wc -l)
    [ "$got" -eq "$n" ] || { echo "bench: the vmware list has $got guests, not $n" >&2; exit 1; }
    warm "${VH[@]}" "$VLIST"
    o0=$(opened "gateway-vmware-$n")
    for c in "${CONCURRENCY[@]}"; do measure "vmware-gateway guests=$n" "$VGW" "$VLIST" "$c" "${VH[@]}"; done
    echo "vmware-new-connections guests=$n opened_during_runs=$(( $(opened "gateway-vmware-$n") - o0 )) (each one vSphere login)" | tee -a "$OUT/raw.txt" >&2

    COOKIE=$(soap -D - '<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>root</userName><password>simplestack</password></Login>' \
      | sed -nE 's/^[Ss]et-[Cc]ookie: (vmware_soap_session=[^;]+).*/\1/p')
    [ -n "$COOKIE" ] || { echo "bench: could not log in to vcsim" >&2; exit 1; }
    VIEW=$(soap -H "Cookie: $COOKIE" '<CreateContainerView xmlns="urn:vim25"><_this type="ViewManager">ViewManager</_this><container type="Folder">group-d1</container><type>VirtualMachine</type><type>HostSystem</type><recursive>true</recursive></CreateContainerView>' \
      | sed -nE 's/.*<returnval type="ContainerView">([^<]+)<.*/\1/p')
    PATHS=""
    for p in name config.uuid config.instanceUuid config.template config.hardware.numCPU config.hardware.memoryMB config.hardware.device runtime.powerState runtime.host guest.ipAddress guest.toolsStatus; do PATHS="$PATHS<pathSet>$p</pathSet>"; done
    export WRK_CONTENT_TYPE='text/xml; charset=utf-8'
    export WRK_BODY="<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><soapenv:Body><RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">propertyCollector</_this><specSet><propSet><type>VirtualMachine</type><all>false</all>$PATHS</propSet><propSet><type>HostSystem</type><all>false</all><pathSet>name</pathSet></propSet><objectSet><obj type=\"ContainerView\">$VIEW</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet><options/></RetrievePropertiesEx></soapenv:Body></soapenv:Envelope>"
    DH=(-H "Cookie: $COOKIE" -H 'SOAPAction: "urn:vim25/6.5"')
    direct=$(curl -sk "${DH[@]}" -H "Content-Type: $WRK_CONTENT_TYPE" -d "$WRK_BODY" "https://127.0.0.1:$VC_PORT/sdk" | grep -o '<objects>' | wc -l)
    [ "$direct" -ge "$n" ] || { echo "bench: the direct RetrievePropertiesEx answered $direct objects, not $n VMs and their hosts" >&2; exit 1; }
    warm -s "$ROOT/bench/wrk/report.lua" "${DH[@]}" "https://127.0.0.1:$VC_PORT/sdk"
    for c in "${CONCURRENCY[@]}"; do measure "vmware-direct guests=$n" "$VC" "https://127.0.0.1:$VC_PORT/sdk" "$c" "${DH[@]}"; done
    unset WRK_BODY WRK_CONTENT_TYPE
    sessions=$(soap -H "Cookie: $COOKIE" '<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">propertyCollector</_this><specSet><propSet><type>SessionManager</type><pathSet>sessionList</pathSet></propSet><objectSet><obj type="SessionManager">SessionManager</obj></objectSet></specSet><options/></RetrievePropertiesEx>' \
      | grep -o '<key>' | wc -l)
    echo "vmware-sessions guests=$n held_by_vcsim_after_runs=$sessions (the gateway's and the direct client's)" | tee -a "$OUT/raw.txt" >&2
    kill "$VGW" "$VC"; wait "$VGW" "$VC" 2>/dev/null || true
  done
fi

# ------------------------------------------------------------------ 10. events: delivery to 1 and 100 subscribers
if ! skip events; then
  log "events: changes on libvirtd seen through GET /kvm/localhost/events"
  start_gateway gateway-events "$SO_A"; EV=$STARTED
  for subscribers in 1 100; do
    for rate in 20 0; do
      "$OUT/events/Events" --gateway "http://$HOST:$SO_A" --subscribers "$subscribers" --seconds "$SECONDS_PER_RUN" --rate "$rate" \
        2>>"$OUT/events.log" | tee -a "$OUT/raw.txt" >&2 || true
    done
  done
  echo "events-gateway rss_mib=$(( $(rss_kib "$EV") / 1024 ))" | tee -a "$OUT/raw.txt" >&2
  kill "$EV"; wait "$EV" 2>/dev/null || true
fi

# ------------------------------------------------------------------ the table
"$ROOT/bench/scripts/table.sh" "$OUT" | tee "$OUT/results.md"
# The gateways' logs hold one JSON line per request (the default request log): keep the rest.
for f in "$OUT"/gateway*.log; do grep -v 'answered 200 in' "$f" >"$f.kept" || true; rm -f "$f"; done
