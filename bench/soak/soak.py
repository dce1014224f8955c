"""Mixed-request soak load for the Simplestack gateway (stdlib only).

Each worker loops over a weighted mix of requests against the embedded test hypervisor until the
time is up. The gateway's RSS and open file descriptors are read from /proc at start (after a
warm-up), every 10 s, and at the end. Writes a JSON result.
"""
import argparse
import http.client
import json
import os
import random
import threading
import time
import urllib.parse


def proc_stats(pid):
    rss_kib = 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss_kib = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    threads = len(os.listdir(f"/proc/{pid}/task"))
    return {"rss_mib": round(rss_kib / 1024, 1), "fds": fds, "threads": threads}


class Worker(threading.Thread):
    def __init__(self, base, key, deadline, index, counts, lock, latencies):
        super().__init__(daemon=True)
        url = urllib.parse.urlparse(base)
        self.host, self.port = url.hostname, url.port
        self.key, self.deadline, self.index = key, deadline, index
        self.counts, self.lock, self.latencies = counts, lock, latencies
        self.conn = None
        self.n = 0

    def request(self, method, path, body=None, key=True):
        headers = {"x-simplestack-token": self.key} if key else {}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                started = time.monotonic()
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                elapsed = time.monotonic() - started
                with self.lock:
                    self.counts[response.status] = self.counts.get(response.status, 0) + 1
                    self.latencies.append(elapsed)
                return response.status, data, response.getheader("Location")
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn = None
                if attempt == 1:
                    with self.lock:
                        self.counts["transport-error"] = self.counts.get("transport-error", 0) + 1
                    return None, b"", None
        return None, b"", None

    def lifecycle(self):
        name = f"soak-{self.index}-{self.n}"
        status, _, location = self.request("POST", "/test/default/guests", json.dumps(
            {"name": name, "memory": 128, "cpus": 1, "disks": [{"size": 0.01, "storage_id": "default-pool"}],
             "network_interfaces": [{"network": "default"}]}))
        if status != 201 or not location:
            return
        self.request("POST", f"{location}/tags", json.dumps({"name": "soak"}))
        self.request("GET", f"{location}/tags")
        self.request("POST", f"{location}/snapshots", json.dumps({"name": "s1"}))
        self.request("GET", f"{location}/snapshots")
        self.request("PUT", f"{location}/power", json.dumps({"state": "start"}))
        self.request("GET", location)
        self.request("GET", f"{location}/disks")
        self.request("GET", f"{location}/network_interfaces")
        self.request("DELETE", location)

    def run(self):
        mix = [
            (30, lambda: self.request("GET", "/test/default/guests")),
            (15, lambda: self.request("GET", "/test/default/guests/test")),
            (10, lambda: self.request("GET", "/test/default")),
            (5, lambda: self.request("GET", "/test/default/storages")),
            (5, lambda: self.request("GET", "/test/default/networks")),
            (5, lambda: self.request("GET", "/test/default/images")),
            (5, lambda: self.request("GET", "/test/default/guests/nope-404")),
            (5, lambda: self.request("POST", "/test/default/guests", '{"name":')),
            (3, lambda: self.request("GET", "/test/default/guests", key=False)),
            (3, lambda: self.request("GET", "/kvm/10.0.0.1/guests")),
            (2, lambda: self.request("GET", "/metrics")),
            (2, lambda: self.request("GET", "/readyz")),
            (10, self.lifecycle),
        ]
        weights = [w for w, _ in mix]
        actions = [a for _, a in mix]
        rng = random.Random(self.index)
        while time.monotonic() < self.deadline:
            self.n += 1
            rng.choices(actions, weights)[0]()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    key = os.environ["SOAK_KEY"]

    counts, lock, latencies = {}, threading.Lock(), []
    # Warm-up: JIT, the pooled test connection, first allocations.
    warm = Worker(args.base, key, time.monotonic() + 15, 999, {}, threading.Lock(), [])
    warm.start()
    warm.join()
    begun = time.monotonic()
    deadline = begun + args.seconds
    workers = [Worker(args.base, key, deadline, i, counts, lock, latencies) for i in range(args.workers)]
    for w in workers:
        w.start()
    # Start: 10 s into the load, once every worker's connection is open.
    time.sleep(10)
    start = proc_stats(args.pid)
    samples = [{"t": 10, **start}]
    while time.monotonic() < deadline:
        time.sleep(min(10, max(0, deadline - time.monotonic())))
        samples.append({"t": round(time.monotonic() - begun), **proc_stats(args.pid)})
    for w in workers:
        w.join()
    time.sleep(2)
    end = proc_stats(args.pid)
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 2) if latencies else None

    total = sum(v for v in counts.values())
    result = {
        "seconds": args.seconds, "workers": args.workers, "requests": total,
        "requests_per_second": round(total / args.seconds, 1),
        "answers": {str(k): v for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))},
        "latency_ms": {"p50": pct(0.50), "p99": pct(0.99), "max": round(latencies[-1] * 1000, 2) if latencies else None},
        "start": start, "end": end, "samples": samples,
    }
    with open(args.out, "w") as out:
        json.dump(result, out, indent=1)
    print(json.dumps({k: result[k] for k in ("requests", "requests_per_second", "answers", "latency_ms", "start", "end")}))


if __name__ == "__main__":
    main()
