#pragma once

// The normalized events of DESIGN §4: what a venue codec produces and what crosses the
// SPSC rings into the engine. Fixed size, trivially copyable, no pointers.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

namespace levdyn::core {

using InstrumentId = std::uint32_t;
using AssetId = std::uint16_t;
inline constexpr InstrumentId kNoInstrument = 0xffffffffu;

/// A value a venue did not give. Fields that are absent are NaN, never invented.
inline constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
[[nodiscard]] inline bool present(double v) noexcept { return !std::isnan(v); }

enum class Venue : std::uint8_t { kBinance, kBybit, kOkx, kDeribit, kBitmex, kHyperliquid };
inline constexpr int kVenueCount = 6;

enum class EventType : std::uint8_t { kLiquidation, kOpenInterest, kTrade, kMarkPrice, kFeedStatus };
enum class Position : std::uint8_t { kLong, kShort };
enum class Side : std::uint8_t { kBuy, kSell };

/// How much of the venue's liquidation flow an event stands for.
enum class Completeness : std::uint8_t {
  kFull,       // every liquidation fill is published
  kThrottled,  // venue publishes a sample (Binance: latest per symbol per second)
  kInferred,   // derived from order-book state (BitMEX resting liquidation orders)
};

enum class OiSource : std::uint8_t { kWs, kRest };

/// Why a feed went down (label values of levdyn_feed_reconnects_total{reason}).
enum class FeedReason : std::uint8_t {
  kNone,
  kConnected,
  kResolve,
  kConnect,
  kTls,
  kHandshake,
  kClosedByPeer,
  kReadError,
  kSilence,
  kRotation,
  kFrameTooLarge,
  kWriteError,
  kShutdown,
};

struct Liquidation {
  double price;         // fill (or bankruptcy, where that is all the venue gives) price
  double quantity;      // base units
  double notional_usd;  // price x quantity, or contracts x contract value for inverse
  Position position;    // the position that was liquidated
  Side order_side;      // the side of the forced order (sell closes a long)
  Completeness completeness;
};

struct OpenInterest {
  double contracts;     // venue contracts (absent where the venue reports base only)
  double base;          // base units (absent where the venue reports USD only)
  double notional_usd;  // absent where it needs a price the venue did not give
  OiSource source;
};

struct Trade {
  double price;
  double quantity;      // base units
  double notional_usd;
  Side taker_side;
};

struct MarkPrice {
  double mark;
  double index;                      // absent when not given
  double funding_rate;               // per funding interval; absent when not given
  std::int32_t funding_interval_s;   // 0 when unknown
};

struct FeedStatus {
  bool up;
  FeedReason reason;
  std::uint16_t connection;  // endpoint index within the venue
};

struct NormalizedEvent {
  std::int64_t exchange_ts_ns;  // venue timestamp; 0 when the venue gives none
  std::int64_t recv_wall_ns;    // local receive time, ns since the epoch
  std::int64_t recv_steady_ns;  // local receive time, steady clock
  InstrumentId instrument;      // kNoInstrument for FeedStatus
  Venue venue;
  EventType type;
  union {
    Liquidation liq;
    OpenInterest oi;
    Trade trade;
    MarkPrice mark;
    FeedStatus status;
  };

  /// The time the engine files this event under: the exchange time when the venue gives
  /// one, else the receive time.
  [[nodiscard]] std::int64_t event_time_ns() const noexcept {
    return exchange_ts_ns != 0 ? exchange_ts_ns : recv_wall_ns;
  }
};

static_assert(std::is_trivially_copyable_v<NormalizedEvent>);
static_assert(std::is_trivially_destructible_v<NormalizedEvent>);
static_assert(sizeof(NormalizedEvent) <= 64, "one cache line per event");

[[nodiscard]] std::string_view to_string(Venue v) noexcept;
[[nodiscard]] std::string_view to_string(EventType t) noexcept;
[[nodiscard]] std::string_view to_string(Position p) noexcept;
[[nodiscard]] std::string_view to_string(Side s) noexcept;
[[nodiscard]] std::string_view to_string(Completeness c) noexcept;
[[nodiscard]] std::string_view to_string(OiSource s) noexcept;
[[nodiscard]] std::string_view to_string(FeedReason r) noexcept;
/// Parses a venue id ("binance", …); returns false when unknown.
[[nodiscard]] bool parse_venue(std::string_view s, Venue& out) noexcept;

/// Builders that set the header and zero the payload, so events compare byte for byte.
[[nodiscard]] NormalizedEvent make_event(EventType type, Venue venue, InstrumentId instrument,
                                         std::int64_t exchange_ts_ns, std::int64_t recv_wall_ns,
                                         std::int64_t recv_steady_ns) noexcept;

}  // namespace levdyn::core
