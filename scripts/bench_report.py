#!/usr/bin/python3
# usage: bench_report.py BENCH_JSON [TARDIS_JSON [CORPUS_AFTER_JSON [RING_ROUND_JSON...]]]
# prints the markdown table of the benchmark medians with each figure's ratio to the baseline
# measured in the same run. TARDIS_JSON is bench/tardis/normalize.mjs's output over the corpus
# BM_Decode_Corpus decoded; CORPUS_AFTER_JSON a second BM_Decode_Corpus run made after it (its
# repetitions are pooled with BENCH_JSON's); each RING_ROUND_JSON the output of one process that
# ran BM_Ring_Levdyn or BM_Ring_BoostLockfree alone (scripts/bench.sh alternates them).
import json
import platform
import statistics
import sys
import time

data = json.load(open(sys.argv[1]))
tardis = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else None
after = json.load(open(sys.argv[3])) if len(sys.argv) > 3 else None


def medians(doc):
    """{benchmark name without /repeats…: its median aggregate} of one Google Benchmark run."""
    return {b["run_name"].split("/repeats")[0]: b for b in doc["benchmarks"]
            if b.get("aggregate_name") == "median"}


med = medians(data)
ring_rounds = [m for path in sys.argv[4:] for m in medians(json.load(open(path))).values()]


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
    print("| SPSC ring throughput (2 threads), both in one process, ours first | %.1f M/s | boost::lockfree::spsc_queue %.1f M/s | %.2f× | ≥ 1.0× |"
          % (a, b, a / b))
ours_r = [r["items_per_second"] / 1e6 for r in ring_rounds if r["run_name"].startswith("BM_Ring_Levdyn")]
base_r = [r["items_per_second"] / 1e6 for r in ring_rounds
          if r["run_name"].startswith("BM_Ring_BoostLockfree")]
if ours_r and base_r:
    a, b = statistics.median(ours_r), statistics.median(base_r)
    print("| SPSC ring throughput (2 threads), each alone in its own process, %d alternating rounds "
          "(ours %s; boost %s M/s) | %.1f M/s | boost::lockfree::spsc_queue %.1f M/s | %.2f× | ≥ 1.0× |"
          % (len(ours_r), " / ".join("%.1f" % x for x in ours_r),
             " / ".join("%.1f" % x for x in base_r), a, b, a / b))
for n in (10, 100, 500, 2000):
    row("engine ns/event, %d instruments, 4 windows" % n, t_ns("BM_Engine_Apply/%d" % n),
        t_ns("BM_Engine_Apply/10"), "ns", "≤ 100 ns, flat")
for n in (10, 2000):  # where the cost at 2000 instruments is: apply alone, and a publish each
    row("engine ns/event, %d instruments, apply() alone (no publish)" % n,
        t_ns("BM_Engine_ApplyOnly/%d" % n), t_ns("BM_Engine_ApplyOnly/10"), "ns", "≤ 100 ns, flat")
for n in (10, 2000):
    row("engine ns/event, %d instruments, apply() and a publish after every event (events one at a time)" % n,
        t_ns("BM_Engine_PublishEach/%d" % n), t_ns("BM_Engine_PublishEach/10"), "ns", "—")
for n in (10, 2000):  # the engine's memory from the heap instead of the huge-page arena
    row("engine ns/event, %d instruments, state on the huge-page arena, against the heap" % n,
        t_ns("BM_Engine_Apply/%d" % n), t_ns("BM_Engine_Apply_Heap/%d" % n), "ns", "—")
hk = t_ns("BM_Hawkes_Likelihood/20000")  # the Hawkes refit's inner loop (issue 5's fit thread)
row("Hawkes refit inner loop: log-likelihood, gradient and Hessian in one pass, ns per arrival "
    "(20 k arrivals; a refit is about 3 passes)", hk / 20000 if hk else None, None, "ns", "—")
for v in ("binance", "bybit", "okx", "deribit", "bitmex", "hyperliquid"):
    row("decode ns/frame, %s fixtures" % v, t_ns("BM_Decode_Fixtures/%s" % v), None, "ns",
        "≥ 20× tardis-dev")
VENUES = ("binance", "bybit", "okx", "deribit", "bitmex", "hyperliquid")


UNIT_NS = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
corpus_reps = {}  # BM_Decode_Corpus/<name> -> CPU ns per frame of each repetition, both runs
for doc in (data, after):
    for b in (doc or {}).get("benchmarks", []):
        if b.get("run_type") != "iteration" or not b["name"].startswith("BM_Decode_Corpus/"):
            continue
        if b.get("error_occurred") or not b.get("frames"):
            continue
        key = b["run_name"].split("/repeats")[0]
        corpus_reps.setdefault(key, []).append(
            b["cpu_time"] * UNIT_NS[b["time_unit"]] / b["frames"])


def corpus_ns(name):
    """levdyn CPU ns per frame of one corpus pass (BM_Decode_Corpus): the median of the
    repetitions of both runs, or None."""
    reps = sorted(corpus_reps.get("BM_Decode_Corpus/" + name, []))
    if not reps:
        return None
    n = len(reps)
    return reps[n // 2] if n % 2 else (reps[n // 2 - 1] + reps[n // 2]) / 2


def tardis_entry(name):
    if not tardis:
        return None
    return tardis["overall"] if name == "all" else tardis["venues"].get(name)


frames_total = med.get("BM_Decode_Corpus/all", {}).get("frames")
for v in VENUES + ("all",):
    ours = corpus_ns(v)
    te = tardis_entry(v)
    what = ("levdyn decode vs tardis-dev normalizers, %s, corpus (ns/frame)"
            % ("all venues mixed" if v == "all" else v))
    if ours is None:
        print("| %s | not measured | | | ≥ 20× tardis-dev |" % what)
    elif te is None:
        print("| %s | %.0f ns | not measured | — | ≥ 20× tardis-dev |" % (what, ours))
    else:
        base = te["cpu_ns_per_frame"]
        print("| %s | %.0f ns | tardis-dev %s %.0f ns | %.1f× faster | ≥ 20× tardis-dev |"
              % (what, ours, tardis["tardis_dev_version"], base, base / ours))
if corpus_ns("all") is not None and tardis:
    ours_fps = 1e9 / corpus_ns("all")
    base_fps = 1e9 / tardis["overall"]["cpu_ns_per_frame"]
    print("| decode throughput, one core, all venues mixed (frames/s) | %.2f M/s | tardis-dev %.3f M/s"
          " | %.1f× | replay: ≥ 10× tardis-dev (issue 5) |"
          % (ours_fps / 1e6, base_fps / 1e6, ours_fps / base_fps))
od_ns = t_ns("BM_Decode_Corpus_SimdjsonPath")
if od_ns is not None and med.get("BM_Decode_Corpus_SimdjsonPath", {}).get("frames"):
    od_ns /= med["BM_Decode_Corpus_SimdjsonPath"]["frames"]
    ours = corpus_ns("all")
    print("| levdyn decode with the fast paths off (simdjson On-Demand path only), all venues "
          "mixed | %s | simdjson path %.0f ns | %s | — |"
          % ("fast paths on %.0f ns" % ours if ours else "not measured", od_ns,
             "%.2f× faster" % (od_ns / ours) if ours else "—"))
floor_ns = t_ns("BM_Parse_Corpus_SimdjsonDom")
if floor_ns is not None and med.get("BM_Parse_Corpus_SimdjsonDom", {}).get("frames"):
    floor_ns /= med["BM_Parse_Corpus_SimdjsonDom"]["frames"]
    budget = ("; the 20× goal leaves %.0f ns per frame (tardis-dev's / 20)"
              % (tardis["overall"]["cpu_ns_per_frame"] / 20)) if tardis else ""
    ours = corpus_ns("all")
    print("| simdjson DOM parse alone (padded copy + parse, no field read), all venues mixed | "
          "%.0f ns/frame | levdyn decode %s | %s | floor under a simdjson-based decoder%s |"
          % (floor_ns, "%.0f ns" % ours if ours else "not measured",
             "%.2f× of levdyn's" % (floor_ns / ours) if ours else "—", budget))
series = med.get("BM_Metrics_Levdyn", {}).get("series")
row("/metrics render, %s series" % ("%.1f k" % (series / 1e3) if series else "~10 k"), t_ns("BM_Metrics_Levdyn") / 1e3 if t_ns("BM_Metrics_Levdyn") else None,
    t_ns("BM_Metrics_StockPrometheusCpp") / 1e3 if t_ns("BM_Metrics_StockPrometheusCpp") else None,
    "µs", "≤ 0.25× stock prometheus-cpp")
print("\nTimes are CPU time per operation of the benchmarking thread; ratio = levdyn / baseline "
      "(for throughput: levdyn / baseline).")
if tardis:
    o = tardis["overall"]
    print("\n## Decode corpus: levdyn beside tardis-dev\n")
    print("Corpus: %d frames (`tests/bench/gen_corpus.py`, deterministic, all six venues, default "
          "symbols: trades, liquidations, open interest / tickers, mark price / funding), checked "
          "with `levdyn normalize` (0 rejected). levdyn: `BM_Decode_Corpus`, one core, each "
          "venue's codec with its default settings, CPU ns per frame, median of the %d "
          "repetitions of two runs, before and after the Node one. "
          "tardis-dev %s on Node %s: `bench/tardis/normalize.mjs`, per frame `JSON.parse` then "
          "`canHandle`/`map` of the mappers from `normalizeTrades`, `normalizeLiquidations`, "
          "`normalizeDerivativeTickers` (as tardis-dev's `normalizeMessages` does), process CPU "
          "ns per frame (main thread + V8 GC/compiler threads), median of %d runs after %d "
          "warm-up run(s); wall-clock figures are in `bench/tardis_normalize.json`.\n"
          % (o["frames"], len(corpus_reps.get("BM_Decode_Corpus/all", [])),
             tardis["tardis_dev_version"], tardis["node_version"], tardis["runs"],
             tardis["warmup_runs"]))
    print("| venue | frames | levdyn events/frame | levdyn ns/frame | tardis-dev outputs "
          "(by type) | frames without tardis-dev output | tardis-dev ns/frame (cpu / wall) | ratio |")
    print("|---|---|---|---|---|---|---|---|")
    for v in VENUES + ("all",):
        te = tardis_entry(v)
        b = med.get("BM_Decode_Corpus/" + v, {})
        ours = corpus_ns(v)
        if te is None:
            continue
        outs = ", ".join("%s %d" % (k, n) for k, n in sorted(te["outputs"].items()))
        print("| %s | %d | %s | %s | %s | %d | %.0f / %.0f | %s |"
              % (v, te["frames"], "%.2f" % b["events_per_frame"] if b else "—",
                 "%.0f" % ours if ours else "—", outs, te["frames_without_output"],
                 te["cpu_ns_per_frame"], te["wall_ns_per_frame"],
                 "%.1f×" % (te["cpu_ns_per_frame"] / ours) if ours else "—"))
    print("\ntardis-dev %s normalizes Binance USDⓈ-M trades from the raw `@trade` stream only; "
          "levdyn subscribes `@aggTrade`, so those corpus frames get JSON.parse and the "
          "canHandle checks in tardis-dev but no output (the Binance frames without output). "
          "tardis-dev has no Hyperliquid liquidations normalizer (nor a public feed)."
          % tardis["tardis_dev_version"])
