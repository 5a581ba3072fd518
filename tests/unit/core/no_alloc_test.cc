// Proves the engine's per-event path allocates nothing once warm: apply() of every event type
// and the per-batch publish of the dirty instruments, counted by a replaced global operator new.
// Growth that is bounded and happens once (instrument and asset state on first sight, the
// Hawkes arrival ring up to hawkes_max_events) is done in the warm-up.

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/engine.h"
#include "tests/support/counting_new.h"

namespace levdyn::core {
namespace {

// The counter itself sees allocations (so a zero below means none happened).
TEST(EngineNoAllocation, CounterCountsThisThreadsAllocations) {
  testing_support::CountAllocations count;
  auto v = std::make_unique<std::vector<int>>(10);
  v->push_back(1);  // grows: a second allocation
  EXPECT_EQ(count.count(), 3);
}

TEST(EngineNoAllocation, SteadyStateApplyAndPublishAllocateNothing) {
  InstrumentTable table;
  constexpr int kInstruments = 200;
  for (int i = 0; i < kInstruments; ++i) {
    InstrumentSpec s;
    s.symbol = "SYM" + std::to_string(i) + "USDT";
    s.asset = "A" + std::to_string(i % 20);
    table.add(s);
  }
  EngineConfig cfg;
  cfg.hawkes_max_events = 256;  // the ring reaches its bound in the warm-up
  PublishedState out(table, static_cast<int>(cfg.windows_ns.size()), cfg.windows_ns.data());
  Engine engine(cfg, table, out);

  std::mt19937_64 rng(11);
  std::int64_t t = 1'700'000'000'000'000'000;
  auto next = [&] {
    t += 20'000'000;  // 50 events/s: the windows roll over many buckets
    NormalizedEvent e{};
    e.exchange_ts_ns = e.recv_wall_ns = e.recv_steady_ns = t;
    e.instrument = static_cast<InstrumentId>(rng() % kInstruments);
    e.venue = Venue::kBinance;
    const double px = 100.0 + static_cast<double>(rng() % 100) * 0.01;
    switch (rng() % 4) {
      case 0:
        e.type = EventType::kTrade;
        e.trade = {px, 0.5, px * 0.5, Side::kBuy};
        break;
      case 1:
        e.type = EventType::kOpenInterest;
        e.oi = {kAbsent, 1000.0 + static_cast<double>(rng() % 100), kAbsent, OiSource::kWs};
        break;
      case 2:
        e.type = EventType::kMarkPrice;
        e.mark = {px, px, 0.0001, 28800};
        break;
      default:
        e.type = EventType::kLiquidation;
        e.liq = {px, 0.5, px * 0.5, Position::kLong, Side::kSell, Completeness::kFull};
        break;
    }
    return e;
  };
  auto run = [&](int events) {
    for (int i = 0; i < events; ++i) {
      engine.apply(next());
      if (i % 16 == 15) engine.publish(t, false);  // a batch
      if (i % 5000 == 4999) engine.publish(t, true);  // the timed full publish
    }
  };
  run(200'000);  // warm-up: > 1 h of event time, every instrument and asset seen
  long allocations = 0;
  {
    testing_support::CountAllocations count;
    run(50'000);
    allocations = count.count();
  }
  EXPECT_EQ(allocations, 0) << "allocations on the warm per-event path";
  EXPECT_EQ(engine.events_applied(), 250'000u);
}

}  // namespace
}  // namespace levdyn::core
