#pragma once

// Liquidation-cascade episodes of one asset (DESIGN §5 "Cascades").
//
// Rates. r(t) is the liquidation rate over the last `rate_window` (10 s): USD liquidated in
// (t − 10 s, t] divided by 10 s, kept in 100 ms buckets (edge error < 100 ms). b is the 1 h
// baseline rate: USD liquidated *outside episodes* in the last hour divided by the time spent
// outside episodes in that hour (both in 60 s buckets; time is counted at arrivals and ticks),
// with at least one rate window (10 s) in the denominator. The trigger compares r with b over
// the history *before* the current 10 s (the build-up being judged does not raise its own
// bar); until that history is one window long, b is the rate seen so far including the
// current 10 s, so a busy market does not trigger on its first seconds.
//
// Baseline during an episode. Liquidations that belong to an episode never enter the
// baseline, nor does the time it lasts (until it closes): those that arrive while it is active,
// and the build-up already in the 10 s window when it triggers (taken back out of the baseline
// buckets at the start). The exit level uses b frozen at the start, without the build-up. So a
// long cascade cannot raise its own exit level and end itself, and a train of cascades (the
// demo's 150 s cycle) does not lift the baseline toward the cascades' own rate: b stays the
// calm background rate.
//
// Start. At a liquidation arrival, with r evaluated at that arrival:
//     r ≥ trigger_ratio · b  and  r ≥ floor_usd_s        →  episode starts; start = that arrival.
// Exit level. x = max(exit_ratio · b_frozen, floor_usd_s): "below exit_ratio × baseline, or
// below the floor" (r < exit·b or r < floor ⇔ r < max(exit·b, floor)).
// End. `end` is the time r last fell below x: r jumps up at arrivals and steps down as buckets
// leave the window, so after the last arrival that left r ≥ x the crossing time is computed
// exactly (to the 100 ms bucket grid) from the buckets: the start of the bucket at which enough
// of the window has expired. Start and end are thus the up- and down-crossings of the same
// 10 s rate (start by trigger, end by exit level), and end lags the last heavy liquidation by
// at most the rate window. The episode is closed (published as ended) once r has stayed below x
// for `quiet` after `end` — checked at every arrival and on time passing (on_tick); an arrival
// that takes r back to x within quiet continues the same episode.
// Totals. long/short notional, venues and peak rate cover the arrivals in [start, end]: an
// arrival that leaves r below x is held aside and added only if a later arrival takes r back
// to x before the episode closes.
//
// Single-threaded. Per arrival O(1) amortised outside episodes (bucket rings recompute their
// sum at most once per bucket width); while an episode is above its exit level, each arrival
// and tick also scans the 100 rate buckets for the fall time (a few hundred ns).

#include <cstdint>
#include <vector>

#include "core/events.h"
#include "core/metrics.h"

namespace levdyn::core {

struct CascadeConfig {
  double trigger_ratio = 5.0;
  double exit_ratio = 2.0;
  double floor_usd_s = 50'000.0;
  std::int64_t quiet_ns = 60'000'000'000;
  std::int64_t rate_window_ns = 10'000'000'000;
  int rate_buckets = 100;
  std::int64_t baseline_window_ns = 3'600'000'000'000;
  int baseline_buckets = 60;
};

/// A sum over a sliding time window, in fixed buckets. Late values (before the newest bucket but
/// within the window) go to their own bucket; older ones are dropped.
class BucketedSum {
 public:
  BucketedSum(std::int64_t window_ns, int buckets);
  /// Moves the window's end to t (never backwards).
  void advance(std::int64_t t_ns) noexcept;
  /// Adds v at time t (advances to t first when t is newer). False when t is too old.
  bool add(std::int64_t t_ns, double v) noexcept;
  [[nodiscard]] double sum() const noexcept { return sum_ > 0 ? sum_ : 0.0; }
  [[nodiscard]] std::int64_t window_ns() const noexcept { return width_ns_ * n_; }
  /// With no further additions, the time the sum first drops below `level`: the start of the
  /// bucket at which enough of the window has expired (the current bucket's start when it is
  /// already below). O(buckets).
  [[nodiscard]] std::int64_t time_below(double level) const noexcept;

 private:
  struct Bucket {
    std::int64_t idx = -1;
    double v = 0;
  };
  [[nodiscard]] std::int64_t index_of(std::int64_t t) const noexcept;
  [[nodiscard]] std::size_t slot(std::int64_t idx) const noexcept;
  void recompute() noexcept;

  std::int64_t width_ns_;
  std::int64_t n_;
  std::int64_t head_ = INT64_MIN;  // bucket index of the window's end
  std::vector<Bucket> buckets_;
  double sum_ = 0;
};

class CascadeDetector {
 public:
  /// What an arrival or a tick did; several may be true (an old episode closes, then a new
  /// arrival starts the next).
  struct Update {
    bool ended = false;     // the previous episode closed; its final record is in `closed`
    bool started = false;   // a new episode started at this arrival
    bool fell = false;      // r fell below the exit level: `end` was set
    CascadeRecord closed{};
  };

  /// `observing_since_ns`: when the caller started watching the asset's liquidations (its
  /// quiet time before the first arrival counts toward the baseline); 0: from the first call.
  CascadeDetector(const CascadeConfig& config, AssetId asset, std::int64_t observing_since_ns = 0);

  /// A liquidation of `usd` (NaN counts as 0) at t_ns for the asset, on `venue`.
  Update on_liquidation(std::int64_t t_ns, double usd, Position position, Venue venue) noexcept;
  /// Time passing with no arrival: closes an episode whose quiet period has elapsed.
  Update on_tick(std::int64_t now_ns) noexcept;

  /// Market state of the asset (OI in base units summed over venues, price) at the episode's
  /// start and at its end, for the OI and price change: call after `started`, and with the
  /// current state after `fell` and while above() (the live values of a running episode).
  void set_start_state(double oi_base, double price) noexcept;
  void set_end_state(double oi_base, double price) noexcept;
  /// Latest branching-ratio estimate; raises the active episode's peak η.
  void note_eta(double eta) noexcept;
  /// Assigns the active episode's id (the engine numbers episodes process-wide).
  void set_id(std::uint64_t id) noexcept { rec_.id = id; }

  [[nodiscard]] bool active() const noexcept { return rec_.active; }
  /// Active and r at or above the exit level as of the last arrival or tick.
  [[nodiscard]] bool above() const noexcept { return rec_.active && above_; }
  /// The active episode (valid while active()), with OI and price change as of its `end`.
  [[nodiscard]] const CascadeRecord& record() const noexcept { return rec_; }
  [[nodiscard]] std::uint64_t episodes() const noexcept { return episodes_; }
  /// r(t) at the last arrival, USD/s.
  [[nodiscard]] double rate_usd_s() const noexcept;
  /// The current baseline (frozen while active), USD/s.
  [[nodiscard]] double baseline_usd_s() const noexcept;
  [[nodiscard]] double exit_level_usd_s() const noexcept;

 private:
  void close(Update& u) noexcept;
  /// Moves the detector's clock to t, counting the time outside episodes.
  void advance_clock(std::int64_t t_ns) noexcept;
  /// b from the given USD sum over the time outside episodes.
  [[nodiscard]] double baseline_from(double usd) const noexcept;
  [[nodiscard]] double trigger_baseline_usd_s() const noexcept;
  /// While above: notices a fall of r below the exit level at or before `now_ns`.
  void check_fall(std::int64_t now_ns, Update& u) noexcept;
  void refresh_changes() noexcept;

  CascadeConfig cfg_;
  AssetId asset_;
  BucketedSum rate_;
  BucketedSum baseline_;
  // The part of the last rate window that went into the baseline (arrivals outside episodes),
  // taken back out of the baseline when an episode triggers: the build-up is the episode's.
  BucketedSum calm_recent_;
  BucketedSum calm_time_;        // seconds spent outside episodes, same buckets as baseline_
  std::int64_t clock_ = 0;       // latest time seen (arrival or tick); 0: none yet

  CascadeRecord rec_{};             // end_ns stays 0 while active (metrics.h contract)
  std::int64_t end_ns_ = 0;         // while active and not above: when r fell below x
  bool above_ = false;
  double frozen_baseline_ = 0;
  double last_eta_ = kAbsent;
  double oi_start_ = kAbsent, px_start_ = kAbsent, oi_end_ = kAbsent, px_end_ = kAbsent;
  // Arrivals after `end` that did not reach the exit level (added if the episode extends).
  double pending_long_ = 0, pending_short_ = 0;
  std::uint8_t pending_venues_ = 0;
  std::uint64_t episodes_ = 0;
};

}  // namespace levdyn::core
