// BitMEX codec: realtime table frames (instrument, trade, liquidation) to normalized events, and
// REST /api/v1/instrument/active bodies to instrument specs (venues.md §5).
//
// Unit conversion (per instrument, from the bundled/metadata spec, then from the instrument
// table's own rows, which carry multiplier/isInverse/isQuanto/…):
//   inverse (XBTUSD):  contract_value = USD per contract (|multiplier| / underlyingToSettle);
//                      usd = contracts x cv, base = usd / price.
//   linear (XBTUSDT):  contract_value = base per contract (multiplier / underlyingToSettle, else
//                      multiplier / quoteToSettle, else 1 / underlyingToPosition);
//                      base = contracts x cv, usd = base x price (x XBT/USD when quoted in XBT).
//   quanto (ETHUSD):   contract_value = multiplier (settlement minor units per price point);
//                      settle coins = contracts x cv x price / settle_scale (XBt: 1e8),
//                      usd = settle coins x XBT/USD mark, base = usd / price.
// The XBT/USD price is the XBTUSD mark from the instrument table; the codec subscribes
// instrument:XBTUSD for that even when XBTUSD is not tracked. Without it, values that need it
// are absent (NaN), never guessed.

#include "service/venues/bitmex.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory_resource>
#include <stdexcept>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "service/venues/json_scan.h"
#include "service/venues/symbol_map.h"

namespace levdyn::venues::bitmex {
namespace {

namespace od = simdjson::ondemand;
using core::InstrumentId;
using core::kNoInstrument;

constexpr std::string_view kDefaultWsUrl = "wss://ws.bitmex.com/realtime";
constexpr std::string_view kDefaultRestUrl = "https://www.bitmex.com";
constexpr std::string_view kInstrumentPath = "/api/v1/instrument/active";
constexpr std::string_view kXbtReference = "XBTUSD";

constexpr std::size_t kInitialBufferBytes = 64 * 1024;
constexpr std::size_t kMaxOrders = 16384;  // resting liquidation orders held at most
constexpr std::size_t kFastRows = 64;      // rows the fast path reads (reserved: no allocation)
constexpr double kXbtScale = 1e8;          // XBt per XBT
constexpr double kUsdtScale = 1e6;         // USDt per USDT

constexpr std::string_view kLabelLiquidation = "liquidation";
constexpr std::string_view kLabelTrade = "trade";
constexpr std::string_view kLabelInstrument = "open_interest";
constexpr std::string_view kLabelControl = "control";

enum TableIdx : int { kInstrument = 0, kTrade = 1, kLiquidation = 2, kTableCount = 3 };

// ---------------------------------------------------------------------------------------------
// Small pure helpers.

DecodeStatus status_of(simdjson::error_code e) noexcept {
  switch (e) {
    case simdjson::SUCCESS: return DecodeStatus::kOk;
    case simdjson::NO_SUCH_FIELD: return DecodeStatus::kMissingField;
    case simdjson::INCORRECT_TYPE: return DecodeStatus::kWrongType;
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE: return DecodeStatus::kBadNumber;
    default: return DecodeStatus::kMalformedJson;
  }
}

bool valid_symbol(std::string_view s) noexcept {
  if (s.empty() || s.size() >= sizeof(core::InstrumentInfo::symbol)) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == ':' || c == '/' || c == '@' || c == '?' || c == '&' ||
        c == '#' || c == '"' || c == '\\' || c == ',') {
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

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// Base asset of a symbol without metadata: "XBTUSD" -> BTC, "ETHUSDT" -> ETH,
/// "XBTZ24" / "ETHM19" (futures month code + year) -> BTC / ETH.
std::string derive_asset(std::string_view symbol) {
  std::string_view base = symbol;
  bool stripped = false;
  for (const std::string_view quote : {"USDT", "USDC", "USD", "EUR"}) {
    if (base.size() > quote.size() && ends_with(base, quote)) {
      base.remove_suffix(quote.size());
      stripped = true;
      break;
    }
  }
  if (!stripped && base.size() > 3) {
    const auto d1 = base[base.size() - 2];
    const auto d2 = base[base.size() - 1];
    const auto m = base[base.size() - 3];
    if (d1 >= '0' && d1 <= '9' && d2 >= '0' && d2 <= '9' && m >= 'A' && m <= 'Z') {
      base.remove_suffix(3);
    }
  }
  return core::normalize_asset(base);
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Strict ISO-8601 UTC "YYYY-MM-DDTHH:MM:SS[.fff…]Z" to ns since the epoch.
bool parse_iso8601(std::string_view s, std::int64_t& ns) noexcept {
  if (s.size() < 20 || s.back() != 'Z') return false;
  auto digits = [&](std::size_t at, std::size_t n, int& v) {
    v = 0;
    for (std::size_t k = at; k < at + n; ++k) {
      if (s[k] < '0' || s[k] > '9') return false;
      v = v * 10 + (s[k] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, se;
  if (!digits(0, 4, y) || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' || !digits(8, 2, d) ||
      s[10] != 'T' || !digits(11, 2, h) || s[13] != ':' || !digits(14, 2, mi) || s[16] != ':' ||
      !digits(17, 2, se)) {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
  std::int64_t frac_ns = 0;
  std::size_t pos = 19;
  if (s[pos] == '.') {
    ++pos;
    std::int64_t scale = 100'000'000;
    const std::size_t start = pos;
    while (pos < s.size() - 1) {
      if (s[pos] < '0' || s[pos] > '9') return false;
      frac_ns += scale * (s[pos] - '0');
      scale /= 10;
      ++pos;
    }
    if (pos == start) return false;
  }
  if (pos != s.size() - 1) return false;
  const std::int64_t days =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + se;
  // ns since the epoch fit an int64 until 2262; later years (up to 9999 parse) are refused
  // rather than overflowing.
  if (secs < 0 || secs > (std::numeric_limits<std::int64_t>::max() - 999'999'999) / 1'000'000'000) {
    return false;
  }
  ns = secs * 1'000'000'000 + frac_ns;
  return true;
}

/// BitMEX encodes intervals as a time after 2000-01-01T00:00:00Z ("2000-01-01T08:00:00.000Z"
/// is 8 h).
bool parse_interval_s(std::string_view s, std::int32_t& out) noexcept {
  std::int64_t ns = 0;
  if (!parse_iso8601(s, ns)) return false;
  const std::int64_t epoch2000 = days_from_civil(2000, 1, 1) * 86400;
  const std::int64_t secs = ns / 1'000'000'000 - epoch2000;
  if (secs <= 0 || secs > std::numeric_limits<std::int32_t>::max()) return false;
  out = static_cast<std::int32_t>(secs);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Field readers. BitMEX numbers are JSON numbers; `null` means "no value" (absent, not error).

/// A number or null (absent: NaN). Strings and other types are wrong types.
DecodeStatus read_number(od::value& v, double& out) noexcept {
  od::json_type t;
  if (v.type().get(t)) return DecodeStatus::kMalformedJson;
  if (t == od::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) return DecodeStatus::kMalformedJson;
    out = core::kAbsent;
    return DecodeStatus::kOk;
  }
  if (t != od::json_type::number) return DecodeStatus::kWrongType;
  double d = 0.0;
  if (auto e = v.get_double().get(d)) {
    const DecodeStatus st = status_of(e);
    return st == DecodeStatus::kWrongType ? DecodeStatus::kBadNumber : st;
  }
  if (!std::isfinite(d)) return DecodeStatus::kBadNumber;
  out = d == 0.0 ? 0.0 : d;
  return DecodeStatus::kOk;
}

/// A string or null (absent: `present` false).
DecodeStatus read_string(od::value& v, std::string_view& out, bool& present) noexcept {
  od::json_type t;
  if (v.type().get(t)) return DecodeStatus::kMalformedJson;
  if (t == od::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) return DecodeStatus::kMalformedJson;
    present = false;
    return DecodeStatus::kOk;
  }
  if (t != od::json_type::string) return DecodeStatus::kWrongType;
  if (auto e = v.get_string().get(out)) return status_of(e);
  present = true;
  return DecodeStatus::kOk;
}

/// A bool or null: 1 / 0, or -1 when absent.
DecodeStatus read_bool(od::value& v, int& out) noexcept {
  od::json_type t;
  if (v.type().get(t)) return DecodeStatus::kMalformedJson;
  if (t == od::json_type::null) {
    bool is_null = false;
    if (v.is_null().get(is_null) || !is_null) return DecodeStatus::kMalformedJson;
    out = -1;
    return DecodeStatus::kOk;
  }
  bool b = false;
  if (auto e = v.get_bool().get(b)) return status_of(e);
  out = b ? 1 : 0;
  return DecodeStatus::kOk;
}

/// One row of a table's `data` (or one REST instrument): every field the codec reads.
struct Row {
  std::string_view symbol, side, order_id, timestamp, funding_interval, quote_currency,
      settl_currency, underlying, root_symbol;
  bool has_symbol = false, has_side = false, has_order_id = false, has_timestamp = false,
       has_funding_interval = false, has_quote = false, has_settl = false,
       has_underlying = false, has_root = false;
  double open_interest = core::kAbsent, open_value = core::kAbsent, mark_price = core::kAbsent,
         indicative_settle = core::kAbsent, funding_rate = core::kAbsent,
         multiplier = core::kAbsent, u2s = core::kAbsent, u2p = core::kAbsent,
         q2s = core::kAbsent, size = core::kAbsent, price = core::kAbsent,
         leaves_qty = core::kAbsent, home_notional = core::kAbsent,
         foreign_notional = core::kAbsent;
  int is_inverse = -1, is_quanto = -1;
};

DecodeStatus read_row(od::value& v, Row& r) noexcept {
  od::object obj;
  if (auto e = v.get_object().get(obj)) return status_of(e);
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    const od::raw_json_string key = field.key();
    od::value& value = field.value();
    DecodeStatus st = DecodeStatus::kOk;
    if (key == "symbol") {
      st = read_string(value, r.symbol, r.has_symbol);
    } else if (key == "side") {
      st = read_string(value, r.side, r.has_side);
    } else if (key == "orderID") {
      st = read_string(value, r.order_id, r.has_order_id);
    } else if (key == "timestamp") {
      st = read_string(value, r.timestamp, r.has_timestamp);
    } else if (key == "fundingInterval") {
      st = read_string(value, r.funding_interval, r.has_funding_interval);
    } else if (key == "quoteCurrency") {
      st = read_string(value, r.quote_currency, r.has_quote);
    } else if (key == "settlCurrency") {
      st = read_string(value, r.settl_currency, r.has_settl);
    } else if (key == "underlying") {
      st = read_string(value, r.underlying, r.has_underlying);
    } else if (key == "rootSymbol") {
      st = read_string(value, r.root_symbol, r.has_root);
    } else if (key == "openInterest") {
      st = read_number(value, r.open_interest);
    } else if (key == "openValue") {
      st = read_number(value, r.open_value);
    } else if (key == "markPrice") {
      st = read_number(value, r.mark_price);
    } else if (key == "indicativeSettlePrice") {
      st = read_number(value, r.indicative_settle);
    } else if (key == "fundingRate") {
      st = read_number(value, r.funding_rate);
    } else if (key == "multiplier") {
      st = read_number(value, r.multiplier);
    } else if (key == "underlyingToSettleMultiplier") {
      st = read_number(value, r.u2s);
    } else if (key == "underlyingToPositionMultiplier") {
      st = read_number(value, r.u2p);
    } else if (key == "quoteToSettleMultiplier") {
      st = read_number(value, r.q2s);
    } else if (key == "size") {
      st = read_number(value, r.size);
    } else if (key == "price") {
      st = read_number(value, r.price);
    } else if (key == "leavesQty") {
      st = read_number(value, r.leaves_qty);
    } else if (key == "homeNotional") {
      st = read_number(value, r.home_notional);
    } else if (key == "foreignNotional") {
      st = read_number(value, r.foreign_notional);
    } else if (key == "isInverse") {
      st = read_bool(value, r.is_inverse);
    } else if (key == "isQuanto") {
      st = read_bool(value, r.is_quanto);
    }
    if (st != DecodeStatus::kOk) return st;
  }
  return DecodeStatus::kOk;
}

/// How contracts become base units and USD for one instrument (see the file comment).
struct Conversion {
  core::ContractKind kind = core::ContractKind::kLinear;
  double cv = core::kAbsent;     // contract value; NaN: unknown until the instrument row
  double settle_scale = kXbtScale;
  bool quote_xbt = false;        // linear contract quoted in XBT (e.g. ETHM19)

  [[nodiscard]] double usd(double contracts, double price, double xbt_usd) const noexcept {
    switch (kind) {
      case core::ContractKind::kInverse: return finite_or_absent(contracts * cv);
      case core::ContractKind::kLinear: {
        const double quote = contracts * cv * price;
        return finite_or_absent(quote_xbt ? quote * xbt_usd : quote);
      }
      case core::ContractKind::kQuanto:
        return finite_or_absent(contracts * cv * price / settle_scale * xbt_usd);
    }
    return core::kAbsent;
  }
  [[nodiscard]] double base(double contracts, double price, double xbt_usd) const noexcept {
    if (kind == core::ContractKind::kLinear) return finite_or_absent(contracts * cv);
    const double u = usd(contracts, price, xbt_usd);
    return price > 0.0 ? finite_or_absent(u / price) : core::kAbsent;
  }

  /// Finite inputs can still overflow (1e300 contracts × 1e300): such a value is absent, not inf.
  [[nodiscard]] static double finite_or_absent(double v) noexcept {
    return std::isfinite(v) ? v : core::kAbsent;
  }
};

double settle_scale_of(const Row& r) noexcept {
  if (r.has_settl && (scan::is(r.settl_currency, "USDt") || scan::is(r.settl_currency, "USDT")))
    return kUsdtScale;
  return kXbtScale;
}

/// The conversion an instrument row describes, when it carries multiplier and both flags.
bool conversion_from_row(const Row& r, Conversion& c) noexcept {
  if (!core::present(r.multiplier) || r.is_inverse < 0 || r.is_quanto < 0) return false;
  Conversion n;
  n.settle_scale = settle_scale_of(r);
  n.quote_xbt =
      r.has_quote && (scan::is(r.quote_currency, "XBT") || scan::is(r.quote_currency, "XBt"));
  if (r.is_inverse == 1) {
    n.kind = core::ContractKind::kInverse;
    const double u2s = core::present(r.u2s) && r.u2s > 0.0 ? r.u2s : n.settle_scale;
    n.cv = std::fabs(r.multiplier) / u2s;
  } else if (r.is_quanto == 1) {
    n.kind = core::ContractKind::kQuanto;
    n.cv = std::fabs(r.multiplier);
  } else {
    n.kind = core::ContractKind::kLinear;
    if (core::present(r.u2s) && r.u2s > 0.0) {
      n.cv = r.multiplier / r.u2s;
    } else if (core::present(r.q2s) && r.q2s > 0.0) {
      n.cv = r.multiplier / r.q2s;
    } else if (core::present(r.u2p) && r.u2p > 0.0) {
      n.cv = 1.0 / r.u2p;
    } else {
      return false;
    }
  }
  if (!(n.cv > 0.0) || !std::isfinite(n.cv)) return false;
  c = n;
  return true;
}

core::InstrumentSpec make_spec(std::string_view symbol, std::string asset, core::ContractKind kind,
                               double cv) {
  core::InstrumentSpec spec;
  spec.venue = core::Venue::kBitmex;
  spec.symbol = std::string(symbol);
  spec.asset = std::move(asset);
  spec.kind = kind;
  spec.contract_value = cv;
  return spec;
}

/// A document that is not an object or array: a valid scalar is a shape we do not know,
/// anything else is malformed.
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
      std::string_view sv;
      err = doc.get_string().get(sv);
      break;
    }
    default: err = simdjson::TAPE_ERROR;
  }
  return err ? DecodeStatus::kMalformedJson : DecodeStatus::kUnknownMessage;
}

bool at_document_end(od::document& doc) noexcept {
  const char* loc = nullptr;
  return doc.current_location().get(loc) == simdjson::OUT_OF_BOUNDS;
}

/// Copies `frame` into a padded buffer (grown, never shrunk).
bool pad_into(std::string& buffer, std::string_view frame) noexcept {
  const std::size_t needed = frame.size() + simdjson::SIMDJSON_PADDING;
  if (buffer.size() < needed) {
    try {
      buffer.resize(std::max(needed, 2 * buffer.size()));
    } catch (...) {
      return false;
    }
  }
  std::memcpy(buffer.data(), frame.data(), frame.size());
  return true;
}

// ---------------------------------------------------------------------------------------------

class BitmexCodec final : public Codec {
 public:
  BitmexCodec(const VenueSettings& settings, core::InstrumentTable& table)
      : settings_(settings), table_(table) {
    buffer_.resize(kInitialBufferBytes + simdjson::SIMDJSON_PADDING);
    rows_.reserve(kFastRows);
    syms_.reserve(16);
    orders_.reserve(256);
    for (const std::string& raw : settings.symbols) {
      std::string symbol = to_upper(raw);
      if (!valid_symbol(symbol)) {
        throw std::invalid_argument("venues.bitmex.symbols: invalid symbol '" + raw + "'");
      }
      if (syms_.contains(symbol)) continue;
      const Sym s = tracked_sym(symbol);
      if (s.id == kNoInstrument) {
        throw std::invalid_argument("venues.bitmex.symbols: the instrument table cannot hold '" +
                                    raw + "'");
      }
      syms_.emplace(symbol, s);
      symbols_.push_back(std::move(symbol));
    }
    // No symbols configured (`levdyn normalize`): every instrument is tracked as seen (gate()),
    // as the other codecs do; XBTUSD then is a tracked instrument, not only the reference.
    accept_all_ = settings.symbols.empty();
    if (accept_all_) {
      syms_.emplace(std::string(kXbtReference), tracked_sym(std::string(kXbtReference)));
    }
    if (!syms_.contains(kXbtReference)) {
      // Reference only: its mark prices quanto / XBT-quoted values; it emits nothing.
      Sym ref;
      ref.reference_only = true;
      syms_.emplace(std::string(kXbtReference), ref);
    }
  }

  [[nodiscard]] core::Venue venue() const noexcept override { return core::Venue::kBitmex; }

  [[nodiscard]] std::uint64_t fast_frames() const noexcept override { return fast_frames_; }

  [[nodiscard]] std::vector<WsEndpoint> ws_endpoints() const override {
    // One connection; subscriptions by frame (the URL stays as configured). One arg per
    // table and symbol, so every subscription gets its own filtered partial.
    std::string frame = R"({"op":"subscribe","args":[)";
    bool first = true;
    auto add = [&](std::string_view table, std::string_view symbol) {
      if (!first) frame += ',';
      first = false;
      frame += '"';
      frame += table;
      frame += ':';
      frame += symbol;
      frame += '"';
    };
    for (const std::string& s : symbols_) {
      add("instrument", s);
      add("trade", s);
      add("liquidation", s);
    }
    if (syms_.find(kXbtReference)->reference_only) add("instrument", kXbtReference);
    frame += "]}";
    return {WsEndpoint{settings_.ws_url, {frame}}};
  }

  [[nodiscard]] Heartbeat heartbeat() const override {
    return Heartbeat{Heartbeat::Kind::kOnSilence, std::chrono::milliseconds(5000), "ping"};
  }

  [[nodiscard]] std::vector<RestPoll> rest_polls() const override { return {}; }

  [[nodiscard]] std::string_view liquidation_completeness() const noexcept override {
    return "inferred";
  }

  void on_connected(std::uint16_t /*endpoint*/) override {
    // A new connection starts every table afresh: nothing applies before its new partial.
    for (auto& [name, s] : syms_) {
      s.partial.fill(false);
      s.mark = core::kAbsent;
      s.index = core::kAbsent;
      s.funding = core::kAbsent;
    }
    table_partial_.fill(false);
    orders_.clear();
    xbt_usd_ = core::kAbsent;
  }

  DecodeResult decode(std::string_view frame, const FrameMeta& meta,
                      std::vector<core::NormalizedEvent>& out,
                      std::string& /*reply*/) noexcept override {
    const std::size_t mark = out.size();
    std::string_view label = "unknown";
    DecodeStatus status = DecodeStatus::kMalformedJson;
    try {
      status = decode_frame(frame, meta, out, label);
    } catch (...) {
      status = DecodeStatus::kMalformedJson;  // out of memory: count it, do not crash
    }
    if (is_error(status)) out.erase(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
    return DecodeResult{status, label};
  }

  [[nodiscard]] TableStats stats() const noexcept {
    return TableStats{dropped_before_partial_, unknown_orders_, orders_.size()};
  }

 private:
  struct Sym {
    InstrumentId id = kNoInstrument;
    bool reference_only = false;
    Conversion conv;
    std::array<bool, kTableCount> partial{};
    double mark = core::kAbsent;
    double index = core::kAbsent;
    double funding = core::kAbsent;
    std::int32_t funding_interval_s = 0;
  };

  struct Order {
    Sym* sym;
    core::Side side;
    double price;
    double leaves;
  };

  struct SymbolHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  /// The root members of a table frame or control message, as both decode paths capture them.
  struct RootFields {
    std::string_view table, action, filter_symbol, first_key;
    bool has_table = false, has_action = false, has_filter_symbol = false, has_data = false;
    bool has_info = false, has_error = false, has_success = false, success = false;
    int keys_count = -1;
  };

  enum class Action { kPartial, kInsert, kUpdate, kDelete };

  DecodeStatus decode_frame(std::string_view frame, const FrameMeta& meta,
                            std::vector<core::NormalizedEvent>& out, std::string_view& label) {
    if (scan::is(frame, "pong")) {  // the answer to our text ping; not JSON
      label = kLabelControl;
      return DecodeStatus::kIgnored;
    }
    if (settings_.fast_path) {
      RootFields rf;
      if (fast_read(frame, rf)) {
        ++fast_frames_;
        int t = -1;
        Action act = Action::kPartial;
        const DecodeStatus st = route(rf, label, t, act);
        return st != DecodeStatus::kOk ? st : apply_rows(t, act, rf, meta, out);
      }
    }
    if (frame.empty() || !pad_into(buffer_, frame)) return DecodeStatus::kMalformedJson;
    od::document doc;
    if (parser_.iterate(buffer_.data(), frame.size(), buffer_.size()).get(doc)) {
      return DecodeStatus::kMalformedJson;
    }
    od::json_type type;
    if (doc.type().get(type)) return DecodeStatus::kMalformedJson;
    if (type != od::json_type::object) {
      if (type == od::json_type::array) return DecodeStatus::kUnknownMessage;
      const DecodeStatus st = classify_scalar(doc, type);
      if (st == DecodeStatus::kMalformedJson) return st;
      return at_document_end(doc) ? st : DecodeStatus::kMalformedJson;
    }
    od::object root;
    if (doc.get_object().get(root)) return DecodeStatus::kMalformedJson;

    RootFields rf;
    std::string_view data_raw;
    for (auto field_result : root) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      od::value& value = field.value();
      DecodeStatus st = DecodeStatus::kOk;
      if (key == "table") {
        st = read_string(value, rf.table, rf.has_table);
      } else if (key == "action") {
        st = read_string(value, rf.action, rf.has_action);
      } else if (key == "data") {
        od::array arr;
        if (auto e = value.get_array().get(arr)) return status_of(e);
        if (auto e = arr.raw_json().get(data_raw)) return status_of(e);
        rf.has_data = true;
      } else if (key == "keys") {
        od::array arr;
        if (auto e = value.get_array().get(arr)) return status_of(e);
        rf.keys_count = 0;
        for (auto element : arr) {
          std::string_view k;
          if (auto e = element.get_string().get(k)) return status_of(e);
          if (rf.keys_count == 0) rf.first_key = k;
          ++rf.keys_count;
        }
      } else if (key == "filter") {
        od::object filter;
        if (auto e = value.get_object().get(filter)) return status_of(e);
        for (auto f : filter) {
          od::field ff;
          if (std::move(f).get(ff)) return DecodeStatus::kMalformedJson;
          if (ff.key() == "symbol") {
            st = read_string(ff.value(), rf.filter_symbol, rf.has_filter_symbol);
            if (st != DecodeStatus::kOk) return st;
          }
        }
      } else if (key == "info") {
        rf.has_info = true;
      } else if (key == "error") {
        rf.has_error = true;
      } else if (key == "success") {
        rf.has_success = true;
        if (auto e = value.get_bool().get(rf.success)) return status_of(e);
      }
      if (st != DecodeStatus::kOk) return st;
    }
    if (!at_document_end(doc)) return DecodeStatus::kMalformedJson;

    int t = -1;
    Action act = Action::kPartial;
    if (const DecodeStatus st = route(rf, label, t, act); st != DecodeStatus::kOk) return st;

    // Phase 1: read and validate every row; nothing is applied if any row is broken.
    rows_.clear();
    {
      od::document data_doc;
      const char* end = buffer_.data() + buffer_.size();
      const auto capacity = static_cast<std::size_t>(end - data_raw.data());
      if (data_parser_.iterate(data_raw.data(), data_raw.size(), capacity).get(data_doc)) {
        return DecodeStatus::kMalformedJson;
      }
      od::array arr;
      if (auto e = data_doc.get_array().get(arr)) return status_of(e);
      for (auto element_result : arr) {
        od::value element;
        if (element_result.get(element)) return DecodeStatus::kMalformedJson;
        rows_.emplace_back();
        const DecodeStatus st = read_row(element, rows_.back());
        if (st != DecodeStatus::kOk) return st;
      }
      if (!at_document_end(data_doc)) return DecodeStatus::kMalformedJson;
    }
    return apply_rows(t, act, rf, meta, out);
  }

  /// What a frame's root members make of it: a control or error status (returned as it is),
  /// or kOk with the table and action whose rows follow.
  static DecodeStatus route(const RootFields& rf, std::string_view& label, int& t,
                            Action& act) noexcept {
    if (!rf.has_table && !rf.has_action && !rf.has_data) {
      label = kLabelControl;
      if (rf.has_error || (rf.has_success && !rf.success)) return DecodeStatus::kVenueError;
      if (rf.has_info || (rf.has_success && rf.success)) return DecodeStatus::kIgnored;
      return DecodeStatus::kUnknownMessage;
    }
    if (rf.has_error) {
      label = kLabelControl;
      return DecodeStatus::kVenueError;
    }
    if (!rf.has_table || !rf.has_action || !rf.has_data) return DecodeStatus::kMissingField;

    if (scan::is(rf.table, "instrument")) {
      t = kInstrument;
      label = kLabelInstrument;
    } else if (scan::is(rf.table, "trade")) {
      t = kTrade;
      label = kLabelTrade;
    } else if (scan::is(rf.table, "liquidation")) {
      t = kLiquidation;
      label = kLabelLiquidation;
    } else {
      return DecodeStatus::kUnknownMessage;
    }
    if (scan::is(rf.action, "partial")) {
      act = Action::kPartial;
    } else if (scan::is(rf.action, "insert")) {
      act = Action::kInsert;
    } else if (scan::is(rf.action, "update")) {
      act = Action::kUpdate;
    } else if (scan::is(rf.action, "delete")) {
      act = Action::kDelete;
    } else {
      return DecodeStatus::kUnknownMessage;
    }
    // The codec merges instrument rows by symbol and liquidation rows by orderID; a partial
    // that names other keys describes a table it cannot merge.
    if (rf.keys_count > 0) {
      if ((t == kInstrument && (rf.keys_count != 1 || !scan::is(rf.first_key, "symbol"))) ||
          (t == kLiquidation && (rf.keys_count != 1 || !scan::is(rf.first_key, "orderID")))) {
        return DecodeStatus::kUnknownMessage;
      }
    }
    if (rf.has_filter_symbol && !valid_symbol(rf.filter_symbol)) {
      return DecodeStatus::kUnknownMessage;
    }
    return DecodeStatus::kOk;
  }

  /// Validates the rows read into rows_, then applies them in order.
  DecodeStatus apply_rows(int t, Action act, const RootFields& rf, const FrameMeta& meta,
                          std::vector<core::NormalizedEvent>& out) {
    DecodeStatus st = validate(t, act == Action::kPartial   ? 0
                                  : act == Action::kInsert  ? 1
                                  : act == Action::kUpdate  ? 2
                                                            : 3);
    if (st != DecodeStatus::kOk) return st;

    // Phase 2: apply.
    const std::size_t before = out.size();
    if (act == Action::kPartial) {
      apply_partial(t, rf.has_filter_symbol ? rf.filter_symbol : std::string_view(),
                    rf.has_filter_symbol);
    }
    for (const Row& r : rows_) {
      Sym* s = nullptr;
      if (!gate(t, r, act == Action::kPartial, s)) continue;
      switch (t) {
        case kInstrument:
          if (act != Action::kDelete) apply_instrument(*s, r, meta, out);
          break;  // a deleted (delisted) instrument row carries no values
        case kTrade:
          if (act == Action::kInsert) apply_trade(*s, r, meta, out);
          break;  // partial rows are past trades: no events (a reconnect would repeat them)
        case kLiquidation:
          if (act == Action::kPartial || act == Action::kInsert) {
            insert_order(*s, r);
          } else if (act == Action::kUpdate) {
            update_order(r, meta, out);
          } else {
            delete_order(r, meta, out);
          }
          break;
        default: break;
      }
    }
    return out.size() > before ? DecodeStatus::kOk : DecodeStatus::kIgnored;
  }

  // Fast path (json_scan.h): the table frames BitMEX sends all day,
  // `{"table":…,"action":…,"data":[rows]}` with any of keys/types/filter, read into the same
  // RootFields and Rows as the simdjson path and handed to the same route and apply_rows. Key
  // order does not matter there either: the simdjson path reads "data" only after the whole
  // root. Control messages (info, error, success), more than kFastRows rows, escapes and any
  // value of an unexpected type return false, and the simdjson path decodes the frame. Nothing
  // but rows_ (scratch, cleared by every decode before use) is written before the frame has
  // been read to its end.

  bool fast_read(std::string_view frame, RootFields& rf) noexcept {
    scan::Cursor c(frame);
    rows_.clear();
    const bool ok = c.object([&](scan::Key k) {
      if (scan::is(k, "data")) {
        rows_.clear();  // a repeated "data": the last one counts, as in the simdjson path
        rf.has_data = true;
        return c.array([&] {
          if (rows_.size() == kFastRows) return false;  // no allocation: simdjson takes it
          return fast_row(c, rows_.emplace_back());
        });
      }
      if (scan::is(k, "table")) return fast_string(c, rf.table, rf.has_table);
      if (scan::is(k, "action")) return fast_string(c, rf.action, rf.has_action);
      if (scan::is(k, "keys")) {
        rf.keys_count = 0;
        return c.array([&] {
          std::string_view key;
          if (!c.string(key)) return false;
          if (rf.keys_count++ == 0) rf.first_key = key;
          return true;
        });
      }
      if (scan::is(k, "filter")) {
        return c.object([&](scan::Key fk) {
          return scan::is(fk, "symbol") ? fast_string(c, rf.filter_symbol, rf.has_filter_symbol)
                                        : c.skip();
        });
      }
      if (scan::is(k, "info") || scan::is(k, "error") || scan::is(k, "success")) return false;
      return c.skip();
    });
    return ok && c.end();
  }

  /// A string or null, as read_string reads it.
  static bool fast_string(scan::Cursor& c, std::string_view& out, bool& present) noexcept {
    present = !c.null();
    return !present || c.string(out);
  }

  /// A number or null (NaN), as read_number reads it; -0 and non-finite values fall back.
  static bool fast_number(scan::Cursor& c, double& out) noexcept {
    if (!c.null()) return c.number(out);
    out = core::kAbsent;
    return true;
  }

  /// A bool or null (-1), as read_bool reads it.
  static bool fast_bool(scan::Cursor& c, int& out) noexcept {
    if (c.null()) {
      out = -1;
      return true;
    }
    bool b = false;
    if (!c.boolean(b)) return false;
    out = b ? 1 : 0;
    return true;
  }

  /// One row of `data`: the keys read_row reads, every other member skipped.
  static bool fast_row(scan::Cursor& c, Row& r) noexcept {
    return c.object([&](scan::Key k) {
      switch (k.empty() ? '\0' : k[0]) {
        case 'f':
          if (scan::is(k, "fundingInterval")) {
            return fast_string(c, r.funding_interval, r.has_funding_interval);
          }
          if (scan::is(k, "fundingRate")) return fast_number(c, r.funding_rate);
          if (scan::is(k, "foreignNotional")) return fast_number(c, r.foreign_notional);
          break;
        case 'h':
          if (scan::is(k, "homeNotional")) return fast_number(c, r.home_notional);
          break;
        case 'i':
          if (scan::is(k, "indicativeSettlePrice")) return fast_number(c, r.indicative_settle);
          if (scan::is(k, "isInverse")) return fast_bool(c, r.is_inverse);
          if (scan::is(k, "isQuanto")) return fast_bool(c, r.is_quanto);
          break;
        case 'l':
          if (scan::is(k, "leavesQty")) return fast_number(c, r.leaves_qty);
          break;
        case 'm':
          if (scan::is(k, "markPrice")) return fast_number(c, r.mark_price);
          if (scan::is(k, "multiplier")) return fast_number(c, r.multiplier);
          break;
        case 'o':
          if (scan::is(k, "orderID")) return fast_string(c, r.order_id, r.has_order_id);
          if (scan::is(k, "openInterest")) return fast_number(c, r.open_interest);
          if (scan::is(k, "openValue")) return fast_number(c, r.open_value);
          break;
        case 'p':
          if (scan::is(k, "price")) return fast_number(c, r.price);
          break;
        case 'q':
          if (scan::is(k, "quoteCurrency")) return fast_string(c, r.quote_currency, r.has_quote);
          if (scan::is(k, "quoteToSettleMultiplier")) return fast_number(c, r.q2s);
          break;
        case 'r':
          if (scan::is(k, "rootSymbol")) return fast_string(c, r.root_symbol, r.has_root);
          break;
        case 's':
          if (scan::is(k, "symbol")) return fast_string(c, r.symbol, r.has_symbol);
          if (scan::is(k, "side")) return fast_string(c, r.side, r.has_side);
          if (scan::is(k, "size")) return fast_number(c, r.size);
          if (scan::is(k, "settlCurrency")) return fast_string(c, r.settl_currency, r.has_settl);
          break;
        case 't':
          if (scan::is(k, "timestamp")) return fast_string(c, r.timestamp, r.has_timestamp);
          break;
        case 'u':
          if (scan::is(k, "underlying")) return fast_string(c, r.underlying, r.has_underlying);
          if (scan::is(k, "underlyingToSettleMultiplier")) return fast_number(c, r.u2s);
          if (scan::is(k, "underlyingToPositionMultiplier")) return fast_number(c, r.u2p);
          break;
        default:
          break;
      }
      return c.skip();
    });
  }

  /// Required fields per table and action; bad values are errors before anything applies.
  DecodeStatus validate(int t, int act) const noexcept {
    for (const Row& r : rows_) {
      if (t == kLiquidation) {
        if (!r.has_order_id || r.order_id.empty()) return DecodeStatus::kMissingField;
        if (act <= 1) {  // partial / insert: the full order
          if (!r.has_symbol || !r.has_side || !core::present(r.price) ||
              !core::present(r.leaves_qty)) {
            return DecodeStatus::kMissingField;
          }
        }
        if (r.has_side && !scan::is(r.side, "Buy") && !scan::is(r.side, "Sell"))
          return DecodeStatus::kUnknownMessage;
        if (core::present(r.price) && !(r.price > 0.0)) return DecodeStatus::kBadNumber;
        if (core::present(r.leaves_qty) && !(r.leaves_qty >= 0.0)) return DecodeStatus::kBadNumber;
        continue;
      }
      if (!r.has_symbol || r.symbol.empty()) return DecodeStatus::kMissingField;
      if (t == kTrade) {
        if (act == 3) continue;
        if (!r.has_side || !core::present(r.size) || !core::present(r.price) || !r.has_timestamp) {
          return DecodeStatus::kMissingField;
        }
        if (!scan::is(r.side, "Buy") && !scan::is(r.side, "Sell"))
          return DecodeStatus::kUnknownMessage;
        if (!(r.size > 0.0) || !(r.price > 0.0)) return DecodeStatus::kBadNumber;
        std::int64_t ns = 0;
        if (!parse_iso8601(r.timestamp, ns)) return DecodeStatus::kBadNumber;
        continue;
      }
      // instrument
      if (core::present(r.open_interest) && r.open_interest < 0.0) return DecodeStatus::kBadNumber;
      if (core::present(r.mark_price) && !(r.mark_price > 0.0)) return DecodeStatus::kBadNumber;
      std::int64_t ns = 0;
      if (r.has_timestamp && !parse_iso8601(r.timestamp, ns)) return DecodeStatus::kBadNumber;
      std::int32_t iv = 0;
      if (r.has_funding_interval && !parse_interval_s(r.funding_interval, iv)) {
        return DecodeStatus::kBadNumber;
      }
    }
    return DecodeStatus::kOk;
  }

  /// A partial (re)starts a table for its filter's symbol, or for every symbol when unfiltered.
  void apply_partial(int t, std::string_view symbol, bool filtered) {
    if (!filtered) {
      table_partial_[static_cast<std::size_t>(t)] = true;
      if (t == kLiquidation) orders_.clear();
      return;
    }
    Sym* const sym = syms_.find(symbol);
    if (sym == nullptr) return;
    sym->partial[static_cast<std::size_t>(t)] = true;
    if (t == kLiquidation) {
      for (auto o = orders_.begin(); o != orders_.end();) {
        o = o->second.sym == sym ? orders_.erase(o) : std::next(o);
      }
    }
  }

  [[nodiscard]] bool any_symbol_partial(int t) const noexcept {
    for (const auto& [name, sym] : syms_) {
      if (sym.partial[static_cast<std::size_t>(t)]) return true;
    }
    return false;
  }

  /// The row's instrument when it is tracked (or the XBT reference) and its table's partial
  /// has arrived; counts rows dropped for a missing partial.
  bool gate(int t, const Row& r, bool in_partial, Sym*& s) {
    if (t == kLiquidation && !r.has_symbol) {
      // update/delete of an order: the order remembers its instrument.
      // Without a symbol, an unknown order is "before the partial" only while no liquidation
      // partial at all has arrived; after one (filtered or not) it is an unknown order.
      if (!table_partial_[kLiquidation] && !any_symbol_partial(kLiquidation)) {
        auto o = orders_.find(r.order_id);
        if (o == orders_.end()) {
          ++dropped_before_partial_;
          return false;
        }
      }
      s = nullptr;
      return true;
    }
    Sym* known = syms_.find(r.symbol);
    if (known == nullptr) {
      if (!accept_all_ || syms_.size() >= kMaxAcceptedSymbols || !valid_symbol(r.symbol)) {
        return false;  // untracked
      }
      const Sym added = tracked_sym(std::string(r.symbol));
      if (added.id == kNoInstrument) return false;  // instrument table full
      known = syms_.emplace(r.symbol, added).first;
    }
    Sym& sym = *known;
    if (sym.reference_only && t != kInstrument) return false;
    if (!in_partial && !table_partial_[static_cast<std::size_t>(t)] &&
        !sym.partial[static_cast<std::size_t>(t)]) {
      ++dropped_before_partial_;
      return false;
    }
    if (in_partial) sym.partial[static_cast<std::size_t>(t)] = true;
    s = &sym;
    return true;
  }

  void apply_instrument(Sym& s, const Row& r, const FrameMeta& meta,
                        std::vector<core::NormalizedEvent>& out) {
    Conversion c;
    if (conversion_from_row(r, c)) s.conv = c;
    if (core::present(r.mark_price)) s.mark = r.mark_price;
    if (core::present(r.indicative_settle)) s.index = r.indicative_settle;
    if (core::present(r.funding_rate)) s.funding = r.funding_rate;
    if (r.has_funding_interval) (void)parse_interval_s(r.funding_interval, s.funding_interval_s);
    if (&s == xbt_sym() && core::present(s.mark)) xbt_usd_ = s.mark;
    if (s.reference_only) return;

    std::int64_t ts = 0;
    if (r.has_timestamp) (void)parse_iso8601(r.timestamp, ts);
    if (core::present(r.open_interest)) {
      core::NormalizedEvent e = core::make_event(core::EventType::kOpenInterest,
                                                 core::Venue::kBitmex, s.id, ts,
                                                 meta.recv_wall_ns, meta.recv_steady_ns);
      e.oi.contracts = r.open_interest;
      e.oi.base = s.conv.base(r.open_interest, s.mark, xbt_usd_);
      e.oi.notional_usd = s.conv.usd(r.open_interest, s.mark, xbt_usd_);
      e.oi.source = core::OiSource::kWs;
      out.push_back(e);
    }
    if (core::present(r.mark_price)) {
      core::NormalizedEvent e = core::make_event(core::EventType::kMarkPrice, core::Venue::kBitmex,
                                                 s.id, ts, meta.recv_wall_ns, meta.recv_steady_ns);
      // The merged row: index and funding are the table's current values.
      e.mark.mark = s.mark;
      e.mark.index = s.index;
      e.mark.funding_rate = s.funding;
      e.mark.funding_interval_s = s.funding_interval_s;
      out.push_back(e);
    }
  }

  void apply_trade(Sym& s, const Row& r, const FrameMeta& meta,
                   std::vector<core::NormalizedEvent>& out) {
    std::int64_t ts = 0;
    (void)parse_iso8601(r.timestamp, ts);  // validated
    core::NormalizedEvent e = core::make_event(core::EventType::kTrade, core::Venue::kBitmex, s.id,
                                               ts, meta.recv_wall_ns, meta.recv_steady_ns);
    e.trade.price = r.price;
    // homeNotional / foreignNotional are BitMEX's own base and quote amounts: preferred.
    e.trade.quantity = core::present(r.home_notional) && r.home_notional > 0.0
                           ? r.home_notional
                           : s.conv.base(r.size, r.price, xbt_usd_);
    e.trade.notional_usd = core::present(r.foreign_notional) && r.foreign_notional > 0.0 &&
                                   !s.conv.quote_xbt
                               ? r.foreign_notional
                               : s.conv.usd(r.size, r.price, xbt_usd_);
    e.trade.taker_side = scan::is(r.side, "Sell") ? core::Side::kSell : core::Side::kBuy;
    out.push_back(e);
  }

  void insert_order(Sym& s, const Row& r) {
    if (orders_.size() >= kMaxOrders && orders_.find(r.order_id) == orders_.end()) return;
    Order o{&s, scan::is(r.side, "Sell") ? core::Side::kSell : core::Side::kBuy, r.price,
            r.leaves_qty};
    auto it = orders_.find(r.order_id);
    if (it != orders_.end()) {
      it->second = o;
    } else {
      orders_.emplace(std::piecewise_construct, std::forward_as_tuple(r.order_id),
                      std::forward_as_tuple(o));
    }
  }

  void update_order(const Row& r, const FrameMeta& meta, std::vector<core::NormalizedEvent>& out) {
    auto it = orders_.find(r.order_id);
    if (it == orders_.end()) {
      ++unknown_orders_;
      return;
    }
    Order& o = it->second;
    if (core::present(r.price)) o.price = r.price;
    if (r.has_side) o.side = scan::is(r.side, "Sell") ? core::Side::kSell : core::Side::kBuy;
    if (core::present(r.leaves_qty)) {
      // A falling leavesQty is a fill of the difference at the order's (merged) price; a
      // rising one is an amendment and emits nothing.
      if (r.leaves_qty < o.leaves) emit_fill(o, o.leaves - r.leaves_qty, meta, out);
      o.leaves = r.leaves_qty;
    }
  }

  void delete_order(const Row& r, const FrameMeta& meta, std::vector<core::NormalizedEvent>& out) {
    auto it = orders_.find(r.order_id);
    if (it == orders_.end()) {
      ++unknown_orders_;
      return;
    }
    // BitMEX does not say filled or cancelled; a liquidation order leaves the book when the
    // position is closed (matched, or taken over by the insurance fund), so the remainder
    // counts as liquidated.
    if (it->second.leaves > 0.0) emit_fill(it->second, it->second.leaves, meta, out);
    orders_.erase(it);
  }

  void emit_fill(const Order& o, double contracts, const FrameMeta& meta,
                 std::vector<core::NormalizedEvent>& out) {
    core::NormalizedEvent e = core::make_event(core::EventType::kLiquidation, core::Venue::kBitmex,
                                               o.sym->id, 0, meta.recv_wall_ns, meta.recv_steady_ns);
    e.liq.price = o.price;
    e.liq.quantity = o.sym->conv.base(contracts, o.price, xbt_usd_);
    e.liq.notional_usd = o.sym->conv.usd(contracts, o.price, xbt_usd_);
    e.liq.order_side = o.side;
    e.liq.position = o.side == core::Side::kSell ? core::Position::kLong : core::Position::kShort;
    e.liq.completeness = core::Completeness::kInferred;
    out.push_back(e);
  }

  /// A tracked instrument: its bundled contract spec, or (no metadata) a spec with an unknown
  /// contract value whose conversions wait for the instrument table's row (multiplier,
  /// isInverse, isQuanto). id is kNoInstrument when the instrument table is full.
  Sym tracked_sym(const std::string& symbol) {
    Sym s;
    s.id = table_.find(core::Venue::kBitmex, symbol);
    if (s.id == kNoInstrument) {
      s.id = table_.add(make_spec(symbol, derive_asset(symbol), core::ContractKind::kLinear,
                                  core::kAbsent));
    } else {
      const core::InstrumentInfo& info = table_.get(s.id);
      s.conv.kind = info.kind;
      s.conv.cv = info.contract_value;
    }
    return s;
  }

  Sym* xbt_sym() {
    if (xbt_ == nullptr) {
      xbt_ = syms_.find(kXbtReference);
    }
    return xbt_;
  }

  VenueSettings settings_;
  core::InstrumentTable& table_;
  std::vector<std::string> symbols_;
  bool accept_all_ = false;  // no symbols configured: every instrument is tracked as seen
  static constexpr std::size_t kMaxAcceptedSymbols = 4096;
  SymbolMap<Sym> syms_;
  // Resting liquidation orders come and go with every liquidation: their nodes and keys live in
  // a pool that keeps freed blocks, so a warm codec inserts and deletes orders without
  // touching the heap (the pool is declared first: it outlives the map).
  std::pmr::unsynchronized_pool_resource order_pool_;
  std::pmr::unordered_map<std::pmr::string, Order, SymbolHash, std::equal_to<>> orders_{
      &order_pool_};
  std::array<bool, kTableCount> table_partial_{};
  Sym* xbt_ = nullptr;
  double xbt_usd_ = core::kAbsent;
  std::uint64_t dropped_before_partial_ = 0;
  std::uint64_t unknown_orders_ = 0;
  std::uint64_t fast_frames_ = 0;
  std::vector<Row> rows_;  // the current frame's rows (scratch)
  std::string buffer_;
  od::parser parser_;
  od::parser data_parser_;
};

// ---------------------------------------------------------------------------------------------
// /api/v1/instrument/active

DecodeStatus parse_instruments(std::string_view body, std::vector<core::InstrumentSpec>& out) {
  if (body.empty()) return DecodeStatus::kMalformedJson;
  const simdjson::padded_string json(body);
  od::parser parser;
  od::document doc;
  if (parser.iterate(json).get(doc)) return DecodeStatus::kMalformedJson;
  od::json_type type;
  if (doc.type().get(type)) return DecodeStatus::kMalformedJson;
  if (type == od::json_type::object) {
    // {"error":{"message":…,"name":…}}
    od::object obj;
    if (doc.get_object().get(obj)) return DecodeStatus::kMalformedJson;
    for (auto f : obj) {
      od::field field;
      if (std::move(f).get(field)) return DecodeStatus::kMalformedJson;
      if (field.key() == "error") return DecodeStatus::kVenueError;
    }
    return DecodeStatus::kUnknownMessage;
  }
  if (type != od::json_type::array) return DecodeStatus::kUnknownMessage;
  od::array arr;
  if (doc.get_array().get(arr)) return DecodeStatus::kMalformedJson;
  for (auto element_result : arr) {
    od::value element;
    if (element_result.get(element)) return DecodeStatus::kMalformedJson;
    od::json_type et;
    if (element.type().get(et)) return DecodeStatus::kMalformedJson;
    if (et != od::json_type::object) {
      continue;  // not an instrument: skipped (the iterator steps over it)
    }
    Row r;
    const DecodeStatus st = read_row(element, r);
    if (st == DecodeStatus::kMalformedJson) return st;
    if (st != DecodeStatus::kOk) continue;  // a broken entry is skipped, the rest kept
    Conversion c;
    if (!r.has_symbol || !valid_symbol(r.symbol) || !conversion_from_row(r, c)) continue;
    std::string asset = r.has_underlying && !r.underlying.empty()
                            ? core::normalize_asset(r.underlying)
                        : r.has_root && !r.root_symbol.empty() ? core::normalize_asset(r.root_symbol)
                                                               : derive_asset(r.symbol);
    out.push_back(make_spec(r.symbol, std::move(asset), c.kind, c.cv));
  }
  if (!at_document_end(doc)) return DecodeStatus::kMalformedJson;
  return DecodeStatus::kOk;
}

}  // namespace

std::unique_ptr<Codec> make_codec(const VenueSettings& settings, core::InstrumentTable& table) {
  return std::make_unique<BitmexCodec>(settings, table);
}

TableStats table_stats(const Codec& codec) noexcept {
  const auto* c = dynamic_cast<const BitmexCodec*>(&codec);
  return c != nullptr ? c->stats() : TableStats{};
}

std::vector<std::string> metadata_targets() { return {std::string(kInstrumentPath)}; }

DecodeStatus parse_metadata(std::size_t target_index, std::string_view body,
                            std::vector<core::InstrumentSpec>& out) noexcept {
  if (target_index != 0) return DecodeStatus::kUnknownMessage;
  const std::size_t mark = out.size();
  DecodeStatus status = DecodeStatus::kMalformedJson;
  try {
    status = parse_instruments(body, out);
  } catch (...) {
    status = DecodeStatus::kMalformedJson;
  }
  if (status != DecodeStatus::kOk) {
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
  }
  return status;
}

std::vector<core::InstrumentSpec> bundled_instruments() {
  // venues.md §5: XBTUSD 1 USD per contract (inverse); ETHUSD quanto, 100 XBt per USD point;
  // XBTUSDT linear, 1 contract = 1e-6 XBT. (ETHUSDT's size is not in venues.md: not bundled.)
  return {make_spec("XBTUSD", "BTC", core::ContractKind::kInverse, 1.0),
          make_spec("ETHUSD", "ETH", core::ContractKind::kQuanto, 100.0),
          make_spec("XBTUSDT", "BTC", core::ContractKind::kLinear, 1e-6)};
}

VenueSettings default_settings() {
  VenueSettings s;
  s.venue = core::Venue::kBitmex;
  s.enabled = true;
  s.ws_url = std::string(kDefaultWsUrl);
  s.rest_url = std::string(kDefaultRestUrl);
  s.symbols = {"XBTUSD", "ETHUSD"};
  s.all_liquidations = false;  // per-symbol liquidation tables: contract sizes must be known
  s.silence_timeout = std::chrono::seconds(30);
  return s;
}

}  // namespace levdyn::venues::bitmex
