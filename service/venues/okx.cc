// OKX v5 public codec: `{"arg":{…},"data":[…]}` push frames of the open-interest, mark-price,
// trades, funding-rate and liquidation-orders channels, subscribe acks and errors, the text
// `pong`, and the REST instruments body (contract values), to normalized events and instrument
// specs (venues.md §3).
//
// Units: every size is in contracts. Linear (ctValCcy = coin): base = contracts × ctVal × ctMult,
// USD = base × price. Inverse (ctValCcy = USD): USD = contracts × ctVal × ctMult,
// base = USD / price. The table's contract_value holds ctVal × ctMult.

#include "service/venues/okx.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "service/venues/decimal.h"
#include "service/venues/json_scan.h"
#include "service/venues/symbol_map.h"

namespace levdyn::venues::okx {
namespace {

namespace od = simdjson::ondemand;
using core::InstrumentId;
using core::kNoInstrument;

constexpr std::string_view kDefaultWsUrl = "wss://ws.okx.com:8443/ws/v5/public";
constexpr std::string_view kDefaultRestUrl = "https://www.okx.com";
constexpr std::string_view kInstrumentsPath = "/api/v5/public/instruments?instType=SWAP";

// OKX closes a connection after 30 s without traffic; ping after 25 s of silence.
constexpr std::chrono::milliseconds kPingAfterSilence{25'000};
// When funding-rate gives no fundingTime/nextFundingTime pair, assume OKX's usual 8 h.
constexpr std::int32_t kDefaultFundingIntervalS = 8 * 3600;
// A sane bound for an interval derived from two timestamps (1 min .. 7 days).
constexpr std::int64_t kMinFundingIntervalS = 60;
constexpr std::int64_t kMaxFundingIntervalS = 7 * 24 * 3600;
constexpr std::size_t kMaxCachedSymbols = 4096;
constexpr std::size_t kInitialBufferBytes = 64 * 1024;
constexpr std::int64_t kMaxTimestampMs = std::numeric_limits<std::int64_t>::max() / 1'000'000;

constexpr std::string_view kLabelLiquidation = "liquidation";
constexpr std::string_view kLabelTrade = "trade";
constexpr std::string_view kLabelMarkPrice = "mark_price";
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

/// Parses a millisecond timestamp sent as a string ("1640131258756") into ns.
DecodeStatus parse_ms(std::string_view s, std::int64_t& ns) noexcept {
  if (s.empty()) return DecodeStatus::kBadNumber;
  std::int64_t ms = 0;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, ms);
  if (ec != std::errc() || ptr != end) return DecodeStatus::kBadNumber;
  if (ms <= 0 || ms > kMaxTimestampMs) return DecodeStatus::kBadNumber;
  ns = ms * 1'000'000;
  return DecodeStatus::kOk;
}

/// An instId the instrument table can hold and a subscribe frame can carry.
bool valid_symbol(std::string_view s) noexcept {
  if (s.empty() || s.size() >= sizeof(core::InstrumentInfo::symbol)) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    // ':' is reserved for the table's "_other:<ASSET>" keys; quotes would break the JSON.
    if (u <= 0x20 || u >= 0x7f || c == ':' || c == '"' || c == '\\') return false;
  }
  return true;
}

std::string to_upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return r;
}

/// The i-th dash-separated segment of an instId ("BTC-USDT-SWAP", 1 -> "USDT").
std::string_view segment(std::string_view s, int i) noexcept {
  for (; i > 0; --i) {
    const std::size_t dash = s.find('-');
    if (dash == std::string_view::npos) return {};
    s.remove_prefix(dash + 1);
  }
  return s.substr(0, s.find('-'));
}

/// Base asset of an instId without metadata: its first segment ("BTC-USD-SWAP" -> "BTC").
std::string derive_asset(std::string_view inst_id) {
  return core::normalize_asset(segment(inst_id, 0));
}

core::InstrumentSpec make_spec(std::string_view symbol, std::string_view asset,
                               core::ContractKind kind, double contract_value) {
  core::InstrumentSpec spec;
  spec.venue = core::Venue::kOkx;
  spec.symbol = std::string(symbol);
  spec.asset = std::string(asset);
  spec.kind = kind;
  spec.contract_value = contract_value;
  spec.tracked = true;
  return spec;
}

/// The compiled-in contract specs (venues.md §3 "Contract value"; OKX instruments endpoint).
std::vector<core::InstrumentSpec> bundled_specs() {
  return {make_spec("BTC-USDT-SWAP", "BTC", core::ContractKind::kLinear, 0.01),
          make_spec("ETH-USDT-SWAP", "ETH", core::ContractKind::kLinear, 0.1),
          make_spec("BTC-USD-SWAP", "BTC", core::ContractKind::kInverse, 100.0),
          make_spec("ETH-USD-SWAP", "ETH", core::ContractKind::kInverse, 10.0)};
}

/// A spec for an instId the table does not know: the bundled one when there is one, else the
/// asset and kind from its name and an unknown (NaN) contract value, so sizes stay absent
/// rather than invented.
core::InstrumentSpec derived_spec(std::string_view symbol) {
  for (auto& spec : bundled_specs()) {
    if (spec.symbol == symbol) return spec;
  }
  const core::ContractKind kind =
      segment(symbol, 1) == "USD" ? core::ContractKind::kInverse : core::ContractKind::kLinear;
  return make_spec(symbol, derive_asset(symbol), kind, core::kAbsent);
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

/// True when nothing but whitespace follows the root value.
bool at_document_end(od::document& doc) noexcept {
  const char* loc = nullptr;
  return doc.current_location().get(loc) == simdjson::OUT_OF_BOUNDS;
}

// ---------------------------------------------------------------------------------------------
// Field capture. Every OKX value we use is a JSON string (numbers and timestamps too).

/// A field of a frame: absent (kMissingField), read (kOk) or unreadable (the reason).
/// IMPORTANT: the view points into the parser's string buffer; valid only until the parser
/// iterates the next frame.
struct Slot {
  std::string_view value;
  DecodeStatus status = DecodeStatus::kMissingField;
  [[nodiscard]] bool seen() const noexcept { return status != DecodeStatus::kMissingField; }
};

void read(od::value& v, Slot& s) noexcept { s.status = status_of(v.get_string().get(s.value)); }

/// A required numeric string.
DecodeStatus required_number(const Slot& s, double& out, bool allow_negative = false) noexcept {
  if (s.status != DecodeStatus::kOk) return s.status;
  return parse_decimal(s.value, out, allow_negative);
}

/// An optional numeric string: absent or "" leaves `out` untouched (OKX sends "" for "none").
DecodeStatus optional_number(const Slot& s, double& out, bool allow_negative = false) noexcept {
  if (!s.seen()) return DecodeStatus::kOk;
  if (s.status != DecodeStatus::kOk) return s.status;
  if (s.value.empty()) return DecodeStatus::kOk;
  return parse_decimal(s.value, out, allow_negative);
}

DecodeStatus required_ts(const Slot& s, std::int64_t& ns) noexcept {
  if (s.status != DecodeStatus::kOk) return s.status;
  return parse_ms(s.value, ns);
}

/// An optional timestamp: absent or "" gives 0.
DecodeStatus optional_ts(const Slot& s, std::int64_t& ns) noexcept {
  ns = 0;
  if (!s.seen()) return DecodeStatus::kOk;
  if (s.status != DecodeStatus::kOk) return s.status;
  if (s.value.empty()) return DecodeStatus::kOk;
  return parse_ms(s.value, ns);
}

/// One `data[]` element (the union of the channels' fields).
struct DataFields {
  Slot inst_id;        // instId
  Slot oi;             // open-interest
  Slot oi_ccy;
  Slot oi_usd;
  Slot mark_px;        // mark-price
  Slot px;             // trades
  Slot sz;
  Slot side;
  Slot funding_rate;   // funding-rate
  Slot funding_time;
  Slot next_funding_time;
  Slot ts;
  bool has_details = false;  // liquidation-orders
};

/// One `details[]` entry of liquidation-orders.
struct DetailFields {
  Slot side;
  Slot pos_side;
  Slot sz;
  Slot bk_px;
  Slot ts;
};

// Fast-path capture (json_scan.h): the same slots decode_item and read_detail fill.


/// The slot decode_item reads `key` into, or null (`details` included: it is read apart).
Slot* data_slot(DataFields& d, std::string_view key) noexcept {
  if (scan::is(key, "instId")) return &d.inst_id;
  if (scan::is(key, "ts")) return &d.ts;
  if (scan::is(key, "px")) return &d.px;
  if (scan::is(key, "sz")) return &d.sz;
  if (scan::is(key, "side")) return &d.side;
  if (scan::is(key, "markPx")) return &d.mark_px;
  if (scan::is(key, "oi")) return &d.oi;
  if (scan::is(key, "oiCcy")) return &d.oi_ccy;
  if (scan::is(key, "oiUsd")) return &d.oi_usd;
  if (scan::is(key, "fundingRate")) return &d.funding_rate;
  if (scan::is(key, "fundingTime")) return &d.funding_time;
  if (scan::is(key, "nextFundingTime")) return &d.next_funding_time;
  return nullptr;
}

/// The slot read_detail reads `key` into, or null.
Slot* detail_slot(DetailFields& d, std::string_view key) noexcept {
  if (scan::is(key, "side")) return &d.side;
  if (scan::is(key, "posSide")) return &d.pos_side;
  if (scan::is(key, "sz")) return &d.sz;
  if (scan::is(key, "bkPx")) return &d.bk_px;
  if (scan::is(key, "ts")) return &d.ts;
  return nullptr;
}

// OKX pushes one item per frame but for trades, which may batch a few; a liquidation item
// carries one detail or a few. Frames with more fall back to simdjson.
constexpr std::size_t kFastItems = 4;
constexpr std::size_t kFastDetails = 8;  // across all items of a frame

/// One `data[]` item as the fast path reads it; a liquidation item's `details[]` entries are
/// FastFrame::details[first_detail, first_detail + detail_count).
struct FastItem {
  DataFields fields;
  std::size_t first_detail = 0;
  std::size_t detail_count = 0;
};

/// Everything the fast path reads from a frame before it decodes any of it. Optional, so
/// only the items a frame has are built.
struct FastFrame {
  std::array<std::optional<FastItem>, kFastItems> items;
  std::array<std::optional<DetailFields>, kFastDetails> details;
  std::size_t item_count = 0;
  std::size_t detail_count = 0;
};

enum class ChannelKind : std::uint8_t {
  kOpenInterest,
  kMarkPrice,
  kTrades,
  kFundingRate,
  kLiquidations,
};

bool channel_kind(std::string_view name, ChannelKind& kind, std::string_view& label) noexcept {
  if (scan::is(name, "open-interest")) {
    kind = ChannelKind::kOpenInterest;
    label = kLabelOpenInterest;
  } else if (scan::is(name, "mark-price")) {
    kind = ChannelKind::kMarkPrice;
    label = kLabelMarkPrice;
  } else if (scan::is(name, "trades")) {
    kind = ChannelKind::kTrades;
    label = kLabelTrade;
  } else if (scan::is(name, "funding-rate")) {
    kind = ChannelKind::kFundingRate;
    label = kLabelMarkPrice;
  } else if (scan::is(name, "liquidation-orders")) {
    kind = ChannelKind::kLiquidations;
    label = kLabelLiquidation;
  } else {
    return false;
  }
  return true;
}

DecodeStatus parse_side(std::string_view s, core::Side& side) noexcept {
  if (scan::is(s, "buy")) {
    side = core::Side::kBuy;
  } else if (scan::is(s, "sell")) {
    side = core::Side::kSell;
  } else {
    return DecodeStatus::kUnknownMessage;
  }
  return DecodeStatus::kOk;
}

// ---------------------------------------------------------------------------------------------

/// The OKX v5 public codec. Not thread-safe: owned and called by one feed thread.
class OkxCodec final : public Codec {
 public:
  OkxCodec(const VenueSettings& settings, core::InstrumentTable& table)
      : settings_(settings), table_(table) {
    buffer_.resize(kInitialBufferBytes + simdjson::SIMDJSON_PADDING);
    ids_.reserve(64);
    for (const std::string& raw : settings.symbols) {
      std::string symbol = to_upper(raw);
      if (!valid_symbol(symbol)) {
        throw std::invalid_argument("venues.okx.symbols: invalid symbol '" + raw + "'");
      }
      if (ids_.contains(symbol)) continue;  // listed twice
      InstrumentId id = table_.find(core::Venue::kOkx, symbol);
      if (id == kNoInstrument) id = table_.add(derived_spec(symbol));
      if (id == kNoInstrument) {
        throw std::invalid_argument("venues.okx.symbols: the instrument table cannot hold '" +
                                    raw + "'");
      }
      ids_.emplace(symbol, entry_for(id));
      symbols_.push_back(std::move(symbol));
    }
    accept_all_ = symbols_.empty();
  }

  [[nodiscard]] core::Venue venue() const noexcept override { return core::Venue::kOkx; }

  [[nodiscard]] std::uint64_t fast_frames() const noexcept override { return fast_frames_; }

  [[nodiscard]] std::vector<WsEndpoint> ws_endpoints() const override {
    std::string sub = R"({"op":"subscribe","args":[)";
    for (const std::string& symbol : symbols_) {
      for (const std::string_view channel : {"open-interest", "mark-price", "trades",
                                             "funding-rate"}) {
        sub += R"({"channel":")";
        sub += channel;
        sub += R"(","instId":")";
        sub += symbol;
        sub += R"("},)";
      }
    }
    // The only liquidation source: one subscription for every SWAP instrument, filtered here.
    sub += R"({"channel":"liquidation-orders","instType":"SWAP"}]})";
    return {WsEndpoint{settings_.ws_url, {std::move(sub)}}};
  }

  [[nodiscard]] Heartbeat heartbeat() const override {
    return Heartbeat{Heartbeat::Kind::kOnSilence, kPingAfterSilence, "ping"};
  }

  [[nodiscard]] std::vector<RestPoll> rest_polls() const override { return {}; }  // OI is on WS

  [[nodiscard]] std::string_view liquidation_completeness() const noexcept override {
    // At most one order per contract per second and "not the total number of liquidations on
    // OKX": a sample, as its events say (Completeness::kThrottled).
    return "throttled";
  }

  void on_connected(std::uint16_t /*endpoint*/) override {}  // no per-connection state

  DecodeResult decode(std::string_view frame, const FrameMeta& meta,
                      std::vector<core::NormalizedEvent>& out,
                      std::string& /*reply*/) noexcept override {
    if (scan::is(frame, "pong")) return DecodeResult{DecodeStatus::kIgnored, kLabelControl};
    const std::size_t mark = out.size();
    Frame f{meta, out, "unknown"};
    const DecodeStatus status = decode_frame(frame, f);
    // No partial frames: an error takes back whatever this frame appended.
    if (is_error(status)) out.erase(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
    return DecodeResult{status, f.label};
  }

 private:
  /// Cached resolution of one instId.
  struct Entry {
    InstrumentId tracked = kNoInstrument;  // the instrument, when tracked
    InstrumentId other = kNoInstrument;    // its "_other" bucket, created on first use
    core::ContractKind kind = core::ContractKind::kLinear;
    double contract_value = core::kAbsent;  // ctVal × ctMult; NaN when unknown
  };

  /// Per-frame decoding state.
  struct Frame {
    const FrameMeta& meta;
    std::vector<core::NormalizedEvent>& out;
    std::string_view label;
  };

  Entry entry_for(InstrumentId id) const noexcept {
    const core::InstrumentInfo& info = table_.get(id);
    Entry e;
    e.tracked = info.tracked ? id : kNoInstrument;
    e.kind = info.kind;
    e.contract_value =
        std::isfinite(info.contract_value) && info.contract_value > 0 ? info.contract_value
                                                                      : core::kAbsent;
    return e;
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
      // Valid JSON of a shape OKX does not send; a broken array is still malformed.
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

    // Pass 1: the envelope (event, arg, code); `data` is skipped, since `arg` (which says how to
    // read it) may follow it.
    od::object root;
    if (doc.get_object().get(root)) return DecodeStatus::kMalformedJson;
    Slot event;
    Slot channel;
    Slot inst_id;
    bool has_arg = false;
    bool has_data = false;
    DecodeStatus arg_status = DecodeStatus::kOk;
    for (auto field_result : root) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      od::value& value = field.value();
      if (key == "event") {
        read(value, event);
        if (event.status == DecodeStatus::kMalformedJson) return event.status;
      } else if (key == "arg") {
        has_arg = true;
        arg_status = read_arg(value, channel, inst_id);
        if (arg_status == DecodeStatus::kMalformedJson) return arg_status;
      } else if (key == "data") {
        has_data = true;
      }
    }
    if (!at_document_end(doc)) return DecodeStatus::kMalformedJson;  // trailing bytes

    if (event.seen()) {
      f.label = kLabelControl;
      if (event.status != DecodeStatus::kOk) return event.status;
      const std::string_view e = event.value;
      if (scan::is(e, "error"))
        return DecodeStatus::kVenueError;  // {"event":"error","code":"60012",…}
      // Acks, the upgrade notice and the connection-count report.
      if (scan::is(e, "subscribe") || scan::is(e, "unsubscribe") || scan::is(e, "notice") ||
          scan::is(e, "channel-conn-count")) {
        return DecodeStatus::kIgnored;
      }
      return DecodeStatus::kUnknownMessage;
    }
    if (!has_data) return has_arg ? DecodeStatus::kMissingField : DecodeStatus::kUnknownMessage;
    if (!has_arg) return DecodeStatus::kMissingField;
    if (arg_status != DecodeStatus::kOk) return arg_status;
    if (channel.status != DecodeStatus::kOk) return channel.status;
    ChannelKind kind;
    if (!channel_kind(channel.value, kind, f.label)) return DecodeStatus::kUnknownMessage;

    // Pass 2: the data array.
    doc.rewind();
    if (doc.get_object().get(root)) return DecodeStatus::kMalformedJson;
    for (auto field_result : root) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      if (field.key() == "data") return decode_data(field.value(), kind, f);
    }
    return DecodeStatus::kMalformedJson;  // pass 1 saw it
  }

  // -------------------------------------------------------------------------------------------
  // Fast path (json_scan.h): the push frames OKX sends all day, `{"arg":{"channel":…},
  // "data":[{…},…]}` of the five channels, read into the same DataFields and DetailFields as
  // decode_item and read_detail and handed to the same per-channel decoders, item by item, as
  // decode_data does. Anything else (an event, `arg` after `data`, either twice, an unknown
  // channel, more items or details than FastFrame holds, a second `details`, escapes, a field
  // of an unexpected type) returns false before any state changes, and the simdjson path
  // decodes the frame.

  bool fast_decode(std::string_view frame, Frame& f, DecodeStatus& status) noexcept {
    scan::Cursor c(frame);
    FastFrame ff;
    ChannelKind kind = ChannelKind::kTrades;
    std::string_view label;
    bool has_arg = false;
    bool has_data = false;
    const bool read = c.object([&](scan::Key k) {
      if (scan::is(k, "arg")) {
        if (has_arg) return false;
        has_arg = true;
        Slot channel;
        return fast_arg(c, channel) && channel.seen() && channel_kind(channel.value, kind, label);
      }
      if (scan::is(k, "data")) {
        if (!has_arg || has_data) return false;
        has_data = true;
        return fast_data(c, kind, ff);
      }
      return !scan::is(k, "event") && c.skip();  // an event is a control frame
    });
    if (!read || !has_data || !c.end()) return false;

    f.label = label;
    status = decode_each(ff.item_count, [&](std::size_t i) {
      const FastItem& item = *ff.items[i];
      return kind == ChannelKind::kLiquidations ? fast_liquidations(item, ff, f)
                                                : decode_fields(item.fields, kind, f);
    });
    ++fast_frames_;
    return true;
  }

  /// The `arg` object as read_arg reads it: `channel` (a string), the rest only validated.
  static bool fast_arg(scan::Cursor& c, Slot& channel) noexcept {
    return c.object(
        [&](scan::Key k) { return scan::is(k, "channel") ? scan::read(c, channel) : c.skip(); });
  }

  /// The `data` array: objects, each into a FastItem; for liquidation-orders, the entries of
  /// the item's `details` (the first and only one) into ff.details.
  static bool fast_data(scan::Cursor& c, ChannelKind kind, FastFrame& ff) noexcept {
    return c.array([&] {
      if (ff.item_count == kFastItems) return false;
      FastItem& item = ff.items[ff.item_count++].emplace();
      item.first_detail = ff.detail_count;
      return c.object([&](scan::Key k) {
        if (scan::is(k, "details") && kind == ChannelKind::kLiquidations) {
          if (item.fields.has_details) return false;  // decode_liquidations reads the first
          item.fields.has_details = true;
          return fast_details(c, ff, item);
        }
        Slot* const slot = data_slot(item.fields, k);
        return slot != nullptr ? scan::read(c, *slot) : c.skip();
      });
    });
  }

  /// A liquidation item's `details` array: objects, read as read_detail reads them.
  static bool fast_details(scan::Cursor& c, FastFrame& ff, FastItem& item) noexcept {
    return c.array([&] {
      if (ff.detail_count == kFastDetails) return false;
      DetailFields& d = ff.details[ff.detail_count++].emplace();
      ++item.detail_count;
      return c.object([&](scan::Key k) {
        Slot* const slot = detail_slot(d, k);
        return slot != nullptr ? scan::read(c, *slot) : c.skip();
      });
    });
  }

  /// A liquidation item read by the fast path, decoded as decode_liquidations decodes it.
  DecodeStatus fast_liquidations(const FastItem& item, const FastFrame& ff, Frame& f) noexcept {
    const Entry* entry = nullptr;
    InstrumentId id = kNoInstrument;
    const DecodeStatus resolved = resolve_liquidation(item.fields, entry, id);
    if (is_error(resolved)) return resolved;
    for (std::size_t j = 0; j < item.detail_count; ++j) {
      const DecodeStatus st = decode_detail(*ff.details[item.first_detail + j], entry, id, f);
      if (st != DecodeStatus::kOk) return st;
    }
    return resolved;
  }

  /// The `arg` object: channel (and instId/instType, not needed: each data item names its own).
  static DecodeStatus read_arg(od::value& v, Slot& channel, Slot& inst_id) noexcept {
    od::object obj;
    if (auto err = v.get_object().get(obj)) return status_of(err);
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      if (key == "channel") {
        read(field.value(), channel);
      } else if (key == "instId") {
        read(field.value(), inst_id);
      }
    }
    if (channel.status == DecodeStatus::kMalformedJson) return channel.status;
    if (inst_id.status == DecodeStatus::kMalformedJson) return inst_id.status;
    return DecodeStatus::kOk;
  }

  DecodeStatus decode_data(od::value& value, ChannelKind kind, Frame& f) noexcept {
    od::array arr;
    if (auto err = value.get_array().get(arr)) return status_of(err);
    DecodeStatus combined = DecodeStatus::kIgnored;
    for (auto element_result : arr) {
      od::value element;
      if (element_result.get(element)) return DecodeStatus::kMalformedJson;
      od::object obj;
      if (auto err = element.get_object().get(obj)) return status_of(err);
      const DecodeStatus status = decode_item(obj, kind, f);
      if (is_error(status)) return status;
      if (status == DecodeStatus::kOk) combined = DecodeStatus::kOk;
    }
    return combined;
  }

  DecodeStatus decode_item(od::object& obj, ChannelKind kind, Frame& f) noexcept {
    DataFields d;
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      od::value& v = field.value();
      Slot* slot = nullptr;
      if (key == "instId") {
        slot = &d.inst_id;
      } else if (key == "ts") {
        slot = &d.ts;
      } else if (key == "oi") {
        slot = &d.oi;
      } else if (key == "oiCcy") {
        slot = &d.oi_ccy;
      } else if (key == "oiUsd") {
        slot = &d.oi_usd;
      } else if (key == "markPx") {
        slot = &d.mark_px;
      } else if (key == "px") {
        slot = &d.px;
      } else if (key == "sz") {
        slot = &d.sz;
      } else if (key == "side") {
        slot = &d.side;
      } else if (key == "fundingRate") {
        slot = &d.funding_rate;
      } else if (key == "fundingTime") {
        slot = &d.funding_time;
      } else if (key == "nextFundingTime") {
        slot = &d.next_funding_time;
      } else if (key == "details") {
        d.has_details = true;  // read in a second pass, once instId is known
      }
      if (slot != nullptr) {
        read(v, *slot);
        if (slot->status == DecodeStatus::kMalformedJson) return slot->status;
      }
    }
    if (kind == ChannelKind::kLiquidations) return decode_liquidations(obj, d, f);
    return decode_fields(d, kind, f);
  }

  /// An item of a channel other than liquidation-orders: everything it needs is in `d`.
  DecodeStatus decode_fields(const DataFields& d, ChannelKind kind, Frame& f) noexcept {
    switch (kind) {
      case ChannelKind::kOpenInterest: return decode_open_interest(d, f);
      case ChannelKind::kMarkPrice: return decode_mark_price(d, f);
      case ChannelKind::kTrades: return decode_trade(d, f);
      case ChannelKind::kFundingRate: return decode_funding(d, f);
      case ChannelKind::kLiquidations: break;
    }
    return DecodeStatus::kUnknownMessage;
  }

  DecodeStatus decode_open_interest(const DataFields& d, Frame& f) noexcept {
    double contracts = 0.0;
    double base = core::kAbsent;
    double usd = core::kAbsent;
    DecodeStatus st = required_number(d.oi, contracts);
    if (st == DecodeStatus::kOk) st = optional_number(d.oi_ccy, base);
    if (st == DecodeStatus::kOk) st = optional_number(d.oi_usd, usd);
    if (st != DecodeStatus::kOk) return st;
    std::int64_t ts = 0;
    st = required_ts(d.ts, ts);
    if (st != DecodeStatus::kOk) return st;
    const Entry* entry = nullptr;
    st = resolve(d.inst_id, /*route_other=*/false, entry);
    if (st != DecodeStatus::kOk) return st;

    // Fill what the venue left out from the contract value, never from a guess.
    if (core::present(entry->contract_value)) {
      if (entry->kind == core::ContractKind::kLinear && !core::present(base)) {
        base = contracts * entry->contract_value;
      } else if (entry->kind == core::ContractKind::kInverse && !core::present(usd)) {
        usd = contracts * entry->contract_value;  // inverse contracts are USD
      }
    }
    core::NormalizedEvent e = core::make_event(core::EventType::kOpenInterest, core::Venue::kOkx,
                                               entry->tracked, ts, f.meta.recv_wall_ns,
                                               f.meta.recv_steady_ns);
    e.oi.contracts = contracts;
    e.oi.base = base;
    e.oi.notional_usd = usd;
    e.oi.source = core::OiSource::kWs;
    f.out.push_back(e);
    return DecodeStatus::kOk;
  }

  DecodeStatus decode_mark_price(const DataFields& d, Frame& f) noexcept {
    double mark = 0.0;
    DecodeStatus st = required_number(d.mark_px, mark);
    if (st != DecodeStatus::kOk) return st;
    if (!(mark > 0.0)) return DecodeStatus::kBadNumber;
    std::int64_t ts = 0;
    st = required_ts(d.ts, ts);
    if (st != DecodeStatus::kOk) return st;
    const Entry* entry = nullptr;
    st = resolve(d.inst_id, /*route_other=*/false, entry);
    if (st != DecodeStatus::kOk) return st;

    core::NormalizedEvent e = core::make_event(core::EventType::kMarkPrice, core::Venue::kOkx,
                                               entry->tracked, ts, f.meta.recv_wall_ns,
                                               f.meta.recv_steady_ns);
    e.mark.mark = mark;
    e.mark.index = core::kAbsent;
    e.mark.funding_rate = core::kAbsent;  // on the funding-rate channel
    e.mark.funding_interval_s = 0;
    f.out.push_back(e);
    return DecodeStatus::kOk;
  }

  DecodeStatus decode_funding(const DataFields& d, Frame& f) noexcept {
    double rate = 0.0;
    DecodeStatus st = required_number(d.funding_rate, rate, /*allow_negative=*/true);
    if (st != DecodeStatus::kOk) return st;
    std::int64_t funding_ns = 0;
    std::int64_t next_ns = 0;
    std::int64_t ts = 0;
    st = optional_ts(d.funding_time, funding_ns);
    if (st == DecodeStatus::kOk) st = optional_ts(d.next_funding_time, next_ns);
    // Older pushes carry no ts: then the receive time stands (fundingTime is not event time).
    if (st == DecodeStatus::kOk) st = optional_ts(d.ts, ts);
    if (st != DecodeStatus::kOk) return st;
    const Entry* entry = nullptr;
    st = resolve(d.inst_id, /*route_other=*/false, entry);
    if (st != DecodeStatus::kOk) return st;

    // The rate is per funding period; its length is nextFundingTime - fundingTime. The engine
    // normalizes to 8 h with funding_interval_s.
    std::int32_t interval_s = kDefaultFundingIntervalS;
    if (funding_ns > 0 && next_ns > funding_ns) {
      const std::int64_t s = (next_ns - funding_ns) / 1'000'000'000;
      if (s >= kMinFundingIntervalS && s <= kMaxFundingIntervalS) {
        interval_s = static_cast<std::int32_t>(s);
      }
    }
    core::NormalizedEvent e = core::make_event(core::EventType::kMarkPrice, core::Venue::kOkx,
                                               entry->tracked, ts, f.meta.recv_wall_ns,
                                               f.meta.recv_steady_ns);
    e.mark.mark = core::kAbsent;  // funding only; mark-price carries the mark
    e.mark.index = core::kAbsent;
    e.mark.funding_rate = rate;
    e.mark.funding_interval_s = interval_s;
    f.out.push_back(e);
    return DecodeStatus::kOk;
  }

  DecodeStatus decode_trade(const DataFields& d, Frame& f) noexcept {
    double price = 0.0;
    double contracts = 0.0;
    DecodeStatus st = required_number(d.px, price);
    if (st == DecodeStatus::kOk) st = required_number(d.sz, contracts);
    if (st != DecodeStatus::kOk) return st;
    if (!(price > 0.0) || !(contracts > 0.0)) return DecodeStatus::kBadNumber;
    if (d.side.status != DecodeStatus::kOk) return d.side.status;
    core::Side side;
    st = parse_side(d.side.value, side);
    if (st != DecodeStatus::kOk) return st;
    std::int64_t ts = 0;
    st = required_ts(d.ts, ts);
    if (st != DecodeStatus::kOk) return st;
    const Entry* entry = nullptr;
    st = resolve(d.inst_id, /*route_other=*/false, entry);
    if (st != DecodeStatus::kOk) return st;

    core::NormalizedEvent e = core::make_event(core::EventType::kTrade, core::Venue::kOkx,
                                               entry->tracked, ts, f.meta.recv_wall_ns,
                                               f.meta.recv_steady_ns);
    to_units(*entry, contracts, price, e.trade.quantity, e.trade.notional_usd);
    e.trade.price = price;
    e.trade.taker_side = side;  // OKX `side` is the taker side
    f.out.push_back(e);
    return DecodeStatus::kOk;
  }

  /// liquidation-orders: every SWAP instrument; tracked instIds to their instrument, the rest to
  /// "_other" when all_liquidations is on (else ignored). Each detail carries its own ts, which
  /// may be late or out of order: it is the event's exchange time as given.
  DecodeStatus decode_liquidations(od::object& obj, const DataFields& d, Frame& f) noexcept {
    const Entry* entry = nullptr;
    InstrumentId id = kNoInstrument;
    const DecodeStatus resolved = resolve_liquidation(d, entry, id);
    if (is_error(resolved)) return resolved;
    // Second pass over the item for `details` (validated even when the instId is ignored).
    if (obj.reset().error()) return DecodeStatus::kMalformedJson;
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      if (field.key() != "details") continue;
      od::array arr;
      if (auto err = field.value().get_array().get(arr)) return status_of(err);
      for (auto detail_result : arr) {
        od::value detail;
        if (detail_result.get(detail)) return DecodeStatus::kMalformedJson;
        DetailFields fields;
        DecodeStatus st = read_detail(detail, fields);
        if (st == DecodeStatus::kOk) st = decode_detail(fields, entry, id, f);
        if (st != DecodeStatus::kOk) return st;
      }
      break;
    }
    return resolved;
  }

  /// The instrument of a liquidation-orders item, before its details: kOk with `entry` and
  /// `id` set, kIgnored (`id` stays kNoInstrument: the details are only validated) or an error.
  DecodeStatus resolve_liquidation(const DataFields& d, const Entry*& entry,
                                   InstrumentId& id) noexcept {
    if (!d.has_details) return DecodeStatus::kMissingField;
    const DecodeStatus st = resolve(d.inst_id, settings_.all_liquidations, entry);
    if (st != DecodeStatus::kOk) return st;
    id = entry->tracked != kNoInstrument ? entry->tracked : entry->other;
    return st;
  }

  /// Reads one `details[]` entry into `d`: kOk, or why it cannot be read.
  static DecodeStatus read_detail(od::value& v, DetailFields& d) noexcept {
    od::object obj;
    if (auto err = v.get_object().get(obj)) return status_of(err);
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      Slot* slot = nullptr;
      if (key == "side") {
        slot = &d.side;
      } else if (key == "posSide") {
        slot = &d.pos_side;
      } else if (key == "sz") {
        slot = &d.sz;
      } else if (key == "bkPx") {
        slot = &d.bk_px;
      } else if (key == "ts") {
        slot = &d.ts;
      }
      if (slot != nullptr) {
        read(field.value(), *slot);
        if (slot->status == DecodeStatus::kMalformedJson) return slot->status;
      }
    }
    return DecodeStatus::kOk;
  }

  /// One `details[]` entry; `id` is kNoInstrument when the instId is not reported (then the
  /// entry is only validated).
  DecodeStatus decode_detail(const DetailFields& d, const Entry* entry, InstrumentId id,
                             Frame& f) noexcept {
    if (d.side.status != DecodeStatus::kOk) return d.side.status;
    core::Side side;
    DecodeStatus st = parse_side(d.side.value, side);
    if (st != DecodeStatus::kOk) return st;
    // posSide long/short (hedge mode) names the position; net (or absent) means the position
    // is the opposite of the forced order's side.
    core::Position position =
        side == core::Side::kSell ? core::Position::kLong : core::Position::kShort;
    if (d.pos_side.seen()) {
      if (d.pos_side.status != DecodeStatus::kOk) return d.pos_side.status;
      const std::string_view ps = d.pos_side.value;
      if (scan::is(ps, "long")) {
        position = core::Position::kLong;
      } else if (scan::is(ps, "short")) {
        position = core::Position::kShort;
      } else if (!scan::is(ps, "net") && !ps.empty()) {
        return DecodeStatus::kUnknownMessage;
      }
    }
    double contracts = 0.0;
    double price = 0.0;
    st = required_number(d.sz, contracts);
    if (st == DecodeStatus::kOk) st = required_number(d.bk_px, price);
    if (st != DecodeStatus::kOk) return st;
    if (!(contracts > 0.0) || !(price > 0.0)) return DecodeStatus::kBadNumber;
    std::int64_t ts = 0;
    st = required_ts(d.ts, ts);
    if (st != DecodeStatus::kOk) return st;
    if (id == kNoInstrument) return DecodeStatus::kOk;

    core::NormalizedEvent e = core::make_event(core::EventType::kLiquidation, core::Venue::kOkx,
                                               id, ts, f.meta.recv_wall_ns,
                                               f.meta.recv_steady_ns);
    e.liq.price = price;  // bkPx: the only price OKX gives
    to_units(*entry, contracts, price, e.liq.quantity, e.liq.notional_usd);
    e.liq.order_side = side;
    e.liq.position = position;
    // At most one order per contract per second, and "not the total": a sample.
    e.liq.completeness = core::Completeness::kThrottled;
    try {
      f.out.push_back(e);
    } catch (...) {
      return DecodeStatus::kUnknownMessage;  // out of memory: count it, do not crash
    }
    return DecodeStatus::kOk;
  }

  /// Contracts at `price` to base units and USD; both NaN when the contract value is unknown.
  static void to_units(const Entry& entry, double contracts, double price, double& base,
                       double& usd) noexcept {
    const double cv = entry.contract_value;
    if (!core::present(cv)) {
      base = core::kAbsent;
      usd = core::kAbsent;
    } else if (entry.kind == core::ContractKind::kInverse) {
      usd = contracts * cv;
      base = usd / price;
    } else {
      base = contracts * cv;
      usd = base * price;
    }
  }

  /// Maps an instId to its cache entry. kOk with `entry` set (tracked, or its "_other" bucket
  /// when `route_other`); kIgnored for an untracked instId not routed to "_other"; an error for
  /// an unusable instId. Allocation-free on a cache hit.
  DecodeStatus resolve(const Slot& slot, bool route_other, const Entry*& entry) noexcept {
    if (slot.status != DecodeStatus::kOk) return slot.status;
    const std::string_view symbol = slot.value;
    if (symbol.empty()) return DecodeStatus::kMissingField;
    Entry* cached = ids_.find(symbol);
    if (cached != nullptr) {
      if (cached->tracked != kNoInstrument) {
        entry = cached;
        return DecodeStatus::kOk;
      }
      if (!route_other) return DecodeStatus::kIgnored;
      if (cached->other != kNoInstrument) {
        entry = cached;
        return DecodeStatus::kOk;
      }
    }
    // Slow path: an instId seen for the first time. Allocates; may lock the table.
    if (!valid_symbol(symbol)) return DecodeStatus::kUnknownMessage;
    if (!accept_all_ && !route_other && ids_.size() >= kMaxCachedSymbols) {
      return DecodeStatus::kIgnored;
    }
    try {
      Entry e;
      const InstrumentId known = table_.find(core::Venue::kOkx, symbol);
      if (known != kNoInstrument) {
        e = entry_for(known);
        if (!accept_all_) e.tracked = kNoInstrument;  // in the table (metadata) but not configured
      } else {
        const core::InstrumentSpec spec = derived_spec(symbol);
        e.kind = spec.kind;
        e.contract_value = spec.contract_value;
        if (accept_all_) {
          e.tracked = table_.add(spec);
          if (e.tracked == kNoInstrument) return DecodeStatus::kUnknownMessage;  // table full
        }
      }
      if (e.tracked == kNoInstrument && route_other) {
        const std::string asset = known != kNoInstrument
                                      ? std::string(table_.get(known).asset_view())
                                      : derive_asset(symbol);
        e.other = table_.other(core::Venue::kOkx, asset);
        if (e.other == kNoInstrument) return DecodeStatus::kUnknownMessage;
      }
      if (cached != nullptr) {
        *cached = e;
      } else if (ids_.size() < kMaxCachedSymbols) {
        cached = ids_.emplace(symbol, e).first;
      } else {
        // Cache full: decode through a scratch entry (valid until the next resolve).
        scratch_ = e;
        if (scratch_.tracked == kNoInstrument && !route_other) return DecodeStatus::kIgnored;
        entry = &scratch_;
        return DecodeStatus::kOk;
      }
      if (cached->tracked == kNoInstrument && !route_other) return DecodeStatus::kIgnored;
      entry = cached;
      return DecodeStatus::kOk;
    } catch (...) {
      return DecodeStatus::kUnknownMessage;  // out of memory: count cached, do not crash
    }
  }

  VenueSettings settings_;
  core::InstrumentTable& table_;
  std::vector<std::string> symbols_;  // tracked, upper case, in config order
  bool accept_all_ = false;           // no symbols configured: every instId is tracked
  SymbolMap<Entry> ids_;
  Entry scratch_;
  std::string buffer_;  // padded copy of the current frame, reused
  od::parser parser_;
  std::uint64_t fast_frames_ = 0;
};

// ---------------------------------------------------------------------------------------------
// GET /api/v5/public/instruments?instType=SWAP

/// One `data[]` entry. Entries that are not objects, lack a field, or carry an unusable value
/// are skipped (kOk); only broken JSON is an error.
DecodeStatus parse_instrument(od::value& v, std::vector<core::InstrumentSpec>& out) {
  od::object obj;
  if (auto err = v.get_object().get(obj)) {
    return err == simdjson::INCORRECT_TYPE ? DecodeStatus::kOk : DecodeStatus::kMalformedJson;
  }
  Slot inst_id, ct_val, ct_mult, ct_val_ccy, ct_type, settle_ccy, uly, inst_family;
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    const od::raw_json_string key = field.key();
    Slot* slot = nullptr;
    if (key == "instId") {
      slot = &inst_id;
    } else if (key == "ctVal") {
      slot = &ct_val;
    } else if (key == "ctMult") {
      slot = &ct_mult;
    } else if (key == "ctValCcy") {
      slot = &ct_val_ccy;
    } else if (key == "ctType") {
      slot = &ct_type;
    } else if (key == "settleCcy") {
      slot = &settle_ccy;
    } else if (key == "uly") {
      slot = &uly;
    } else if (key == "instFamily") {
      slot = &inst_family;
    }
    if (slot != nullptr) {
      read(field.value(), *slot);
      if (slot->status == DecodeStatus::kMalformedJson) return slot->status;
    }
  }
  if (inst_id.status != DecodeStatus::kOk || !valid_symbol(inst_id.value)) return DecodeStatus::kOk;
  double value = 0.0;
  double mult = 1.0;  // "Usually 1"; absent or "" means 1
  if (required_number(ct_val, value) != DecodeStatus::kOk || !(value > 0.0)) {
    return DecodeStatus::kOk;
  }
  if (optional_number(ct_mult, mult) != DecodeStatus::kOk || !(mult > 0.0)) {
    return DecodeStatus::kOk;
  }
  if (ct_type.status != DecodeStatus::kOk) return DecodeStatus::kOk;
  core::ContractKind kind;
  if (scan::is(ct_type.value, "linear")) {
    kind = core::ContractKind::kLinear;
  } else if (scan::is(ct_type.value, "inverse")) {
    kind = core::ContractKind::kInverse;
  } else {
    return DecodeStatus::kOk;  // not a SWAP contract kind we can value
  }
  // The base asset: the underlying's first segment ("BTC-USD"), else the coin ctVal is in
  // (linear) or settled in (inverse), else the instId's first segment.
  std::string_view asset;
  if (inst_family.status == DecodeStatus::kOk && !inst_family.value.empty()) {
    asset = segment(inst_family.value, 0);
  } else if (uly.status == DecodeStatus::kOk && !uly.value.empty()) {
    asset = segment(uly.value, 0);
  } else if (kind == core::ContractKind::kLinear && ct_val_ccy.status == DecodeStatus::kOk) {
    asset = ct_val_ccy.value;
  } else if (kind == core::ContractKind::kInverse && settle_ccy.status == DecodeStatus::kOk) {
    asset = settle_ccy.value;
  }
  if (asset.empty()) asset = segment(inst_id.value, 0);
  if (asset.empty()) return DecodeStatus::kOk;
  out.push_back(make_spec(inst_id.value, core::normalize_asset(asset), kind, value * mult));
  return DecodeStatus::kOk;
}

DecodeStatus parse_instruments(std::string_view body, std::vector<core::InstrumentSpec>& out) {
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
  bool data_seen = false;
  bool venue_error = false;
  for (auto field_result : root) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    const od::raw_json_string key = field.key();
    if (key == "data") {
      data_seen = true;
      od::array arr;
      if (auto err = field.value().get_array().get(arr)) return status_of(err);
      for (auto element_result : arr) {
        od::value element;
        if (element_result.get(element)) return DecodeStatus::kMalformedJson;
        const DecodeStatus st = parse_instrument(element, out);
        if (st != DecodeStatus::kOk) return st;
      }
    } else if (key == "code") {
      // {"code":"0",…} is success; anything else is the venue's error.
      Slot code;
      read(field.value(), code);
      if (code.status == DecodeStatus::kMalformedJson) return code.status;
      if (code.status != DecodeStatus::kOk || !scan::is(code.value, "0")) venue_error = true;
    }
  }
  if (!at_document_end(doc)) return DecodeStatus::kMalformedJson;
  if (venue_error) return DecodeStatus::kVenueError;
  if (!data_seen) return DecodeStatus::kMissingField;
  return DecodeStatus::kOk;
}

}  // namespace

std::unique_ptr<Codec> make_codec(const VenueSettings& settings, core::InstrumentTable& table) {
  return std::make_unique<OkxCodec>(settings, table);
}

std::vector<std::string> metadata_targets() { return {std::string(kInstrumentsPath)}; }

DecodeStatus parse_metadata(std::size_t target_index, std::string_view body,
                            std::vector<core::InstrumentSpec>& out) noexcept {
  if (target_index != 0) return DecodeStatus::kUnknownMessage;
  const std::size_t mark = out.size();
  DecodeStatus status = DecodeStatus::kMalformedJson;
  try {
    status = parse_instruments(body, out);
  } catch (...) {
    status = DecodeStatus::kMalformedJson;  // out of memory; metadata is not the hot path
  }
  if (status != DecodeStatus::kOk) {
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
  }
  return status;
}

std::vector<core::InstrumentSpec> bundled_instruments() { return bundled_specs(); }

VenueSettings default_settings() {
  VenueSettings s;
  s.venue = core::Venue::kOkx;
  s.enabled = true;
  s.ws_url = std::string(kDefaultWsUrl);
  s.rest_url = std::string(kDefaultRestUrl);
  s.symbols = {"BTC-USDT-SWAP", "ETH-USDT-SWAP"};
  s.all_liquidations = true;
  s.oi_poll_interval = std::chrono::seconds(2);  // unused: OI arrives on the WebSocket
  s.silence_timeout = std::chrono::seconds(30);
  return s;
}

}  // namespace levdyn::venues::okx
