#pragma once

// Self-excitation of liquidation arrivals (DESIGN §5 "Self-excitation"): a Hawkes process with
// an exponential kernel,
//
//     λ(t) = μ + α Σ_{tᵢ<t} e^{−β(t−tᵢ)},      branching ratio η = α/β,
//
// in two parts:
//
//  * HawkesIntensity — O(1) per arrival: keeps S(t) = Σ e^{−β(t−tᵢ)} at the last arrival
//    (S ← S·e^{−βΔ} + 1) and evaluates λ at any later `now`.
//  * fit_hawkes() — maximum likelihood of (μ, α, β) for the arrivals in [T0, T1] with the
//    Ozaki (1979) recursion for the log-likelihood and its analytic gradient. Pure and
//    deterministic (no randomness, fixed starting grid), and O(n) per evaluation, so it is run
//    off the event path (see Engine::collect_fit_jobs / apply_fit).
//
// Times are int64 ns on the interface and seconds (relative to T0) inside, so the parameters
// are per second: μ and λ in arrivals/s, α in 1/s, β in 1/s.

#include <cstdint>
#include <vector>

#include "core/events.h"

namespace levdyn::core {

/// Fitted parameters. All NaN (kAbsent) when there were too few events: never a guess.
struct HawkesParams {
  double mu = kAbsent;
  double alpha = kAbsent;
  double beta = kAbsent;
  [[nodiscard]] double eta() const noexcept { return alpha / beta; }  // NaN when absent
  [[nodiscard]] bool valid() const noexcept { return present(mu) && present(alpha) && present(beta); }
};

/// λ(t) tracker. Single-threaded. Arrivals must come in non-decreasing time; an earlier one
/// (late delivery) is counted at the latest time seen, which keeps the recursion exact for
/// the sequence as tracked.
class HawkesIntensity {
 public:
  /// Until set_params() is called with a fit, the tracker runs with μ = 0, α = β = beta: λ is
  /// then the exponentially weighted arrival rate with time constant 1/beta.
  explicit HawkesIntensity(double beta = 1.0 / 30.0) noexcept;

  /// Records an arrival at t_ns. O(1).
  void on_event(std::int64_t t_ns) noexcept;
  /// λ(now) in arrivals/s; `now_ns` at or after the last arrival (earlier counts as equal).
  [[nodiscard]] double intensity(std::int64_t now_ns) const noexcept;
  /// S(now) = Σ e^{−β(now−tᵢ)} under the current β.
  [[nodiscard]] double excitation(std::int64_t now_ns) const noexcept;

  /// Switches to fitted parameters. Because S depends on β, the caller passes S at `t_ns`
  /// under the new β (the fit computes it over its window), and `t_ns` becomes the
  /// reference; arrivals after t_ns are then re-added with on_event().
  void set_params(const HawkesParams& p, double s_at_t, std::int64_t t_ns) noexcept;

  [[nodiscard]] double mu() const noexcept { return mu_; }
  [[nodiscard]] double alpha() const noexcept { return alpha_; }
  [[nodiscard]] double beta() const noexcept { return beta_; }
  [[nodiscard]] std::int64_t last_ns() const noexcept { return last_ns_; }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

 private:
  double mu_ = 0;
  double alpha_;
  double beta_;
  double s_ = 0;               // S at last_ns_
  std::int64_t last_ns_ = 0;   // 0: no arrival yet
  std::uint64_t count_ = 0;
};

struct HawkesFitOptions {
  /// Fewer events in the window than this: no estimate (NaN parameters).
  int min_events = 50;
  /// Centre of the starting grid for β (1/s), e.g. 1/hawkes.decay.
  double beta_hint = 1.0 / 30.0;
  /// L-BFGS iterations per start.
  int max_iterations = 200;
  /// The previous estimate, when there is one: Newton's method starts from it and, when it
  /// converges to a maximum, the multi-start grid is skipped (a refit a second later moves
  /// the optimum only slightly). NaN: a cold fit from the grid.
  HawkesParams warm_start;
};

struct HawkesFit {
  HawkesParams params;          // NaN when not estimated
  double log_likelihood = kAbsent;
  int events = 0;               // arrivals in [T0, T1]
  int iterations = 0;           // L-BFGS (or Newton) iterations summed over the starts
  bool converged = false;
  bool warm = false;            // refined from options.warm_start, without the grid
  /// S(T1) = Σ e^{−β(T1−tᵢ)} over the window's arrivals, under the fitted β (for
  /// HawkesIntensity::set_params). 0 when not estimated.
  double excitation_at_t1 = 0;
};

/// Log-likelihood of (μ, α, β) for `times_s` (sorted, seconds, all within [0, horizon_s]) on
/// [0, horizon_s]; optionally its gradient (∂/∂μ, ∂/∂α, ∂/∂β). −inf for invalid parameters.
[[nodiscard]] double hawkes_log_likelihood(const std::vector<double>& times_s, double horizon_s,
                                           double mu, double alpha, double beta,
                                           double* grad = nullptr) noexcept;
/// The same with the Hessian too (`hess` = ∂μμ, ∂μα, ∂μβ, ∂αα, ∂αβ, ∂ββ), in one pass; either
/// pointer may be null.
[[nodiscard]] double hawkes_log_likelihood(const std::vector<double>& times_s, double horizon_s,
                                           double mu, double alpha, double beta, double* grad,
                                           double* hess) noexcept;

/// Maximum-likelihood fit over the arrivals `times_ns` that fall in [t0_ns, t1_ns] (any order;
/// sorted internally when not in order). Deterministic. O(evaluations·n): a few Newton steps
/// from options.warm_start, else the multi-start grid and L-BFGS.
[[nodiscard]] HawkesFit fit_hawkes(const std::vector<std::int64_t>& times_ns, std::int64_t t0_ns,
                                   std::int64_t t1_ns, const HawkesFitOptions& options);

}  // namespace levdyn::core
