#!/usr/bin/python3
# usage: openapi_test.py LEVDYN_BINARY SOURCE_DIR
# proto/openapi.yaml against itself and against the server: the document is checked (OpenAPI
# 3.1 structure, every schema against the JSON Schema 2020-12 metaschema, every $ref resolves,
# every route and error code the server has is described); then `levdyn demo` is started and
# every route, with its error cases, is requested and the status, Content-Type and body are
# validated against the response the document gives for that route and status (Debian's
# python3-jsonschema and python3-yaml; the push stream with python3-websockets).
import asyncio
import copy
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import unittest

import jsonschema
import yaml

BINARY = sys.argv[1] if len(sys.argv) > 1 else "build/levdyn"
SOURCE = sys.argv[2] if len(sys.argv) > 2 else "."
SPEC_PATH = os.path.join(SOURCE, "proto", "openapi.yaml")
Validator = jsonschema.Draft202012Validator
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def load_spec():
    with open(SPEC_PATH) as f:
        return yaml.safe_load(f)


SPEC = load_spec()


def read(path):
    with open(os.path.join(SOURCE, path)) as f:
        return f.read()


def walk(node, where="#"):
    """Yields (json-pointer, node) for every dict and list in the document."""
    yield where, node
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, (dict, list)):
                yield from walk(v, where + "/" + str(k).replace("~", "~0").replace("/", "~1"))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (dict, list)):
                yield from walk(v, "%s/%d" % (where, i))


def resolve(ref, doc=None):
    doc = SPEC if doc is None else doc
    if not ref.startswith("#/"):
        raise KeyError("only local references are used: %s" % ref)
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def deref(node):
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(node["$ref"])
    return node


def schema_errors(instance, schema, doc=None):
    """Messages of every violation of `schema` (local $refs resolved in the OpenAPI document)."""
    doc = SPEC if doc is None else doc
    resolver = jsonschema.RefResolver("", doc)
    v = Validator(schema, resolver=resolver)
    return ["%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)", e.message)
            for e in v.iter_errors(instance)]


def operation_schemas(doc):
    """(pointer, schema) of every schema object in paths, parameters and responses."""
    for where, node in walk(doc):
        if isinstance(node, dict) and "schema" in node and isinstance(node["schema"], dict):
            if "/components/schemas" not in where:
                yield where + "/schema", node["schema"]


class SpecTest(unittest.TestCase):
    """The document itself."""

    def test_openapi_31_structure(self):
        self.assertRegex(SPEC.get("openapi", ""), r"^3\.1\.\d+$")
        self.assertEqual(SPEC.get("jsonSchemaDialect"),
                         "https://json-schema.org/draft/2020-12/schema")
        self.assertTrue(SPEC["info"]["title"])
        self.assertTrue(SPEC["info"]["version"])
        self.assertTrue(SPEC["paths"])
        op_ids = set()
        for path, item in SPEC["paths"].items():
            self.assertTrue(path.startswith("/"), path)
            ops = {k: v for k, v in item.items() if k in METHODS}
            self.assertTrue(ops, path)
            templated = set(re.findall(r"\{([^}]+)\}", path))
            for method, op in ops.items():
                self.assertNotIn(op["operationId"], op_ids)
                op_ids.add(op["operationId"])
                params = [deref(p) for p in item.get("parameters", []) + op.get("parameters", [])]
                for p in params:
                    self.assertIn(p["in"], {"path", "query", "header", "cookie"})
                    self.assertTrue("schema" in p or "content" in p, p)
                    if p["in"] == "path":
                        self.assertTrue(p.get("required"), "%s %s" % (path, p["name"]))
                        self.assertIn(p["name"], templated, path)
                self.assertEqual(templated, {p["name"] for p in params if p["in"] == "path"},
                                 "%s: every {template} is a path parameter" % path)
                self.assertTrue(op["responses"], "%s %s" % (method, path))
                for status, resp in op["responses"].items():
                    self.assertRegex(str(status), r"^([1-5]\d\d|[1-5]XX|default)$")
                    resp = deref(resp)
                    self.assertTrue(resp.get("description"), "%s %s %s" % (method, path, status))
                    for media, obj in resp.get("content", {}).items():
                        self.assertRegex(media, r"^[\w.+-]+/[\w.+-]+(;.*)?$")
                        self.assertIn("schema", obj)

    def test_every_ref_resolves(self):
        refs = 0
        for where, node in walk(SPEC):
            if isinstance(node, dict) and "$ref" in node:
                refs += 1
                try:
                    resolve(node["$ref"])
                except (KeyError, IndexError, TypeError) as e:
                    self.fail("%s: $ref %s does not resolve (%s)" % (where, node["$ref"], e))
        self.assertGreater(refs, 20)

    def test_schemas_against_the_2020_12_metaschema(self):
        schemas = list(SPEC["components"]["schemas"].items())
        schemas += list(operation_schemas(SPEC))
        self.assertGreater(len(schemas), 20)
        for name, schema in schemas:
            try:
                Validator.check_schema(schema)
            except jsonschema.SchemaError as e:
                self.fail("%s: %s" % (name, e.message))
        # Every schema with fixed properties is closed and requires what it lists.
        for where, node in walk(SPEC["components"]["schemas"], "#/components/schemas"):
            if isinstance(node, dict) and "properties" in node and node.get("type") == "object":
                if where.endswith("StreamRequest"):
                    continue  # the server ignores unknown keys of a client message
                self.assertIs(node.get("additionalProperties"), False, where)

    def test_every_route_of_the_server_is_described(self):
        # The route labels router.cc and server.cc count requests under are the path templates.
        routes = set(re.findall(r'"(/(?:v1/|healthz|readyz|metrics)[^"]*)"',
                                read("service/http/router.cc") + read("service/http/server.cc")))
        routes.discard("/v1/")
        self.assertGreaterEqual(len(routes), 10, routes)
        self.assertEqual(routes - set(SPEC["paths"]), set())
        self.assertEqual(set(SPEC["paths"]) - routes, set(), "described but not served")

    def test_every_error_code_is_described(self):
        src = read("service/http/router.cc") + read("service/http/server.cc")
        codes = set(re.findall(r'error\(\d+,\s*"(\w+)"', src))
        codes |= set(re.findall(r'status::\w+,\s*"(\w+)"', src))
        codes |= set(re.findall(r'error_body\("(\w+)"', src))
        self.assertGreaterEqual(len(codes), 5, codes)
        described = set(SPEC["components"]["schemas"]["Error"]["properties"]["error"]
                        ["properties"]["code"]["enum"])
        self.assertEqual(codes, described)


# ------------------------------------------------------------------------------- live ----

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body


def request(port, method, target, headers=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, target, headers=headers or {})
        r = c.getresponse()
        return Response(r.status, r.getheaders(), r.read())
    finally:
        c.close()


def raw_request(port, data, timeout=10):
    """Sends raw bytes; reads the response until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                break
            if not b:
                break
            chunks.append(b)
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:] if ":" in line]
    return Response(status, headers, body)


class Demo:
    def __init__(self):
        # Scenario "fast" (20 s calm, 10 s cascade, 20 s recovery): the cascade test below
        # waits for the cascade phase, 20 s in rather than the default scenario's 60 s.
        self.proc = subprocess.Popen([BINARY, "demo", "--listen", "127.0.0.1:0",
                                      "--scenario", "fast"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"http://([\d.]+):(\d+)", line)
        if not m:
            self.proc.kill()
            raise RuntimeError("levdyn demo did not announce its port: %r" % line)
        self.port = int(m.group(2))

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()

    def json(self, target):
        r = request(self.port, "GET", target)
        return r.status, (json.loads(r.body) if r.body else None)


def wait_for(what, cond, timeout):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = cond()
            if last:
                return last
        except (OSError, ValueError, KeyError, http.client.HTTPException):
            pass
        time.sleep(0.5)
    raise AssertionError("timed out after %d s waiting for %s" % (timeout, what))


class LiveTest(unittest.TestCase):
    """Live responses of `levdyn demo` against the document."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.demo = Demo()
        d = cls.demo
        cls.early = [(path, target, request(d.port, "GET", target)) for path, target in (
            ("/v1/assets/{asset}", "/v1/assets/BTC"),
            ("/v1/instruments/{venue}/{symbol}", "/v1/instruments/binance/BTCUSDT"),
            ("/v1/assets", "/v1/assets"),
            ("/readyz", "/readyz"))]
        try:
            # Every venue connected, both assets with data on every venue (Hyperliquid too).
            wait_for("six connected feeds", lambda: len(
                [f for f in d.json("/v1/feeds")[1]["feeds"] if f["connected"]]) == 6, 20)
            wait_for("BTC and ETH on six venues", lambda: all(
                len(d.json("/v1/assets/" + a)[1]["venues"]) == 6 for a in ("BTC", "ETH")), 20)
            wait_for("Hyperliquid BTC marks",
                     lambda: d.json("/v1/instruments/hyperliquid/BTC")[1]["mark"] is not None, 20)
            wait_for("a liquidation", lambda: d.json("/v1/liquidations?limit=1")[1]
                     ["liquidations"], 20)
        except BaseException:
            d.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.demo.close()

    # The response object the document gives for a route and status.
    def response_spec(self, path, status, method="get"):
        op = SPEC["paths"][path][method]
        self.assertIn(str(status), op["responses"],
                      "%s %s: status %d is not described" % (method.upper(), path, status))
        return deref(op["responses"][str(status)])

    def check(self, r, resp_spec, what):
        """Content-Type and body of `r` against a response object; returns the parsed body."""
        content = resp_spec.get("content", {})
        if not content:
            return None
        ctype = r.headers.get("content-type")
        self.assertIn(ctype, content, "%s: Content-Type %r is not described" % (what, ctype))
        schema = content[ctype]["schema"]
        if ctype.startswith("application/json"):
            body = json.loads(r.body)
        else:
            body = r.body.decode()
        errors = schema_errors(body, schema)
        self.assertEqual(errors, [], "%s: the body does not match the document\n%s" % (
            what, json.dumps(body)[:2000]))
        for name, h in resp_spec.get("headers", {}).items():
            self.assertIn(name.lower(), r.headers, "%s: header %s" % (what, name))
            self.assertEqual(schema_errors(r.headers[name.lower()], h["schema"]), [], what)
        return body

    def get(self, path, target, status=200):
        """GET `target` (an instance of route `path`); status and body against the document."""
        r = request(self.demo.port, "GET", target)
        what = "GET %s" % target
        self.assertEqual(r.status, status, "%s: %s" % (what, r.body[:500]))
        return self.check(r, self.response_spec(path, status), what)

    def error(self, path, target, status, code, message=None):
        body = self.get(path, target, status)
        self.assertEqual(body["error"]["code"], code)
        if message:
            self.assertRegex(body["error"]["message"], message)
        return body

    # ---- operations
    def test_healthz_readyz(self):
        self.assertEqual(self.get("/healthz", "/healthz"), {"status": "ok"})
        self.assertEqual(self.get("/readyz", "/readyz"), {"status": "ready"})

    def test_metrics_text(self):
        text = self.get("/metrics", "/metrics")
        self.assertIn("levdyn_open_interest_usd{", text)

    def test_feeds(self):
        body = self.get("/v1/feeds", "/v1/feeds")
        feeds = {f["venue"]: f for f in body["feeds"]}
        self.assertEqual(len(feeds), 6)
        self.assertFalse(feeds["hyperliquid"]["liquidations_available"])
        self.assertEqual(feeds["hyperliquid"]["completeness"], "unavailable")
        self.assertTrue(feeds["binance"]["liquidations_available"])

    # ---- instruments
    def test_instruments(self):
        body = self.get("/v1/instruments", "/v1/instruments")
        self.assertEqual(len(body["instruments"]), 12)
        path = "/v1/instruments/{venue}/{symbol}"
        for i in body["instruments"]:
            one = self.get(path, "/v1/instruments/%s/%s" % (i["venue"], i["symbol"]))
            self.assertEqual(set(one["windows"]), {"1m", "5m", "15m", "1h"}, i)
            one = self.get(path, "/v1/instruments/%s/%s?window=1m" % (i["venue"], i["symbol"]))
            self.assertEqual(list(one["windows"]), ["1m"])

    def test_hyperliquid_liquidation_figures_are_null(self):
        one = self.get("/v1/instruments/{venue}/{symbol}", "/v1/instruments/hyperliquid/BTC")
        self.assertIsNone(one["totals"]["liq_long_usd"])
        self.assertIsNone(one["totals"]["liq_long_count"])
        self.assertIsNone(one["windows"]["1m"]["liq_rate_usd_s"])
        self.assertIsNotNone(one["oi_usd"])

    def test_instrument_errors(self):
        path = "/v1/instruments/{venue}/{symbol}"
        self.error(path, "/v1/instruments/nosuchvenue/BTCUSDT", 404, "not_found", "unknown venue")
        self.error(path, "/v1/instruments/binance/NOPE", 404, "not_found", "not tracked")
        self.error(path, "/v1/instruments/binance/BTCUSDT?window=7m", 400, "bad_request",
                   "unknown window")
        self.error(path, "/v1/instruments/binance/BTCUSDT?window=abc", 400, "bad_request")

    # ---- assets
    def test_assets(self):
        body = self.get("/v1/assets", "/v1/assets")
        # Untracked symbols of all-market liquidation streams give assets too (SOL, …).
        self.assertLessEqual({"BTC", "ETH"}, {a["asset"] for a in body["assets"]})
        body = self.get("/v1/assets", "/v1/assets?window=1m")
        for a in body["assets"]:
            self.assertEqual(list(a["windows"]), ["1m"])
        for target in ("/v1/assets/BTC", "/v1/assets/eth", "/v1/assets/BTC?window=1h"):
            self.get("/v1/assets/{asset}", target)

    def test_asset_errors(self):
        self.error("/v1/assets", "/v1/assets?window=2m", 400, "bad_request", "unknown window")
        path = "/v1/assets/{asset}"
        self.error(path, "/v1/assets/BTC?window=0m", 400, "bad_request")
        self.error(path, "/v1/assets/DOGE", 404, "not_found", "unknown asset")

    def test_responses_before_data(self):
        # Right after start-up nothing has arrived yet: a known asset without data is 404 "has
        # no data yet", a tracked instrument without data is 200 with null values, /readyz may
        # be 503. Whatever was answered then must be described.
        seen = set()
        for path, target, r in self.early:
            what = "GET %s (at start-up)" % target
            body = self.check(r, self.response_spec(path, r.status), what)
            seen.add((target, r.status))
            if path == "/v1/assets/{asset}" and r.status == 404:
                self.assertRegex(body["error"]["message"], "has no data yet")
            if path == "/v1/instruments/{venue}/{symbol}" and body["updated_at"] is None:
                self.assertIsNone(body["oi_usd"])
                self.assertEqual(body["windows"], {})
        print("\n  at start-up: %s" % sorted(seen), file=sys.stderr)

    # ---- liquidations
    def test_liquidations(self):
        path = "/v1/liquidations"
        body = self.get(path, path)
        self.assertTrue(body["liquidations"])
        body = self.get(path, "/v1/liquidations?asset=btc&venue=binance&limit=5&since=1")
        self.assertLessEqual(len(body["liquidations"]), 5)
        for e in body["liquidations"]:
            self.assertEqual((e["asset"], e["venue"]), ("BTC", "binance"))
        body = self.get(path, "/v1/liquidations?venue=hyperliquid")
        self.assertEqual(body["liquidations"], [])
        self.error(path, "/v1/liquidations?limit=0", 400, "bad_request")
        self.error(path, "/v1/liquidations?limit=1001", 400, "bad_request")
        self.error(path, "/v1/liquidations?since=-5", 400, "bad_request")
        self.error(path, "/v1/liquidations?venue=nasdaq", 400, "bad_request")

    # ---- cascades
    def test_cascades(self):
        path = "/v1/cascades"
        for target in (path, "/v1/cascades?asset=BTC&active=true", "/v1/cascades?active=false",
                       "/v1/cascades?asset=nosuch"):
            self.get(path, target)
        self.error(path, "/v1/cascades?active=yes", 400, "bad_request")

    def test_zz_cascade_episode(self):
        # The fast scenario's cascade phase starts 20 s in: a running episode, live. (Runs
        # last: unittest orders tests by name.)
        d = self.demo
        try:
            import websockets
        except ImportError:
            websockets = None
        if websockets:
            # The episode's start pushed on the stream: {"topic":"cascades","data":Cascade}.
            async def go():
                async with websockets.connect("ws://127.0.0.1:%d/v1/stream" % d.port) as ws:
                    await ws.send(json.dumps({"op": "subscribe", "topics": ["cascades"]}))
                    deadline = time.monotonic() + 100
                    while time.monotonic() < deadline:
                        msg = json.loads(await asyncio.wait_for(ws.recv(), 100))
                        if msg.get("topic") == "cascades":
                            return msg
                return None

            msg = asyncio.run(go())
            self.assertIsNotNone(msg, "no cascade pushed within 100 s")
            self.assertEqual(schema_errors(msg, SPEC["components"]["schemas"]["StreamMessage"]),
                             [], json.dumps(msg))
            self.assertTrue(msg["data"]["active"])
        wait_for("an active BTC cascade", lambda: d.json(
            "/v1/cascades?asset=BTC&active=true")[1]["cascades"], 100)
        body = self.get("/v1/cascades", "/v1/cascades?asset=BTC&active=true")
        c = body["cascades"][0]
        self.assertTrue(c["active"])
        self.assertIsNone(c["end"])
        a = self.get("/v1/assets/{asset}", "/v1/assets/BTC")
        if a["cascade"] is not None:
            self.assertEqual(a["cascade"]["id"], c["id"])
        self.get("/v1/assets", "/v1/assets")

    # ---- errors of any route
    def test_no_such_route(self):
        spec = SPEC["components"]["responses"]["NoSuchRoute"]
        for target in ("/nope", "/v1", "/v1/feeds/", "/v1/assets/BTC/x", "/v1/stream/"):
            r = request(self.demo.port, "GET", target)
            self.assertEqual(r.status, 404, target)
            body = self.check(r, spec, "GET " + target)
            self.assertEqual(body["error"], {"code": "not_found", "message": "no such route"})
        # A trailing slash after a collection with a {parameter} is that route, parameter empty.
        self.error("/v1/assets/{asset}", "/v1/assets/", 404, "not_found", "unknown asset ''")

    def test_method_not_allowed(self):
        spec = SPEC["components"]["responses"]["MethodNotAllowed"]
        for method, target in (("POST", "/v1/assets"), ("DELETE", "/v1/feeds"),
                               ("PUT", "/nope")):
            r = request(self.demo.port, method, target)
            self.assertEqual(r.status, 405, target)
            body = self.check(r, spec, method + " " + target)
            self.assertEqual(body["error"]["code"], "method_not_allowed")

    def test_head(self):
        r = request(self.demo.port, "HEAD", "/v1/feeds")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"], "application/json")
        self.assertEqual(r.body, b"")

    def test_bad_percent_encoding(self):
        spec = SPEC["components"]["responses"]["BadRequest"]
        r = request(self.demo.port, "GET", "/v1/assets/%zz")
        self.assertEqual(r.status, 400)
        self.assertEqual(self.check(r, spec, "GET /v1/assets/%zz")["error"]["code"], "bad_request")

    def test_malformed_http(self):
        spec = SPEC["components"]["responses"]["BadRequest"]
        r = raw_request(self.demo.port, b"NOT HTTP AT ALL\r\n\r\n")
        self.assertEqual(r.status, 400)
        self.assertEqual(self.check(r, spec, "garbage")["error"]["code"], "bad_request")

    def test_body_too_large(self):
        r = raw_request(self.demo.port, b"GET /v1/feeds HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Length: 2000000\r\n\r\n")
        self.assertEqual(r.status, 413)
        body = self.check(r, self.response_spec("/v1/feeds", 413), "2 MB body")
        self.assertEqual(body["error"]["code"], "body_too_large")

    def test_header_too_large(self):
        r = raw_request(self.demo.port, b"GET /v1/feeds HTTP/1.1\r\nHost: x\r\nX-Big: " +
                        b"a" * 10000 + b"\r\n\r\n")
        self.assertEqual(r.status, 431)
        body = self.check(r, self.response_spec("/v1/feeds", 431), "10 kB header")
        self.assertEqual(body["error"]["code"], "header_too_large")

    def test_websocket_upgrade_elsewhere(self):
        spec = SPEC["components"]["responses"]["NoSuchRoute"]
        r = raw_request(self.demo.port, b"GET /v1/feeds HTTP/1.1\r\nHost: x\r\n"
                        b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        self.assertEqual(r.status, 404)
        self.assertEqual(self.check(r, spec, "upgrade /v1/feeds")["error"]["code"], "not_found")

    # ---- push stream
    def test_stream(self):
        try:
            import websockets
        except ImportError:
            self.skipTest("python3-websockets is not installed")
        schemas = SPEC["components"]["schemas"]
        self.response_spec("/v1/stream", 101)
        port = self.demo.port
        # A plain GET (curl, a browser tab) is told to upgrade, with the protocol to use.
        r = request(port, "GET", "/v1/stream?x=1")
        self.assertEqual(r.status, 426)
        self.assertEqual(r.headers["upgrade"], "websocket")
        body = self.check(r, self.response_spec("/v1/stream", 426), "GET /v1/stream")
        self.assertEqual(body["error"]["code"], "upgrade_required")
        self.assertIn("WebSocket", body["error"]["message"])

        async def go():
            seen = {}
            async with websockets.connect("ws://127.0.0.1:%d/v1/stream" % port) as ws:
                await ws.send(json.dumps({"op": "subscribe", "topics": ["bogus"]}))
                seen["error"] = json.loads(await asyncio.wait_for(ws.recv(), 5))
                await ws.send(json.dumps({"op": "subscribe",
                                          "topics": ["metrics.btc", "liquidations.BTC",
                                                     "cascades"]}))
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline and not {"ack", "metrics", "liq"} <= set(seen):
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    key = ("ack" if "op" in msg else "metrics" if msg["topic"].startswith(
                        "metrics.") else "liq" if msg["topic"].startswith("liquidations.")
                        else "cascade")
                    seen.setdefault(key, msg)
            return seen

        seen = asyncio.run(go())
        self.assertEqual(seen["error"]["error"]["code"], "bad_request")
        self.assertEqual(seen["ack"], {"op": "subscribed",
                                       "topics": ["metrics.BTC", "liquidations.BTC", "cascades"]})
        for key, msg in seen.items():
            self.assertEqual(schema_errors(msg, schemas["StreamMessage"]), [],
                             "%s: %s" % (key, json.dumps(msg)[:1000]))
        self.assertIn("metrics", seen)
        self.assertIn("liq", seen)


class ValidatorBitesTest(unittest.TestCase):
    """The validation is not vacuous: a missing required field or a wrong type fails it."""

    def test_broken_bodies_fail(self):
        asset_schema = {"$ref": "#/components/schemas/Asset"}
        good = {
            "asset": "BTC", "oi_usd": 1.0, "funding_oi_weighted": None, "funding_mean": None,
            "venues": ["binance"], "intensity": None, "branching_ratio": None,
            "hawkes": {"mu": None, "alpha": None, "beta": None}, "cascade": None,
            "cascades_total": 0,
            "totals": {"liq_long_count": 0, "liq_short_count": 0, "liq_long_usd": 0,
                       "liq_short_usd": 0},
            "as_of": 1, "partial": True, "windows": {}}
        self.assertEqual(schema_errors(good, asset_schema), [])
        missing = copy.deepcopy(good)
        del missing["oi_usd"]
        self.assertTrue(schema_errors(missing, asset_schema))
        wrong = copy.deepcopy(good)
        wrong["cascades_total"] = "0"
        self.assertTrue(schema_errors(wrong, asset_schema))
        extra = copy.deepcopy(good)
        extra["surprise"] = 1
        self.assertTrue(schema_errors(extra, asset_schema))
        bad_enum = copy.deepcopy(good)
        bad_enum["venues"] = ["nasdaq"]
        self.assertTrue(schema_errors(bad_enum, asset_schema))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
