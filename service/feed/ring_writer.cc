#include "service/feed/ring_writer.h"

#include <algorithm>
#include <chrono>

namespace levdyn::feed {

RingWriter::RingWriter(boost::asio::io_context& ioc, core::SpscQueue<core::NormalizedEvent>& ring,
                       FeedStats& stats)
    : timer_(ioc), ring_(ring), stats_(stats) {
  pending_.reserve(4096);
}

bool RingWriter::push(std::span<const core::NormalizedEvent> events, core::Venue venue) {
  std::size_t i = 0;
  if (pending_.empty()) {
    for (; i < events.size(); ++i) {
      if (ring_.try_push(events[i])) continue;
      if (!consumer_) break;
      consumer_();  // in line: make room
      if (!ring_.try_push(events[i])) break;
    }
    if (parker_ != nullptr && i > 0) parker_->unpark();
    if (consumer_ && i > 0) consumer_();
    if (i == events.size()) return true;
    // The ring is full: count the stall (levdyn_queue_full_total) and keep the rest.
    stats_.queue_full_total.fetch_add(1, std::memory_order_relaxed);
    stats_.of(venue).queue_full.fetch_add(1, std::memory_order_relaxed);
  }
  pending_.insert(pending_.end(), events.begin() + static_cast<std::ptrdiff_t>(i), events.end());
  schedule_retry();
  return false;
}

void RingWriter::on_drained(std::function<void()> resume) {
  if (pending_.empty()) {
    resume();
    return;
  }
  waiters_.push_back(std::move(resume));
}

void RingWriter::schedule_retry() {
  if (retry_armed_) return;
  retry_armed_ = true;
  timer_.expires_after(std::chrono::microseconds(backoff_us_));
  timer_.async_wait([this](boost::system::error_code ec) {
    retry_armed_ = false;
    if (ec) return;
    retry();
  });
}

void RingWriter::retry() {
  while (pending_head_ < pending_.size() && ring_.try_push(pending_[pending_head_])) {
    ++pending_head_;
  }
  if (parker_ != nullptr) parker_->unpark();
  if (consumer_) consumer_();
  if (pending_head_ < pending_.size()) {
    backoff_us_ = std::min(backoff_us_ * 2, 1000);  // the engine is behind: back off to 1 ms
    schedule_retry();
    return;
  }
  pending_.clear();
  pending_head_ = 0;
  backoff_us_ = 20;
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& w : waiters) w();
}

}  // namespace levdyn::feed
