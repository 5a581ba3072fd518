#pragma once

// The exchange simulator: one TLS server on loopback speaking each simulated venue's real
// wire format — wss streams and https REST on the same port, routed by the first path segment
// ("/binance/...") — driven by the shared MarketModel. Used by `levdyn demo`, `levdyn sim` and
// the tests.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/events.h"
#include "service/sim/fault_plan.h"
#include "service/sim/venue_protocol.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace levdyn::sim {

struct SimulatorConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;           // 0 = ephemeral
  std::string scenario = "cascade";
  std::uint64_t seed = 42;
  std::size_t max_queued_frames = 20'000;  // per client; a client that falls behind is dropped
  FaultPlan faults;  // applied on the tick after each fault's `at` (100 ms resolution)
};

/// Thread-safety: start()/stop() from one thread; accessors from any thread.
class ExchangeSimulator {
 public:
  /// Throws std::invalid_argument for an unknown scenario.
  explicit ExchangeSimulator(SimulatorConfig config);
  ~ExchangeSimulator();
  ExchangeSimulator(const ExchangeSimulator&) = delete;
  ExchangeSimulator& operator=(const ExchangeSimulator&) = delete;

  /// Binds and starts the server thread. Throws std::runtime_error when it cannot bind.
  void start();
  void stop();

  [[nodiscard]] std::uint16_t port() const noexcept;
  /// PEM file of the server's self-signed certificate (the client's tls.ca_file).
  [[nodiscard]] const std::string& ca_file() const noexcept;
  [[nodiscard]] bool supports(core::Venue venue) const noexcept;
  [[nodiscard]] std::string ws_url(core::Venue venue) const;
  [[nodiscard]] std::string rest_url(core::Venue venue) const;
  /// Counters of what a venue sent (a copy taken on the simulator thread).
  [[nodiscard]] VenueCounters counters(core::Venue venue) const;
  /// The scenario's phase at wall time `t_ns` and its start time.
  [[nodiscard]] Phase phase_at(std::int64_t t_ns) const;
  [[nodiscard]] std::int64_t start_ns() const;
  [[nodiscard]] const ScenarioSpec& scenario() const;

  /// Fault injection: drops every connection of `venue` without a close frame (TCP reset).
  void drop_connections(core::Venue venue);
  /// TLS handshakes answered with plain HTTP so far (the `tls` fault).
  [[nodiscard]] std::uint64_t tls_failures_sent() const;
  /// Every venue's counters as JSON, as GET /_sim/counters serves them.
  [[nodiscard]] std::string counters_json() const;

 private:
  struct Impl;
  // Declared before impl_, so destroyed after it: handlers still queued at exit hold the Impl,
  // and destroying the io_context destroys them, which frees the Impl (no ownership cycle).
  std::unique_ptr<boost::asio::io_context> ioc_;
  std::shared_ptr<Impl> impl_;  // shared: in-flight handlers keep it alive
};

}  // namespace levdyn::sim
