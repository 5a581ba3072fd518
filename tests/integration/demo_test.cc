// End-to-end tests of the levdyn binary: `levdyn demo` (the built-in exchange simulator over
// wss on loopback, the real feeds, engine and HTTP server), read through real sockets on
// 127.0.0.1 with port 0; HTTP bounds with raw sockets; CLI errors and exit codes; SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/http_client.h"

namespace levdyn::test {
namespace {

using namespace std::chrono_literals;

/// A running `levdyn demo` on an ephemeral port.
class Demo {
 public:
  explicit Demo(std::vector<std::string> env = {}, std::vector<std::string> extra_args = {}) {
    std::vector<std::string> argv = {LEVDYN_BINARY, "demo", "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    log_ = dir_.file("stderr.log");
    proc_ = std::make_unique<ChildProcess>(argv, log_, env);
    const std::string line = proc_->read_line(20s);
    const auto at = line.rfind(':');
    if (line.rfind("levdyn listening on http://", 0) == 0 && at != std::string::npos) {
      port_ = static_cast<std::uint16_t>(std::atoi(line.c_str() + at + 1));
    }
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] ChildProcess& proc() { return *proc_; }
  [[nodiscard]] std::string log() const { return read_file(log_); }

 private:
  TempDir dir_;
  std::string log_;
  std::unique_ptr<ChildProcess> proc_;
  std::uint16_t port_ = 0;
};

simdjson::dom::element parse(simdjson::dom::parser& p, const std::string& body) {
  auto r = p.parse(body);
  if (r.error()) {
    ADD_FAILURE() << "not JSON: " << body.substr(0, 300);
    static const std::string empty = "{}";
    return p.parse(empty).value();
  }
  return r.value();
}

double number_at(simdjson::dom::element e, const char* pointer) {
  auto v = e.at_pointer(pointer);
  if (v.error()) return -1;
  auto d = v.get_double();
  return d.error() ? -1 : d.value();
}

class DemoTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    demo_ = new Demo();
    // The shared demo is ready when both assets have published data.
    (void)eventually(20s, [] {
      return http_get(demo_->port(), "/v1/assets/BTC").status == 200 &&
             http_get(demo_->port(), "/v1/assets/ETH").status == 200;
    });
  }
  static void TearDownTestSuite() {
    delete demo_;
    demo_ = nullptr;
  }
  static Demo* demo_;
};
Demo* DemoTest::demo_ = nullptr;

// Verifies the demo comes up, its Binance feed connects through the simulator and an
// instrument gets non-zero open interest in USD and a mark price within 15 s.
TEST_F(DemoTest, FeedsConnectAndInstrumentsGetOpenInterest) {
  ASSERT_NE(demo_->port(), 0) << demo_->log();
  const auto port = demo_->port();
  EXPECT_EQ(http_get(port, "/healthz").status, 200);
  simdjson::dom::parser p;
  const bool ok = eventually(15s, [&] {
    const auto r = http_get(port, "/v1/instruments/binance/BTCUSDT");
    if (r.status != 200) return false;
    auto e = parse(p, r.body);
    return number_at(e, "/oi_usd") > 0 && number_at(e, "/mark") > 0;
  });
  EXPECT_TRUE(ok) << http_get(port, "/v1/instruments/binance/BTCUSDT").body;
  // Liquidations and moving windows on the tracked instrument (the scenario's calm phase
  // liquidates about once every two seconds on Binance BTCUSDT).
  const bool liquidated = eventually(15s, [&] {
    auto e = parse(p, http_get(port, "/v1/instruments/binance/BTCUSDT?window=1m").body);
    return number_at(e, "/totals/liq_long_count") + number_at(e, "/totals/liq_short_count") > 0 &&
           number_at(e, "/windows/1m/volume_usd") > 0;
  });
  EXPECT_TRUE(liquidated) << http_get(port, "/v1/instruments/binance/BTCUSDT?window=1m").body;
  const auto feeds = http_get(port, "/v1/feeds");
  ASSERT_EQ(feeds.status, 200);
  auto f = parse(p, feeds.body);
  bool binance_up = false;
  for (auto feed : f["feeds"].get_array()) {
    if (std::string_view(feed["venue"].get_string().value()) == "binance") {
      binance_up = feed["connected"].get_bool().value();
      EXPECT_EQ(number_at(feed, "/decode_errors"), 0) << feeds.body;
    }
  }
  EXPECT_TRUE(binance_up) << feeds.body;
  EXPECT_EQ(http_get(port, "/readyz").status, 200);
}

// Verifies all six venues connect through the simulator, decode with no errors, and give
// their BTC instrument open interest and a mark; Hyperliquid, which has no public liquidation
// feed, reports its liquidation figures as null and exports no liquidation series.
TEST_F(DemoTest, AllSixVenuesDecodeAndHyperliquidLiquidationsAreNull) {
  const auto port = demo_->port();
  ASSERT_NE(port, 0);
  simdjson::dom::parser p;
  const char* btc[] = {"binance/BTCUSDT", "bybit/BTCUSDT", "okx/BTC-USDT-SWAP",
                       "deribit/BTC-PERPETUAL", "bitmex/XBTUSD", "hyperliquid/BTC"};
  for (const char* path : btc) {
    const std::string target = std::string("/v1/instruments/") + path;
    const bool ok = eventually(15s, [&] {
      const auto r = http_get(port, target);
      if (r.status != 200) return false;
      auto e = parse(p, r.body);
      return number_at(e, "/oi_usd") > 1e6 && number_at(e, "/mark") > 1000;
    });
    EXPECT_TRUE(ok) << target << ": " << http_get(port, target).body;
  }
  const auto feeds = http_get(port, "/v1/feeds");
  auto f = parse(p, feeds.body);
  int up = 0;
  for (auto feed : f["feeds"].get_array()) {
    const std::string_view venue = feed["venue"].get_string().value();
    up += feed["connected"].get_bool().value() ? 1 : 0;
    EXPECT_EQ(number_at(feed, "/decode_errors"), 0) << venue << ": " << feeds.body;
    EXPECT_GT(number_at(feed, "/events"), 0) << venue;
    EXPECT_EQ(feed["liquidations_available"].get_bool().value(), venue != "hyperliquid") << venue;
  }
  EXPECT_EQ(up, 6) << feeds.body;

  // Run alone (one ctest process per test) the demo may not have traded on Hyperliquid yet.
  (void)eventually(15s, [&] {
    simdjson::dom::parser q;
    const auto r = http_get(port, "/v1/instruments/hyperliquid/BTC?window=1m");
    return r.status == 200 && number_at(parse(q, r.body), "/windows/1m/volume_usd") > 0;
  });
  const auto hl = http_get(port, "/v1/instruments/hyperliquid/BTC?window=1m");
  auto h = parse(p, hl.body);
  for (const char* k : {"/totals/liq_long_usd", "/totals/liq_long_count",
                        "/windows/1m/liq_rate_usd_s", "/windows/1m/liq_short_count"}) {
    EXPECT_TRUE(h.at_pointer(k).is_null()) << k << ": " << hl.body;
  }
  EXPECT_GT(number_at(h, "/windows/1m/volume_usd"), 0) << hl.body;
  const auto metrics = http_get(port, "/metrics").body;
  EXPECT_EQ(metrics.find("levdyn_liquidations_total{venue=\"hyperliquid\""), std::string::npos);
  EXPECT_NE(metrics.find("levdyn_liquidations_total{venue=\"bitmex\""), std::string::npos);
  EXPECT_NE(metrics.find("levdyn_open_interest_usd{venue=\"hyperliquid\""), std::string::npos);
}

// Verifies every REST route answers JSON with the documented status codes, including the
// errors: unknown route 404, unknown asset 404, bad window 400, POST 405, bad escape 400.
TEST_F(DemoTest, RoutesAndErrors) {
  const auto port = demo_->port();
  ASSERT_NE(port, 0);
  simdjson::dom::parser p;
  for (const char* ok : {"/v1/instruments", "/v1/assets", "/v1/assets/BTC",
                         "/v1/assets/BTC?window=5m", "/v1/instruments/binance/ETHUSDT?window=1h",
                         "/v1/liquidations?limit=5", "/v1/cascades", "/v1/cascades?active=true",
                         "/v1/feeds"}) {
    const auto r = http_get(port, ok);
    EXPECT_EQ(r.status, 200) << ok << " " << r.body;
    EXPECT_FALSE(p.parse(r.body).error()) << ok;
    EXPECT_NE(r.headers.find("application/json"), std::string::npos) << ok;
  }
  struct Case {
    const char* method;
    const char* target;
    int status;
  } cases[] = {
      {"GET", "/v1/nope", 404},
      {"GET", "/v1/assets/DOGEZ", 404},
      {"GET", "/v1/instruments/kraken/XBTUSD", 404},
      {"GET", "/v1/instruments/binance/NOPEUSDT", 404},
      {"GET", "/v1/assets/BTC?window=7m", 400},
      {"GET", "/v1/assets/BTC?window=", 400},
      {"GET", "/v1/liquidations?limit=0", 400},
      {"GET", "/v1/liquidations?limit=abc", 400},
      {"GET", "/v1/cascades?active=maybe", 400},
      {"GET", "/v1/assets/%zz", 400},
      {"POST", "/v1/assets", 405},
      {"DELETE", "/v1/cascades", 405},
  };
  for (const auto& c : cases) {
    const auto r = http_request(port, c.method, c.target);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << " " << r.body;
    auto e = p.parse(r.body);
    ASSERT_FALSE(e.error()) << c.target << ": " << r.body;
    EXPECT_FALSE(e.value().at_pointer("/error/message").error()) << r.body;
  }
  const auto head = http_request(port, "HEAD", "/v1/assets");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

// Verifies /metrics is valid Prometheus text (promtool check metrics) and carries the
// DESIGN §6 families with live values.
TEST_F(DemoTest, MetricsPassPromtool) {
  const auto port = demo_->port();
  ASSERT_NE(port, 0);
  // Instruments are published per batch, assets on the engine's full publication: wait for
  // both (a slow build, e.g. under TSan, may scrape between the two).
  ASSERT_TRUE(eventually(15s, [&] {
    const auto body = http_get(port, "/metrics").body;
    return body.find("levdyn_open_interest_usd{") != std::string::npos &&
           body.find("levdyn_asset_open_interest_usd{") != std::string::npos;
  }));
  const auto r = http_get(port, "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.headers.find("text/plain; version=0.0.4"), std::string::npos);
  for (const char* family :
       {"levdyn_open_interest_usd{", "levdyn_mark_price{", "levdyn_feed_connected{",
        "levdyn_feed_messages_total{", "levdyn_pipeline_latency_seconds_bucket{",
        "levdyn_asset_open_interest_usd{", "levdyn_http_requests_total{"}) {
    EXPECT_NE(r.body.find(family), std::string::npos) << family;
  }
  TempDir dir;
  const std::string path = dir.file("metrics.txt");
  std::ofstream(path) << r.body;
  const std::string cmd = "promtool check metrics < " + path + " > " + dir.file("out") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << read_file(dir.file("out"));
}

// Verifies requests with headers over http.max_header_bytes get 431, bodies over
// http.max_body_bytes get 413 and garbage request lines get 400; the server keeps serving.
TEST_F(DemoTest, HttpBoundsRejectOversizedAndGarbage) {
  const auto port = demo_->port();
  ASSERT_NE(port, 0);
  {
    RawSocket s(port);
    ASSERT_TRUE(s.ok());
    s.send("GET /v1/assets HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
    EXPECT_NE(s.read(3s, "\r\n\r\n").find("HTTP/1.1 431"), std::string::npos);
  }
  {
    RawSocket s(port);
    s.send("POST /v1/assets HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n" +
           std::string(1000, 'x'));
    EXPECT_NE(s.read(3s, "\r\n\r\n").find("HTTP/1.1 413"), std::string::npos);
  }
  for (const char* garbage : {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
                              "HELLO\r\n\r\n", "GET\r\n\r\n", "GET / HTTP/9.9\r\n\r\n"}) {
    RawSocket s(port);
    s.send(garbage);
    const std::string reply = s.read(3s, "\r\n\r\n");
    EXPECT_NE(reply.find("HTTP/1.1 400"), std::string::npos) << reply;
  }
  EXPECT_EQ(http_get(port, "/healthz").status, 200);
}

// Verifies the process logs no crash and the push stream and REST still answer after all
// the above (a sanity check on the shared demo).
TEST_F(DemoTest, StillHealthyAfterAbuse) {
  const auto port = demo_->port();
  ASSERT_NE(port, 0);
  EXPECT_EQ(http_get(port, "/healthz").status, 200);
  EXPECT_EQ(demo_->log().find("error"), std::string::npos) << demo_->log();
}

// Verifies slow clients (partial headers) are closed after http.header_timeout, idle
// keep-alive connections after http.idle_timeout, and connections beyond
// http.max_connections are refused while the others are served.
std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Verifies the demo's cascade phase yields exactly one episode per asset per cycle, starting
// just after the scenario's cascade phase begins and ending just after it stops. Scenario
// "fast": 20 s calm, 10 s cascade, 20 s recovery; cascade.quiet 10 s so an episode closes
// within the recovery phase. Two cycles take about 100 s.
TEST(DemoCascadeTest, OneEpisodePerAssetPerCycleWhereTheScenarioPutsIt) {
  const std::int64_t spawned = wall_ms();
  Demo demo({"LEVDYN_CASCADE_QUIET=10s"}, {"--scenario", "fast"});
  const std::int64_t listening = wall_ms();
  ASSERT_NE(demo.port(), 0) << demo.log();
  // The simulator (and its scenario clock) starts between these two instants.
  constexpr std::int64_t kCycle = 50'000, kCascadeStart = 20'000, kCascadeEnd = 30'000;
  const std::int64_t done = spawned + 2 * kCycle;
  while (wall_ms() < done) std::this_thread::sleep_for(500ms);
  // A loaded machine (TSan, two test jobs) can starve the HTTP thread for a read's 5 s: retry
  // (for less than the 20 s before a third cycle's cascade), and show the log if it never
  // answers.
  HttpReply r;
  EXPECT_TRUE(eventually(15s,
                         [&] {
                           r = http_get(demo.port(), "/v1/cascades");
                           return r.status == 200;
                         }))
      << "status " << r.status << "\n"
      << demo.log();
  ASSERT_EQ(r.status, 200);
  simdjson::dom::parser p;
  auto doc = parse(p, r.body);
  int per_asset_cycle[2][2] = {};
  for (auto c : doc["cascades"].get_array()) {
    const std::string_view asset = c["asset"].get_string().value();
    ASSERT_TRUE(asset == "BTC" || asset == "ETH") << r.body;
    const std::int64_t start = c["start"].get_int64().value();
    const int cycle = static_cast<int>((start - spawned) / kCycle);
    ASSERT_TRUE(cycle == 0 || cycle == 1) << r.body;
    ++per_asset_cycle[asset == "ETH"][cycle];
    const std::int64_t base = cycle * kCycle;
    // Start: after the phase begins (scenario clock in [spawned, listening]) and within the
    // 10 s rate window's reaction time.
    EXPECT_GE(start, spawned + base + kCascadeStart) << r.body;
    EXPECT_LE(start, listening + base + kCascadeStart + 5'000) << r.body;
    EXPECT_FALSE(c["active"].get_bool().value()) << r.body;
    const std::int64_t end = c["end"].get_int64().value();
    EXPECT_GE(end, spawned + base + kCascadeEnd - 2'000) << r.body;
    EXPECT_LE(end, listening + base + kCascadeEnd + 12'000) << r.body;
    EXPECT_GT(c["long_usd"].get_double().value(), 2 * c["short_usd"].get_double().value());
    EXPECT_LT(c["price_change_pct"].get_double().value(), 0) << r.body;
    EXPECT_LT(c["oi_change_pct"].get_double().value(), 0) << r.body;
    EXPECT_GE(c["venues"].get_array().size(), 4u) << r.body;
  }
  for (int a = 0; a < 2; ++a) {
    for (int cycle = 0; cycle < 2; ++cycle) {
      EXPECT_EQ(per_asset_cycle[a][cycle], 1) << (a ? "ETH" : "BTC") << " cycle " << cycle << ": "
                                              << r.body;
    }
  }
  const auto metrics = http_get(demo.port(), "/metrics").body;
  EXPECT_NE(metrics.find("levdyn_cascades_total{asset=\"BTC\"} 2"), std::string::npos);
}

TEST(DemoBoundsTest, TimeoutsAndMaxConnections) {
  Demo demo({"LEVDYN_HTTP_HEADER_TIMEOUT=1s", "LEVDYN_HTTP_IDLE_TIMEOUT=1s",
             "LEVDYN_HTTP_MAX_CONNECTIONS=4"});
  const auto port = demo.port();
  ASSERT_NE(port, 0) << demo.log();
  {
    RawSocket slow(port);
    slow.send("GET /v1/assets HTTP/1.1\r\nHost: x\r\n");  // never finishes its headers
    EXPECT_TRUE(slow.closed_within(4s));
  }
  {
    RawSocket idle(port);
    idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_NE(idle.read(2s, "}").find("200 OK"), std::string::npos);
    EXPECT_TRUE(idle.closed_within(4s));  // keep-alive, then idle: closed
  }
  {
    std::vector<std::unique_ptr<RawSocket>> held;
    for (int i = 0; i < 4; ++i) {
      held.push_back(std::make_unique<RawSocket>(port));
      held.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      EXPECT_NE(held.back()->read(2s, "}").find("200 OK"), std::string::npos);
    }
    RawSocket extra(port);
    extra.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const std::string reply = extra.read(2s, "}");
    EXPECT_EQ(reply.find("200 OK"), std::string::npos) << reply;
  }
  EXPECT_TRUE(eventually(5s, [&] { return http_get(port, "/healthz").status == 200; }));
  const std::string metrics = http_get(port, "/metrics").body;
  EXPECT_NE(metrics.find("levdyn_http_connections_rejected_total"), std::string::npos);
  EXPECT_EQ(demo.proc().signal_and_wait(SIGTERM, 5s), 0);
}

// Verifies SIGTERM stops the service cleanly: exit status 0 within 5 s.
TEST(DemoLifecycleTest, SigtermExitsZeroWithinFiveSeconds) {
  Demo demo;
  ASSERT_NE(demo.port(), 0) << demo.log();
  ASSERT_EQ(http_get(demo.port(), "/healthz").status, 200);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(demo.proc().signal_and_wait(SIGTERM, 5s), 0) << demo.log();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

// Verifies the engine runs where threads.engine says — in line on the one feed thread by default
// (no levdyn-engine thread), on its own thread when asked or with two feed threads — and that
// each way publishes metrics, observes pipeline latency, and stops cleanly.
TEST(DemoEngineModeTest, InLineOrOnItsOwnThread) {
  struct Mode {
    std::vector<std::string> env;
    const char* logged;
    bool engine_thread;
  } modes[] = {
      {{}, "engine: in line on the feed thread (threads.engine: auto)", false},
      {{"LEVDYN_THREADS_ENGINE=thread"}, "engine: its own thread, spins", true},
      {{"LEVDYN_THREADS_FEED=2"}, "engine: its own thread, spins", true},
  };
  for (const auto& m : modes) {
    SCOPED_TRACE(m.logged);
    Demo demo(m.env);
    ASSERT_NE(demo.port(), 0) << demo.log();
    simdjson::dom::parser p;
    EXPECT_TRUE(eventually(15s, [&] {
      auto e = parse(p, http_get(demo.port(), "/v1/instruments/binance/BTCUSDT").body);
      return number_at(e, "/oi_usd") > 0 && number_at(e, "/mark") > 0;
    })) << demo.log();
    const std::string metrics = http_get(demo.port(), "/metrics").body;
    const std::string count = "\nlevdyn_pipeline_latency_seconds_count ";
    const auto at = metrics.find(count);
    ASSERT_NE(at, std::string::npos);
    EXPECT_GT(std::atof(metrics.c_str() + at + count.size()), 0) << metrics.substr(at, 60);
    EXPECT_NE(demo.log().find(m.logged), std::string::npos) << demo.log();
    // What backs the engine's state is said once at start-up (the arena's first mapping).
    const auto pages = demo.log().find("engine: instrument state in ");
    ASSERT_NE(pages, std::string::npos) << demo.log();
    const std::string said = demo.log().substr(pages + 28, 12);
    EXPECT_TRUE(said == "2 MiB pages\n" || said.rfind("4 KiB pages ", 0) == 0) << said;
    bool engine_thread = false;
    const std::string tasks = "/proc/" + std::to_string(demo.proc().pid()) + "/task";
    for (const auto& t : std::filesystem::directory_iterator(tasks)) {
      engine_thread = engine_thread || read_file(t.path().string() + "/comm") == "levdyn-engine\n";
    }
    EXPECT_EQ(engine_thread, m.engine_thread);
    EXPECT_EQ(demo.proc().signal_and_wait(SIGTERM, 5s), 0) << demo.log();
  }
}

// Verifies `levdyn normalize --venue binance FILE` turns every Binance fixture into DESIGN's
// normalized JSONL (one event per frame here) and exits 0.
TEST(CliTest, NormalizeBinanceFixtures) {
  TempDir dir;
  const std::string in = dir.file("frames.jsonl");
  {
    std::ofstream out(in);
    for (const char* f : {"force_order_doc_example.json", "agg_trade_combined_real_2021.json",
                          "mark_price_doc_example.json", "force_order_arr_iotxusdt_real_2021.json"}) {
      std::string text = read_file(std::string(LEVDYN_SHARED_DIR) + "/fixtures/binance/" + f);
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      out << text << "\n";
    }
  }
  ChildProcess proc({LEVDYN_BINARY, "normalize", "--venue", "binance", in}, dir.file("err"));
  std::vector<std::string> lines;
  for (std::string l; !(l = proc.read_line(5s)).empty();) lines.push_back(l);
  EXPECT_EQ(proc.wait_exit(5s), 0) << read_file(dir.file("err"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[0].find(R"("type":"liquidation","venue":"binance","symbol":"BTCUSDT")"),
            std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(R"("position":"long","order_side":"sell","price":9910,"quantity":0.014,"notional_usd":138.74)"),
            std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find(R"("type":"trade")"), std::string::npos);
  EXPECT_NE(lines[2].find(R"("type":"mark_price")"), std::string::npos);
  EXPECT_NE(lines[3].find(R"("symbol":"IOTXUSDT")"), std::string::npos);
}

// Verifies `levdyn normalize` takes a recording's contract specs ("channel":"spec" lines, as
// `levdyn export` writes them) for the frames after them: an OKX symbol levdyn does not bundle
// gets its base quantity and notional from the spec, and has neither without it; a spec line
// that does not parse is a rejected line.
TEST(CliTest, NormalizeUsesRecordedSpecs) {
  TempDir dir;
  const std::string spec =
      R"({"ts_ns":1,"venue":"okx","channel":"spec","frame":"{\"symbol\":\"SOL-USDT-SWAP\",)"
      R"(\"asset\":\"SOL\",\"kind\":\"linear\",\"contract_value\":10}"})";
  const std::string trade =
      R"({"ts_ns":2,"venue":"okx","frame":"{\"arg\":{\"channel\":\"trades\",\"instId\":)"
      R"(\"SOL-USDT-SWAP\"},\"data\":[{\"instId\":\"SOL-USDT-SWAP\",\"tradeId\":\"1\",)"
      R"(\"px\":\"150.5\",\"sz\":\"3\",\"side\":\"buy\",\"ts\":\"1764000000000\"}]}"})";
  const auto normalize = [&](const std::string& text, const std::string& name) {
    const std::string in = dir.file(name);
    std::ofstream(in) << text;
    ChildProcess proc({LEVDYN_BINARY, "normalize", in}, dir.file(name + ".err"));
    std::string out;
    for (std::string l; !(l = proc.read_line(5s)).empty();) out += l + "\n";
    EXPECT_EQ(proc.wait_exit(5s), 0) << read_file(dir.file(name + ".err"));
    return std::make_pair(out, read_file(dir.file(name + ".err")));
  };
  const auto with = normalize(spec + "\n" + trade + "\n", "with.jsonl");
  EXPECT_NE(with.first.find(R"("symbol":"SOL-USDT-SWAP","asset":"SOL","exchange_ts":1764000000000,)"
                            R"("price":150.5,"quantity":30,"notional_usd":4515,)"),
            std::string::npos)
      << with.first;
  EXPECT_NE(with.second.find("1 frames, 1 events, 0 rejected"), std::string::npos) << with.second;
  const auto without = normalize(trade + "\n", "without.jsonl");
  EXPECT_NE(without.first.find(R"("symbol":"SOL-USDT-SWAP")"), std::string::npos);
  EXPECT_EQ(without.first.find(R"("notional_usd")"), std::string::npos) << without.first;
  const std::string bad_spec =
      R"({"ts_ns":1,"venue":"okx","channel":"spec","frame":"{\"symbol\":\"S\"}"})";
  const auto bad = normalize(bad_spec + "\n" + trade + "\n", "bad.jsonl");
  EXPECT_NE(bad.second.find("line 1: a spec frame needs \"asset\""), std::string::npos)
      << bad.second;
  EXPECT_NE(bad.second.find("1 frames, 1 events, 1 rejected"), std::string::npos) << bad.second;

  // A later spec that differs, before and after the venue's first frame: named once, and the
  // frames keep the first (30 SOL, not 300).
  std::string other = spec;
  const std::string ten = R"(\"contract_value\":10)";
  other.replace(other.find(ten), ten.size(), R"(\"contract_value\":100)");
  const auto changed = normalize(
      spec + "\n" + other + "\n" + trade + "\n" + other + "\n" + trade + "\n", "changed.jsonl");
  EXPECT_NE(changed.second.find("line 2: the contract spec for okx SOL-USDT-SWAP (SOL linear, "
                                "contract value 100) differs from the one in use (SOL linear, "
                                "contract value 10), which normalize keeps"),
            std::string::npos)
      << changed.second;
  EXPECT_EQ(changed.second.find("line 4:"), std::string::npos) << changed.second;
  EXPECT_NE(changed.second.find("2 frames, 2 events, 0 rejected"), std::string::npos)
      << changed.second;
  EXPECT_EQ(changed.first.find(R"("quantity":300)"), std::string::npos) << changed.first;
  const auto after = normalize(spec + "\n" + trade + "\n" + other + "\n", "after.jsonl");
  EXPECT_NE(after.second.find("line 3: the contract spec for okx SOL-USDT-SWAP"), std::string::npos)
      << after.second;
}

struct CliCase {
  std::vector<std::string> args;
  std::vector<std::string> env;
  int status;
  const char* message;  // must appear on stderr
};

// Verifies bad flags and bad config give exit status 2 and a message naming the problem;
// version and help succeed.
TEST(CliTest, ErrorsAndExitCodes) {
  TempDir dir;
  const std::string bad_yaml = dir.file("bad.yaml");
  std::ofstream(bad_yaml) << "http:\n  lisen: \"0.0.0.0:1\"\n";
  const CliCase cases[] = {
      {{"serve", "--bogus"}, {}, 2, "--bogus"},
      {{"frobnicate"}, {}, 2, "frobnicate"},
      {{"serve", "--config", dir.file("missing.yaml")}, {}, 2, "missing.yaml"},
      {{"serve", "--config", bad_yaml}, {}, 2, "http.lisen"},
      {{"serve", "--listen", "nonsense"}, {}, 2, "--listen"},
      {{"serve", "--config", LEVDYN_SOURCE_DIR "/deploy/levdyn.yaml"},
       {"LEVDYN_HTTP_MAX_CONNECTIONS=lots"}, 2, "LEVDYN_HTTP_MAX_CONNECTIONS"},
      {{"demo", "--scenario", "nope"}, {}, 2, "nope"},
      {{"version"}, {}, 0, ""},
      {{"--help"}, {}, 0, ""},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {LEVDYN_BINARY};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    const std::string err = dir.file("err");
    ChildProcess proc(argv, err, c.env);
    const int status = proc.wait_exit(10s);
    std::string joined;
    for (const auto& a : c.args) joined += a + " ";
    EXPECT_EQ(status, c.status) << joined << read_file(err);
    EXPECT_NE(read_file(err).find(c.message), std::string::npos) << joined << read_file(err);
  }
}

}  // namespace
}  // namespace levdyn::test
