#pragma once

// The simulator's market: a deterministic model (seeded RNG, explicit time) of price, open
// interest, trades and liquidations per asset, shared by every simulated venue so all venues
// see the same move. Scenario "cascade" repeats: calm, a liquidation cascade with OI and price
// falling, recovery. Scenario "calm" never cascades.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/events.h"

namespace levdyn::sim {

enum class Phase : std::uint8_t { kCalm, kCascade, kRecovery };
[[nodiscard]] const char* to_string(Phase p) noexcept;

struct ScenarioSpec {
  std::string name = "cascade";
  double calm_s = 60;
  double cascade_s = 30;
  double recovery_s = 60;
  bool cascades = true;
  double cascade_price_drop = 0.03;   // fraction over the cascade phase
  double cascade_oi_drop = 0.06;
  double calm_liq_per_s = 3;          // per asset, all venues together (each venue: 1/6)
  double cascade_liq_per_s = 40;
  double calm_liq_usd = 1'500;        // mean notional of one liquidation
  double cascade_liq_usd = 12'000;
  double cascade_long_share = 0.9;
  double trades_per_s = 6;            // per asset
};

/// Returns false for an unknown name.
[[nodiscard]] bool scenario_by_name(const std::string& name, ScenarioSpec& out);

struct AssetState {
  std::string asset;
  double price;
  double oi_base;      // total over venues, in coins
  double funding_8h;
};

/// A market happening the venues render in their own wire format.
struct MarketEvent {
  enum class Kind : std::uint8_t { kTrade, kLiquidation } kind;
  int asset;           // index into assets()
  std::int64_t t_ns;   // simulator wall time
  double price;
  double base_qty;
  core::Side side;     // trade: taker side; liquidation: forced ORDER side (sell = long liquidated)
  std::uint64_t id;
  std::uint32_t venue_pick;  // uniform draw: venues pick their share with it
};

/// Not thread-safe: owned by the simulator thread.
class MarketModel {
 public:
  MarketModel(ScenarioSpec spec, std::int64_t start_ns, std::uint64_t seed = 42);

  /// Advances the model to `now_ns` in 100 ms steps; appends what happened to `out`.
  void advance(std::int64_t now_ns, std::vector<MarketEvent>& out);

  [[nodiscard]] const std::vector<AssetState>& assets() const noexcept { return assets_; }
  [[nodiscard]] Phase phase_at(std::int64_t t_ns) const noexcept;
  [[nodiscard]] double cycle_s() const noexcept;
  /// Offset of the cascade phase's start within each cycle.
  [[nodiscard]] double cascade_start_offset_s() const noexcept { return spec_.calm_s; }
  [[nodiscard]] std::int64_t start_ns() const noexcept { return start_ns_; }
  [[nodiscard]] const ScenarioSpec& spec() const noexcept { return spec_; }

 private:
  void step(std::int64_t t_ns, double dt_s, std::vector<MarketEvent>& out);

  ScenarioSpec spec_;
  std::int64_t start_ns_;
  std::int64_t t_ns_;
  std::mt19937_64 rng_;
  std::vector<AssetState> assets_;
  std::vector<double> base_price_;
  std::vector<double> base_oi_;
  std::uint64_t next_id_ = 1;
};

}  // namespace levdyn::sim
