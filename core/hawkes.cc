#include "core/hawkes.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace levdyn::core {

namespace {

constexpr double kNsPerSecond = 1e9;
constexpr double kInf = std::numeric_limits<double>::infinity();

double seconds_between(std::int64_t from_ns, std::int64_t to_ns) noexcept {
  return to_ns > from_ns ? static_cast<double>(to_ns - from_ns) / kNsPerSecond : 0.0;
}

double logistic(double b) noexcept { return 1.0 / (1.0 + std::exp(-b)); }

// ---- the optimisation problem in unconstrained coordinates ----------------------------------
//
// x = (a, b, c) with μ = e^a, η = logistic(b) ∈ (0, 1), β = e^c, α = η·β. The objective is the
// negative log-likelihood per event, so its scale does not depend on the sample size. η < 1 by
// construction keeps every candidate stationary; the box below keeps exp() finite.

using Vec = std::array<double, 3>;

constexpr Vec kLower{-40.0, -30.0, -25.0};
constexpr Vec kUpper{40.0, 30.0, 25.0};

struct Objective {
  const std::vector<double>& t;
  double horizon;
  double n;

  /// f(x) and ∇f(x); +inf outside the domain.
  double operator()(const Vec& x, Vec& g) const noexcept {
    const double mu = std::exp(x[0]);
    const double eta = logistic(x[1]);
    const double beta = std::exp(x[2]);
    const double alpha = eta * beta;
    double dl[3];
    const double ll = hawkes_log_likelihood(t, horizon, mu, alpha, beta, dl);
    if (!std::isfinite(ll)) {
      g = {0, 0, 0};
      return kInf;
    }
    g[0] = -dl[0] * mu / n;
    g[1] = -dl[1] * beta * eta * (1.0 - eta) / n;
    g[2] = -(dl[1] * alpha + dl[2] * beta) / n;
    return -ll / n;
  }
};

double dot(const Vec& u, const Vec& v) noexcept { return u[0] * v[0] + u[1] * v[1] + u[2] * v[2]; }

Vec clip(Vec x) noexcept {
  for (int i = 0; i < 3; ++i) x[i] = std::clamp(x[i], kLower[i], kUpper[i]);
  return x;
}

struct Minimum {
  Vec x;
  double f;
  int iterations;
  bool converged;
};

/// L-BFGS (memory 6) with a backtracking Armijo line search, projected onto the box.
/// Deterministic: no randomness, fixed iteration order.
Minimum lbfgs(const Objective& fn, Vec x, int max_iterations) noexcept {
  constexpr int kMemory = 6;
  constexpr double kGradTol = 1e-7;
  constexpr double kRelTol = 1e-12;
  Vec s_hist[kMemory], y_hist[kMemory];
  double rho_hist[kMemory];
  int stored = 0, newest = -1;

  Vec g;
  double f = fn(x, g);
  Minimum best{x, f, 0, false};
  if (!std::isfinite(f)) return best;

  for (int it = 0; it < max_iterations; ++it) {
    best.iterations = it + 1;
    double gmax = 0;
    for (double v : g) gmax = std::max(gmax, std::fabs(v));
    if (gmax < kGradTol) {
      best.converged = true;
      break;
    }
    // Two-loop recursion: d = −H·g.
    Vec q = g;
    double alpha_k[kMemory];
    for (int k = 0; k < stored; ++k) {
      const int i = (newest - k + kMemory) % kMemory;
      alpha_k[i] = rho_hist[i] * dot(s_hist[i], q);
      for (int j = 0; j < 3; ++j) q[j] -= alpha_k[i] * y_hist[i][j];
    }
    if (stored > 0) {
      const double gamma = dot(s_hist[newest], y_hist[newest]) / dot(y_hist[newest], y_hist[newest]);
      for (double& v : q) v *= gamma;
    } else {
      const double scale = 1.0 / std::max(1.0, std::sqrt(dot(g, g)));
      for (double& v : q) v *= scale;
    }
    for (int k = stored - 1; k >= 0; --k) {
      const int i = (newest - k + kMemory) % kMemory;
      const double b = rho_hist[i] * dot(y_hist[i], q);
      for (int j = 0; j < 3; ++j) q[j] += s_hist[i][j] * (alpha_k[i] - b);
    }
    Vec d{-q[0], -q[1], -q[2]};
    if (dot(d, g) >= 0) {  // not a descent direction: restart from steepest descent
      d = {-g[0], -g[1], -g[2]};
      stored = 0;
      newest = -1;
    }
    // Backtracking line search (Armijo), on the projected path.
    double step = 1.0;
    Vec xn{}, gn{};
    double fn_val = kInf;
    bool accepted = false;
    for (int ls = 0; ls < 40; ++ls) {
      xn = clip(Vec{x[0] + step * d[0], x[1] + step * d[1], x[2] + step * d[2]});
      fn_val = fn(xn, gn);
      Vec dx{xn[0] - x[0], xn[1] - x[1], xn[2] - x[2]};
      if (std::isfinite(fn_val) && fn_val <= f + 1e-4 * dot(g, dx)) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) {
      best.converged = true;  // no further decrease along any step: a (boxed) minimum
      break;
    }
    const Vec s{xn[0] - x[0], xn[1] - x[1], xn[2] - x[2]};
    const Vec y{gn[0] - g[0], gn[1] - g[1], gn[2] - g[2]};
    const double sy = dot(s, y);
    if (sy > 1e-16) {
      newest = (newest + 1) % kMemory;
      s_hist[newest] = s;
      y_hist[newest] = y;
      rho_hist[newest] = 1.0 / sy;
      stored = std::min(stored + 1, kMemory);
    }
    const double df = f - fn_val;
    x = xn;
    g = gn;
    f = fn_val;
    best.x = x;
    best.f = f;
    if (df >= 0 && df <= kRelTol * std::max(1.0, std::fabs(f))) {
      best.converged = true;
      break;
    }
  }
  return best;
}

}  // namespace

// ---- HawkesIntensity ---------------------------------------------------------------------------

HawkesIntensity::HawkesIntensity(double beta) noexcept : alpha_(beta), beta_(beta) {}

void HawkesIntensity::on_event(std::int64_t t_ns) noexcept {
  if (last_ns_ != 0 && t_ns > last_ns_) {
    s_ *= std::exp(-beta_ * seconds_between(last_ns_, t_ns));
  }
  s_ += 1.0;
  if (t_ns > last_ns_) last_ns_ = t_ns;
  ++count_;
}

double HawkesIntensity::excitation(std::int64_t now_ns) const noexcept {
  if (last_ns_ == 0) return 0.0;
  return s_ * std::exp(-beta_ * seconds_between(last_ns_, now_ns));
}

double HawkesIntensity::intensity(std::int64_t now_ns) const noexcept {
  return mu_ + alpha_ * excitation(now_ns);
}

void HawkesIntensity::set_params(const HawkesParams& p, double s_at_t, std::int64_t t_ns) noexcept {
  if (!p.valid() || p.beta <= 0) return;
  mu_ = p.mu;
  alpha_ = p.alpha;
  beta_ = p.beta;
  s_ = s_at_t;
  last_ns_ = t_ns;
}

// ---- likelihood --------------------------------------------------------------------------------

double hawkes_log_likelihood(const std::vector<double>& t, double horizon, double mu, double alpha,
                             double beta, double* grad) noexcept {
  if (!(mu > 0) || !(alpha >= 0) || !(beta > 0) || !(horizon > 0)) return -kInf;
  // Ozaki's recursion: A_i = Σ_{j<i} e^{−β(t_i−t_j)} = e^{−βΔ_i}(1 + A_{i−1}), and its
  // β-derivative B_i = dA_i/dβ = e^{−βΔ_i}(B_{i−1} − Δ_i(1 + A_{i−1})).
  double a = 0, b = 0;
  double sum_log = 0, sum_inv = 0, sum_a_inv = 0, sum_b_inv = 0;
  double comp = 0;      // Σ (1 − e^{−β(T−t_i)})
  double comp_dt = 0;   // Σ (T − t_i) e^{−β(T−t_i)}
  double prev = 0;
  const std::size_t n = t.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) {
      const double dt = t[i] - prev;
      const double e = std::exp(-beta * dt);
      b = e * (b - dt * (1.0 + a));
      a = e * (1.0 + a);
    }
    prev = t[i];
    const double lambda = mu + alpha * a;
    if (!(lambda > 0)) return -kInf;
    sum_log += std::log(lambda);
    const double inv = 1.0 / lambda;
    sum_inv += inv;
    sum_a_inv += a * inv;
    sum_b_inv += b * inv;
    const double rem = horizon - t[i];
    const double er = std::exp(-beta * rem);
    comp += 1.0 - er;
    comp_dt += rem * er;
  }
  const double ll = sum_log - mu * horizon - alpha / beta * comp;
  if (grad != nullptr) {
    grad[0] = sum_inv - horizon;
    grad[1] = sum_a_inv - comp / beta;
    grad[2] = alpha * sum_b_inv + alpha / (beta * beta) * comp - alpha / beta * comp_dt;
  }
  return ll;
}

// ---- fit ---------------------------------------------------------------------------------------

HawkesFit fit_hawkes(std::vector<std::int64_t> times_ns, std::int64_t t0_ns, std::int64_t t1_ns,
                     const HawkesFitOptions& options) {
  HawkesFit out;
  if (t1_ns <= t0_ns) return out;
  std::sort(times_ns.begin(), times_ns.end());
  std::vector<double> t;
  t.reserve(times_ns.size());
  for (const std::int64_t v : times_ns) {
    if (v >= t0_ns && v <= t1_ns) t.push_back(static_cast<double>(v - t0_ns) / kNsPerSecond);
  }
  out.events = static_cast<int>(t.size());
  if (out.events < std::max(options.min_events, 2)) return out;  // too few: no estimate

  const double horizon = static_cast<double>(t1_ns - t0_ns) / kNsPerSecond;
  const double n = static_cast<double>(t.size());
  const Objective fn{t, horizon, n};
  const double beta0 = options.beta_hint > 0 ? options.beta_hint : n / horizon;

  // Starting grid: η × β around the hint, μ chosen so the compensator equals n (μT = n(1−η)).
  // The three best grid points start an L-BFGS run each; the best end point wins.
  constexpr double kEtas[] = {0.1, 0.3, 0.5, 0.7, 0.9};
  constexpr double kBetaScale[] = {0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0};
  struct Start {
    Vec x;
    double f;
  };
  std::vector<Start> starts;
  Vec g;
  for (const double eta : kEtas) {
    for (const double scale : kBetaScale) {
      const Vec x = clip(Vec{std::log(n * (1.0 - eta) / horizon), std::log(eta / (1.0 - eta)),
                             std::log(beta0 * scale)});
      const double f = fn(x, g);
      if (std::isfinite(f)) starts.push_back({x, f});
    }
  }
  if (starts.empty()) return out;
  std::stable_sort(starts.begin(), starts.end(),
                   [](const Start& l, const Start& r) { return l.f < r.f; });
  constexpr std::size_t kRuns = 3;
  Minimum best{starts.front().x, kInf, 0, false};
  int iterations = 0;
  for (std::size_t i = 0; i < std::min(kRuns, starts.size()); ++i) {
    const Minimum m = lbfgs(fn, starts[i].x, options.max_iterations);
    iterations += m.iterations;
    if (m.f < best.f) best = m;
  }
  if (!std::isfinite(best.f)) return out;

  out.params.mu = std::exp(best.x[0]);
  out.params.beta = std::exp(best.x[2]);
  out.params.alpha = logistic(best.x[1]) * out.params.beta;
  out.log_likelihood = -best.f * n;
  out.iterations = iterations;
  out.converged = best.converged;
  double s = 0;
  for (const double ti : t) s += std::exp(-out.params.beta * (horizon - ti));
  out.excitation_at_t1 = s;
  return out;
}

}  // namespace levdyn::core
