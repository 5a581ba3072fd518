// Bybit v5 public codec (linear + inverse): tickers snapshot/delta frames (open interest, mark,
// index, funding), publicTrade, allLiquidation and the deprecated liquidation topic to
// normalized events, and instruments-info bodies to instrument specs (venues.md §2).

#include "service/venues/bybit.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "service/venues/decimal.h"
#include "service/venues/json_scan.h"
#include "service/venues/symbol_map.h"

namespace levdyn::venues::bybit {
namespace {

namespace od = simdjson::ondemand;
using core::ContractKind;
using core::InstrumentId;
using core::kNoInstrument;

constexpr std::string_view kDefaultWsUrl = "wss://stream.bybit.com/v5/public";
constexpr std::string_view kDefaultRestUrl = "https://api.bybit.com";
constexpr std::string_view kLinearTarget = "/v5/market/instruments-info?category=linear&limit=1000";
constexpr std::string_view kInverseTarget =
    "/v5/market/instruments-info?category=inverse&limit=1000";

// Args per subscribe request. Derivatives have no documented per-request limit (only 21,000
// characters per connection); 10 is the spot limit and keeps one bad arg from failing many.
constexpr std::size_t kMaxArgsPerRequest = 10;
constexpr auto kPingInterval = std::chrono::seconds(20);  // Bybit's recommendation
constexpr std::string_view kPingText = R"({"op":"ping"})";
// Bybit's usual funding interval; `fundingIntervalHour` overrides it when the ticker has it.
constexpr std::int32_t kDefaultFundingIntervalS = 8 * 3600;
constexpr std::int64_t kMaxFundingIntervalHours = 24 * 31;
constexpr std::size_t kMaxCachedSymbols = 4096;
constexpr std::size_t kInitialBufferBytes = 64 * 1024;
constexpr std::int64_t kMaxTimestampMs = std::numeric_limits<std::int64_t>::max() / 1'000'000;

constexpr std::string_view kLabelLiquidation = "liquidation";
constexpr std::string_view kLabelTrade = "trade";
constexpr std::string_view kLabelMarkPrice = "mark_price";
constexpr std::string_view kLabelOpenInterest = "open_interest";
constexpr std::string_view kLabelControl = "control";

// ---------------------------------------------------------------------------------------------
// Small pure helpers (same rules as the Binance codec).

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

/// A non-negative integer sent as a JSON string ("1680681600000", "8").
DecodeStatus parse_integer(std::string_view s, std::int64_t& out) noexcept {
  if (s.empty()) return DecodeStatus::kBadNumber;
  std::int64_t v = 0;
  const char* end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc() || ptr != end || v < 0) return DecodeStatus::kBadNumber;
  out = v;
  return DecodeStatus::kOk;
}

bool valid_symbol(std::string_view s) noexcept {
  if (s.empty() || s.size() >= sizeof(core::InstrumentInfo::symbol)) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    // ':' is reserved for the table's "_other:<ASSET>" keys; '.' separates topic parts.
    if (u <= 0x20 || u == 0x7f || c == ':' || c == '"' || c == '\\' || c == '.') return false;
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

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// Contract kind of a symbol when no metadata is at hand: "...USD" (no T/C) is inverse.
ContractKind derive_kind(std::string_view symbol) noexcept {
  const std::string_view base = symbol.substr(0, symbol.find('-'));
  return ends_with(base, "USD") ? ContractKind::kInverse : ContractKind::kLinear;
}

std::string derive_asset(std::string_view symbol) {
  std::string_view base = symbol.substr(0, symbol.find('-'));
  for (const std::string_view quote : {"USDT", "USDC", "PERP", "USD"}) {
    if (base.size() > quote.size() && ends_with(base, quote)) {
      base.remove_suffix(quote.size());
      break;
    }
  }
  return core::normalize_asset(base);
}

core::InstrumentSpec make_spec(std::string_view symbol, std::string_view asset, ContractKind kind) {
  core::InstrumentSpec spec;
  spec.venue = core::Venue::kBybit;
  spec.symbol = std::string(symbol);
  spec.asset = std::string(asset);
  spec.kind = kind;
  spec.contract_value = 1.0;  // linear: sizes are base coin; inverse: 1 USD per contract
  spec.tracked = true;
  return spec;
}

core::InstrumentSpec derived_spec(std::string_view symbol) {
  return make_spec(symbol, derive_asset(symbol), derive_kind(symbol));
}

template <typename T>
struct Slot {
  T value{};
  DecodeStatus status = DecodeStatus::kMissingField;
  [[nodiscard]] bool seen() const noexcept { return status != DecodeStatus::kMissingField; }
};

// String slots view the parser's string buffer: valid until the parser moves on.
void read(od::value& v, Slot<std::string_view>& s) noexcept {
  s.status = status_of(v.get_string().get(s.value));
}
void read(od::value& v, Slot<std::int64_t>& s) noexcept {
  const simdjson::error_code err = v.get_int64().get(s.value);
  s.status = status_of(err);
  if (err == simdjson::INCORRECT_TYPE) {
    od::json_type type;
    if (v.type().get(type) == simdjson::SUCCESS && type == od::json_type::number) {
      s.status = DecodeStatus::kBadNumber;
    }
  }
}
void read(od::value& v, Slot<bool>& s) noexcept { s.status = status_of(v.get_bool().get(s.value)); }

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

bool at_document_end(od::document& doc) noexcept {
  const char* loc = nullptr;
  return doc.current_location().get(loc) == simdjson::OUT_OF_BOUNDS;
}

bool differs(double a, double b) noexcept {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) != std::isnan(b);
  return a != b;
}

// ---------------------------------------------------------------------------------------------

enum class Topic : std::uint8_t { kNone, kTickers, kTrade, kAllLiquidation, kLiquidation, kOther };
enum class MsgType : std::uint8_t { kNone, kSnapshot, kDelta, kOther };
enum class Op : std::uint8_t { kNone, kPing, kPong, kSubscribe, kOther };

/// The kind of a topic "<kind>.<symbol>": kOther for any topic this codec does not read.
Topic topic_kind(std::string_view topic) noexcept {
  const std::size_t dot = topic.find('.');
  if (dot == std::string_view::npos) return Topic::kOther;
  const std::string_view kind = topic.substr(0, dot);
  if (scan::is(kind, "tickers")) return Topic::kTickers;
  if (scan::is(kind, "publicTrade")) return Topic::kTrade;
  if (scan::is(kind, "allLiquidation")) return Topic::kAllLiquidation;
  if (scan::is(kind, "liquidation")) return Topic::kLiquidation;
  return Topic::kOther;
}

MsgType msg_type(std::string_view t) noexcept {
  return scan::is(t, "snapshot") ? MsgType::kSnapshot
         : scan::is(t, "delta")  ? MsgType::kDelta
                                 : MsgType::kOther;
}

/// The latest merged ticker state of one symbol (venues.md §2: absent in a delta = unchanged).
struct Ticker {
  double mark = core::kAbsent;
  double index = core::kAbsent;
  double funding = core::kAbsent;
  double oi = core::kAbsent;
  double oi_value = core::kAbsent;
  std::int64_t next_funding_ms = -1;  // -1: not given
  std::int32_t interval_s = 0;        // 0: not given
};

/// Fields of one `data` object of any topic.
struct DataFields {
  // tickers
  Slot<std::string_view> symbol;
  Slot<std::string_view> mark;
  Slot<std::string_view> index;
  Slot<std::string_view> oi;
  Slot<std::string_view> oi_value;
  Slot<std::string_view> funding;
  Slot<std::string_view> next_funding;
  Slot<std::string_view> interval_h;
  // publicTrade / allLiquidation entries
  Slot<std::int64_t> t;  // T
  Slot<std::string_view> s;
  Slot<std::string_view> side;  // S
  Slot<std::string_view> v;
  Slot<std::string_view> p;
  // legacy liquidation
  Slot<std::string_view> legacy_side;   // side
  Slot<std::string_view> legacy_size;   // size
  Slot<std::string_view> legacy_price;  // price
  Slot<std::int64_t> updated_time;      // updatedTime
};

DecodeStatus read_data_object(od::object& obj, DataFields& d) noexcept {
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    const od::raw_json_string key = field.key();
    od::value& value = field.value();
    if (key == "symbol") {
      read(value, d.symbol);
    } else if (key == "markPrice") {
      read(value, d.mark);
    } else if (key == "indexPrice") {
      read(value, d.index);
    } else if (key == "openInterest") {
      read(value, d.oi);
    } else if (key == "openInterestValue") {
      read(value, d.oi_value);
    } else if (key == "fundingRate") {
      read(value, d.funding);
    } else if (key == "nextFundingTime") {
      read(value, d.next_funding);
    } else if (key == "fundingIntervalHour") {
      read(value, d.interval_h);
    } else if (key == "T") {
      read(value, d.t);
    } else if (key == "s") {
      read(value, d.s);
    } else if (key == "S") {
      read(value, d.side);
    } else if (key == "v") {
      read(value, d.v);
    } else if (key == "p") {
      read(value, d.p);
    } else if (key == "side") {
      read(value, d.legacy_side);
    } else if (key == "size") {
      read(value, d.legacy_size);
    } else if (key == "price") {
      read(value, d.legacy_price);
    } else if (key == "updatedTime") {
      read(value, d.updated_time);
    }
  }
  return DecodeStatus::kOk;
}


/// One `data` object, as read_data_object reads it (duplicate keys: the last wins).
bool fast_data_object(scan::Cursor& c, DataFields& d) noexcept {
  return c.object([&](scan::Key k) {
    if (k.size() == 1) {
      switch (k[0]) {
        case 'T':
          return scan::read(c, d.t);
        case 's':
          return scan::read(c, d.s);
        case 'S':
          return scan::read(c, d.side);
        case 'v':
          return scan::read(c, d.v);
        case 'p':
          return scan::read(c, d.p);
        default:
          return c.skip();
      }
    }
    if (scan::is(k, "symbol")) return scan::read(c, d.symbol);
    if (scan::is(k, "markPrice")) return scan::read(c, d.mark);
    if (scan::is(k, "indexPrice")) return scan::read(c, d.index);
    if (scan::is(k, "openInterest")) return scan::read(c, d.oi);
    if (scan::is(k, "openInterestValue")) return scan::read(c, d.oi_value);
    if (scan::is(k, "fundingRate")) return scan::read(c, d.funding);
    if (scan::is(k, "nextFundingTime")) return scan::read(c, d.next_funding);
    if (scan::is(k, "fundingIntervalHour")) return scan::read(c, d.interval_h);
    if (scan::is(k, "side")) return scan::read(c, d.legacy_side);
    if (scan::is(k, "size")) return scan::read(c, d.legacy_size);
    if (scan::is(k, "price")) return scan::read(c, d.legacy_price);
    if (scan::is(k, "updatedTime")) return scan::read(c, d.updated_time);
    return c.skip();
  });
}

/// Applies one optional ticker field: absent or "" leaves `out` as it is.
DecodeStatus apply_decimal(const Slot<std::string_view>& s, double& out, bool allow_negative,
                           bool& touched) noexcept {
  if (!s.seen()) return DecodeStatus::kOk;
  if (s.status != DecodeStatus::kOk) return s.status;
  if (s.value.empty()) return DecodeStatus::kOk;  // Bybit sends "" for "not applicable"
  touched = true;
  return parse_decimal(s.value, out, allow_negative);
}

// ---------------------------------------------------------------------------------------------

class BybitCodecImpl final : public BybitCodec {
 public:
  BybitCodecImpl(const VenueSettings& settings, core::InstrumentTable& table)
      : settings_(settings), table_(table) {
    buffer_.resize(kInitialBufferBytes + simdjson::SIMDJSON_PADDING);
    topic_.reserve(64);
    ids_.reserve(64);
    fast_entries_.reserve(kMaxFastEntries);
    for (const std::string& raw : settings.symbols) {
      std::string symbol = to_upper(raw);
      if (!valid_symbol(symbol)) {
        throw std::invalid_argument("venues.bybit.symbols: invalid symbol '" + raw + "'");
      }
      if (ids_.contains(symbol)) continue;
      InstrumentId id = table_.find(core::Venue::kBybit, symbol);
      if (id == kNoInstrument) id = table_.add(derived_spec(symbol));
      if (id == kNoInstrument) {
        throw std::invalid_argument("venues.bybit.symbols: the instrument table cannot hold '" +
                                    raw + "'");
      }
      const Entry entry = entry_for(id);
      (entry.kind == ContractKind::kInverse ? inverse_ : linear_).push_back(symbol);
      ids_.emplace(std::move(symbol), entry);
    }
    accept_all_ = settings.symbols.empty();
    if (!linear_.empty()) endpoint_kinds_.push_back(ContractKind::kLinear);
    if (!inverse_.empty()) endpoint_kinds_.push_back(ContractKind::kInverse);
  }

  [[nodiscard]] core::Venue venue() const noexcept override { return core::Venue::kBybit; }

  [[nodiscard]] std::vector<WsEndpoint> ws_endpoints() const override {
    std::string base = settings_.ws_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    std::vector<WsEndpoint> endpoints;
    for (const ContractKind kind : endpoint_kinds_) {
      const bool inverse = kind == ContractKind::kInverse;
      const std::vector<std::string>& symbols = inverse ? inverse_ : linear_;
      std::vector<std::string> args;
      for (const std::string& symbol : symbols) {
        args.push_back("tickers." + symbol);
        args.push_back("publicTrade." + symbol);
        args.push_back("allLiquidation." + symbol);
      }
      WsEndpoint ep;
      ep.url = base + (inverse ? "/inverse" : "/linear");
      for (std::size_t first = 0; first < args.size(); first += kMaxArgsPerRequest) {
        const std::size_t last = std::min(args.size(), first + kMaxArgsPerRequest);
        std::string msg = R"({"op":"subscribe","args":[)";
        for (std::size_t k = first; k < last; ++k) {
          if (k != first) msg += ',';
          msg += '"';
          msg += args[k];
          msg += '"';
        }
        msg += "]}";
        ep.subscribe.push_back(std::move(msg));
      }
      endpoints.push_back(std::move(ep));
    }
    return endpoints;
  }

  [[nodiscard]] Heartbeat heartbeat() const override {
    return Heartbeat{Heartbeat::Kind::kPeriodic, kPingInterval, std::string(kPingText)};
  }

  [[nodiscard]] std::vector<RestPoll> rest_polls() const override { return {}; }  // OI is on WS

  [[nodiscard]] std::string_view liquidation_completeness() const noexcept override {
    return "full";  // allLiquidation: "push all liquidations that occur on Bybit"
  }

  [[nodiscard]] std::uint64_t bankruptcy_price_disagreements() const noexcept override {
    return disagreements_;
  }

  [[nodiscard]] std::uint64_t fast_frames() const noexcept override { return fast_frames_; }

  void on_connected(std::uint16_t endpoint) override {
    // A new connection gets a fresh snapshot: forget the tickers of that connection's kind.
    const bool known = endpoint < endpoint_kinds_.size();
    for (auto& [symbol, entry] : ids_) {
      const ContractKind kind =
          entry.kind == ContractKind::kInverse ? ContractKind::kInverse : ContractKind::kLinear;
      if (!known || kind == endpoint_kinds_[endpoint]) entry.ticker = Ticker{};
    }
  }

  DecodeResult decode(std::string_view frame, const FrameMeta& meta,
                      std::vector<core::NormalizedEvent>& out,
                      std::string& /*reply*/) noexcept override {
    const std::size_t mark = out.size();
    Frame f(meta, out);
    const DecodeStatus status = decode_frame(frame, f);
    if (is_error(status)) {
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
    } else {
      disagreements_ += f.disagreements;
      // The ticker cache changes only when the whole frame decoded.
      if (f.commit != nullptr) *f.commit = f.ticker;
    }
    return DecodeResult{status, f.label};
  }

 private:
  struct Entry {
    InstrumentId id = kNoInstrument;  // kNoInstrument: seen but not tracked
    ContractKind kind = ContractKind::kLinear;
    double contract_value = 1.0;
    Ticker ticker;
  };

  struct Frame {
    Frame(const FrameMeta& m, std::vector<core::NormalizedEvent>& o) : meta(m), out(o) {}
    const FrameMeta& meta;
    std::vector<core::NormalizedEvent>& out;
    std::string_view label = "unknown";
    Topic topic = Topic::kNone;
    MsgType type = MsgType::kNone;
    std::string_view topic_symbol;  // views topic_
    Slot<std::int64_t> ts;
    std::uint64_t disagreements = 0;
    Ticker* commit = nullptr;  // the cache entry to replace with `ticker` on success
    Ticker ticker;
  };

  Entry entry_for(InstrumentId id) const noexcept {
    const core::InstrumentInfo& info = table_.get(id);
    Entry e;
    e.id = id;
    e.kind = info.kind;
    e.contract_value = info.contract_value > 0.0 ? info.contract_value : 1.0;
    return e;
  }

  DecodeStatus decode_frame(std::string_view frame, Frame& f) noexcept {
    if (frame.empty()) return DecodeStatus::kMalformedJson;
    if (settings_.fast_path) {
      DecodeStatus status = DecodeStatus::kOk;
      if (fast_decode(frame, f, status)) return status;
    }
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
    if (type != od::json_type::object) {
      if (type == od::json_type::array) {
        // Not a Bybit shape; still reject broken JSON as such.
        od::array arr;
        if (doc.get_array().get(arr)) return DecodeStatus::kMalformedJson;
        for (auto element : arr) {
          od::value v;
          if (element.get(v)) return DecodeStatus::kMalformedJson;
        }
        return at_document_end(doc) ? DecodeStatus::kUnknownMessage : DecodeStatus::kMalformedJson;
      }
      const DecodeStatus status = classify_scalar(doc, type);
      if (status == DecodeStatus::kMalformedJson) return status;
      return at_document_end(doc) ? status : DecodeStatus::kMalformedJson;
    }

    // Pass 1: the envelope (topic, type, ts, op, success), skipping `data`, which may come
    // before `ts` (tickers do that).
    Slot<bool> success;
    Op op = Op::kNone;
    bool has_data = false;
    {
      od::object root;
      if (doc.get_object().get(root)) return DecodeStatus::kMalformedJson;
      for (auto field_result : root) {
        od::field field;
        if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
        const od::raw_json_string key = field.key();
        od::value& value = field.value();
        if (key == "topic") {
          std::string_view topic;
          if (auto err = value.get_string().get(topic)) return status_of(err);
          if (f.topic != Topic::kNone) return DecodeStatus::kUnknownMessage;  // duplicate key
          const DecodeStatus st = parse_topic(topic, f);
          if (st != DecodeStatus::kOk) return st;
        } else if (key == "type") {
          std::string_view t;
          if (auto err = value.get_string().get(t)) return status_of(err);
          f.type = msg_type(t);
        } else if (key == "ts") {
          read(value, f.ts);
        } else if (key == "data") {
          has_data = true;
        } else if (key == "success") {
          read(value, success);
        } else if (key == "op") {
          std::string_view o;
          if (auto err = value.get_string().get(o)) return status_of(err);
          op = scan::is(o, "ping")        ? Op::kPing
               : scan::is(o, "pong")      ? Op::kPong
               : scan::is(o, "subscribe") ? Op::kSubscribe
                                          : Op::kOther;
        }
      }
    }
    if (!at_document_end(doc)) return DecodeStatus::kMalformedJson;

    if (f.topic == Topic::kNone) {
      if (success.seen() || op != Op::kNone) f.label = kLabelControl;
      if (success.seen()) {
        if (success.status != DecodeStatus::kOk) return success.status;
        // {"success":false,"ret_msg":"error:handler not found,topic:…","op":"subscribe"}
        return success.value ? DecodeStatus::kIgnored : DecodeStatus::kVenueError;
      }
      if (op == Op::kPing || op == Op::kPong) return DecodeStatus::kIgnored;
      return DecodeStatus::kUnknownMessage;
    }
    if (f.topic == Topic::kOther) return DecodeStatus::kUnknownMessage;
    if (!has_data) return DecodeStatus::kMissingField;

    // Pass 2: the payload.
    doc.rewind();
    od::object root;
    if (doc.get_object().get(root)) return DecodeStatus::kMalformedJson;
    for (auto field_result : root) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      if (field.key() == "data") return decode_data(field.value(), f);
    }
    return DecodeStatus::kMissingField;
  }

  // Fast path (json_scan.h): the frames Bybit sends all day, a root object with `topic`,
  // `type`, `ts` and `data` in any order, `data` an array of publicTrade or allLiquidation
  // entries or one tickers or liquidation object. They are read into the same DataFields as
  // read_data_object and handed to the same decode_entry. Anything else (control frames with
  // `op` or `success`, a duplicate `topic` or `data`, a topic this codec does not read, a `data`
  // shape its topic does not take, more than kMaxFastEntries entries, escapes, a field of an
  // unexpected type) returns false before any state changes, and the simdjson path decodes it.

  static constexpr std::size_t kMaxFastEntries = 32;

  bool fast_decode(std::string_view frame, Frame& f, DecodeStatus& status) noexcept {
    scan::Cursor c(frame);
    std::string_view topic;
    bool has_topic = false;
    MsgType type = MsgType::kNone;
    Slot<std::int64_t> ts;
    bool has_data = false;
    bool data_array = false;
    // A member with its capacity reserved: no allocation, and only the entries a frame has are
    // built (a DataFields is ~400 bytes).
    std::vector<DataFields>& entries = fast_entries_;
    entries.clear();
    const bool ok = c.object([&](scan::Key k) {
      if (scan::is(k, "topic")) {
        if (has_topic) return false;  // simdjson's pass 1 classifies a duplicate
        has_topic = true;
        return c.string(topic);
      }
      if (scan::is(k, "type")) {
        std::string_view t;
        if (!c.string(t)) return false;
        type = msg_type(t);
        return true;
      }
      if (scan::is(k, "ts")) return scan::read(c, ts);
      if (scan::is(k, "data")) {
        if (has_data) return false;  // simdjson's pass 2 reads the first one
        has_data = true;
        if (c.peek('{')) return fast_data_object(c, entries.emplace_back());
        data_array = true;
        return c.array([&] {
          return entries.size() < kMaxFastEntries && fast_data_object(c, entries.emplace_back());
        });
      }
      if (scan::is(k, "op") || scan::is(k, "success")) return false;
      return c.skip();
    });
    if (!ok || !c.end() || !has_topic || !has_data) return false;
    const Topic kind = topic_kind(topic);
    if (kind == Topic::kOther ||
        data_array != (kind == Topic::kTrade || kind == Topic::kAllLiquidation)) {
      return false;
    }

    ++fast_frames_;
    f.type = type;
    f.ts = ts;
    status = parse_topic(topic, f);
    if (status != DecodeStatus::kOk) return true;
    if (!data_array) {
      status = decode_entry(entries[0], f);
      return true;
    }
    // As decode_data: the first error, else kOk when any entry decoded.
    status = decode_each(entries.size(),
                         [&](std::size_t i) { return decode_entry(entries[i], f); });
    return true;
  }

  DecodeStatus parse_topic(std::string_view topic, Frame& f) noexcept {
    f.topic = topic_kind(topic);
    if (f.topic == Topic::kOther) return DecodeStatus::kOk;
    try {
      topic_.assign(topic.substr(topic.find('.') + 1));  // no allocation once capacity suffices
    } catch (...) {
      return DecodeStatus::kMalformedJson;
    }
    f.topic_symbol = topic_;
    switch (f.topic) {
      case Topic::kTickers: f.label = kLabelOpenInterest; break;
      case Topic::kTrade: f.label = kLabelTrade; break;
      default: f.label = kLabelLiquidation; break;
    }
    return DecodeStatus::kOk;
  }

  DecodeStatus decode_data(od::value& value, Frame& f) noexcept {
    od::json_type type;
    if (value.type().get(type)) return DecodeStatus::kMalformedJson;
    const bool want_array = f.topic == Topic::kTrade || f.topic == Topic::kAllLiquidation;
    if (want_array) {
      if (type != od::json_type::array) return DecodeStatus::kWrongType;
      od::array arr;
      if (value.get_array().get(arr)) return DecodeStatus::kMalformedJson;
      DecodeStatus combined = DecodeStatus::kIgnored;
      for (auto element_result : arr) {
        od::value element;
        if (element_result.get(element)) return DecodeStatus::kMalformedJson;
        od::object obj;
        if (auto err = element.get_object().get(obj)) return status_of(err);
        DataFields d;
        DecodeStatus st = read_data_object(obj, d);
        if (st != DecodeStatus::kOk) return st;
        st = decode_entry(d, f);
        if (is_error(st)) return st;
        if (st == DecodeStatus::kOk) combined = DecodeStatus::kOk;
      }
      return combined;
    }
    if (type != od::json_type::object) return DecodeStatus::kWrongType;
    od::object obj;
    if (value.get_object().get(obj)) return DecodeStatus::kMalformedJson;
    DataFields d;
    const DecodeStatus st = read_data_object(obj, d);
    if (st != DecodeStatus::kOk) return st;
    return decode_entry(d, f);
  }

  /// One `data` object of the frame's topic (any but kNone and kOther).
  DecodeStatus decode_entry(const DataFields& d, Frame& f) noexcept {
    switch (f.topic) {
      case Topic::kTickers: return decode_tickers(d, f);
      case Topic::kTrade: return decode_trade(d, f);
      case Topic::kAllLiquidation: return decode_all_liquidation(d, f);
      default: return decode_legacy_liquidation(d, f);
    }
  }

  /// The symbol of a payload: its own field when present, else the topic's.
  static DecodeStatus symbol_of(const Slot<std::string_view>& s, const Frame& f,
                                std::string_view& out) noexcept {
    if (s.seen()) {
      if (s.status != DecodeStatus::kOk) return s.status;
      out = s.value;
    } else {
      out = f.topic_symbol;
    }
    return out.empty() ? DecodeStatus::kMissingField : DecodeStatus::kOk;
  }

  DecodeStatus decode_tickers(const DataFields& d, Frame& f) noexcept {
    std::string_view symbol;
    DecodeStatus st = symbol_of(d.symbol, f, symbol);
    if (st != DecodeStatus::kOk) return st;
    if (f.type == MsgType::kNone) return DecodeStatus::kMissingField;
    if (f.type == MsgType::kOther) return DecodeStatus::kUnknownMessage;
    std::int64_t ts = 0;
    st = timestamp_ns(f.ts, ts);
    if (st != DecodeStatus::kOk) return st;

    Entry* entry = nullptr;
    st = resolve(symbol, entry);
    if (st != DecodeStatus::kOk) return st;

    const bool snapshot = f.type == MsgType::kSnapshot;
    const Ticker old = snapshot ? Ticker{} : entry->ticker;
    Ticker t = old;
    bool mark_seen = false, index_seen = false, funding_seen = false, oi_seen = false,
         oi_value_seen = false, next_seen = false, interval_seen = false;
    st = apply_decimal(d.mark, t.mark, false, mark_seen);
    if (st == DecodeStatus::kOk) st = apply_decimal(d.index, t.index, false, index_seen);
    if (st == DecodeStatus::kOk) st = apply_decimal(d.funding, t.funding, true, funding_seen);
    if (st == DecodeStatus::kOk) st = apply_decimal(d.oi, t.oi, false, oi_seen);
    if (st == DecodeStatus::kOk) st = apply_decimal(d.oi_value, t.oi_value, false, oi_value_seen);
    if (st != DecodeStatus::kOk) return st;
    if (mark_seen && !(t.mark > 0.0)) return DecodeStatus::kBadNumber;
    if (d.next_funding.seen()) {
      if (d.next_funding.status != DecodeStatus::kOk) return d.next_funding.status;
      if (!d.next_funding.value.empty()) {
        next_seen = true;
        st = parse_integer(d.next_funding.value, t.next_funding_ms);
        if (st != DecodeStatus::kOk) return st;
      }
    }
    if (d.interval_h.seen()) {
      if (d.interval_h.status != DecodeStatus::kOk) return d.interval_h.status;
      if (!d.interval_h.value.empty()) {
        interval_seen = true;
        std::int64_t hours = 0;
        st = parse_integer(d.interval_h.value, hours);
        if (st != DecodeStatus::kOk) return st;
        if (hours <= 0 || hours > kMaxFundingIntervalHours) return DecodeStatus::kBadNumber;
        t.interval_s = static_cast<std::int32_t>(hours * 3600);
      }
    }

    // Emit what changed (a snapshot: everything it carries).
    const bool oi_changed = oi_seen && (snapshot || differs(t.oi, entry->ticker.oi));
    const bool oi_value_changed =
        oi_value_seen && (snapshot || differs(t.oi_value, entry->ticker.oi_value));
    const bool mark_changed =
        (mark_seen && (snapshot || differs(t.mark, entry->ticker.mark))) ||
        (index_seen && (snapshot || differs(t.index, entry->ticker.index))) ||
        (funding_seen && (snapshot || differs(t.funding, entry->ticker.funding))) ||
        (next_seen && (snapshot || t.next_funding_ms != entry->ticker.next_funding_ms)) ||
        (interval_seen && (snapshot || t.interval_s != entry->ticker.interval_s));

    bool emitted_oi = false;
    if ((oi_changed || oi_value_changed) && core::present(t.oi)) {
      // openInterestValue belongs with openInterest only when it came in the same frame or
      // openInterest did not move; else it is stale.
      const double value = (oi_value_seen || !oi_seen) ? t.oi_value : core::kAbsent;
      core::NormalizedEvent e = event(core::EventType::kOpenInterest, *entry, ts, f);
      e.oi.contracts = t.oi;
      if (entry->kind == ContractKind::kInverse) {
        // Inverse: openInterest is USD contracts, openInterestValue is coin.
        e.oi.notional_usd = t.oi * entry->contract_value;
        e.oi.base = core::present(t.mark) && t.mark > 0.0 ? e.oi.notional_usd / t.mark : value;
      } else {
        // Linear: openInterest is base coin, openInterestValue is quote (USDT/USDC).
        e.oi.base = t.oi * entry->contract_value;
        e.oi.notional_usd = value;
      }
      e.oi.source = core::OiSource::kWs;
      f.out.push_back(e);
      emitted_oi = true;
    }
    if (mark_changed && core::present(t.mark)) {
      core::NormalizedEvent e = event(core::EventType::kMarkPrice, *entry, ts, f);
      e.mark.mark = t.mark;
      e.mark.index = t.index;
      e.mark.funding_rate = t.funding;
      e.mark.funding_interval_s = t.interval_s > 0 ? t.interval_s : kDefaultFundingIntervalS;
      f.out.push_back(e);
    }
    f.label = emitted_oi || !mark_changed ? kLabelOpenInterest : kLabelMarkPrice;
    f.commit = &entry->ticker;
    f.ticker = t;
    return DecodeStatus::kOk;
  }

  DecodeStatus decode_trade(const DataFields& d, Frame& f) noexcept {
    std::string_view symbol;
    DecodeStatus st = symbol_of(d.s, f, symbol);
    if (st != DecodeStatus::kOk) return st;
    if (d.side.status != DecodeStatus::kOk) return d.side.status;
    core::Side side;
    if (scan::is(d.side.value, "Buy")) {
      side = core::Side::kBuy;
    } else if (scan::is(d.side.value, "Sell")) {
      side = core::Side::kSell;
    } else {
      return DecodeStatus::kUnknownMessage;
    }
    double size = 0.0;
    double price = 0.0;
    st = required_number(d.v, size);
    if (st == DecodeStatus::kOk) st = required_number(d.p, price);
    if (st != DecodeStatus::kOk) return st;
    if (!(size > 0.0) || !(price > 0.0)) return DecodeStatus::kBadNumber;
    std::int64_t ts = 0;
    st = timestamp_ns(d.t.seen() ? d.t : f.ts, ts);
    if (st != DecodeStatus::kOk) return st;

    Entry* entry = nullptr;
    st = resolve(symbol, entry);
    if (st != DecodeStatus::kOk) return st;

    core::NormalizedEvent e = event(core::EventType::kTrade, *entry, ts, f);
    e.trade.price = price;
    fill_size(*entry, size, price, e.trade.quantity, e.trade.notional_usd);
    e.trade.taker_side = side;
    f.out.push_back(e);
    return DecodeStatus::kOk;
  }

  DecodeStatus decode_all_liquidation(const DataFields& d, Frame& f) noexcept {
    return liquidation(d.s, d.side, d.v, d.p, d.t, core::Completeness::kFull, f);
  }

  DecodeStatus decode_legacy_liquidation(const DataFields& d, Frame& f) noexcept {
    // Deprecated topic, at most 1 per second per symbol. `side` is read as the position side,
    // as in the current doc revision and allLiquidation (venues.md §2).
    return liquidation(d.symbol, d.legacy_side, d.legacy_size, d.legacy_price, d.updated_time,
                       core::Completeness::kThrottled, f);
  }

  DecodeStatus liquidation(const Slot<std::string_view>& sym, const Slot<std::string_view>& side,
                           const Slot<std::string_view>& v, const Slot<std::string_view>& p,
                           const Slot<std::int64_t>& t, core::Completeness completeness,
                           Frame& f) noexcept {
    std::string_view symbol;
    DecodeStatus st = symbol_of(sym, f, symbol);
    if (st != DecodeStatus::kOk) return st;
    if (side.status != DecodeStatus::kOk) return side.status;
    // S is the POSITION side: Buy means a long position was liquidated (closed by a sell).
    core::Position position;
    if (scan::is(side.value, "Buy")) {
      position = core::Position::kLong;
    } else if (scan::is(side.value, "Sell")) {
      position = core::Position::kShort;
    } else {
      return DecodeStatus::kUnknownMessage;
    }
    double size = 0.0;
    double price = 0.0;
    st = required_number(v, size);
    if (st == DecodeStatus::kOk) st = required_number(p, price);
    if (st != DecodeStatus::kOk) return st;
    if (!(size > 0.0) || !(price > 0.0)) return DecodeStatus::kBadNumber;
    std::int64_t ts = 0;
    st = timestamp_ns(t.seen() ? t : f.ts, ts);
    if (st != DecodeStatus::kOk) return st;

    Entry* entry = nullptr;
    st = resolve(symbol, entry);
    if (st != DecodeStatus::kOk) return st;

    // p is the bankruptcy price: below the mark for a long, above it for a short.
    const double mark = entry->ticker.mark;
    if (core::present(mark)) {
      const bool agrees = position == core::Position::kLong ? price < mark : price > mark;
      if (!agrees) ++f.disagreements;
    }

    core::NormalizedEvent e = event(core::EventType::kLiquidation, *entry, ts, f);
    e.liq.price = price;
    fill_size(*entry, size, price, e.liq.quantity, e.liq.notional_usd);
    e.liq.position = position;
    e.liq.order_side =
        position == core::Position::kLong ? core::Side::kSell : core::Side::kBuy;
    e.liq.completeness = completeness;
    f.out.push_back(e);
    return DecodeStatus::kOk;
  }

  /// Linear: size is base coin (× contract value). Inverse: size is contracts of
  /// contract_value USD, so notional is USD and base = notional / price.
  static void fill_size(const Entry& entry, double size, double price, double& base,
                        double& notional) noexcept {
    if (entry.kind == ContractKind::kInverse) {
      notional = size * entry.contract_value;
      base = notional / price;
    } else {
      base = size * entry.contract_value;
      notional = base * price;
    }
  }

  core::NormalizedEvent event(core::EventType type, const Entry& entry, std::int64_t ts,
                              const Frame& f) const noexcept {
    return core::make_event(type, core::Venue::kBybit, entry.id, ts, f.meta.recv_wall_ns,
                            f.meta.recv_steady_ns);
  }

  /// kOk with `entry` set for a tracked symbol; kIgnored for an untracked one. Allocation-free
  /// on a cache hit.
  DecodeStatus resolve(std::string_view symbol, Entry*& entry) noexcept {
    if (Entry* const known = ids_.find(symbol)) {
      if (known->id == kNoInstrument) return DecodeStatus::kIgnored;
      entry = known;
      return DecodeStatus::kOk;
    }
    if (!valid_symbol(symbol)) return DecodeStatus::kUnknownMessage;
    try {
      Entry e;
      if (accept_all_) {
        InstrumentId id = table_.find(core::Venue::kBybit, symbol);
        if (id == kNoInstrument) id = table_.add(derived_spec(symbol));
        if (id == kNoInstrument) return DecodeStatus::kUnknownMessage;  // table full
        e = entry_for(id);
      }
      if (ids_.size() >= kMaxCachedSymbols) {
        if (e.id == kNoInstrument) return DecodeStatus::kIgnored;
        return DecodeStatus::kUnknownMessage;  // no room for a ticker cache
      }
      Entry* const added = ids_.emplace(symbol, e).first;
      if (added->id == kNoInstrument) return DecodeStatus::kIgnored;
      entry = added;
      return DecodeStatus::kOk;
    } catch (...) {
      return DecodeStatus::kUnknownMessage;
    }
  }

  VenueSettings settings_;
  core::InstrumentTable& table_;
  std::vector<std::string> linear_;   // tracked linear symbols, config order
  std::vector<std::string> inverse_;  // tracked inverse symbols, config order
  std::vector<ContractKind> endpoint_kinds_;
  bool accept_all_ = false;
  // Entry pointers stay valid across inserts (Frame::commit relies on it).
  SymbolMap<Entry> ids_;
  std::uint64_t disagreements_ = 0;
  std::uint64_t fast_frames_ = 0;
  std::vector<DataFields> fast_entries_;  // the fast path's data entries of one frame
  std::string topic_;   // symbol part of the current frame's topic
  std::string buffer_;  // padded copy of the current frame, reused
  od::parser parser_;
};

// ---------------------------------------------------------------------------------------------
// instruments-info

DecodeStatus parse_instrument(od::value& v, ContractKind category_kind,
                              std::vector<core::InstrumentSpec>& out) {
  od::object obj;
  if (auto err = v.get_object().get(obj)) {
    return err == simdjson::INCORRECT_TYPE ? DecodeStatus::kOk : DecodeStatus::kMalformedJson;
  }
  Slot<std::string_view> symbol;
  Slot<std::string_view> base;
  Slot<std::string_view> contract_type;
  std::string symbol_copy;
  std::string base_copy;
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    const od::raw_json_string key = field.key();
    if (key == "symbol") {
      read(field.value(), symbol);
      if (symbol.status == DecodeStatus::kOk) symbol_copy.assign(symbol.value);
    } else if (key == "baseCoin") {
      read(field.value(), base);
      if (base.status == DecodeStatus::kOk) base_copy.assign(base.value);
    } else if (key == "contractType") {
      read(field.value(), contract_type);
      if (contract_type.status == DecodeStatus::kOk) {
        const std::string_view ct = contract_type.value;
        if (scan::is(ct, "LinearPerpetual") || scan::is(ct, "LinearFutures")) {
          category_kind = ContractKind::kLinear;
        } else if (scan::is(ct, "InversePerpetual") || scan::is(ct, "InverseFutures")) {
          category_kind = ContractKind::kInverse;
        } else {
          contract_type.status = DecodeStatus::kUnknownMessage;  // skip the entry
        }
      }
    }
  }
  for (const auto* s : {&symbol.status, &base.status, &contract_type.status}) {
    if (*s == DecodeStatus::kMalformedJson) return DecodeStatus::kMalformedJson;
  }
  if (symbol.status != DecodeStatus::kOk || base.status != DecodeStatus::kOk ||
      (contract_type.seen() && contract_type.status != DecodeStatus::kOk) ||
      !valid_symbol(symbol_copy) || base_copy.empty()) {
    return DecodeStatus::kOk;  // unusable entry: skip it, keep the rest
  }
  out.push_back(make_spec(symbol_copy, core::normalize_asset(base_copy), category_kind));
  return DecodeStatus::kOk;
}

DecodeStatus parse_list(od::value& v, ContractKind kind, std::vector<core::InstrumentSpec>& out,
                        bool& list_seen) {
  od::object obj;
  if (auto err = v.get_object().get(obj)) return status_of(err);
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    if (field.key() != "list") continue;
    list_seen = true;
    od::array arr;
    if (auto err = field.value().get_array().get(arr)) return status_of(err);
    for (auto element_result : arr) {
      od::value element;
      if (element_result.get(element)) return DecodeStatus::kMalformedJson;
      const DecodeStatus st = parse_instrument(element, kind, out);
      if (st != DecodeStatus::kOk) return st;
    }
  }
  return DecodeStatus::kOk;
}

DecodeStatus parse_instruments_info(std::string_view body, ContractKind kind,
                                    std::vector<core::InstrumentSpec>& out) {
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
  bool list_seen = false;
  Slot<std::int64_t> ret_code;
  for (auto field_result : root) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    const od::raw_json_string key = field.key();
    if (key == "result") {
      const DecodeStatus st = parse_list(field.value(), kind, out, list_seen);
      if (st != DecodeStatus::kOk) return st;
    } else if (key == "retCode") {
      read(field.value(), ret_code);
    }
  }
  if (!at_document_end(doc)) return DecodeStatus::kMalformedJson;
  if (ret_code.seen()) {
    if (ret_code.status != DecodeStatus::kOk) return ret_code.status;
    if (ret_code.value != 0) return DecodeStatus::kVenueError;  // {"retCode":10001,…}
  }
  return list_seen ? DecodeStatus::kOk : DecodeStatus::kMissingField;
}

}  // namespace

std::unique_ptr<Codec> make_codec(const VenueSettings& settings, core::InstrumentTable& table) {
  return std::make_unique<BybitCodecImpl>(settings, table);
}

std::vector<std::string> metadata_targets() {
  return {std::string(kLinearTarget), std::string(kInverseTarget)};
}

DecodeStatus parse_metadata(std::size_t target_index, std::string_view body,
                            std::vector<core::InstrumentSpec>& out) noexcept {
  if (target_index > 1) return DecodeStatus::kUnknownMessage;
  const std::size_t mark = out.size();
  DecodeStatus status = DecodeStatus::kMalformedJson;
  try {
    status = parse_instruments_info(
        body, target_index == 0 ? ContractKind::kLinear : ContractKind::kInverse, out);
  } catch (...) {
    status = DecodeStatus::kMalformedJson;
  }
  if (status != DecodeStatus::kOk) {
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
  }
  return status;
}

std::vector<core::InstrumentSpec> bundled_instruments() {
  return {make_spec("BTCUSDT", "BTC", ContractKind::kLinear),
          make_spec("ETHUSDT", "ETH", ContractKind::kLinear),
          make_spec("BTCUSD", "BTC", ContractKind::kInverse),
          make_spec("ETHUSD", "ETH", ContractKind::kInverse)};
}

VenueSettings default_settings() {
  VenueSettings s;
  s.venue = core::Venue::kBybit;
  s.enabled = true;
  s.ws_url = std::string(kDefaultWsUrl);
  s.rest_url = std::string(kDefaultRestUrl);
  s.symbols = {"BTCUSDT", "ETHUSDT"};
  s.all_liquidations = true;
  s.silence_timeout = std::chrono::seconds(30);
  return s;
}

}  // namespace levdyn::venues::bybit
