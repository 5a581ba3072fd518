#!/usr/bin/python3
"""usage: scripts/bench_ingest.py LEVDYN INGEST_BENCH [OUT_MD]   (part of `make bench`)

TLS WebSocket ingest (issue 7, point 4). INGEST_BENCH is tests/bench/levdyn_ingest_bench:
a Binance USD-M look-alike on 127.0.0.1 that streams combined-stream frames over wss.

1. Baseline: `INGEST_BENCH bare` — the same server and a bare Beast TLS read loop (read, count,
   discard) in one process; frames per CPU second of the reading thread.
2. levdyn at full rate: `INGEST_BENCH serve --rate max` and `levdyn serve` with only Binance
   enabled, pointed at it; frames/s from levdyn_feed_messages_total and the CPU time of the
   feed thread (thread name levdyn-feed0, /proc/PID/task/*/schedstat) over the interval:
   frames per CPU second of levdyn's feed thread (read + TLS + WebSocket + decode, and with
   `serve`'s default of one feed thread the engine in line: apply + publish), beside the bare
   loop's.
3. Pipeline latency at a stated load (`--rate 20000`): levdyn_pipeline_latency_seconds
   (frame read -> metric published) p50 / p99 / p99.9 over the interval, with `serve`'s default
   (the engine in line on the feed thread) and again with the engine on its own thread
   (`threads: {engine: thread}`, spinning as threads.engine_spin: auto says; BENCH_INGEST_THREADS
   sets this second pass's `threads` section), with the CPU share of the feed and engine
   threads.

Medians of REPS runs (BENCH_INGEST_REPS, default 3). Prints a markdown section and writes it to
OUT_MD (default bench/INGEST.md).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_http import get, histogram, quantile, us  # noqa: E402

REPS = int(os.environ.get("BENCH_INGEST_REPS", "3"))
SECONDS = float(os.environ.get("BENCH_INGEST_SECONDS", "5"))
LOAD_RATE = int(os.environ.get("BENCH_INGEST_RATE", "20000"))
THREADS = os.environ.get("BENCH_INGEST_THREADS", "{engine: thread}")  # the second latency pass
RECORDS = (1, 64)  # messages per TLS record
VENUES = ["binance", "bybit", "okx", "deribit", "bitmex", "hyperliquid"]


def metric(port, name, labels=""):
    _, body = get(f"http://127.0.0.1:{port}/metrics")
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith(name + "{") and labels in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def thread_cpu(pid):
    """{thread name: CPU seconds} from /proc/PID/task/*/schedstat (ns on CPU)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                ns = int(f.read().split()[0])
        except OSError:
            continue
        out[f"{name}#{tid}"] = ns / 1e9
    return out


class Levdyn:
    """`levdyn serve` with only Binance enabled, pointed at an ingest_bench server."""

    def __init__(self, levdyn, ingest, rate, tmp, per_record=1, threads=None):
        self.server = subprocess.Popen([ingest, "serve", "--rate", str(rate), "--per-record",
                                        str(per_record)],
                                       stdout=subprocess.PIPE, text=True)
        info = json.loads(self.server.stdout.readline())
        cfg = os.path.join(tmp, "levdyn.yaml")
        with open(cfg, "w") as f:
            f.write('http: {listen: "127.0.0.1:0"}\n')
            f.write(f'tls: {{verify: true, ca_file: "{info["ca_file"]}"}}\n')
            f.write("venues:\n")
            f.write(f'  binance: {{ws_url: "wss://127.0.0.1:{info["port"]}/market", '
                    f'rest_url: "https://127.0.0.1:{info["port"]}", symbols: [BTCUSDT, ETHUSDT]}}\n')
            for v in VENUES[1:]:
                f.write(f"  {v}: {{enabled: false}}\n")
            if threads:
                f.write(f"threads: {threads}\n")
        self.proc = subprocess.Popen([levdyn, "serve", "--config", cfg], stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(tmp, "levdyn.log"), "a"), text=True)
        m = re.search(r"http://[^:]+:(\d+)", self.proc.stdout.readline())
        if not m:
            raise SystemExit("bench_ingest: levdyn serve did not start (see its log)")
        self.port = int(m.group(1))
        deadline = time.time() + 20
        while metric(self.port, "levdyn_feed_messages_total", 'venue="binance"') < 1000:
            if time.time() > deadline:
                raise SystemExit("bench_ingest: no frames reached levdyn within 20 s")
            time.sleep(0.2)

    def sample(self):
        return (time.monotonic(),
                metric(self.port, "levdyn_feed_messages_total", 'venue="binance"'),
                thread_cpu(self.proc.pid), histogram(self.port))

    def close(self):
        for p in (self.proc, self.server):
            p.terminate()
        for p in (self.proc, self.server):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def feed_cpu(before, after):
    feeds = [k for k in after if k.startswith("levdyn-feed")]
    if not feeds:
        raise SystemExit("bench_ingest: no levdyn-feed thread in levdyn's /proc task list")
    return sum(after[k] - before.get(k, 0.0) for k in feeds)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    levdyn, ingest = sys.argv[1], sys.argv[2]
    out_md = sys.argv[3] if len(sys.argv) > 3 else "bench/INGEST.md"
    tmp = tempfile.mkdtemp(prefix="levdyn-bench-ingest-")

    bare = {k: [] for k in RECORDS}
    full = {k: [] for k in RECORDS}
    lat = []
    lat_thread = []
    for _ in range(REPS):
        for k in RECORDS:
            r = subprocess.run([ingest, "bare", "--per-record", str(k), "--seconds", str(SECONDS)],
                               capture_output=True, text=True, check=True)
            bare[k].append(json.loads(r.stdout))
            lv = Levdyn(levdyn, ingest, "max", tmp, k)
            try:
                time.sleep(1.0)
                t0, n0, c0, _ = lv.sample()
                time.sleep(SECONDS)
                t1, n1, c1, _ = lv.sample()
                errors = metric(lv.port, "levdyn_feed_decode_errors_total")
                if errors:
                    raise SystemExit(f"bench_ingest: {errors:.0f} decode errors")
                cpu = feed_cpu(c0, c1)
                full[k].append({"frames_per_s": (n1 - n0) / (t1 - t0),
                                "frames_per_cpu_s": (n1 - n0) / cpu})
            finally:
                lv.close()

        for threads, rows_ in ((None, lat), (THREADS, lat_thread)):
            lv = Levdyn(levdyn, ingest, LOAD_RATE, tmp, threads=threads)
            try:
                time.sleep(2.0)
                t0, n0, c0, h0 = lv.sample()
                time.sleep(2 * SECONDS)
                t1, n1, c1, h1 = lv.sample()
                p50, count = quantile(0.5, h0, h1)
                engine = sum(c1[k] - c0.get(k, 0.0) for k in c1 if k.startswith("levdyn-engine"))
                rows_.append({"rate": (n1 - n0) / (t1 - t0), "p50": p50,
                              "p99": quantile(0.99, h0, h1)[0],
                              "p999": quantile(0.999, h0, h1)[0], "count": count,
                              "feed_cpu_share": feed_cpu(c0, c1) / (t1 - t0),
                              "engine_cpu_share": engine / (t1 - t0)})
            finally:
                lv.close()

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    cpus = len(os.sched_getaffinity(0))  # what levdyn's engine_spin: auto counts
    rows = []
    for k in RECORDS:
        bare_cpu, lv_cpu = med(bare[k], "frames_per_cpu_s"), med(full[k], "frames_per_cpu_s")
        mode = "one message per TLS record" if k == 1 else f"{k} messages per TLS record"
        rows += [
            f"| bare Beast TLS read loop (read, discard), {mode} "
            f"| {med(bare[k], 'frames_per_s') / 1e3:.0f} k | {bare_cpu / 1e3:.0f} k | 1.00× | |",
            f"| levdyn feed thread (read, decode, engine in line), {mode} "
            f"| {med(full[k], 'frames_per_s') / 1e3:.0f} k | {lv_cpu / 1e3:.0f} k "
            f"| {lv_cpu / bare_cpu:.2f}× | ≥ 0.7× the bare loop, ≥ 150 k msg/s/core |",
        ]
    lines = [
        "## TLS WebSocket ingest\n",
        f"`scripts/bench_ingest.py` ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs; medians "
        f"of {REPS} runs of {SECONDS:.0f} s). Server: `levdyn_ingest_bench serve`, Binance "
        "combined-stream frames (aggTrade 90 %, markPrice 8 %, forceOrder 2 %, "
        f"{bare[1][0]['bytes_per_frame']:.0f} bytes on average) over TLS 1.3 on 127.0.0.1: one "
        "message per TLS record as an exchange sends them, and coalesced records for comparison. "
        "Per core = frames / CPU seconds of the reading thread (levdyn: the `levdyn-feed` thread).\n",
        "| reader | frames/s (wall) | frames per CPU second | ratio | goal |",
        "|---|---|---|---|---|",
    ] + rows + [
        "",
        f"Pipeline latency at {LOAD_RATE / 1e3:.0f} k msg/s (`levdyn_pipeline_latency_seconds`, "
        f"frame read → metric published; {2 * SECONDS:.0f} s after 2 s of warm-up):\n",
        "| engine | load reached | p50 | p99 | p99.9 | frames in histogram "
        "| feed thread CPU | engine thread CPU | goal |",
        "|---|---|---|---|---|---|---|---|---|",
    ] + [
        f"| {mode} | {med(r, 'rate') / 1e3:.1f} k msg/s | {us(med(r, 'p50'))} "
        f"| {us(med(r, 'p99'))} | {us(med(r, 'p999'))} | {med(r, 'count'):.0f} "
        f"| {100 * med(r, 'feed_cpu_share'):.0f} % | {100 * med(r, 'engine_cpu_share'):.0f} % "
        "| p50 ≤ 20 µs, p99 ≤ 100 µs |"
        for mode, r in (("`serve` default (`threads.engine: auto`, one feed thread: the engine "
                         "in line on it, no engine thread)", lat),
                        (f"`threads: {THREADS}` (the engine thread drains the ring; "
                         f"`threads.engine_spin: auto`, {cpus} CPUs: "
                         f"{'spins 200 ms' if cpus >= 2 else 'spins 50 µs'} after an event, then "
                         "yields, then parks)", lat_thread))
    ] + [
        "",
    ]
    text = "\n".join(lines)
    print(text)
    with open(out_md, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
