#pragma once

// The metric engine (DESIGN §5): applies normalized events to per-instrument and per-asset
// state and publishes the results. Driven by an explicit `now`, so live mode and replay run the
// same code and replay is deterministic.

#include <cstdint>
#include <memory>
#include <vector>

#include "core/events.h"
#include "core/instrument_table.h"
#include "core/metrics.h"
#include "core/published_state.h"
#include "core/rolling_window.h"

namespace levdyn::core {

struct EngineConfig {
  std::vector<std::int64_t> windows_ns{60'000'000'000, 300'000'000'000, 900'000'000'000,
                                       3'600'000'000'000};
  int buckets_per_window = 60;
  /// |ΔP/P| and |ΔB/B| below this count as no move when classifying the regime.
  double regime_threshold = 1e-4;
  /// Hawkes: estimation window and the initial decay (1/β) before the first fit.
  std::int64_t hawkes_window_ns = 3'600'000'000'000;
  std::int64_t hawkes_decay_ns = 30'000'000'000;
  int hawkes_min_events = 50;
  /// Cascade thresholds (DESIGN §5 "Cascades").
  double cascade_trigger_ratio = 5.0;
  double cascade_exit_ratio = 2.0;
  double cascade_floor_usd_s = 50'000.0;
  std::int64_t cascade_quiet_ns = 60'000'000'000;
};

/// Single-threaded: owned and called only by the engine thread (or a replay loop). Readers
/// use the PublishedState it writes.
class Engine {
 public:
  Engine(EngineConfig config, const InstrumentTable& table, PublishedState& out);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Applies one event. O(number of windows). Allocates only on an instrument's first event.
  void apply(const NormalizedEvent& e);

  /// Recomputes and publishes the instruments touched since the last call (or all of them
  /// with `all`), and with `all` the asset aggregates, evaluated at `now_ns`.
  void publish(std::int64_t now_ns, bool all);

  /// Re-estimates the Hawkes parameters of every asset over the configured window. O(events
  /// in the window); call at most once a second, between event batches.
  void refit(std::int64_t now_ns);

  [[nodiscard]] const EngineConfig& config() const noexcept { return config_; }
  [[nodiscard]] std::uint64_t events_applied() const noexcept { return events_applied_; }
  /// Computes the metrics of one instrument at `now_ns` without publishing (tests, replay).
  [[nodiscard]] bool compute_instrument(InstrumentId id, std::int64_t now_ns,
                                        InstrumentMetrics& out);
  /// Computes the aggregates of one asset at `now_ns` without publishing.
  [[nodiscard]] bool compute_asset(AssetId id, std::int64_t now_ns, AssetMetrics& out);

 private:
  struct InstrumentState;
  struct AssetState;
  struct AssetAccum;

  InstrumentState* state_for(InstrumentId id);
  AssetState* asset_state_for(AssetId id);
  void finish_asset(AssetAccum& acc);
  void on_feed_status(const NormalizedEvent& e);
  void mark_dirty(InstrumentId id, InstrumentState& st);

  EngineConfig config_;
  const InstrumentTable& table_;
  PublishedState& out_;
  std::vector<std::unique_ptr<InstrumentState>> instruments_;  // by InstrumentId
  std::vector<std::unique_ptr<AssetState>> assets_;            // by AssetId
  std::vector<AssetAccum> accum_;                              // scratch, by AssetId
  std::vector<InstrumentId> dirty_;
  bool venue_down_[kVenueCount] = {};
  std::int64_t now_ns_ = 0;
  std::uint64_t events_applied_ = 0;
  std::uint64_t next_cascade_id_ = 1;
};

}  // namespace levdyn::core
