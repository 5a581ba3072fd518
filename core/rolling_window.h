#pragma once

// A time-bucketed rolling window over one instrument's flows (liquidations by position, traded
// notional) and state (open interest in base units, mark price), O(1) per event and fixed
// memory.
//
// The window of length W is cut into N buckets of width w = W/N (N = 60 by default). Sums
// cover the current bucket and the N-1 before it, so a window's effective span is between
// W − w and W (edge error < w: 1 s for 1m, 60 s for 1h). State values at lag W and 2W are the
// last values at or before the start of the bucket holding t − W (resp. t − 2W): never later
// than t − W, and at most w earlier. Late events (exchange time before the current bucket but
// within the window) are filed into their own bucket; older ones count only in totals.

#include <cstdint>
#include <memory_resource>
#include <vector>

#include "core/events.h"

namespace levdyn::core {

struct FlowSums {
  double liq_long_usd = 0;
  double liq_short_usd = 0;
  double volume_usd = 0;
  std::uint32_t liq_long_n = 0;
  std::uint32_t liq_short_n = 0;
  std::uint32_t trades_n = 0;
};

/// Single-threaded: owned by the engine.
class alignas(64) RollingWindow {  // the hot fields below fill its first two cache lines
 public:
  /// window_ns > 0, buckets ≥ 1. Allocates at construction only, from `memory`.
  RollingWindow(std::int64_t window_ns, int buckets,
                std::pmr::memory_resource* memory = std::pmr::get_default_resource());

  [[nodiscard]] std::int64_t window_ns() const noexcept { return window_ns_; }
  [[nodiscard]] std::int64_t bucket_ns() const noexcept { return width_ns_; }

  /// Moves the window's end to `now_ns` (never backwards).
  void advance(std::int64_t now_ns) noexcept;

  void add_liquidation(std::int64_t t_ns, Position position, double usd) noexcept;
  void add_volume(std::int64_t t_ns, double usd) noexcept;
  /// Records the instrument's current open interest (base units) and mark price; either may
  /// be NaN when unknown.
  void set_state(std::int64_t t_ns, double base, double price) noexcept;
  /// While down, every bucket touched is flagged as a gap, which makes the window partial.
  void set_down(std::int64_t t_ns, bool down) noexcept;

  [[nodiscard]] const FlowSums& sums() const noexcept { return sums_; }
  /// Base and price at lag k·W (k = 1 or 2); false when history does not reach back that far.
  [[nodiscard]] bool state_at_lag(int k, double& base, double& price) const noexcept;
  /// True when the window spans a gap or starts before the first data.
  [[nodiscard]] bool partial() const noexcept;

 private:
  struct Bucket {
    std::int64_t idx = -1;
    FlowSums s;
    bool gap = false;
  };
  struct Sample {
    std::int64_t idx = -1;
    double base = kAbsent;
    double price = kAbsent;
  };

  [[nodiscard]] std::int64_t bucket_of(std::int64_t t) const noexcept;
  [[nodiscard]] std::size_t slot_of(std::int64_t idx) const noexcept;
  void set_head_span() noexcept;  // head_start_ns_/head_end_ns_ from head_
  void refresh_lags() noexcept;
  Bucket* bucket_for(std::int64_t t) noexcept;
  void expire(Bucket& b) noexcept;
  void normalise_sums() noexcept;

  // Hot: what an event in the head bucket touches, together at the front of the object. The
  // head bucket itself lives here (cur_), not in the ring: an event then reads no cold ring
  // line, which at thousands of instruments was a cache miss per window and event. The ring
  // slot of the head bucket is stale until advance() spills cur_ back into it.
  std::int64_t head_start_ns_ = 0;  // [head_start_ns_, head_end_ns_) is the head bucket's span
  std::int64_t head_end_ns_ = 0;
  std::int64_t head_ = -1;       // bucket index of the window's end; -1 before the first event
  std::int64_t first_idx_ = -1;  // first bucket that saw any data
  Bucket cur_;                   // the head bucket
  FlowSums sums_;

  std::int64_t window_ns_;
  std::int64_t width_ns_;
  std::int64_t n_;
  std::pmr::vector<Bucket> buckets_;  // n_ flow buckets (the head's slot: see cur_)
  std::pmr::vector<Sample> samples_;  // 2n_+2 state samples at bucket ends
  Sample lag_[2];  // the samples at lag W and 2W, refreshed when the head moves
  std::int64_t gap_buckets_ = 0;
  bool down_ = false;
  double last_base_ = kAbsent;
  double last_price_ = kAbsent;
};

}  // namespace levdyn::core
