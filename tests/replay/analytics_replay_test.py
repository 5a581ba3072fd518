#!/usr/bin/python3
# usage: analytics_replay_test.py LEVDYN_BINARY
#
# Liquidation-risk analytics checked offline through `levdyn replay` (issue: leverage
# analytics, acceptance): JSONL frames of Binance forceOrder messages are generated here, fed
# through the same codec and engine as live data, and the printed result is checked.
#   - Hawkes: arrivals simulated by Ogata thinning with a known branching ratio eta (exponential
#     kernel) -> the replay's branching_ratio for BTC is within +-0.15 of eta.
#   - Cascades: a sparse background of liquidations with one injected burst (tens per second
#     for a minute, mostly longs) -> exactly one cascade episode, starting within 15 s of the
#     burst, mostly long notional.
# The generator is seeded: the frames, and so levdyn's output, are the same run after run.
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import unittest

BINARY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/levdyn"
T0_MS = 1_700_000_000_000


def ogata(mu, alpha, beta, horizon_s, rng):
    """Arrival times (s) of a Hawkes process with intensity mu + sum alpha*exp(-beta*(t-ti))."""
    t, times, excite = 0.0, [], 0.0  # excite = sum alpha*exp(-beta*(t - ti)) at time t
    while True:
        lam_bar = mu + excite  # intensity only decays until the next arrival
        w = rng.expovariate(lam_bar)
        excite *= math.exp(-beta * w)
        t += w
        if t >= horizon_s:
            return times
        if rng.random() * lam_bar <= mu + excite:
            times.append(t)
            excite += alpha


def force_order(ts_ms, side, qty, price):
    frame = {"stream": "btcusdt@forceOrder",
             "data": {"e": "forceOrder", "E": ts_ms,
                      "o": {"s": "BTCUSDT", "S": side, "o": "LIMIT", "f": "IOC",
                            "q": qty, "p": price, "ap": price, "X": "FILLED", "l": qty,
                            "z": qty, "T": ts_ms}}}
    return {"ts_ns": ts_ms * 1_000_000, "venue": "binance", "frame": json.dumps(frame)}


def replay(frames, config_text):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "frames.jsonl")
        with open(path, "w") as f:
            for fr in frames:
                f.write(json.dumps(fr) + "\n")
        cfg = os.path.join(d, "levdyn.yaml")
        with open(cfg, "w") as f:
            f.write(config_text)
        out = subprocess.run([BINARY, "replay", path, "--config", cfg], capture_output=True,
                             text=True, timeout=600)
        if out.returncode != 0:
            raise AssertionError("replay exited %d: %s" % (out.returncode, out.stderr))
        sys.stderr.write(out.stderr)
        return json.loads(out.stdout)


def asset(result, name):
    for a in result["assets"]:
        if a["asset"] == name:
            return a
    raise AssertionError("no asset %s in %s" % (name, [a["asset"] for a in result["assets"]]))


class HawkesReplayTest(unittest.TestCase):
    # 10 min window, kernel decay 1/beta = 5 s: about 2 200 arrivals in the window.
    CONFIG = "hawkes:\n  window: 10m\n  decay: 5s\n  min_events: 50\n"

    def check_eta(self, eta, seed):
        beta = 0.2
        mu = 3.6 * (1 - eta)  # stationary rate mu / (1 - eta) = 3.6 arrivals/s
        times = ogata(mu, eta * beta, beta, 600.0, random.Random(seed))
        self.assertGreater(len(times), 2000)
        frames = []
        last_ms = -1
        for i, t in enumerate(times):
            ms = T0_MS + int(t * 1000)
            ms = max(ms, last_ms + 1)  # millisecond timestamps, strictly increasing
            last_ms = ms
            frames.append(force_order(ms, "SELL" if i % 3 else "BUY", "0.01", "50000"))
        a = asset(replay(frames, self.CONFIG), "BTC")
        self.assertIsNotNone(a["branching_ratio"], a.get("hawkes"))
        print("eta %.2f: %d arrivals, replay branching_ratio %.3f" %
              (eta, len(times), a["branching_ratio"]), file=sys.stderr)
        self.assertLess(abs(a["branching_ratio"] - eta), 0.15)
        self.assertGreater(a["intensity"], 0)

    def test_eta_03(self):
        self.check_eta(0.3, 3)

    def test_eta_06(self):
        self.check_eta(0.6, 6)

    def test_eta_09(self):
        self.check_eta(0.9, 9)


class CascadeReplayTest(unittest.TestCase):
    # No Hawkes fits (they do not take part in detection): the replay stays fast.
    CONFIG = "hawkes:\n  min_events: 1000000\n"

    def test_one_burst_one_episode(self):
        rng = random.Random(42)
        frames = []
        t = 0.0
        burst_start, burst_len, end = 3900.0, 60.0, 4500.0  # after a full 1 h baseline
        events = []
        while t < end:  # sparse background: one $5k liquidation per 20 s on average
            t += rng.expovariate(1 / 20.0)
            events.append((t, "SELL" if rng.random() < 0.5 else "BUY", "0.1"))
        n = int(burst_len * 30)  # 30 per second for a minute, 80 % longs, $20k each
        for i in range(n):
            events.append((burst_start + i / 30.0, "SELL" if rng.random() < 0.8 else "BUY", "0.4"))
        events.sort()
        last_ms = -1
        for (ts, side, qty) in events:
            if ts >= end:
                break
            ms = max(T0_MS + int(ts * 1000), last_ms + 1)
            last_ms = ms
            frames.append(force_order(ms, side, qty, "50000"))
        result = replay(frames, self.CONFIG)
        episodes = [c for c in result["cascades"] if c["asset"] == "BTC"]
        self.assertEqual(len(episodes), 1, episodes)
        c = episodes[0]
        print("cascade: %s" % json.dumps(c), file=sys.stderr)
        start_s = (c["start"] - T0_MS) / 1000.0  # episode times are ms since the epoch
        self.assertGreaterEqual(start_s, burst_start - 1)
        self.assertLessEqual(start_s, burst_start + 15)
        self.assertGreater(c["long_usd"], c["short_usd"])
        self.assertFalse(c.get("active", False))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
