#pragma once

// Polls a venue's REST endpoints (e.g. Binance open interest) over one keep-alive HTTPS
// connection, within the venue's request-weight budget, honouring Retry-After on 429/418, and
// hands each body to the codec like a frame (channel "rest").

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "service/feed/feed_stats.h"
#include "service/feed/ring_writer.h"
#include "service/feed/url.h"
#include "service/feed/ws_session.h"
#include "service/venues/codec.h"

namespace levdyn::feed {

/// A token bucket over request weight: `per_minute` weight refills evenly over a minute.
class WeightBudget {
 public:
  explicit WeightBudget(int per_minute) noexcept;
  /// Takes `weight` if available at `now`; otherwise returns the wait until it will be.
  [[nodiscard]] std::chrono::milliseconds take(int weight, std::chrono::steady_clock::time_point now);

 private:
  double capacity_;
  double tokens_;
  double per_ms_;
  std::chrono::steady_clock::time_point last_{};
};

/// Parses a Retry-After value (delta seconds; HTTP dates are treated as `fallback`).
[[nodiscard]] std::chrono::milliseconds parse_retry_after(std::string_view value,
                                                          std::chrono::milliseconds fallback);

/// Not thread-safe: lives on its feed thread's io_context.
class RestPoller : public std::enable_shared_from_this<RestPoller> {
 public:
  RestPoller(boost::asio::io_context& ioc, std::shared_ptr<boost::asio::ssl::context> tls,
             bool verify, venues::Codec& codec, std::string rest_url,
             std::vector<venues::RestPoll> polls, venues::RestBudget budget, FeedTuning tuning,
             RingWriter& writer, FeedStats& stats, FrameTap tap = {});
  ~RestPoller();

  void start();
  void stop();

 private:
  struct Conn;
  using ConnPtr = std::shared_ptr<Conn>;
  using TimePoint = std::chrono::steady_clock::time_point;

  void schedule();
  void run_due();
  void request(std::size_t index);
  void on_connected(ConnPtr c, std::size_t index, boost::system::error_code ec);
  void send_request(ConnPtr c, std::size_t index);
  void on_response(ConnPtr c, std::size_t index, boost::system::error_code ec);
  void finish(std::size_t index, std::chrono::milliseconds next_in);
  void drop_conn();

  boost::asio::io_context& ioc_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  bool verify_;
  venues::Codec& codec_;
  std::string rest_url_;
  Url url_;
  bool url_ok_ = false;
  std::vector<venues::RestPoll> polls_;
  std::vector<TimePoint> due_;
  std::vector<int> failures_;
  WeightBudget budget_;
  FeedTuning tuning_;
  RingWriter& writer_;
  FeedStats& stats_;
  VenueFeedStats& vstats_;
  FrameTap tap_;
  boost::asio::steady_timer timer_;
  ConnPtr conn_;
  TimePoint paused_until_{};
  std::vector<core::NormalizedEvent> events_;
  std::string reply_;
  bool busy_ = false;
  bool stopping_ = false;
  std::uint64_t errors_logged_ = 0;
};

/// Result of a one-off HTTPS GET (start-up metadata fetch).
struct HttpsResult {
  bool ok = false;        // transport succeeded (any status)
  int status = 0;
  std::string body;
  std::string error;      // transport error, when !ok
};

/// Blocking HTTPS GET with an overall timeout. Start-up only (creates its own io_context).
[[nodiscard]] HttpsResult https_get(const std::string& url, const TlsSettings& tls,
                                    std::chrono::milliseconds timeout);

}  // namespace levdyn::feed
