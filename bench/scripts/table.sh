#!/usr/bin/env bash
# Turns bench/out/raw.txt (written by bench/run.sh) into the markdown table and the target ratios.
#   bench/scripts/table.sh OUT_DIR
set -euo pipefail
OUT=$1
RAW="$OUT/raw.txt"

field() { sed -nE "s/.* $1=([^ ]+).*/\\1/p" <<<"$2"; }
row() { grep -E "^$1 c=$2 " "$RAW" | tail -1; }

echo "## Results ($(date -u +%Y-%m-%dT%H:%MZ))"
echo
sed 's/^/    /' "$OUT/machine.txt"
echo
echo "| scenario | guests | connections | requests/s | p50 ms | p99 ms | server CPU (cores) | server RSS MiB (peak) | errors |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
grep -E '^[a-z-]+ guests=[0-9]+ c=' "$RAW" | while read -r line; do
  name=${line%% *}
  guests=$(field guests "$line"); c=$(field c "$line")
  awk -v n="$name" -v g="$guests" -v c="$c" -v rps="$(field rps "$line")" -v p50="$(field p50_us "$line")" -v p99="$(field p99_us "$line")" \
      -v cpu="$(field server_cpu_cores "$line")" -v rss="$(field server_rss_mib "$line")" \
      -v err="$(( $(field socket_errors "$line") + $(field non2xx "$line") ))" \
      'BEGIN { printf "| %s | %s | %s | %.0f | %.3f | %.3f | %s | %s | %s |\n", n, g, c, rps, p50 / 1000, p99 / 1000, cpu, rss, err }'
done
echo

if grep -q '^DIRECT ' "$RAW"; then
  echo "Direct libvirt calls in process (BenchmarkDotNet, median):"
  echo
  echo "| calls | guests | median |"
  echo "|---|---:|---:|"
  grep '^DIRECT ' "$RAW" | awk '{ printf "| %s | %s | %.3f ms |\n", $2, $3, $4 / 1e6 }'
  echo
fi

grep -E '^(new-connections|body-bytes|gateway-rss|remote-connections|scaleout-split|xen-new-connections|vmware-new-connections|vmware-sessions|events-gateway)' "$RAW" | sed 's/^/    /'
echo

if grep -q '^events ' "$RAW"; then
  echo "Events stream (changes on libvirtd made directly; latency from the libvirt call's return to the subscriber):"
  echo
  echo "| subscribers | changes | made | delivered / expected | events/s delivered | p50 | p99 | max |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|"
  grep '^events ' "$RAW" | while read -r line; do
    awk -v s="$(field subscribers "$line")" -v m="$(field mode "$line")" -v c="$(field changes "$line")" -v d="$(field delivered "$line")" \
      -v e="$(field expected "$line")" -v r="$(field events_per_s "$line")" -v p50="$(field p50_ms "$line")" -v p99="$(field p99_ms "$line")" -v mx="$(field max_ms "$line")" \
      'BEGIN { printf "| %s | %s | %s | %s / %s | %s | %s ms | %s ms | %s ms |\n", s, m, c, d, e, r, p50, p99, mx }'
  done
  echo
fi

# Targets.
g1_64=$(row "gateway guests=1" 64 || true); f1_64=$(row "floor guests=1" 64 || true)
g1_1=$(row "gateway guests=1" 1 || true); f1_1=$(row "floor guests=1" 1 || true)
direct1=$(grep '^DIRECT BulkListAndStats 1 ' "$RAW" | awk '{print $4}' || true)
echo "## Targets"
echo
echo "| target | measured | ratio / margin | met |"
echo "|---|---|---|---|"
# Every gateway/floor pair at 64 connections (the main run plus the extra pairs), in order.
pairs=$( (grep -E '^(gateway|gateway-pair|floor|floor-pair) guests=1 c=64 ' "$RAW" || true) | sed -E 's/^([a-z]+)[^ ]* .* rps=([0-9.]+).*/\1 \2/')
if [ -n "$pairs" ]; then
  awk '$1 == "gateway" { g = $2 } $1 == "floor" && g != "" { n++; r[n] = g / $2; gs = gs sprintf("%s%.0f/%.0f", (n > 1 ? ", " : ""), g, $2); g = "" }
    END {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
      m = (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
      printf "| one-guest list >= 80%% of the floor at 64 connections | median of %d alternating pairs (gateway/floor req/s: %s) | %.1f%% (pairs %.1f%%-%.1f%%) | %s |\n", n, gs, 100 * m, 100 * r[1], 100 * r[n], (m >= 0.8 ? "yes" : "no")
    }' <<<"$pairs"
fi
if [ -n "$g1_1" ] && [ -n "$direct1" ]; then
  awk -v g="$(field p50_us "$g1_1")" -v d="$direct1" -v f="$(field p50_us "$f1_1")" 'BEGIN { o = g / 1000 - d / 1e6; printf "| gateway p50 - direct call, one client <= 0.3 ms | %.3f ms - %.3f ms (floor p50 %.3f ms) | %.3f ms | %s |\n", g / 1000, d / 1e6, f / 1000, o, (o <= 0.3 ? "yes" : "no") }'
fi
best1000=$( (grep -E '^gateway guests=1000 ' "$RAW" || true) | sed -E 's/.* rps=([0-9.]+).*/\1/' | sort -g | tail -1)
if [ -n "$best1000" ]; then awk -v r="$best1000" 'BEGIN { printf "| 1,000-guest list >= 1,000 req/s | %.0f req/s (best of 1/8/64) | %.1fx | %s |\n", r, r / 1000, (r >= 1000 ? "yes" : "no") }'; fi
g10k=$(row "gateway guests=10000" 1 || true)
if [ -n "$g10k" ]; then awk -v p="$(field p50_us "$g10k")" 'BEGIN { printf "| 10,000-guest list p50 <= 50 ms, one client | %.1f ms | %.2fx of the bound | %s |\n", p / 1000, p / 50000, (p <= 50000 ? "yes" : "no") }'; fi
newc=$(grep '^new-connections' "$RAW" | awk '{ s += $3 } END { print s + 0 }')
echo "| zero new hypervisor connections per request after warm-up | $newc opened during the measured runs (test hypervisor) | - | $([ "$newc" -eq 0 ] && echo yes || echo no) |"
for hv in xen vmware; do
  if grep -q "^$hv-new-connections" "$RAW"; then
    n=$(grep "^$hv-new-connections" "$RAW" | sed -E 's/.*opened_during_runs=([0-9]+).*/\1/' | awk '{ s += $1 } END { print s + 0 }')
    echo "| zero new $hv sessions per request after warm-up | $n opened during the measured runs | - | $([ "$n" -eq 0 ] && echo yes || echo no) |"
  fi
done
for g in 1 1000; do
  r=$(row "gateway guests=$g" 64 || true)
  if [ -n "$r" ]; then awk -v g="$g" -v m="$(field server_rss_mib "$r")" 'BEGIN { printf "| RSS <= 150 MB, %s guest(s), 64 connections | %s MiB | %.0f%% of the cap | %s |\n", g, m, 100 * m * 1.048576 / 150, (m <= 0 ? "no (no RSS sampled)" : (m * 1.048576 <= 150 ? "yes" : "no")) }'; fi
done
r10k=$(row "gateway guests=10000" 64 || true)
if [ -n "$r10k" ]; then echo "| RSS with 10,000 guests, 64 connections (no cap) | $(field server_rss_mib "$r10k") MiB | - | reported |"; fi
if grep -q '^remote-connections' "$RAW"; then
  rc=$(grep '^remote-connections' "$RAW")
  awk -v d="$(field during_runs "$rc")" -v q="$(field requests "$rc")" 'BEGIN { printf "| remote transport (qemu+tcp): connections opened per request | %d TCP connections for %d requests | %.6f per request | %s |\n", d, q, d / q, (d == 0 ? "yes" : "no") }'
fi
one=$(grep -E '^scaleout-one-direct ' "$RAW" | tail -1 || true); two=$(grep -E '^scaleout-nginx-two ' "$RAW" | tail -1 || true); via=$(grep -E '^scaleout-nginx-one ' "$RAW" | tail -1 || true)
if [ -n "$one" ] && [ -n "$two" ]; then
  awk -v a="$(field rps "$one")" -v b="$(field rps "$two")" -v v="$(field rps "$via")" 'BEGIN { printf "| scale-out: two gateways behind nginx vs one (kvm/localhost, 64 connections) | %.0f vs %.0f req/s (nginx + one gateway: %.0f) | %.2fx (%.2fx vs nginx + one) | reported |\n", b, a, v, b / a, b / v }'
fi
