#!/usr/bin/python3
# usage: bench_report.py BENCH_JSON   prints the markdown table of the benchmark medians with
# each figure's ratio to the baseline measured in the same run.
import json
import platform
import sys
import time

data = json.load(open(sys.argv[1]))
med = {}
for b in data["benchmarks"]:
    if b.get("aggregate_name") == "median":
        med[b["run_name"].split("/repeats")[0]] = b


def t_ns(name, real=False):
    b = med.get(name)
    if not b:
        return None
    unit = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b["time_unit"]]
    return (b["real_time"] if real else b["cpu_time"]) * unit


ctx = data["context"]
print("# levdyn benchmarks\n")
print("Machine: %s, %d CPUs @ %s MHz; date %s; command `make bench` (medians of 5 repetitions).\n"
      % (platform.node() or "host", ctx.get("num_cpus", 0), ctx.get("mhz_per_cpu", "?"),
         time.strftime("%Y-%m-%d")))
print("| figure | levdyn | baseline (same run) | ratio | goal |")
print("|---|---|---|---|---|")


def row(what, ours, base, unit, goal, invert=False):
    if ours is None:
        print("| %s | not measured | | | %s |" % (what, goal))
        return
    if base is None:
        print("| %s | %.1f %s | — | — | %s |" % (what, ours, unit, goal))
        return
    ratio = (base / ours) if invert else (ours / base)
    print("| %s | %.1f %s | %.1f %s | %.2f× | %s |" % (what, ours, unit, base, unit, ratio, goal))


r_ours = med.get("BM_Ring_Levdyn")
r_base = med.get("BM_Ring_BoostLockfree")
if r_ours and r_base:
    a = r_ours["items_per_second"] / 1e6
    b = r_base["items_per_second"] / 1e6
    print("| SPSC ring throughput (2 threads) | %.1f M/s | boost::lockfree::spsc_queue %.1f M/s | %.2f× | ≥ 1.0× |"
          % (a, b, a / b))
for n in (10, 100, 500, 2000):
    row("engine ns/event, %d instruments, 4 windows" % n, t_ns("BM_Engine_Apply/%d" % n),
        t_ns("BM_Engine_Apply/10"), "ns", "≤ 100 ns, flat")
for v in ("binance", "bybit", "okx", "deribit", "bitmex", "hyperliquid"):
    row("decode ns/frame, %s fixtures" % v, t_ns("BM_Decode_Fixtures/%s" % v), None, "ns",
        "≥ 20× tardis-dev")
row("/metrics render, ~7 k series", t_ns("BM_Metrics_Levdyn") / 1e3 if t_ns("BM_Metrics_Levdyn") else None,
    t_ns("BM_Metrics_StockPrometheusCpp") / 1e3 if t_ns("BM_Metrics_StockPrometheusCpp") else None,
    "µs", "≤ 0.25× stock prometheus-cpp")
print("\nTimes are CPU time per operation of the benchmarking thread; ratio = levdyn / baseline "
      "(for throughput: levdyn / baseline).")
