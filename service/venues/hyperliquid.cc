// Hyperliquid perps codec: `activeAssetCtx` and `trades` WebSocket frames to normalized events,
// and the `{"type":"meta"}` info response to instrument specs (venues.md §6).
//
// Decisions on the points the venue leaves open (see also the report of the change):
// * `ctx.openInterest` is ONE-SIDED, in base coin: the total size of open long positions
//   (equal to the total size of short positions), not long + short. venues.md §0/§6 gives the
//   notional as plain `openInterest × markPx` (no halving, unlike venues it flags as
//   two-sided), and the Hyperliquid UI headline, which third parties reproduce as
//   `openInterest × markPx`, is the one-sided figure that cross-venue rankings compare with
//   Binance/Bybit. So it is used as is: never halved, never doubled.
// * `ctx.funding` is the current HOURLY rate; it is normalized to 8 h (× 8) and reported
//   with funding_interval_s = 28800 so the pair stays consistent for the engine.
// * `activeAssetCtx` carries no timestamp: exchange_ts_ns = 0 (the engine then files the
//   event under the receive time, venues.md §0).
// * There is no public liquidation stream: liquidations_available() is false and the
//   completeness is "unavailable"; the codec never emits a liquidation, and never a zero one.
//   Per-user channels (`user`, `userFills`, `userEvents`, …) can carry a `liquidation` object
//   for ONE user's fills; they are not a market-wide feed (10 users at most) and are never
//   subscribed, so they decode as kIgnored.
// * Trades replay about 30 recent trades on every subscribe. Trades are deduplicated on
//   (coin, time, tid) against a bounded per-coin set that survives reconnects.

#include "service/venues/hyperliquid.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "service/venues/decimal.h"
#include "service/venues/json_scan.h"
#include "service/venues/symbol_map.h"

namespace levdyn::venues::hyperliquid {
namespace {

namespace od = simdjson::ondemand;
using core::InstrumentId;
using core::kNoInstrument;

constexpr std::string_view kDefaultWsUrl = "wss://api.hyperliquid.xyz/ws";
constexpr std::string_view kDefaultRestUrl = "https://api.hyperliquid.xyz";
constexpr std::string_view kPing = R"({"method":"ping"})";
// The server closes a connection it has not heard from for 60 s; the Python SDK pings every
// 50 s (venues.md §6, timeouts-and-heartbeats).
constexpr std::chrono::seconds kPingInterval{50};

// The venue allows 1000 subscriptions; each coin takes two (activeAssetCtx, trades).
constexpr std::size_t kMaxCoinsPerConnection = 400;
// `funding` is hourly; levdyn reports rates per 8 h.
constexpr double kFundingHoursPer8h = 8.0;
constexpr std::int32_t kFundingIntervalS = 8 * 3600;
// Recent trade keys remembered per coin: the subscribe replay is ~30 trades; 256 also covers
// trades split over several frames and a burst around a reconnect.
constexpr std::size_t kRecentTrades = 256;
constexpr std::size_t kMaxCachedSymbols = 4096;
// Trades of one frame the fast path holds before decoding them (it reads the whole frame
// first); a live frame carries a few, the subscribe replay about 30. Longer frames take simdjson.
constexpr std::size_t kFastTrades = 32;
constexpr std::size_t kInitialBufferBytes = 64 * 1024;
constexpr std::int64_t kMaxTimestampMs = std::numeric_limits<std::int64_t>::max() / 1'000'000;

constexpr std::string_view kLabelTrade = "trade";
constexpr std::string_view kLabelOpenInterest = "open_interest";
constexpr std::string_view kLabelControl = "control";

// ---------------------------------------------------------------------------------------------
// Small pure helpers.

DecodeStatus status_of(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::SUCCESS:
      return DecodeStatus::kOk;
    case simdjson::NO_SUCH_FIELD:
      return DecodeStatus::kMissingField;
    case simdjson::INCORRECT_TYPE:
      return DecodeStatus::kWrongType;
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return DecodeStatus::kBadNumber;
    default:
      return DecodeStatus::kMalformedJson;
  }
}

/// A coin the instrument table can hold and a subscribe frame can carry. Coins are
/// case-sensitive ("kPEPE") and kept as the venue spells them. ':' (HIP-3 "dex:COIN") is
/// reserved by the table and '@' names spot pairs: neither is a tracked perp here.
bool valid_symbol(std::string_view s) noexcept {
  if (s.empty() || s.size() >= sizeof(core::InstrumentInfo::symbol)) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ':' || c == '/' || c == '@' || c == '?' || c == '&' ||
        c == '#' || c == '"' || c == '\\') {
      return false;
    }
  }
  return true;
}

core::InstrumentSpec make_spec(std::string_view coin) {
  core::InstrumentSpec spec;
  spec.venue = core::Venue::kHyperliquid;
  spec.symbol = std::string(coin);
  spec.asset = core::normalize_asset(coin);
  spec.kind = core::ContractKind::kLinear;  // USDC-margined, sizes in base coin
  spec.contract_value = 1.0;
  spec.tracked = true;
  return spec;
}

/// A field of a frame: absent (kMissingField), read (kOk) or unreadable (the reason).
template <typename T>
struct Slot {
  T value{};
  DecodeStatus status = DecodeStatus::kMissingField;
  bool null = false;  // present as JSON null
  [[nodiscard]] bool seen() const noexcept { return status != DecodeStatus::kMissingField; }
};

// IMPORTANT: string slots view the parser's string buffer; they are valid only until the
// parser iterates the next frame.
void read(od::value& v, Slot<std::string_view>& s) noexcept {
  s.status = status_of(v.get_string().get(s.value));
}

/// A string that may also be null (optional ctx numerics of illiquid coins).
void read_nullable(od::value& v, Slot<std::string_view>& s) noexcept {
  bool is_null = false;
  if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) {
    s.null = true;
    s.status = DecodeStatus::kOk;
    return;
  }
  read(v, s);
}

template <typename Int>
void read_integer(od::value& v, Slot<Int>& s) noexcept {
  simdjson::error_code err;
  if constexpr (std::is_signed_v<Int>) {
    err = v.get_int64().get(s.value);
  } else {
    err = v.get_uint64().get(s.value);
  }
  s.status = status_of(err);
  if (err == simdjson::INCORRECT_TYPE) {
    // A number that is not an integer of the type (1.5, -1 as unsigned) is a bad number.
    od::json_type type;
    if (v.type().get(type) == simdjson::SUCCESS && type == od::json_type::number) {
      s.status = DecodeStatus::kBadNumber;
    }
  }
}

/// A numeric string that may be absent or null: absent/null leave `out` untouched.
DecodeStatus optional_number(const Slot<std::string_view>& s, double& out,
                             bool allow_negative = false) noexcept {
  if (!s.seen() || s.null) return DecodeStatus::kOk;
  if (s.status != DecodeStatus::kOk) return s.status;
  return parse_decimal(s.value, out, allow_negative);
}

DecodeStatus required_number(const Slot<std::string_view>& s, double& out,
                             bool allow_negative = false) noexcept {
  if (s.status != DecodeStatus::kOk) return s.status;
  if (s.null) return DecodeStatus::kWrongType;
  return parse_decimal(s.value, out, allow_negative);
}

/// True when nothing but whitespace follows the root value.
bool at_document_end(od::document& doc) noexcept {
  const char* loc = nullptr;
  return doc.current_location().get(loc) == simdjson::OUT_OF_BOUNDS;
}

/// Classifies a document that is not an object or array: a valid scalar is a shape we do not
/// know, anything else (e.g. `nonsense`, which starts like `null`) is malformed.
DecodeStatus classify_scalar(od::document& doc, od::json_type type) noexcept {
  simdjson::error_code err = simdjson::SUCCESS;
  switch (type) {
    case od::json_type::null: {
      bool is_null = false;
      err = doc.is_null().get(is_null);
      if (!err && !is_null) err = simdjson::INCORRECT_TYPE;
      break;
    }
    case od::json_type::boolean: {
      bool b = false;
      err = doc.get_bool().get(b);
      break;
    }
    case od::json_type::number: {
      double d = 0.0;
      err = doc.get_double().get(d);
      break;
    }
    case od::json_type::string: {
      std::string_view s;
      err = doc.get_string().get(s);
      break;
    }
    default:
      err = simdjson::TAPE_ERROR;
  }
  return err ? DecodeStatus::kMalformedJson : DecodeStatus::kUnknownMessage;
}

/// Channels the venue documents that levdyn never subscribes to (per-user data, books,
/// candles, spot contexts). Valid messages, not market-wide data: kIgnored.
bool known_unused_channel(std::string_view c) noexcept {
  for (const std::string_view k :
       {"user", "userFills", "userEvents", "userFundings", "userNonFundingLedgerUpdates",
        "userTwapSliceFills", "userTwapHistory", "orderUpdates", "notification", "webData2",
        "activeAssetData", "activeSpotAssetCtx", "allMids", "l2Book", "bbo", "candle", "post"}) {
    if (c == k) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------

struct TradeKey {
  std::int64_t time_ms = 0;
  std::uint64_t tid = 0;
  [[nodiscard]] bool operator==(const TradeKey&) const noexcept = default;
};

/// The last kRecentTrades trade keys of one coin: a ring, with an open-addressing index over it
/// (load factor <= 0.5; slot = ring position + 1, 0 = empty) so that a lookup touches a few
/// slots instead of scanning the 256 keys. Allocates nothing.
struct RecentTrades {
  static constexpr std::size_t kSlots = 2 * kRecentTrades;
  static_assert((kSlots & (kSlots - 1)) == 0 && kRecentTrades < 65535);
  std::array<TradeKey, kRecentTrades> keys{};
  std::array<std::uint16_t, kSlots> index{};
  std::size_t next = 0;
  std::size_t count = 0;

  static std::size_t home(const TradeKey& k) noexcept {
    const std::uint64_t h = (k.tid ^ (static_cast<std::uint64_t>(k.time_ms) * 0xC2B2AE3D27D4EB4Full)) *
                            0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>(h >> 32) & (kSlots - 1);
  }
  [[nodiscard]] bool contains(const TradeKey& k) const noexcept {
    for (std::size_t i = home(k);; i = (i + 1) & (kSlots - 1)) {
      if (index[i] == 0) return false;
      if (keys[index[i] - 1u] == k) return true;
    }
  }
  void insert(const TradeKey& k) noexcept {
    if (count == kRecentTrades) unindex(next);  // the ring drops its oldest key
    keys[next] = k;
    std::size_t i = home(k);
    while (index[i] != 0) i = (i + 1) & (kSlots - 1);
    index[i] = static_cast<std::uint16_t>(next + 1);
    next = (next + 1) % kRecentTrades;
    count = std::min(count + 1, kRecentTrades);
  }

 private:
  /// Removes the index slot of ring position `pos` (backward-shift deletion: no tombstones).
  void unindex(std::size_t pos) noexcept {
    std::size_t i = home(keys[pos]);
    while (index[i] != pos + 1) i = (i + 1) & (kSlots - 1);
    for (std::size_t j = (i + 1) & (kSlots - 1); index[j] != 0; j = (j + 1) & (kSlots - 1)) {
      const std::size_t h = home(keys[index[j] - 1u]);
      // The key at j may move to i unless its home lies cyclically in (i, j].
      const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
      if (stays) continue;
      index[i] = index[j];
      i = j;
    }
    index[i] = 0;
  }
};

struct CtxFields {
  Slot<std::string_view> funding;
  Slot<std::string_view> open_interest;
  Slot<std::string_view> mark;
  Slot<std::string_view> oracle;
  DecodeStatus status = DecodeStatus::kMissingField;
};

struct TradeFields {
  Slot<std::string_view> coin;
  Slot<std::string_view> side;
  Slot<std::string_view> px;
  Slot<std::string_view> sz;
  Slot<std::int64_t> time;
  Slot<std::uint64_t> tid;
};

class HyperliquidCodec final : public Codec {
 public:
  HyperliquidCodec(const VenueSettings& settings, core::InstrumentTable& table)
      : settings_(settings), table_(table) {
    buffer_.resize(kInitialBufferBytes + simdjson::SIMDJSON_PADDING);
    ids_.reserve(64);
    pending_.reserve(64);
    for (const std::string& coin : settings.symbols) {
      if (!valid_symbol(coin)) {
        throw std::invalid_argument("venues.hyperliquid.symbols: invalid coin '" + coin + "'");
      }
      if (ids_.contains(coin)) continue;  // listed twice
      InstrumentId id = table_.find(core::Venue::kHyperliquid, coin);
      if (id == kNoInstrument) id = table_.add(make_spec(coin));
      if (id == kNoInstrument) {
        throw std::invalid_argument(
            "venues.hyperliquid.symbols: the instrument table cannot hold '" + coin + "'");
      }
      ids_.emplace(coin, Entry{id, std::make_unique<RecentTrades>()});
      symbols_.push_back(coin);
    }
    accept_all_ = symbols_.empty();
  }

  [[nodiscard]] core::Venue venue() const noexcept override { return core::Venue::kHyperliquid; }

  [[nodiscard]] std::vector<WsEndpoint> ws_endpoints() const override {
    // No coins configured (normalize mode): nothing to subscribe, the venue has no
    // all-market trade or context stream.
    std::vector<WsEndpoint> endpoints;
    for (std::size_t first = 0; first < symbols_.size(); first += kMaxCoinsPerConnection) {
      const std::size_t last = std::min(symbols_.size(), first + kMaxCoinsPerConnection);
      WsEndpoint ep{settings_.ws_url, {}};
      for (std::size_t k = first; k < last; ++k) {
        ep.subscribe.push_back(subscribe_frame("activeAssetCtx", symbols_[k]));
        ep.subscribe.push_back(subscribe_frame("trades", symbols_[k]));
      }
      endpoints.push_back(std::move(ep));
    }
    return endpoints;
  }

  [[nodiscard]] Heartbeat heartbeat() const override {
    return Heartbeat{Heartbeat::Kind::kPeriodic, kPingInterval, std::string(kPing)};
  }

  [[nodiscard]] std::vector<RestPoll> rest_polls() const override { return {}; }

  [[nodiscard]] bool liquidations_available() const noexcept override { return false; }
  [[nodiscard]] std::string_view liquidation_completeness() const noexcept override {
    return "unavailable";
  }

  // The recent-trade sets are deliberately kept: the subscribe replay after a reconnect
  // repeats trades already emitted, and only they can recognise them.
  void on_connected(std::uint16_t /*endpoint*/) override {}

  DecodeResult decode(std::string_view frame, const FrameMeta& meta,
                      std::vector<core::NormalizedEvent>& out,
                      std::string& /*reply*/) noexcept override {
    const std::size_t mark = out.size();
    pending_.clear();
    Frame f{meta, out};
    const DecodeStatus status = decode_frame(frame, f);
    if (is_error(status)) {
      // No partial frames: an error takes back whatever this frame appended, and its trades
      // are not remembered as seen.
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
    } else {
      for (const Pending& p : pending_) p.recent->insert(p.key);
      duplicates_ += f.duplicates;
    }
    pending_.clear();
    return DecodeResult{status, f.label};
  }

  [[nodiscard]] std::uint64_t duplicates() const noexcept { return duplicates_; }
  [[nodiscard]] std::uint64_t fast_frames() const noexcept override { return fast_frames_; }

 private:
  struct Entry {
    InstrumentId id = kNoInstrument;        // kNoInstrument: an untracked coin
    std::unique_ptr<RecentTrades> recent;   // tracked coins only
  };

  struct Pending {
    RecentTrades* recent;
    TradeKey key;
  };

  struct Frame {
    const FrameMeta& meta;
    std::vector<core::NormalizedEvent>& out;
    std::string_view label = "unknown";
    std::uint64_t duplicates = 0;
  };

  static std::string subscribe_frame(std::string_view type, std::string_view coin) {
    return R"({"method":"subscribe","subscription":{"type":")" + std::string(type) +
           R"(","coin":")" + std::string(coin) + R"("}})";
  }

  DecodeStatus decode_frame(std::string_view frame, Frame& f) noexcept {
    if (frame.empty()) return DecodeStatus::kMalformedJson;
    if (settings_.fast_path) {
      DecodeStatus status = DecodeStatus::kOk;
      if (fast_decode(frame, f, status)) return status;
    }
    // simdjson reads up to SIMDJSON_PADDING bytes past the input: parse a padded copy.
    const std::size_t needed = frame.size() + simdjson::SIMDJSON_PADDING;
    if (buffer_.size() < needed) {
      try {
        buffer_.resize(std::max(needed, 2 * buffer_.size()));
      } catch (...) {
        return DecodeStatus::kMalformedJson;
      }
    }
    std::memcpy(buffer_.data(), frame.data(), frame.size());

    od::document doc;
    if (parser_.iterate(buffer_.data(), frame.size(), buffer_.size()).get(doc)) {
      return DecodeStatus::kMalformedJson;
    }
    od::json_type type;
    if (doc.type().get(type)) return DecodeStatus::kMalformedJson;
    if (type == od::json_type::array) {
      od::array arr;
      if (doc.get_array().get(arr)) return DecodeStatus::kMalformedJson;
      for (auto element_result : arr) {
        od::value element;
        if (element_result.get(element)) return DecodeStatus::kMalformedJson;
      }
      return at_document_end(doc) ? DecodeStatus::kUnknownMessage : DecodeStatus::kMalformedJson;
    }
    if (type != od::json_type::object) {
      const DecodeStatus status = classify_scalar(doc, type);
      if (status == DecodeStatus::kMalformedJson) return status;
      return at_document_end(doc) ? status : DecodeStatus::kMalformedJson;
    }

    od::object obj;
    if (doc.get_object().get(obj)) return DecodeStatus::kMalformedJson;
    Slot<std::string_view> channel;
    bool has_data = false;
    DecodeStatus data_status = DecodeStatus::kOk;
    std::string_view deferred;  // raw `data` seen before `channel`
    DecodeStatus deferred_status = DecodeStatus::kOk;
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      od::value& value = field.value();
      if (key == "channel") {
        read(value, channel);
        if (channel.status == DecodeStatus::kMalformedJson) return channel.status;
      } else if (key == "data") {
        has_data = true;
        if (channel.status == DecodeStatus::kOk) {
          if (is_data_channel(channel.value)) {
            data_status = decode_data(value, channel.value, f);
            if (is_error(data_status)) return data_status;
          }
        } else {
          deferred_status = capture_raw(value, deferred);
          if (deferred_status == DecodeStatus::kMalformedJson) return deferred_status;
        }
      }
    }
    if (!at_document_end(doc)) return DecodeStatus::kMalformedJson;  // trailing bytes
    if (!channel.seen()) return DecodeStatus::kUnknownMessage;
    if (channel.status != DecodeStatus::kOk) return channel.status;

    const std::string_view c = channel.value;
    if (is_data_channel(c)) {
      f.label = scan::is(c, "trades") ? kLabelTrade : kLabelOpenInterest;
      if (!has_data) return DecodeStatus::kMissingField;
      if (deferred_status != DecodeStatus::kOk) return deferred_status;
      if (!deferred.empty()) return decode_deferred(deferred, c, f);
      return data_status;
    }
    f.label = kLabelControl;
    if (scan::is(c, "pong") || scan::is(c, "subscriptionResponse")) return DecodeStatus::kIgnored;
    // {"channel":"error","data":"Invalid subscription ..."}
    if (scan::is(c, "error")) return DecodeStatus::kVenueError;
    if (known_unused_channel(c)) return DecodeStatus::kIgnored;
    f.label = "unknown";
    return DecodeStatus::kUnknownMessage;
  }

  static bool is_data_channel(std::string_view c) noexcept {
    return scan::is(c, "activeAssetCtx") || scan::is(c, "trades");
  }

  /// The raw text of an object or array value (consuming it); kWrongType for a scalar.
  static DecodeStatus capture_raw(od::value& value, std::string_view& raw) noexcept {
    od::json_type type;
    if (value.type().get(type)) return DecodeStatus::kMalformedJson;
    if (type == od::json_type::object) {
      od::object obj;
      if (value.get_object().get(obj) || obj.raw_json().get(raw)) {
        return DecodeStatus::kMalformedJson;
      }
      return DecodeStatus::kOk;
    }
    if (type == od::json_type::array) {
      od::array arr;
      if (value.get_array().get(arr) || arr.raw_json().get(raw)) {
        return DecodeStatus::kMalformedJson;
      }
      return DecodeStatus::kOk;
    }
    return DecodeStatus::kWrongType;
  }

  /// `data` came before `channel` (the venue sends channel first): parse the raw value again.
  /// It lies inside buffer_, so the bytes after it provide simdjson's padding.
  DecodeStatus decode_deferred(std::string_view raw, std::string_view channel,
                               Frame& f) noexcept {
    const std::size_t offset = static_cast<std::size_t>(raw.data() - buffer_.data());
    od::document doc;
    if (data_parser_.iterate(buffer_.data() + offset, raw.size(), buffer_.size() - offset)
            .get(doc)) {
      return DecodeStatus::kMalformedJson;
    }
    const DecodeStatus status = decode_data(doc, channel, f);
    if (is_error(status)) return status;
    return at_document_end(doc) ? status : DecodeStatus::kMalformedJson;
  }

  template <typename Value>
  DecodeStatus decode_data(Value& value, std::string_view channel, Frame& f) noexcept {
    if (scan::is(channel, "trades")) {
      od::array arr;
      if (auto err = value.get_array().get(arr)) return status_of(err);
      return decode_trades(arr, f);
    }
    od::object obj;
    if (auto err = value.get_object().get(obj)) return status_of(err);
    return decode_ctx(obj, f);
  }

  // ---- activeAssetCtx -------------------------------------------------------------------------

  static void read_ctx(od::value& v, CtxFields& c) noexcept {
    od::object obj;
    if (auto err = v.get_object().get(obj)) {
      c.status = status_of(err);
      return;
    }
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field) != simdjson::SUCCESS) {
        c.status = DecodeStatus::kMalformedJson;
        return;
      }
      const od::raw_json_string key = field.key();
      od::value& value = field.value();
      if (key == "funding") {
        read_nullable(value, c.funding);
      } else if (key == "openInterest") {
        read_nullable(value, c.open_interest);
      } else if (key == "markPx") {
        read_nullable(value, c.mark);
      } else if (key == "oraclePx") {
        read_nullable(value, c.oracle);
      }
    }
    c.status = DecodeStatus::kOk;
  }

  DecodeStatus decode_ctx(od::object& obj, Frame& f) noexcept {
    Slot<std::string_view> coin;
    CtxFields ctx;
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      od::value& value = field.value();
      if (key == "coin") {
        read(value, coin);
      } else if (key == "ctx") {
        read_ctx(value, ctx);
        if (ctx.status == DecodeStatus::kMalformedJson) return ctx.status;
      }
    }
    return emit_ctx(coin, ctx, f);
  }

  /// The events of one `activeAssetCtx` data object, read into `coin` and `ctx`.
  DecodeStatus emit_ctx(const Slot<std::string_view>& coin, const CtxFields& ctx,
                        Frame& f) noexcept {
    if (coin.status != DecodeStatus::kOk) return coin.status;
    if (ctx.status != DecodeStatus::kOk) return ctx.status;
    double mark = 0.0;
    double oi = 0.0;
    double oracle = core::kAbsent;
    double funding = core::kAbsent;
    DecodeStatus st = required_number(ctx.mark, mark);
    if (st == DecodeStatus::kOk) st = required_number(ctx.open_interest, oi);
    if (st == DecodeStatus::kOk) st = optional_number(ctx.oracle, oracle);
    if (st == DecodeStatus::kOk) st = optional_number(ctx.funding, funding, /*allow_negative=*/true);
    if (st != DecodeStatus::kOk) return st;
    if (!(mark > 0.0)) return DecodeStatus::kBadNumber;
    if (core::present(oracle) && !(oracle > 0.0)) return DecodeStatus::kBadNumber;
    if (!std::isfinite(oi * mark)) return DecodeStatus::kBadNumber;  // 1e300 × 1e300

    Entry* entry = nullptr;
    st = resolve(coin.value, entry);
    if (st != DecodeStatus::kOk) return st;

    // No timestamp in activeAssetCtx: exchange_ts 0, filed under the receive time.
    core::NormalizedEvent m = core::make_event(core::EventType::kMarkPrice,
                                               core::Venue::kHyperliquid, entry->id, 0,
                                               f.meta.recv_wall_ns, f.meta.recv_steady_ns);
    m.mark.mark = mark;
    m.mark.index = oracle;  // the oracle price is Hyperliquid's index
    m.mark.funding_rate = core::present(funding) ? funding * kFundingHoursPer8h : core::kAbsent;
    m.mark.funding_interval_s = kFundingIntervalS;
    f.out.push_back(m);

    core::NormalizedEvent e = core::make_event(core::EventType::kOpenInterest,
                                               core::Venue::kHyperliquid, entry->id, 0,
                                               f.meta.recv_wall_ns, f.meta.recv_steady_ns);
    e.oi.base = oi;                   // one-sided, base coin (see the top of this file)
    e.oi.contracts = oi;              // contract value 1: a contract is one coin
    e.oi.notional_usd = oi * mark;    // venues.md §6: OI × markPx, both from this message
    e.oi.source = core::OiSource::kWs;
    f.out.push_back(e);
    return DecodeStatus::kOk;
  }

  // ---- trades ---------------------------------------------------------------------------------

  static DecodeStatus read_trade(od::object& obj, TradeFields& t) noexcept {
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      od::value& value = field.value();
      if (key == "coin") {
        read(value, t.coin);
      } else if (key == "side") {
        read(value, t.side);
      } else if (key == "px") {
        read(value, t.px);
      } else if (key == "sz") {
        read(value, t.sz);
      } else if (key == "time") {
        read_integer(value, t.time);
      } else if (key == "tid") {
        read_integer(value, t.tid);
      }
    }
    return DecodeStatus::kOk;
  }

  DecodeStatus decode_trades(od::array& arr, Frame& f) noexcept {
    DecodeStatus combined = DecodeStatus::kIgnored;
    for (auto element_result : arr) {
      od::value element;
      if (element_result.get(element)) return DecodeStatus::kMalformedJson;
      od::object obj;
      if (auto err = element.get_object().get(obj)) return status_of(err);
      TradeFields t;
      DecodeStatus st = read_trade(obj, t);
      if (st == DecodeStatus::kOk) st = decode_trade(t, f);
      if (is_error(st)) return st;
      if (st == DecodeStatus::kOk) combined = DecodeStatus::kOk;
    }
    return combined;
  }

  DecodeStatus decode_trade(const TradeFields& t, Frame& f) noexcept {
    for (const auto* s : {&t.coin, &t.side, &t.px, &t.sz}) {
      if (s->status != DecodeStatus::kOk) return s->status;
    }
    if (t.time.status != DecodeStatus::kOk) return t.time.status;
    if (t.tid.status != DecodeStatus::kOk) return t.tid.status;  // the dedupe key needs it
    core::Side taker;
    if (scan::is(t.side.value, "B")) {
      taker = core::Side::kBuy;  // the aggressor bought
    } else if (scan::is(t.side.value, "A")) {
      taker = core::Side::kSell;  // the aggressor sold (hit the ask side's bids)
    } else {
      return DecodeStatus::kUnknownMessage;
    }
    double price = 0.0;
    double size = 0.0;
    DecodeStatus st = required_number(t.px, price);
    if (st == DecodeStatus::kOk) st = required_number(t.sz, size);
    if (st != DecodeStatus::kOk) return st;
    if (!(price > 0.0) || !(size > 0.0)) return DecodeStatus::kBadNumber;
    if (!std::isfinite(price * size)) return DecodeStatus::kBadNumber;
    if (t.time.value <= 0 || t.time.value > kMaxTimestampMs) return DecodeStatus::kBadNumber;

    Entry* entry = nullptr;
    st = resolve(t.coin.value, entry);
    if (st != DecodeStatus::kOk) return st;  // kIgnored: an untracked coin

    const TradeKey key{t.time.value, t.tid.value};
    if (entry->recent->contains(key) || pending_contains(entry->recent.get(), key)) {
      ++f.duplicates;  // the subscribe replay, or a repeat within the frame
      return DecodeStatus::kIgnored;
    }
    try {
      pending_.push_back(Pending{entry->recent.get(), key});
    } catch (...) {
      return DecodeStatus::kMalformedJson;  // out of memory: count it, do not crash
    }
    core::NormalizedEvent e = core::make_event(core::EventType::kTrade, core::Venue::kHyperliquid,
                                               entry->id, t.time.value * 1'000'000,
                                               f.meta.recv_wall_ns, f.meta.recv_steady_ns);
    e.trade.price = price;
    e.trade.quantity = size;  // sz is in base coin
    e.trade.notional_usd = price * size;
    e.trade.taker_side = taker;
    f.out.push_back(e);
    return DecodeStatus::kOk;
  }

  // ---- Fast path (json_scan.h) ---------------------------------------------------------------
  // The frames the venue sends all day, `{"channel":"trades","data":[…]}` and
  // `{"channel":"activeAssetCtx","data":{…}}` with exactly these two root keys in this order,
  // read into the same TradeFields / CtxFields as the simdjson path and handed to the same
  // decode_trade / emit_ctx. Anything else (data before channel, another root key, another
  // channel, escapes, a field of an unexpected type, more than kFastTrades trades, a time or tid
  // that is not a positive int64) returns false before any state changes, and simdjson decodes
  // the frame.

  bool fast_decode(std::string_view frame, Frame& f, DecodeStatus& status) noexcept {
    scan::Cursor c(frame);
    scan::Key key;
    std::string_view channel;
    if (!c.consume('{') || !c.key(key) || !scan::is(key, "channel") || !c.string(channel) ||
        !c.consume(',') || !c.key(key) || !scan::is(key, "data")) {
      return false;
    }
    if (scan::is(channel, "trades")) {
      std::size_t n = 0;
      const bool ok = c.array([&] {
        if (n == kFastTrades) return false;
        fast_trades_[n] = TradeFields{};
        return fast_trade(c, fast_trades_[n++]);
      });
      if (!ok || !c.consume('}') || !c.end()) return false;
      // decode_trades, over the items read.
      status = decode_each(n, [&](std::size_t i) { return decode_trade(fast_trades_[i], f); });
    } else if (scan::is(channel, "activeAssetCtx")) {
      Slot<std::string_view> coin;
      CtxFields ctx;
      const bool ok = c.object([&](scan::Key k) {
        if (scan::is(k, "coin")) return scan::read(c, coin);
        if (scan::is(k, "ctx")) return fast_ctx(c, ctx);
        return c.skip();
      });
      if (!ok || !c.consume('}') || !c.end()) return false;
      status = emit_ctx(coin, ctx, f);
    } else {
      return false;
    }
    // As decode_frame: an error leaves the label unknown.
    if (!is_error(status)) f.label = scan::is(channel, "trades") ? kLabelTrade : kLabelOpenInterest;
    ++fast_frames_;
    return true;
  }

  /// As read_nullable: a null marks the slot null for good, even if a string follows.
  static bool fast_nullable(scan::Cursor& c, Slot<std::string_view>& s) noexcept {
    if (c.peek('n')) {
      if (!c.null()) return false;
      s.null = true;
      s.status = DecodeStatus::kOk;
      return true;
    }
    return scan::read(c, s);
  }

  /// A positive int64: the values on which get_int64 and get_uint64 agree with Cursor::int64
  /// (which reads "-0" as 0) and which decode_trade's checks do not depend on the order of.
  template <typename Int>
  static bool fast_positive(scan::Cursor& c, Slot<Int>& s) noexcept {
    std::int64_t v = 0;
    if (!c.int64(v) || v <= 0) return false;
    s.value = static_cast<Int>(v);
    s.status = DecodeStatus::kOk;
    return true;
  }

  /// One `trades` item, as read_trade reads it (a repeated key: the last one wins).
  static bool fast_trade(scan::Cursor& c, TradeFields& t) noexcept {
    return c.object([&](scan::Key k) {
      if (scan::is(k, "coin")) return scan::read(c, t.coin);
      if (scan::is(k, "side")) return scan::read(c, t.side);
      if (scan::is(k, "px")) return scan::read(c, t.px);
      if (scan::is(k, "sz")) return scan::read(c, t.sz);
      if (scan::is(k, "time")) return fast_positive(c, t.time);
      if (scan::is(k, "tid")) return fast_positive(c, t.tid);
      return c.skip();
    });
  }

  /// The `ctx` object, as read_ctx reads it: a repeated `ctx` adds to the same fields.
  static bool fast_ctx(scan::Cursor& c, CtxFields& ctx) noexcept {
    const bool ok = c.object([&](scan::Key k) {
      if (scan::is(k, "funding")) return fast_nullable(c, ctx.funding);
      if (scan::is(k, "openInterest")) return fast_nullable(c, ctx.open_interest);
      if (scan::is(k, "markPx")) return fast_nullable(c, ctx.mark);
      if (scan::is(k, "oraclePx")) return fast_nullable(c, ctx.oracle);
      return c.skip();
    });
    if (ok) ctx.status = DecodeStatus::kOk;
    return ok;
  }

  bool pending_contains(const RecentTrades* recent, const TradeKey& key) const noexcept {
    for (const Pending& p : pending_) {
      if (p.recent == recent && p.key == key) return true;
    }
    return false;
  }

  /// Maps a coin to its entry. kOk with `entry` set (tracked); kIgnored for an untracked coin;
  /// an error for an unusable one. Allocation-free on a cache hit.
  DecodeStatus resolve(std::string_view coin, Entry*& entry) noexcept {
    if (coin.empty()) return DecodeStatus::kMissingField;
    if (Entry* const known = ids_.find(coin)) {
      if (known->id == kNoInstrument) return DecodeStatus::kIgnored;
      entry = known;
      return DecodeStatus::kOk;
    }
    if (!valid_symbol(coin)) return DecodeStatus::kUnknownMessage;
    try {
      Entry fresh;
      if (accept_all_) {
        fresh.id = table_.find(core::Venue::kHyperliquid, coin);
        if (fresh.id == kNoInstrument) fresh.id = table_.add(make_spec(coin));
        if (fresh.id == kNoInstrument) return DecodeStatus::kUnknownMessage;  // table full
        fresh.recent = std::make_unique<RecentTrades>();
      }
      if (ids_.size() >= kMaxCachedSymbols) {
        // Past the cache bound: untracked stays ignored; a new tracked coin cannot be cached
        // and so could not be deduplicated: count it rather than risk double counting.
        return fresh.id == kNoInstrument ? DecodeStatus::kIgnored : DecodeStatus::kUnknownMessage;
      }
      Entry* const added = ids_.emplace(coin, std::move(fresh)).first;
      if (added->id == kNoInstrument) return DecodeStatus::kIgnored;
      entry = added;
      return DecodeStatus::kOk;
    } catch (...) {
      return DecodeStatus::kUnknownMessage;  // out of memory: count it, do not crash
    }
  }

  VenueSettings settings_;
  core::InstrumentTable& table_;
  std::vector<std::string> symbols_;  // tracked coins, in config order
  bool accept_all_ = false;           // no coins configured: every coin is tracked
  SymbolMap<Entry> ids_;
  std::vector<Pending> pending_;  // trade keys of the current frame, committed on success
  std::uint64_t duplicates_ = 0;
  std::uint64_t fast_frames_ = 0;
  std::array<TradeFields, kFastTrades> fast_trades_;  // the fast path's items, reused
  std::string buffer_;  // padded copy of the current frame, reused
  od::parser parser_;
  od::parser data_parser_;  // for a `data` that precedes `channel`
};

// ---------------------------------------------------------------------------------------------
// {"type":"meta"}: {"universe":[{"name":"BTC","szDecimals":5,"maxLeverage":50},…]}

/// One `universe[]` entry. Entries that are not objects, lack a usable name, have a
/// non-integer szDecimals or are delisted are skipped (kOk); only broken JSON is an error.
DecodeStatus parse_universe_entry(od::value& v, std::vector<core::InstrumentSpec>& out) {
  od::object obj;
  if (auto err = v.get_object().get(obj)) {
    return err == simdjson::INCORRECT_TYPE ? DecodeStatus::kOk : DecodeStatus::kMalformedJson;
  }
  Slot<std::string_view> name;
  Slot<std::int64_t> sz_decimals;
  bool delisted = false;
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    const od::raw_json_string key = field.key();
    if (key == "name") {
      read(field.value(), name);
    } else if (key == "szDecimals") {
      read_integer(field.value(), sz_decimals);
    } else if (key == "isDelisted") {
      bool b = false;
      if (field.value().get_bool().get(b) == simdjson::SUCCESS) delisted = b;
    }
  }
  if (name.status == DecodeStatus::kMalformedJson ||
      sz_decimals.status == DecodeStatus::kMalformedJson) {
    return DecodeStatus::kMalformedJson;
  }
  if (name.status != DecodeStatus::kOk || !valid_symbol(name.value) || delisted) {
    return DecodeStatus::kOk;
  }
  if (sz_decimals.seen() && (sz_decimals.status != DecodeStatus::kOk || sz_decimals.value < 0 ||
                             sz_decimals.value > 18)) {
    return DecodeStatus::kOk;  // a broken entry: skip it, keep the rest
  }
  // szDecimals is the size precision only; sizes are in coins, so contract_value stays 1.
  out.push_back(make_spec(name.value));
  out.back().tracked = true;
  return DecodeStatus::kOk;
}

DecodeStatus parse_meta(std::string_view body, std::vector<core::InstrumentSpec>& out) {
  if (body.empty()) return DecodeStatus::kMalformedJson;
  const simdjson::padded_string json(body);
  od::parser parser;
  od::document doc;
  if (parser.iterate(json).get(doc)) return DecodeStatus::kMalformedJson;
  od::json_type type;
  if (doc.type().get(type)) return DecodeStatus::kMalformedJson;
  if (type != od::json_type::object) {
    if (type == od::json_type::array) return DecodeStatus::kUnknownMessage;
    return classify_scalar(doc, type);
  }
  od::object root;
  if (doc.get_object().get(root)) return DecodeStatus::kMalformedJson;
  bool universe_seen = false;
  for (auto field_result : root) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    if (field.key() == "universe") {
      universe_seen = true;
      od::array arr;
      if (auto err = field.value().get_array().get(arr)) return status_of(err);
      for (auto element_result : arr) {
        od::value element;
        if (element_result.get(element)) return DecodeStatus::kMalformedJson;
        const DecodeStatus st = parse_universe_entry(element, out);
        if (st != DecodeStatus::kOk) return st;
      }
    }
  }
  if (!at_document_end(doc)) return DecodeStatus::kMalformedJson;
  return universe_seen ? DecodeStatus::kOk : DecodeStatus::kMissingField;
}

}  // namespace

std::unique_ptr<Codec> make_codec(const VenueSettings& settings, core::InstrumentTable& table) {
  return std::make_unique<HyperliquidCodec>(settings, table);
}

std::vector<std::string> metadata_targets() { return {}; }

DecodeStatus parse_metadata(std::size_t target_index, std::string_view body,
                            std::vector<core::InstrumentSpec>& out) noexcept {
  if (target_index != 0) return DecodeStatus::kUnknownMessage;
  const std::size_t mark = out.size();
  DecodeStatus status = DecodeStatus::kMalformedJson;
  try {
    status = parse_meta(body, out);
  } catch (...) {
    status = DecodeStatus::kMalformedJson;  // out of memory; metadata is not the hot path
  }
  if (status != DecodeStatus::kOk) {
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
  }
  return status;
}

std::vector<core::InstrumentSpec> bundled_instruments() {
  std::vector<core::InstrumentSpec> specs;
  for (const std::string_view coin : {"BTC", "ETH", "SOL", "XRP", "DOGE", "HYPE"}) {
    specs.push_back(make_spec(coin));
  }
  return specs;
}

VenueSettings default_settings() {
  VenueSettings s;
  s.venue = core::Venue::kHyperliquid;
  s.enabled = true;
  s.ws_url = std::string(kDefaultWsUrl);
  s.rest_url = std::string(kDefaultRestUrl);
  s.symbols = {"BTC", "ETH"};
  s.silence_timeout = std::chrono::seconds(30);  // activeAssetCtx arrives about once a second
  return s;
}

std::uint64_t duplicate_trades(const Codec& codec) noexcept {
  const auto* hl = dynamic_cast<const HyperliquidCodec*>(&codec);
  return hl != nullptr ? hl->duplicates() : 0;
}

}  // namespace levdyn::venues::hyperliquid
