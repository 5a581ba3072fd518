#!/usr/bin/python3
# usage: hostile_exchange_test.py LEVDYN_BINARY SOURCE_DIR
#
# Reliability against hostile exchanges (DESIGN §7): the real `levdyn serve` against
# tests/peers/hostile_exchange.py, a Binance USD-M look-alike (Debian's python3-websockets over
# TLS, REST on the same port) that plays a fault per connection: malformed, wrong-typed and
# binary frames then a TCP reset; an oversized frame; a close frame 1011; a silent peer that
# stops answering pings; three refused upgrades (the dead phase); then a 10x burst and a healthy
# channel. Its REST open interest answers 429, 418 and 503 before 200. Checked from /metrics,
# /v1/feeds, /v1/liquidations, /readyz and /healthz:
#   - every valid liquidation counted exactly once (counts and USD per symbol and position);
#   - every rejected frame counted in levdyn_feed_decode_errors_total;
#   - levdyn_feed_reconnects_total{reason} exactly: read_error, frame_too_large,
#     closed_by_peer, silence, handshake x3; reconnect delays within the backoff bounds;
#   - HTTP answers throughout; the dead phase is visible (/v1/feeds, /readyz, feed_connected)
#     and recovers; REST 429/418 pause the polls for Retry-After, 5xx is counted, OI arrives.
# A second instance checks reason="resolve" (a .invalid host) and reason="tls" (a certificate
# not in tls.ca_file, and a TCP server that answers the ClientHello with garbage).
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

BINARY = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/levdyn"
SOURCE = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else "."
PEER = os.path.join(SOURCE, "tests", "peers", "hostile_exchange.py")

SILENCE_TIMEOUT_S = 2.0
# levdyn's FeedTuning defaults (service/feed/ws_session.h): backoff 500 ms doubling to 30 s,
# uniform in [d/2, d]; a healthy frame resets it.
BACKOFF_INITIAL_S = 0.5

# One entry per WebSocket connection attempt (see the peer's header for the step language).
SCENARIO = {
    "symbols": ["BTCUSDT", "ETHUSDT"],
    "untracked": ["SOLUSDT"],
    "liq_interval_ms": 20,
    "rest_open_interest": [429, 418, 503],
    "retry_after_s": 1,
    "connections": [
        # 1: liquidations interleaved with five bad frames, then a TCP reset.
        {"steps": [{"mark": True}, {"trade": True}, {"liqs": 10}, {"bad": "malformed"},
                   {"liqs": 5}, {"bad": "wrong_type"}, {"liqs": 5}, {"bad": "binary"},
                   {"bad": "not_json"}, {"liqs": 5}, {"bad": "unknown"}, {"liqs": 3},
                   {"end": "reset"}]},
        # 2: liquidations, then a 5 MiB frame (levdyn's limit is 4 MiB).
        {"steps": [{"liqs": 15}, {"oversize": 5 * 1024 * 1024}]},
        # 3: liquidations, then close 1011.
        {"steps": [{"liqs": 15}, {"end": "close", "code": 1011}]},
        # 4: liquidations, then silence: no frames, pings never answered.
        {"steps": [{"mark": True}, {"liqs": 10}, {"end": "silence", "hold_s": 30}]},
        # 5-7: the exchange is down: upgrades refused (the backoff grows).
        {"reject": 503},
        {"reject": 503},
        {"reject": 503},
        # 8: back: liquidations, a burst at 10x the rate, more, then healthy.
        {"steps": [{"mark": True}, {"trade": True}, {"liqs": 10}, {"burst": 200, "rate_x": 10},
                   {"liqs": 10}, {"end": "healthy"}]},
    ],
}
EXPECTED_REASONS = {"read_error": 1, "frame_too_large": 1, "closed_by_peer": 1, "silence": 1,
                    "handshake": 3}
ALL_REASONS = ["resolve", "connect", "tls", "handshake", "closed_by_peer", "read_error",
               "silence", "rotation", "frame_too_large", "write_error"]


def make_cert(folder, name):
    cert, key = os.path.join(folder, name + ".pem"), os.path.join(folder, name + "-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def http_get(port, path, timeout=3.0):
    """(status, body text, seconds); status 0 on a transport error."""
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=timeout) as r:
            return r.status, r.read().decode(), time.monotonic() - t0
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), time.monotonic() - t0
    except Exception as e:  # noqa: BLE001 - a failed request is a sample too
        return 0, repr(e), time.monotonic() - t0


def parse_metrics(text):
    """{(name, frozenset(labels)): value}"""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$", line)
        if not m:
            continue
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def metric_sum(metrics, name, **want):
    total, found = 0.0, False
    for (n, labels), v in metrics.items():
        if n != name:
            continue
        d = dict(labels)
        if all(d.get(k) == str(val) for k, val in want.items()):
            total += v
            found = True
    return total if found else None


def write_config(path, listen, ca_file, cache_dir, venues):
    lines = ["http:", "  listen: \"%s\"" % listen, "tls:", "  verify: true",
             "  ca_file: \"%s\"" % ca_file, "metadata:", "  cache_dir: \"%s\"" % cache_dir,
             "  timeout: 3s", "log:", "  level: info", "venues:"]
    for name in ["binance", "bybit", "okx", "deribit", "bitmex", "hyperliquid"]:
        v = venues.get(name)
        lines.append("  %s:" % name)
        if v is None:
            lines.append("    enabled: false")
            continue
        lines.append("    enabled: true")
        for k, val in v.items():
            if isinstance(val, list):
                lines.append("    %s: [%s]" % (k, ", ".join(val)))
            else:
                lines.append("    %s: \"%s\"" % (k, val))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


class Levdyn:
    """`levdyn serve --config FILE` on 127.0.0.1:0; the port from its announce line."""

    def __init__(self, config, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w", encoding="utf-8")
        self.proc = subprocess.Popen([BINARY, "serve", "--config", config],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"http://[\d.]+:(\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("levdyn announced no port: %r; log:\n%s" % (line, self.stderr()))
        self.port = int(m.group(1))

    def get(self, path, timeout=3.0):
        return http_get(self.port, path, timeout)

    def metrics(self):
        status, body, _ = self.get("/metrics")
        if status != 200:
            raise AssertionError("/metrics answered %d: %s" % (status, body[:200]))
        return parse_metrics(body)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            rc = "killed after 15 s (SIGTERM ignored)"
        self.proc.stdout.close()
        self.log.close()
        return rc

    def stderr(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()


class GarbageTlsServer:
    """A TCP server that answers whatever arrives (a TLS ClientHello) with garbage."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepts = []
        self.stopped = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepts.append(time.monotonic())
            try:
                conn.settimeout(1)
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\n\r\nthis is not TLS \x00\xff" * 4)
            except OSError:
                pass
            conn.close()

    def stop(self):
        self.stopped = True
        self.sock.close()


class Monitor:
    """Polls /healthz every 100 ms, and /v1/feeds, /readyz and /metrics every 250 ms."""

    def __init__(self, levdyn):
        self.levdyn = levdyn
        self.health = []  # (t, status, seconds)
        self.samples = []  # (t, feeds_connected, readyz_status, feed_connected_metric)
        self.stopped = False
        self.threads = [threading.Thread(target=self.run_health, daemon=True),
                        threading.Thread(target=self.run_state, daemon=True)]
        for t in self.threads:
            t.start()

    def now(self):
        return time.monotonic()

    def run_health(self):
        while not self.stopped:
            t = self.now()
            status, _, secs = self.levdyn.get("/healthz", timeout=5)
            self.health.append((t, status, secs))
            time.sleep(0.1)

    def run_state(self):
        while not self.stopped:
            t = self.now()
            status, body, _ = self.levdyn.get("/v1/feeds")
            connected = None
            if status == 200:
                for f in json.loads(body)["feeds"]:
                    if f["venue"] == "binance":
                        connected = f["connected"]
            ready, _, _ = self.levdyn.get("/readyz")
            status, body, _ = self.levdyn.get("/metrics")
            gauge = None
            if status == 200:
                gauge = metric_sum(parse_metrics(body), "levdyn_feed_connected", venue="binance")
            self.samples.append((t, connected, ready, gauge))
            time.sleep(0.25)

    def stop(self):
        self.stopped = True
        for t in self.threads:
            t.join(timeout=10)


def wait_for(pred, timeout, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    return pred()


def read_events(path):
    out = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    out.append(json.loads(line))
    return out


class HostileExchangeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.t_start = time.monotonic()
        cls.tmp = tempfile.mkdtemp(prefix="levdyn-hostile-")  # HOSTILE_TEST_KEEP_TMP=1 keeps it
        d = cls.tmp
        cls.cert, cls.key = make_cert(d, "peer")
        cls.other_cert, _ = make_cert(d, "other")  # a CA levdyn #2 trusts instead
        scenario_path = os.path.join(d, "scenario.json")
        with open(scenario_path, "w", encoding="utf-8") as f:
            json.dump(SCENARIO, f)
        cls.events_path = os.path.join(d, "events.jsonl")
        cls.peer_log = open(os.path.join(d, "peer.log"), "w", encoding="utf-8")
        cls.peer = subprocess.Popen(
            ["/usr/bin/python3", PEER, "--cert", cls.cert, "--key", cls.key, "--scenario",
             scenario_path, "--events", cls.events_path],
            stdout=subprocess.PIPE, stderr=cls.peer_log, text=True)
        line = cls.peer.stdout.readline()
        if not line.startswith("PORT "):
            cls.peer.kill()
            raise RuntimeError("the hostile peer did not start: %r" % line)
        cls.peer_port = int(line.split()[1])
        cls.garbage = GarbageTlsServer()

        # levdyn #1: Binance only, at the hostile peer.
        cfg1 = os.path.join(d, "levdyn1.yaml")
        write_config(cfg1, "127.0.0.1:0", cls.cert, os.path.join(d, "cache1"), {
            "binance": {"ws_url": "wss://127.0.0.1:%d/market" % cls.peer_port,
                        "rest_url": "https://127.0.0.1:%d" % cls.peer_port,
                        "symbols": SCENARIO["symbols"], "all_liquidations": "true",
                        "oi_poll_interval": "1s", "silence_timeout": "%ds" % SILENCE_TIMEOUT_S}})
        # levdyn #2: failures before any WebSocket: a name that does not resolve (bybit), a
        # garbage "TLS" server (okx), and the hostile peer's certificate untrusted (binance).
        cfg2 = os.path.join(d, "levdyn2.yaml")
        write_config(cfg2, "127.0.0.1:0", cls.other_cert, os.path.join(d, "cache2"), {
            "binance": {"ws_url": "wss://127.0.0.1:%d/market" % cls.peer_port,
                        "rest_url": "https://nonexistent.invalid",
                        "symbols": ["BTCUSDT"], "oi_poll_interval": "1s"},
            "bybit": {"ws_url": "wss://nonexistent.invalid/v5/public",
                      "rest_url": "https://nonexistent.invalid", "symbols": ["BTCUSDT"]},
            "okx": {"ws_url": "wss://127.0.0.1:%d/ws/v5/public" % cls.garbage.port,
                    "rest_url": "https://nonexistent.invalid", "symbols": ["BTC-USDT-SWAP"]}})

        cls.levdyn = Levdyn(cfg1, os.path.join(d, "levdyn1.log"))
        cls.monitor = Monitor(cls.levdyn)
        cls.levdyn2 = Levdyn(cfg2, os.path.join(d, "levdyn2.log"))
        cls.t_levdyn2 = time.monotonic()
        try:
            cls.run_scenario()
        except BaseException:
            # setUpClass failed: tearDownClass will not run. Show what happened, then clean up.
            for name in ("levdyn1.log", "levdyn2.log", "peer.log", "events.jsonl"):
                path = os.path.join(d, name)
                if os.path.exists(path):
                    with open(path, encoding="utf-8", errors="replace") as f:
                        print("---- %s (tail)\n%s" % (name, f.read()[-3000:]), file=sys.stderr)
            cls.cleanup_tmp = True
            raise
        finally:
            cls.monitor.stop()
            if cls.levdyn2.proc.poll() is None:
                cls.rc2 = cls.levdyn2.stop()
            cls.rc1 = cls.levdyn.stop()
            cls.peer.send_signal(signal.SIGTERM)
            try:
                cls.peer.wait(timeout=10)
            except subprocess.TimeoutExpired:
                cls.peer.kill()
            cls.peer.stdout.close()
            cls.peer_log.close()
            cls.garbage.stop()
            cls.events = read_events(cls.events_path)
            cls.log1 = cls.levdyn.stderr()
            cls.log2 = cls.levdyn2.stderr()
            cls.elapsed = time.monotonic() - cls.t_start
            if getattr(cls, "cleanup_tmp", False) and not os.environ.get("HOSTILE_TEST_KEEP_TMP"):
                shutil.rmtree(d, ignore_errors=True)

    @classmethod
    def run_scenario(cls):
        last_conn = len(SCENARIO["connections"])

        def healthy_event():
            for e in read_events(cls.events_path):
                # The cumulative totals written when the last connection turned healthy.
                if e["ev"] == "totals" and e["conn"] == last_conn and e["why"] == "healthy":
                    return e
            return None

        # levdyn #2: read while the first instance's scenario runs (about 5 s of backoff).
        time.sleep(max(0.0, cls.t_levdyn2 + 5.5 - time.monotonic()))
        cls.metrics2 = cls.levdyn2.metrics()
        cls.feeds2 = json.loads(cls.levdyn2.get("/v1/feeds")[1])["feeds"]
        cls.readyz2 = cls.levdyn2.get("/readyz")[0]
        cls.healthz2 = cls.levdyn2.get("/healthz")[0]
        cls.garbage_accepts = list(cls.garbage.accepts)
        cls.rc2 = cls.levdyn2.stop()

        cls.healthy = wait_for(healthy_event, 60)
        if not cls.healthy:
            raise AssertionError("the peer never reached its healthy connection; events:\n" +
                                 "\n".join(json.dumps(e) for e in read_events(cls.events_path)))
        # Everything the peer sent was read (its barrier); wait for the engine to apply it.
        want = cls.healthy["liqs"]

        def counted():
            n = metric_sum(cls.levdyn.metrics(), "levdyn_liquidations_total", venue="binance")
            return n is not None and n >= want

        wait_for(counted, 10)

        def oi_arrived():
            st, body, _ = cls.levdyn.get("/v1/instruments/binance/ETHUSDT")
            return st == 200 and json.loads(body).get("oi", {}).get("base") is not None and \
                metric_sum(cls.levdyn.metrics(), "levdyn_open_interest_base",
                           venue="binance", symbol="BTCUSDT") is not None

        cls.oi_ok = wait_for(oi_arrived, 10)
        time.sleep(1.0)  # anything doubled or late would show now
        cls.t_metrics1 = time.monotonic()
        cls.metrics1 = cls.levdyn.metrics()
        cls.feeds1 = json.loads(cls.levdyn.get("/v1/feeds")[1])["feeds"]
        cls.liqs1 = json.loads(cls.levdyn.get("/v1/liquidations?venue=binance&limit=1000")[1])
        cls.readyz1 = cls.levdyn.get("/readyz")[0]

    @classmethod
    def tearDownClass(cls):
        print("\nhostile exchange test: %.1f s wall; levdyn #1 exit %s, #2 exit %s; %d peer "
              "events, %d /healthz samples" % (cls.elapsed, cls.rc1, cls.rc2, len(cls.events),
                                              len(cls.monitor.health)), file=sys.stderr)
        try:
            att = {e["conn"]: e["t"] for e in cls.events if e["ev"] in ("connect", "reject")}
            faults = {e["conn"]: (e["kind"], e["t"]) for e in cls.events if e["ev"] == "fault"}
            gaps = ["%s %.2f s" % (faults[c][0] if c in faults else "refused", att[c + 1] -
                                   (faults[c][1] if c in faults else att[c]))
                    for c in sorted(att) if c + 1 in att]
            print("fault -> next attempt: " + ", ".join(gaps), file=sys.stderr)
        except (KeyError, AttributeError):
            pass
        if os.environ.get("HOSTILE_TEST_KEEP_TMP"):
            print("kept %s" % cls.tmp, file=sys.stderr)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- helpers ----
    def ev(self, kind, **want):
        return [e for e in self.events if e["ev"] == kind and
                all(e.get(k) == v for k, v in want.items())]

    def attempt_time(self, conn):
        """When the peer saw connection attempt `conn` (accepted or refused)."""
        for e in self.events:
            if e["ev"] in ("connect", "reject") and e["conn"] == conn:
                return e["t"]
        self.fail("no connection attempt %d; events: %s" % (conn, self.events))

    # ---- levdyn #1 ----
    def test_peer_saw_expected_requests(self):
        """levdyn subscribed the combined streams the peer expects; no unexpected request."""
        self.assertEqual(self.ev("error"), [])
        connects = self.ev("connect")
        self.assertGreaterEqual(len(connects), 5)
        for e in connects:
            self.assertTrue(e["path"].startswith("/market/stream?streams="), e["path"])
        self.assertIn("metadata binance: 2 of 2 symbols from venue", self.log1)

    def test_liquidations_counted_exactly_once(self):
        """levdyn_liquidations_total and _usd_total equal what the peer sent, per key."""
        m = self.metrics1
        self.assertEqual(self.healthy["liqs"], sum(
            c[0] for c in self.healthy["by_key"].values()))
        expected_total = self.healthy["liqs"]
        self.assertEqual(expected_total, 10 + 5 + 5 + 5 + 3 + 15 + 15 + 10 + 10 + 200 + 10)
        self.assertEqual(metric_sum(m, "levdyn_liquidations_total", venue="binance"),
                         expected_total)
        for key, (count, usd) in self.healthy["by_key"].items():
            symbol, position = key.split("|")
            with self.subTest(key=key):
                self.assertEqual(metric_sum(m, "levdyn_liquidations_total", venue="binance",
                                            symbol=symbol, position=position), count)
                got = metric_sum(m, "levdyn_liquidated_usd_total", venue="binance",
                                 symbol=symbol, position=position)
                self.assertAlmostEqual(got, usd, delta=1e-9 * max(usd, 1))

    def test_liquidation_history_has_no_duplicates(self):
        """/v1/liquidations lists every liquidation once: distinct values, the right count."""
        rows = self.liqs1["liquidations"]
        self.assertEqual(len(rows), self.healthy["liqs"])
        keys = {(r["symbol"], r["price"], r["quantity"]) for r in rows}
        self.assertEqual(len(keys), len(rows), "a liquidation was doubled")
        self.assertAlmostEqual(sum(r["notional_usd"] for r in rows), self.healthy["usd"],
                               delta=1e-6 * self.healthy["usd"])

    def test_decode_errors_counted(self):
        """Malformed, wrong-typed, not-JSON, unknown and binary frames: one error each."""
        bad = self.ev("bad")
        self.assertEqual(len(bad), 5)
        self.assertEqual(metric_sum(self.metrics1, "levdyn_feed_decode_errors_total",
                                    venue="binance"), len(bad))
        self.assertIn("binary frame of", self.log1)

    def test_reconnect_reasons(self):
        """levdyn_feed_reconnects_total{reason} names each fault exactly once (x3 refusals)."""
        for reason in ALL_REASONS:
            with self.subTest(reason=reason):
                self.assertEqual(metric_sum(self.metrics1, "levdyn_feed_reconnects_total",
                                            venue="binance", reason=reason),
                                 EXPECTED_REASONS.get(reason, 0))
        feed = [f for f in self.feeds1 if f["venue"] == "binance"][0]
        self.assertEqual(feed["reconnects_by_reason"], EXPECTED_REASONS)

    def test_reconnect_delays_within_backoff_bounds(self):
        """Peer-side gap from each fault to the next attempt: silence detection + backoff."""
        b = BACKOFF_INITIAL_S
        faults = {e["conn"]: e["t"] for e in self.ev("fault")}
        slack = 0.75  # scheduling on a loaded 2-core machine; lower bounds are tight
        # After a healthy frame the first delay is backoff(0) = [b/2, b]. The oversized frame
        # is refused once 4 MiB of it are read: its transfer time comes on top.
        for conn, kind, extra in [(1, "reset", 0), (2, "oversize", 1.5), (3, "close", 0)]:
            with self.subTest(conn=conn, kind=kind):
                gap = self.attempt_time(conn + 1) - faults[conn]
                self.assertGreaterEqual(gap, b / 2 - 0.02)
                self.assertLessEqual(gap, b + slack + extra)
        # Silence: a ping after silence_timeout, dead after another half of it (watchdog ticks
        # every silence_timeout/4), then backoff(0).
        gap = self.attempt_time(5) - faults[4]
        self.assertGreaterEqual(gap, 1.5 * SILENCE_TIMEOUT_S + b / 2 - 0.02)
        self.assertLessEqual(gap, 1.75 * SILENCE_TIMEOUT_S + b + slack)
        # Refused upgrades: backoff(1), backoff(2), backoff(3) — doubling, no reset.
        for conn, d in [(5, 2 * b), (6, 4 * b), (7, 8 * b)]:
            with self.subTest(conn=conn):
                gap = self.attempt_time(conn + 1) - self.attempt_time(conn)
                self.assertGreaterEqual(gap, d / 2 - 0.02)
                self.assertLessEqual(gap, d + slack)

    def test_http_answers_throughout(self):
        """/healthz polled every 100 ms during every fault: always 200, never slow."""
        h = self.monitor.health
        self.assertGreater(len(h), 50)
        bad = [s for s in h if s[1] != 200]
        self.assertEqual(bad, [])
        self.assertLess(max(s[2] for s in h), 1.0)
        times = [s[0] for s in h]
        self.assertLess(max(b - a for a, b in zip(times, times[1:])), 1.5)

    def test_dead_phase_visible_then_recovered(self):
        """While the peer is dead: /v1/feeds down, /readyz 503, levdyn_feed_connected 0."""
        t_dead = self.ev("fault", conn=4)[0]["t"] + 1.5 * SILENCE_TIMEOUT_S + 0.1
        t_back = self.attempt_time(8)
        dead = [s for s in self.monitor.samples if t_dead < s[0] < t_back - 0.1]
        self.assertGreater(len(dead), 3)
        down = [s for s in dead if s[1] is False and s[2] == 503 and s[3] == 0]
        self.assertGreaterEqual(len(down), len(dead) // 2, dead)
        after = [s for s in self.monitor.samples if s[0] > t_back + 0.5]
        self.assertTrue(after)
        self.assertEqual(after[-1][1:], (True, 200, 1.0))
        self.assertEqual(self.readyz1, 200)
        self.assertEqual(metric_sum(self.metrics1, "levdyn_feed_connected", venue="binance"), 1)

    def test_rest_rate_limits_and_errors(self):
        """429 and 418 pause the polls for Retry-After and are counted; 503 is an error."""
        rest = [e for e in self.ev("rest") if "openInterest" in e["path"]]
        statuses = [e["status"] for e in rest]
        self.assertEqual(statuses[:3], [429, 418, 503])
        self.assertTrue(all(s == 200 for s in statuses[3:]), statuses)
        # Retry-After: 1 -> the next request of any poll comes at least a second later.
        self.assertGreaterEqual(rest[1]["t"] - rest[0]["t"], 0.95)
        self.assertGreaterEqual(rest[2]["t"] - rest[1]["t"], 0.95)
        m = self.metrics1
        self.assertEqual(metric_sum(m, "levdyn_rest_rate_limited_total", venue="binance"), 2)
        self.assertEqual(metric_sum(m, "levdyn_rest_errors_total", venue="binance"), 1)
        # levdyn counts a request before sending it: all the peer saw before the scrape.
        self.assertGreaterEqual(metric_sum(m, "levdyn_rest_requests_total", venue="binance"),
                                len([e for e in rest if e["t"] < self.t_metrics1]))
        self.assertIn("HTTP 429, pausing all polls for 1000 ms", self.log1)
        self.assertIn("HTTP 418, pausing all polls for 1000 ms", self.log1)
        self.assertIn("HTTP 503 for /fapi/v1/openInterest", self.log1)

    def test_open_interest_arrives(self):
        """After the refusals, open interest from REST reaches the instrument."""
        self.assertTrue(self.oi_ok)
        last = {}
        for e in self.ev("rest", status=200):
            if "symbol=" in e["path"]:
                last[e["path"].split("symbol=")[1]] = e["oi"]
        self.assertEqual(set(last), {"BTCUSDT", "ETHUSDT"})
        base = metric_sum(self.metrics1, "levdyn_open_interest_base", venue="binance",
                          symbol="BTCUSDT")
        self.assertGreaterEqual(base, 10000)
        self.assertLessEqual(base, last["BTCUSDT"])
        self.assertGreater(metric_sum(self.metrics1, "levdyn_open_interest_usd", venue="binance",
                                      symbol="BTCUSDT"), 0)

    def test_clean_shutdown_and_time(self):
        """SIGTERM stops both instances with exit 0; the whole test stays within a minute."""
        self.assertEqual(self.rc1, 0, self.log1[-2000:])
        self.assertEqual(self.rc2, 0, self.log2[-2000:])
        self.assertLess(self.elapsed, 60)

    # ---- levdyn #2 ----
    def test_unresolvable_host_is_reason_resolve(self):
        m = self.metrics2
        self.assertGreaterEqual(metric_sum(m, "levdyn_feed_reconnects_total", venue="bybit",
                                           reason="resolve"), 1)
        self.assertEqual(metric_sum(m, "levdyn_feed_reconnects_total", venue="bybit"),
                         metric_sum(m, "levdyn_feed_reconnects_total", venue="bybit",
                                    reason="resolve"))
        self.assertIn("failed at resolve (resolve)", self.log2)

    def test_tls_failures_are_reason_tls(self):
        """An untrusted certificate and a garbage server: reason="tls", nothing else."""
        m = self.metrics2
        for venue in ("binance", "okx"):
            with self.subTest(venue=venue):
                tls = metric_sum(m, "levdyn_feed_reconnects_total", venue=venue, reason="tls")
                self.assertGreaterEqual(tls, 1)
                self.assertEqual(metric_sum(m, "levdyn_feed_reconnects_total", venue=venue), tls)
        self.assertIn("certificate verify failed", self.log2)

    def test_failed_feeds_reported_down_and_http_up(self):
        self.assertEqual(self.healthz2, 200)
        self.assertEqual(self.readyz2, 503)
        for f in self.feeds2:
            self.assertFalse(f["connected"], f)
        for venue in ("binance", "bybit", "okx"):
            self.assertEqual(metric_sum(self.metrics2, "levdyn_feed_connected", venue=venue), 0)

    def test_tls_retries_back_off(self):
        """Attempts at the garbage server: delays [d/2, d] with d doubling from 500 ms."""
        a = self.garbage_accepts
        self.assertGreaterEqual(len(a), 3, a)
        for k, (x, y) in enumerate(zip(a, a[1:])):
            d = BACKOFF_INITIAL_S * 2 ** k
            with self.subTest(attempt=k):
                self.assertGreaterEqual(y - x, d / 2 - 0.02)
                self.assertLessEqual(y - x, d + 0.75)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
