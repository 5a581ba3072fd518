#!/usr/bin/python3
# usage: hostile_exchange.py [--cert CERT --key KEY] [--scenario FILE.json] [--port 0]
#                            [--events FILE.jsonl] [--symbols BTCUSDT,ETHUSDT]
#
# A hostile Binance USD-M look-alike: levdyn's fault-injection simulator for exchanges, built on
# a WebSocket server that is not ours (Debian's python3-websockets, legacy API). One TLS port
# on 127.0.0.1 serves both
#   - the combined market streams, wss://127.0.0.1:PORT/market/stream?streams=...
#     (point venues.binance.ws_url at wss://127.0.0.1:PORT/market), and
#   - the REST endpoints levdyn calls (venues.binance.rest_url = https://127.0.0.1:PORT):
#     GET /fapi/v1/exchangeInfo        a valid body listing the scenario's symbols
#     GET /fapi/v1/openInterest?symbol= answers the scenario's "rest_open_interest" statuses
#         first (default 429, 418, 503; 429/418 carry "Retry-After: <retry_after_s>"), then
#         200 with a valid body, a distinct open interest per symbol.
# Without --cert/--key a self-signed certificate for 127.0.0.1 is made in a temporary folder
# (removed at exit); its path is printed as "CERT <path>" (give it to levdyn as tls.ca_file).
# Then the server prints "PORT <n>" on stdout once listening.
#
# Example, by hand:
#   /usr/bin/python3 tests/peers/hostile_exchange.py --events /tmp/hostile.jsonl
#     -> CERT /tmp/hostile-exchange-XXXX/cert.pem, PORT 40123
#   LEVDYN_TLS_CA_FILE=/tmp/hostile-exchange-XXXX/cert.pem \
#   LEVDYN_VENUES_BINANCE_WS_URL=wss://127.0.0.1:40123/market \
#   LEVDYN_VENUES_BINANCE_REST_URL=https://127.0.0.1:40123 \
#   LEVDYN_VENUES_BINANCE_SILENCE_TIMEOUT=2s build/levdyn serve --config CONFIG
#   (CONFIG with the other venues disabled); then watch /metrics and /v1/feeds.
# tests/reliability/hostile_exchange_test.py and scripts/soak.py drive it this way.
#
# THE SCENARIO (JSON, --scenario FILE; DEFAULT_SCENARIO below without it). Each WebSocket
# upgrade request is one connection attempt, numbered from 1; attempt n plays
# scenario["connections"][n-1] (with "repeat": true the list wraps around; past its end
# without "repeat", attempts are healthy). A connection entry is either
#   {"reject": 503}        answer the upgrade with that HTTP status (a failed handshake), or
#   {"steps": [...]}       accept, then play the steps in order:
#     {"liqs": N [, "interval_ms": T]}  N valid forceOrder liquidations, one every T ms
#                                       (default scenario["liq_interval_ms"]); every one has
#                                       distinct price and quantity, so totals are checkable
#     {"burst": N, "rate_x": K}         N liquidations at K times the normal rate
#     {"bad": KIND [, "count": N]}      a frame levdyn must reject and count as a decode error:
#                                       malformed (truncated JSON), not_json, wrong_type (a
#                                       number where Binance sends a string), bad_number,
#                                       unknown (valid JSON of no known shape), empty, binary
#     {"mark": true}                    one markPrice@1s frame per symbol
#     {"trade": true}                   one aggTrade frame per symbol
#     {"sleep_ms": T}
#     {"barrier": true}                 ping and wait for the pong: levdyn has read every frame
#                                       sent before it (every fault below does this first)
#     {"oversize": BYTES}               one text frame of BYTES bytes (levdyn's limit is 4 MiB)
#     {"end": "reset"}                  abrupt TCP reset (SO_LINGER 0, no close frame)
#     {"end": "close", "code": 1011}    a close frame with that code
#     {"end": "silence", "hold_s": 30}  stop reading and sending (no pongs): a dead peer
#     {"end": "healthy" [, "for_s": S]} stay up: a markPrice per symbol every second, pings
#                                       answered; after S seconds close with 1001 (default:
#                                       until the client leaves)
#   Steps after an oversize frame are not played (the client drops the connection).
# Other keys: "symbols" (tracked, listed in exchangeInfo), "untracked" (liquidations of these
# go out too when !forceOrder@arr is subscribed; levdyn files them under symbol "_other"),
# "liq_interval_ms", "rest_open_interest" (list of statuses), "retry_after_s".
# Binance does not deduplicate liquidations and levdyn does not either (it is specified only
# for Deribit and Hyperliquid trades), so the scenario has no duplicate step.
#
# EVENTS (--events FILE, one JSON object per line, "t" = time.monotonic() of this machine):
#   {"ev":"connect","conn":n,"path":...}        {"ev":"reject","conn":n,"status":503}
#   {"ev":"bad","conn":n,"kind":...}            {"ev":"fault","conn":n,"kind":"reset"|...}
#   {"ev":"barrier","conn":n,"ok":true}         {"ev":"closed","conn":n,"code":...}
#   {"ev":"totals", ...cumulative counts...}    after every barrier and at the end of every
#       connection: "liqs", "usd", "by_key" {"BTCUSDT|long": [count, usd]}, "bad", "conn"
#   {"ev":"rest","path":...,"status":...}       {"ev":"healthy","conn":n}
#   {"ev":"error","msg":...}                    a request levdyn should not have made
# SIGUSR1 quiesces the peer: every connection stops sending, waits for a barrier and logs
# {"ev":"quiesced"} with the final totals; later connections stay quiet but healthy.
import argparse
import asyncio
import atexit
import http
import json
import os
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
from urllib.parse import parse_qs, urlsplit

import websockets
from websockets.datastructures import Headers
from websockets.legacy.server import WebSocketServerProtocol

DEFAULT_SCENARIO = {
    "symbols": ["BTCUSDT", "ETHUSDT"],
    "untracked": ["SOLUSDT"],
    "liq_interval_ms": 20,
    "rest_open_interest": [429, 418, 503],
    "retry_after_s": 1,
    "connections": [
        {"steps": [{"mark": True}, {"liqs": 10}, {"bad": "malformed"}, {"liqs": 5},
                   {"bad": "wrong_type"}, {"liqs": 5}, {"bad": "binary"}, {"bad": "not_json"},
                   {"liqs": 5}, {"bad": "unknown"}, {"end": "reset"}]},
        {"steps": [{"liqs": 15}, {"oversize": 5 * 1024 * 1024}]},
        {"steps": [{"liqs": 15}, {"end": "close", "code": 1011}]},
        {"steps": [{"liqs": 10}, {"end": "silence", "hold_s": 30}]},
        {"reject": 503},
        {"reject": 503},
        {"reject": 503},
        {"steps": [{"mark": True}, {"trade": True}, {"liqs": 10}, {"burst": 200, "rate_x": 10},
                   {"liqs": 10}, {"end": "healthy"}]},
    ],
}

BAD_FRAMES = {
    # Truncated JSON.
    "malformed": '{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":%(ms)d,"o":{"s":"BTC',
    "not_json": "this is not json",
    # "o" must be an object: a wrong JSON type.
    "wrong_type": '{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":%(ms)d,"o":"SELL"}}',
    # Quantity "abc" is not a number.
    "bad_number": '{"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":%(ms)d,"o":{"s":'
                  '"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"abc","p":"1","ap":"1",'
                  '"X":"FILLED","l":"1","z":"abc","T":%(ms)d}}}',
    "unknown": '{"hello":"world","n":1}',
    "empty": "",
}


class Peer:
    def __init__(self, scenario, events_path):
        self.sc = scenario
        self.symbols = [s.upper() for s in scenario.get("symbols", ["BTCUSDT", "ETHUSDT"])]
        self.untracked = [s.upper() for s in scenario.get("untracked", [])]
        self.interval = scenario.get("liq_interval_ms", 20) / 1000.0
        self.rest_faults = list(scenario.get("rest_open_interest", [429, 418, 503]))
        self.retry_after = str(scenario.get("retry_after_s", 1))
        self.events = open(events_path, "a", encoding="utf-8") if events_path else None
        self.attempts = 0
        self.liq_seq = 0
        self.liqs = 0
        self.usd = 0.0
        self.by_key = {}
        self.bad = 0
        self.rest_seq = 0
        self.oi_requests = {}
        self.quiesced = False
        self.quiet_event = asyncio.Event()

    # ---- log ----
    def log(self, ev, **kw):
        rec = {"ev": ev, "t": round(time.monotonic(), 6)}
        rec.update(kw)
        line = json.dumps(rec, separators=(",", ":"))
        if self.events:
            self.events.write(line + "\n")
            self.events.flush()
        if ev in ("connect", "reject", "fault", "closed", "error", "quiesced"):
            print(line, file=sys.stderr, flush=True)

    def totals(self, conn, why):
        self.log("totals", conn=conn, why=why, liqs=self.liqs, usd=self.usd, bad=self.bad,
                 by_key=self.by_key)

    # ---- frames ----
    @staticmethod
    def now_ms():
        return int(time.time() * 1000)

    def next_liq(self, streams_all):
        """A valid forceOrder frame with distinct values, and its bookkeeping key."""
        self.liq_seq += 1
        k = self.liq_seq
        pool = self.symbols + (self.untracked if streams_all else [])
        symbol = pool[k % len(pool)]
        side = "SELL" if k % 2 else "BUY"  # SELL: a long was liquidated
        # Distinct, exactly printable values: price in cents, quantity in thousandths.
        price = {"BTCUSDT": 60000, "ETHUSDT": 3000}.get(symbol, 150) + k * 0.25
        qty = round(0.001 * k, 3)
        ms = self.now_ms()
        payload = {"e": "forceOrder", "E": ms,
                   "o": {"s": symbol, "S": side, "o": "LIMIT", "f": "IOC",
                         "q": "%.3f" % qty, "p": "%.2f" % price, "ap": "%.2f" % price,
                         "X": "FILLED", "l": "%.3f" % qty, "z": "%.3f" % qty, "T": ms}}
        stream = "!forceOrder@arr" if streams_all else symbol.lower() + "@forceOrder"
        frame = json.dumps({"stream": stream, "data": payload}, separators=(",", ":"))
        # levdyn computes ap x z from the same decimal strings.
        usd = float("%.2f" % price) * float("%.3f" % qty)
        key = "%s|%s" % (symbol if symbol in self.symbols else "_other",
                         "long" if side == "SELL" else "short")
        return frame, key, usd

    def mark_frames(self):
        ms = self.now_ms()
        out = []
        for i, s in enumerate(self.symbols):
            p = "%.2f" % (60000 + i * 1000 + (ms // 1000) % 100)
            d = {"e": "markPriceUpdate", "E": ms, "s": s, "p": p, "ap": p, "P": p, "i": p,
                 "r": "0.00010000", "T": ms + 3600000}
            out.append(json.dumps({"stream": s.lower() + "@markPrice@1s", "data": d},
                                  separators=(",", ":")))
        return out

    def trade_frames(self):
        ms = self.now_ms()
        out = []
        for i, s in enumerate(self.symbols):
            d = {"e": "aggTrade", "E": ms, "a": ms, "s": s, "p": "%.2f" % (60000 + i),
                 "q": "0.010", "f": 1, "l": 1, "T": ms, "m": bool(i % 2)}
            out.append(json.dumps({"stream": s.lower() + "@aggTrade", "data": d},
                                  separators=(",", ":")))
        return out

    # ---- REST ----
    def rest(self, path):
        u = urlsplit(path)
        headers = Headers([("Content-Type", "application/json")])
        if u.path == "/fapi/v1/exchangeInfo":
            syms = [{"symbol": s, "pair": s, "contractType": "PERPETUAL", "status": "TRADING",
                     "baseAsset": s[:-4] if s.endswith("USDT") else s, "quoteAsset": "USDT",
                     "marginAsset": "USDT"} for s in self.symbols + self.untracked]
            body = {"timezone": "UTC", "serverTime": self.now_ms(),
                    "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE",
                                    "intervalNum": 1, "limit": 2400}], "symbols": syms}
            self.log("rest", path=path, status=200)
            return http.HTTPStatus.OK, headers, json.dumps(body).encode()
        if u.path == "/fapi/v1/openInterest":
            sym = parse_qs(u.query).get("symbol", [""])[0]
            self.rest_seq += 1
            if self.rest_seq <= len(self.rest_faults):
                status = int(self.rest_faults[self.rest_seq - 1])
                if status in (429, 418):
                    headers["Retry-After"] = self.retry_after
                    body = {"code": -1003, "msg": "Too many requests; hostile peer."}
                else:
                    body = {"code": -1001, "msg": "Internal error; hostile peer."}
                self.log("rest", path=path, status=status)
                return http.HTTPStatus(status), headers, json.dumps(body).encode()
            if sym not in self.symbols:
                self.log("error", msg="openInterest for untracked symbol %r" % sym)
                body = {"code": -1121, "msg": "Invalid symbol."}
                return http.HTTPStatus.BAD_REQUEST, headers, json.dumps(body).encode()
            n = self.oi_requests[sym] = self.oi_requests.get(sym, 0) + 1
            oi = 10000 + 1000 * self.symbols.index(sym) + n * 0.5
            self.log("rest", path=path, status=200, oi=oi)
            body = {"symbol": sym, "openInterest": "%.3f" % oi, "time": self.now_ms()}
            return http.HTTPStatus.OK, headers, json.dumps(body).encode()
        self.log("error", msg="unexpected REST request %r" % path)
        return http.HTTPStatus.NOT_FOUND, headers, b'{"code":-1,"msg":"Not found."}'

    def check_ws_path(self, path):
        u = urlsplit(path)
        streams = parse_qs(u.query).get("streams", [""])[0].split("/")
        problems = []
        if not u.path.startswith("/market/stream"):
            problems.append("path %r is not /market/stream" % u.path)
        for s in self.symbols:
            for want in (s.lower() + "@aggTrade", s.lower() + "@markPrice@1s"):
                if want not in streams:
                    problems.append("missing stream " + want)
        if "!forceOrder@arr" not in streams and not all(
                s.lower() + "@forceOrder" in streams for s in self.symbols):
            problems.append("no liquidation stream")
        return streams, problems

    def entry_for(self, n):
        conns = self.sc.get("connections", [])
        if not conns:
            return {"steps": [{"end": "healthy"}]}
        if n <= len(conns):
            return conns[n - 1]
        if self.sc.get("repeat"):
            return conns[(n - 1) % len(conns)]
        return {"steps": [{"end": "healthy"}]}

    # ---- WebSocket ----
    async def barrier(self, ws, conn, timeout=10):
        try:
            waiter = await ws.ping()
            await asyncio.wait_for(waiter, timeout)
            self.log("barrier", conn=conn, ok=True)
            return True
        except Exception as e:  # noqa: BLE001 - any failure is logged, not fatal
            self.log("barrier", conn=conn, ok=False, error=repr(e))
            return False

    async def send_liqs(self, ws, conn, n, interval, streams_all):
        for _ in range(n):
            if self.quiesced:
                return
            frame, key, usd = self.next_liq(streams_all)
            await ws.send(frame)
            self.liqs += 1
            self.usd += usd
            c = self.by_key.setdefault(key, [0, 0.0])
            c[0] += 1
            c[1] += usd
            if interval > 0:
                await asyncio.sleep(interval)

    async def healthy(self, ws, conn, for_s=None):
        self.log("healthy", conn=conn)
        self.totals(conn, "healthy")
        start = time.monotonic()
        while for_s is None or time.monotonic() - start < for_s:
            if not self.quiesced:
                for f in self.mark_frames():
                    await ws.send(f)
            await asyncio.sleep(1.0)
        if not self.quiesced:
            await self.barrier(ws, conn)
        self.totals(conn, "end")
        await ws.close(code=1001, reason="going away")

    async def play(self, ws, conn, steps, streams_all):
        for step in steps:
            if self.quiesced:
                break
            if "liqs" in step:
                iv = step.get("interval_ms", self.interval * 1000) / 1000.0
                await self.send_liqs(ws, conn, int(step["liqs"]), iv, streams_all)
            elif "burst" in step:
                iv = self.interval / float(step.get("rate_x", 10))
                await self.send_liqs(ws, conn, int(step["burst"]), iv, streams_all)
            elif "bad" in step:
                kind = step["bad"]
                for _ in range(int(step.get("count", 1))):
                    if kind == "binary":
                        await ws.send(b"\x00\x01\x02binary market data?\xff")
                    else:
                        await ws.send(BAD_FRAMES[kind] % {"ms": self.now_ms()}
                                      if "%(" in BAD_FRAMES[kind] else BAD_FRAMES[kind])
                    self.bad += 1
                    self.log("bad", conn=conn, kind=kind)
            elif step.get("mark"):
                for f in self.mark_frames():
                    await ws.send(f)
            elif step.get("trade"):
                for f in self.trade_frames():
                    await ws.send(f)
            elif "sleep_ms" in step:
                await asyncio.sleep(step["sleep_ms"] / 1000.0)
            elif step.get("barrier"):
                if await self.barrier(ws, conn):
                    self.totals(conn, "barrier")
            elif "oversize" in step:
                await self.barrier(ws, conn)
                self.totals(conn, "fault")
                self.log("fault", conn=conn, kind="oversize", bytes=int(step["oversize"]))
                try:
                    await ws.send('{"pad":"' + "x" * max(int(step["oversize"]) - 10, 0) + '"}')
                    await asyncio.wait_for(ws.wait_closed(), 15)
                except Exception:  # noqa: BLE001 - the client is expected to drop us
                    pass
                return
            elif "end" in step:
                kind = step["end"]
                if kind == "healthy":
                    await self.healthy(ws, conn, step.get("for_s"))
                    return
                await self.barrier(ws, conn)
                self.totals(conn, "fault")
                self.log("fault", conn=conn, kind=kind)
                if kind == "reset":
                    sock = ws.transport.get_extra_info("socket")
                    if sock is not None:
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                        struct.pack("ii", 1, 0))
                    ws.transport.abort()
                elif kind == "close":
                    await ws.close(code=int(step.get("code", 1011)),
                                   reason=step.get("reason", "hostile close"))
                elif kind == "silence":
                    ws.transport.pause_reading()
                    try:
                        await asyncio.wait_for(self.quiet_event.wait(), step.get("hold_s", 30))
                    except asyncio.TimeoutError:
                        pass
                    ws.transport.abort()
                else:
                    raise ValueError("unknown end %r" % kind)
                return
            else:
                raise ValueError("unknown step %r" % step)
        # Quiesced (or the steps ran out): stay connected and quiet, answering pings.
        if self.quiesced:
            await self.barrier(ws, conn)
        self.totals(conn, "idle")
        await ws.wait_closed()

    async def handler(self, ws, path):
        conn = ws.conn_no
        streams, problems = self.check_ws_path(path)
        for p in problems:
            self.log("error", conn=conn, msg=p)
        self.log("connect", conn=conn, path=path)
        entry = ws.entry
        try:
            if self.quiesced:
                await self.barrier(ws, conn)
                await ws.wait_closed()
            else:
                await self.play(ws, conn, entry.get("steps", []), "!forceOrder@arr" in streams)
        except websockets.ConnectionClosed:
            pass
        except Exception as e:  # noqa: BLE001 - log and drop the connection
            self.log("error", conn=conn, msg="handler: %r" % e)
        finally:
            self.totals(conn, "closed")
            self.log("closed", conn=conn, code=ws.close_code)

    async def quiesce(self):
        self.quiesced = True
        self.quiet_event.set()
        await asyncio.sleep(0.5)  # let the connections notice
        self.log("quiesced", liqs=self.liqs, usd=self.usd, bad=self.bad, by_key=self.by_key)


def make_cert(folder):
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                    "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


async def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--scenario", help="JSON scenario file (default: the built-in one)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--events", help="append JSONL events here")
    ap.add_argument("--symbols", help="override the scenario's tracked symbols (A,B)")
    args = ap.parse_args()
    scenario = dict(DEFAULT_SCENARIO)
    if args.scenario:
        with open(args.scenario, encoding="utf-8") as f:
            scenario.update(json.load(f))
    if args.symbols:
        scenario["symbols"] = [s for s in args.symbols.split(",") if s]
    if not args.cert:
        folder = tempfile.mkdtemp(prefix="hostile-exchange-")
        atexit.register(shutil.rmtree, folder, True)
        args.cert, args.key = make_cert(folder)
        print("CERT %s" % args.cert, flush=True)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    peer = Peer(scenario, args.events)

    class Protocol(WebSocketServerProtocol):
        conn_no = 0
        entry = None

        async def process_request(self, path, request_headers):
            if request_headers.get("Upgrade", "").lower() != "websocket":
                return peer.rest(path)
            peer.attempts += 1
            self.conn_no = peer.attempts
            self.entry = {} if peer.quiesced else peer.entry_for(self.conn_no)
            if "reject" in self.entry:
                status = int(self.entry["reject"])
                peer.log("reject", conn=self.conn_no, status=status, path=path)
                return (http.HTTPStatus(status), Headers([("Content-Type", "text/plain")]),
                        b"hostile peer: upgrade refused\n")
            return None

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, lambda: asyncio.ensure_future(peer.quiesce()))
    stop = loop.create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    # The client keeps the channel alive (Binance's own pings are every 3 minutes); no limit on
    # what the client may send beyond Binance's small control messages.
    async with websockets.serve(peer.handler, "127.0.0.1", args.port, ssl=ctx,
                                create_protocol=Protocol, ping_interval=None,
                                max_size=2 ** 20, close_timeout=2) as server:
        port = server.sockets[0].getsockname()[1]
        print("PORT %d" % port, flush=True)
        await stop
    peer.log("exit", liqs=peer.liqs, usd=peer.usd, bad=peer.bad, by_key=peer.by_key)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
