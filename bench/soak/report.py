"""Formats a soak result as the Markdown section appended to bench/RESULTS.md."""
import datetime
import json
import sys

result = json.load(open(sys.argv[1]))
leaks, log_lines = int(sys.argv[2]), int(sys.argv[3])
start, end = result["start"], result["end"]
five = sum(v for k, v in result["answers"].items() if k.isdigit() and int(k) >= 500)
mid = result["samples"][len(result["samples"]) // 2]
rss_growth = end["rss_mib"] - mid["rss_mib"]
flat = abs(end["fds"] - start["fds"]) <= 2 and rss_growth <= max(10.0, 0.1 * mid["rss_mib"])
print(f"""
## Soak (issue 6): bench/soak/run.sh, {datetime.date.today().isoformat()}

{result['seconds']} s of mixed requests, {result['workers']} keep-alive workers, on the embedded test hypervisor, API key on,
loopback only: reads (guests, guest, pool, storages, networks, images), create → tag → snapshot → start → read →
delete cycles, 404s, malformed bodies, missing keys (401), refused targets (403), /metrics and /readyz.

| | start (15 s warm-up, then 10 s into the load) | middle | end |
|---|---|---|---|
| RSS (MiB) | {start['rss_mib']} | {mid['rss_mib']} | {end['rss_mib']} |
| open fds | {start['fds']} | {mid['fds']} | {end['fds']} |
| threads | {start['threads']} | {mid['threads']} | {end['threads']} |

- requests: {result['requests']} ({result['requests_per_second']}/s); answers: {', '.join(f'{k}×{v}' for k, v in result['answers'].items())}; 5xx: {five}
- latency: p50 {result['latency_ms']['p50']} ms, p99 {result['latency_ms']['p99']} ms, max {result['latency_ms']['max']} ms
- samples every 10 s (RSS MiB / fds): {' '.join(f"{s['rss_mib']}/{s['fds']}" for s in result['samples'])}
- the gateway's log ({log_lines} lines) grepped for the API key: {leaks} hits
- verdict: {'flat' if flat else 'NOT flat'} (fds within ±2 of the start; RSS growth over the second half ≤ max(10 MiB, 10 %))
""")
