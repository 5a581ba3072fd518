// Tests for core/cascade_detector: episode start/end/totals on synthetic streams, the floor, the
// trigger ratio against the baseline, and one episode per cycle on demo-like cycles.
#include "core/cascade_detector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace levdyn::core {
namespace {

constexpr std::int64_t kS = 1'000'000'000;
constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kT0 = 1'700'000'000 * kS;  // on the 100 ms bucket grid

struct Arrival {
  std::int64_t t;
  double usd;
  Position pos;
  Venue venue;
};

/// Drives a detector the way the engine does: arrivals in time order, a tick every 100 ms.
struct Episodes {
  std::vector<CascadeRecord> started, ended;
  std::vector<std::int64_t> ended_at;  // tick/arrival time at which the close was noticed
};

Episodes drive(CascadeDetector& d, std::vector<Arrival> arrivals, std::int64_t until) {
  std::stable_sort(arrivals.begin(), arrivals.end(),
                   [](const Arrival& a, const Arrival& b) { return a.t < b.t; });
  Episodes run;
  auto note = [&](const CascadeDetector::Update& u, std::int64_t t) {
    if (u.ended) {
      run.ended.push_back(u.closed);
      run.ended_at.push_back(t);
    }
    if (u.started) run.started.push_back(d.record());
  };
  std::size_t i = 0;
  for (std::int64_t tick = kT0; tick <= until; tick += 100 * kMs) {
    for (; i < arrivals.size() && arrivals[i].t <= tick; ++i) {
      note(d.on_liquidation(arrivals[i].t, arrivals[i].usd, arrivals[i].pos, arrivals[i].venue),
           arrivals[i].t);
    }
    note(d.on_tick(tick), tick);
  }
  return run;
}

/// Calm: a 1 500 USD short liquidation every odd second on [0, until_s).
void add_calm(std::vector<Arrival>& a, int until_s) {
  for (int s = 1; s < until_s; s += 2) {
    a.push_back({kT0 + s * kS, 1'500, Position::kShort, Venue::kBybit});
  }
}
/// Burst: a long liquidation of `usd` every 100 ms for `n` arrivals from `from_s`.
void add_burst(std::vector<Arrival>& a, int from_s, int n, double usd, Venue v = Venue::kBinance) {
  for (int i = 0; i < n; ++i) a.push_back({kT0 + from_s * kS + i * 100 * kMs, usd, Position::kLong, v});
}

// Verifies calm → burst → calm gives exactly one episode with the hand-computed start, end,
// notional, peak rate and venues.
TEST(CascadeDetectorTest, OneBurstOneEpisode) {
  CascadeDetector d(CascadeConfig{}, 3);
  std::vector<Arrival> a;
  add_calm(a, 800);
  add_burst(a, 600, 300, 12'000);  // 120 kUSD/s for 30 s
  const Episodes run = drive(d, a, kT0 + 800 * kS);
  ASSERT_EQ(run.started.size(), 1u);
  ASSERT_EQ(run.ended.size(), 1u);
  const CascadeRecord& c = run.ended[0];
  // Floor 50 kUSD/s = 500 kUSD in the 10 s window (100 ms buckets: times ≥ t − 9.9 s): at
  // 604.1 s, 42 burst arrivals (504 k) plus 5 calm (7.5 k) cross it; at 604.0 s 41 + 5 do not.
  EXPECT_EQ(c.start_ns, kT0 + 604'100 * kMs);
  EXPECT_EQ(run.started[0].start_ns, c.start_ns);
  EXPECT_TRUE(run.started[0].active);
  // The last burst arrival is at 629.9 s; the window falls below 500 k once the burst arrivals
  // before 625.9 s have left it: at 635.8 s (41 burst + 5 calm = 499.5 k).
  EXPECT_EQ(c.end_ns, kT0 + 635'800 * kMs);
  EXPECT_FALSE(c.active);
  EXPECT_EQ(c.asset, 3);
  EXPECT_EQ(c.id, 0u);  // ids are assigned by the engine
  // Arrivals in [start, end]: burst arrivals 41..299, calm at 605, 607, …, 635 s.
  EXPECT_DOUBLE_EQ(c.long_usd, 259 * 12'000.0);
  EXPECT_DOUBLE_EQ(c.short_usd, 16 * 1'500.0);
  EXPECT_NEAR(c.peak_rate_usd_s, (100 * 12'000.0 + 5 * 1'500.0) / 10, 1e-6);
  EXPECT_EQ(c.venues, (1u << static_cast<int>(Venue::kBinance)) |
                          (1u << static_cast<int>(Venue::kBybit)));
  // Closed once r stayed below the exit level for quiet (60 s) after the end.
  EXPECT_EQ(run.ended_at[0], c.end_ns + 60 * kS);
  EXPECT_EQ(d.episodes(), 1u);
}

// Verifies a short calm history still triggers on a burst: the trigger compares the 10 s rate
// with the baseline *before* that window, so the burst's own build-up does not raise the bar.
// 20 s of calm (750 USD/s), then 480 kUSD/s: including the build-up in the baseline would keep
// 5 × b above r for the whole 10 s burst; against the history it starts once r crosses the
// 50 kUSD/s floor (500 kUSD in the window: the 11th arrival, at 21.0 s).
TEST(CascadeDetectorTest, ShortHistoryBurstTriggersAtTheFloor) {
  CascadeDetector d(CascadeConfig{}, 0);
  std::vector<Arrival> a;
  add_calm(a, 120);
  add_burst(a, 20, 100, 48'000);  // 480 kUSD/s for 10 s
  const Episodes run = drive(d, a, kT0 + 120 * kS);
  ASSERT_EQ(run.started.size(), 1u);
  EXPECT_EQ(run.started[0].start_ns, kT0 + 21'000 * kMs);
  ASSERT_EQ(run.ended.size(), 1u);
  EXPECT_EQ(d.episodes(), 1u);
}

// Verifies two bursts separated by more than quiet give two episodes.
TEST(CascadeDetectorTest, TwoBurstsTwoEpisodes) {
  CascadeDetector d(CascadeConfig{}, 0);
  std::vector<Arrival> a;
  add_calm(a, 1000);
  add_burst(a, 600, 300, 12'000);
  add_burst(a, 800, 300, 12'000);  // 800 s > 635.8 s + 60 s
  const Episodes run = drive(d, a, kT0 + 1000 * kS);
  ASSERT_EQ(run.ended.size(), 2u);
  EXPECT_EQ(run.ended[0].start_ns, kT0 + 604'100 * kMs);
  EXPECT_EQ(run.ended[1].start_ns, kT0 + 804'100 * kMs);
  EXPECT_EQ(run.ended[1].end_ns, kT0 + 835'800 * kMs);
}

// Verifies two bursts closer than quiet form a single episode spanning both.
TEST(CascadeDetectorTest, BurstsWithinQuietMerge) {
  CascadeDetector d(CascadeConfig{}, 0);
  std::vector<Arrival> a;
  add_calm(a, 900);
  add_burst(a, 600, 300, 12'000);
  add_burst(a, 660, 300, 12'000);  // re-rises 24 s after the first fall
  const Episodes run = drive(d, a, kT0 + 900 * kS);
  ASSERT_EQ(run.ended.size(), 1u);
  EXPECT_EQ(run.ended[0].start_ns, kT0 + 604'100 * kMs);
  EXPECT_EQ(run.ended[0].end_ns, kT0 + 695'800 * kMs);
  EXPECT_DOUBLE_EQ(run.ended[0].long_usd, (259 + 300) * 12'000.0);
}

// Verifies a burst far above the baseline but below floor_usd_s starts no episode.
TEST(CascadeDetectorTest, BurstBelowFloorGivesNone) {
  CascadeDetector d(CascadeConfig{}, 0);
  std::vector<Arrival> a;
  add_calm(a, 800);
  add_burst(a, 600, 300, 4'000);  // 40 kUSD/s < 50 kUSD/s floor, ≈ 300× the baseline
  const Episodes run = drive(d, a, kT0 + 800 * kS);
  EXPECT_TRUE(run.started.empty());
  EXPECT_TRUE(run.ended.empty());
  EXPECT_FALSE(d.active());
}

// Verifies a burst above the floor but below trigger_ratio × a high baseline starts none.
TEST(CascadeDetectorTest, BurstBelowTriggerRatioGivesNone) {
  CascadeDetector d(CascadeConfig{}, 0);
  std::vector<Arrival> a;
  for (int i = 0; i < 36'000; ++i) {  // one hour at 100 kUSD/s
    a.push_back({kT0 + i * 100 * kMs, 10'000, Position::kShort, Venue::kOkx});
  }
  add_burst(a, 3'600, 300, 30'000);  // 300 kUSD/s < 5 × 100 kUSD/s
  const Episodes run = drive(d, a, kT0 + 3'700 * kS);
  EXPECT_TRUE(run.started.empty());
  EXPECT_NEAR(d.baseline_usd_s(), 100'000 + 30 * 300'000.0 / 3600, 2'000);
}

// Verifies the baseline is frozen during an episode, so a 20-minute cascade stays one episode
// and its liquidations never enter the baseline.
TEST(CascadeDetectorTest, LongCascadeKeepsFrozenBaseline) {
  CascadeDetector d(CascadeConfig{}, 0);
  std::vector<Arrival> a;
  add_calm(a, 2'100);
  add_burst(a, 600, 12'000, 12'000);  // 1 200 s at 120 kUSD/s
  const Episodes run = drive(d, a, kT0 + 1'850 * kS);  // the burst lasts until 1 800 s
  EXPECT_EQ(run.started.size(), 1u);
  EXPECT_TRUE(run.ended.empty());
  EXPECT_TRUE(d.active());
  // Frozen: the calm 750 USD/s before the start (the build-up excluded).
  EXPECT_NEAR(d.baseline_usd_s(), 750.0, 20.0);
  std::vector<Arrival> later;
  for (const auto& x : a) {
    if (x.t > kT0 + 1'850 * kS) later.push_back(x);
  }
  const Episodes rest = drive(d, later, kT0 + 2'100 * kS);
  ASSERT_EQ(rest.ended.size(), 1u);
  // Afterwards the baseline is still the calm background only.
  EXPECT_NEAR(d.baseline_usd_s(), 750.0, 20.0);
}

// Verifies demo-like cycles (60 s calm, 30 s cascade, 60 s recovery; Poisson arrivals as in
// service/sim/market_model) give exactly one episode per cycle, starting within 3 s of the
// cascade phase and ending within 10 s of its end.
TEST(CascadeDetectorTest, DemoCyclesOnePerCycle) {
  CascadeDetector d(CascadeConfig{}, 0);
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<Arrival> a;
  constexpr int kCycles = 30;  // 75 min: the baseline window fills
  constexpr double kCycle = 150;
  for (double t = 0; t < kCycles * kCycle; t += 0.1) {
    const double phase = std::fmod(t, kCycle);
    const bool cascade = phase >= 60 && phase < 90;
    std::poisson_distribution<int> n(0.1 * (cascade ? 40 : 0.3));
    for (int k = n(rng); k > 0; --k) {
      const double usd = -std::log(1.0 - unit(rng)) * (cascade ? 12'000 : 1'500);
      const bool is_long = unit(rng) < (cascade ? 0.9 : 0.5);
      const auto ts = kT0 + static_cast<std::int64_t>((t + 0.1 * unit(rng)) * 1e9);
      a.push_back({ts, usd, is_long ? Position::kLong : Position::kShort,
                   static_cast<Venue>(k % 5)});
    }
  }
  // Run 100 s past the last cycle so its episode has closed too.
  const Episodes run = drive(d, a, kT0 + static_cast<std::int64_t>((kCycles * kCycle + 100) * 1e9));
  ASSERT_EQ(run.started.size(), static_cast<std::size_t>(kCycles));
  ASSERT_EQ(run.ended.size(), static_cast<std::size_t>(kCycles));
  for (int c = 0; c < kCycles; ++c) {
    const std::int64_t phase_start = kT0 + static_cast<std::int64_t>((c * kCycle + 60) * 1e9);
    const std::int64_t phase_end = phase_start + 30 * kS;
    EXPECT_GE(run.ended[c].start_ns, phase_start) << "cycle " << c;
    EXPECT_LE(run.ended[c].start_ns, phase_start + 3 * kS) << "cycle " << c;
    EXPECT_GE(run.ended[c].end_ns, phase_end - 1 * kS) << "cycle " << c;
    EXPECT_LE(run.ended[c].end_ns, phase_end + 10 * kS) << "cycle " << c;
    EXPECT_GT(run.ended[c].long_usd, 5 * run.ended[c].short_usd) << "cycle " << c;
  }
}

// Verifies the start/end market state gives the OI and price change, and peak η tracks the
// largest estimate seen while active.
TEST(CascadeDetectorTest, ChangesAndPeakEta) {
  CascadeDetector d(CascadeConfig{}, 0, kT0);  // watching (and quiet) since kT0
  d.note_eta(0.2);
  std::vector<Arrival> a;
  add_burst(a, 100, 200, 12'000);
  std::sort(a.begin(), a.end(), [](const Arrival& l, const Arrival& r) { return l.t < r.t; });
  bool started = false;
  for (const auto& x : a) {
    const auto u = d.on_liquidation(x.t, x.usd, x.pos, x.venue);
    if (u.started) {
      started = true;
      d.set_start_state(1'000, 50'000);
      EXPECT_DOUBLE_EQ(d.record().peak_eta, 0.2);
    }
  }
  ASSERT_TRUE(started);
  d.note_eta(0.7);
  d.note_eta(0.5);
  d.set_end_state(940, 48'500);
  const auto u = d.on_tick(kT0 + 300 * kS);
  ASSERT_TRUE(u.ended);
  EXPECT_NEAR(u.closed.oi_change_pct, -0.06, 1e-12);
  EXPECT_NEAR(u.closed.price_change_pct, -0.03, 1e-12);
  EXPECT_DOUBLE_EQ(u.closed.peak_eta, 0.7);
}

// Verifies a detector that starts watching in the middle of heavy liquidations does not call
// its first seconds a cascade: the baseline then includes the current 10 s.
TEST(CascadeDetectorTest, NoTriggerOnFirstSecondsOfBusyMarket) {
  CascadeDetector d(CascadeConfig{}, 0);
  std::vector<Arrival> a;
  add_burst(a, 0, 300, 12'000);  // 120 kUSD/s from the first arrival on
  const Episodes run = drive(d, a, kT0 + 30 * kS);
  EXPECT_TRUE(run.started.empty());
}

// Verifies the bucketed window sum: late values land in their bucket, old ones are dropped,
// and time_below finds the bucket at which the sum drops below a level.
TEST(BucketedSumTest, WindowAndTimeBelow) {
  BucketedSum s(10 * kS, 10);
  EXPECT_TRUE(s.add(kT0, 5));
  EXPECT_TRUE(s.add(kT0 + 3 * kS, 7));
  EXPECT_TRUE(s.add(kT0 + 1 * kS, 1));  // late, within the window
  EXPECT_DOUBLE_EQ(s.sum(), 13);
  EXPECT_EQ(s.time_below(10), kT0 + 10 * kS);  // the t=0 and t=1 buckets gone: 7 < 10
  EXPECT_EQ(s.time_below(100), kT0 + 3 * kS);  // already below: the current bucket's start
  s.advance(kT0 + 10 * kS);                    // the t=0 bucket leaves
  EXPECT_DOUBLE_EQ(s.sum(), 8);
  EXPECT_FALSE(s.add(kT0, 1));  // too old
  s.advance(kT0 + 100 * kS);
  EXPECT_DOUBLE_EQ(s.sum(), 0);
}

// Verifies time_below and the window sum against the list of values added, over random
// additions (late ones included) and jumps of the window's end, so the ring's slots are walked
// from every starting position and across the wrap: the first bucket k (oldest first) whose
// expiry takes the sum below the level gives (k + n) · width.
TEST(BucketedSumTest, TimeBelowAgreesWithTheValuesAdded) {
  constexpr int kBuckets = 7;
  constexpr std::int64_t kWidth = kS / 10;
  std::mt19937_64 rng(5);
  BucketedSum s(kBuckets * kWidth, kBuckets);
  std::vector<std::pair<std::int64_t, double>> added;  // (bucket index, value)
  std::int64_t head = kT0 / kWidth;
  for (int step = 0; step < 20000; ++step) {
    const auto r = rng() % 20;
    if (r == 0) head += 1 + static_cast<std::int64_t>(rng() % (2 * kBuckets));  // a jump
    if (r == 1) head += 1;
    s.advance(head * kWidth + static_cast<std::int64_t>(rng() % kWidth));
    const std::int64_t idx = head - static_cast<std::int64_t>(rng() % 3);  // late by 0–2
    const double v = static_cast<double>(1 + rng() % 1000);
    if (s.add(idx * kWidth + static_cast<std::int64_t>(rng() % kWidth), v)) {
      added.emplace_back(idx, v);
    }
    double sum = 0;
    for (const auto& [i, x] : added) sum += i > head - kBuckets ? x : 0.0;
    ASSERT_NEAR(s.sum(), sum, 1e-6 * sum) << step;
    const double level = sum * static_cast<double>(rng() % 100) / 100.0 + 0.5;
    std::int64_t expected = (head + kBuckets) * kWidth;
    if (sum < level) {
      expected = head * kWidth;
    } else {
      double running = sum;
      for (std::int64_t k = head - kBuckets + 1; k <= head; ++k) {
        for (const auto& [i, x] : added) running -= i == k ? x : 0.0;
        if (running < level || running <= 1e-9 * sum) {
          expected = (k + kBuckets) * kWidth;
          break;
        }
      }
    }
    ASSERT_EQ(s.time_below(level), expected) << step;
    if (added.size() > 200) {  // drop what has left the window
      std::erase_if(added, [&](const auto& a) { return a.first <= head - kBuckets; });
    }
  }
}

}  // namespace
}  // namespace levdyn::core
