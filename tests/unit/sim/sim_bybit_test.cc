// Tests of the simulated Bybit protocol without sockets: its frames decode with the real
// codec (no errors, exact liquidation count), tickers are a snapshot then deltas, the ping
// timeout closes silent clients, and instruments-info parses as venue metadata.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/events.h"
#include "core/instrument_table.h"
#include "service/sim/market_model.h"
#include "service/sim/venue_protocol.h"
#include "service/venues/bybit.h"
#include "service/venues/codec.h"

namespace levdyn::sim {
namespace {

constexpr std::int64_t kStart = 1'700'000'000'000'000'000;
constexpr std::int64_t kTick = 100'000'000;  // 100 ms
constexpr std::int64_t kSecond = 1'000'000'000;

/// One simulated connection and the codec that reads it.
struct Client {
  std::unique_ptr<ProtocolSession> session;
  std::unique_ptr<venues::Codec> codec;
  std::vector<core::NormalizedEvent> events;
  int errors = 0;
  int frames = 0;
  int snapshots = 0;
  int deltas = 0;

  void feed(const Outbox& out) {
    for (const std::string& frame : out.text) {
      ++frames;
      if (frame.find("\"type\":\"snapshot\"") != std::string::npos &&
          frame.find("tickers.") != std::string::npos) {
        ++snapshots;
      }
      if (frame.find("\"type\":\"delta\"") != std::string::npos) ++deltas;
      std::string reply;
      const auto r = codec->decode(frame, venues::FrameMeta{}, events, reply);
      if (venues::is_error(r.status)) {
        ++errors;
        ADD_FAILURE() << venues::to_string(r.status) << ": " << frame;
      }
    }
  }
};

class SimBybitTest : public testing::Test {
 protected:
  void SetUp() override {
    for (const auto& s : venues::bybit::bundled_instruments()) table_.add(s);
    protocol_ = make_bybit_protocol();
  }

  Client connect(const std::string& path, std::vector<std::string> symbols) {
    Client c;
    std::string error;
    c.session = protocol_->open(path, kStart, error);
    EXPECT_NE(c.session, nullptr) << error;
    venues::VenueSettings s = venues::bybit::default_settings();
    s.symbols = std::move(symbols);
    c.codec = venues::bybit::make_codec(s, table_);
    for (const auto& ep : c.codec->ws_endpoints()) {
      if (ep.url.size() < path.size() || ep.url.compare(ep.url.size() - path.size(), path.size(), path) != 0) {
        continue;
      }
      for (const auto& sub : ep.subscribe) {
        Outbox out;
        c.session->on_text(sub, kStart, out);
        c.feed(out);
      }
    }
    return c;
  }

  core::InstrumentTable table_;
  std::unique_ptr<VenueProtocol> protocol_;
};

// Verifies only the /v5/public/linear and /v5/public/inverse paths open sessions.
TEST_F(SimBybitTest, Paths) {
  EXPECT_EQ(protocol_->ws_base(), "/v5/public");
  std::string error;
  EXPECT_NE(protocol_->open("/v5/public/linear", kStart, error), nullptr);
  EXPECT_NE(protocol_->open("/v5/public/inverse", kStart, error), nullptr);
  EXPECT_EQ(protocol_->open("/v5/public/spot", kStart, error), nullptr);
  EXPECT_EQ(protocol_->counters().connections, 2u);
}

// Verifies subscribe acks and pongs are ignored by the codec and a bad topic is a venue error.
TEST_F(SimBybitTest, AcksAndPongs) {
  Client c = connect("/v5/public/linear", {"BTCUSDT", "ETHUSDT"});
  EXPECT_EQ(c.frames, 1);  // one subscribe ack
  EXPECT_EQ(c.errors, 0);
  Outbox out;
  c.session->on_text(R"({"op":"ping"})", kStart + kSecond, out);
  ASSERT_EQ(out.text.size(), 1u);
  EXPECT_NE(out.text[0].find(R"("ret_msg":"pong")"), std::string::npos);
  std::string reply;
  EXPECT_EQ(c.codec->decode(out.text[0], venues::FrameMeta{}, c.events, reply).status,
            venues::DecodeStatus::kIgnored);
  out.text.clear();
  c.session->on_text(R"({"op":"subscribe","args":["orderbook.1.BTCUSDT"]})", kStart, out);
  ASSERT_EQ(out.text.size(), 1u);
  EXPECT_EQ(c.codec->decode(out.text[0], venues::FrameMeta{}, c.events, reply).status,
            venues::DecodeStatus::kVenueError);
}

// Verifies a client that pings every 20 s stays while one that stops is closed after 30 s and
// counted.
TEST_F(SimBybitTest, PingTimeoutClosesSilentClients) {
  MarketModel market(ScenarioSpec{}, kStart);
  std::vector<MarketEvent> events;
  Client pinging = connect("/v5/public/linear", {"BTCUSDT"});
  Client silent = connect("/v5/public/linear", {"BTCUSDT"});
  bool silent_closed = false;
  for (std::int64_t t = kStart + kTick; t <= kStart + 45 * kSecond; t += kTick) {
    events.clear();
    market.advance(t, events);
    if ((t - kStart) % (20 * kSecond) == 0) {
      Outbox pong;
      pinging.session->on_text(R"({"op":"ping"})", t, pong);
    }
    Outbox a;
    pinging.session->on_tick(events, market, t, a);
    EXPECT_FALSE(a.close) << "at " << (t - kStart) / kSecond << " s";
    if (!silent_closed) {
      Outbox b;
      silent.session->on_tick(events, market, t, b);
      if (b.close) {
        silent_closed = true;
        EXPECT_GT(t - kStart, 30 * kSecond);
        EXPECT_LE(t - kStart, 30 * kSecond + kTick);
      }
    }
  }
  EXPECT_TRUE(silent_closed);
}

// Verifies a full cascade cycle on linear and inverse: every frame decodes, tickers are one
// snapshot per symbol then deltas, liquidations decoded equal liquidations_sent, and every
// bankruptcy price agrees with the mark.
TEST_F(SimBybitTest, RoundTripThroughCodec) {
  ScenarioSpec spec;
  ASSERT_TRUE(scenario_by_name("fast", spec));
  MarketModel market(spec, kStart);
  Client linear = connect("/v5/public/linear", {"BTCUSDT", "ETHUSDT"});
  Client inverse = connect("/v5/public/inverse", {"BTCUSD", "ETHUSD"});
  std::vector<MarketEvent> events;
  for (std::int64_t t = kStart + kTick; t <= kStart + 60 * kSecond; t += kTick) {
    events.clear();
    market.advance(t, events);
    for (Client* c : {&linear, &inverse}) {
      Outbox out;
      if ((t - kStart) % (20 * kSecond) == 0) c->session->on_text(R"({"op":"ping"})", t, out);
      c->session->on_tick(events, market, t, out);
      EXPECT_FALSE(out.close);
      c->feed(out);
    }
  }
  std::uint64_t liquidations = 0;
  int oi = 0;
  int inverse_oi = 0;
  for (const Client* c : {&linear, &inverse}) {
    EXPECT_EQ(c->errors, 0);
    EXPECT_EQ(c->snapshots, 2);
    EXPECT_GT(c->deltas, 100);
    for (const auto& e : c->events) {
      if (e.type == core::EventType::kLiquidation) ++liquidations;
      if (e.type == core::EventType::kOpenInterest) {
        ++oi;
        EXPECT_GT(e.oi.base, 0.0);
        EXPECT_GT(e.oi.notional_usd, 0.0);
        if (table_.get(e.instrument).kind == core::ContractKind::kInverse) ++inverse_oi;
      }
    }
    const auto* codec = dynamic_cast<const venues::bybit::BybitCodec*>(c->codec.get());
    ASSERT_NE(codec, nullptr);
    EXPECT_EQ(codec->bankruptcy_price_disagreements(), 0u);
  }
  EXPECT_GT(liquidations, 0u);
  EXPECT_EQ(liquidations, protocol_->counters().liquidations_sent);
  EXPECT_GT(oi, 0);
  EXPECT_GT(inverse_oi, 0);
}

// Verifies instruments-info for both categories parses as metadata with the right kinds, and a
// bad category answers a retCode error.
TEST_F(SimBybitTest, InstrumentsInfo) {
  MarketModel market(ScenarioSpec{}, kStart);
  const auto targets = venues::bybit::metadata_targets();
  std::vector<core::InstrumentSpec> specs;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const RestReply r = protocol_->rest(targets[i], market, kStart);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(venues::bybit::parse_metadata(i, r.body, specs), venues::DecodeStatus::kOk);
  }
  ASSERT_EQ(specs.size(), 6u);
  EXPECT_EQ(specs[0].symbol, "BTCUSDT");
  EXPECT_EQ(specs[0].kind, core::ContractKind::kLinear);
  EXPECT_EQ(specs[3].symbol, "BTCUSD");
  EXPECT_EQ(specs[3].kind, core::ContractKind::kInverse);
  const RestReply bad = protocol_->rest("/v5/market/instruments-info?category=spot", market, kStart);
  std::vector<core::InstrumentSpec> none;
  EXPECT_EQ(venues::bybit::parse_metadata(0, bad.body, none), venues::DecodeStatus::kVenueError);
  EXPECT_EQ(protocol_->rest("/v5/market/nothing", market, kStart).status, 404);
}

}  // namespace
}  // namespace levdyn::sim
