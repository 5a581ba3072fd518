#!/usr/bin/python3
# usage: stream_test.py LEVDYN_BINARY
# The push stream /v1/stream of a live `levdyn demo`, read by a client that is not ours:
# Debian's python3-websockets. Checks the subscribe protocol of DESIGN §6, the metrics
# interval, liquidation pushes, protocol errors, and that a client which stops reading is
# closed with 1008 "slow consumer" and counted while other clients keep receiving.
import asyncio
import json
import re
import socket
import subprocess
import sys
import time
import unittest
import urllib.request

import websockets

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/levdyn"


class Demo:
    def __init__(self, env=None):
        import os
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen([BINARY, "demo", "--listen", "127.0.0.1:0"], env=e,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"http://[\d.]+:(\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("no port announced: %r" % line)
        self.port = int(m.group(1))
        self.url = "ws://127.0.0.1:%d/v1/stream" % self.port
        deadline = time.time() + 20
        while time.time() < deadline:  # ready when BTC has data
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/v1/assets/BTC" % self.port) as r:
                    if r.status == 200:
                        break
            except Exception:
                pass
            time.sleep(0.2)

    def metric(self, name):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.port) as r:
            text = r.read().decode()
        m = re.search(r"^%s(?:\{[^}]*\})? (\S+)$" % re.escape(name), text, re.M)
        return float(m.group(1)) if m else None

    def close(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


async def recv_json(ws, timeout=5):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


class StreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.demo = Demo()

    @classmethod
    def tearDownClass(cls):
        cls.demo.close()

    def test_subscribe_metrics_at_interval(self):
        """Subscribing acks the topics, then metrics.BTC arrives about once per stream.interval."""
        async def go():
            async with websockets.connect(self.demo.url) as ws:
                await ws.send(json.dumps({"op": "subscribe", "topics": ["metrics.BTC"]}))
                ack = await recv_json(ws)
                self.assertEqual(ack, {"op": "subscribed", "topics": ["metrics.BTC"]})
                times = []
                while len(times) < 3:
                    msg = await recv_json(ws)
                    self.assertEqual(msg["topic"], "metrics.BTC")
                    self.assertEqual(msg["data"]["asset"], "BTC")
                    self.assertGreater(msg["data"]["oi_usd"], 0)
                    times.append(time.monotonic())
                gaps = [b - a for a, b in zip(times, times[1:])]
                for g in gaps:  # default stream.interval is 1 s
                    self.assertGreater(g, 0.8, gaps)
                    self.assertLess(g, 1.6, gaps)
                await ws.send(json.dumps({"op": "unsubscribe", "topics": ["metrics.BTC"]}))
                ack = await recv_json(ws)
                while ack.get("op") != "unsubscribed":
                    ack = await recv_json(ws)
                self.assertEqual(ack["topics"], ["metrics.BTC"])
        asyncio.run(go())

    def test_liquidations_pushed(self):
        """liquidations.SOL receives the all-market liquidations of untracked SOL contracts."""
        async def go():
            async with websockets.connect(self.demo.url) as ws:
                await ws.send(json.dumps({"op": "subscribe", "topics": ["liquidations.SOL"]}))
                self.assertEqual((await recv_json(ws))["op"], "subscribed")
                msg = await recv_json(ws, timeout=15)
                self.assertEqual(msg["topic"], "liquidations.SOL")
                d = msg["data"]
                # Binance's !forceOrder@arr and OKX's liquidation-orders carry untracked symbols.
                self.assertIn(d["venue"], ("binance", "okx"))
                self.assertEqual(d["asset"], "SOL")
                self.assertIn(d["position"], ("long", "short"))
                if d["venue"] == "binance":
                    self.assertGreater(d["notional_usd"], 0)
                elif "notional_usd" in d:
                    self.assertGreater(d["notional_usd"], 0)
                # else: OKX sizes untracked instIds in contracts, and without the contract
                # value levdyn leaves the notional out rather than invent it.
        asyncio.run(go())

    def test_protocol_errors(self):
        """Malformed requests and unknown topics get an error message; the stream stays open."""
        async def go():
            async with websockets.connect(self.demo.url) as ws:
                for bad in ["not json", json.dumps({"op": "dance"}),
                            json.dumps({"op": "subscribe", "topics": "metrics.BTC"}),
                            json.dumps({"op": "subscribe", "topics": ["weather.BTC"]}),
                            json.dumps({"op": "subscribe", "topics": [42]})]:
                    await ws.send(bad)
                    msg = await recv_json(ws)
                    self.assertIn("error", msg, bad)
                    self.assertEqual(msg["error"]["code"], "bad_request")
                await ws.send(json.dumps({"op": "subscribe", "topics": ["cascades"]}))
                self.assertEqual((await recv_json(ws))["op"], "subscribed")
        asyncio.run(go())


class SlowConsumerTest(unittest.TestCase):
    def test_slow_client_closed_others_served(self):
        """A client that stops reading is closed with 1008 and counted; a reading client is not."""
        demo = Demo({"LEVDYN_STREAM_INTERVAL": "10ms"})
        try:
            async def go():
                slow_sock = socket.create_connection(("127.0.0.1", demo.port))
                slow_sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                slow = await websockets.connect(demo.url, sock=slow_sock, max_queue=1,
                                                read_limit=2 ** 12, ping_interval=None)
                # The fast client's library drains the socket into an unbounded queue, so
                # the blocking /metrics reads below never make it look slow to the server.
                fast = await websockets.connect(demo.url, max_queue=None)
                topics = ["metrics.BTC", "metrics.ETH"]
                for ws in (slow, fast):
                    await ws.send(json.dumps({"op": "subscribe", "topics": topics}))
                self.assertEqual((await recv_json(fast))["op"], "subscribed")
                # The slow client never reads; the fast one drains for up to 30 s.
                received = 0
                deadline = time.monotonic() + 30
                dropped = 0
                while time.monotonic() < deadline:
                    await recv_json(fast)
                    received += 1
                    if received % 50 == 0:
                        dropped = await asyncio.get_running_loop().run_in_executor(
                            None, demo.metric, "levdyn_stream_clients_dropped_total") or 0
                        if dropped >= 1:
                            break
                self.assertGreaterEqual(dropped, 1, "slow client never dropped")
                self.assertGreater(received, 100)
                # The fast client keeps receiving after the slow one was dropped.
                for _ in range(20):
                    await recv_json(fast)
                # The slow client, once it reads, finds the close frame with 1008 (or, if its
                # socket was jammed past the close timeout, an abnormal closure).
                slow_sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
                code, reason = None, None
                try:
                    while True:
                        await asyncio.wait_for(slow.recv(), 10)
                except websockets.ConnectionClosed as e:
                    code = e.rcvd.code if e.rcvd else 1006
                    reason = e.rcvd.reason if e.rcvd else None
                self.assertIn(code, (1008, 1006))
                if code == 1008:
                    self.assertEqual(reason, "slow consumer")
                await fast.close()
            asyncio.run(go())
        finally:
            demo.close()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
