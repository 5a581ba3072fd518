#!/usr/bin/python3
"""usage: scripts/bench_http_cpu.py ROUNDS LEVDYN_BINARY...

CPU time of levdyn's HTTP thread per request under wrk (-t1 -c32 -d8s) on /v1/assets/BTC and
/v1/instruments/binance/BTCUSDT, each binary's `levdyn demo` in turn per round (interleaved), with
medians over the rounds. Unlike req/s, this does not move with what else the machine runs. The
HTTP thread is the levdyn thread whose CPU time (/proc/PID/task/TID/stat) grew most during wrk.
"""
import os, re, signal, statistics, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_http as b
rounds = int(sys.argv[1]); bins = sys.argv[2:]
PATHS = ["/v1/assets/BTC", "/v1/instruments/binance/BTCUSDT"]
def cpu(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            f = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
            out[tid] = int(f[11]) + int(f[12])
        except Exception: pass
    return out
res = {(bn, p): [] for bn in bins for p in PATHS}
rps = {(bn, p): [] for bn in bins for p in PATHS}
tick = os.sysconf("SC_CLK_TCK")
for r in range(rounds):
    for bn in bins:
        demo = subprocess.Popen([bn, "demo", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            port = int(re.search(r"http://[^:]+:(\d+)", demo.stdout.readline()).group(1))
            while True:
                try:
                    if all(b.get(f"http://127.0.0.1:{port}{p}")[0] == 200 for p in PATHS): break
                except Exception: pass
                time.sleep(0.5)
            time.sleep(3)
            for p in PATHS:
                c0 = cpu(demo.pid)
                out = subprocess.run(["wrk", "-t1", "-c32", "-d8s", f"http://127.0.0.1:{port}{p}"], capture_output=True, text=True).stdout
                c1 = cpu(demo.pid)
                n = int(re.search(r"(\d+) requests in", out).group(1))
                d = max(c1[t] - c0.get(t, 0) for t in c1)
                res[(bn, p)].append(d / tick / n * 1e6)
                rps[(bn, p)].append(n / 8)
        finally:
            demo.send_signal(signal.SIGTERM); demo.wait(timeout=10)
for p in PATHS:
    for bn in bins:
        v = res[(bn, p)]
        print(f"{p:36s} {os.path.basename(bn):12s} HTTP-thread CPU/request median {statistics.median(v):.2f} µs {['%.2f' % x for x in v]}  req/s median {statistics.median(rps[(bn, p)]):,.0f}")
