// Tests of the simulated Deribit protocol, without sockets: its frames decode with the real
// codec, liquidations_sent matches the decoded liquidation events, the heartbeat rule closes
// silent clients, and get_instruments parses.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/events.h"
#include "core/instrument_table.h"
#include "service/sim/market_model.h"
#include "service/sim/venue_protocol.h"
#include "service/venues/codec.h"
#include "service/venues/deribit.h"
#include "service/venues/metadata.h"

namespace levdyn::sim {
namespace {

constexpr std::int64_t kStart = 1'700'000'000'000'000'000;
constexpr std::int64_t kTick = 100'000'000;

struct Harness {
  std::unique_ptr<VenueProtocol> protocol = make_deribit_protocol();
  std::unique_ptr<ProtocolSession> session;
  core::InstrumentTable table;
  std::unique_ptr<venues::Codec> codec;
  std::vector<core::NormalizedEvent> events;
  std::string reply;
  int errors = 0;
  int replies = 0;

  Harness() {
    for (const auto& s : venues::bundled_instruments(core::Venue::kDeribit)) table.add(s);
    codec = venues::make_codec(venues::default_settings(core::Venue::kDeribit), table);
    std::string error;
    session = protocol->open("/ws/api/v2", kStart, error);
  }

  /// Feeds every frame of `out` to the codec; answers test_requests when `answer` is set.
  void consume(Outbox& out, std::int64_t now, bool answer) {
    for (const auto& frame : out.text) {
      reply.clear();
      const auto r = codec->decode(frame, venues::FrameMeta{}, events, reply);
      if (venues::is_error(r.status)) ++errors;
      if (!reply.empty()) {
        ++replies;
        if (answer) {
          Outbox back;
          session->on_text(reply, now, back);
          consume(back, now, answer);
        }
      }
    }
  }

  void subscribe(std::int64_t now) {
    const auto endpoints = codec->ws_endpoints();  // outlives the loop below
    for (const auto& frame : endpoints.at(0).subscribe) {
      Outbox out;
      session->on_text(frame, now, out);
      consume(out, now, true);
    }
  }
};

std::size_t count(const std::vector<core::NormalizedEvent>& events, core::EventType type) {
  std::size_t n = 0;
  for (const auto& e : events) n += e.type == type ? 1 : 0;
  return n;
}

// Verifies ten simulated minutes of cascade decode without errors, carry OI, marks and trades,
// and that liquidations_sent equals the liquidation events the codec produced (MT counts two).
TEST(SimDeribit, FramesDecodeAndLiquidationsAreCountedExactly) {
  Harness h;
  ASSERT_NE(h.session, nullptr);
  ScenarioSpec spec;
  ASSERT_TRUE(scenario_by_name("cascade", spec));
  MarketModel market(spec, kStart);
  h.subscribe(kStart);
  std::vector<MarketEvent> events;
  for (std::int64_t t = kStart + kTick; t <= kStart + 600 * 1'000'000'000LL; t += kTick) {
    events.clear();
    market.advance(t, events);
    Outbox out;
    h.session->on_tick(events, market, t, out);
    EXPECT_FALSE(out.close);
    h.consume(out, t, true);
  }
  EXPECT_EQ(h.errors, 0);
  EXPECT_GT(h.replies, 50);  // a test_request every 10 s, each answered
  EXPECT_GT(count(h.events, core::EventType::kTrade), 0u);
  EXPECT_GT(count(h.events, core::EventType::kOpenInterest), 0u);
  EXPECT_GT(count(h.events, core::EventType::kMarkPrice), 0u);
  const std::size_t liqs = count(h.events, core::EventType::kLiquidation);
  EXPECT_GT(liqs, 0u);
  EXPECT_EQ(h.protocol->counters().liquidations_sent, liqs);
  for (const auto& e : h.events) {
    if (e.type == core::EventType::kOpenInterest) {
      EXPECT_GT(e.oi.notional_usd, 0.0);
    }
  }
}

// Verifies a client that never answers test_request is closed one interval later.
TEST(SimDeribit, UnansweredTestRequestClosesConnection) {
  Harness h;
  MarketModel market(ScenarioSpec{}, kStart);
  h.subscribe(kStart);
  std::vector<MarketEvent> events;
  bool closed = false;
  std::int64_t t = kStart;
  for (; t <= kStart + 30 * 1'000'000'000LL && !closed; t += kTick) {
    events.clear();
    market.advance(t, events);
    Outbox out;
    h.session->on_tick(events, market, t, out);
    h.consume(out, t, /*answer=*/false);
    closed = out.close;
  }
  EXPECT_TRUE(closed);
  EXPECT_GE(t - kStart, 20 * 1'000'000'000LL);  // 10 s to the request, 10 s to answer
  EXPECT_GE(h.replies, 1);  // the codec produced answers; the client just did not send them
}

// Verifies the simulated get_instruments answers parse with the codec's metadata parser and
// list the inverse and linear perpetuals.
TEST(SimDeribit, GetInstrumentsParses) {
  auto protocol = make_deribit_protocol();
  MarketModel market(ScenarioSpec{}, kStart);
  const auto targets = venues::metadata_targets(core::Venue::kDeribit);
  std::vector<core::InstrumentSpec> specs;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const RestReply r = protocol->rest(targets[i], market, kStart);
    ASSERT_EQ(r.status, 200) << targets[i];
    ASSERT_EQ(venues::parse_metadata(core::Venue::kDeribit, i, r.body, specs),
              venues::DecodeStatus::kOk);
  }
  ASSERT_EQ(specs.size(), 4u);
  EXPECT_EQ(specs[0].symbol, "BTC-PERPETUAL");
  EXPECT_EQ(specs[0].kind, core::ContractKind::kInverse);
  EXPECT_EQ(specs[0].contract_value, 10.0);
  EXPECT_EQ(specs[2].symbol, "BTC_USDC-PERPETUAL");
  EXPECT_EQ(specs[2].kind, core::ContractKind::kLinear);
  EXPECT_EQ(protocol->rest("/api/v2/public/get_instruments?currency=XYZ", market, kStart).status,
            400);
}

}  // namespace
}  // namespace levdyn::sim
