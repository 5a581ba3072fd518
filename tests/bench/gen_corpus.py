#!/usr/bin/python3
"""Deterministic mixed-venue JSONL corpus for the decode benchmarks (issue 7 point 1, issue 5
point 5).

usage: tests/bench/gen_corpus.py [--frames N] [--seed S] --out FILE

Writes N frames (default 1,000,000) in DESIGN §6's JSONL interchange format,
  {"ts_ns":…,"venue":"binance","frame":"<raw text>"}
one per line, of the message kinds levdyn decodes and tardis-dev normalizes (trades,
liquidations, open interest / tickers, mark price / funding) for all six venues, on the symbols
each venue tracks by default (service/venues/*.cc default_settings()). Shapes follow the
fixtures in ../shared/fixtures/<venue>; prices walk randomly, quantities, ids, sides and
timestamps vary. The same arguments give the same bytes (seeded PRNG, no clock, no hash order).

Receive times start at 2026-01-15T00:00:00Z, a date after every venue API switch that
tardis-dev's mapper factories look at (Bybit v5 allLiquidation, OKX v5 trades-all).

Binance trades are `aggTrade` frames, the stream levdyn subscribes; tardis-dev normalizes only
Binance's raw `@trade` stream, so for those frames tardis-dev does JSON.parse and the canHandle
checks and emits nothing (bench/tardis/normalize.mjs counts them as unhandled).
"""
import argparse
import json
import random
import sys
import time

BASE_MS = 1768435200000  # 2026-01-15T00:00:00Z

VENUES = ["binance", "bybit", "okx", "deribit", "bitmex", "hyperliquid"]

# Default tracked symbols (default_settings()) and a starting price for each.
SYMBOLS = {
    "binance": [("BTCUSDT", 96000.0), ("ETHUSDT", 3300.0)],
    "bybit": [("BTCUSDT", 96000.0), ("ETHUSDT", 3300.0)],
    "okx": [("BTC-USDT-SWAP", 96000.0), ("ETH-USDT-SWAP", 3300.0)],
    "deribit": [("BTC-PERPETUAL", 96000.0), ("ETH-PERPETUAL", 3300.0)],
    "bitmex": [("XBTUSD", 96000.0), ("ETHUSD", 3300.0)],
    "hyperliquid": [("BTC", 96000.0), ("ETH", 3300.0)],
}


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"))


def iso(ms):
    s, milli = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%03dZ" % milli


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.price = {(v, s): p for v, lst in SYMBOLS.items() for s, p in lst}
        self.oi = {(v, s): (80000.0 if p > 10000 else 1.5e6) for v, lst in SYMBOLS.items()
                   for s, p in lst}
        self.seq = 1_000_000_000
        self.bybit_snapshot_sent = set()
        self.bitmex_open = []  # (orderID, symbol, leavesQty) of resting liquidation orders

    # --- helpers -------------------------------------------------------------------------
    def sym(self, venue):
        return self.r.choice(SYMBOLS[venue])[0]

    def px(self, venue, sym, tick):
        key = (venue, sym)
        p = self.price[key] * (1.0 + self.r.gauss(0.0, 0.0002))
        p = max(tick, round(p / tick) * tick)
        self.price[key] = p
        return p

    def fmt(self, x, decimals):
        return "%.*f" % (decimals, x)

    def next_id(self):
        self.seq += self.r.randint(1, 7)
        return self.seq

    def qty(self, lo, hi, decimals):
        return self.fmt(self.r.uniform(lo, hi), decimals)

    def uuid(self):
        h = "%032x" % self.r.getrandbits(128)
        return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])

    def hexs(self, n):
        return "%0*x" % (n, self.r.getrandbits(4 * n))

    def is_btc(self, sym):
        return sym.startswith("BTC") or sym.startswith("XBT")

    def oi_walk(self, venue, sym):
        key = (venue, sym)
        self.oi[key] = max(1.0, self.oi[key] * (1.0 + self.r.gauss(0.0, 0.0005)))
        return self.oi[key]

    def kind(self):
        u = self.r.random()
        return "trade" if u < 0.5 else ("ticker" if u < 0.85 else "liquidation")

    # --- venues --------------------------------------------------------------------------
    def binance(self, k, t):
        s = self.sym("binance")
        btc = self.is_btc(s)
        lower = s.lower()
        if k == "trade":
            first = self.next_id()
            last = first + self.r.randint(0, 3)
            data = {"e": "aggTrade", "E": t + 3, "a": self.next_id(), "s": s,
                    "p": self.fmt(self.px("binance", s, 0.1 if btc else 0.01), 2),
                    "q": self.qty(0.001, 2.0, 3) if btc else self.qty(0.001, 40.0, 3),
                    "f": first, "l": last, "T": t, "m": self.r.random() < 0.5}
            return dumps({"stream": lower + "@aggTrade", "data": data})
        if k == "liquidation":
            p = self.px("binance", s, 0.1 if btc else 0.01)
            q = self.qty(0.001, 3.0, 3) if btc else self.qty(0.01, 60.0, 3)
            side = self.r.choice(["BUY", "SELL"])
            ap = p * (1.0 + (0.0005 if side == "BUY" else -0.0005))
            data = {"e": "forceOrder", "E": t + 4,
                    "o": {"s": s, "S": side, "o": "LIMIT", "f": "IOC", "q": q,
                          "p": self.fmt(p, 2), "ap": self.fmt(ap, 2), "X": "FILLED", "l": q,
                          "z": q, "T": t}}
            return dumps({"stream": lower + "@forceOrder", "data": data})
        if self.r.random() < 0.8:
            p = self.px("binance", s, 0.1 if btc else 0.01)
            data = {"e": "markPriceUpdate", "E": t, "s": s, "p": self.fmt(p, 8),
                    "P": self.fmt(p * 0.9999, 8), "i": self.fmt(p * 1.0001, 8),
                    "r": self.fmt(self.r.uniform(-0.0003, 0.0006), 8),
                    "T": (t // 28800000 + 1) * 28800000}
            return dumps({"stream": lower + "@markPrice@1s", "data": data})
        data = {"symbol": s, "openInterest": self.fmt(self.oi_walk("binance", s), 3), "time": t}
        return dumps({"stream": lower + "@openInterest", "data": data})

    def bybit(self, k, t):
        s = self.sym("bybit")
        btc = self.is_btc(s)
        if k == "trade":
            n = self.r.choice([1, 1, 1, 2, 3])
            data = [{"T": t, "s": s, "S": self.r.choice(["Buy", "Sell"]),
                     "v": self.qty(0.001, 2.0, 3) if btc else self.qty(0.01, 40.0, 2),
                     "p": self.fmt(self.px("bybit", s, 0.1 if btc else 0.01), 2),
                     "L": self.r.choice(["PlusTick", "ZeroPlusTick", "MinusTick",
                                         "ZeroMinusTick"]),
                     "i": self.uuid(), "BT": False} for _ in range(n)]
            return dumps({"topic": "publicTrade." + s, "type": "snapshot", "ts": t + 2,
                          "data": data})
        if k == "liquidation":
            data = [{"T": t, "s": s, "S": self.r.choice(["Buy", "Sell"]),
                     "v": self.qty(0.001, 3.0, 3) if btc else self.qty(0.01, 60.0, 2),
                     "p": self.fmt(self.px("bybit", s, 0.1 if btc else 0.01), 2)}]
            return dumps({"topic": "allLiquidation." + s, "type": "snapshot", "ts": t + 300,
                          "data": data})
        p = self.px("bybit", s, 0.1 if btc else 0.01)
        oi = self.oi_walk("bybit", s)
        data = {"symbol": s, "markPrice": self.fmt(p, 2), "indexPrice": self.fmt(p * 1.0001, 2),
                "openInterest": self.fmt(oi, 3), "openInterestValue": self.fmt(oi * p, 2),
                "fundingRate": self.fmt(self.r.uniform(-0.0003, 0.0006), 6),
                "bid1Price": self.fmt(p - 0.1, 2), "bid1Size": self.qty(0.1, 20.0, 3),
                "ask1Price": self.fmt(p, 2), "ask1Size": self.qty(0.1, 20.0, 3)}
        if self.r.random() < 0.5:
            data["lastPrice"] = self.fmt(p, 2)
        # Bybit sends a snapshot on subscribe, then deltas of the changed fields.
        typ = "delta" if s in self.bybit_snapshot_sent else "snapshot"
        self.bybit_snapshot_sent.add(s)
        if typ == "snapshot":
            data.update({"tickDirection": "PlusTick", "price24hPcnt": "0.012",
                         "lastPrice": self.fmt(p, 2), "prevPrice24h": self.fmt(p * 0.99, 2),
                         "highPrice24h": self.fmt(p * 1.02, 2),
                         "lowPrice24h": self.fmt(p * 0.98, 2), "prevPrice1h": self.fmt(p, 2),
                         "turnover24h": "4273027716.4294", "volume24h": "151185.5160",
                         "nextFundingTime": str((t // 28800000 + 1) * 28800000)})
        return dumps({"topic": "tickers." + s, "type": typ, "data": data,
                      "cs": self.next_id(), "ts": t})

    def okx(self, k, t):
        s = self.sym("okx")
        btc = self.is_btc(s)
        tick = 0.1 if btc else 0.01
        if k == "trade":
            n = self.r.choice([1, 1, 1, 2])
            data = [{"instId": s, "tradeId": str(self.next_id()),
                     "px": self.fmt(self.px("okx", s, tick), 1 if btc else 2),
                     "sz": str(self.r.randint(1, 500)), "side": self.r.choice(["buy", "sell"]),
                     "ts": str(t), "count": str(self.r.randint(1, 4))} for _ in range(n)]
            return dumps({"arg": {"channel": "trades", "instId": s}, "data": data})
        if k == "liquidation":
            uly = s[: -len("-SWAP")]
            side = self.r.choice(["buy", "sell"])
            det = [{"bkLoss": "0", "bkPx": self.fmt(self.px("okx", s, tick), 1 if btc else 2),
                    "ccy": "", "posSide": "short" if side == "buy" else "long", "side": side,
                    "sz": str(self.r.randint(1, 300)), "ts": str(t)}]
            return dumps({"arg": {"channel": "liquidation-orders", "instType": "SWAP"},
                          "data": [{"details": det, "instFamily": uly, "instId": s,
                                    "instType": "SWAP", "uly": uly}]})
        u = self.r.random()
        if u < 0.45:
            return dumps({"arg": {"channel": "mark-price", "instId": s},
                          "data": [{"instId": s, "instType": "SWAP",
                                    "markPx": self.fmt(self.px("okx", s, tick), 1 if btc else 2),
                                    "ts": str(t)}]})
        if u < 0.9:
            oi = self.oi_walk("okx", s)
            return dumps({"arg": {"channel": "open-interest", "instId": s},
                          "data": [{"instId": s, "instType": "SWAP", "oi": self.fmt(oi, 0),
                                    "oiCcy": self.fmt(oi / 100.0, 4),
                                    "oiUsd": self.fmt(oi / 100.0 * self.price[("okx", s)], 2),
                                    "ts": str(t)}]})
        ft = (t // 28800000 + 1) * 28800000
        rate = self.fmt(self.r.uniform(-0.0003, 0.0006), 16)
        return dumps({"arg": {"channel": "funding-rate", "instId": s},
                      "data": [{"fundingRate": rate, "fundingTime": str(ft), "instId": s,
                                "instType": "SWAP", "interestRate": "0.0001",
                                "maxFundingRate": "0.0075", "method": "current_period",
                                "minFundingRate": "-0.0075", "nextFundingRate": "",
                                "nextFundingTime": str(ft + 28800000), "premium": "0.0001",
                                "settFundingRate": rate, "settState": "settled",
                                "sign": "", "ts": str(t)}]})

    def deribit(self, k, t):
        s = self.sym("deribit")
        btc = self.is_btc(s)
        tick = 0.5 if btc else 0.05
        if k in ("trade", "liquidation"):
            n = self.r.choice([1, 1, 1, 2, 3])
            data = []
            for _ in range(n):
                p = self.px("deribit", s, tick)
                amount = float(self.r.randint(1, 500) * (10 if btc else 1))
                tr = {"timestamp": t, "price": p, "amount": amount,
                      "direction": self.r.choice(["buy", "sell"]),
                      "index_price": round(p * 1.0001, 2), "instrument_name": s,
                      "trade_seq": self.next_id(), "mark_price": round(p * 0.9999, 2),
                      "tick_direction": self.r.randint(0, 3),
                      "contracts": amount / (10.0 if btc else 1.0),
                      "trade_id": str(self.next_id())}
                if k == "liquidation":
                    tr["liquidation"] = self.r.choice(["T", "M", "MT"])
                data.append(tr)
            return dumps({"jsonrpc": "2.0", "method": "subscription",
                          "params": {"channel": "trades.%s.100ms" % s, "data": data}})
        p = self.px("deribit", s, tick)
        data = {"timestamp": t, "stats": {"volume": round(self.r.uniform(1e4, 3e4), 8),
                                          "low": round(p * 0.98, 1), "high": round(p * 1.02, 1)},
                "state": "open", "settlement_price": round(p * 0.995, 2),
                "open_interest": round(self.oi_walk("deribit", s) * 1000.0),
                "min_price": round(p * 0.985, 2), "max_price": round(p * 1.015, 2),
                "mark_price": round(p, 2), "last_price": p, "instrument_name": s,
                "index_price": round(p * 1.0001, 2),
                "funding_8h": round(self.r.uniform(-0.0003, 0.0006), 8),
                "current_funding": round(self.r.uniform(-0.0001, 0.0002), 8),
                "best_bid_price": p - tick, "best_bid_amount": float(self.r.randint(1, 9000)),
                "best_ask_price": p, "best_ask_amount": float(self.r.randint(1, 9000))}
        return dumps({"jsonrpc": "2.0", "method": "subscription",
                      "params": {"channel": "ticker.%s.100ms" % s, "data": data}})

    def bitmex_partials(self, t):
        rows = []
        for s, p in SYMBOLS["bitmex"]:
            if s == "XBTUSD":
                spec = {"multiplier": -100000000, "isInverse": True, "isQuanto": False,
                        "underlyingToSettleMultiplier": -100000000,
                        "quoteToSettleMultiplier": None, "positionCurrency": "USD",
                        "settlCurrency": "XBt", "quoteCurrency": "USD", "underlying": "XBT",
                        "tickSize": 0.1, "lotSize": 100}
            else:
                spec = {"multiplier": 100, "isInverse": False, "isQuanto": True,
                        "underlyingToSettleMultiplier": None,
                        "quoteToSettleMultiplier": None, "positionCurrency": "",
                        "settlCurrency": "XBt", "quoteCurrency": "USD", "underlying": "ETH",
                        "tickSize": 0.05, "lotSize": 1}
            row = {"symbol": s, "rootSymbol": s[:3], "state": "Open", "typ": "FFWCSX"}
            row.update(spec)
            row.update({"markPrice": p, "lastPrice": p, "indicativeSettlePrice": p,
                        "fairPrice": p, "openInterest": int(self.oi[("bitmex", s)]) * 10,
                        "fundingRate": 0.0001, "timestamp": iso(t)})
            rows.append(row)
        return [
            dumps({"table": "instrument", "action": "partial", "keys": ["symbol"],
                   "types": {}, "filter": {}, "data": rows}),
            dumps({"table": "trade", "action": "partial", "keys": [], "types": {},
                   "filter": {}, "data": []}),
            dumps({"table": "liquidation", "action": "partial", "keys": ["orderID"],
                   "types": {"orderID": "guid", "symbol": "symbol", "side": "symbol",
                             "price": "float", "leavesQty": "long"}, "filter": {},
                   "data": []}),
        ]

    def bitmex(self, k, t):
        s = self.sym("bitmex")
        btc = self.is_btc(s)
        tick = 0.5 if btc else 0.05
        if k == "trade":
            n = self.r.choice([1, 1, 1, 2])
            data = []
            for _ in range(n):
                p = self.px("bitmex", s, tick)
                size = self.r.randint(1, 500) * (100 if btc else 1)
                data.append({"timestamp": iso(t), "symbol": s,
                             "side": self.r.choice(["Buy", "Sell"]), "size": size, "price": p,
                             "tickDirection": self.r.choice(["PlusTick", "ZeroPlusTick",
                                                             "MinusTick", "ZeroMinusTick"]),
                             "trdMatchID": self.uuid(),
                             "grossValue": int(size / p * 1e8) if btc else size * 100,
                             "homeNotional": round(size / p, 8) if btc else size,
                             "foreignNotional": size if btc else round(size * p, 2),
                             "trdType": "Regular"})
            return dumps({"table": "trade", "action": "insert", "data": data})
        if k == "liquidation":
            # BitMEX's liquidation table: an order is inserted when it rests (levdyn emits
            # nothing yet, tardis-dev emits a liquidation), partly filled by leavesQty updates
            # and deleted when gone (levdyn emits the fills). Insert 50%, update 20%, delete 30%.
            u = self.r.random()
            if self.bitmex_open and u < 0.3:
                oid, osym, _ = self.bitmex_open.pop(0)
                return dumps({"table": "liquidation", "action": "delete",
                              "data": [{"orderID": oid, "symbol": osym}]})
            if self.bitmex_open and u < 0.5:
                k = self.r.randrange(len(self.bitmex_open))
                oid, osym, leaves = self.bitmex_open[k]
                leaves = max(0, leaves - self.r.randint(1, max(1, leaves // 2)))
                self.bitmex_open[k] = (oid, osym, leaves)
                return dumps({"table": "liquidation", "action": "update",
                              "data": [{"orderID": oid, "symbol": osym, "leavesQty": leaves}]})
            oid = self.uuid()
            leaves = self.r.randint(1, 5000) * (100 if btc else 1)
            self.bitmex_open.append((oid, s, leaves))
            return dumps({"table": "liquidation", "action": "insert",
                          "data": [{"orderID": oid, "symbol": s,
                                    "side": self.r.choice(["Buy", "Sell"]),
                                    "price": self.px("bitmex", s, tick), "leavesQty": leaves}]})
        u = self.r.random()
        row = {"symbol": s, "timestamp": iso(t)}
        p = self.px("bitmex", s, tick)
        if u < 0.6:
            row.update({"markPrice": p, "fairPrice": p, "indicativeSettlePrice": p})
        elif u < 0.9:
            oi = int(self.oi_walk("bitmex", s)) * 10
            row.update({"openInterest": oi, "openValue": oi * 1000})
        else:
            row.update({"fundingRate": round(self.r.uniform(-0.0003, 0.0006), 6),
                        "indicativeFundingRate": round(self.r.uniform(-0.0003, 0.0006), 6)})
        return dumps({"table": "instrument", "action": "update", "data": [row]})

    def hyperliquid(self, k, t):
        s = self.sym("hyperliquid")
        btc = self.is_btc(s)
        if k in ("trade", "liquidation"):  # no public liquidation feed on Hyperliquid
            n = self.r.choice([1, 1, 1, 2])
            data = [{"coin": s, "side": self.r.choice(["A", "B"]),
                     "px": self.fmt(self.px("hyperliquid", s, 1.0 if btc else 0.1),
                                    1 if btc else 2),
                     "sz": self.qty(0.00001, 2.0, 5) if btc else self.qty(0.0001, 40.0, 4),
                     "time": t, "hash": "0x" + self.hexs(64), "tid": self.next_id() * 1000,
                     "users": ["0x" + self.hexs(40), "0x" + self.hexs(40)]} for _ in range(n)]
            return dumps({"channel": "trades", "data": data})
        p = self.px("hyperliquid", s, 1.0 if btc else 0.1)
        ctx = {"funding": self.fmt(self.r.uniform(-0.00002, 0.00005), 10),
               "openInterest": self.fmt(self.oi_walk("hyperliquid", s) / 2.0, 5),
               "prevDayPx": self.fmt(p * 0.99, 1), "dayNtlVlm": "1128098483.2000689507",
               "premium": self.fmt(self.r.uniform(-0.0005, 0.0005), 10),
               "oraclePx": self.fmt(p * 1.0001, 1), "markPx": self.fmt(p, 1),
               "midPx": self.fmt(p + 0.5, 1),
               "impactPxs": [self.fmt(p - 1, 1), self.fmt(p + 1, 1)],
               "dayBaseVlm": "17577.61508"}
        return dumps({"channel": "activeAssetCtx", "data": {"coin": s, "ctx": ctx}})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    g = Gen(a.seed)
    out = open(a.out, "w", encoding="utf-8", newline="\n")
    ts_ns = BASE_MS * 1_000_000
    lines = []
    n = 0
    for f in g.bitmex_partials(BASE_MS):  # BitMEX sends table partials after subscribing
        if n >= a.frames:
            break
        lines.append('{"ts_ns":%d,"venue":"bitmex","frame":%s}\n' % (ts_ns, dumps(f)))
        n += 1
    while n < a.frames:
        ts_ns += g.r.randint(1000, 400_000)  # 1 µs to 0.4 ms between frames
        t_ms = ts_ns // 1_000_000 - g.r.randint(1, 40)  # exchange time a little earlier
        venue = VENUES[g.r.randrange(len(VENUES))]
        frame = getattr(g, venue)(g.kind(), t_ms)
        lines.append('{"ts_ns":%d,"venue":"%s","frame":%s}\n' % (ts_ns, venue, dumps(frame)))
        n += 1
        if len(lines) >= 65536:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))
    out.close()
    print("wrote %d frames to %s" % (n, a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
