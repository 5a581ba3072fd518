#pragma once

// The producer side of a feed thread's SPSC ring. Never drops an event: what does not fit goes
// to a small pending list, the caller stops reading its socket (TCP backpressure reaches the
// exchange) and is called back once the engine has made room.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <span>
#include <vector>

#include "core/events.h"
#include "core/spsc_queue.h"
#include "service/feed/feed_stats.h"
#include "service/feed/parker.h"

namespace levdyn::feed {

/// Not thread-safe: owned by one feed thread (the ring's single producer).
class RingWriter {
 public:
  RingWriter(boost::asio::io_context& ioc, core::SpscQueue<core::NormalizedEvent>& ring,
             FeedStats& stats);

  /// The engine's parker, woken after every push (optional).
  void set_parker(Parker* parker) noexcept { parker_ = parker; }
  /// The ring's consumer on this thread (the engine in line): called after every push, and
  /// when the ring is full, to drain it.
  void set_consumer(std::function<void()> consumer) { consumer_ = std::move(consumer); }

  /// Pushes events in order. Returns true when all are in the ring; false when some wait in
  /// the pending list, in which case the caller must pause and resume in on_drained().
  bool push(std::span<const core::NormalizedEvent> events, core::Venue venue);
  /// Runs `resume` once every pending event is in the ring (immediately if none are pending).
  void on_drained(std::function<void()> resume);

  [[nodiscard]] bool backlogged() const noexcept { return !pending_.empty(); }
  [[nodiscard]] std::size_t pending() const noexcept { return pending_.size(); }
  [[nodiscard]] std::size_t depth() const noexcept { return ring_.size(); }

 private:
  void schedule_retry();
  void retry();

  boost::asio::steady_timer timer_;
  core::SpscQueue<core::NormalizedEvent>& ring_;
  FeedStats& stats_;
  std::vector<core::NormalizedEvent> pending_;
  std::size_t pending_head_ = 0;
  std::vector<std::function<void()>> waiters_;
  Parker* parker_ = nullptr;
  std::function<void()> consumer_;
  bool retry_armed_ = false;
  int backoff_us_ = 20;
};

}  // namespace levdyn::feed
