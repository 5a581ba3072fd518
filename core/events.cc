#include "core/events.h"

#include <array>
#include <cstring>

namespace levdyn::core {

namespace {
constexpr std::array<std::string_view, kVenueCount> kVenueNames = {
    "binance", "bybit", "okx", "deribit", "bitmex", "hyperliquid"};
}  // namespace

std::string_view to_string(Venue v) noexcept {
  const auto i = static_cast<std::size_t>(v);
  return i < kVenueNames.size() ? kVenueNames[i] : std::string_view("unknown");
}

bool parse_venue(std::string_view s, Venue& out) noexcept {
  for (std::size_t i = 0; i < kVenueNames.size(); ++i) {
    if (kVenueNames[i] == s) {
      out = static_cast<Venue>(i);
      return true;
    }
  }
  return false;
}

std::string_view to_string(EventType t) noexcept {
  switch (t) {
    case EventType::kLiquidation: return "liquidation";
    case EventType::kOpenInterest: return "open_interest";
    case EventType::kTrade: return "trade";
    case EventType::kMarkPrice: return "mark_price";
    case EventType::kFeedStatus: return "feed_status";
  }
  return "unknown";
}

std::string_view to_string(Position p) noexcept {
  return p == Position::kLong ? "long" : "short";
}

std::string_view to_string(Side s) noexcept { return s == Side::kBuy ? "buy" : "sell"; }

std::string_view to_string(Completeness c) noexcept {
  switch (c) {
    case Completeness::kFull: return "full";
    case Completeness::kThrottled: return "throttled";
    case Completeness::kInferred: return "inferred";
  }
  return "unknown";
}

std::string_view to_string(OiSource s) noexcept { return s == OiSource::kWs ? "ws" : "rest"; }

std::string_view to_string(FeedReason r) noexcept {
  switch (r) {
    case FeedReason::kNone: return "none";
    case FeedReason::kConnected: return "connected";
    case FeedReason::kResolve: return "resolve";
    case FeedReason::kConnect: return "connect";
    case FeedReason::kTls: return "tls";
    case FeedReason::kHandshake: return "handshake";
    case FeedReason::kClosedByPeer: return "closed_by_peer";
    case FeedReason::kReadError: return "read_error";
    case FeedReason::kSilence: return "silence";
    case FeedReason::kRotation: return "rotation";
    case FeedReason::kFrameTooLarge: return "frame_too_large";
    case FeedReason::kWriteError: return "write_error";
    case FeedReason::kShutdown: return "shutdown";
  }
  return "unknown";
}

NormalizedEvent make_event(EventType type, Venue venue, InstrumentId instrument,
                           std::int64_t exchange_ts_ns, std::int64_t recv_wall_ns,
                           std::int64_t recv_steady_ns) noexcept {
  NormalizedEvent e;
  std::memset(static_cast<void*>(&e), 0, sizeof e);
  e.type = type;
  e.venue = venue;
  e.instrument = instrument;
  e.exchange_ts_ns = exchange_ts_ns;
  e.recv_wall_ns = recv_wall_ns;
  e.recv_steady_ns = recv_steady_ns;
  return e;
}

}  // namespace levdyn::core
