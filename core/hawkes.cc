#include "core/hawkes.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

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
    double dl[3] = {};
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

/// std::frexp without a call for normal values (the likelihood's loop must not call out); the
/// same mantissa in [0.5, 1) and exponent, exactly. Zero, subnormals, inf and NaN go to
/// std::frexp.
inline double frexp_inline(double x, int& e) noexcept {
  auto bits = std::bit_cast<std::uint64_t>(x);
  const auto biased = static_cast<int>((bits >> 52) & 0x7ff);
  if (biased == 0 || biased == 0x7ff) return std::frexp(x, &e);
  e = biased - 1022;
  bits = (bits & ~(std::uint64_t{0x7ff} << 52)) | (std::uint64_t{1022} << 52);
  return std::bit_cast<double>(bits);
}

/// The log-likelihood with optional gradient, Hessian and S(T) = Σ e^{−β(T−tᵢ)} (the
/// excitation at the horizon, for HawkesIntensity::set_params), in one pass.
double likelihood(const std::vector<double>& t, double horizon, double mu, double alpha,
                  double beta, double* grad, double* hess, double* s_out) noexcept {
  if (!(mu > 0) || !(alpha >= 0) || !(beta > 0) || !(horizon > 0)) return -kInf;
  // Ozaki's recursion: A_i = Σ_{j<i} e^{−β(t_i−t_j)} = e^{−βΔ_i}(1 + A_{i−1}), and its
  // β-derivatives B_i = dA_i/dβ = e^{−βΔ_i}(B_{i−1} − Δ_i(1 + A_{i−1})) and
  // C_i = d²A_i/dβ² = e^{−βΔ_i}(C_{i−1} − 2Δ_i·B_{i−1} + Δ_i²(1 + A_{i−1})).
  // The compensator's S = Σ e^{−β(T−t_i)} = e^{−βr}(1 + A_n) with r = T − t_n, and its
  // β-derivatives follow from the same recursion: one exp() per arrival in all.
  double a = 0, b = 0, c = 0;
  // Σ log λ_i as log Π λ_i: the product is renormalised with frexp every 8 factors (within
  // the box λ ∈ (1e−18, 1e18), so 8 factors cannot overflow or underflow), one log() per 8
  // arrivals instead of per arrival.
  double prod = 1.0;
  long prod_exp2 = 0;
  double sum_inv = 0, sum_a_inv = 0, sum_b_inv = 0;
  double sum_inv2 = 0, sum_a_inv2 = 0, sum_b_inv2 = 0, sum_aa_inv2 = 0, sum_ab_inv2 = 0;
  double sum_bb_inv2 = 0, sum_c_inv = 0;
  double prev = 0;
  const std::size_t n = t.size();
  // In blocks: first the block's exp() calls, then its recursion with no call in the loop.
  // A call clobbers every vector register, so with exp() inside the recursion each of the ~15
  // running sums went through memory on every arrival. The same operations in the same order:
  // the result is bit for bit what one loop computes.
  constexpr std::size_t kBlock = 64;
  double decay[kBlock];  // e^{−βΔ_i} of the block's arrivals
  for (std::size_t i0 = 0; i0 < n; i0 += kBlock) {
    const std::size_t i1 = std::min(n, i0 + kBlock);
    for (std::size_t i = std::max<std::size_t>(i0, 1); i < i1; ++i) {
      decay[i - i0] = std::exp(-beta * (t[i] - t[i - 1]));
    }
    for (std::size_t i = i0; i < i1; ++i) {
      if (i > 0) {
        const double dt = t[i] - prev;
        const double e = decay[i - i0];
        const double one_a = 1.0 + a;
        if (hess != nullptr) c = e * (c - 2.0 * dt * b + dt * dt * one_a);
        b = e * (b - dt * one_a);
        a = e * one_a;
      }
      prev = t[i];
      const double lambda = mu + alpha * a;
      if (!(lambda > 0)) return -kInf;
      prod *= lambda;
      if ((i & 7) == 7) {
        int e = 0;
        prod = frexp_inline(prod, e);
        prod_exp2 += e;
      }
      if (grad == nullptr && hess == nullptr) continue;
      const double inv = 1.0 / lambda;
      sum_inv += inv;
      sum_a_inv += a * inv;
      sum_b_inv += b * inv;
      if (hess != nullptr) {
        const double inv2 = inv * inv;
        sum_inv2 += inv2;
        sum_a_inv2 += a * inv2;
        sum_b_inv2 += b * inv2;
        sum_aa_inv2 += a * a * inv2;
        sum_ab_inv2 += a * b * inv2;
        sum_bb_inv2 += b * b * inv2;
        sum_c_inv += c * inv;
      }
    }
  }
  // S, −dS/dβ = Σ r_i e^{−βr_i} and d²S/dβ² = Σ r_i² e^{−βr_i}.
  double s = 0, d = 0, e2 = 0;
  if (n > 0) {
    const double r = horizon - prev;
    const double er = std::exp(-beta * r);
    const double one_a = 1.0 + a;
    s = er * one_a;
    d = er * (r * one_a - b);
    e2 = er * (c - 2.0 * r * b + r * r * one_a);
  }
  if (s_out != nullptr) *s_out = s;
  const double comp = static_cast<double>(n) - s;  // Σ (1 − e^{−β(T−t_i)})
  const double sum_log = std::log(prod) + static_cast<double>(prod_exp2) * std::numbers::ln2;
  const double ll = sum_log - mu * horizon - alpha / beta * comp;
  if (grad != nullptr) {
    grad[0] = sum_inv - horizon;
    grad[1] = sum_a_inv - comp / beta;
    grad[2] = alpha * sum_b_inv + alpha / (beta * beta) * comp - alpha / beta * d;
  }
  if (hess != nullptr) {
    // d/dβ (comp/β) = D/β − comp/β², d²/dβ² (comp/β) = −E/β − 2D/β² + 2comp/β³.
    const double dq = d / beta - comp / (beta * beta);
    const double d2q = -e2 / beta - 2.0 * d / (beta * beta) + 2.0 * comp / (beta * beta * beta);
    hess[0] = -sum_inv2;                                        // μμ
    hess[1] = -sum_a_inv2;                                      // μα
    hess[2] = -alpha * sum_b_inv2;                              // μβ
    hess[3] = -sum_aa_inv2;                                     // αα
    hess[4] = sum_b_inv - alpha * sum_ab_inv2 - dq;             // αβ
    hess[5] = alpha * sum_c_inv - alpha * alpha * sum_bb_inv2 - alpha * d2q;  // ββ
  }
  return ll;
}

constexpr double kTieResolutionS = 1e-3;

void spread_ties(std::vector<double>& t, double resolution) noexcept {
  const std::size_t n = t.size();
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && t[j] == t[i]) ++j;
    if (j - i > 1) {
      const double room = j < n ? std::min(resolution, t[j] - t[i]) : resolution;
      const double step = room / static_cast<double>(j - i);
      for (std::size_t k = i + 1; k < j; ++k) t[k] = t[i] + step * static_cast<double>(k - i);
    }
    i = j;
  }
}

/// Newton's method on the log-likelihood in y = (log μ, log α, log β), from a previous
/// estimate: the likelihood, gradient and Hessian come from one pass over the arrivals, and
/// from a nearby start it converges in a few steps. Succeeds only at a strict local maximum
/// (−H positive definite) with η < 1; anything else leaves the fit to the multi-start grid.
struct NewtonResult {
  double mu, alpha, beta, ll, excitation;
  int iterations;
  bool ok;
};

NewtonResult newton_refine(const std::vector<double>& t, double horizon, HawkesParams p) noexcept {
  constexpr int kMaxIterations = 30;
  constexpr double kStepTol = 1e-9;  // in log-parameters: a relative change of 1e-9
  NewtonResult r{p.mu, p.alpha, p.beta, -kInf, 0, 0, false};
  if (!(r.mu > 0) || !(r.alpha > 0) || !(r.beta > 0) || !(r.alpha < r.beta)) return r;
  double g[3], h[6];
  r.ll = likelihood(t, horizon, r.mu, r.alpha, r.beta, g, h, &r.excitation);
  if (!std::isfinite(r.ll)) return r;
  for (int it = 0; it < kMaxIterations; ++it) {
    r.iterations = it + 1;
    const double x[3] = {r.mu, r.alpha, r.beta};
    // Gradient and negated Hessian in y: g_y = x∘g, H_y = D H D + diag(x∘g).
    const double gy[3] = {x[0] * g[0], x[1] * g[1], x[2] * g[2]};
    const double m00 = -(x[0] * x[0] * h[0] + gy[0]);
    const double m01 = -(x[0] * x[1] * h[1]);
    const double m02 = -(x[0] * x[2] * h[2]);
    const double m11 = -(x[1] * x[1] * h[3] + gy[1]);
    const double m12 = -(x[1] * x[2] * h[4]);
    const double m22 = -(x[2] * x[2] * h[5] + gy[2]);
    // Cholesky of the 3×3 M = −H_y; not positive definite: not near a maximum.
    const double l00sq = m00;
    if (!(l00sq > 0)) return r;
    const double l00 = std::sqrt(l00sq);
    const double l10 = m01 / l00, l20 = m02 / l00;
    const double l11sq = m11 - l10 * l10;
    if (!(l11sq > 0)) return r;
    const double l11 = std::sqrt(l11sq);
    const double l21 = (m12 - l20 * l10) / l11;
    const double l22sq = m22 - l20 * l20 - l21 * l21;
    if (!(l22sq > 0)) return r;
    const double l22 = std::sqrt(l22sq);
    // Solve M·Δ = g_y (an ascent step).
    const double z0 = gy[0] / l00;
    const double z1 = (gy[1] - l10 * z0) / l11;
    const double z2 = (gy[2] - l20 * z0 - l21 * z1) / l22;
    const double d2 = z2 / l22;
    const double d1 = (z1 - l21 * d2) / l11;
    const double d0 = (z0 - l10 * d1 - l20 * d2) / l00;
    const double slope = gy[0] * d0 + gy[1] * d1 + gy[2] * d2;  // > 0: M is positive definite
    const double dmax = std::max({std::fabs(d0), std::fabs(d1), std::fabs(d2)});
    if (dmax < kStepTol) {
      r.ok = true;
      return r;
    }
    double step = dmax > 1.0 ? 1.0 / dmax : 1.0;  // at most a factor e per iteration
    bool accepted = false;
    for (int ls = 0; ls < 30; ++ls, step *= 0.5) {
      const double mu = x[0] * std::exp(step * d0);
      const double alpha = x[1] * std::exp(step * d1);
      const double beta = x[2] * std::exp(step * d2);
      if (!(alpha < beta)) continue;
      double gn[3], hn[6], sn = 0;
      const double ll = likelihood(t, horizon, mu, alpha, beta, gn, hn, &sn);
      if (!std::isfinite(ll) || ll < r.ll + 1e-4 * step * slope) continue;
      const double gain = ll - r.ll;
      r = {mu, alpha, beta, ll, sn, r.iterations, false};
      std::copy(gn, gn + 3, g);
      std::copy(hn, hn + 6, h);
      accepted = true;
      if (step * dmax < kStepTol || gain <= 1e-14 * std::max(1.0, std::fabs(ll))) {
        r.ok = true;
        return r;
      }
      break;
    }
    if (!accepted) {
      // No step gains: converged if the Newton step was already tiny in likelihood terms.
      r.ok = slope <= 1e-10 * std::max(1.0, std::fabs(r.ll));
      return r;
    }
  }
  return r;
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
  return likelihood(t, horizon, mu, alpha, beta, grad, nullptr, nullptr);
}

double hawkes_log_likelihood(const std::vector<double>& t, double horizon, double mu, double alpha,
                             double beta, double* grad, double* hess) noexcept {
  return likelihood(t, horizon, mu, alpha, beta, grad, hess, nullptr);
}

// ---- fit ---------------------------------------------------------------------------------------

HawkesFit fit_hawkes(const std::vector<std::int64_t>& times_ns, std::int64_t t0_ns, std::int64_t t1_ns,
                     const HawkesFitOptions& options) {
  HawkesFit out;
  if (t1_ns <= t0_ns) return out;
  std::vector<double> t;
  t.reserve(times_ns.size());
  for (const std::int64_t v : times_ns) {
    if (v >= t0_ns && v <= t1_ns) t.push_back(static_cast<double>(v - t0_ns) / kNsPerSecond);
  }
  out.events = static_cast<int>(t.size());
  if (out.events < std::max(options.min_events, 2)) return out;  // too few: no estimate
  // Arrivals come nearly always in order (a ring in arrival order): sort only when needed.
  if (!std::is_sorted(t.begin(), t.end())) std::sort(t.begin(), t.end());
  // Ties: venues stamp liquidations in ms and send several in one message with one time. With
  // k arrivals at one instant the likelihood grows without bound as β → ∞ with α/β < 1 (an
  // infinitely fast kernel "explains" the tie), so the fit would return η → 1 and a decay of
  // picoseconds. Tied arrivals are spread evenly over the clock's resolution (1 ms, or up to
  // the next distinct time when sooner) — deterministically, keeping their order.
  double horizon = static_cast<double>(t1_ns - t0_ns) / kNsPerSecond;
  spread_ties(t, kTieResolutionS);
  horizon = std::max(horizon, t.back());
  const double n = static_cast<double>(t.size());

  auto finish = [&](double mu, double alpha, double beta, double ll, double excitation) {
    out.params.mu = mu;
    out.params.alpha = alpha;
    out.params.beta = beta;
    out.log_likelihood = ll;
    out.excitation_at_t1 = excitation;
    return out;
  };

  if (options.warm_start.valid()) {
    const NewtonResult w = newton_refine(t, horizon, options.warm_start);
    if (w.ok) {
      out.iterations = w.iterations;
      out.converged = true;
      out.warm = true;
      return finish(w.mu, w.alpha, w.beta, w.ll, w.excitation);
    }
  }

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

  out.iterations = iterations;
  out.converged = best.converged;
  const double beta = std::exp(best.x[2]);
  double excitation = 0;
  for (const double ti : t) excitation += std::exp(-beta * (horizon - ti));
  return finish(std::exp(best.x[0]), logistic(best.x[1]) * beta, beta, -best.f * n, excitation);
}

}  // namespace levdyn::core
