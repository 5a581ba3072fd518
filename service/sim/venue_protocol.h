#pragma once

// One simulated venue's wire protocol: which WebSocket targets it accepts, how it answers
// client frames (acks, pongs, heartbeat rules), how it renders the shared market in its own
// format, and its REST endpoints. Each venue is one implementation (sim_<venue>.cc).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "service/sim/market_model.h"

namespace levdyn::sim {

/// Frames a protocol session wants sent, in order.
struct Outbox {
  std::vector<std::string> text;
  bool close = false;            // close the connection after sending (a rule was broken)
  std::uint16_t close_code = 1000;
  std::string close_reason;
};

/// Counters of what a venue sent, so tests can check nothing was lost or doubled.
/// Market events count once however many times a fault repeats their frame.
struct VenueCounters {
  std::uint64_t liquidations_sent = 0;  // valid distinct liquidation events rendered into frames
  std::uint64_t trades_sent = 0;        // valid distinct trades (Deribit, Hyperliquid)
  std::uint64_t frames_sent = 0;
  std::uint64_t connections = 0;
  std::uint64_t dropped_for_heartbeat = 0;
  // Fault injection (exchange_sim.cc): what each fault actually did.
  std::uint64_t faults_applied = 0;
  std::uint64_t bad_frames_sent = 0;        // malformed, wrong_type and binary frames
  std::uint64_t duplicate_frames_sent = 0;  // extra copies of market frames
  std::uint64_t reordered_frames = 0;       // frames sent after a newer tick's frames
  std::uint64_t burst_events = 0;           // extra market events made by a burst
  std::uint64_t resets = 0;
  std::uint64_t closes = 0;
  std::uint64_t silences = 0;
  std::uint64_t upgrades_refused = 0;  // down: upgrades answered 503
  std::uint64_t rest_faults_sent = 0;  // REST answers replaced by a fault status
};

class ProtocolSession {
 public:
  virtual ~ProtocolSession() = default;
  /// A text frame from the client.
  virtual void on_text(std::string_view text, std::int64_t now_ns, Outbox& out) = 0;
  /// Called every tick with the market events since the previous tick.
  virtual void on_tick(const std::vector<MarketEvent>& events, const MarketModel& market,
                       std::int64_t now_ns, Outbox& out) = 0;
};

struct RestReply {
  int status = 404;
  std::string body = R"({"error":"not found"})";
  std::string retry_after;  // for 429/418
};

class VenueProtocol {
 public:
  virtual ~VenueProtocol() = default;
  [[nodiscard]] virtual core::Venue venue() const noexcept = 0;
  /// Path prefix under the venue's base that clients connect to (e.g. "/market").
  [[nodiscard]] virtual std::string ws_base() const = 0;
  /// Opens a session for a WebSocket request target (already stripped of "/<venue>");
  /// nullptr + error rejects it with 404.
  virtual std::unique_ptr<ProtocolSession> open(std::string_view target, std::int64_t now_ns,
                                                std::string& error) = 0;
  /// Answers a REST request target (stripped of "/<venue>").
  virtual RestReply rest(std::string_view target, const MarketModel& market,
                         std::int64_t now_ns) = 0;
  [[nodiscard]] VenueCounters& counters() noexcept { return counters_; }

 protected:
  VenueCounters counters_;
};

/// Binance USD-M (combined streams, forceOrder throttled 1/symbol/s, REST OI, exchangeInfo).
std::unique_ptr<VenueProtocol> make_binance_protocol();
/// OKX v5 public (arg/data pushes in contracts, text ping/pong, 30 s silence close, instruments).
std::unique_ptr<VenueProtocol> make_okx_protocol();
/// Hyperliquid perps (activeAssetCtx + trades with subscribe replay, JSON ping within 60 s,
/// no public liquidations).
std::unique_ptr<VenueProtocol> make_hyperliquid_protocol();
/// Bybit v5 public linear + inverse (tickers snapshot/deltas, allLiquidation, op ping).
std::unique_ptr<VenueProtocol> make_bybit_protocol();
/// Deribit (JSON-RPC 2.0: set_heartbeat/test_request, ticker and trades with liquidation flags).
std::unique_ptr<VenueProtocol> make_deribit_protocol();
/// BitMEX (realtime table protocol: instrument/trade/liquidation tables, text ping/pong).
std::unique_ptr<VenueProtocol> make_bitmex_protocol();

/// Shared helpers for the protocol implementations.
std::string fmt_num(double v, int decimals);
/// Parses "a=b&c=d"; returns the value of `key` or empty.
std::string query_param(std::string_view target, std::string_view key);

}  // namespace levdyn::sim
