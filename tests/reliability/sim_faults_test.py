#!/usr/bin/python3
# usage: sim_faults_test.py LEVDYN_BINARY SOURCE_DIR
#
# Fault injection in the built-in simulator (issue 8, points 1 and 2): `levdyn sim --faults
# tests/reliability/sim_faults.yaml --port 0` plays a schedule of faults on all six venues in
# their own wire formats, and a real `levdyn serve` runs against it. The simulator reports what
# it sent at GET /_sim/counters. Checked from /metrics, /v1/feeds, /readyz and /healthz:
#   - every valid distinct liquidation the simulator sent counted exactly once per venue, with
#     bursts, duplicates (Deribit, Hyperliquid) and reordering injected; Hyperliquid trades too;
#   - every malformed, wrong-typed and binary frame counted in levdyn_feed_decode_errors_total;
#   - levdyn_feed_reconnects_total{reason} per venue equal to what the simulator did: resets
#     (read_error), close 1011 (closed_by_peer), oversize (frame_too_large), silence (silence),
#     refused upgrades (handshake), TLS garbage (tls); no other reason;
#   - reconnects within the backoff bounds: every failure-to-next-attempt delay in levdyn's log
#     within [d/2, d] with d doubling from 500 ms, refused attempts while down 2-5 per venue;
#   - HTTP answers throughout; the all-down phase shows in /v1/feeds, /readyz and
#     levdyn_feed_connected, and every feed comes back;
#   - quiet channels (nothing sent but answers, 3x silence_timeout) are not taken for dead:
#     levdyn's pings are answered and every feed stays up;
#   - REST 429/418 counted as rate limits, 503 as an error.
# The unresolvable host (reason="resolve") is covered by hostile_exchange_test.py: it needs no
# simulator.
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_exchange_test as h  # noqa: E402  (shared helpers: Levdyn, metrics, config)

BINARY = h.BINARY
SOURCE = h.SOURCE
FAULTS = os.path.join(SOURCE, "tests", "reliability", "sim_faults.yaml")
VENUES = ["binance", "okx", "bybit", "deribit", "bitmex", "hyperliquid"]
SILENCE_TIMEOUT_S = 2.0
BACKOFF_INITIAL_S = 0.5
DOWN_AT_S, DOWN_FOR_S, QUIET_AT_S, QUIET_FOR_S = 12.0, 3.0, 17.0, 6.0
REASONS = ["resolve", "connect", "tls", "handshake", "closed_by_peer", "read_error", "silence",
           "rotation", "frame_too_large", "write_error"]


class Sim:
    """`levdyn sim --faults FILE --port 0`: its port, CA file and venue URLs from stdout."""

    def __init__(self, faults, log_path):
        self.log = open(log_path, "w", encoding="utf-8")
        self.log_path = log_path
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([BINARY, "sim", "--scenario", "fast", "--port", "0",
                                      "--faults", faults], stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)
        head = self.proc.stdout.readline()
        m = re.search(r"127\.0\.0\.1:(\d+), CA certificate (\S+)", head)
        if not m:
            self.proc.kill()
            raise RuntimeError("levdyn sim did not start: %r" % head)
        self.port, self.ca_file = int(m.group(1)), m.group(2)
        self.urls = {}
        for _ in VENUES:
            line = self.proc.stdout.readline()
            m = re.match(r"\s*(\w+)\s+ws_url: (\S+)\s+rest_url: (\S+)", line)
            self.urls[m.group(1)] = (m.group(2), m.group(3))
        self.tls = ssl.create_default_context(cafile=self.ca_file)

    def counters(self):
        url = "https://127.0.0.1:%d/_sim/counters" % self.port
        with urllib.request.urlopen(url, context=self.tls, timeout=3) as r:
            return json.loads(r.read().decode())

    def elapsed(self):
        return time.monotonic() - self.t0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = "killed"
        self.proc.stdout.close()
        self.log.close()
        return rc


class FeedMonitor(h.Monitor):
    """h.Monitor on the simulator's clock, with every venue's state sampled every 100 ms."""

    def __init__(self, levdyn, sim):
        self.sim = sim  # before the threads start: they read the simulator's clock
        super().__init__(levdyn)

    def now(self):
        return self.sim.elapsed()

    def run_state(self):
        while not self.stopped:
            t = self.now()
            status, body, _ = self.levdyn.get("/v1/feeds")
            feeds = {}
            if status == 200:
                for f in json.loads(body)["feeds"]:
                    feeds[f["venue"]] = f["connected"]
            ready = self.levdyn.get("/readyz")[0]
            gauges = {}
            status, body, _ = self.levdyn.get("/metrics")
            if status == 200:
                m = h.parse_metrics(body)
                for v in VENUES:
                    gauges[v] = h.metric_sum(m, "levdyn_feed_connected", venue=v)
            self.samples.append((t, feeds, ready, gauges))
            time.sleep(0.1)


class SimFaultsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t_start = time.monotonic()
        cls.tmp = tempfile.mkdtemp(prefix="levdyn-simfaults-")
        d = cls.tmp
        cls.sim = Sim(FAULTS, os.path.join(d, "sim.log"))
        cfg = os.path.join(d, "levdyn.yaml")
        venues = {}
        for v in VENUES:
            ws, rest = cls.sim.urls[v]
            venues[v] = {"ws_url": ws, "rest_url": rest,
                         "silence_timeout": "%ds" % SILENCE_TIMEOUT_S}
        venues["binance"]["oi_poll_interval"] = "1s"
        h.write_config(cfg, "127.0.0.1:0", cls.sim.ca_file, os.path.join(d, "cache"), venues)
        cls.levdyn = h.Levdyn(cfg, os.path.join(d, "levdyn.log"))
        cls.monitor = FeedMonitor(cls.levdyn, cls.sim)
        try:
            cls.run_schedule()
        finally:
            cls.monitor.stop()
            cls.rc = cls.levdyn.stop()
            cls.sim_rc = cls.sim.stop()
            cls.log = cls.levdyn.stderr()
            with open(os.path.join(d, "sim.log"), encoding="utf-8", errors="replace") as f:
                cls.sim_log = f.read()
            cls.elapsed = time.monotonic() - cls.t_start

    @classmethod
    def run_schedule(cls):
        # Quiet from 17 s: levdyn's counters as it starts, then after it.
        time.sleep(max(0.0, QUIET_AT_S - cls.sim.elapsed()))
        cls.metrics_quiet_start = cls.levdyn.metrics()
        # Wait for the end of the quiet phase, then for every feed to be up and the counts to
        # settle: the simulator's counters (read first) and levdyn's must agree on every venue.
        time.sleep(max(0.0, QUIET_AT_S + QUIET_FOR_S + 0.3 - cls.sim.elapsed()))
        cls.metrics_quiet_end = cls.levdyn.metrics()

        def settled():
            c = cls.sim.counters()
            m = cls.levdyn.metrics()
            for v in VENUES:
                if h.metric_sum(m, "levdyn_feed_connected", venue=v) != 1:
                    return None
                if (h.metric_sum(m, "levdyn_liquidations_total", venue=v) or 0) != \
                        c["venues"][v]["liquidations_sent"]:
                    return None
            return c, m

        got = h.wait_for(settled, 12, interval=0.25)
        time.sleep(1.0)  # anything doubled or late would show now
        cls.counters = cls.sim.counters()
        cls.metrics = cls.levdyn.metrics()
        cls.settled = got is not None
        cls.feeds = {f["venue"]: f for f in json.loads(cls.levdyn.get("/v1/feeds")[1])["feeds"]}
        cls.readyz = cls.levdyn.get("/readyz")[0]

    @classmethod
    def tearDownClass(cls):
        print("\nsim faults test: %.1f s wall; levdyn exit %s, sim exit %s; %d /healthz samples"
              % (cls.elapsed, cls.rc, cls.sim_rc, len(cls.monitor.health)), file=sys.stderr)
        if os.environ.get("SIM_FAULTS_TEST_KEEP_TMP"):
            print("kept %s" % cls.tmp, file=sys.stderr)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- helpers ----
    def c(self, venue, key):
        return self.counters["venues"][venue][key]

    def m(self, name, **labels):
        return h.metric_sum(self.metrics, name, **labels) or 0

    def reasons(self, venue):
        return {r: self.m("levdyn_feed_reconnects_total", venue=venue, reason=r) for r in REASONS}

    # ---- tests ----
    def test_every_fault_applied(self):
        """The schedule really ran: each venue saw its faults (a test that cannot fail is none)."""
        self.assertIn("fault pause on bitmex", self.sim_log)
        self.assertIn("fault quiet on binance", self.sim_log)
        self.assertEqual(self.c("binance", "resets"), 2)  # reset, then down
        self.assertEqual(self.c("okx", "closes"), 1)
        self.assertEqual(self.c("deribit", "silences"), 1)
        for v in ("deribit", "hyperliquid"):
            with self.subTest(venue=v):
                self.assertGreater(self.c(v, "duplicate_frames_sent"), 0)
                self.assertGreater(self.c(v, "reordered_frames"), 0)
        self.assertGreater(self.c("okx", "reordered_frames"), 0)
        for v in ("binance", "okx", "deribit", "hyperliquid"):
            with self.subTest(venue=v):
                self.assertGreater(self.c(v, "burst_events"), 0)
        self.assertEqual(self.c("binance", "rest_faults_sent"), 3)
        self.assertGreaterEqual(self.counters["tls_failures_sent"], 1)
        self.assertGreater(self.c("deribit", "liquidations_sent"), 0)

    def test_liquidations_counted_exactly_once(self):
        """levdyn_liquidations_total equals the simulator's distinct valid liquidations."""
        for v in ("binance", "okx", "bybit", "deribit", "bitmex"):
            with self.subTest(venue=v):
                self.assertGreater(self.c(v, "liquidations_sent"), 0)
                self.assertEqual(self.m("levdyn_liquidations_total", venue=v),
                                 self.c(v, "liquidations_sent"))
        self.assertTrue(self.settled, "counts never agreed while every feed was up")

    def test_trades_counted_exactly_once(self):
        """Hyperliquid (duplicated, reordered, replayed on resubscribe) and Deribit (duplicated,
        reordered) trades: each once."""
        for v in ("hyperliquid", "deribit"):
            with self.subTest(venue=v):
                sent = self.c(v, "trades_sent")
                self.assertGreater(sent, 0)
                self.assertEqual(self.m("levdyn_trades_total", venue=v), sent)

    def test_decode_errors_counted(self):
        """Each malformed, wrong-typed or binary frame: one decode error, on its venue."""
        for v in VENUES:
            with self.subTest(venue=v):
                self.assertGreaterEqual(self.c(v, "bad_frames_sent"), 2)
                self.assertEqual(self.m("levdyn_feed_decode_errors_total", venue=v),
                                 self.c(v, "bad_frames_sent"), self.counters["venues"][v])

    def test_reconnect_reasons(self):
        """Each reconnect reason per venue matches what the simulator did; nothing else."""
        for v in VENUES:
            got = self.reasons(v)
            tls = got.pop("tls")
            expected = {r: 0 for r in REASONS if r != "tls"}
            expected["read_error"] = self.c(v, "resets")
            expected["closed_by_peer"] = self.c(v, "closes") + self.c(v, "dropped_for_heartbeat")
            expected["handshake"] = self.c(v, "upgrades_refused")
            expected["silence"] = self.c(v, "silences")
            expected["frame_too_large"] = 1 if v == "bitmex" else 0
            with self.subTest(venue=v):
                self.assertEqual(got, expected)
                if v == "bybit":
                    self.assertGreaterEqual(tls, 1)
        total_tls = sum(self.m("levdyn_feed_reconnects_total", venue=v, reason="tls")
                        for v in VENUES)
        self.assertLessEqual(total_tls, self.counters["tls_failures_sent"])

    def test_backoff_bounds(self):
        """Down for 3 s: refused attempts follow the doubling backoff (2-5 each, not a storm)."""
        for v in VENUES:
            with self.subTest(venue=v):
                n = self.c(v, "upgrades_refused")
                self.assertGreaterEqual(n, 2)
                self.assertLessEqual(n, 5)

    def feed_timelines(self):
        """{(venue, endpoint): [(t, "up"|reason)]} from levdyn's log lines."""
        out = {}
        pat = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:(\d\d\.\d+))Z \w+\s+feed (\w+): "
                         r"(?:connected endpoint (\d+)|endpoint (\d+) failed at [^(]*\((\w+)\))")
        for line in self.log.splitlines():
            mm = pat.match(line)
            if not mm:
                continue
            stamp = time.mktime(time.strptime(mm.group(1)[:19], "%Y-%m-%dT%H:%M:%S")) + \
                float("0." + mm.group(2).split(".")[1])
            endpoint = mm.group(4) if mm.group(4) is not None else mm.group(5)
            what = "up" if mm.group(4) is not None else mm.group(6)
            out.setdefault((mm.group(3), endpoint), []).append((stamp, what))
        return out

    def test_reconnect_delays_within_backoff_bounds(self):
        """Failure to next attempt: [d/2, d] with d = 500 ms doubling per consecutive failure."""
        timelines = self.feed_timelines()
        self.assertEqual({v for v, _ in timelines}, set(VENUES))
        slack = 0.75  # scheduling on a loaded 2-core machine; lower bounds are tight
        checked = 0
        for key, events in timelines.items():
            streak = 0  # consecutive failures since the last connection
            for (t, what), (t_next, _) in zip(events, events[1:]):
                if what == "up":
                    streak = 0
                    continue
                d = min(BACKOFF_INITIAL_S * 2 ** streak, 30.0)
                streak += 1
                checked += 1
                with self.subTest(feed=key, at=round(t % 100, 3), reason=what):
                    self.assertGreaterEqual(t_next - t, d / 2 - 0.02)
                    self.assertLessEqual(t_next - t, d + slack)
        self.assertGreater(checked, 20)

    def test_quiet_channels_kept_alive(self):
        """Nothing but answers for 6 s (3x silence_timeout): levdyn pings, the simulator answers,
        and no feed is taken for dead."""
        late = [s for s in self.monitor.samples
                if QUIET_AT_S + 3.5 < s[0] < QUIET_AT_S + QUIET_FOR_S - 0.2]
        self.assertGreater(len(late), 5)
        for v in VENUES:
            with self.subTest(venue=v):
                self.assertEqual([s[0] for s in late if s[1].get(v) is not True or
                                  s[3].get(v) != 1], [])
                before = h.metric_sum(self.metrics_quiet_start, "levdyn_feed_pings_total",
                                      venue=v) or 0
                after = h.metric_sum(self.metrics_quiet_end, "levdyn_feed_pings_total",
                                     venue=v) or 0
                self.assertGreaterEqual(after - before, 1)
                self.assertEqual(h.metric_sum(self.metrics_quiet_end,
                                              "levdyn_feed_reconnects_total", venue=v,
                                              reason="silence") or 0, self.c(v, "silences"))
        self.assertEqual([s[0] for s in late if s[2] != 200], [])

    def test_http_answers_throughout(self):
        hs = self.monitor.health
        self.assertGreater(len(hs), 50)
        self.assertEqual([s for s in hs if s[1] != 200], [])
        self.assertLess(max(s[2] for s in hs), 1.0)

    def test_dead_feeds_visible_then_recovered(self):
        """All venues down: /v1/feeds false, /readyz 503, feed_connected 0; then all back."""
        dead = [s for s in self.monitor.samples
                if DOWN_AT_S + 1.0 < s[0] < DOWN_AT_S + DOWN_FOR_S - 0.2]
        self.assertGreater(len(dead), 3)
        down = [s for s in dead if s[2] == 503 and not any(s[1].values()) and
                all(g == 0 for g in s[3].values())]
        self.assertGreaterEqual(len(down), len(dead) // 2, dead[:3])
        self.assertEqual(self.readyz, 200)
        for v in VENUES:
            with self.subTest(venue=v):
                self.assertTrue(self.feeds[v]["connected"])
                self.assertEqual(self.m("levdyn_feed_connected", venue=v), 1)

    def test_rest_rate_limits_and_errors(self):
        self.assertEqual(self.m("levdyn_rest_rate_limited_total", venue="binance"), 2)
        self.assertGreaterEqual(self.m("levdyn_rest_errors_total", venue="binance"), 1)
        self.assertIn("HTTP 429, pausing all polls for 1000 ms", self.log)
        self.assertIn("HTTP 418, pausing all polls for 1000 ms", self.log)

    def test_clean_shutdown_and_time(self):
        self.assertEqual(self.rc, 0, self.log[-2000:])
        self.assertEqual(self.sim_rc, 0)
        self.assertLess(self.elapsed, 50)


class FaultFileErrorsTest(unittest.TestCase):
    """Bad fault files: one clear line, exit 2, never a crash."""

    def run_sim(self, text):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(text)
        try:
            p = subprocess.run([BINARY, "sim", "--port", "0", "--faults", f.name],
                               capture_output=True, text=True, timeout=10)
        finally:
            os.unlink(f.name)
        return p.returncode, p.stderr

    def test_errors(self):
        cases = [
            ("faults: [{venue: binance, at: 1s, fault: explode}]", "unknown fault 'explode'"),
            ("faults: [{venue: nowhere, at: 1s, fault: reset}]", "unknown venue 'nowhere'"),
            ("faults: [{venue: binance, at: soon, fault: reset}]", "faults[0].at"),
            ("faults: [{venue: binance, at: 1s, fault: duplicate, for: 2s}]",
             "duplicate is only for deribit and hyperliquid"),
            ("faults: [{venue: okx, at: 1s, fault: close, code: 1006}]", "faults[0].code"),
            ("faults: [{venue: okx, at: 1s, fault: reset, colour: red}]", "faults[0].colour"),
            ("faults: [{venue: okx, at: 1s, fault: burst}]", "faults[0].for"),
            ("faults: {{{", "not YAML/JSON"),
            ("[1, 2]", "faults[0]"),
        ]
        for text, want in cases:
            with self.subTest(text=text):
                rc, err = self.run_sim(text)
                self.assertEqual(rc, 2, err)
                self.assertIn("--faults", err)
                self.assertIn(want, err)
                self.assertEqual(len(err.strip().splitlines()), 1, err)
        p = subprocess.run([BINARY, "sim", "--faults", "/nonexistent/f.yaml"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("cannot read", p.stderr)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
