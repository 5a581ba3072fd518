#!/usr/bin/python3
# usage: soak.py [--binary build/levdyn] [--seconds N] [--interval S] [--warmup S]
#                [--mode mixed|demo] [--rss-tolerance 0.10]
#
# Soak test (`make soak`; not part of `make test`): runs levdyn for SOAK_SECONDS (default 600)
# and samples its VmRSS (/proc/PID/status) and open file descriptors (/proc/PID/fd) every
# --interval seconds, then checks
#   - RSS stays within +-10 % of its value right after the warm-up (default the first 60 s,
#     at most half the run);
#   - no fd growth: the fewest fds open over the last quarter of the samples exceeds the fewest
#     over the first quarter after warm-up by at most 2 (connections come and go; a leak
#     raises the floor);
#   - no lost events: nothing levdyn received is lost — the hostile peer's liquidations are
#     counted exactly (levdyn_liquidations_total equals what it sent, after it is quiesced),
#     the simulated venues never reconnect (the simulator drops a client that falls behind,
#     which would lose frames) nor see decode errors, and the ring never stays backlogged
#     (levdyn_queue_depth back near 0 at the end; levdyn_queue_full_total is reported: it is
#     backpressure, not loss, by design);
#   - every simulated venue is still delivering events at the end, /healthz answered every
#     sample, and levdyn exits 0 on SIGTERM.
# Prints a markdown summary; exits 1 when a check fails.
#
# Modes:
#   mixed (default)  `levdyn sim` (the demo's built-in exchange simulator, run on its own) feeds
#                    bybit, okx, deribit, bitmex and hyperliquid, and tests/peers/
#                    hostile_exchange.py plays Binance with a looping fault scenario (bad
#                    frames + reset, oversized frame, close 1011, silence, refused upgrades,
#                    healthy spells with bursts), all into one `levdyn serve`. `levdyn demo`
#                    itself cannot take an extra Binance source: it points every venue the
#                    simulator speaks, Binance included, at the simulator.
#   demo             `levdyn demo` alone (the simulator in-process, no faults).
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PEER = os.path.join(ROOT, "tests", "peers", "hostile_exchange.py")
SIM_VENUES = ["bybit", "okx", "deribit", "bitmex", "hyperliquid"]
ALL_VENUES = ["binance"] + SIM_VENUES

# The hostile Binance, looping: one fault per connection, then a healthy spell with a burst.
SOAK_SCENARIO = {
    "symbols": ["BTCUSDT", "ETHUSDT"],
    "untracked": ["SOLUSDT"],
    "liq_interval_ms": 50,
    "rest_open_interest": [429, 418, 503],
    "retry_after_s": 1,
    "repeat": True,
    "connections": [
        {"steps": [{"mark": True}, {"trade": True}, {"liqs": 20}, {"bad": "malformed"},
                   {"liqs": 10}, {"bad": "wrong_type"}, {"bad": "binary"}, {"liqs": 10},
                   {"bad": "not_json"}, {"bad": "unknown"}, {"end": "reset"}]},
        {"steps": [{"liqs": 20}, {"oversize": 5 * 1024 * 1024}]},
        {"steps": [{"liqs": 20}, {"end": "close", "code": 1011}]},
        {"steps": [{"liqs": 20}, {"end": "silence", "hold_s": 10}]},
        {"reject": 503},
        {"steps": [{"mark": True}, {"liqs": 20}, {"burst": 100, "rate_x": 10}, {"liqs": 20},
                   {"end": "healthy", "for_s": 15}]},
    ],
}


def http_get(port, path, timeout=5.0):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except Exception as e:  # noqa: BLE001 - a failed sample is recorded as status 0
        return 0, repr(e)


def parse_metrics(text):
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$", line)
        if m:
            labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
            out[(m.group(1), labels)] = float(m.group(3))
    return out


def msum(metrics, name, **want):
    total, found = 0.0, False
    for (n, labels), v in metrics.items():
        d = dict(labels)
        if n == name and all(d.get(k) == str(x) for k, x in want.items()):
            total += v
            found = True
    return total if found else None


def proc_sample(pid):
    rss = None
    with open("/proc/%d/status" % pid, encoding="ascii", errors="replace") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
    return rss, len(os.listdir("/proc/%d/fd" % pid))


def read_events(path):
    out = []
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass  # a line being written
    return out


def read_port_line(proc, pattern, what, timeout=30):
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(pattern, line)
        if m:
            return m, lines
    raise RuntimeError("%s did not start: %r" % (what, lines))


def mib(b):
    return "%.1f MiB" % (b / 1048576.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(ROOT, "build", "levdyn"))
    ap.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS", 600)))
    ap.add_argument("--interval", type=float, default=float(os.environ.get("SOAK_INTERVAL", 5)))
    ap.add_argument("--warmup", type=float, default=float(os.environ.get("SOAK_WARMUP", 60)))
    ap.add_argument("--mode", choices=["mixed", "demo"], default=os.environ.get("SOAK_MODE", "mixed"))
    ap.add_argument("--rss-tolerance", type=float, default=0.10)
    args = ap.parse_args()
    warmup = min(args.warmup, args.seconds / 2)
    tmp = tempfile.TemporaryDirectory(prefix="levdyn-soak-")
    d = tmp.name
    procs = []  # (name, Popen), stopped in reverse order
    events_path = None
    sim_log = None
    try:
        if args.mode == "demo":
            levdyn_log = os.path.join(d, "levdyn.log")
            levdyn = subprocess.Popen([args.binary, "demo", "--listen", "127.0.0.1:0"],
                                      stdout=subprocess.PIPE, stderr=open(levdyn_log, "w"),
                                      text=True)
            procs.append(("levdyn demo", levdyn))
            sim_log = levdyn_log  # the simulator logs into the same process
        else:
            # 1. The simulator alone.
            sim_log = os.path.join(d, "sim.log")
            sim = subprocess.Popen([args.binary, "sim", "--port", "0"], stdout=subprocess.PIPE,
                                   stderr=open(sim_log, "w"), text=True)
            procs.append(("levdyn sim", sim))
            m, lines = read_port_line(sim, r"CA certificate (\S+)", "levdyn sim")
            sim_ca = m.group(1)
            urls = {}
            while len(urls) < len(ALL_VENUES):
                line = sim.stdout.readline()
                if not line:
                    break
                mm = re.match(r"\s*(\w+)\s+ws_url: (\S+)\s+rest_url: (\S+)", line)
                if mm:
                    urls[mm.group(1)] = (mm.group(2), mm.group(3))
            missing = [v for v in SIM_VENUES if v not in urls]
            if missing:
                raise RuntimeError("levdyn sim printed no URLs for %s" % missing)
            # 2. The hostile Binance.
            scenario = os.path.join(d, "scenario.json")
            with open(scenario, "w", encoding="utf-8") as f:
                json.dump(SOAK_SCENARIO, f)
            events_path = os.path.join(d, "peer-events.jsonl")
            peer = subprocess.Popen(["/usr/bin/python3", PEER, "--scenario", scenario,
                                     "--events", events_path], stdout=subprocess.PIPE,
                                    stderr=open(os.path.join(d, "peer.log"), "w"), text=True)
            procs.append(("hostile peer", peer))
            m, _ = read_port_line(peer, r"^CERT (\S+)", "hostile peer")
            peer_cert = m.group(1)
            m, _ = read_port_line(peer, r"^PORT (\d+)", "hostile peer")
            peer_port = int(m.group(1))
            bundle = os.path.join(d, "ca-bundle.pem")
            with open(bundle, "w", encoding="ascii") as out:
                for p in (sim_ca, peer_cert):
                    with open(p, encoding="ascii") as f:
                        out.write(f.read())
            # 3. levdyn serve: Binance at the peer, the rest at the simulator.
            cfg = ["http:", "  listen: \"127.0.0.1:0\"", "tls:", "  ca_file: \"%s\"" % bundle,
                   "metadata:", "  cache_dir: \"%s\"" % os.path.join(d, "cache"), "venues:",
                   "  binance:", "    ws_url: \"wss://127.0.0.1:%d/market\"" % peer_port,
                   "    rest_url: \"https://127.0.0.1:%d\"" % peer_port,
                   "    symbols: [BTCUSDT, ETHUSDT]", "    oi_poll_interval: 1s",
                   "    silence_timeout: 2s"]
            for v in SIM_VENUES:
                cfg += ["  %s:" % v, "    ws_url: \"%s\"" % urls[v][0],
                        "    rest_url: \"%s\"" % urls[v][1]]
            config = os.path.join(d, "levdyn.yaml")
            with open(config, "w", encoding="utf-8") as f:
                f.write("\n".join(cfg) + "\n")
            levdyn_log = os.path.join(d, "levdyn.log")
            levdyn = subprocess.Popen([args.binary, "serve", "--config", config],
                                      stdout=subprocess.PIPE, stderr=open(levdyn_log, "w"),
                                      text=True)
            procs.append(("levdyn serve", levdyn))
        m, _ = read_port_line(levdyn, r"http://[\d.]+:(\d+)", "levdyn")
        port = int(m.group(1))
        pid = levdyn.pid

        # ---- sampling ----
        samples = []  # dicts
        t0 = time.monotonic()
        next_t = t0
        while True:
            now = time.monotonic()
            if now - t0 > args.seconds:
                break
            if levdyn.poll() is not None:
                raise RuntimeError("levdyn exited with %s during the soak" % levdyn.returncode)
            rss, fds = proc_sample(pid)
            hz, _ = http_get(port, "/healthz")
            st, text = http_get(port, "/metrics")
            met = parse_metrics(text) if st == 200 else {}
            samples.append({"t": now - t0, "rss": rss, "fds": fds, "healthz": hz,
                            "metrics": met})
            next_t += args.interval
            time.sleep(max(0.0, next_t - time.monotonic()))

        # ---- the end: quiesce the peer, then compare what it sent with what levdyn counted ----
        quiesced = None
        final = samples[-1]["metrics"] if samples else {}
        if args.mode == "mixed":
            peer.send_signal(signal.SIGUSR1)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and quiesced is None:
                for e in read_events(events_path):
                    if e["ev"] == "quiesced":
                        quiesced = e
                time.sleep(0.2)
            if quiesced is not None:
                want = quiesced["liqs"]
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    st, text = http_get(port, "/metrics")
                    final = parse_metrics(text) if st == 200 else final
                    if msum(final, "levdyn_liquidations_total", venue="binance") == want:
                        break
                    time.sleep(0.25)
                time.sleep(1.0)  # and it stays so
                st, text = http_get(port, "/metrics")
                final = parse_metrics(text) if st == 200 else final
        levdyn.send_signal(signal.SIGTERM)
        try:
            rc = levdyn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            levdyn.kill()
            rc = "killed (did not stop within 20 s of SIGTERM)"
    finally:
        for name, p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
    with open(levdyn_log, encoding="utf-8", errors="replace") as f:
        log_text = f.read()
    sim_text = log_text
    if sim_log and sim_log != levdyn_log:
        with open(sim_log, encoding="utf-8", errors="replace") as f:
            sim_text = f.read()
    events = read_events(events_path)
    tmp.cleanup()
    return report(args, warmup, samples, final, quiesced, events, rc, log_text, sim_text)


def report(args, warmup, samples, final, quiesced, events, rc, log_text, sim_text):
    checks = []  # (name, ok, detail)

    def check(name, ok, detail):
        checks.append((name, bool(ok), detail))

    post = [s for s in samples if s["t"] >= warmup]
    if len(post) < 4:
        check("enough samples after warm-up", False, "%d samples" % len(post))
        post = samples
    base_rss = post[0]["rss"]
    rss = [s["rss"] for s in post]
    lo, hi = min(rss), max(rss)
    dev = max(abs(hi - base_rss), abs(lo - base_rss)) / base_rss
    check("RSS within +-%d %% of post-warm-up" % round(args.rss_tolerance * 100),
          dev <= args.rss_tolerance,
          "base %s, min %s, max %s (%+.1f %% / %+.1f %%)" % (
              mib(base_rss), mib(lo), mib(hi), 100.0 * (lo - base_rss) / base_rss,
              100.0 * (hi - base_rss) / base_rss))
    q = max(1, len(post) // 4)
    first_fd, last_fd = min(s["fds"] for s in post[:q]), min(s["fds"] for s in post[-q:])
    check("no fd growth", last_fd - first_fd <= 2,
          "fewest open: %d in the first quarter, %d in the last (max %d)" % (
              first_fd, last_fd, max(s["fds"] for s in post)))
    failed_hz = [s for s in samples if s["healthz"] != 200]
    check("/healthz answered every sample", not failed_hz,
          "%d of %d samples failed" % (len(failed_hz), len(samples)))

    venues = SIM_VENUES if args.mode == "mixed" else ALL_VENUES
    for v in venues:
        rec = msum(final, "levdyn_feed_reconnects_total", venue=v) or 0
        err = msum(final, "levdyn_feed_decode_errors_total", venue=v) or 0
        check("%s: no reconnect, no decode error" % v, rec == 0 and err == 0,
              "reconnects %d, decode errors %d" % (rec, err))
    # Still ingesting at the end: events grew over the last sampled interval.
    if len(samples) >= 2:
        a, b = samples[-2]["metrics"], samples[-1]["metrics"]
        stalled = [v for v in venues if (msum(b, "levdyn_feed_events_total", venue=v) or 0) <=
                   (msum(a, "levdyn_feed_events_total", venue=v) or 0)]
        check("every simulated venue still delivering", not stalled,
              "stalled: %s" % (", ".join(stalled) or "none"))
    behind = sim_text.count("fell behind")
    check("simulator dropped no slow client", behind == 0, "%d 'fell behind' drops" % behind)
    depth = msum(final, "levdyn_queue_depth")
    check("ring drained at the end", depth is not None and depth < 1000,
          "levdyn_queue_depth %s; levdyn_queue_full_total %s (backpressure, nothing dropped)" % (
              depth, msum(final, "levdyn_queue_full_total")))
    if args.mode == "mixed":
        sent = quiesced["liqs"] if quiesced else None
        got = msum(final, "levdyn_liquidations_total", venue="binance")
        check("hostile Binance: every liquidation counted exactly once",
              sent is not None and got == sent, "peer sent %s, levdyn counted %s" % (sent, got))
        bad = quiesced["bad"] if quiesced else None
        errs = msum(final, "levdyn_feed_decode_errors_total", venue="binance")
        check("hostile Binance: every bad frame counted", bad is not None and errs == bad,
              "peer sent %s bad frames, levdyn counted %s decode errors" % (bad, errs))
    check("levdyn exits 0 on SIGTERM", rc == 0, "exit %s" % rc)

    ok = all(c[1] for c in checks)
    out = []
    out.append("## levdyn soak (%s mode): %s" % (args.mode, "PASS" if ok else "FAIL"))
    out.append("")
    out.append("%.0f s run (last sample at %.0f s), a sample every %.0f s (%d samples), "
               "warm-up %.0f s; %s." % (
        args.seconds, samples[-1]["t"] if samples else 0, args.interval, len(samples), warmup,
        "levdyn serve <- levdyn sim (5 venues) + hostile Binance peer" if args.mode == "mixed"
        else "levdyn demo"))
    out.append("")
    out.append("| t (s) | VmRSS | open fds | events (all venues) | binance liqs | binance reconnects |")
    out.append("|---:|---:|---:|---:|---:|---:|")
    step = max(1, len(samples) // 12)
    shown = samples[::step]
    if samples and shown[-1] is not samples[-1]:
        shown.append(samples[-1])
    for s in shown:
        m = s["metrics"]
        out.append("| %.0f | %s | %d | %d | %d | %d |" % (
            s["t"], mib(s["rss"]), s["fds"], msum(m, "levdyn_feed_events_total") or 0,
            msum(m, "levdyn_liquidations_total", venue="binance") or 0,
            msum(m, "levdyn_feed_reconnects_total", venue="binance") or 0))
    out.append("")
    cpu = msum(final, "process_cpu_seconds_total")
    out.append("Final: %d events ingested, %d frames, CPU %.1f s; levdyn_queue_full_total %d." % (
        msum(final, "levdyn_feed_events_total") or 0, msum(final, "levdyn_feed_messages_total") or 0,
        cpu or 0, msum(final, "levdyn_queue_full_total") or 0))
    if args.mode == "mixed":
        reasons = {dict(l)["reason"]: int(v) for (n, l), v in final.items()
                   if n == "levdyn_feed_reconnects_total" and dict(l).get("venue") == "binance"
                   and v > 0}
        conns = len([e for e in events if e["ev"] in ("connect", "reject")])
        rest = {}
        for e in events:
            if e["ev"] == "rest" and "openInterest" in e["path"]:
                rest[e["status"]] = rest.get(e["status"], 0) + 1
        out.append("Hostile Binance: %d connection attempts; levdyn reconnect reasons %s; "
                   "REST statuses %s; rate-limited %d, REST errors %d." % (
                       conns, json.dumps(reasons, sort_keys=True), json.dumps(rest, sort_keys=True),
                       msum(final, "levdyn_rest_rate_limited_total", venue="binance") or 0,
                       msum(final, "levdyn_rest_errors_total", venue="binance") or 0))
    out.append("")
    out.append("| check | result | figures |")
    out.append("|---|---|---|")
    for name, good, detail in checks:
        out.append("| %s | %s | %s |" % (name, "ok" if good else "**FAIL**", detail))
    print("\n".join(out))
    warn = [l for l in log_text.splitlines() if "ERROR" in l]
    if warn:
        print("\nlevdyn ERROR lines (%d), first: %s" % (len(warn), warn[0][:300]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
