#pragma once

// A lock-free histogram of durations in seconds with fixed bucket bounds, for
// levdyn_pipeline_latency_seconds and levdyn_exchange_lag_seconds. Observe() is a few relaxed
// atomic adds (the engine thread calls it per event); a scrape reads the counters without
// stopping the writer, so a snapshot may be off by the observations in flight — never torn
// per bucket. prometheus-cpp's Histogram takes a mutex per Observe(), which the engine thread
// must not contend with a scrape.

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace levdyn::feed {

class LatencyHistogram {
 public:
  /// Upper bounds (seconds) of the finite buckets: 1 µs … 1 s, 1-2.5-5 per decade.
  static constexpr std::array<double, 19> kBounds = {
      1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3,
      2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1.0};

  void observe(double seconds) noexcept {
    std::size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    // Sum in nanoseconds as an integer: atomic and exact.
    sum_ns_.fetch_add(static_cast<std::int64_t>(seconds * 1e9), std::memory_order_relaxed);
  }

  struct Snapshot {
    std::array<std::uint64_t, kBounds.size() + 1> counts{};  // per bucket, last = +Inf
    std::uint64_t count = 0;
    double sum = 0;
    /// Quantile q ∈ (0,1) by linear interpolation inside the bucket (Prometheus'
    /// histogram_quantile rule); NaN when empty.
    [[nodiscard]] double quantile(double q) const noexcept;
  };
  [[nodiscard]] Snapshot snapshot() const noexcept {
    Snapshot s;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      s.counts[i] = counts_[i].load(std::memory_order_relaxed);
      s.count += s.counts[i];
    }
    s.sum = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
    return s;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> counts_{};
  std::atomic<std::int64_t> sum_ns_{0};
};

inline double LatencyHistogram::Snapshot::quantile(double q) const noexcept {
  if (count == 0) return __builtin_nan("");
  const double rank = q * static_cast<double>(count);
  std::uint64_t cum = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const std::uint64_t next = cum + counts[i];
    if (static_cast<double>(next) >= rank && counts[i] > 0) {
      if (i == kBounds.size()) return kBounds.back();
      const double lo = i == 0 ? 0.0 : kBounds[i - 1];
      const double hi = kBounds[i];
      return lo + (hi - lo) * (rank - static_cast<double>(cum)) / static_cast<double>(counts[i]);
    }
    cum = next;
  }
  return kBounds.back();
}

}  // namespace levdyn::feed
