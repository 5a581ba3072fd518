#include "service/venues/event_json.h"

#include <charconv>
#include <cmath>

namespace levdyn::venues {

std::string_view reported_symbol(const core::InstrumentInfo& info) noexcept {
  return info.tracked ? info.symbol_view() : std::string_view("_other");
}

void append_json_number(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  if (v == 0.0) v = 0.0;  // no "-0"
  char buf[32];
  // Shortest round-trip form; from 1e16 on always with an exponent. The shortest form of
  // 9.223372036854776e20 is the integer literal 922337203685477580800, which parsers that read
  // integers as 64-bit (simdjson, Go's json.Number to int64) reject as too big.
  const auto r = std::fabs(v) >= 1e16
                     ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific)
                     : std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_json_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

namespace {

/// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlong forms,
/// no surrogates, nothing above U+10FFFF), or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s) noexcept {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // bounds of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    if (b(i) < 0x80 || b(i) > 0xbf) return 0;
  }
  return n;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  // Runs of characters that need no escape (printable ASCII other than '"' and '\\', and
  // well-formed UTF-8 sequences) are appended whole: keys and symbols are all one run.
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x80 && c != '"' && c != '\\') continue;
    if (u >= 0x80) {
      if (const std::size_t n = utf8_sequence(s.substr(i)); n != 0) {
        i += n - 1;
        continue;
      }
    }
    out.append(s.data() + run, i - run);
    run = i + 1;
    if (u >= 0x80) {
      // JSON text is UTF-8: a byte that starts no valid sequence (a name echoed from a
      // request, a raw frame) becomes U+FFFD rather than making the document unparseable.
      out += "\\ufffd";
    } else if (u < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += '\\';
      out += c;
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

namespace {

void field(std::string& out, std::string_view key) {
  out += ',';
  append_json_string(out, key);
  out += ':';
}

void number_field(std::string& out, std::string_view key, double v) {
  if (!core::present(v)) return;  // omitted, never invented
  field(out, key);
  append_json_number(out, v);
}

void string_field(std::string& out, std::string_view key, std::string_view v) {
  field(out, key);
  append_json_string(out, v);
}

}  // namespace

void append_event_json(std::string& out, const core::NormalizedEvent& e,
                       const core::InstrumentTable& table) {
  out += "{\"type\":";
  append_json_string(out, core::to_string(e.type));
  string_field(out, "venue", core::to_string(e.venue));
  if (e.instrument != core::kNoInstrument && e.instrument < table.size()) {
    const auto& info = table.get(e.instrument);
    string_field(out, "symbol", reported_symbol(info));
    string_field(out, "asset", info.asset_view());
  }
  if (e.exchange_ts_ns != 0) {
    field(out, "exchange_ts");
    append_json_int(out, e.exchange_ts_ns / 1'000'000);
  }
  switch (e.type) {
    case core::EventType::kLiquidation:
      string_field(out, "position", core::to_string(e.liq.position));
      string_field(out, "order_side", core::to_string(e.liq.order_side));
      number_field(out, "price", e.liq.price);
      number_field(out, "quantity", e.liq.quantity);
      number_field(out, "notional_usd", e.liq.notional_usd);
      string_field(out, "completeness", core::to_string(e.liq.completeness));
      break;
    case core::EventType::kOpenInterest:
      number_field(out, "contracts", e.oi.contracts);
      number_field(out, "base", e.oi.base);
      number_field(out, "notional_usd", e.oi.notional_usd);
      string_field(out, "source", core::to_string(e.oi.source));
      break;
    case core::EventType::kTrade:
      number_field(out, "price", e.trade.price);
      number_field(out, "quantity", e.trade.quantity);
      number_field(out, "notional_usd", e.trade.notional_usd);
      string_field(out, "taker_side", core::to_string(e.trade.taker_side));
      break;
    case core::EventType::kMarkPrice:
      number_field(out, "mark", e.mark.mark);
      number_field(out, "index", e.mark.index);
      number_field(out, "funding_rate", e.mark.funding_rate);
      if (e.mark.funding_interval_s > 0) {
        field(out, "funding_interval_s");
        append_json_int(out, e.mark.funding_interval_s);
      }
      break;
    case core::EventType::kFeedStatus:
      field(out, "up");
      out += e.status.up ? "true" : "false";
      string_field(out, "reason", core::to_string(e.status.reason));
      break;
  }
  out += '}';
}

}  // namespace levdyn::venues
