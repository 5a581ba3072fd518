#pragma once

// One feed thread: an io_context running every WebSocket session and REST poller of the venues
// assigned to it, decoding frames where they arrive and pushing events into its own SPSC ring
// (DESIGN §1). The engine thread is the ring's consumer, or this thread itself when the engine
// runs in line (set_consumer).

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "core/events.h"
#include "core/spsc_queue.h"
#include "service/feed/feed_stats.h"
#include "service/feed/rest_poller.h"
#include "service/feed/ring_writer.h"
#include "service/feed/ws_session.h"
#include "service/venues/codec.h"

namespace levdyn::feed {

class FeedThread {
 public:
  /// `ring_capacity` events of ring between this thread and the engine.
  FeedThread(std::size_t ring_capacity, FeedStats& stats, TlsSettings tls, FeedTuning tuning,
             FrameTap tap = {});
  ~FeedThread();
  FeedThread(const FeedThread&) = delete;
  FeedThread& operator=(const FeedThread&) = delete;

  /// Adds a venue before start(): its codec (owned from now on), settings for URLs and timers.
  void add_venue(std::unique_ptr<venues::Codec> codec, const venues::VenueSettings& settings);

  void start();
  /// Closes every connection (close frames, bounded by FeedTuning::close_timeout) and joins.
  void stop();

  [[nodiscard]] core::SpscQueue<core::NormalizedEvent>& ring() noexcept { return ring_; }
  /// Wakes the engine after each push; set before start().
  void set_parker(Parker* parker) noexcept { writer_.set_parker(parker); }
  /// The engine in line: this thread calls `consume` (which drains the ring) after every push
  /// and every `period`; set before start(), instead of set_parker().
  void set_consumer(std::function<void()> consume, std::chrono::milliseconds period);
  [[nodiscard]] boost::asio::io_context& io_context() noexcept { return ioc_; }

 private:
  /// Runs consume_ every period_ on this thread, for as long as the io_context runs.
  void arm_tick();

  struct Venue {
    std::unique_ptr<venues::Codec> codec;
    venues::VenueSettings settings;
    std::vector<std::shared_ptr<WsSession>> sessions;
    std::shared_ptr<RestPoller> poller;
  };

  boost::asio::io_context ioc_;
  core::SpscQueue<core::NormalizedEvent> ring_;
  FeedStats& stats_;
  TlsSettings tls_settings_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  FeedTuning tuning_;
  FrameTap tap_;
  RingWriter writer_;
  std::vector<Venue> venues_;
  std::thread thread_;
  bool started_ = false;
  std::function<void()> consume_;
  std::chrono::milliseconds period_{0};
  std::unique_ptr<boost::asio::steady_timer> tick_;
};

}  // namespace levdyn::feed
