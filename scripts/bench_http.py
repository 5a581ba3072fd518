#!/usr/bin/python3
"""usage: scripts/bench_http.py LEVDYN_BINARY [OUT_MD]   (part of `make bench`)

REST throughput of levdyn beside nginx serving the same response bytes as static files, with
the same wrk settings in the same run, while `levdyn demo` ingests from its simulator; and the
pipeline latency (levdyn_pipeline_latency_seconds, frame read -> metric published) idle and
under the HTTP load. Medians of REPS runs. Writes a markdown section (default bench/HTTP.md).
"""
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPS = int(os.environ.get("BENCH_HTTP_REPS", "3"))
DURATION = os.environ.get("BENCH_HTTP_DURATION", "8s")
CONNS = os.environ.get("BENCH_HTTP_CONNECTIONS", "32")
THREADS = os.environ.get("BENCH_HTTP_THREADS", "1")
PATHS = ["/v1/assets/BTC", "/v1/instruments/binance/BTCUSDT"]


def get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.status, r.read()


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wrk(url):
    out = subprocess.run(["wrk", "-t", THREADS, "-c", CONNS, "-d", DURATION, url],
                         capture_output=True, text=True, check=True).stdout
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"bench_http: {url}: {errors.group(1)} non-2xx responses")
    return float(m.group(1))


def histogram(port):
    """Cumulative bucket counts of levdyn_pipeline_latency_seconds."""
    _, body = get(f"http://127.0.0.1:{port}/metrics")
    buckets = {}
    for line in body.decode().splitlines():
        m = re.match(r'levdyn_pipeline_latency_seconds_bucket\{le="([^"]+)"\} (\S+)', line)
        if m:
            buckets[float(m.group(1))] = float(m.group(2))
    return sorted(buckets.items())


def quantile(q, before, after):
    """histogram_quantile over the increase between two scrapes."""
    inc = [(le, a - b) for (le, a), (_, b) in zip(after, before)]
    total = inc[-1][1]
    if total <= 0:
        return float("nan"), 0
    rank = q * total
    prev_le, prev_c = 0.0, 0.0
    for le, c in inc:
        if c >= rank:
            if le == float("inf"):
                return prev_le, int(total)
            return prev_le + (le - prev_le) * (rank - prev_c) / max(c - prev_c, 1e-12), int(total)
        prev_le, prev_c = le, c
    return float("nan"), int(total)


def us(x):
    return "n/a" if x != x else f"{x * 1e6:.1f} µs"


def main():
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    binary = sys.argv[1]
    out_md = sys.argv[2] if len(sys.argv) > 2 else "bench/HTTP.md"
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            raise SystemExit(f"bench_http: {tool} not installed (make deps-test installs it)")
    tmp = tempfile.mkdtemp(prefix="levdyn-bench-http-")
    demo = subprocess.Popen([binary, "demo", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE,
                            stderr=open(os.path.join(tmp, "demo.log"), "w"), text=True)
    nginx = None
    try:
        line = demo.stdout.readline()
        m = re.search(r"http://[^:]+:(\d+)", line)
        if not m:
            raise SystemExit(f"bench_http: demo did not start: {line!r}")
        port = int(m.group(1))
        deadline = time.time() + 30
        while True:
            try:
                if all(get(f"http://127.0.0.1:{port}{p}")[0] == 200 for p in PATHS):
                    break
            except Exception:
                pass
            if time.time() > deadline:
                raise SystemExit("bench_http: demo has no data after 30 s")
            time.sleep(0.5)
        time.sleep(5)  # every venue connected, windows warm

        # nginx: one worker (levdyn serves HTTP on one thread), the same bytes as files.
        www = os.path.join(tmp, "www")
        for p in PATHS:
            os.makedirs(os.path.dirname(www + p), exist_ok=True)
            with open(www + p, "wb") as f:
                f.write(get(f"http://127.0.0.1:{port}{p}")[1])
        nport = free_port()
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx.err warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  keepalive_requests 1000000;
  server {{ listen 127.0.0.1:{nport}; root {www}; default_type application/json; }}
}}
""")
        nginx = subprocess.Popen(["/usr/sbin/nginx", "-c", conf, "-p", tmp],
                                 stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        for p in PATHS:
            assert get(f"http://127.0.0.1:{nport}{p}")[0] == 200

        # Idle pipeline latency: the demo's ingest alone, for as long as one wrk run.
        secs = float(DURATION.rstrip("s"))
        h0 = histogram(port)
        time.sleep(secs * 2)
        h1 = histogram(port)
        idle = {q: quantile(q, h0, h1) for q in (0.5, 0.99, 0.999)}

        rows = []
        loaded_before = histogram(port)
        for p in PATHS:
            ours, theirs = [], []
            for _ in range(REPS):
                ours.append(wrk(f"http://127.0.0.1:{port}{p}"))
                theirs.append(wrk(f"http://127.0.0.1:{nport}{p}"))
            rows.append((p, statistics.median(ours), statistics.median(theirs)))
        loaded_after = histogram(port)
        loaded = {q: quantile(q, loaded_before, loaded_after) for q in (0.5, 0.99, 0.999)}
        _, feeds = get(f"http://127.0.0.1:{port}/v1/feeds")
        msgs = sum(int(x) for x in re.findall(rb'"messages":(\d+)', feeds))
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait()
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)

    lines = [
        "### HTTP: levdyn beside nginx on the same bytes (wrk)",
        "",
        f"`wrk -t{THREADS} -c{CONNS} -d{DURATION}`, median of {REPS} runs each, interleaved; levdyn "
        "is `levdyn demo` (all six simulated venues ingesting); nginx 1 worker serves the "
        "response bytes levdyn gave, as static files.",
        "",
        "| route | levdyn req/s | nginx req/s | ratio (goal ≥ 0.5) |",
        "|---|---|---|---|",
    ]
    for p, ours, theirs in rows:
        lines.append(f"| `{p}` | {ours:,.0f} | {theirs:,.0f} | {ours / theirs:.2f}× |")
    lines += [
        "",
        "| pipeline latency (frame read → published) | p50 | p99 | p99.9 | samples |",
        "|---|---|---|---|---|",
        f"| idle (ingest only) | {us(idle[0.5][0])} | {us(idle[0.99][0])} | "
        f"{us(idle[0.999][0])} | {idle[0.5][1]} |",
        f"| under the wrk load above | {us(loaded[0.5][0])} | {us(loaded[0.99][0])} | "
        f"{us(loaded[0.999][0])} | {loaded[0.5][1]} |",
        "",
        f"(demo ingest: {msgs} frames in total at the end of the run; quantiles interpolated "
        "inside the histogram's 1-2.5-5 buckets like Prometheus' histogram_quantile.)",
        "",
    ]
    os.makedirs(os.path.dirname(out_md) or ".", exist_ok=True)
    with open(out_md, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
