// Deribit codec: JSON-RPC notifications (ticker, trades), heartbeats and responses to
// normalized events, and get_instruments bodies to instrument specs (venues.md §4).

#include "service/venues/deribit.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "service/venues/json_scan.h"
#include "service/venues/symbol_map.h"

namespace levdyn::venues::deribit {
namespace {

namespace od = simdjson::ondemand;
using core::InstrumentId;
using core::kNoInstrument;

constexpr std::string_view kDefaultWsUrl = "wss://www.deribit.com/ws/api/v2";
constexpr std::string_view kDefaultRestUrl = "https://www.deribit.com";
// Inverse perps (BTC-PERPETUAL, ETH-PERPETUAL) are listed under their coin, the linear USDC
// perps (BTC_USDC-PERPETUAL, …) under USDC.
constexpr std::array<std::string_view, 3> kMetadataTargets = {
    "/api/v2/public/get_instruments?currency=BTC&kind=future",
    "/api/v2/public/get_instruments?currency=ETH&kind=future",
    "/api/v2/public/get_instruments?currency=USDC&kind=future",
};

// The minimum Deribit accepts; the server then sends a test_request every 10 s.
constexpr int kHeartbeatIntervalS = 10;
// Ids 1 and 2 are the set_heartbeat and subscribe requests; public/test answers count up from 3.
constexpr std::int64_t kFirstTestId = 3;
// funding_8h is the funding over 8 hours.
constexpr std::int32_t kFundingIntervalS = 8 * 3600;
// Recent trade ids kept per instrument to drop replays. 100 ms batches on BTC-PERPETUAL carry
// tens of trades at most; 2048 covers far more than any replay window after a reconnect.
constexpr std::size_t kDedupeCapacity = 2048;
// Open-addressing index over the dedupe ring (load factor <= 0.5): slot = ring position + 1,
// 0 = empty. Lookups and inserts touch a few slots instead of scanning 2048 words per trade.
constexpr std::size_t kDedupeIndexSlots = 2 * kDedupeCapacity;
static_assert((kDedupeIndexSlots & (kDedupeIndexSlots - 1)) == 0, "power of two");
static_assert(kDedupeCapacity < 65535, "ring positions fit the uint16_t slots");
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

/// A symbol the instrument table can hold and a channel name can carry.
bool valid_symbol(std::string_view s) noexcept {
  if (s.empty() || s.size() >= sizeof(core::InstrumentInfo::symbol)) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    // '.' separates the parts of a channel name; ':' is reserved for "_other:<ASSET>".
    if (u <= 0x20 || u == 0x7f || c == '.' || c == ':' || c == '"' || c == '\\') return false;
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

/// Base asset of an instrument name: "BTC-PERPETUAL" -> "BTC", "BTC_USDC-PERPETUAL" -> "BTC".
std::string derive_asset(std::string_view symbol) {
  return core::normalize_asset(symbol.substr(0, symbol.find_first_of("_-")));
}

/// Spec of an instrument with no metadata: USDC/USDT-margined names are linear (quantities in
/// coin), the rest inverse with Deribit's contract sizes (10 USD for BTC, 1 USD otherwise).
core::InstrumentSpec derived_spec(std::string_view symbol) {
  core::InstrumentSpec spec;
  spec.venue = core::Venue::kDeribit;
  spec.symbol = std::string(symbol);
  spec.asset = derive_asset(symbol);
  const bool linear = symbol.find("_USDC") != std::string_view::npos ||
                      symbol.find("_USDT") != std::string_view::npos;
  spec.kind = linear ? core::ContractKind::kLinear : core::ContractKind::kInverse;
  spec.contract_value = linear ? 1.0 : (scan::is(spec.asset, "BTC") ? 10.0 : 1.0);
  spec.tracked = true;
  return spec;
}

/// FNV-1a of a trade id: the dedupe ring stores 64-bit digests, not strings, so the hot path
/// does not allocate. A false duplicate needs a 64-bit collision within 2048 recent ids.
std::uint64_t digest(std::string_view s) noexcept {
  std::uint64_t h = 1469598103934665603ull;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// ---------------------------------------------------------------------------------------------
// Field capture.

/// A field of a frame: absent (kMissingField), read (kOk) or unreadable (the reason).
template <typename T>
struct Slot {
  T value{};
  DecodeStatus status = DecodeStatus::kMissingField;
  [[nodiscard]] bool seen() const noexcept { return status != DecodeStatus::kMissingField; }
};

// IMPORTANT: string slots view the parser's string buffer; they are valid only until that
// parser iterates the next document.
void read(od::value& v, Slot<std::string_view>& s) noexcept {
  s.status = status_of(v.get_string().get(s.value));
}
void read(od::value& v, Slot<std::int64_t>& s) noexcept {
  const simdjson::error_code err = v.get_int64().get(s.value);
  s.status = status_of(err);
  if (err == simdjson::INCORRECT_TYPE) {
    // A number that is not an int64 (1.5, 1e3) is a bad number, not a wrong type.
    od::json_type type;
    if (v.type().get(type) == simdjson::SUCCESS && type == od::json_type::number) {
      s.status = DecodeStatus::kBadNumber;
    }
  }
}
/// Deribit sends numbers as JSON numbers. `null` (sent for values the venue does not have,
/// e.g. funding on a closed instrument) reads as absent.
void read(od::value& v, Slot<double>& s) noexcept {
  bool is_null = false;
  if (v.is_null().get(is_null) == simdjson::SUCCESS && is_null) {
    s.status = DecodeStatus::kMissingField;
    return;
  }
  const simdjson::error_code err = v.get_double().get(s.value);
  s.status = status_of(err);
  if (err == simdjson::SUCCESS && !std::isfinite(s.value)) s.status = DecodeStatus::kBadNumber;
}

/// An optional number: absent leaves `out` as it is; present must be readable.
DecodeStatus optional_number(const Slot<double>& s, double& out) noexcept {
  if (!s.seen()) return DecodeStatus::kOk;
  if (s.status != DecodeStatus::kOk) return s.status;
  out = s.value == 0.0 ? 0.0 : s.value;  // no negative zero
  return DecodeStatus::kOk;
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

/// Captures an object or array value as its raw JSON text (a view into the input buffer), to
/// decode later when a key it depends on comes after it.
DecodeStatus capture_raw(od::value& v, std::string_view& raw) noexcept {
  od::json_type type;
  if (v.type().get(type)) return DecodeStatus::kMalformedJson;
  if (type == od::json_type::object) {
    od::object obj;
    if (v.get_object().get(obj)) return DecodeStatus::kMalformedJson;
    return obj.raw_json().get(raw) ? DecodeStatus::kMalformedJson : DecodeStatus::kOk;
  }
  if (type == od::json_type::array) {
    od::array arr;
    if (v.get_array().get(arr)) return DecodeStatus::kMalformedJson;
    return arr.raw_json().get(raw) ? DecodeStatus::kMalformedJson : DecodeStatus::kOk;
  }
  return DecodeStatus::kWrongType;
}

/// The fields of a ticker notification's `data` object that the codec reads.
struct TickerFields {
  Slot<std::int64_t> timestamp;
  Slot<std::string_view> name;  // instrument_name
  Slot<double> open_interest;
  Slot<double> mark_price;
  Slot<double> index_price;
  Slot<double> current_funding;
  Slot<double> funding_8h;
};

/// The fields of one element of a trades notification's `data` array that the codec reads.
struct TradeFields {
  Slot<std::string_view> trade_id;
  Slot<std::int64_t> timestamp;
  Slot<std::string_view> name;  // instrument_name
  Slot<double> price;
  Slot<double> amount;
  Slot<std::string_view> direction;
  Slot<std::string_view> liquidation;
};

enum class ChannelKind : std::uint8_t { kTicker, kTrades, kOther };

/// "ticker.BTC-PERPETUAL.100ms" -> kTicker, "BTC-PERPETUAL". Currency-wide channels
/// ("trades.future.BTC.100ms") give no instrument: each trade names its own.
ChannelKind parse_channel(std::string_view channel, std::string_view& instrument) noexcept {
  instrument = {};
  const std::size_t first = channel.find('.');
  if (first == std::string_view::npos) return ChannelKind::kOther;
  const std::string_view kind = channel.substr(0, first);
  const std::size_t last = channel.rfind('.');
  if (last > first) {
    const std::string_view middle = channel.substr(first + 1, last - first - 1);
    if (middle.find('.') == std::string_view::npos) instrument = middle;
  }
  if (scan::is(kind, "ticker")) return ChannelKind::kTicker;
  if (scan::is(kind, "trades")) return ChannelKind::kTrades;
  return ChannelKind::kOther;
}

// ---------------------------------------------------------------------------------------------

/// The Deribit codec. Not thread-safe: owned and called by one feed thread.
class DeribitCodec final : public Codec {
 public:
  DeribitCodec(const VenueSettings& settings, core::InstrumentTable& table)
      : settings_(settings), table_(table) {
    buffer_.resize(kInitialBufferBytes + simdjson::SIMDJSON_PADDING);
    pending_.reserve(256);
    fast_trades_.reserve(kFastTrades);
    // Entries are addressed by pointer from ids_: size the vector once, before any pointer.
    entries_.reserve(settings.symbols.size());
    for (const std::string& raw : settings.symbols) {
      std::string symbol = to_upper(raw);
      if (!valid_symbol(symbol)) {
        throw std::invalid_argument("venues.deribit.symbols: invalid symbol '" + raw + "'");
      }
      if (ids_.contains(symbol)) continue;  // listed twice
      InstrumentId id = table_.find(core::Venue::kDeribit, symbol);
      if (id == kNoInstrument) id = table_.add(derived_spec(symbol));
      if (id == kNoInstrument) {
        throw std::invalid_argument("venues.deribit.symbols: the instrument table cannot hold '" +
                                    raw + "'");
      }
      const core::InstrumentInfo& info = table_.get(id);
      auto entry = std::make_unique<Entry>();
      entry->id = id;
      entry->kind = info.kind;
      entry->contract_value = info.contract_value > 0.0 ? info.contract_value : 1.0;
      ids_.emplace(symbol, entry.get());
      entries_.push_back(std::move(entry));
      symbols_.push_back(std::move(symbol));
    }
  }

  [[nodiscard]] core::Venue venue() const noexcept override { return core::Venue::kDeribit; }

  [[nodiscard]] std::vector<WsEndpoint> ws_endpoints() const override {
    if (symbols_.empty()) return {};  // Deribit streams are per instrument: nothing to follow
    WsEndpoint ep;
    ep.url = settings_.ws_url;
    ep.subscribe.push_back(
        R"({"jsonrpc":"2.0","id":1,"method":"public/set_heartbeat","params":{"interval":)" +
        std::to_string(kHeartbeatIntervalS) + "}}");
    std::string sub = R"({"jsonrpc":"2.0","id":2,"method":"public/subscribe","params":{"channels":[)";
    bool first = true;
    for (const std::string& symbol : symbols_) {
      for (const std::string_view kind : {"ticker.", "trades."}) {
        if (!first) sub += ',';
        first = false;
        sub += '"';
        sub += kind;
        sub += symbol;
        sub += ".100ms\"";
      }
    }
    sub += "]}}";
    ep.subscribe.push_back(std::move(sub));
    return {std::move(ep)};
  }

  [[nodiscard]] Heartbeat heartbeat() const override {
    // The server drives it: test_request frames are answered through decode()'s reply.
    return Heartbeat{};
  }

  [[nodiscard]] std::vector<RestPoll> rest_polls() const override { return {}; }  // OI on WS

  [[nodiscard]] std::string_view liquidation_completeness() const noexcept override {
    return "full";  // every liquidation fill is a flagged trade
  }

  // The trade-id dedupe ring survives reconnects on purpose: it exists to drop the replay.
  void on_connected(std::uint16_t /*endpoint*/) override {}

  DecodeResult decode(std::string_view frame, const FrameMeta& meta,
                      std::vector<core::NormalizedEvent>& out,
                      std::string& reply) noexcept override {
    const std::size_t mark = out.size();
    pending_.clear();
    Frame f{meta, out, reply, "unknown", 0};
    const DecodeStatus status = decode_frame(frame, f);
    if (is_error(status)) {
      // No partial frames: an error takes back whatever this frame appended.
      out.erase(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
      reply.clear();
    } else {
      for (const auto& [entry, id] : pending_) remember(*entry, id);
      duplicates_ += f.duplicates;
    }
    return DecodeResult{status, f.label};
  }

  [[nodiscard]] std::uint64_t fast_frames() const noexcept override { return fast_frames_; }

  [[nodiscard]] std::uint64_t duplicates() const noexcept { return duplicates_; }

 private:
  struct Entry {
    InstrumentId id = kNoInstrument;
    core::ContractKind kind = core::ContractKind::kInverse;
    double contract_value = 1.0;
    std::array<std::uint64_t, kDedupeCapacity> recent{};  // trade-id digests, a ring
    std::array<std::uint16_t, kDedupeIndexSlots> index{};  // hash index over `recent`
    std::size_t next = 0;
    std::size_t count = 0;
  };

  /// Per-frame decoding state.
  struct Frame {
    const FrameMeta& meta;
    std::vector<core::NormalizedEvent>& out;
    std::string& reply;
    std::string_view label;
    std::uint64_t duplicates;
  };

  static std::size_t home_slot(std::uint64_t id) noexcept {
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> 52) &
           (kDedupeIndexSlots - 1);
  }

  static bool seen_recently(const Entry& e, std::uint64_t id) noexcept {
    for (std::size_t i = home_slot(id);; i = (i + 1) & (kDedupeIndexSlots - 1)) {
      const std::uint16_t slot = e.index[i];
      if (slot == 0) return false;
      if (e.recent[slot - 1u] == id) return true;
    }
  }

  /// Removes the index slot of ring position `pos` (backward-shift deletion: no tombstones).
  static void unindex(Entry& e, std::size_t pos) noexcept {
    constexpr std::size_t mask = kDedupeIndexSlots - 1;
    std::size_t i = home_slot(e.recent[pos]);
    while (e.index[i] != pos + 1) i = (i + 1) & mask;
    for (std::size_t j = (i + 1) & mask; e.index[j] != 0; j = (j + 1) & mask) {
      const std::size_t k = home_slot(e.recent[e.index[j] - 1u]);
      // The entry at j may move to i unless its home lies cyclically in (i, j].
      const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (stays) continue;
      e.index[i] = e.index[j];
      i = j;
    }
    e.index[i] = 0;
  }

  static void remember(Entry& e, std::uint64_t id) noexcept {
    if (e.count == kDedupeCapacity) unindex(e, e.next);  // the ring drops its oldest id
    e.recent[e.next] = id;
    std::size_t i = home_slot(id);
    while (e.index[i] != 0) i = (i + 1) & (kDedupeIndexSlots - 1);
    e.index[i] = static_cast<std::uint16_t>(e.next + 1);
    e.next = (e.next + 1) % kDedupeCapacity;
    if (e.count < kDedupeCapacity) ++e.count;
  }

  bool pending_has(const Entry* e, std::uint64_t id) const noexcept {
    for (const auto& [entry, pid] : pending_) {
      if (entry == e && pid == id) return true;
    }
    return false;
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
    // Zero the padding so a deferred slice never reads stale bytes as JSON.
    std::memset(buffer_.data() + frame.size(), 0, simdjson::SIMDJSON_PADDING);

    od::document doc;
    if (parser_.iterate(buffer_.data(), frame.size(), buffer_.size()).get(doc)) {
      return DecodeStatus::kMalformedJson;
    }
    od::json_type type;
    if (doc.type().get(type)) return DecodeStatus::kMalformedJson;
    if (type == od::json_type::array) {
      od::array arr;
      if (doc.get_array().get(arr)) return DecodeStatus::kMalformedJson;
      std::string_view raw;  // consume it, to tell broken JSON from an unknown shape
      if (arr.raw_json().get(raw)) return DecodeStatus::kMalformedJson;
      return at_document_end(doc) ? DecodeStatus::kUnknownMessage : DecodeStatus::kMalformedJson;
    }
    if (type != od::json_type::object) {
      const DecodeStatus status = classify_scalar(doc, type);
      if (status == DecodeStatus::kMalformedJson) return status;
      return at_document_end(doc) ? status : DecodeStatus::kMalformedJson;
    }
    od::object root;
    if (doc.get_object().get(root)) return DecodeStatus::kMalformedJson;

    Slot<std::string_view> method;
    bool params_seen = false;
    bool params_done = false;
    std::string_view params_raw;
    DecodeStatus params_status = DecodeStatus::kOk;
    bool has_result = false;
    bool has_error = false;
    for (auto field_result : root) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      od::value& value = field.value();
      if (key == "method") {
        read(value, method);
        if (method.status == DecodeStatus::kMalformedJson) return method.status;
      } else if (key == "params") {
        params_seen = true;
        if (method.status == DecodeStatus::kOk) {
          // The usual order (jsonrpc, method, params): decode in this single pass.
          od::object obj;
          if (auto err = value.get_object().get(obj)) return status_of(err);
          params_status = decode_params(obj, method.value, f);
          if (params_status == DecodeStatus::kMalformedJson) return params_status;
          if (is_error(params_status)) return params_status;
          params_done = true;
        } else {
          const DecodeStatus st = capture_raw(value, params_raw);
          if (st != DecodeStatus::kOk) return st;
        }
      } else if (key == "result") {
        has_result = true;
      } else if (key == "error") {
        has_error = true;
      }
    }
    if (!at_document_end(doc)) return DecodeStatus::kMalformedJson;  // trailing bytes

    if (has_error) {
      f.label = kLabelControl;
      return DecodeStatus::kVenueError;  // {"jsonrpc":"2.0","id":2,"error":{"code":…}}
    }
    if (method.seen()) {
      if (method.status != DecodeStatus::kOk) return method.status;
      if (!params_seen) return DecodeStatus::kMissingField;
      if (params_done) return params_status;
      // params came before method: decode the captured object now.
      od::document pdoc;
      if (params_parser_.iterate(params_raw.data(), params_raw.size(),
                                 params_raw.size() + simdjson::SIMDJSON_PADDING)
              .get(pdoc)) {
        return DecodeStatus::kMalformedJson;
      }
      od::object obj;
      if (auto err = pdoc.get_object().get(obj)) return status_of(err);
      return decode_params(obj, method.value, f);
    }
    if (has_result) {
      f.label = kLabelControl;
      return DecodeStatus::kIgnored;  // subscribe / set_heartbeat / public/test response
    }
    return DecodeStatus::kUnknownMessage;
  }

  // -------------------------------------------------------------------------------------------
  // Fast path (json_scan.h): the notifications Deribit sends all day,
  // `{"jsonrpc":…,"method":"subscription","params":{"channel":…,"data":…}}` on a ticker or
  // trades channel, read into the same TickerFields and TradeFields as the simdjson path and
  // handed to the same emit functions. Anything else (heartbeats, responses, params before
  // method, data before channel, a repeated key of the envelope, escapes, a field of an
  // unexpected type, more than kFastTrades trades) returns false before any state changes, and
  // the simdjson path decodes the frame.

  /// Trades one frame may carry on the fast path: 100 ms batches hold a few, tens at most.
  static constexpr std::size_t kFastTrades = 32;

  bool fast_decode(std::string_view frame, Frame& f, DecodeStatus& status) noexcept {
    scan::Cursor c(frame);
    scan::Key key;
    // Root members up to "params", which must come after "method":"subscription".
    bool subscription = false;
    if (!c.consume('{')) return false;
    while (true) {
      if (!c.key(key)) return false;
      if (scan::is(key, "params")) break;
      if (scan::is(key, "method")) {
        std::string_view method;
        if (subscription || !c.string(method) || !scan::is(method, "subscription")) return false;
        subscription = true;
      } else if (scan::is(key, "result") || scan::is(key, "error") || !c.skip()) {
        return false;
      }
      if (!c.consume(',')) return false;
    }
    if (!subscription || !c.consume('{')) return false;
    // params members up to "data", which must come after "channel".
    std::string_view channel;
    bool has_channel = false;
    while (true) {
      if (!c.key(key)) return false;
      if (scan::is(key, "data")) break;
      if (scan::is(key, "channel")) {
        if (has_channel || !c.string(channel)) return false;
        has_channel = true;
      } else if (!c.skip()) {
        return false;
      }
      if (!c.consume(',')) return false;
    }
    if (!has_channel) return false;
    std::string_view instrument;
    switch (parse_channel(channel, instrument)) {
      case ChannelKind::kTicker:
        return fast_ticker(c, instrument, f, status);
      case ChannelKind::kTrades:
        return fast_trades(c, instrument, f, status);
      case ChannelKind::kOther:
        break;
    }
    return false;
  }

  /// A ticker `data` object and the rest of the frame, then decode_ticker's emit.
  bool fast_ticker(scan::Cursor& c, std::string_view instrument, Frame& f,
                   DecodeStatus& status) noexcept {
    TickerFields t;
    const bool ok = c.object([&](scan::Key k) {
      if (scan::is(k, "timestamp")) return scan::read(c, t.timestamp);
      if (scan::is(k, "instrument_name")) return scan::read(c, t.name);
      if (scan::is(k, "open_interest")) return fast_number(c, t.open_interest);
      if (scan::is(k, "mark_price")) return fast_number(c, t.mark_price);
      if (scan::is(k, "index_price")) return fast_number(c, t.index_price);
      if (scan::is(k, "current_funding")) return fast_number(c, t.current_funding);
      if (scan::is(k, "funding_8h")) return fast_number(c, t.funding_8h);
      return c.skip();
    });
    if (!ok || !fast_tail(c)) return false;
    f.label = kLabelOpenInterest;
    status = emit_ticker(t, instrument, f);
    ++fast_frames_;
    return true;
  }

  /// A trades `data` array and the rest of the frame, then decode_trades' emits in order. All
  /// trades are read first: emit_trade changes the dedupe state.
  bool fast_trades(scan::Cursor& c, std::string_view instrument, Frame& f,
                   DecodeStatus& status) noexcept {
    // A member with its capacity reserved: no allocation, and only the trades a frame has are
    // built (a zeroed local array of kFastTrades cost more than simdjson's whole decode).
    std::vector<TradeFields>& trades = fast_trades_;
    trades.clear();
    const bool ok = c.array([&] {
      if (trades.size() == kFastTrades) return false;
      TradeFields& tr = trades.emplace_back();
      return c.object([&](scan::Key k) {
        if (scan::is(k, "trade_id")) return scan::read(c, tr.trade_id);
        if (scan::is(k, "timestamp")) return scan::read(c, tr.timestamp);
        if (scan::is(k, "instrument_name")) return scan::read(c, tr.name);
        if (scan::is(k, "price")) return fast_number(c, tr.price);
        if (scan::is(k, "amount")) return fast_number(c, tr.amount);
        if (scan::is(k, "direction")) return scan::read(c, tr.direction);
        if (scan::is(k, "liquidation")) return scan::read(c, tr.liquidation);
        return c.skip();
      });
    });
    if (!ok || !fast_tail(c)) return false;
    f.label = kLabelTrade;
    status = decode_each(trades.size(),
                         [&](std::size_t i) { return emit_trade(trades[i], instrument, f); });
    ++fast_frames_;
    return true;
  }

  /// The members after `data` in params and after params in the root, and the end of the
  /// frame: only keys the simdjson path ignores there.
  static bool fast_tail(scan::Cursor& c) noexcept {
    scan::Key key;
    while (c.consume(',')) {
      if (!c.key(key) || scan::is(key, "channel") || scan::is(key, "data") || !c.skip())
        return false;
    }
    if (!c.consume('}')) return false;
    while (c.consume(',')) {
      if (!c.key(key) || scan::is(key, "method") || scan::is(key, "params") ||
          scan::is(key, "result") || scan::is(key, "error") || !c.skip()) {
        return false;
      }
    }
    return c.consume('}') && c.end();
  }

  /// As read() of a Slot<double>: `null` reads as absent.
  static bool fast_number(scan::Cursor& c, Slot<double>& s) noexcept {
    if (c.peek('n')) {
      if (!c.null()) return false;
      s.status = DecodeStatus::kMissingField;
      return true;
    }
    return scan::read(c, s);
  }

  DecodeStatus decode_params(od::object& params, std::string_view method, Frame& f) noexcept {
    if (scan::is(method, "heartbeat")) {
      f.label = kLabelControl;
      Slot<std::string_view> type;
      for (auto field_result : params) {
        od::field field;
        if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
        if (field.key() == "type") read(field.value(), type);
      }
      if (type.status != DecodeStatus::kOk) return type.status;
      if (scan::is(type.value, "heartbeat")) return DecodeStatus::kIgnored;
      if (!scan::is(type.value, "test_request")) return DecodeStatus::kUnknownMessage;
      // Without an answer "the API server will immediately close the connection".
      f.reply.assign(R"({"jsonrpc":"2.0","id":)");
      char digits[24];
      const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, next_test_id_);
      if (ec != std::errc()) return DecodeStatus::kBadNumber;
      f.reply.append(digits, static_cast<std::size_t>(end - digits));
      f.reply.append(R"(,"method":"public/test","params":{}})");
      ++next_test_id_;
      return DecodeStatus::kIgnored;
    }
    if (!scan::is(method, "subscription")) return DecodeStatus::kUnknownMessage;

    Slot<std::string_view> channel;
    bool data_seen = false;
    std::string_view data_raw;
    DecodeStatus data_status = DecodeStatus::kOk;
    for (auto field_result : params) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      od::value& value = field.value();
      if (key == "channel") {
        read(value, channel);
        if (channel.status == DecodeStatus::kMalformedJson) return channel.status;
      } else if (key == "data") {
        data_seen = true;
        if (channel.status == DecodeStatus::kOk) {
          data_status = decode_data(value, channel.value, f);
          if (is_error(data_status)) return data_status;
        } else {
          const DecodeStatus st = capture_raw(value, data_raw);
          if (st != DecodeStatus::kOk) return st;
        }
      }
    }
    if (channel.status != DecodeStatus::kOk) return channel.status;
    if (!data_seen) return DecodeStatus::kMissingField;
    if (data_raw.empty()) return data_status;
    // data came before channel: decode the captured value now.
    od::document ddoc;
    if (data_parser_.iterate(data_raw.data(), data_raw.size(),
                             data_raw.size() + simdjson::SIMDJSON_PADDING)
            .get(ddoc)) {
      return DecodeStatus::kMalformedJson;
    }
    od::value v;
    if (ddoc.get_value().get(v)) return DecodeStatus::kMalformedJson;
    return decode_data(v, channel.value, f);
  }

  DecodeStatus decode_data(od::value& data, std::string_view channel, Frame& f) noexcept {
    std::string_view instrument;
    switch (parse_channel(channel, instrument)) {
      case ChannelKind::kTicker: {
        f.label = kLabelOpenInterest;
        od::object obj;
        if (auto err = data.get_object().get(obj)) return status_of(err);
        return decode_ticker(obj, instrument, f);
      }
      case ChannelKind::kTrades: {
        f.label = kLabelTrade;
        od::array arr;
        if (auto err = data.get_array().get(arr)) return status_of(err);
        return decode_trades(arr, instrument, f);
      }
      case ChannelKind::kOther:
        break;
    }
    return DecodeStatus::kUnknownMessage;  // a channel we never subscribe to
  }

  DecodeStatus decode_ticker(od::object& obj, std::string_view channel_instrument,
                             Frame& f) noexcept {
    TickerFields t;
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      od::value& value = field.value();
      if (key == "timestamp") {
        read(value, t.timestamp);
      } else if (key == "instrument_name") {
        read(value, t.name);
      } else if (key == "open_interest") {
        read(value, t.open_interest);
      } else if (key == "mark_price") {
        read(value, t.mark_price);
      } else if (key == "index_price") {
        read(value, t.index_price);
      } else if (key == "current_funding") {
        read(value, t.current_funding);
      } else if (key == "funding_8h") {
        read(value, t.funding_8h);
      }
    }
    return emit_ticker(t, channel_instrument, f);
  }

  /// A full ticker snapshot: a MarkPrice event, then an OpenInterest event.
  DecodeStatus emit_ticker(const TickerFields& t, std::string_view channel_instrument,
                           Frame& f) noexcept {
    if (t.name.seen() && t.name.status != DecodeStatus::kOk) return t.name.status;
    const std::string_view symbol = t.name.seen() ? t.name.value : channel_instrument;
    if (symbol.empty()) return DecodeStatus::kMissingField;

    double oi = 0.0;
    double mark = 0.0;
    double index = core::kAbsent;
    double funding = core::kAbsent;
    double current = core::kAbsent;
    if (t.open_interest.status != DecodeStatus::kOk) return t.open_interest.status;
    if (t.mark_price.status != DecodeStatus::kOk) return t.mark_price.status;
    oi = t.open_interest.value == 0.0 ? 0.0 : t.open_interest.value;
    mark = t.mark_price.value;
    DecodeStatus st = optional_number(t.index_price, index);
    if (st == DecodeStatus::kOk) st = optional_number(t.funding_8h, funding);
    // current_funding is not published (funding_8h is the rate per interval) but must parse.
    if (st == DecodeStatus::kOk) st = optional_number(t.current_funding, current);
    if (st != DecodeStatus::kOk) return st;
    if (oi < 0.0 || !(mark > 0.0)) return DecodeStatus::kBadNumber;
    if (core::present(index) && !(index > 0.0)) return DecodeStatus::kBadNumber;
    std::int64_t ts = 0;
    st = timestamp_ns(t.timestamp, ts);
    if (st != DecodeStatus::kOk) return st;

    Entry* entry = nullptr;
    st = resolve(symbol, entry);
    if (st != DecodeStatus::kOk) return st;

    core::NormalizedEvent m = core::make_event(core::EventType::kMarkPrice, core::Venue::kDeribit,
                                               entry->id, ts, f.meta.recv_wall_ns,
                                               f.meta.recv_steady_ns);
    m.mark.mark = mark;
    m.mark.index = index;
    m.mark.funding_rate = funding;
    m.mark.funding_interval_s = core::present(funding) ? kFundingIntervalS : 0;

    core::NormalizedEvent e = core::make_event(core::EventType::kOpenInterest,
                                               core::Venue::kDeribit, entry->id, ts,
                                               f.meta.recv_wall_ns, f.meta.recv_steady_ns);
    if (entry->kind == core::ContractKind::kLinear) {
      // Linear USDC perps: open_interest is in coin. The engine values it with the mark.
      e.oi.base = oi;
      e.oi.contracts = core::kAbsent;
      e.oi.notional_usd = core::kAbsent;
    } else {
      // Inverse: open_interest is USD; contracts are whole multiples of the contract size.
      e.oi.base = core::kAbsent;  // the engine derives it from USD and the mark
      e.oi.contracts = oi / entry->contract_value;
      e.oi.notional_usd = oi;
    }
    e.oi.source = core::OiSource::kWs;
    try {
      f.out.push_back(m);
      f.out.push_back(e);
    } catch (...) {
      return DecodeStatus::kMalformedJson;  // out of memory: count it, do not crash
    }
    return DecodeStatus::kOk;
  }

  DecodeStatus decode_trades(od::array& arr, std::string_view channel_instrument,
                             Frame& f) noexcept {
    DecodeStatus combined = DecodeStatus::kIgnored;
    for (auto element_result : arr) {
      od::value element;
      if (element_result.get(element)) return DecodeStatus::kMalformedJson;
      od::object obj;
      if (auto err = element.get_object().get(obj)) return status_of(err);
      const DecodeStatus st = decode_trade(obj, channel_instrument, f);
      if (is_error(st)) return st;
      if (st == DecodeStatus::kOk) combined = DecodeStatus::kOk;
    }
    return combined;
  }

  DecodeStatus decode_trade(od::object& obj, std::string_view channel_instrument,
                            Frame& f) noexcept {
    TradeFields tr;
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
      const od::raw_json_string key = field.key();
      od::value& value = field.value();
      if (key == "trade_id") {
        read(value, tr.trade_id);
      } else if (key == "timestamp") {
        read(value, tr.timestamp);
      } else if (key == "instrument_name") {
        read(value, tr.name);
      } else if (key == "price") {
        read(value, tr.price);
      } else if (key == "amount") {
        read(value, tr.amount);
      } else if (key == "direction") {
        read(value, tr.direction);
      } else if (key == "liquidation") {
        read(value, tr.liquidation);
      }
    }
    return emit_trade(tr, channel_instrument, f);
  }

  /// One trade: a Trade event, then a Liquidation event per liquidated side.
  DecodeStatus emit_trade(const TradeFields& tr, std::string_view channel_instrument,
                          Frame& f) noexcept {
    if (tr.trade_id.status != DecodeStatus::kOk) return tr.trade_id.status;
    if (tr.trade_id.value.empty()) return DecodeStatus::kMissingField;
    if (tr.name.seen() && tr.name.status != DecodeStatus::kOk) return tr.name.status;
    const std::string_view symbol = tr.name.seen() ? tr.name.value : channel_instrument;
    if (symbol.empty()) return DecodeStatus::kMissingField;
    if (tr.price.status != DecodeStatus::kOk) return tr.price.status;
    if (tr.amount.status != DecodeStatus::kOk) return tr.amount.status;
    if (!(tr.price.value > 0.0) || !(tr.amount.value > 0.0)) return DecodeStatus::kBadNumber;
    if (tr.direction.status != DecodeStatus::kOk) return tr.direction.status;
    core::Side taker;
    if (scan::is(tr.direction.value, "buy")) {
      taker = core::Side::kBuy;
    } else if (scan::is(tr.direction.value, "sell")) {
      taker = core::Side::kSell;
    } else {
      return DecodeStatus::kUnknownMessage;
    }
    // liquidation: "T" the taker, "M" the maker, "MT" both sides were liquidated.
    bool taker_liquidated = false;
    bool maker_liquidated = false;
    if (tr.liquidation.seen()) {
      if (tr.liquidation.status != DecodeStatus::kOk) return tr.liquidation.status;
      const std::string_view l = tr.liquidation.value;
      if (scan::is(l, "T")) {
        taker_liquidated = true;
      } else if (scan::is(l, "M")) {
        maker_liquidated = true;
      } else if (scan::is(l, "MT") || scan::is(l, "TM")) {
        taker_liquidated = maker_liquidated = true;
      } else {
        return DecodeStatus::kUnknownMessage;
      }
    }
    std::int64_t ts = 0;
    DecodeStatus st = timestamp_ns(tr.timestamp, ts);
    if (st != DecodeStatus::kOk) return st;

    Entry* entry = nullptr;
    st = resolve(symbol, entry);
    if (st != DecodeStatus::kOk) return st;

    const std::uint64_t id = digest(tr.trade_id.value);
    if (seen_recently(*entry, id) || pending_has(entry, id)) {
      ++f.duplicates;  // a replay after a reconnect: counted once already
      return DecodeStatus::kIgnored;
    }

    const double px = tr.price.value;
    double base = 0.0;
    double usd = 0.0;
    if (entry->kind == core::ContractKind::kLinear) {
      base = tr.amount.value;  // coin
      usd = tr.amount.value * px;
    } else {
      base = tr.amount.value / px;  // amount is USD
      usd = tr.amount.value;
    }
    try {
      pending_.emplace_back(entry, id);
      core::NormalizedEvent t = core::make_event(core::EventType::kTrade, core::Venue::kDeribit,
                                                 entry->id, ts, f.meta.recv_wall_ns,
                                                 f.meta.recv_steady_ns);
      t.trade.price = px;
      t.trade.quantity = base;
      t.trade.notional_usd = usd;
      t.trade.taker_side = taker;
      f.out.push_back(t);
      const core::Side maker = taker == core::Side::kBuy ? core::Side::kSell : core::Side::kBuy;
      if (taker_liquidated) f.out.push_back(liquidation_event(*entry, ts, px, base, usd, taker, f));
      if (maker_liquidated) f.out.push_back(liquidation_event(*entry, ts, px, base, usd, maker, f));
    } catch (...) {
      return DecodeStatus::kMalformedJson;  // out of memory: count it, do not crash
    }
    return DecodeStatus::kOk;
  }

  /// A liquidation fill whose forced order was on `order_side` (a sell closes a long).
  static core::NormalizedEvent liquidation_event(const Entry& entry, std::int64_t ts, double px,
                                                 double base, double usd, core::Side order_side,
                                                 const Frame& f) noexcept {
    core::NormalizedEvent e = core::make_event(core::EventType::kLiquidation,
                                               core::Venue::kDeribit, entry.id, ts,
                                               f.meta.recv_wall_ns, f.meta.recv_steady_ns);
    e.liq.price = px;
    e.liq.quantity = base;
    e.liq.notional_usd = usd;
    e.liq.order_side = order_side;
    e.liq.position =
        order_side == core::Side::kSell ? core::Position::kLong : core::Position::kShort;
    e.liq.completeness = core::Completeness::kFull;
    return e;
  }

  /// kOk with `entry` for a tracked instrument; kIgnored for an untracked one (Deribit has no
  /// all-market liquidation stream, so there is no "_other" routing).
  DecodeStatus resolve(std::string_view symbol, Entry*& entry) noexcept {
    if (symbol.empty()) return DecodeStatus::kMissingField;
    Entry* const* const known = ids_.find(symbol);
    if (known == nullptr) {
      if (!valid_symbol(symbol)) return DecodeStatus::kUnknownMessage;
      // No symbols configured (`levdyn normalize`): every instrument is tracked as seen, as the
      // other codecs do; bounded like their symbol caches.
      if (!symbols_.empty() || entries_.size() >= kMaxAcceptedInstruments) {
        return DecodeStatus::kIgnored;
      }
      try {
        InstrumentId id = table_.find(core::Venue::kDeribit, symbol);
        if (id == kNoInstrument) id = table_.add(derived_spec(symbol));
        if (id == kNoInstrument) return DecodeStatus::kUnknownMessage;  // table full
        const core::InstrumentInfo& info = table_.get(id);
        auto added = std::make_unique<Entry>();
        added->id = id;
        added->kind = info.kind;
        added->contract_value = info.contract_value > 0.0 ? info.contract_value : 1.0;
        entry = added.get();
        entries_.push_back(std::move(added));  // first: ids_ never holds a pointer it does not own
        ids_.emplace(symbol, entry);
      } catch (...) {
        return DecodeStatus::kUnknownMessage;  // out of memory: count it, do not crash
      }
      return DecodeStatus::kOk;
    }
    entry = *known;
    return DecodeStatus::kOk;
  }
  static constexpr std::size_t kMaxAcceptedInstruments = 4096;

  VenueSettings settings_;
  core::InstrumentTable& table_;
  std::vector<std::string> symbols_;  // tracked, upper case, in config order
  std::vector<std::unique_ptr<Entry>> entries_;
  SymbolMap<Entry*> ids_;
  std::vector<std::pair<Entry*, std::uint64_t>> pending_;  // trade ids of the current frame
  std::uint64_t duplicates_ = 0;
  std::int64_t next_test_id_ = kFirstTestId;
  std::string buffer_;  // padded copy of the current frame, reused
  od::parser parser_;
  od::parser params_parser_;  // deferred params (params before method)
  od::parser data_parser_;    // deferred data (data before channel)
  std::uint64_t fast_frames_ = 0;
  std::vector<TradeFields> fast_trades_;  // the fast path's trades of one frame
};

// ---------------------------------------------------------------------------------------------
// get_instruments

/// One `result[]` entry. Non-perpetual instruments and entries lacking a usable name, base
/// currency or contract size are skipped (kOk); only broken JSON is an error.
DecodeStatus parse_instrument(od::value& v, std::vector<core::InstrumentSpec>& out) {
  od::object obj;
  if (auto err = v.get_object().get(obj)) {
    return err == simdjson::INCORRECT_TYPE ? DecodeStatus::kOk : DecodeStatus::kMalformedJson;
  }
  Slot<std::string_view> name;
  Slot<std::string_view> period;
  Slot<std::string_view> type;
  Slot<std::string_view> base;
  Slot<std::string_view> settlement;
  Slot<double> contract_size;
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    const od::raw_json_string key = field.key();
    od::value& value = field.value();
    if (key == "instrument_name") {
      read(value, name);
    } else if (key == "settlement_period") {
      read(value, period);
    } else if (key == "instrument_type") {
      read(value, type);
    } else if (key == "base_currency") {
      read(value, base);
    } else if (key == "settlement_currency") {
      read(value, settlement);
    } else if (key == "contract_size") {
      read(value, contract_size);
    }
  }
  for (const DecodeStatus s : {name.status, period.status, type.status, base.status,
                               settlement.status, contract_size.status}) {
    if (s == DecodeStatus::kMalformedJson) return s;
  }
  if (name.status != DecodeStatus::kOk || !valid_symbol(name.value) ||
      base.status != DecodeStatus::kOk || base.value.empty() ||
      contract_size.status != DecodeStatus::kOk || !(contract_size.value > 0.0) ||
      period.status != DecodeStatus::kOk || !scan::is(period.value, "perpetual")) {
    return DecodeStatus::kOk;  // not a usable perpetual: skip it, keep the rest
  }
  core::ContractKind kind;
  if (type.status == DecodeStatus::kOk && scan::is(type.value, "reversed")) {
    kind = core::ContractKind::kInverse;
  } else if (type.status == DecodeStatus::kOk && scan::is(type.value, "linear")) {
    kind = core::ContractKind::kLinear;
  } else if (settlement.status == DecodeStatus::kOk) {
    // Older answers lack instrument_type: coin-settled means inverse.
    kind = settlement.value == base.value ? core::ContractKind::kInverse
                                          : core::ContractKind::kLinear;
  } else {
    return DecodeStatus::kOk;
  }
  core::InstrumentSpec spec;
  spec.venue = core::Venue::kDeribit;
  spec.symbol = std::string(name.value);
  spec.asset = core::normalize_asset(base.value);
  spec.kind = kind;
  spec.contract_value = contract_size.value;  // inverse: USD; linear: coin per contract
  out.push_back(std::move(spec));
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
  bool result_seen = false;
  bool venue_error = false;
  for (auto field_result : root) {
    od::field field;
    if (std::move(field_result).get(field)) return DecodeStatus::kMalformedJson;
    const od::raw_json_string key = field.key();
    if (key == "result") {
      result_seen = true;
      od::array arr;
      if (auto err = field.value().get_array().get(arr)) return status_of(err);
      for (auto element_result : arr) {
        od::value element;
        if (element_result.get(element)) return DecodeStatus::kMalformedJson;
        const DecodeStatus st = parse_instrument(element, out);
        if (st != DecodeStatus::kOk) return st;
      }
    } else if (key == "error") {
      venue_error = true;
    }
  }
  if (!at_document_end(doc)) return DecodeStatus::kMalformedJson;
  if (venue_error) return DecodeStatus::kVenueError;
  if (!result_seen) return DecodeStatus::kMissingField;
  return DecodeStatus::kOk;
}

core::InstrumentSpec bundled(std::string_view symbol, std::string_view asset,
                             double contract_usd) {
  core::InstrumentSpec spec;
  spec.venue = core::Venue::kDeribit;
  spec.symbol = std::string(symbol);
  spec.asset = std::string(asset);
  spec.kind = core::ContractKind::kInverse;
  spec.contract_value = contract_usd;
  return spec;
}

}  // namespace

std::unique_ptr<Codec> make_codec(const VenueSettings& settings, core::InstrumentTable& table) {
  return std::make_unique<DeribitCodec>(settings, table);
}

std::vector<std::string> metadata_targets() {
  return {kMetadataTargets.begin(), kMetadataTargets.end()};
}

DecodeStatus parse_metadata(std::size_t target_index, std::string_view body,
                            std::vector<core::InstrumentSpec>& out) noexcept {
  if (target_index >= kMetadataTargets.size()) return DecodeStatus::kUnknownMessage;
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

std::vector<core::InstrumentSpec> bundled_instruments() {
  // venues.md §4: BTC-PERPETUAL contract_size 10 USD; ETH-PERPETUAL 1 USD.
  return {bundled("BTC-PERPETUAL", "BTC", 10.0), bundled("ETH-PERPETUAL", "ETH", 1.0)};
}

VenueSettings default_settings() {
  VenueSettings s;
  s.venue = core::Venue::kDeribit;
  s.enabled = true;
  s.ws_url = std::string(kDefaultWsUrl);
  s.rest_url = std::string(kDefaultRestUrl);
  s.symbols = {"BTC-PERPETUAL", "ETH-PERPETUAL"};
  s.all_liquidations = false;  // no all-market stream: liquidations ride on trades.{instr}
  s.silence_timeout = std::chrono::seconds(30);  // the server heartbeats every 10 s
  return s;
}

std::uint64_t duplicate_trades(const Codec& codec) noexcept {
  const auto* d = dynamic_cast<const DeribitCodec*>(&codec);
  return d != nullptr ? d->duplicates() : 0;
}

}  // namespace levdyn::venues::deribit
