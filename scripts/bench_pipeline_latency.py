#!/usr/bin/python3
"""usage: scripts/bench_pipeline_latency.py LEVDYN_BINARY [IDLE_S] [LOAD_S]

levdyn_pipeline_latency_seconds (frame read -> published) of `levdyn demo`: p50/p99/p99.9 over
IDLE_S seconds of ingest alone (default 20), then over LOAD_S seconds of wrk -t1 -c32 on
/v1/assets/BTC (default 20), from the increase of the histogram between scrapes. One line out;
TAG in the environment labels it. The shorter sibling of scripts/bench_http.py.
"""
import os, re, signal, subprocess, sys, time, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_http as b
binary = sys.argv[1]; idle_s = float(sys.argv[2]) if len(sys.argv) > 2 else 20; load_s = sys.argv[3] if len(sys.argv) > 3 else "20"
demo = subprocess.Popen([binary, "demo", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    port = int(re.search(r"http://[^:]+:(\d+)", demo.stdout.readline()).group(1))
    t0 = time.time()
    while True:
        try:
            if b.get(f"http://127.0.0.1:{port}/v1/assets/BTC")[0] == 200: break
        except Exception: pass
        time.sleep(0.5)
    time.sleep(5)
    h0 = b.histogram(port); time.sleep(idle_s); h1 = b.histogram(port)
    out = subprocess.run(["wrk", "-t1", "-c32", f"-d{load_s}s", f"http://127.0.0.1:{port}/v1/assets/BTC"], capture_output=True, text=True).stdout
    h2 = b.histogram(port)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def fmt(a, c):
        return " ".join(f"p{q*100:g}={b.us(b.quantile(q, a, c)[0])}" for q in (0.5, 0.99, 0.999)) + f" n={b.quantile(0.5, a, c)[1]}"
    print(f"{os.path.basename(binary)} {os.environ.get('TAG','')}: idle {fmt(h0, h1)} | loaded {fmt(h1, h2)} | wrk {rps:,.0f} req/s", flush=True)
finally:
    demo.send_signal(signal.SIGTERM); demo.wait(timeout=10)
