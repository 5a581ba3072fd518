// RollingWindow against a reference that files every event into its bucket and sums the
// window's buckets from scratch.

#include "core/rolling_window.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>

namespace levdyn::core {
namespace {

constexpr std::int64_t kSec = 1'000'000'000;

// The window's contract (core/rolling_window.h): sums cover the head bucket and the n-1
// before it; an event is filed into its own bucket if that is within the window when it
// arrives, and counts nowhere otherwise. Buckets that leave the window are dropped, so a sum
// reads at most n of them (summing every event ever kept made this test quadratic: 98 s
// under ASan).
struct Reference {
  std::int64_t width, n, head = -1;
  std::map<std::int64_t, FlowSums> buckets;

  void advance(std::int64_t t) {
    const std::int64_t b = t >= 0 ? t / width : -((-t + width - 1) / width);
    if (b > head) head = b;
    buckets.erase(buckets.begin(), buckets.upper_bound(head - n));
  }
  void add(std::int64_t t, bool liq, Position pos, double usd) {
    advance(t);
    const std::int64_t b = t / width;
    if (b <= head - n) return;  // too late: not in any bucket
    FlowSums& s = buckets[b];
    if (!liq) {
      s.volume_usd += usd;
      ++s.trades_n;
    } else if (pos == Position::kLong) {
      s.liq_long_usd += usd;
      ++s.liq_long_n;
    } else {
      s.liq_short_usd += usd;
      ++s.liq_short_n;
    }
  }
  FlowSums sums() const {
    FlowSums s;
    for (const auto& [b, e] : buckets) {
      if (b <= head - n) continue;
      s.volume_usd += e.volume_usd;
      s.trades_n += e.trades_n;
      s.liq_long_usd += e.liq_long_usd;
      s.liq_long_n += e.liq_long_n;
      s.liq_short_usd += e.liq_short_usd;
      s.liq_short_n += e.liq_short_n;
    }
    return s;
  }
};

// Verifies the running sums and counts against the reference over random streams: mostly
// in-order events a few ms apart (the head-bucket path), late events up to a window back,
// idle gaps of up to three windows, and reads (advance to now) between events.
TEST(RollingWindowTest, SumsMatchAReferenceOverRandomStreams) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    const std::int64_t window = 60 * kSec;
    const int buckets = 60;
    RollingWindow w(window, buckets);
    Reference ref{window / buckets, buckets, -1, {}};
    std::int64_t now = 1'700'000'000 * kSec;
    for (int i = 0; i < 20'000; ++i) {
      const int r = static_cast<int>(rng() % 1000);
      if (r < 5) {
        now += static_cast<std::int64_t>(rng() % (3 * window));  // idle gap
      } else {
        now += static_cast<std::int64_t>(rng() % (20'000'000));  // up to 20 ms
      }
      std::int64_t t = now;
      if (r >= 5 && r < 60) t -= static_cast<std::int64_t>(rng() % window);  // late
      // Whole cents, so that sums are exact in either order of addition.
      const double usd = static_cast<double>(rng() % 1'000'000) / 100.0;
      if (r % 7 == 0) {
        const Position p = rng() % 2 ? Position::kLong : Position::kShort;
        w.add_liquidation(t, p, usd);
        ref.add(t, true, p, usd);
      } else {
        w.add_volume(t, usd);
        ref.add(t, false, Position::kLong, usd);
      }
      if (r % 50 == 0) {
        const std::int64_t read_at = now + static_cast<std::int64_t>(rng() % (2 * kSec));
        w.advance(read_at);
        ref.advance(read_at);
        now = read_at;
      }
      const FlowSums got = w.sums(), want = ref.sums();
      ASSERT_EQ(got.trades_n, want.trades_n) << "seed " << seed << " event " << i;
      ASSERT_EQ(got.liq_long_n, want.liq_long_n) << "seed " << seed << " event " << i;
      ASSERT_EQ(got.liq_short_n, want.liq_short_n) << "seed " << seed << " event " << i;
      ASSERT_NEAR(got.volume_usd, want.volume_usd, 1e-6 * (1 + want.volume_usd));
      ASSERT_NEAR(got.liq_long_usd, want.liq_long_usd, 1e-6 * (1 + want.liq_long_usd));
      ASSERT_NEAR(got.liq_short_usd, want.liq_short_usd, 1e-6 * (1 + want.liq_short_usd));
    }
  }
}

// Verifies state at lag W: the last value at or before the start of the bucket holding t − W.
TEST(RollingWindowTest, StateAtLagFollowsTheHead) {
  RollingWindow w(60 * kSec, 60);
  const std::int64_t t0 = 1'700'000'000 * kSec;
  double base = 0, price = 0;
  w.set_state(t0, 10.0, 100.0);
  EXPECT_FALSE(w.state_at_lag(1, base, price));  // history does not reach back a window yet
  for (int s = 1; s <= 61; ++s) w.set_state(t0 + s * kSec, 10.0 + s, 100.0 + s);
  ASSERT_TRUE(w.state_at_lag(1, base, price));
  EXPECT_EQ(base, 10.0);
  EXPECT_EQ(price, 100.0);
  // Events inside the head bucket leave the lag alone; crossing into the next bucket moves it.
  w.add_volume(t0 + 61 * kSec + 500'000'000, 5.0);
  ASSERT_TRUE(w.state_at_lag(1, base, price));
  EXPECT_EQ(base, 10.0);
  w.advance(t0 + 62 * kSec);
  ASSERT_TRUE(w.state_at_lag(1, base, price));
  EXPECT_EQ(base, 11.0);
  EXPECT_FALSE(w.partial());
}

// Verifies times near the int64 limits neither overflow nor stop the window (fuzzed input).
TEST(RollingWindowTest, ExtremeTimesAreSafe) {
  RollingWindow w(3600 * kSec, 60);
  const std::int64_t big = std::numeric_limits<std::int64_t>::max() - 1;
  w.add_volume(big, 1.0);
  w.add_volume(big, 2.0);
  w.advance(big);
  EXPECT_EQ(w.sums().trades_n, 2u);
  EXPECT_EQ(w.sums().volume_usd, 3.0);
}

}  // namespace
}  // namespace levdyn::core
