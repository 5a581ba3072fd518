#pragma once

// The HTTP server (Beast, HTTP/1.1, its own io_context thread): REST routes, /metrics,
// /healthz, /readyz, and the WebSocket push stream /v1/stream. Bounded: header size (431),
// body size (413), garbage (400), a header timeout (slowloris), http.max_connections, and
// idle keep-alive connections reaped after http.idle_timeout.
//
// Push stream protocol (DESIGN §6): the client sends
//   {"op":"subscribe","topics":["metrics.BTC","liquidations.BTC","cascades"]}   (or "unsubscribe")
// and receives {"op":"subscribed","topics":[…]} then {"topic":"…","data":{…}} messages: metrics
// at most every stream interval, liquidations and cascade changes as they happen. A client
// whose send queue exceeds its bound is closed with code 1008 "slow consumer" and counted; it
// never slows the engine or other clients.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "service/http/prom_exposition.h"
#include "service/http/router.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace levdyn::http {

struct ServerConfig {
  std::string listen = "0.0.0.0:8080";  // port 0 = ephemeral
  int max_connections = 1024;
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds header_timeout{10'000};
  std::size_t max_header_bytes = 8192;
  std::size_t max_body_bytes = 1u << 20;
  std::chrono::milliseconds stream_interval{1000};
  std::chrono::milliseconds stream_poll{20};
  std::size_t stream_max_queue_messages = 256;
  std::size_t stream_max_queue_bytes = 4u << 20;
};

/// Thread-safety: start()/stop() from one thread. Everything else runs on the server thread.
class Server {
 public:
  /// `context` must outlive the server. Its exposition reads `counters()`.
  Server(ServerConfig config, ApiContext context);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and starts the thread. Throws std::runtime_error naming the address on failure.
  void start();
  /// Stops accepting new connections (existing ones are served until stop()).
  void stop_accepting();
  /// Closes every connection and joins the thread (bounded by ~1 s).
  void stop();

  [[nodiscard]] std::uint16_t port() const noexcept;
  /// The HTTP thread's own counters (read them on the HTTP thread, i.e. from /metrics).
  [[nodiscard]] HttpCounters& counters() noexcept;
  /// The request context; may be completed (e.g. its exposition) before start().
  [[nodiscard]] ApiContext& context() noexcept;

 private:
  struct Impl;
  // Declared before impl_, so destroyed after it: handlers still queued at exit hold the Impl,
  // and destroying the io_context destroys them, which frees the Impl (no ownership cycle).
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace levdyn::http
