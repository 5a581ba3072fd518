// Binance USD-M codec: combined market-stream frames (forceOrder, aggTrade, markPrice) and REST
// open-interest / exchangeInfo bodies to normalized events and instrument specs (venues.md §1).

#include "service/venues/binance.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "service/venues/decimal.h"
#include "service/venues/json_scan.h"
#include "service/venues/symbol_map.h"

namespace levdyn::venues::binance {
namespace {

namespace od = simdjson::ondemand;
using core::InstrumentId;
using core::kNoInstrument;

constexpr std::string_view kDefaultWsUrl = "wss://fstream.binance.com/market";
constexpr std::string_view kDefaultRestUrl = "https://fapi.binance.com";
constexpr std::string_view kOpenInterestPath = "/fapi/v1/openInterest?symbol=";
constexpr std::string_view kExchangeInfoPath = "/fapi/v1/exchangeInfo";
constexpr std::string_view kAllLiquidationsStream = "!forceOrder@arr";

// The venue allows 1024 streams per connection; stay well below it (NautilusTrader uses 200)
// so the URL stays short and one bad stream name cannot cost every subscription.
constexpr std::size_t kMaxStreamsPerConnection = 200;
// Binance's default funding interval. The payload's `T` is the next funding time, not a period.
constexpr std::int32_t kFundingIntervalS = 8 * 3600;
// Bounds the symbol cache against garbage frames that invent symbols; misses beyond it still
// decode, through the (slower, allocating) table path.
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

/// A symbol the instrument table can hold and a stream name can carry.
bool valid_symbol(std::string_view s) noexcept {
  if (s.empty() || s.size() >= sizeof(core::InstrumentInfo::symbol)) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    // ':' is reserved for the table's "_other:<ASSET>" keys; the rest would break a URL.
    if (u <= 0x20 || u == 0x7f || c == ':' || c == '/' || c == '@' || c == '?' || c == '&' ||
        c == '#' || c == '"' || c == '\\') {
      return false;
    }
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

std::string to_lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return r;
}

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// Base asset of a USD-M symbol when no metadata is at hand: the symbol without its delivery
/// suffix ("_240628") and quote currency ("BTCUSDT" -> "BTC", "1000PEPEUSDT" -> "1000PEPE").
std::string derive_asset(std::string_view symbol) {
  std::string_view base = symbol.substr(0, symbol.find('_'));
  // Longer quotes first, so "BTCBUSD" loses "BUSD", not "USD".
  for (const std::string_view quote : {"USDT", "USDC", "BUSD", "USD"}) {
    if (base.size() > quote.size() && ends_with(base, quote)) {
      base.remove_suffix(quote.size());
      break;
    }
  }
  return core::normalize_asset(base);
}

core::InstrumentSpec derived_spec(std::string_view symbol) {
  core::InstrumentSpec spec;
  spec.venue = core::Venue::kBinance;
  spec.symbol = std::string(symbol);
  spec.asset = derive_asset(symbol);
  spec.kind = core::ContractKind::kLinear;
  spec.contract_value = 1.0;
  spec.tracked = true;
  return spec;
}

/// The combined-stream URL for `streams` on top of the configured base: `<base>/stream?streams=`
/// unless the base already names the /stream path or carries a query (kept, then extended).
std::string stream_url(std::string_view base, std::string_view streams) {
  const std::size_t q = base.find('?');
  std::string path(base.substr(0, q));
  std::string query(q == std::string_view::npos ? std::string_view() : base.substr(q + 1));
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (ends_with(path, "/ws")) path.resize(path.size() - 3);  // raw-stream base: use combined
  if (!ends_with(path, "/stream")) path += "/stream";

  const std::size_t at = query.find("streams=");
  if (at != std::string::npos && (at == 0 || query[at - 1] == '&')) {
    // Extend the existing streams= parameter in place.
    std::size_t value_end = query.find('&', at);
    if (value_end == std::string::npos) value_end = query.size();
    const bool empty_value = value_end == at + 8;
    std::string extended = query.substr(0, value_end);
    if (!empty_value) extended += '/';
    extended.append(streams);
    extended.append(query, value_end, std::string::npos);
    query = std::move(extended);
  } else {
    if (!query.empty() && query.back() != '&') query += '&';
    query += "streams=";
    query += streams;
  }
  return path + "?" + query;
}

// ---------------------------------------------------------------------------------------------
// Field capture. Binance keys have one type across the message kinds ("p" is always a numeric
// string, "T" always an integer), so one pass reads every key we know into a slot, in any key
// order, and the message kind is decided afterwards from `e`.

/// A field of a frame: absent (kMissingField), read (kOk) or unreadable (the reason).
template <typename T>
struct Slot {
  T value{};
  DecodeStatus status = DecodeStatus::kMissingField;
  [[nodiscard]] bool seen() const noexcept { return status != DecodeStatus::kMissingField; }
};

// IMPORTANT: string slots view the parser's string buffer; they are valid only until the
// parser iterates the next frame.
void read(od::value& v, Slot<std::string_view>& s) noexcept {
  s.status = status_of(v.get_string().get(s.value));
}
void read(od::value& v, Slot<std::int64_t>& s) noexcept {
  const simdjson::error_code err = v.get_int64().get(s.value);
  s.status = status_of(err);
  if (err == simdjson::INCORRECT_TYPE) {
    // A number that is not an int64 (1.5, 1e3, 2^70) is a bad number, not a wrong type.
    od::json_type type;
    if (v.type().get(type) == simdjson::SUCCESS && type == od::json_type::number) {
      s.status = DecodeStatus::kBadNumber;
    }
  }
}
void read(od::value& v, Slot<bool>& s) noexcept { s.status = status_of(v.get_bool().get(s.value)); }

/// The `o` object of a forceOrder event.
struct OrderFields {
  Slot<std::string_view> symbol;     // s
  Slot<std::string_view> side;       // S
  Slot<std::string_view> price;      // p
  Slot<std::string_view> avg_price;  // ap
  Slot<std::string_view> quantity;   // q
  Slot<std::string_view> filled;     // z
  Slot<std::int64_t> trade_time;     // T
  DecodeStatus status = DecodeStatus::kMissingField;
};

struct PayloadFields {
  Slot<std::string_view> event;   // e
  Slot<std::int64_t> event_time;  // E
  Slot<std::string_view> s;
  Slot<std::string_view> p;
  Slot<std::string_view> q;
  Slot<std::string_view> i;
  Slot<std::string_view> r;
  Slot<std::int64_t> t;  // T
  Slot<bool> m;
  OrderFields o;
  // REST open interest.
  Slot<std::string_view> symbol;
  Slot<std::string_view> open_interest;
  Slot<std::int64_t> time;
  // Control and errors.
  bool result = false;
  bool code = false;
  bool error = false;
};

void read_order(od::value& v, OrderFields& o) noexcept {
  od::object obj;
  if (auto err = v.get_object().get(obj)) {
    o.status = status_of(err);
    return;
  }
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field) != simdjson::SUCCESS) {
      o.status = DecodeStatus::kMalformedJson;
      return;
    }
    const od::raw_json_string key = field.key();
    od::value& value = field.value();
    if (key == "s") {
      read(value, o.symbol);
    } else if (key == "S") {
      read(value, o.side);
    } else if (key == "p") {
      read(value, o.price);
    } else if (key == "ap") {
      read(value, o.avg_price);
    } else if (key == "q") {
      read(value, o.quantity);
    } else if (key == "z") {
      read(value, o.filled);
    } else if (key == "T") {
      read(value, o.trade_time);
    }
  }
  o.status = DecodeStatus::kOk;
}

/// Reads an optional numeric string: absent leaves `out` untouched.
DecodeStatus optional_number(const Slot<std::string_view>& s, double& out,
                             bool allow_negative = false) noexcept {
  if (!s.seen()) return DecodeStatus::kOk;
  if (s.status != DecodeStatus::kOk) return s.status;
  return parse_decimal(s.value, out, allow_negative);
}

DecodeStatus required_number(const Slot<std::string_view>& s, double& out,
                             bool allow_negative = false) noexcept {
  if (s.status != DecodeStatus::kOk) return s.status;
  return parse_decimal(s.value, out, allow_negative);
}

DecodeStatus timestamp_ns(const Slot<std::int64_t>& s, std::int64_t& ns) noexcept {
  if (s.status != DecodeStatus::kOk) return s.status;
  if (s.value <= 0 || s.value > kMaxTimestampMs) return DecodeStatus::kBadNumber;
  ns = s.value * 1'000'000;
  return DecodeStatus::kOk;
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

/// The Binance USD-M codec. Not thread-safe: owned and called by one feed thread (the
/// instrument table it adds to is itself safe for that).
class BinanceCodec final : public Codec {
 public:
  BinanceCodec(const VenueSettings& settings, core::InstrumentTable& table)
      : settings_(settings), table_(table) {
    buffer_.resize(kInitialBufferBytes + simdjson::SIMDJSON_PADDING);
    ids_.reserve(64);
    for (const std::string& raw : settings.symbols) {
      std::string symbol = to_upper(raw);
      if (!valid_symbol(symbol)) {
        throw std::invalid_argument("venues.binance.symbols: invalid symbol '" + raw + "'");
      }
      if (ids_.contains(symbol)) continue;  // listed twice
      InstrumentId id = table_.find(core::Venue::kBinance, symbol);
      if (id == kNoInstrument) id = table_.add(derived_spec(symbol));
      if (id == kNoInstrument) {
        throw std::invalid_argument("venues.binance.symbols: the instrument table cannot hold '" +
                                    raw + "'");
      }
      ids_.emplace(symbol, Entry{id, kNoInstrument});
      symbols_.push_back(std::move(symbol));
    }
    accept_all_ = symbols_.empty();
  }

  [[nodiscard]] core::Venue venue() const noexcept override { return core::Venue::kBinance; }

  [[nodiscard]] std::vector<WsEndpoint> ws_endpoints() const override {
    std::vector<std::string> streams;
    for (const std::string& symbol : symbols_) {
      const std::string lower = to_lower(symbol);
      // With the all-market stream on, a per-symbol forceOrder would deliver every
      // liquidation twice.
      if (!settings_.all_liquidations) streams.push_back(lower + "@forceOrder");
      streams.push_back(lower + "@aggTrade");
      streams.push_back(lower + "@markPrice@1s");
    }
    if (settings_.all_liquidations) streams.emplace_back(kAllLiquidationsStream);

    std::vector<WsEndpoint> endpoints;
    for (std::size_t first = 0; first < streams.size(); first += kMaxStreamsPerConnection) {
      const std::size_t last = std::min(streams.size(), first + kMaxStreamsPerConnection);
      std::string joined;
      for (std::size_t k = first; k < last; ++k) {
        if (k != first) joined += '/';
        joined += streams[k];
      }
      endpoints.push_back(WsEndpoint{stream_url(settings_.ws_url, joined), {}});
    }
    return endpoints;
  }

  [[nodiscard]] Heartbeat heartbeat() const override {
    return Heartbeat{};  // the server pings every 3 min; Beast answers with pongs
  }

  [[nodiscard]] std::vector<RestPoll> rest_polls() const override {
    std::vector<RestPoll> polls;
    polls.reserve(symbols_.size());
    for (const std::string& symbol : symbols_) {
      polls.push_back(
          RestPoll{std::string(kOpenInterestPath) + symbol, settings_.oi_poll_interval, 1});
    }
    return polls;
  }

  [[nodiscard]] RestBudget rest_budget() const override { return RestBudget{2400}; }

  [[nodiscard]] std::chrono::seconds max_connection_age() const override {
    // Binance closes every connection at 24 h; rotate before it does.
    return std::chrono::hours(23) + std::chrono::minutes(30);
  }

  [[nodiscard]] std::string_view liquidation_completeness() const noexcept override {
    return "throttled";
  }

  void on_connected(std::uint16_t /*endpoint*/) override {}  // no per-connection state

  [[nodiscard]] std::uint64_t fast_frames() const noexcept override { return fast_frames_; }

  DecodeResult decode(std::string_view frame, const FrameMeta& meta,
                      std::vector<core::NormalizedEvent>& out,
                      std::string& /*reply*/) noexcept override {
    const std::size_t mark = out.size();
    Frame f{meta, out, {}, false, "unknown"};
    const DecodeStatus status = decode_frame(frame, f);
    // No partial frames: an error takes back whatever this frame appended.
    if (is_error(status)) out.erase(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
    return DecodeResult{status, f.label};
  }

 private:
  /// Cached resolution of one symbol.
  struct Entry {
    InstrumentId tracked = kNoInstrument;  // the instrument, when tracked
    InstrumentId other = kNoInstrument;    // its "_other" bucket, created on first use
  };

  /// Per-frame decoding state.
  struct Frame {
    const FrameMeta& meta;
    std::vector<core::NormalizedEvent>& out;
    std::string_view stream;  // combined-stream name, empty for raw payloads
    bool in_array;            // payload came as an array (only all-market streams do that)
    std::string_view label;
    bool complete = false;  // the root value was read to its end
  };

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

    DecodeStatus status = DecodeStatus::kUnknownMessage;
    if (type == od::json_type::object) {
      od::object obj;
      if (doc.get_object().get(obj)) return DecodeStatus::kMalformedJson;
      status = decode_object(obj, f, /*root=*/true);
    } else if (type == od::json_type::array) {
      od::array arr;
      if (doc.get_array().get(arr)) return DecodeStatus::kMalformedJson;
      status = decode_array(arr, f, /*root=*/true);
    } else {
      status = classify_scalar(doc, type);  // kUnknownMessage unless it is not even JSON
      if (status == DecodeStatus::kMalformedJson) return status;
      return at_document_end(doc) ? status : DecodeStatus::kMalformedJson;
    }
    // An error may stop before the end of the root value: only a complete pass checks the tail.
    if (!f.complete) return status;
    if (!at_document_end(doc)) return DecodeStatus::kMalformedJson;  // trailing bytes
    return status;
  }

  // -------------------------------------------------------------------------------------------
  // Fast path (json_scan.h): the frames Binance sends all day, a combined-stream wrapper
  // `{"stream":…,"data":{…}}` around one event object, or a bare event or REST object, read
  // into the same PayloadFields as decode_object and handed to the same dispatch. Anything else
  // (an array payload, keys out of the wrapper's order, escapes, a field of an unexpected type)
  // returns false before any state changes, and the simdjson path decodes the frame.

  bool fast_decode(std::string_view frame, Frame& f, DecodeStatus& status) noexcept {
    scan::Cursor c(frame);
    PayloadFields pf;
    std::string_view stream;
    scan::Key key;
    if (!c.consume('{') || !c.key(key)) return false;
    if (scan::is(key, "stream")) {
      if (!c.string(stream) || !c.consume(',') || !c.key(key) || !scan::is(key, "data"))
        return false;
      const bool ok = c.peek('{') &&
                      c.object([&](scan::Key k) { return fast_member(c, k, pf, /*root=*/false); });
      if (!ok) return false;
    } else {
      while (true) {
        if (!fast_member(c, key, pf, true)) return false;
        if (!c.consume(',')) break;
        if (!c.key(key)) return false;
      }
    }
    if (!c.consume('}') || !c.end()) return false;
    f.stream = stream;
    f.complete = true;
    status = dispatch(pf, f);
    ++fast_frames_;
    return true;
  }


  /// One member of an event or REST object, as decode_object reads it. `root`: the object is
  /// the frame itself, where "stream" and "data" would make it a wrapper (left to simdjson).
  static bool fast_member(scan::Cursor& c, scan::Key k, PayloadFields& pf, bool root) noexcept {
    if (k.size() == 1) {
      switch (k[0]) {
        case 'e':
          return scan::read(c, pf.event);
        case 'E':
          return scan::read(c, pf.event_time);
        case 's':
          return scan::read(c, pf.s);
        case 'p':
          return scan::read(c, pf.p);
        case 'q':
          return scan::read(c, pf.q);
        case 'T':
          return scan::read(c, pf.t);
        case 'm':
          return scan::read(c, pf.m);
        case 'i':
          return scan::read(c, pf.i);
        case 'r':
          return scan::read(c, pf.r);
        case 'o':
          return fast_order(c, pf.o);
        default:
          return c.skip();
      }
    }
    if (scan::is(k, "stream") || scan::is(k, "data")) return !root && c.skip();
    if (scan::is(k, "symbol")) return scan::read(c, pf.symbol);
    if (scan::is(k, "openInterest")) return scan::read(c, pf.open_interest);
    if (scan::is(k, "time")) return scan::read(c, pf.time);
    if (scan::is(k, "result")) {
      pf.result = true;
    } else if (scan::is(k, "code")) {
      pf.code = true;
    } else if (scan::is(k, "error")) {
      pf.error = true;
    }
    return c.skip();
  }

  /// The `o` object of a forceOrder event, as read_order reads it.
  static bool fast_order(scan::Cursor& c, OrderFields& o) noexcept {
    const bool ok = c.object([&](scan::Key k) {
      if (scan::is(k, "s")) return scan::read(c, o.symbol);
      if (scan::is(k, "S")) return scan::read(c, o.side);
      if (scan::is(k, "p")) return scan::read(c, o.price);
      if (scan::is(k, "ap")) return scan::read(c, o.avg_price);
      if (scan::is(k, "q")) return scan::read(c, o.quantity);
      if (scan::is(k, "z")) return scan::read(c, o.filled);
      if (scan::is(k, "T")) return scan::read(c, o.trade_time);
      return c.skip();
    });
    if (ok) o.status = DecodeStatus::kOk;
    return ok;
  }

  DecodeStatus decode_array(od::array& arr, Frame& f, bool root) noexcept {
    f.in_array = true;
    DecodeStatus combined = DecodeStatus::kIgnored;
    for (auto element_result : arr) {
      od::value element;
      if (element_result.get(element)) return DecodeStatus::kMalformedJson;
      od::object obj;
      if (auto err = element.get_object().get(obj)) return status_of(err);
      const DecodeStatus status = decode_object(obj, f, /*root=*/false);
      if (is_error(status)) return status;
      if (status == DecodeStatus::kOk) combined = DecodeStatus::kOk;
    }
    if (root) f.complete = true;
    return combined;
  }

  /// One object: the combined-stream wrapper (root only), an event payload, the REST
  /// open-interest body, an ack or an error.
  DecodeStatus decode_object(od::object& obj, Frame& f, bool root) noexcept {
    PayloadFields pf;
    bool has_data = false;
    DecodeStatus data_status = DecodeStatus::kOk;
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      od::value& value = field.value();
      if (root && key == "stream") {
        if (auto err = value.get_string().get(f.stream)) return status_of(err);
      } else if (root && key == "data") {
        // Binance sends "stream" first; were "data" first, the all-market test below falls
        // back to the payload form and settings.
        has_data = true;
        data_status = decode_data(value, f);
        if (is_error(data_status)) return data_status;
      } else if (key == "e") {
        read(value, pf.event);
      } else if (key == "E") {
        read(value, pf.event_time);
      } else if (key == "s") {
        read(value, pf.s);
      } else if (key == "p") {
        read(value, pf.p);
      } else if (key == "q") {
        read(value, pf.q);
      } else if (key == "T") {
        read(value, pf.t);
      } else if (key == "m") {
        read(value, pf.m);
      } else if (key == "i") {
        read(value, pf.i);
      } else if (key == "r") {
        read(value, pf.r);
      } else if (key == "o") {
        read_order(value, pf.o);
        if (pf.o.status == DecodeStatus::kMalformedJson) return pf.o.status;
      } else if (key == "symbol") {
        read(value, pf.symbol);
      } else if (key == "openInterest") {
        read(value, pf.open_interest);
      } else if (key == "time") {
        read(value, pf.time);
      } else if (key == "result") {
        pf.result = true;
      } else if (key == "code") {
        pf.code = true;
      } else if (key == "error") {
        pf.error = true;
      }
    }
    if (root) f.complete = true;
    if (has_data) return data_status;
    return dispatch(pf, f);
  }

  DecodeStatus decode_data(od::value& value, Frame& f) noexcept {
    od::json_type type;
    if (value.type().get(type)) return DecodeStatus::kMalformedJson;
    if (type == od::json_type::object) {
      od::object obj;
      if (value.get_object().get(obj)) return DecodeStatus::kMalformedJson;
      return decode_object(obj, f, /*root=*/false);
    }
    if (type == od::json_type::array) {
      od::array arr;
      if (value.get_array().get(arr)) return DecodeStatus::kMalformedJson;
      return decode_array(arr, f, /*root=*/false);
    }
    return DecodeStatus::kWrongType;
  }

  DecodeStatus dispatch(const PayloadFields& pf, Frame& f) noexcept {
    if (pf.event.seen()) {
      if (pf.event.status != DecodeStatus::kOk) return pf.event.status;
      const std::string_view e = pf.event.value;
      if (scan::is(e, "forceOrder")) {
        f.label = kLabelLiquidation;
        return decode_force_order(pf, f);
      }
      if (scan::is(e, "aggTrade")) {
        f.label = kLabelTrade;
        return decode_agg_trade(pf, f);
      }
      if (scan::is(e, "markPriceUpdate")) {
        f.label = kLabelMarkPrice;
        return decode_mark_price(pf, f);
      }
      return DecodeStatus::kUnknownMessage;
    }
    if (pf.open_interest.seen()) {
      f.label = kLabelOpenInterest;
      return decode_open_interest(pf, f);
    }
    if (pf.code || pf.error) {
      f.label = kLabelControl;
      return DecodeStatus::kVenueError;  // {"code":-1121,"msg":…} or {"error":{…},"id":1}
    }
    if (pf.result) {
      f.label = kLabelControl;
      return DecodeStatus::kIgnored;  // {"result":null,"id":1}
    }
    return DecodeStatus::kUnknownMessage;
  }

  DecodeStatus decode_force_order(const PayloadFields& pf, Frame& f) noexcept {
    const OrderFields& o = pf.o;
    if (o.status != DecodeStatus::kOk) return o.status;
    if (o.symbol.status != DecodeStatus::kOk) return o.symbol.status;
    if (o.side.status != DecodeStatus::kOk) return o.side.status;
    core::Side side;
    if (scan::is(o.side.value, "SELL")) {
      side = core::Side::kSell;
    } else if (scan::is(o.side.value, "BUY")) {
      side = core::Side::kBuy;
    } else {
      return DecodeStatus::kUnknownMessage;
    }
    // Every numeric field that is present must parse, used or not.
    double price = core::kAbsent;
    double avg_price = core::kAbsent;
    double quantity = core::kAbsent;
    double filled = core::kAbsent;
    DecodeStatus st = optional_number(o.price, price);
    if (st == DecodeStatus::kOk) st = optional_number(o.avg_price, avg_price);
    if (st == DecodeStatus::kOk) st = optional_number(o.quantity, quantity);
    if (st == DecodeStatus::kOk) st = optional_number(o.filled, filled);
    if (st != DecodeStatus::kOk) return st;
    // The fill (ap, z) when there is one, else the order (p, q).
    const double px = avg_price > 0.0 ? avg_price : price;
    const double qty = filled > 0.0 ? filled : quantity;
    if (!core::present(px) || !core::present(qty)) return DecodeStatus::kMissingField;
    if (!(px > 0.0) || !(qty > 0.0)) return DecodeStatus::kBadNumber;

    std::int64_t ts = 0;
    st = timestamp_ns(o.trade_time.seen() ? o.trade_time : pf.event_time, ts);
    if (st != DecodeStatus::kOk) return st;

    // Untracked symbols count under "_other" only from the all-market stream.
    const bool all_market = f.in_array || f.stream == kAllLiquidationsStream ||
                            (f.stream.empty() && settings_.all_liquidations);
    InstrumentId id = kNoInstrument;
    st = resolve(o.symbol.value, all_market, id);
    if (st != DecodeStatus::kOk) return st;

    core::NormalizedEvent e = core::make_event(core::EventType::kLiquidation, core::Venue::kBinance,
                                               id, ts, f.meta.recv_wall_ns, f.meta.recv_steady_ns);
    e.liq.price = px;
    e.liq.quantity = qty;
    e.liq.notional_usd = px * qty;  // linear, contract value 1: quantity is base units
    e.liq.order_side = side;
    e.liq.position = side == core::Side::kSell ? core::Position::kLong : core::Position::kShort;
    e.liq.completeness = core::Completeness::kThrottled;
    f.out.push_back(e);
    return DecodeStatus::kOk;
  }

  DecodeStatus decode_agg_trade(const PayloadFields& pf, Frame& f) noexcept {
    if (pf.s.status != DecodeStatus::kOk) return pf.s.status;
    double price = 0.0;
    double quantity = 0.0;
    DecodeStatus st = required_number(pf.p, price);
    if (st == DecodeStatus::kOk) st = required_number(pf.q, quantity);
    if (st != DecodeStatus::kOk) return st;
    if (!(price > 0.0) || !(quantity > 0.0)) return DecodeStatus::kBadNumber;
    if (pf.m.status != DecodeStatus::kOk) return pf.m.status;
    std::int64_t ts = 0;
    st = timestamp_ns(pf.t.seen() ? pf.t : pf.event_time, ts);
    if (st != DecodeStatus::kOk) return st;

    InstrumentId id = kNoInstrument;
    st = resolve(pf.s.value, /*route_other=*/false, id);
    if (st != DecodeStatus::kOk) return st;

    core::NormalizedEvent e = core::make_event(core::EventType::kTrade, core::Venue::kBinance, id,
                                               ts, f.meta.recv_wall_ns, f.meta.recv_steady_ns);
    e.trade.price = price;
    e.trade.quantity = quantity;
    e.trade.notional_usd = price * quantity;
    // m: the buyer was the maker, so the taker sold.
    e.trade.taker_side = pf.m.value ? core::Side::kSell : core::Side::kBuy;
    f.out.push_back(e);
    return DecodeStatus::kOk;
  }

  DecodeStatus decode_mark_price(const PayloadFields& pf, Frame& f) noexcept {
    if (pf.s.status != DecodeStatus::kOk) return pf.s.status;
    double mark = 0.0;
    double index = core::kAbsent;
    double funding = core::kAbsent;
    DecodeStatus st = required_number(pf.p, mark);
    if (st == DecodeStatus::kOk) st = optional_number(pf.i, index);
    // Delivery contracts send "r":"" (no funding): absent, not an error.
    if (st == DecodeStatus::kOk && !(pf.r.status == DecodeStatus::kOk && pf.r.value.empty())) {
      st = optional_number(pf.r, funding, /*allow_negative=*/true);
    }
    if (st != DecodeStatus::kOk) return st;
    if (!(mark > 0.0)) return DecodeStatus::kBadNumber;
    std::int64_t ts = 0;
    st = timestamp_ns(pf.event_time, ts);  // T is the next funding time, not the event time
    if (st != DecodeStatus::kOk) return st;

    InstrumentId id = kNoInstrument;
    st = resolve(pf.s.value, /*route_other=*/false, id);
    if (st != DecodeStatus::kOk) return st;

    core::NormalizedEvent e = core::make_event(core::EventType::kMarkPrice, core::Venue::kBinance,
                                               id, ts, f.meta.recv_wall_ns, f.meta.recv_steady_ns);
    e.mark.mark = mark;
    e.mark.index = index;
    e.mark.funding_rate = funding;
    e.mark.funding_interval_s = kFundingIntervalS;
    f.out.push_back(e);
    return DecodeStatus::kOk;
  }

  DecodeStatus decode_open_interest(const PayloadFields& pf, Frame& f) noexcept {
    if (pf.symbol.status != DecodeStatus::kOk) return pf.symbol.status;
    double oi = 0.0;
    DecodeStatus st = required_number(pf.open_interest, oi);
    if (st != DecodeStatus::kOk) return st;
    std::int64_t ts = 0;
    st = timestamp_ns(pf.time, ts);
    if (st != DecodeStatus::kOk) return st;

    InstrumentId id = kNoInstrument;
    st = resolve(pf.symbol.value, /*route_other=*/false, id);
    if (st != DecodeStatus::kOk) return st;

    core::NormalizedEvent e =
        core::make_event(core::EventType::kOpenInterest, core::Venue::kBinance, id, ts,
                         f.meta.recv_wall_ns, f.meta.recv_steady_ns);
    e.oi.base = oi;
    e.oi.contracts = oi;                // USD-M linear: one contract is one base unit
    e.oi.notional_usd = core::kAbsent;  // needs the mark price: the engine values it
    e.oi.source = core::OiSource::kRest;
    f.out.push_back(e);
    return DecodeStatus::kOk;
  }

  /// Maps a symbol to the instrument its event is filed under. kOk with `id` set; kIgnored for
  /// an untracked symbol that is not routed to "_other"; an error for an unusable symbol.
  /// Allocation-free on a cache hit.
  DecodeStatus resolve(std::string_view symbol, bool route_other, InstrumentId& id) noexcept {
    if (symbol.empty()) return DecodeStatus::kMissingField;
    Entry* const known = ids_.find(symbol);
    if (known != nullptr && known->tracked != kNoInstrument) {
      id = known->tracked;
      return DecodeStatus::kOk;
    }
    if (known != nullptr && !route_other) return DecodeStatus::kIgnored;
    if (known != nullptr && known->other != kNoInstrument) {
      id = known->other;
      return DecodeStatus::kOk;
    }
    // Slow path: a symbol seen for the first time (or uncached). Allocates; may lock the table.
    if (!valid_symbol(symbol)) return DecodeStatus::kUnknownMessage;
    try {
      Entry entry = known != nullptr ? *known : Entry{};
      if (accept_all_) {
        entry.tracked = table_.find(core::Venue::kBinance, symbol);
        if (entry.tracked == kNoInstrument) entry.tracked = table_.add(derived_spec(symbol));
        if (entry.tracked == kNoInstrument) return DecodeStatus::kUnknownMessage;  // table full
      } else if (route_other) {
        entry.other = table_.other(core::Venue::kBinance, asset_of(symbol));
        if (entry.other == kNoInstrument) return DecodeStatus::kUnknownMessage;
      }
      if (known != nullptr) {
        *known = entry;
      } else if (ids_.size() < kMaxCachedSymbols) {
        ids_.emplace(symbol, entry);
      }
      if (entry.tracked != kNoInstrument) {
        id = entry.tracked;
        return DecodeStatus::kOk;
      }
      if (!route_other) return DecodeStatus::kIgnored;
      id = entry.other;
      return DecodeStatus::kOk;
    } catch (...) {
      return DecodeStatus::kUnknownMessage;  // out of memory: count it, do not crash
    }
  }

  /// Asset of an untracked symbol: from the table when metadata put it there, else derived.
  std::string asset_of(std::string_view symbol) const {
    const InstrumentId known = table_.find(core::Venue::kBinance, symbol);
    if (known != kNoInstrument) return std::string(table_.get(known).asset_view());
    return derive_asset(symbol);
  }

  VenueSettings settings_;
  core::InstrumentTable& table_;
  std::vector<std::string> symbols_;  // tracked, upper case, in config order
  bool accept_all_ = false;           // no symbols configured: every symbol is tracked
  SymbolMap<Entry> ids_;
  std::string buffer_;  // padded copy of the current frame, reused
  od::parser parser_;
  std::uint64_t fast_frames_ = 0;
};

// ---------------------------------------------------------------------------------------------
// exchangeInfo

/// One `symbols[]` entry. Entries that are not objects or lack a string symbol / baseAsset are
/// skipped (kOk); only broken JSON is an error.
DecodeStatus parse_symbol_entry(od::value& v, std::vector<core::InstrumentSpec>& out) {
  od::object obj;
  if (auto err = v.get_object().get(obj)) {
    return err == simdjson::INCORRECT_TYPE ? DecodeStatus::kOk : DecodeStatus::kMalformedJson;
  }
  Slot<std::string_view> symbol;
  Slot<std::string_view> base_asset;
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    const od::raw_json_string key = field.key();
    if (key == "symbol") {
      read(field.value(), symbol);
    } else if (key == "baseAsset") {
      read(field.value(), base_asset);
    }
  }
  if (symbol.status == DecodeStatus::kMalformedJson ||
      base_asset.status == DecodeStatus::kMalformedJson) {
    return DecodeStatus::kMalformedJson;
  }
  if (symbol.status != DecodeStatus::kOk || base_asset.status != DecodeStatus::kOk ||
      !valid_symbol(symbol.value) || base_asset.value.empty()) {
    return DecodeStatus::kOk;  // malformed entry: skip it, keep the rest
  }
  core::InstrumentSpec spec;
  spec.venue = core::Venue::kBinance;
  spec.symbol = std::string(symbol.value);
  spec.asset = core::normalize_asset(base_asset.value);
  spec.kind = core::ContractKind::kLinear;
  spec.contract_value = 1.0;
  out.push_back(std::move(spec));
  return DecodeStatus::kOk;
}

DecodeStatus parse_exchange_info(std::string_view body, std::vector<core::InstrumentSpec>& out) {
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
  bool symbols_seen = false;
  bool venue_error = false;
  for (auto field_result : root) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    const od::raw_json_string key = field.key();
    if (key == "symbols") {
      symbols_seen = true;
      od::array arr;
      if (auto err = field.value().get_array().get(arr)) return status_of(err);
      for (auto element_result : arr) {
        od::value element;
        if (element_result.get(element)) return DecodeStatus::kMalformedJson;
        const DecodeStatus st = parse_symbol_entry(element, out);
        if (st != DecodeStatus::kOk) return st;
      }
    } else if (key == "code") {
      venue_error = true;  // {"code":-1121,"msg":"…"}
    }
  }
  if (!at_document_end(doc)) return DecodeStatus::kMalformedJson;
  if (!symbols_seen) return venue_error ? DecodeStatus::kVenueError : DecodeStatus::kMissingField;
  return DecodeStatus::kOk;
}

core::InstrumentSpec bundled(std::string_view symbol, std::string_view asset) {
  core::InstrumentSpec spec;
  spec.venue = core::Venue::kBinance;
  spec.symbol = std::string(symbol);
  spec.asset = std::string(asset);
  spec.kind = core::ContractKind::kLinear;
  spec.contract_value = 1.0;
  return spec;
}

}  // namespace

std::unique_ptr<Codec> make_codec(const VenueSettings& settings, core::InstrumentTable& table) {
  return std::make_unique<BinanceCodec>(settings, table);
}

std::vector<std::string> metadata_targets() { return {std::string(kExchangeInfoPath)}; }

DecodeStatus parse_metadata(std::size_t target_index, std::string_view body,
                            std::vector<core::InstrumentSpec>& out) noexcept {
  if (target_index != 0) return DecodeStatus::kUnknownMessage;
  const std::size_t mark = out.size();
  DecodeStatus status = DecodeStatus::kMalformedJson;
  try {
    status = parse_exchange_info(body, out);
  } catch (...) {
    status = DecodeStatus::kMalformedJson;  // out of memory; metadata is not the hot path
  }
  if (status != DecodeStatus::kOk) {
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
  }
  return status;
}

std::vector<core::InstrumentSpec> bundled_instruments() {
  return {bundled("BTCUSDT", "BTC"), bundled("ETHUSDT", "ETH"),   bundled("SOLUSDT", "SOL"),
          bundled("XRPUSDT", "XRP"), bundled("DOGEUSDT", "DOGE"), bundled("BNBUSDT", "BNB")};
}

VenueSettings default_settings() {
  VenueSettings s;
  s.venue = core::Venue::kBinance;
  s.enabled = true;
  s.ws_url = std::string(kDefaultWsUrl);
  s.rest_url = std::string(kDefaultRestUrl);
  s.symbols = {"BTCUSDT", "ETHUSDT"};
  s.all_liquidations = true;
  s.oi_poll_interval = std::chrono::seconds(2);
  s.silence_timeout = std::chrono::seconds(30);
  return s;
}

}  // namespace levdyn::venues::binance
