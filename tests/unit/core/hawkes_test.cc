// Tests for core/hawkes: the O(1) intensity recursion and the maximum-likelihood fit of
// (μ, α, β) on sequences simulated by Ogata thinning with known branching ratios.
#include "core/hawkes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace levdyn::core {
namespace {

constexpr std::int64_t kS = 1'000'000'000;
constexpr std::int64_t kT0 = 1'700'000'000 * kS;

/// Ogata's thinning for λ(t) = μ + α Σ e^{−β(t−tᵢ)} on [0, horizon_s]; times in ns from kT0.
std::vector<std::int64_t> simulate_hawkes(double mu, double alpha, double beta, double horizon_s,
                                          std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<std::int64_t> out;
  double t = 0, t_last = 0, s = 0;  // s = Σ e^{−β(t_last−tᵢ)}
  for (;;) {
    const double bound = mu + alpha * s * std::exp(-beta * (t - t_last));  // λ only decays
    t += -std::log(1.0 - unit(rng)) / bound;
    if (t > horizon_s) break;
    const double lambda = mu + alpha * s * std::exp(-beta * (t - t_last));
    if (unit(rng) * bound <= lambda) {
      s = s * std::exp(-beta * (t - t_last)) + 1.0;
      t_last = t;
      out.push_back(kT0 + static_cast<std::int64_t>(t * 1e9));
    }
  }
  return out;
}

HawkesFit fit_simulated(double eta, std::uint64_t seed, int* n_out) {
  const double mu = 0.5, beta = 2.0, alpha = eta * beta;
  const double horizon = 5000.0 * (1.0 - eta) / mu;  // ≈ 5000 events expected
  const auto times = simulate_hawkes(mu, alpha, beta, horizon, seed);
  *n_out = static_cast<int>(times.size());
  HawkesFitOptions opt;
  opt.beta_hint = 1.0 / 30.0;  // deliberately far from the true β: the grid must cope
  return fit_hawkes(times, kT0, kT0 + static_cast<std::int64_t>(horizon * 1e9), opt);
}

// Verifies η = 0.3 is recovered within ±0.1 from ≥ 2000 simulated events.
TEST(HawkesFitTest, RecoversEta03) {
  int n = 0;
  const HawkesFit f = fit_simulated(0.3, 11, &n);
  ASSERT_GE(n, 2000);
  ASSERT_TRUE(f.params.valid());
  EXPECT_NEAR(f.params.eta(), 0.3, 0.1) << "mu=" << f.params.mu << " beta=" << f.params.beta;
  EXPECT_NEAR(f.params.beta, 2.0, 1.0);
}

// Verifies η = 0.6 is recovered within ±0.1 from ≥ 2000 simulated events.
TEST(HawkesFitTest, RecoversEta06) {
  int n = 0;
  const HawkesFit f = fit_simulated(0.6, 22, &n);
  ASSERT_GE(n, 2000);
  ASSERT_TRUE(f.params.valid());
  EXPECT_NEAR(f.params.eta(), 0.6, 0.1) << "mu=" << f.params.mu << " beta=" << f.params.beta;
}

// Verifies η = 0.9 (near critical) is recovered within ±0.1 from ≥ 2000 simulated events.
TEST(HawkesFitTest, RecoversEta09) {
  int n = 0;
  const HawkesFit f = fit_simulated(0.9, 33, &n);
  ASSERT_GE(n, 2000);
  ASSERT_TRUE(f.params.valid());
  EXPECT_NEAR(f.params.eta(), 0.9, 0.1) << "mu=" << f.params.mu << " beta=" << f.params.beta;
}

// Verifies a homogeneous Poisson sequence gives η near 0 and μ near its rate.
TEST(HawkesFitTest, PoissonGivesEtaNearZero) {
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> gap(2.0);
  std::vector<std::int64_t> times;
  double t = 0;
  while ((t += gap(rng)) < 2000.0) times.push_back(kT0 + static_cast<std::int64_t>(t * 1e9));
  ASSERT_GE(times.size(), 2000u);
  const HawkesFit f = fit_hawkes(times, kT0, kT0 + 2000 * kS, HawkesFitOptions{});
  ASSERT_TRUE(f.params.valid());
  EXPECT_LT(f.params.eta(), 0.1);
  EXPECT_NEAR(f.params.mu, 2.0, 0.2);
}

// Verifies fewer than min_events arrivals give no estimate (NaN), never a guess.
TEST(HawkesFitTest, TooFewEventsGiveNaN) {
  std::vector<std::int64_t> times;
  for (int i = 0; i < 49; ++i) times.push_back(kT0 + i * kS);
  HawkesFitOptions opt;
  opt.min_events = 50;
  const HawkesFit f = fit_hawkes(times, kT0, kT0 + 100 * kS, opt);
  EXPECT_EQ(f.events, 49);
  EXPECT_FALSE(f.params.valid());
  EXPECT_TRUE(std::isnan(f.params.eta()));
  EXPECT_TRUE(std::isnan(f.params.mu));
  // Arrivals outside [T0, T1] do not count toward the minimum.
  times.push_back(kT0 + 500 * kS);
  EXPECT_FALSE(fit_hawkes(times, kT0, kT0 + 100 * kS, opt).params.valid());
}

// Verifies the fit is deterministic and independent of the input order.
TEST(HawkesFitTest, DeterministicAndOrderFree) {
  auto times = simulate_hawkes(0.5, 1.0, 2.0, 3000, 5);
  const HawkesFit a = fit_hawkes(times, kT0, kT0 + 3000 * kS, HawkesFitOptions{});
  std::reverse(times.begin(), times.end());
  const HawkesFit b = fit_hawkes(times, kT0, kT0 + 3000 * kS, HawkesFitOptions{});
  EXPECT_EQ(a.params.mu, b.params.mu);
  EXPECT_EQ(a.params.alpha, b.params.alpha);
  EXPECT_EQ(a.params.beta, b.params.beta);
}

// Verifies the analytic gradient of the log-likelihood against central finite differences.
TEST(HawkesFitTest, GradientMatchesFiniteDifferences) {
  const auto ns = simulate_hawkes(0.5, 1.0, 2.0, 500, 9);
  std::vector<double> t;
  for (auto v : ns) t.push_back(static_cast<double>(v - kT0) / 1e9);
  double g[3];
  const double p[3] = {0.4, 0.9, 1.7};
  ASSERT_TRUE(std::isfinite(hawkes_log_likelihood(t, 500, p[0], p[1], p[2], g)));
  for (int k = 0; k < 3; ++k) {
    double hi[3] = {p[0], p[1], p[2]}, lo[3] = {p[0], p[1], p[2]};
    const double h = 1e-6;
    hi[k] += h;
    lo[k] -= h;
    const double fd = (hawkes_log_likelihood(t, 500, hi[0], hi[1], hi[2]) -
                       hawkes_log_likelihood(t, 500, lo[0], lo[1], lo[2])) /
                      (2 * h);
    EXPECT_NEAR(g[k], fd, 1e-4 * std::max(1.0, std::fabs(fd))) << "component " << k;
  }
}

// Verifies the analytic Hessian (used by the warm-started Newton refit) against central
// finite differences of the analytic gradient, and that adding it leaves ll and ∇ll unchanged.
TEST(HawkesFitTest, HessianMatchesFiniteDifferences) {
  const auto ns = simulate_hawkes(0.5, 1.0, 2.0, 500, 9);
  std::vector<double> t;
  for (auto v : ns) t.push_back(static_cast<double>(v - kT0) / 1e9);
  const double p[3] = {0.4, 0.9, 1.7};
  double g[3], g_only[3], hess[6];
  const double ll = hawkes_log_likelihood(t, 500, p[0], p[1], p[2], g, hess);
  ASSERT_TRUE(std::isfinite(ll));
  EXPECT_EQ(ll, hawkes_log_likelihood(t, 500, p[0], p[1], p[2], g_only));
  for (int k = 0; k < 3; ++k) EXPECT_EQ(g[k], g_only[k]);
  // hess = μμ, μα, μβ, αα, αβ, ββ
  const int idx[3][3] = {{0, 1, 2}, {1, 3, 4}, {2, 4, 5}};
  for (int k = 0; k < 3; ++k) {
    double hi[3] = {p[0], p[1], p[2]}, lo[3] = {p[0], p[1], p[2]};
    const double h = 1e-6;
    hi[k] += h;
    lo[k] -= h;
    double ghi[3], glo[3];
    (void)hawkes_log_likelihood(t, 500, hi[0], hi[1], hi[2], ghi);
    (void)hawkes_log_likelihood(t, 500, lo[0], lo[1], lo[2], glo);
    for (int j = 0; j < 3; ++j) {
      const double fd = (ghi[j] - glo[j]) / (2 * h);
      EXPECT_NEAR(hess[idx[j][k]], fd, 1e-4 * std::max(1.0, std::fabs(fd)))
          << "d2/d" << j << "d" << k;
    }
  }
}

// Verifies a warm start from a nearby estimate converges (Newton, no grid) to the same
// maximum as the cold multi-start fit, in a few iterations, and that a useless warm start
// (far off, or on the boundary) falls back to the grid and still finds it.
TEST(HawkesFitTest, WarmStartReachesTheColdMaximum) {
  const auto times = simulate_hawkes(0.5, 1.2, 2.0, 4000, 17);
  const std::int64_t t1 = kT0 + 4000 * kS;
  const HawkesFit cold = fit_hawkes(times, kT0, t1, HawkesFitOptions{});
  ASSERT_TRUE(cold.params.valid());
  EXPECT_FALSE(cold.warm);

  HawkesFitOptions opt;
  opt.warm_start = {cold.params.mu * 1.1, cold.params.alpha * 0.9, cold.params.beta * 1.2};
  const HawkesFit warm = fit_hawkes(times, kT0, t1, opt);
  ASSERT_TRUE(warm.params.valid());
  EXPECT_TRUE(warm.warm);
  EXPECT_LE(warm.iterations, 10);
  EXPECT_GE(warm.log_likelihood, cold.log_likelihood - 1e-6 * std::fabs(cold.log_likelihood));
  EXPECT_NEAR(warm.params.eta(), cold.params.eta(), 1e-4);
  EXPECT_NEAR(warm.params.beta, cold.params.beta, 1e-3 * cold.params.beta);
  EXPECT_NEAR(warm.excitation_at_t1, cold.excitation_at_t1, 1e-3 * cold.excitation_at_t1);

  opt.warm_start = {cold.params.mu, 1e-12, 1e-9};  // α at the boundary: Newton cannot start
  const HawkesFit fallback = fit_hawkes(times, kT0, t1, opt);
  EXPECT_FALSE(fallback.warm);
  EXPECT_EQ(fallback.params.eta(), cold.params.eta());
}

// Verifies tied arrival times (several liquidations in one message, one ms stamp) do not
// drive the fit to the degenerate β → ∞, η → 1 that the exact likelihood has for ties: a
// Poisson stream of batches of 1–4 arrivals per stamp gives a finite β and η < 1.
TEST(HawkesFitTest, TiedArrivalsStayFinite) {
  std::mt19937_64 rng(3);
  std::exponential_distribution<double> gap(1.0);
  std::uniform_int_distribution<int> batch(1, 4);
  std::vector<std::int64_t> times;
  double t = 0;
  while ((t += gap(rng)) < 2000.0) {
    const std::int64_t ms = kT0 + static_cast<std::int64_t>(t * 1e3) * 1'000'000;
    for (int k = batch(rng); k > 0; --k) times.push_back(ms);
  }
  const HawkesFit f = fit_hawkes(times, kT0, kT0 + 2000 * kS, HawkesFitOptions{});
  ASSERT_TRUE(f.params.valid());
  EXPECT_LT(f.params.beta, 1e5);  // the box's edge is e^25 ≈ 7e10
  EXPECT_LT(f.params.eta(), 0.95);
  EXPECT_TRUE(std::isfinite(f.log_likelihood));
}

// Verifies the O(1) recursion equals the brute-force sum μ + α Σ e^{−β(t−tᵢ)}.
TEST(HawkesIntensityTest, RecursionEqualsBruteForce) {
  HawkesIntensity h(0.5);
  HawkesParams p{0.2, 0.3, 0.5};
  h.set_params(p, 0.0, kT0);
  std::vector<std::int64_t> times = {kT0 + 1 * kS, kT0 + 1 * kS, kT0 + 2'500'000'000,
                                     kT0 + 7 * kS, kT0 + 7'100'000'000};
  for (auto t : times) h.on_event(t);
  for (const std::int64_t now : {kT0 + 7'100'000'000, kT0 + 8 * kS, kT0 + 20 * kS}) {
    double brute = p.mu;
    for (auto t : times) brute += p.alpha * std::exp(-p.beta * static_cast<double>(now - t) / 1e9);
    EXPECT_NEAR(h.intensity(now), brute, 1e-12);
  }
  EXPECT_EQ(h.count(), 5u);
}

// Verifies that before any fit the tracker reports the exponentially weighted arrival rate.
TEST(HawkesIntensityTest, UnfittedIsEwmaRate) {
  HawkesIntensity h(1.0 / 30.0);
  EXPECT_EQ(h.intensity(kT0), 0.0);
  h.on_event(kT0);
  EXPECT_NEAR(h.intensity(kT0), 1.0 / 30.0, 1e-15);
  EXPECT_NEAR(h.intensity(kT0 + 30 * kS), std::exp(-1.0) / 30.0, 1e-15);
}

// Verifies switching parameters with S supplied at a reference time continues the recursion.
TEST(HawkesIntensityTest, SetParamsThenContinue) {
  HawkesIntensity h;
  const HawkesParams p{0.1, 1.0, 2.0};
  h.set_params(p, 3.0, kT0);
  h.on_event(kT0 + kS);
  const double expect = 0.1 + 1.0 * (3.0 * std::exp(-2.0) + 1.0) * std::exp(-2.0 * 0.5);
  EXPECT_NEAR(h.intensity(kT0 + kS + kS / 2), expect, 1e-12);
}

}  // namespace
}  // namespace levdyn::core
