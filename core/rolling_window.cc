#include "core/rolling_window.h"

#include <algorithm>
#include <limits>

namespace levdyn::core {

namespace {
std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
}  // namespace

RollingWindow::RollingWindow(std::int64_t window_ns, int buckets, std::pmr::memory_resource* memory)
    : window_ns_(window_ns > 0 ? window_ns : 1),
      width_ns_(std::max<std::int64_t>(1, window_ns_ / std::max(buckets, 1))),
      n_(std::max(buckets, 1)),
      buckets_(static_cast<std::size_t>(n_), memory),
      samples_(static_cast<std::size_t>(2 * n_ + 2), memory) {}

std::int64_t RollingWindow::bucket_of(std::int64_t t) const noexcept {
  return floor_div(t, width_ns_);
}

void RollingWindow::set_head_span() noexcept {
  // Not representable for times near the int64 limits (fuzzed input): an empty span then
  // turns the fast paths off and every call takes the dividing path.
  if (__builtin_mul_overflow(head_, width_ns_, &head_start_ns_) ||
      __builtin_add_overflow(head_start_ns_, width_ns_, &head_end_ns_)) {
    head_start_ns_ = std::numeric_limits<std::int64_t>::max();
    head_end_ns_ = std::numeric_limits<std::int64_t>::min();
  }
}

std::size_t RollingWindow::slot_of(std::int64_t idx) const noexcept {
  return static_cast<std::size_t>((idx % n_ + n_) % n_);
}

void RollingWindow::expire(Bucket& b) noexcept {
  if (b.idx < 0) return;
  sums_.liq_long_usd -= b.s.liq_long_usd;
  sums_.liq_short_usd -= b.s.liq_short_usd;
  sums_.volume_usd -= b.s.volume_usd;
  sums_.liq_long_n -= b.s.liq_long_n;
  sums_.liq_short_n -= b.s.liq_short_n;
  sums_.trades_n -= b.s.trades_n;
  if (b.gap) --gap_buckets_;
  b = Bucket{};
  normalise_sums();
}

// Running sums of doubles drift under add/subtract; an empty component is reset to exactly 0.
void RollingWindow::normalise_sums() noexcept {
  if (sums_.liq_long_n == 0) sums_.liq_long_usd = 0;
  if (sums_.liq_short_n == 0) sums_.liq_short_usd = 0;
  if (sums_.trades_n == 0) sums_.volume_usd = 0;
}

void RollingWindow::advance(std::int64_t now_ns) noexcept {
  if (now_ns < head_end_ns_ && head_ >= 0) return;  // still in the head bucket (no division)
  const std::int64_t target = bucket_of(now_ns);
  if (head_ < 0) {
    head_ = target;
    Bucket& b = buckets_[slot_of(target)];
    b = Bucket{};
    b.idx = target;
    if (down_) {
      b.gap = true;
      ++gap_buckets_;
    }
    cur_ = b;
    set_head_span();
    refresh_lags();
    return;
  }
  if (target <= head_) return;
  buckets_[slot_of(head_)] = cur_;  // the ring is authoritative until the new head is loaded
  const std::int64_t m = 2 * n_ + 2;
  // Bounded work: a jump longer than the sample ring only needs the ring rewritten once.
  const std::int64_t from = std::max(head_ + 1, target - m + 1);
  const Sample carried{-1, last_base_, last_price_};
  for (std::int64_t k = from; k <= target; ++k) {
    Sample& s = samples_[static_cast<std::size_t>(k % m)];
    s = carried;
    s.idx = k;
    if (k > target - n_) {
      Bucket& b = buckets_[static_cast<std::size_t>(k % n_)];
      expire(b);
      b.idx = k;
      if (down_) {
        b.gap = true;
        ++gap_buckets_;
      }
    }
  }
  // Buckets skipped by a long jump still hold old data: expire every bucket outside the window.
  if (target - head_ > n_) {
    for (auto& b : buckets_) {
      if (b.idx >= 0 && b.idx <= target - n_) expire(b);
    }
  }
  head_ = target;
  cur_ = buckets_[slot_of(target)];
  set_head_span();
  refresh_lags();
}

RollingWindow::Bucket* RollingWindow::bucket_for(std::int64_t t) noexcept {
  if (head_ >= 0 && t >= head_start_ns_ && t < head_end_ns_) {
    // The common case: an event in the head bucket (no division, no ring access).
    if (first_idx_ < 0) first_idx_ = head_;
    return &cur_;
  }
  const std::int64_t idx = bucket_of(t);
  if (head_ < 0 || idx > head_) advance(t);
  if (idx <= head_ - n_) return nullptr;  // older than the window: totals only
  Bucket& b = idx == head_ ? cur_ : buckets_[slot_of(idx)];
  if (b.idx != idx) {
    if (b.idx >= 0) return nullptr;  // slot belongs to another bucket (cannot happen in range)
    b.idx = idx;
  }
  if (first_idx_ < 0 || idx < first_idx_) first_idx_ = idx;
  return &b;
}

void RollingWindow::add_liquidation(std::int64_t t_ns, Position position, double usd) noexcept {
  if (!present(usd) || usd < 0) return;
  Bucket* b = bucket_for(t_ns);
  if (b == nullptr) return;
  if (position == Position::kLong) {
    b->s.liq_long_usd += usd;
    ++b->s.liq_long_n;
    sums_.liq_long_usd += usd;
    ++sums_.liq_long_n;
  } else {
    b->s.liq_short_usd += usd;
    ++b->s.liq_short_n;
    sums_.liq_short_usd += usd;
    ++sums_.liq_short_n;
  }
}

void RollingWindow::add_volume(std::int64_t t_ns, double usd) noexcept {
  if (!present(usd) || usd < 0) return;
  Bucket* b = bucket_for(t_ns);
  if (b == nullptr) return;
  b->s.volume_usd += usd;
  ++b->s.trades_n;
  sums_.volume_usd += usd;
  ++sums_.trades_n;
}

void RollingWindow::set_state(std::int64_t t_ns, double base, double price) noexcept {
  if (head_ < 0 || t_ns >= head_end_ns_) advance(t_ns);
  if (first_idx_ < 0) first_idx_ = head_;
  if (present(base)) last_base_ = base;
  if (present(price)) last_price_ = price;
  const std::int64_t m = 2 * n_ + 2;
  Sample& s = samples_[static_cast<std::size_t>((head_ % m + m) % m)];
  s.idx = head_;
  s.base = last_base_;
  s.price = last_price_;
}

void RollingWindow::set_down(std::int64_t t_ns, bool down) noexcept {
  advance(t_ns);
  down_ = down;
  if (down && head_ >= 0) {
    if (cur_.idx == head_ && !cur_.gap) {
      cur_.gap = true;
      ++gap_buckets_;
    }
  }
}

// Samples older than the head bucket never change (set_state writes the head's), so the two
// lag samples are copied next to the sums whenever the head moves: publishing then reads no
// cold sample ring (one cache miss less per window and instrument).
void RollingWindow::refresh_lags() noexcept {
  const std::int64_t m = 2 * n_ + 2;
  for (int k = 1; k <= 2; ++k) {
    Sample& out = lag_[k - 1];
    out = Sample{};
    if (head_ < 0) continue;
    const std::int64_t idx = head_ - static_cast<std::int64_t>(k) * n_ - 1;
    const Sample& s = samples_[static_cast<std::size_t>((idx % m + m) % m)];
    if (s.idx == idx) out = s;
  }
}

bool RollingWindow::state_at_lag(int k, double& base, double& price) const noexcept {
  if (head_ < 0 || k < 1 || k > 2) return false;
  const Sample& s = lag_[k - 1];
  if (s.idx < 0 || !present(s.base) || !present(s.price)) return false;
  base = s.base;
  price = s.price;
  return true;
}

bool RollingWindow::partial() const noexcept {
  if (gap_buckets_ > 0) return true;
  return first_idx_ < 0 || first_idx_ > head_ - n_ + 1;
}

}  // namespace levdyn::core
