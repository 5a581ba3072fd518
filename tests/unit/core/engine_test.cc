// Tests for core::Engine: every DESIGN §5 formula on hand-computed cases, window edges, gaps,
// inverse instruments and asset aggregation.
#include "core/engine.h"

#include <gtest/gtest.h>

#include <cmath>

namespace levdyn::core {
namespace {

constexpr std::int64_t kS = 1'000'000'000;  // one second in ns
constexpr std::int64_t kT0 = 1'700'000'000 * kS;

class EngineTest : public testing::Test {
 protected:
  EngineTest() {
    InstrumentSpec btc;
    btc.venue = Venue::kBinance;
    btc.symbol = "BTCUSDT";
    btc.asset = "BTC";
    linear_ = table_.add(btc);
    InstrumentSpec inv;
    inv.venue = Venue::kDeribit;
    inv.symbol = "BTC-PERPETUAL";
    inv.asset = "BTC";
    inv.kind = ContractKind::kInverse;
    inv.contract_value = 10;
    inverse_ = table_.add(inv);
  }

  void make_engine(std::vector<std::int64_t> windows, int buckets) {
    config_.windows_ns = std::move(windows);
    config_.buckets_per_window = buckets;
    std::int64_t w[kMaxWindows];
    for (std::size_t i = 0; i < config_.windows_ns.size(); ++i) w[i] = config_.windows_ns[i];
    state_ = std::make_unique<PublishedState>(table_, static_cast<int>(config_.windows_ns.size()), w);
    engine_ = std::make_unique<Engine>(config_, table_, *state_);
  }

  NormalizedEvent ev(EventType type, InstrumentId id, std::int64_t t) const {
    return make_event(type, table_.get(id).venue, id, t, t, t);
  }
  void oi(InstrumentId id, std::int64_t t, double base, double usd = kAbsent) {
    auto e = ev(EventType::kOpenInterest, id, t);
    e.oi = OpenInterest{kAbsent, base, usd, OiSource::kRest};
    engine_->apply(e);
  }
  void mark(InstrumentId id, std::int64_t t, double px, double funding = kAbsent,
            std::int32_t interval = 0) {
    auto e = ev(EventType::kMarkPrice, id, t);
    e.mark = MarkPrice{px, kAbsent, funding, interval};
    engine_->apply(e);
  }
  void liq(InstrumentId id, std::int64_t t, Position p, double usd) {
    auto e = ev(EventType::kLiquidation, id, t);
    e.liq = Liquidation{1, usd, usd, p, p == Position::kLong ? Side::kSell : Side::kBuy,
                        Completeness::kFull};
    engine_->apply(e);
  }
  void trade(InstrumentId id, std::int64_t t, double usd) {
    auto e = ev(EventType::kTrade, id, t);
    e.trade = Trade{1, usd, usd, Side::kBuy};
    engine_->apply(e);
  }
  InstrumentMetrics at(InstrumentId id, std::int64_t now) {
    InstrumentMetrics m;
    EXPECT_TRUE(engine_->compute_instrument(id, now, m));
    return m;
  }

  InstrumentTable table_;
  InstrumentId linear_ = 0, inverse_ = 0;
  EngineConfig config_;
  std::unique_ptr<PublishedState> state_;
  std::unique_ptr<Engine> engine_;
};

// Verifies oi_usd, oi_change_usd/pct, velocity, price change, regime, liquidation sums, rate,
// imbalance, liq_to_oi, volume, turnover and forced_share on a hand-computed 60 s window.
TEST_F(EngineTest, WindowFormulasHandComputed) {
  make_engine({60 * kS}, 60);
  oi(linear_, kT0, 100);
  mark(linear_, kT0, 50'000);
  liq(linear_, kT0 + 1 * kS, Position::kLong, 700);  // falls out of the window by `now`
  liq(linear_, kT0 + 30 * kS, Position::kLong, 1'000);
  trade(linear_, kT0 + 40 * kS, 100'000);
  trade(linear_, kT0 + 50 * kS, 50'000);
  oi(linear_, kT0 + 60 * kS, 110);
  mark(linear_, kT0 + 60 * kS, 51'000);
  liq(linear_, kT0 + 61 * kS, Position::kShort, 500);

  const auto m = at(linear_, kT0 + 61 * kS + kS / 2);
  EXPECT_DOUBLE_EQ(m.oi_usd, 110 * 51'000.0);
  EXPECT_DOUBLE_EQ(m.oi_base, 110);
  const WindowMetrics& w = m.windows[0];
  EXPECT_DOUBLE_EQ(w.oi_change_usd, 10 * 51'000.0);
  EXPECT_DOUBLE_EQ(w.oi_change_pct, 0.1);
  EXPECT_DOUBLE_EQ(w.oi_velocity_usd_s, 10 * 51'000.0 / 60);
  EXPECT_DOUBLE_EQ(w.price_change_pct, 0.02);
  EXPECT_EQ(w.regime, Regime::kNewLongs);
  EXPECT_DOUBLE_EQ(w.liq_long_usd, 1'000);
  EXPECT_DOUBLE_EQ(w.liq_short_usd, 500);
  EXPECT_EQ(w.liq_long_count, 1u);
  EXPECT_EQ(w.liq_short_count, 1u);
  EXPECT_DOUBLE_EQ(w.liq_rate_usd_s, 1'500.0 / 60);
  EXPECT_DOUBLE_EQ(w.liq_imbalance, 500.0 / 1'500.0);
  EXPECT_DOUBLE_EQ(w.liq_to_oi, 1'500.0 / (100 * 50'000.0));
  EXPECT_DOUBLE_EQ(w.volume_usd, 150'000);
  EXPECT_DOUBLE_EQ(w.turnover, 150'000 / (110 * 51'000.0));
  EXPECT_DOUBLE_EQ(w.forced_share, 1'500.0 / 150'000);
  EXPECT_TRUE(std::isnan(w.oi_acceleration_usd_s2));  // no history at t − 2W
  // Totals keep the liquidation that left the window.
  EXPECT_EQ(m.liq_long_total, 2u);
  EXPECT_DOUBLE_EQ(m.liq_long_usd_total, 1'700);
}

// Verifies acceleration = (velocity over [t−W,t] − velocity over [t−2W,t−W]) / W.
TEST_F(EngineTest, Acceleration) {
  make_engine({10 * kS}, 10);
  mark(linear_, 100 * kS, 10);
  oi(linear_, 100 * kS, 100);
  oi(linear_, 110 * kS, 120);
  oi(linear_, 120 * kS, 130);
  const WindowMetrics w = at(linear_, 121 * kS + kS / 2).windows[0];
  EXPECT_DOUBLE_EQ(w.oi_change_usd, 100);      // (130 − 120) · 10
  EXPECT_DOUBLE_EQ(w.oi_velocity_usd_s, 10);
  EXPECT_DOUBLE_EQ(w.oi_acceleration_usd_s2, (10.0 - 20.0) / 10);
  EXPECT_EQ(w.regime, Regime::kFlat);          // price did not move
}

// Verifies the four price/OI regimes.
TEST_F(EngineTest, Regimes) {
  struct Case {
    double p1, b1;
    Regime want;
  } cases[] = {{110, 110, Regime::kNewLongs},
               {110, 90, Regime::kShortCovering},
               {90, 110, Regime::kNewShorts},
               {90, 90, Regime::kLongLiquidation}};
  for (const auto& c : cases) {
    SCOPED_TRACE(to_string(c.want));
    make_engine({10 * kS}, 10);
    mark(linear_, 100 * kS, 100);
    oi(linear_, 100 * kS, 100);
    mark(linear_, 110 * kS, c.p1);
    oi(linear_, 110 * kS, c.b1);
    EXPECT_EQ(at(linear_, 111 * kS).windows[0].regime, c.want);
  }
}

// Verifies the window edge: a bucket leaves the window exactly when it is W old, and B(t−W)
// is the last value at or before the start of the bucket holding t−W.
TEST_F(EngineTest, WindowEdges) {
  make_engine({10 * kS}, 10);
  liq(linear_, 100 * kS, Position::kLong, 5);
  EXPECT_DOUBLE_EQ(at(linear_, 109 * kS + kS - 1).windows[0].liq_long_usd, 5);  // 9.99 s old
  EXPECT_DOUBLE_EQ(at(linear_, 110 * kS).windows[0].liq_long_usd, 0);           // 10 s old
  // A window that has not seen W of history yet is partial and has no OI change.
  make_engine({10 * kS}, 10);
  mark(linear_, 100 * kS, 10);
  oi(linear_, 100 * kS, 1);
  const WindowMetrics early = at(linear_, 105 * kS).windows[0];
  EXPECT_TRUE(early.partial);
  EXPECT_TRUE(std::isnan(early.oi_change_usd));
  const WindowMetrics later = at(linear_, 112 * kS).windows[0];
  EXPECT_FALSE(later.partial);
  EXPECT_DOUBLE_EQ(later.oi_change_usd, 0);
}

// Verifies a feed gap marks every window spanning it partial until it has rolled out.
TEST_F(EngineTest, GapMakesWindowPartial) {
  make_engine({10 * kS}, 10);
  mark(linear_, 100 * kS, 10);
  oi(linear_, 100 * kS, 1);
  EXPECT_FALSE(at(linear_, 111 * kS).windows[0].partial);
  auto down = make_event(EventType::kFeedStatus, Venue::kBinance, kNoInstrument, 0, 112 * kS, 0);
  down.status = FeedStatus{false, FeedReason::kReadError, 0};
  engine_->apply(down);
  auto up = down;
  up.recv_wall_ns = 115 * kS;
  up.status.up = true;
  engine_->apply(up);
  EXPECT_TRUE(at(linear_, 116 * kS).windows[0].partial);
  EXPECT_TRUE(at(linear_, 124 * kS).windows[0].partial);   // bucket 115 still inside
  EXPECT_FALSE(at(linear_, 126 * kS).windows[0].partial);  // gap rolled out
}

// Verifies late events (exchange time in the past) are filed under their own time.
TEST_F(EngineTest, LateEventsUseTheirOwnTime) {
  make_engine({10 * kS}, 10);
  liq(linear_, 120 * kS, Position::kShort, 1);
  auto late = ev(EventType::kLiquidation, linear_, 115 * kS);
  late.recv_wall_ns = 121 * kS;
  late.liq = Liquidation{1, 2, 2, Position::kLong, Side::kSell, Completeness::kFull};
  engine_->apply(late);
  auto too_old = late;
  too_old.exchange_ts_ns = 100 * kS;
  engine_->apply(too_old);
  const auto m = at(linear_, 121 * kS);
  EXPECT_DOUBLE_EQ(m.windows[0].liq_long_usd, 2);   // the too-old one counts in totals only
  EXPECT_EQ(m.liq_long_total, 2u);
  EXPECT_DOUBLE_EQ(at(linear_, 125 * kS + 1).windows[0].liq_long_usd, 0);
}

// Verifies inverse OI: oi_usd is contracts × contract value as reported; B = USD / mark.
TEST_F(EngineTest, InverseInstrument) {
  make_engine({10 * kS}, 10);
  mark(inverse_, 100 * kS, 50'000, 0.0001, 28'800);
  oi(inverse_, 100 * kS, kAbsent, 1'000'000);
  mark(inverse_, 110 * kS, 40'000);
  const auto m = at(inverse_, 111 * kS);
  EXPECT_DOUBLE_EQ(m.oi_usd, 1'000'000);
  EXPECT_DOUBLE_EQ(m.oi_base, 25);  // 1e6 / 40000
  // B(t−W) = 1e6/50000 = 20, B(t) = 25: the same USD holds more coins after a price fall.
  EXPECT_DOUBLE_EQ(m.windows[0].oi_change_usd, 5 * 40'000.0);
  EXPECT_DOUBLE_EQ(m.funding_rate_8h, 0.0001);
}

// Verifies asset aggregation: summed OI, OI-weighted and mean funding (8 h), summed
// liquidations, venues mask, and publication through PublishedState.
TEST_F(EngineTest, AssetAggregates) {
  make_engine({10 * kS}, 10);
  mark(linear_, 100 * kS, 100, 0.0001, 8 * 3600);  // 8 h rate 0.0001
  oi(linear_, 100 * kS, 30);                       // 3000 USD
  mark(inverse_, 100 * kS, 100, 0.0001, 3600);     // hourly 0.0001 => 8 h 0.0008
  oi(inverse_, 100 * kS, kAbsent, 1000);           // 1000 USD
  liq(linear_, 101 * kS, Position::kLong, 10);
  liq(inverse_, 102 * kS, Position::kShort, 30);
  engine_->publish(103 * kS, true);
  AssetMetrics a;
  ASSERT_TRUE(state_->asset(table_.find_asset("BTC"), a));
  EXPECT_DOUBLE_EQ(a.oi_usd, 4000);
  EXPECT_DOUBLE_EQ(a.funding_oi_weighted, (0.0001 * 3000 + 0.0008 * 1000) / 4000);
  EXPECT_DOUBLE_EQ(a.funding_mean, (0.0001 + 0.0008) / 2);
  EXPECT_DOUBLE_EQ(a.windows[0].liq_long_usd, 10);
  EXPECT_DOUBLE_EQ(a.windows[0].liq_short_usd, 30);
  EXPECT_DOUBLE_EQ(a.windows[0].liq_imbalance, -0.5);
  EXPECT_EQ(a.venues, (1u << static_cast<int>(Venue::kBinance)) |
                          (1u << static_cast<int>(Venue::kDeribit)));
  InstrumentMetrics m;
  ASSERT_TRUE(state_->instrument(linear_, m));
  EXPECT_DOUBLE_EQ(m.oi_usd, 3000);
  NormalizedEvent last;
  ASSERT_TRUE(state_->liquidations().read(state_->liquidations().head() - 1, last));
  EXPECT_EQ(last.instrument, inverse_);
}

// Verifies no liquidations gives a null imbalance and zero rate, never an invented number.
TEST_F(EngineTest, EmptyWindowValues) {
  make_engine({10 * kS}, 10);
  mark(linear_, 100 * kS, 100);
  const WindowMetrics w = at(linear_, 101 * kS).windows[0];
  EXPECT_TRUE(std::isnan(w.liq_imbalance));
  EXPECT_DOUBLE_EQ(w.liq_rate_usd_s, 0);
  EXPECT_TRUE(std::isnan(w.forced_share));  // no volume
  EXPECT_TRUE(std::isnan(w.turnover));      // no OI
}

// Verifies liquidations fed through the Engine produce a published Hawkes intensity and fit
// (after refit) and one cascade episode, published on start and on end, with the asset's OI
// and price change, while calm data alone publishes no episode.
TEST_F(EngineTest, LiquidationRiskPublished) {
  make_engine({60 * kS}, 60);
  const AssetId btc = table_.find_asset("BTC");
  const std::int64_t t0 = kT0;
  oi(linear_, t0, 1'000);
  mark(linear_, t0, 50'000);
  int calm = 0, burst = 0;
  for (std::int64_t t = t0; t <= t0 + 800 * kS; t += 100'000'000) {
    const std::int64_t off = t - t0;
    if (off % (2 * kS) == kS) {
      liq(linear_, t, Position::kShort, 1'500);
      ++calm;
    }
    if (off >= 600 * kS && off < 630 * kS) {
      liq(linear_, t, Position::kLong, 12'000);
      ++burst;
    }
    if (off == 615 * kS) {
      oi(linear_, t, 940);
      mark(linear_, t, 48'500);
    }
    engine_->publish(t, true);  // ticks the cascade detector
    if (off == 620 * kS) {
      engine_->refit(t);
      AssetMetrics a;
      ASSERT_TRUE(state_->asset(btc, a));
      EXPECT_TRUE(a.cascade_active);
      EXPECT_EQ(a.cascades_total, 1u);
      EXPECT_EQ(a.cascade.start_ns, t0 + 604'100'000'000);
    }
  }
  AssetMetrics a;
  ASSERT_TRUE(state_->asset(btc, a));
  EXPECT_GT(a.intensity, 0);
  ASSERT_TRUE(present(a.branching_ratio));  // fitted at 620 s on > 50 arrivals
  EXPECT_GT(a.branching_ratio, 0);
  EXPECT_LT(a.branching_ratio, 1);
  EXPECT_TRUE(present(a.hawkes_mu) && present(a.hawkes_alpha) && present(a.hawkes_beta));
  EXPECT_DOUBLE_EQ(a.branching_ratio, a.hawkes_alpha / a.hawkes_beta);
  EXPECT_FALSE(a.cascade_active);
  EXPECT_EQ(a.cascades_total, 1u);

  const auto& ring = state_->cascades();
  ASSERT_EQ(ring.head(), 2u);  // one record at the start, one at the end
  CascadeRecord start, end;
  ASSERT_TRUE(ring.read(0, start));
  ASSERT_TRUE(ring.read(1, end));
  EXPECT_TRUE(start.active);
  EXPECT_FALSE(end.active);
  EXPECT_EQ(start.id, end.id);
  EXPECT_GT(end.id, 0u);
  EXPECT_EQ(end.asset, btc);
  EXPECT_EQ(end.start_ns, t0 + 604'100'000'000);
  EXPECT_EQ(end.end_ns, t0 + 635'800'000'000);
  EXPECT_DOUBLE_EQ(end.long_usd, 259 * 12'000.0);
  EXPECT_NEAR(end.oi_change_pct, -0.06, 1e-12);
  EXPECT_NEAR(end.price_change_pct, -0.03, 1e-12);
  EXPECT_EQ(end.venues, 1u << static_cast<int>(Venue::kBinance));
  EXPECT_TRUE(present(end.peak_eta));
  EXPECT_EQ(burst, 300);
  EXPECT_EQ(calm, 400);
}

// Verifies the split fit path (collect on the engine thread, fit anywhere, apply) gives the
// same estimate as refit, and that arrivals after the copy are kept in the intensity.
TEST_F(EngineTest, SplitFitMatchesRefit) {
  make_engine({60 * kS}, 60);
  const AssetId btc = table_.find_asset("BTC");
  for (int i = 0; i < 400; ++i) {
    liq(linear_, kT0 + std::int64_t{i} * 700'000'000 + (i % 7) * 50'000'000, Position::kLong, 1'000);
  }
  const std::int64_t now = kT0 + 300 * kS;
  std::vector<HawkesFitJob> jobs;
  engine_->collect_fit_jobs(now, jobs);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].asset, btc);
  EXPECT_EQ(jobs[0].times_ns.size(), 400u);
  EXPECT_EQ(jobs[0].t0_ns, kT0);  // not an hour of invented silence before the first event
  EXPECT_EQ(jobs[0].t1_ns, now);
  const HawkesFitResult r = run_fit_job(jobs[0]);
  liq(linear_, now + kS, Position::kLong, 1'000);  // arrives while the fit runs
  engine_->apply_fit(r);
  engine_->publish(now + 2 * kS, true);
  AssetMetrics a;
  ASSERT_TRUE(state_->asset(btc, a));
  EXPECT_DOUBLE_EQ(a.branching_ratio, r.fit.params.eta());
  const HawkesParams& p = r.fit.params;
  const double expect =
      p.mu + p.alpha * (r.fit.excitation_at_t1 * std::exp(-p.beta * 2.0) + std::exp(-p.beta * 1.0));
  EXPECT_NEAR(a.intensity, expect, 1e-9 * expect);
  // One arrival after the copy is 0.25 % of the window: no refit yet (the estimate would move
  // by O(1/400)); at 1 % new arrivals there is a job; then nothing new: no job.
  jobs.clear();
  engine_->collect_fit_jobs(now + 3 * kS, jobs);
  EXPECT_TRUE(jobs.empty());
  for (int i = 0; i < 3; ++i) liq(linear_, now + 3 * kS, Position::kLong, 1'000);
  engine_->collect_fit_jobs(now + 3 * kS, jobs);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].times_ns.size(), 404u);
  engine_->apply_fit(run_fit_job(jobs[0]));
  jobs.clear();
  engine_->collect_fit_jobs(now + 4 * kS, jobs);
  EXPECT_TRUE(jobs.empty());
  // Too few events in a later window: the estimate goes back to NaN.
  engine_->refit(now + 2 * 3'600 * kS);
  engine_->publish(now + 2 * 3'600 * kS, true);
  ASSERT_TRUE(state_->asset(btc, a));
  EXPECT_TRUE(std::isnan(a.branching_ratio));
  EXPECT_TRUE(std::isnan(a.hawkes_mu));
}

// Verifies the fit window kept from job to job (new arrivals merged in, old ones dropped from
// the front) always holds exactly the sorted arrival times of the window — with arrivals out
// of time order, the window sliding, and the bounded arrival ring overwriting its oldest.
TEST_F(EngineTest, FitWindowIsTheSortedRecentArrivals) {
  config_.hawkes_window_ns = 20 * kS;
  config_.hawkes_max_events = 300;
  config_.hawkes_min_events = 1'000'000;  // only the windows matter here, not the fits
  make_engine({60 * kS}, 60);
  std::vector<std::int64_t> sent;  // arrival order
  std::uint64_t x = 12345;
  std::int64_t now = kT0;
  for (int second = 0; second < 60; ++second) {
    for (int k = 0; k < 8; ++k) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      // Up to 3 s late (venues' clocks and latencies differ), sometimes tied.
      const std::int64_t t = now - static_cast<std::int64_t>((x >> 33) % 3000) * 1'000'000;
      sent.push_back(t);
      liq(linear_, t, Position::kLong, 1'000);
    }
    now += kS;
    std::vector<HawkesFitJob> jobs;
    engine_->collect_fit_jobs(now, jobs);
    ASSERT_EQ(jobs.size(), 1u) << "second " << second;
    // Expected: the newest hawkes_max_events arrivals that are not older than now − window.
    const std::size_t keep = std::min<std::size_t>(sent.size(), config_.hawkes_max_events);
    std::vector<std::int64_t> expect;
    for (std::size_t i = sent.size() - keep; i < sent.size(); ++i) {
      if (sent[i] >= now - config_.hawkes_window_ns) expect.push_back(sent[i]);
    }
    std::sort(expect.begin(), expect.end());
    ASSERT_EQ(jobs[0].times_ns, expect) << "second " << second;
  }
  EXPECT_GT(sent.size(), config_.hawkes_max_events);  // the ring did wrap
}

}  // namespace
}  // namespace levdyn::core
