#!/usr/bin/python3
# usage: deploy_test.py LEVDYN_BINARY SOURCE_DIR
# Checks deploy/ against a live `levdyn demo`: promtool check config/rules and the alert unit
# tests; every metric the Grafana dashboard, the recording rules and the alerts query is one
# levdyn exposes; a real Prometheus server scrapes the demo and evaluates the recording rules.
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/levdyn"
SOURCE = sys.argv[2] if len(sys.argv) > 2 else "."
PROM = os.path.join(SOURCE, "deploy", "prometheus")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode()


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


class Demo:
    def __enter__(self):
        self.proc = subprocess.Popen([BINARY, "demo", "--listen", "127.0.0.1:0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"http://([\d.]+):(\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("levdyn demo did not announce its port: %r" % line)
        self.port = int(m.group(2))
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


def metric_names_in(expr):
    # Recording-rule names (asset:levdyn_x:rate1m) are not exposed metrics: skip them.
    return set(re.findall(r"(?<![:\w])(levdyn_[a-z0-9_]+)(?![:\w])", expr))


def read(path):
    with open(path) as f:
        return f.read()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class PromtoolTest(unittest.TestCase):
    """promtool on the shipped rules, alert tests and config."""

    def test_check_rules(self):
        r = run(["promtool", "check", "rules", os.path.join(PROM, "levdyn-recording.yml"),
                 os.path.join(PROM, "levdyn-alerts.yml")])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_alert_unit_tests(self):
        r = run(["promtool", "test", "rules", os.path.join(PROM, "tests", "alerts_test.yml")])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        alerts = read(os.path.join(PROM, "levdyn-alerts.yml"))
        tests = read(os.path.join(PROM, "tests", "alerts_test.yml"))
        for name in re.findall(r"alert:\s*(\w+)", alerts):
            self.assertIn("alertname: " + name, tests, "alert %s has no promtool test" % name)

    def test_check_config(self):
        # The shipped config names the rule files by their in-container paths; check a copy
        # pointing at the repository's files.
        with tempfile.TemporaryDirectory() as d:
            cfg = read(os.path.join(PROM, "prometheus.yml"))
            cfg = cfg.replace("/etc/prometheus/rules/", os.path.abspath(PROM) + "/")
            path = os.path.join(d, "prometheus.yml")
            write(path, cfg)
            r = run(["promtool", "check", "config", path])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class LiveMetricsTest(unittest.TestCase):
    """Dashboard, rules and alerts only use metrics a live levdyn exposes; Prometheus scrapes it."""

    @classmethod
    def setUpClass(cls):
        cls.demo = Demo().__enter__()
        deadline = time.time() + 20
        cls.metrics = ""
        while time.time() < deadline:
            cls.metrics = get("http://127.0.0.1:%d/metrics" % cls.demo.port)
            if "levdyn_open_interest_usd{" in cls.metrics:
                break
            time.sleep(0.3)
        cls.exposed = set(re.findall(r"^# TYPE (\S+) (\S+)", cls.metrics, re.M))
        cls.names = set()
        for name, kind in cls.exposed:
            cls.names.add(name)
            if kind == "histogram":
                cls.names |= {name + "_bucket", name + "_sum", name + "_count"}

    @classmethod
    def tearDownClass(cls):
        cls.demo.__exit__(None, None, None)

    def test_dashboard_queries_exposed_metrics(self):
        dash = json.loads(read(os.path.join(SOURCE, "deploy", "grafana", "dashboards", "levdyn.json")))
        exprs = []

        def walk(o):
            if isinstance(o, dict):
                for k, v in o.items():
                    if k == "expr" and isinstance(v, str):
                        exprs.append(v)
                    else:
                        walk(v)
            elif isinstance(o, list):
                for v in o:
                    walk(v)
        walk(dash)
        panels = [p for p in dash.get("panels", []) if p.get("type") != "row"]
        self.assertGreaterEqual(len(panels), 8)
        self.assertTrue(exprs)
        for e in exprs:
            for name in metric_names_in(e):
                self.assertIn(name, self.names, "dashboard query uses %s: %s" % (name, e))

    def test_rules_query_exposed_metrics(self):
        for f in ("levdyn-recording.yml", "levdyn-alerts.yml"):
            text = read(os.path.join(PROM, f))
            for line in text.splitlines():
                if line.strip().startswith("record:"):
                    continue
                for name in metric_names_in(line):
                    self.assertIn(name, self.names, "%s uses %s" % (f, name))

    def test_promtool_check_metrics(self):
        r = subprocess.run(["promtool", "check", "metrics"], input=self.metrics,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_prometheus_scrapes_and_records(self):
        prom = shutil.which("prometheus")
        self.assertIsNotNone(prom, "prometheus is installed by make deps-test")
        with tempfile.TemporaryDirectory() as d:
            cfg = read(os.path.join(PROM, "prometheus.yml"))
            cfg = cfg.replace("/etc/prometheus/rules/", os.path.abspath(PROM) + "/")
            cfg = cfg.replace("levdyn:8080", "127.0.0.1:%d" % self.demo.port)
            cfg = cfg.replace("scrape_interval: 5s", "scrape_interval: 1s")
            cfg = cfg.replace("evaluation_interval: 5s", "evaluation_interval: 1s")
            cfg = re.sub(r"interval: 15s", "interval: 1s", cfg)
            rules_dir = os.path.join(d, "rules")
            os.mkdir(rules_dir)
            for f in ("levdyn-recording.yml", "levdyn-alerts.yml"):
                text = read(os.path.join(PROM, f)).replace("interval: 15s", "interval: 1s")
                write(os.path.join(rules_dir, f), text)
            cfg = cfg.replace(os.path.abspath(PROM) + "/", rules_dir + "/")
            write(os.path.join(d, "prometheus.yml"), cfg)
            port = free_port()
            p = subprocess.Popen([prom, "--config.file", os.path.join(d, "prometheus.yml"),
                                  "--storage.tsdb.path", os.path.join(d, "data"),
                                  "--web.listen-address", "127.0.0.1:%d" % port],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                api = "http://127.0.0.1:%d/api/v1/query?query=" % port

                def query(q):
                    try:
                        return json.loads(get(api + urllib.request.quote(q)))["data"]["result"]
                    except Exception:
                        return []
                deadline = time.time() + 60
                up = oi = rec = []
                while time.time() < deadline:
                    up = query('up{job="levdyn"}')
                    oi = query('levdyn_open_interest_usd{venue="binance",symbol="BTCUSDT"}')
                    rec = query('asset:levdyn_open_interest_usd:sum{asset="BTC"}')
                    if up and up[0]["value"][1] == "1" and oi and rec:
                        break
                    time.sleep(1)
                self.assertTrue(up and up[0]["value"][1] == "1", "levdyn target not up: %s" % up)
                self.assertTrue(oi and float(oi[0]["value"][1]) > 0, oi)
                self.assertTrue(rec and float(rec[0]["value"][1]) > 0, "recording rule: %s" % rec)
            finally:
                p.terminate()
                p.wait(timeout=20)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
