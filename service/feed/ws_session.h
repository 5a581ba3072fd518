#pragma once

// The generic exchange WebSocket session (Beast over TLS): resolve → connect → TLS handshake →
// WebSocket handshake → subscribe → read loop, with a timeout at every stage, the venue's
// heartbeat, a silence watchdog (ping, then reconnect), reconnects with exponential backoff
// and jitter, scheduled rotation before a venue's connection age limit, a maximum frame size,
// and ring backpressure (the next read is armed only once the decoded events are in the ring).
// Everything venue-specific comes from the venues::Codec.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/events.h"
#include "service/feed/feed_stats.h"
#include "service/feed/feed_types.h"
#include "service/feed/ring_writer.h"
#include "service/feed/url.h"
#include "service/venues/codec.h"

namespace levdyn::feed {

/// Builds the client TLS context. Throws std::runtime_error with a clear message when the CA
/// file cannot be loaded (start-up only).
[[nodiscard]] std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(
    const TlsSettings& tls);

/// Clock readings; one pair per frame.
[[nodiscard]] std::int64_t wall_now_ns() noexcept;
[[nodiscard]] std::int64_t steady_now_ns() noexcept;

/// One WebSocket endpoint of one venue. Not thread-safe: lives on its feed thread's
/// io_context. Create with std::make_shared and call start(); stop() closes it.
class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(boost::asio::io_context& ioc, std::shared_ptr<boost::asio::ssl::context> tls,
            bool verify, venues::Codec& codec, std::uint16_t endpoint_index,
            venues::WsEndpoint endpoint, std::chrono::milliseconds silence_timeout,
            FeedTuning tuning, RingWriter& writer, FeedStats& stats, FrameTap tap = {});
  ~WsSession();

  void start();
  /// Stops reconnecting and closes the connection (close frame, then the socket).
  void stop();

  [[nodiscard]] bool up() const noexcept;
  [[nodiscard]] std::uint64_t attempts() const noexcept { return attempts_total_; }
  /// Delay before reconnect attempt number `attempt` (0-based) — exponential with equal jitter:
  /// d = min(max, initial·2^attempt), uniform in [d/2, d].
  [[nodiscard]] static std::chrono::milliseconds backoff_delay(const FeedTuning& tuning,
                                                               int attempt, std::mt19937_64& rng);

 private:
  struct Conn;
  using ConnPtr = std::shared_ptr<Conn>;

  void connect();
  void on_resolve(ConnPtr c, boost::system::error_code ec, const void* results);
  void on_connect(ConnPtr c, boost::system::error_code ec);
  void on_tls_handshake(ConnPtr c, boost::system::error_code ec);
  void on_ws_handshake(ConnPtr c, boost::system::error_code ec);
  void do_read(ConnPtr c);
  void on_read(ConnPtr c, boost::system::error_code ec, std::size_t bytes);
  void send(ConnPtr c, std::string text);
  void do_write(ConnPtr c);
  void on_write(ConnPtr c, boost::system::error_code ec);
  void arm_heartbeat(ConnPtr c);
  void arm_watchdog(ConnPtr c);
  void arm_rotation(ConnPtr c);
  /// `steady`: the frame's receive time on the steady clock (steady_now_ns()'s scale).
  void handle_frame(ConnPtr c, std::string_view payload, bool text, std::int64_t steady);
  /// Logs, counts (levdyn_feed_reconnects_total{reason}) and schedules the reconnect.
  void fail(ConnPtr c, core::FeedReason reason, boost::system::error_code ec,
            std::string_view stage);
  void close_conn(const ConnPtr& c);
  void push_status(bool up, core::FeedReason reason);
  void schedule_reconnect(std::chrono::milliseconds delay);

  boost::asio::io_context& ioc_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  bool verify_;
  venues::Codec& codec_;
  std::uint16_t index_;
  venues::WsEndpoint endpoint_;
  Url url_;
  std::string url_error_;
  std::chrono::milliseconds silence_timeout_;
  FeedTuning tuning_;
  RingWriter& writer_;
  VenueFeedStats& vstats_;
  FrameTap tap_;
  venues::Heartbeat heartbeat_;
  std::chrono::seconds max_age_;
  boost::asio::steady_timer reconnect_timer_;
  ConnPtr conn_;
  std::vector<core::NormalizedEvent> events_;
  std::string reply_;
  std::mt19937_64 rng_;
  int attempt_ = 0;
  std::uint64_t attempts_total_ = 0;
  std::uint64_t errors_logged_ = 0;
  bool stopping_ = false;
};

}  // namespace levdyn::feed
