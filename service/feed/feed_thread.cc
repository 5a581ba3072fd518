#include "service/feed/feed_thread.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <future>

#include "service/feed/log.h"
#include "service/feed/sched_slice.h"
#include "service/feed/thread_name.h"

namespace levdyn::feed {

FeedThread::FeedThread(std::size_t ring_capacity, FeedStats& stats, TlsSettings tls,
                       FeedTuning tuning, FrameTap tap)
    : ioc_(1),
      ring_(ring_capacity),
      stats_(stats),
      tls_settings_(std::move(tls)),
      tls_(make_client_tls_context(tls_settings_)),
      tuning_(tuning),
      tap_(std::move(tap)),
      writer_(ioc_, ring_, stats_) {}

FeedThread::~FeedThread() { stop(); }

void FeedThread::add_venue(std::unique_ptr<venues::Codec> codec,
                           const venues::VenueSettings& settings) {
  Venue v;
  v.settings = settings;
  auto& vs = stats_.of(codec->venue());
  vs.enabled = true;
  vs.liquidations_available = codec->liquidations_available();
  vs.completeness = std::string(codec->liquidation_completeness());
  const auto endpoints = codec->ws_endpoints();
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    v.sessions.push_back(std::make_shared<WsSession>(
        ioc_, tls_, tls_settings_.verify, *codec, static_cast<std::uint16_t>(i), endpoints[i],
        settings.silence_timeout, tuning_, writer_, stats_, tap_));
  }
  auto polls = codec->rest_polls();
  if (!polls.empty()) {
    v.poller = std::make_shared<RestPoller>(ioc_, tls_, tls_settings_.verify, *codec,
                                            settings.rest_url, std::move(polls),
                                            codec->rest_budget(), tuning_, writer_, stats_, tap_);
  }
  v.codec = std::move(codec);
  venues_.push_back(std::move(v));
}

void FeedThread::set_consumer(std::function<void()> consume, std::chrono::milliseconds period) {
  consume_ = consume;
  period_ = period;
  writer_.set_consumer(std::move(consume));
}

void FeedThread::arm_tick() {
  tick_->expires_after(period_);
  tick_->async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    consume_();
    arm_tick();
  });
}

void FeedThread::start() {
  if (started_) return;
  started_ = true;
  for (auto& v : venues_) {
    for (auto& s : v.sessions) boost::asio::post(ioc_, [s] { s->start(); });
    if (v.poller) boost::asio::post(ioc_, [p = v.poller] { p->start(); });
  }
  if (consume_) {
    tick_ = std::make_unique<boost::asio::steady_timer>(ioc_);
    boost::asio::post(ioc_, [this] { arm_tick(); });
  }
  thread_ = std::thread([this] {
    set_thread_name("levdyn-feed");
    // A short scheduler slice: a frame's wake-up preempts the HTTP thread (sched_slice.h).
    (void)request_short_slice(std::chrono::microseconds(100));
    auto guard = boost::asio::make_work_guard(ioc_);
    ioc_.run();
  });
}

void FeedThread::stop() {
  if (!started_) return;
  started_ = false;
  std::promise<void> closed;
  auto done = closed.get_future();
  boost::asio::post(ioc_, [this, &closed] {
    for (auto& v : venues_) {
      for (auto& s : v.sessions) s->stop();
      if (v.poller) v.poller->stop();
    }
    closed.set_value();
  });
  done.wait_for(std::chrono::seconds(2));
  // Give close handshakes their bounded time, then stop the loop.
  auto deadline = std::chrono::steady_clock::now() + tuning_.close_timeout +
                  std::chrono::milliseconds(200);
  while (std::chrono::steady_clock::now() < deadline) {
    bool any_up = false;
    for (auto& v : venues_) {
      for (auto& s : v.sessions) any_up = any_up || s.use_count() > 1;  // handlers still pending
    }
    if (!any_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ioc_.stop();
  if (thread_.joinable()) thread_.join();
  tick_.reset();
}

}  // namespace levdyn::feed
