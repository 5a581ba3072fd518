#include "core/cascade_detector.h"

#include <algorithm>
#include <cmath>

namespace levdyn::core {

namespace {
constexpr double kNsPerSecond = 1e9;

std::uint8_t venue_bit(Venue v) noexcept {
  const int i = static_cast<int>(v);
  return i >= 0 && i < 8 ? static_cast<std::uint8_t>(1u << i) : 0;
}

double ratio_change(double from, double to) noexcept {
  if (!present(from) || !present(to) || from == 0.0) return kAbsent;
  return (to - from) / from;
}
}  // namespace

// ---- BucketedSum -------------------------------------------------------------------------------

BucketedSum::BucketedSum(std::int64_t window_ns, int buckets)
    : width_ns_(std::max<std::int64_t>(1, window_ns / std::max(1, buckets))),
      n_(std::max(1, buckets)),
      buckets_(static_cast<std::size_t>(n_)) {}

std::int64_t BucketedSum::index_of(std::int64_t t) const noexcept {
  std::int64_t q = t / width_ns_;
  if (t % width_ns_ < 0) --q;  // floor for times before the epoch
  return q;
}

std::size_t BucketedSum::slot(std::int64_t idx) const noexcept {
  return static_cast<std::size_t>(((idx % n_) + n_) % n_);
}

void BucketedSum::recompute() noexcept {
  double s = 0;
  for (const Bucket& b : buckets_) s += b.v;
  sum_ = s;
}

void BucketedSum::advance(std::int64_t t_ns) noexcept {
  const std::int64_t idx = index_of(t_ns);
  if (head_ == INT64_MIN) {
    head_ = idx;
    return;
  }
  if (idx <= head_) return;
  if (idx - head_ >= n_) {
    for (Bucket& b : buckets_) b = Bucket{};
  } else {
    std::size_t s = slot(head_ + 1);
    for (std::int64_t k = head_ + 1; k <= idx; ++k) {
      buckets_[s] = {k, 0};
      if (++s == buckets_.size()) s = 0;
    }
  }
  head_ = idx;
  recompute();  // at most once per bucket width: keeps the running sum free of drift
}

bool BucketedSum::add(std::int64_t t_ns, double v) noexcept {
  const std::int64_t idx = index_of(t_ns);
  if (head_ == INT64_MIN || idx > head_) advance(t_ns);
  if (idx <= head_ - n_) return false;
  Bucket& b = buckets_[slot(idx)];
  if (b.idx != idx) b = {idx, 0};
  b.v += v;
  sum_ += v;
  return true;
}

std::int64_t BucketedSum::time_below(double level) const noexcept {
  if (head_ == INT64_MIN) return 0;
  double running = sum_;
  if (running < level) return head_ * width_ns_;
  const double eps = 1e-9 * std::fabs(sum_);
  // The slot steps with k and wraps: one modulo for the walk, not two per bucket (this runs on
  // every liquidation of an episode, over 100 buckets by default).
  std::size_t s = slot(head_ - n_ + 1);
  for (std::int64_t k = head_ - n_ + 1; k <= head_; ++k) {
    const Bucket& b = buckets_[s];
    if (++s == buckets_.size()) s = 0;
    if (b.idx == k) running -= b.v;
    if (running < level || running <= eps) return (k + n_) * width_ns_;
  }
  return (head_ + n_) * width_ns_;
}

// ---- CascadeDetector ---------------------------------------------------------------------------

CascadeDetector::CascadeDetector(const CascadeConfig& config, AssetId asset,
                                 std::int64_t observing_since_ns)
    : cfg_(config),
      asset_(asset),
      rate_(config.rate_window_ns, config.rate_buckets),
      baseline_(config.baseline_window_ns, config.baseline_buckets),
      calm_recent_(config.rate_window_ns, config.rate_buckets),
      calm_time_(config.baseline_window_ns, config.baseline_buckets),
      clock_(observing_since_ns) {
  rec_.asset = asset;
  rec_.peak_eta = kAbsent;
  rec_.oi_change_pct = rec_.price_change_pct = kAbsent;
}

double CascadeDetector::rate_usd_s() const noexcept {
  return rate_.sum() / (static_cast<double>(rate_.window_ns()) / kNsPerSecond);
}

double CascadeDetector::baseline_from(double usd) const noexcept {
  const double min_s = static_cast<double>(rate_.window_ns()) / kNsPerSecond;
  return std::max(usd, 0.0) / std::max(calm_time_.sum(), min_s);
}

double CascadeDetector::trigger_baseline_usd_s() const noexcept {
  // The history before the current rate window, once it is at least one window long: the
  // build-up being judged must not raise the bar it is judged against (with a short history
  // it would dominate it: 20 s of calm and a 10× burst never trigger).
  const double window_s = static_cast<double>(rate_.window_ns()) / kNsPerSecond;
  const double history_s = calm_time_.sum() - window_s;
  if (history_s >= window_s) return std::max(baseline_.sum() - calm_recent_.sum(), 0.0) / history_s;
  return baseline_from(baseline_.sum());  // start-up: everything seen so far, current 10 s too
}

double CascadeDetector::baseline_usd_s() const noexcept {
  if (rec_.active) return frozen_baseline_;
  return baseline_from(baseline_.sum());
}

void CascadeDetector::advance_clock(std::int64_t t_ns) noexcept {
  if (clock_ == 0) {
    clock_ = t_ns;
    return;
  }
  if (t_ns <= clock_) return;
  if (!rec_.active) calm_time_.add(t_ns, static_cast<double>(t_ns - clock_) / kNsPerSecond);
  clock_ = t_ns;
}

double CascadeDetector::exit_level_usd_s() const noexcept {
  return std::max(cfg_.exit_ratio * baseline_usd_s(), cfg_.floor_usd_s);
}

void CascadeDetector::refresh_changes() noexcept {
  rec_.oi_change_pct = ratio_change(oi_start_, oi_end_);
  rec_.price_change_pct = ratio_change(px_start_, px_end_);
}

void CascadeDetector::close(Update& u) noexcept {
  rec_.active = false;
  above_ = false;
  rec_.end_ns = end_ns_;
  refresh_changes();
  pending_long_ = pending_short_ = 0;
  pending_venues_ = 0;
  u.ended = true;
  u.closed = rec_;
}

void CascadeDetector::check_fall(std::int64_t now_ns, Update& u) noexcept {
  if (!rec_.active || !above_) return;
  const double level = exit_level_usd_s() * (static_cast<double>(rate_.window_ns()) / kNsPerSecond);
  const std::int64_t t = rate_.time_below(level);
  if (t > now_ns) return;
  above_ = false;
  end_ns_ = std::max(t, rec_.start_ns);
  u.fell = true;
}

CascadeDetector::Update CascadeDetector::on_tick(std::int64_t now_ns) noexcept {
  Update u;
  advance_clock(now_ns);
  check_fall(now_ns, u);
  if (rec_.active && !above_ && now_ns - end_ns_ >= cfg_.quiet_ns) close(u);
  return u;
}

CascadeDetector::Update CascadeDetector::on_liquidation(std::int64_t t_ns, double usd,
                                                        Position position, Venue venue) noexcept {
  Update u;
  if (!present(usd) || usd < 0) usd = 0;
  advance_clock(t_ns);
  check_fall(t_ns, u);
  if (rec_.active && !above_ && t_ns - end_ns_ >= cfg_.quiet_ns) close(u);
  const bool is_long = position == Position::kLong;
  rate_.add(t_ns, usd);
  calm_recent_.advance(t_ns);
  const double r = rate_usd_s();

  if (rec_.active) {
    (is_long ? pending_long_ : pending_short_) += usd;
    pending_venues_ |= venue_bit(venue);
    if (r >= exit_level_usd_s()) {
      above_ = true;  // (again): the episode goes on
      rec_.long_usd += pending_long_;
      rec_.short_usd += pending_short_;
      rec_.venues |= pending_venues_;
      pending_long_ = pending_short_ = 0;
      pending_venues_ = 0;
      rec_.peak_rate_usd_s = std::max(rec_.peak_rate_usd_s, r);
    }
    return u;
  }

  baseline_.advance(t_ns);
  calm_time_.advance(t_ns);
  const double b = trigger_baseline_usd_s();
  if (r >= cfg_.trigger_ratio * b && r >= cfg_.floor_usd_s) {
    // The build-up already in the rate window belongs to the episode, not to the baseline.
    baseline_.add(t_ns, -calm_recent_.sum());
    frozen_baseline_ = baseline_from(baseline_.sum());
    rec_ = CascadeRecord{};
    rec_.asset = asset_;
    rec_.active = true;
    rec_.start_ns = t_ns;
    rec_.end_ns = 0;
    end_ns_ = t_ns;
    above_ = true;
    rec_.peak_rate_usd_s = r;
    rec_.long_usd = is_long ? usd : 0;
    rec_.short_usd = is_long ? 0 : usd;
    rec_.venues = venue_bit(venue);
    rec_.peak_eta = last_eta_;
    rec_.oi_change_pct = rec_.price_change_pct = kAbsent;
    oi_start_ = px_start_ = oi_end_ = px_end_ = kAbsent;
    ++episodes_;
    u.started = true;
    return u;
  }
  baseline_.add(t_ns, usd);
  calm_recent_.add(t_ns, usd);
  return u;
}

void CascadeDetector::set_start_state(double oi_base, double price) noexcept {
  oi_start_ = oi_end_ = oi_base;
  px_start_ = px_end_ = price;
  refresh_changes();
}

void CascadeDetector::set_end_state(double oi_base, double price) noexcept {
  oi_end_ = oi_base;
  px_end_ = price;
  refresh_changes();
}

void CascadeDetector::note_eta(double eta) noexcept {
  last_eta_ = eta;
  if (!rec_.active || !present(eta)) return;
  rec_.peak_eta = present(rec_.peak_eta) ? std::max(rec_.peak_eta, eta) : eta;
}

}  // namespace levdyn::core
