#pragma once

// The interface every venue codec implements: what to connect to and subscribe, which
// heartbeats the venue requires, which REST endpoints to poll, and how one frame becomes
// normalized events. Codecs are pure (no sockets, no clocks): the feed session owns the I/O.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument_table.h"

namespace levdyn::venues {

/// Per-venue settings from the config (DESIGN §6 `venues.<id>`).
struct VenueSettings {
  core::Venue venue = core::Venue::kBinance;
  bool enabled = true;
  std::string ws_url;    // e.g. "wss://fstream.binance.com/market"
  std::string rest_url;  // e.g. "https://fapi.binance.com"
  std::vector<std::string> symbols;
  bool all_liquidations = true;
  std::chrono::milliseconds oi_poll_interval{2000};
  std::chrono::milliseconds silence_timeout{30000};
  /// Whether the codec reads the frames its venue sends all day with its fast path
  /// (json_scan.h) before falling back to simdjson. Off only where tests compare both paths.
  bool fast_path = true;
};

/// Outcome of decoding one frame. Every non-ok status except kIgnored is a counted error.
enum class DecodeStatus : std::uint8_t {
  kOk,              // zero or more events appended
  kIgnored,         // valid control message: ack, pong, heartbeat, untracked symbol
  kMalformedJson,   // not parseable JSON
  kMissingField,    // a required field is absent
  kBadNumber,       // a number (or numeric string) does not parse or is out of range
  kWrongType,       // a field has the wrong JSON type
  kUnknownMessage,  // valid JSON of a shape the codec does not know
  kVenueError,      // the venue reported an error (e.g. a rejected subscription)
};
[[nodiscard]] std::string_view to_string(DecodeStatus s) noexcept;
[[nodiscard]] inline bool is_error(DecodeStatus s) noexcept {
  return s != DecodeStatus::kOk && s != DecodeStatus::kIgnored;
}

/// Decodes the `n` items of a frame in order with `decode(i)` and returns the frame's status
/// as the codecs report it: the first error (later items are not decoded), else kOk when any
/// item gave events, else kIgnored.
template <typename Decode>
[[nodiscard]] DecodeStatus decode_each(std::size_t n, Decode&& decode) noexcept {
  DecodeStatus status = DecodeStatus::kIgnored;
  for (std::size_t i = 0; i < n; ++i) {
    const DecodeStatus st = decode(i);
    if (is_error(st)) return st;
    if (st == DecodeStatus::kOk) status = DecodeStatus::kOk;
  }
  return status;
}

enum class Channel : std::uint8_t { kWs, kRest };

/// Where a frame came from.
struct FrameMeta {
  Channel channel = Channel::kWs;
  std::uint16_t endpoint = 0;  // index into ws_endpoints() or rest_polls()
  std::int64_t recv_wall_ns = 0;
  std::int64_t recv_steady_ns = 0;
};

/// Result of decode(). `channel_label` names the stream kind for
/// levdyn_feed_messages_total{channel}: "liquidation", "trade", "open_interest",
/// "mark_price", "control" or "unknown".
struct DecodeResult {
  DecodeStatus status = DecodeStatus::kOk;
  std::string_view channel_label = "unknown";
};

/// One WebSocket connection the venue needs.
struct WsEndpoint {
  std::string url;                        // full wss:// URL including path and query
  std::vector<std::string> subscribe;     // text frames sent right after the handshake
};

/// Heartbeat the venue requires from the client.
struct Heartbeat {
  enum class Kind : std::uint8_t {
    kNone,       // the server pings; Beast answers with pongs
    kPeriodic,   // send `text` every `interval` (Bybit, Hyperliquid)
    kOnSilence,  // send `text` when nothing arrived for `interval` (OKX, BitMEX)
  };
  Kind kind = Kind::kNone;
  std::chrono::milliseconds interval{0};
  std::string text;
};

/// A REST endpoint polled on a timer (e.g. Binance open interest).
struct RestPoll {
  std::string target;                     // path + query, appended to rest_url
  std::chrono::milliseconds interval{0};
  int weight = 1;                         // request weight against the venue's budget
};

/// A venue's REST request-weight budget.
struct RestBudget {
  int weight_per_minute = 1200;
};

/// A venue codec. Not thread-safe: owned and called by one feed thread.
class Codec {
 public:
  virtual ~Codec() = default;

  [[nodiscard]] virtual core::Venue venue() const noexcept = 0;
  [[nodiscard]] virtual std::vector<WsEndpoint> ws_endpoints() const = 0;
  [[nodiscard]] virtual Heartbeat heartbeat() const = 0;
  [[nodiscard]] virtual std::vector<RestPoll> rest_polls() const = 0;
  [[nodiscard]] virtual RestBudget rest_budget() const { return {}; }
  /// Maximum lifetime of one connection before a scheduled reconnect (0 = none).
  [[nodiscard]] virtual std::chrono::seconds max_connection_age() const {
    return std::chrono::seconds(0);
  }
  /// True when the venue publishes no public liquidations (Hyperliquid).
  [[nodiscard]] virtual bool liquidations_available() const noexcept { return true; }
  /// How complete the venue's liquidation feed is ("full", "throttled", "partial", …).
  [[nodiscard]] virtual std::string_view liquidation_completeness() const noexcept {
    return "full";
  }

  /// Resets per-connection state (delta caches, table partials, replay dedupe) when the
  /// given endpoint (re)connects.
  virtual void on_connected(std::uint16_t endpoint) = 0;

  /// Frames this codec has read with its fast path (json_scan.h) rather than simdjson.
  [[nodiscard]] virtual std::uint64_t fast_frames() const noexcept { return 0; }

  /// Decodes one frame. Appends events to `out` (never clears it) and may set `reply` to a
  /// text frame the protocol requires in answer (e.g. Deribit's public/test). Never throws.
  virtual DecodeResult decode(std::string_view frame, const FrameMeta& meta,
                              std::vector<core::NormalizedEvent>& out,
                              std::string& reply) noexcept = 0;
};

/// Builds the codec for settings.venue, resolving symbols through `table` (tracked
/// instruments must already be in the table; see instruments.h).
[[nodiscard]] std::unique_ptr<Codec> make_codec(const VenueSettings& settings,
                                                core::InstrumentTable& table);

/// Whether the venue publishes liquidations on a public feed (the codec's
/// liquidations_available() for every codec of that venue). Where it does not, every
/// liquidation figure of its instruments is reported as null / absent, never as zero.
[[nodiscard]] bool publishes_liquidations(core::Venue venue) noexcept;

}  // namespace levdyn::venues
