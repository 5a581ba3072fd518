#include "service/sim/market_model.h"

#include <algorithm>
#include <cmath>

namespace levdyn::sim {

namespace {
constexpr std::int64_t kStepNs = 100'000'000;
}  // namespace

const char* to_string(Phase p) noexcept {
  switch (p) {
    case Phase::kCalm: return "calm";
    case Phase::kCascade: return "cascade";
    case Phase::kRecovery: return "recovery";
  }
  return "calm";
}

bool scenario_by_name(const std::string& name, ScenarioSpec& out) {
  ScenarioSpec s;
  s.name = name;
  if (name == "cascade") {
    out = s;
    return true;
  }
  if (name == "calm") {
    s.cascades = false;
    out = s;
    return true;
  }
  if (name == "fast") {  // short phases for tests
    s.calm_s = 20;
    s.cascade_s = 10;
    s.recovery_s = 20;
    out = s;
    return true;
  }
  return false;
}

MarketModel::MarketModel(ScenarioSpec spec, std::int64_t start_ns, std::uint64_t seed)
    : spec_(std::move(spec)), start_ns_(start_ns), t_ns_(start_ns), rng_(seed) {
  assets_ = {{"BTC", 60'000.0, 90'000.0, 0.0001}, {"ETH", 3'000.0, 1'200'000.0, 0.0001}};
  for (const auto& a : assets_) {
    base_price_.push_back(a.price);
    base_oi_.push_back(a.oi_base);
  }
}

double MarketModel::cycle_s() const noexcept {
  return spec_.calm_s + spec_.cascade_s + spec_.recovery_s;
}

Phase MarketModel::phase_at(std::int64_t t_ns) const noexcept {
  if (!spec_.cascades) return Phase::kCalm;
  const double t = std::fmod(static_cast<double>(t_ns - start_ns_) / 1e9, cycle_s());
  if (t < spec_.calm_s) return Phase::kCalm;
  if (t < spec_.calm_s + spec_.cascade_s) return Phase::kCascade;
  return Phase::kRecovery;
}

void MarketModel::advance(std::int64_t now_ns, std::vector<MarketEvent>& out) {
  while (t_ns_ + kStepNs <= now_ns) {
    t_ns_ += kStepNs;
    step(t_ns_, kStepNs / 1e9, out);
  }
}

void MarketModel::step(std::int64_t t_ns, double dt, std::vector<MarketEvent>& out) {
  const Phase phase = phase_at(t_ns);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (std::size_t i = 0; i < assets_.size(); ++i) {
    AssetState& a = assets_[i];
    // Price: a small random walk, pulled back to its base in calm; a steady fall in the
    // cascade; a partial recovery afterwards.
    double drift = 0;
    double oi_drift = 0;
    if (phase == Phase::kCascade) {
      drift = -spec_.cascade_price_drop / spec_.cascade_s;
      oi_drift = -spec_.cascade_oi_drop / spec_.cascade_s;
    } else if (phase == Phase::kRecovery) {
      drift = 0.5 * spec_.cascade_price_drop / spec_.recovery_s;
      oi_drift = 0.5 * spec_.cascade_oi_drop / spec_.recovery_s;
    } else {
      drift = 0.02 * std::log(base_price_[i] / a.price);    // mean reversion
      oi_drift = 0.01 * std::log(base_oi_[i] / a.oi_base);
    }
    a.price *= std::exp(drift * dt + 0.0002 * std::sqrt(dt) * noise(rng_));
    a.oi_base *= std::exp(oi_drift * dt + 0.0001 * std::sqrt(dt) * noise(rng_));
    a.funding_8h = 0.0001 + 0.00005 * noise(rng_) * 0.1;

    // Trades: Poisson arrivals, taker side leaning with the move.
    const double trade_rate = spec_.trades_per_s * (phase == Phase::kCascade ? 3 : 1);
    std::poisson_distribution<int> trades(trade_rate * dt);
    for (int k = trades(rng_); k > 0; --k) {
      MarketEvent e{};
      e.kind = MarketEvent::Kind::kTrade;
      e.asset = static_cast<int>(i);
      e.t_ns = t_ns;
      e.price = a.price * (1 + 0.0001 * noise(rng_));
      e.base_qty = std::max(0.001, 20'000.0 / a.price * std::exp(noise(rng_)));
      const double sell_p = phase == Phase::kCascade ? 0.7 : 0.5;
      e.side = unit(rng_) < sell_p ? core::Side::kSell : core::Side::kBuy;
      e.id = next_id_++;
      e.venue_pick = static_cast<std::uint32_t>(rng_());
      out.push_back(e);
    }
    // Liquidations: sparse in calm, a burst of mostly longs in the cascade.
    const bool cascade = phase == Phase::kCascade;
    const double liq_rate = cascade ? spec_.cascade_liq_per_s : spec_.calm_liq_per_s;
    std::poisson_distribution<int> liqs(liq_rate * dt);
    for (int k = liqs(rng_); k > 0; --k) {
      MarketEvent e{};
      e.kind = MarketEvent::Kind::kLiquidation;
      e.asset = static_cast<int>(i);
      e.t_ns = t_ns;
      const double mean = cascade ? spec_.cascade_liq_usd : spec_.calm_liq_usd;
      const double usd = mean * std::exp(0.5 * noise(rng_) - 0.125);
      const bool long_liq = unit(rng_) < (cascade ? spec_.cascade_long_share : 0.5);
      e.side = long_liq ? core::Side::kSell : core::Side::kBuy;  // forced order side
      e.price = a.price * (long_liq ? 0.999 : 1.001);
      e.base_qty = usd / e.price;
      e.id = next_id_++;
      e.venue_pick = static_cast<std::uint32_t>(rng_());
      out.push_back(e);
    }
  }
}

}  // namespace levdyn::sim
