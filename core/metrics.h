#pragma once

// The results the engine publishes (DESIGN §5): per-instrument and per-asset metrics for each
// configured window, cascade episodes, and recent liquidations. Plain, trivially copyable
// structs, so they can sit in seqlocks and be read by the HTTP thread without blocking the
// engine. Absent values are NaN (core::kAbsent) and are rendered as JSON null.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "core/events.h"

namespace levdyn::core {

inline constexpr int kMaxWindows = 8;

enum class Regime : std::uint8_t {
  kUnknown,          // not enough history
  kFlat,             // |ΔP/P| or |ΔB/B| below the regime threshold
  kNewLongs,         // P up, B up
  kShortCovering,    // P up, B down
  kNewShorts,        // P down, B up
  kLongLiquidation,  // P down, B down
};
[[nodiscard]] std::string_view to_string(Regime r) noexcept;

/// §5 metrics of one window. NaN = not computable (no data, or no history that far back).
struct WindowMetrics {
  std::int64_t window_ns;
  double oi_change_usd;
  double oi_change_pct;            // a ratio: 0.01 = +1 %
  double oi_velocity_usd_s;
  double oi_acceleration_usd_s2;
  double liq_long_usd;
  double liq_short_usd;
  double liq_rate_usd_s;
  double liq_imbalance;            // null when no liquidations
  double liq_to_oi;
  double volume_usd;
  double turnover;                 // volume_usd / oi_usd
  double forced_share;             // liquidations / volume
  double price_change_pct;         // a ratio
  std::uint32_t liq_long_count;
  std::uint32_t liq_short_count;
  Regime regime;
  bool partial;                    // the window spans a feed gap or predates the first data
};

struct InstrumentMetrics {
  InstrumentId instrument;
  std::uint8_t window_count;
  bool has_data;
  std::int64_t as_of_ns;           // engine time of the computation
  std::int64_t updated_at_ns;      // event time of the last event applied
  std::int64_t oi_updated_at_ns;   // receive time of the last open-interest update (0: none)
  double oi_contracts;
  double oi_base;
  double oi_usd;
  double mark;
  double index;
  double funding_rate;             // per funding interval, as the venue reports it
  double funding_rate_8h;          // normalised to 8 h
  std::int32_t funding_interval_s;
  // Cumulative counters since start (Prometheus *_total).
  std::uint64_t liq_long_total;
  std::uint64_t liq_short_total;
  double liq_long_usd_total;
  double liq_short_usd_total;
  std::uint64_t trades_total;
  double volume_usd_total;
  std::uint64_t events_total;
  WindowMetrics windows[kMaxWindows];
};

/// A liquidation cascade episode (DESIGN §5 "Cascades"; exact rules in core/cascade_detector.h).
/// Published when it starts and when it ends; the later record of an id supersedes the earlier.
struct CascadeRecord {
  std::uint64_t id;                // unique per process and asset; > 0
  AssetId asset;
  std::uint8_t venues;             // bit i = Venue(i) had a liquidation in [start, end]
  bool active;
  std::int64_t start_ns;           // the liquidation that took the 10 s rate over the trigger
  std::int64_t end_ns;             // when the 10 s rate last fell below the exit level; 0 while active
  double peak_rate_usd_s;          // highest 10 s rate (USD/s) at an arrival in [start, end]
  double long_usd;                 // liquidated notional in [start, end], by position
  double short_usd;
  double oi_change_pct;            // asset OI (base units, summed over venues), end vs start; a ratio
  double price_change_pct;         // OI-weighted mark, end vs start; a ratio (live while active)
  double peak_eta;                 // highest η estimate while active; NaN when never estimated
};

struct AssetMetrics {
  AssetId asset;
  std::uint8_t window_count;
  std::uint8_t venues;             // bit i = Venue(i) has an instrument with data
  bool has_data;
  bool cascade_active;
  std::int64_t as_of_ns;
  double oi_usd;
  double funding_oi_weighted;      // 8 h equivalent, Σ f·OI / Σ OI
  double funding_mean;             // 8 h equivalent, simple mean
  double intensity;                // Hawkes λ(t), liquidations per second; NaN before the first
                                   // liquidation; before the first fit, the EWMA rate (μ=0, α=β=1/decay)
  double branching_ratio;          // η = α/β; NaN when too few events to estimate
  double hawkes_mu;
  double hawkes_alpha;
  double hawkes_beta;
  std::uint64_t cascades_total;
  std::uint64_t liq_long_total;
  std::uint64_t liq_short_total;
  double liq_long_usd_total;
  double liq_short_usd_total;
  CascadeRecord cascade;           // the active episode when cascade_active
  WindowMetrics windows[kMaxWindows];
};

static_assert(std::is_trivially_copyable_v<InstrumentMetrics>);
static_assert(std::is_trivially_copyable_v<AssetMetrics>);
static_assert(std::is_trivially_copyable_v<CascadeRecord>);
// `windows` is the last member: PublishedState stores only the configured windows' prefix.
static_assert(offsetof(InstrumentMetrics, windows) + sizeof(InstrumentMetrics::windows) ==
              sizeof(InstrumentMetrics));
static_assert(offsetof(AssetMetrics, windows) + sizeof(AssetMetrics::windows) == sizeof(AssetMetrics));

}  // namespace levdyn::core
