#pragma once

// The metric engine (DESIGN §5): applies normalized events to per-instrument and per-asset
// state and publishes the results. Driven by an explicit `now`, so live mode and replay run the
// same code and replay is deterministic.

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <vector>

#include "core/cascade_detector.h"
#include "core/events.h"
#include "core/hawkes.h"
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
  /// Cap on the liquidation arrival times kept per asset for the fit (a ring: the oldest are
  /// overwritten). 200 k int64 = 1.6 MB per asset at most, grown on demand; at the cap a busy
  /// asset's fit window is the newest 200 k arrivals (≈ 55/s sustained over 1 h).
  std::size_t hawkes_max_events = 200'000;
  /// Cascade thresholds (DESIGN §5 "Cascades").
  double cascade_trigger_ratio = 5.0;
  double cascade_exit_ratio = 2.0;
  double cascade_floor_usd_s = 50'000.0;
  std::int64_t cascade_quiet_ns = 60'000'000'000;
};

/// One asset's Hawkes re-estimation, detached from the engine: the arrival times of the window,
/// copied on the engine thread (cheap), fitted on any thread (expensive), applied back on the
/// engine thread.
struct HawkesFitJob {
  AssetId asset = 0;
  std::int64_t t0_ns = 0;
  std::int64_t t1_ns = 0;
  std::uint64_t arrivals_seen = 0;  // the asset's arrival count when the times were copied
  std::vector<std::int64_t> times_ns;
  HawkesFitOptions options;
};

struct HawkesFitResult {
  AssetId asset = 0;
  std::int64_t t1_ns = 0;
  std::uint64_t arrivals_seen = 0;
  HawkesFit fit;                 // params NaN: too few events, no estimate
  double fallback_beta = 0;      // the unfitted tracker's β (1/decay)
  double fallback_excitation = 0;  // S(t1) under fallback_beta, used when there is no estimate
};

/// Runs a fit job. Pure and deterministic; safe on any thread.
[[nodiscard]] HawkesFitResult run_fit_job(const HawkesFitJob& job);

/// Single-threaded: owned and called only by the engine thread (or a replay loop). Readers
/// use the PublishedState it writes.
class Engine {
 public:
  /// Each instrument's state (its windows' buckets and samples) is allocated from `memory`
  /// on its first event and released when the engine is destroyed; `memory` must outlive the
  /// engine. The service passes an arena backed by huge pages (service/app/huge_page_arena.h):
  /// at thousands of instruments an event's state is a TLB miss as much as a cache miss.
  Engine(EngineConfig config, const InstrumentTable& table, PublishedState& out,
         std::pmr::memory_resource* memory = std::pmr::get_default_resource());
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Applies one event. O(number of windows). Allocates only on an instrument's first event.
  void apply(const NormalizedEvent& e);

  /// Recomputes and publishes the instruments touched since the last call (or all of them
  /// with `all`), and with `all` the asset aggregates, evaluated at `now_ns`.
  void publish(std::int64_t now_ns, bool all);

  /// Re-estimates the Hawkes parameters of every asset over the configured window, in line:
  /// collect_fit_jobs + run_fit_job + apply_fit. For tests and replay; the service splits the
  /// three so the MLE runs off the engine thread (service/app/engine_runner.cc).
  void refit(std::int64_t now_ns);

  /// Appends one job per asset that needs a fit at `now_ns`: new arrivals since its last job
  /// (with a current estimate: at least 1 % of the last window's count), or a current
  /// estimate and 60 s since its last job (the window slides). Copies the arrival
  /// times of [max(now − hawkes window, when the engine started observing), now]:
  /// O(arrivals in the window), no fitting.
  void collect_fit_jobs(std::int64_t now_ns, std::vector<HawkesFitJob>& out);
  /// Installs a fit: the published μ, α, β, η, the intensity tracker's kernel (re-adding the
  /// arrivals since the job was collected) and the active cascade's peak η. O(arrivals since).
  void apply_fit(const HawkesFitResult& result);

  /// Time passing without events: closes cascade episodes whose quiet period has elapsed and
  /// refreshes the live OI/price change of active ones. publish(now, true) calls it.
  void on_tick(std::int64_t now_ns);

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
  void on_liquidation(AssetId asset, const NormalizedEvent& e, std::int64_t t);
  void handle_cascade(AssetId asset, AssetState& a, const CascadeDetector::Update& u);
  /// OI in base units summed over the asset's instruments, and their OI-weighted mark.
  void asset_market_state(AssetId asset, double& oi_base, double& price) const;

  EngineConfig config_;
  const InstrumentTable& table_;
  PublishedState& out_;
  std::pmr::polymorphic_allocator<> memory_;
  std::vector<InstrumentState*> instruments_;        // by InstrumentId, from memory_
  std::vector<std::unique_ptr<AssetState>> assets_;  // by AssetId
  std::vector<AssetAccum> accum_;                    // scratch, by AssetId
  std::vector<InstrumentId> dirty_;
  bool venue_down_[kVenueCount] = {};
  std::int64_t now_ns_ = 0;
  std::uint64_t events_applied_ = 0;
  std::uint64_t next_cascade_id_ = 1;
  std::int64_t first_now_ns_ = 0;  // first engine time: cascade baselines count from here
};

}  // namespace levdyn::core
