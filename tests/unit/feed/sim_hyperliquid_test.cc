// Tests of the simulated Hyperliquid protocol without sockets: acks and pongs, the 60 s
// silence rule, the subscribe replay (decoded by the real codec, which must drop it), and no
// liquidations rendered.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/instrument_table.h"
#include "service/sim/market_model.h"
#include "service/sim/venue_protocol.h"
#include "service/venues/hyperliquid.h"

namespace levdyn::sim {
namespace {

constexpr std::int64_t kSec = 1'000'000'000;
constexpr std::int64_t kStart = 1'700'000'000LL * kSec;

struct Harness {
  ScenarioSpec spec;
  std::unique_ptr<MarketModel> market;
  std::unique_ptr<VenueProtocol> protocol = make_hyperliquid_protocol();
  std::vector<MarketEvent> events;
  Harness() {
    EXPECT_TRUE(scenario_by_name("cascade", spec));
    market = std::make_unique<MarketModel>(spec, kStart, 7);
  }
  std::unique_ptr<ProtocolSession> open(std::int64_t now) {
    std::string error;
    auto s = protocol->open("/ws", now, error);
    EXPECT_NE(s, nullptr) << error;
    return s;
  }
  void tick(std::int64_t now, std::vector<ProtocolSession*> sessions, std::vector<Outbox>& outs) {
    events.clear();
    market->advance(now, events);
    outs.assign(sessions.size(), Outbox{});
    for (std::size_t i = 0; i < sessions.size(); ++i) {
      sessions[i]->on_tick(events, *market, now, outs[i]);
    }
  }
};

// Verifies ping is answered with pong, subscribe with the venue's ack, a bad path is refused,
// and a client silent for over 60 s is closed while one that pings every 50 s is not.
TEST(SimHyperliquid, PingAckAndSilenceRule) {
  Harness h;
  std::string error;
  EXPECT_EQ(h.protocol->open("/market", kStart, error), nullptr);
  auto quiet = h.open(kStart);
  auto pinger = h.open(kStart);
  Outbox out;
  pinger->on_text(R"({"method":"ping"})", kStart, out);
  ASSERT_EQ(out.text.size(), 1u);
  EXPECT_EQ(out.text[0], R"({"channel":"pong"})");
  out = {};
  quiet->on_text(R"({ "method": "subscribe", "subscription": { "type": "trades", "coin": "BTC" } })",
                 kStart, out);
  ASSERT_GE(out.text.size(), 1u);
  EXPECT_EQ(out.text[0],
            R"({"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}})");
  std::vector<Outbox> outs;
  for (std::int64_t t = kStart + kSec / 10; t <= kStart + 61 * kSec; t += kSec / 10) {
    if (t == kStart + 50 * kSec) {
      Outbox o;
      pinger->on_text(R"({"method":"ping"})", t, o);
    }
    h.tick(t, {quiet.get(), pinger.get()}, outs);
    if (t <= kStart + 60 * kSec) {
      ASSERT_FALSE(outs[0].close) << (t - kStart) / kSec;
    }
  }
  EXPECT_TRUE(outs[0].close);
  EXPECT_FALSE(outs[1].close);
  EXPECT_EQ(h.protocol->counters().connections, 2u);
  EXPECT_EQ(h.protocol->counters().liquidations_sent, 0u);
}

// Verifies a new trades subscription replays the last 30 trades already streamed, and that
// the codec decoding both streams (as across a reconnect) drops exactly the replay; the
// activeAssetCtx frames decode with no errors and no liquidation is ever rendered.
TEST(SimHyperliquid, ReplayIsDeduplicatedByTheCodec) {
  Harness h;
  core::InstrumentTable table;
  auto codec = venues::hyperliquid::make_codec(venues::hyperliquid::default_settings(), table);
  std::vector<core::NormalizedEvent> events;
  std::string reply;
  auto decode_all = [&](const Outbox& o, int& errors) {
    for (const auto& f : o.text) {
      if (venues::is_error(codec->decode(f, venues::FrameMeta{}, events, reply).status)) ++errors;
    }
  };
  auto first = h.open(kStart);
  Outbox o;
  first->on_text(R"({"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}})", kStart, o);
  first->on_text(R"({"method":"subscribe","subscription":{"type":"activeAssetCtx","coin":"BTC"}})",
                 kStart, o);
  int errors = 0;
  decode_all(o, errors);
  std::vector<Outbox> outs;
  for (std::int64_t t = kStart + kSec / 10; t <= kStart + 40 * kSec; t += kSec / 10) {
    Outbox ping;
    first->on_text(R"({"method":"ping"})", t, ping);
    h.tick(t, {first.get()}, outs);
    decode_all(outs[0], errors);
  }
  std::size_t trades = 0;
  std::size_t marks = 0;
  for (const auto& e : events) {
    EXPECT_NE(e.type, core::EventType::kLiquidation);
    trades += e.type == core::EventType::kTrade;
    marks += e.type == core::EventType::kMarkPrice;
  }
  ASSERT_GT(trades, 30u);  // enough history for a full replay
  EXPECT_GE(marks, 39u);   // about one ctx a second
  EXPECT_EQ(errors, 0);

  codec->on_connected(0);  // the "reconnect"
  auto second = h.open(kStart + 40 * kSec);
  Outbox again;
  second->on_text(R"({"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}})",
                  kStart + 40 * kSec, again);
  ASSERT_EQ(again.text.size(), 2u);  // ack + replay
  const std::size_t before = events.size();
  decode_all(again, errors);
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(events.size(), before);  // the whole replay was a duplicate
  EXPECT_EQ(venues::hyperliquid::duplicate_trades(*codec), 30u);
  EXPECT_EQ(h.protocol->counters().liquidations_sent, 0u);
}

}  // namespace
}  // namespace levdyn::sim
