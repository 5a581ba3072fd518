#include "service/http/api_json.h"

#include <charconv>
#include <cstdint>
#include <limits>

#include "service/venues/codec.h"
#include "service/venues/event_json.h"

namespace levdyn::http {

using venues::append_json_int;
using venues::append_json_number;
using venues::append_json_string;

namespace {

void key(std::string& out, std::string_view k, bool first = false) {
  if (!first) out += ',';
  append_json_string(out, k);
  out += ':';
}

void num(std::string& out, std::string_view k, double v) {
  key(out, k);
  append_json_number(out, v);
}

void ms_or_null(std::string& out, std::string_view k, std::int64_t ns) {
  key(out, k);
  if (ns <= 0) {
    out += "null";
  } else {
    append_json_int(out, ns / 1'000'000);
  }
}

// Liquidation figures of an instrument whose venue has no public liquidation feed are
// unknown, not zero.
void liq_num(std::string& out, std::string_view k, double v, bool available) {
  num(out, k, available ? v : std::numeric_limits<double>::quiet_NaN());
}

void liq_count(std::string& out, std::string_view k, std::uint64_t v, bool available,
               bool first = false) {
  key(out, k, first);
  if (available) {
    append_json_int(out, static_cast<std::int64_t>(v));
  } else {
    out += "null";
  }
}

void append_window(std::string& out, const core::WindowMetrics& w, bool liq = true) {
  out += '{';
  key(out, "oi_change_usd", true);
  append_json_number(out, w.oi_change_usd);
  num(out, "oi_change_pct", w.oi_change_pct);
  num(out, "oi_velocity_usd_s", w.oi_velocity_usd_s);
  num(out, "oi_acceleration_usd_s2", w.oi_acceleration_usd_s2);
  liq_num(out, "liq_long_usd", w.liq_long_usd, liq);
  liq_num(out, "liq_short_usd", w.liq_short_usd, liq);
  liq_count(out, "liq_long_count", static_cast<std::uint64_t>(w.liq_long_count), liq);
  liq_count(out, "liq_short_count", static_cast<std::uint64_t>(w.liq_short_count), liq);
  liq_num(out, "liq_rate_usd_s", w.liq_rate_usd_s, liq);
  liq_num(out, "liq_imbalance", w.liq_imbalance, liq);
  liq_num(out, "liq_to_oi", w.liq_to_oi, liq);
  num(out, "volume_usd", w.volume_usd);
  num(out, "turnover", w.turnover);
  liq_num(out, "forced_share", w.forced_share, liq);
  num(out, "price_change_pct", w.price_change_pct);
  key(out, "regime");
  append_json_string(out, core::to_string(w.regime));
  key(out, "partial");
  out += w.partial ? "true" : "false";
  out += '}';
}

void append_windows(std::string& out, const core::PublishedState& state,
                    const core::WindowMetrics* windows, int count, int window_index,
                    bool liq = true) {
  key(out, "windows");
  out += '{';
  bool first = true;
  for (int i = 0; i < count; ++i) {
    if (window_index >= 0 && i != window_index) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, window_label(state.window_ns(i)));
    out += ':';
    append_window(out, windows[i], liq);
  }
  out += '}';
}

}  // namespace

std::string window_label(std::int64_t ns) {
  const std::int64_t ms = ns / 1'000'000;
  if (ms != 0 && ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::int64_t parse_window_label(std::string_view s) noexcept {
  std::int64_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || v <= 0 || v > 1'000'000) return -1;
  const std::string_view unit(r.ptr, static_cast<std::size_t>(s.data() + s.size() - r.ptr));
  std::int64_t mult = 0;
  if (unit == "ms") mult = 1'000'000;
  else if (unit == "s") mult = 1'000'000'000;
  else if (unit == "m") mult = 60'000'000'000;
  else if (unit == "h") mult = 3'600'000'000'000;
  else if (unit == "d") mult = 86'400'000'000'000;
  else return -1;
  return v * mult;
}

void append_venue_list(std::string& out, std::uint8_t mask) {
  out += '[';
  bool first = true;
  for (int v = 0; v < core::kVenueCount; ++v) {
    if ((mask & (1u << v)) == 0) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, core::to_string(static_cast<core::Venue>(v)));
  }
  out += ']';
}

void append_instrument_info(std::string& out, const core::InstrumentInfo& info) {
  out += '{';
  key(out, "venue", true);
  append_json_string(out, core::to_string(info.venue));
  key(out, "symbol");
  append_json_string(out, venues::reported_symbol(info));
  key(out, "asset");
  append_json_string(out, info.asset_view());
  key(out, "kind");
  append_json_string(out, core::to_string(info.kind));
  num(out, "contract_value", info.contract_value);
  out += '}';
}

void append_instrument(std::string& out, const core::PublishedState& state,
                       const core::InstrumentMetrics& m, int window_index) {
  const auto& info = state.table().get(m.instrument);
  const bool liq = venues::publishes_liquidations(info.venue);
  out += '{';
  key(out, "venue", true);
  append_json_string(out, core::to_string(info.venue));
  key(out, "symbol");
  append_json_string(out, venues::reported_symbol(info));
  key(out, "asset");
  append_json_string(out, info.asset_view());
  key(out, "kind");
  append_json_string(out, core::to_string(info.kind));
  num(out, "contract_value", info.contract_value);
  key(out, "oi");
  out += '{';
  key(out, "contracts", true);
  append_json_number(out, m.oi_contracts);
  num(out, "base", m.oi_base);
  num(out, "usd", m.oi_usd);
  out += '}';
  num(out, "oi_usd", m.oi_usd);
  num(out, "mark", m.mark);
  num(out, "index", m.index);
  key(out, "funding");
  out += '{';
  key(out, "rate", true);
  append_json_number(out, m.funding_rate);
  key(out, "interval_s");
  if (m.funding_interval_s > 0) {
    append_json_int(out, m.funding_interval_s);
  } else {
    out += "null";
  }
  num(out, "rate_8h", m.funding_rate_8h);
  out += '}';
  key(out, "totals");
  out += '{';
  liq_count(out, "liq_long_count", m.liq_long_total, liq, true);
  liq_count(out, "liq_short_count", m.liq_short_total, liq);
  liq_num(out, "liq_long_usd", m.liq_long_usd_total, liq);
  liq_num(out, "liq_short_usd", m.liq_short_usd_total, liq);
  key(out, "trades");
  append_json_int(out, static_cast<std::int64_t>(m.trades_total));
  num(out, "volume_usd", m.volume_usd_total);
  out += '}';
  ms_or_null(out, "updated_at", m.updated_at_ns);
  ms_or_null(out, "as_of", m.as_of_ns);
  bool partial = false;
  for (int i = 0; i < m.window_count; ++i) {
    if (window_index >= 0 && i != window_index) continue;
    partial = partial || m.windows[i].partial;
  }
  key(out, "partial");
  out += partial ? "true" : "false";
  append_windows(out, state, m.windows, m.window_count, window_index, liq);
  out += '}';
}

void append_cascade(std::string& out, const core::PublishedState& state,
                    const core::CascadeRecord& c) {
  out += '{';
  key(out, "id", true);
  append_json_int(out, static_cast<std::int64_t>(c.id));
  key(out, "asset");
  append_json_string(out, state.table().asset_name(c.asset));
  key(out, "active");
  out += c.active ? "true" : "false";
  ms_or_null(out, "start", c.start_ns);
  ms_or_null(out, "end", c.active ? 0 : c.end_ns);
  key(out, "duration_s");
  const std::int64_t end = c.active ? state.as_of_ns() : c.end_ns;
  append_json_number(out, end > c.start_ns ? static_cast<double>(end - c.start_ns) / 1e9 : 0.0);
  num(out, "peak_rate_usd_s", c.peak_rate_usd_s);
  num(out, "long_usd", c.long_usd);
  num(out, "short_usd", c.short_usd);
  num(out, "oi_change_pct", c.oi_change_pct);
  num(out, "price_change_pct", c.price_change_pct);
  key(out, "venues");
  append_venue_list(out, c.venues);
  num(out, "peak_eta", c.peak_eta);
  out += '}';
}

void append_asset(std::string& out, const core::PublishedState& state, const core::AssetMetrics& a,
                  int window_index) {
  out += '{';
  key(out, "asset", true);
  append_json_string(out, state.table().asset_name(a.asset));
  num(out, "oi_usd", a.oi_usd);
  num(out, "funding_oi_weighted", a.funding_oi_weighted);
  num(out, "funding_mean", a.funding_mean);
  key(out, "venues");
  append_venue_list(out, a.venues);
  num(out, "intensity", a.intensity);
  num(out, "branching_ratio", a.branching_ratio);
  key(out, "hawkes");
  out += '{';
  key(out, "mu", true);
  append_json_number(out, a.hawkes_mu);
  num(out, "alpha", a.hawkes_alpha);
  num(out, "beta", a.hawkes_beta);
  out += '}';
  key(out, "cascade");
  if (a.cascade_active) {
    append_cascade(out, state, a.cascade);
  } else {
    out += "null";
  }
  key(out, "cascades_total");
  append_json_int(out, static_cast<std::int64_t>(a.cascades_total));
  key(out, "totals");
  out += '{';
  key(out, "liq_long_count", true);
  append_json_int(out, static_cast<std::int64_t>(a.liq_long_total));
  key(out, "liq_short_count");
  append_json_int(out, static_cast<std::int64_t>(a.liq_short_total));
  num(out, "liq_long_usd", a.liq_long_usd_total);
  num(out, "liq_short_usd", a.liq_short_usd_total);
  out += '}';
  ms_or_null(out, "as_of", a.as_of_ns);
  bool partial = false;
  for (int i = 0; i < a.window_count; ++i) {
    if (window_index >= 0 && i != window_index) continue;
    partial = partial || a.windows[i].partial;
  }
  key(out, "partial");
  out += partial ? "true" : "false";
  append_windows(out, state, a.windows, a.window_count, window_index);
  out += '}';
}

void append_feed(std::string& out, const feed::VenueFeedStats& v, std::int64_t steady_now_ns) {
  out += '{';
  key(out, "venue", true);
  append_json_string(out, core::to_string(v.venue));
  key(out, "connected");
  out += v.connected() ? "true" : "false";
  key(out, "connections_up");
  append_json_int(out, v.connections_up.load(std::memory_order_relaxed));
  key(out, "connections");
  append_json_int(out, v.connections_total.load(std::memory_order_relaxed));
  key(out, "last_message_age_s");
  const std::int64_t age_ns = v.last_message_age_ns(steady_now_ns);
  if (age_ns < 0) {
    out += "null";
  } else {
    append_json_number(out, static_cast<double>(age_ns) / 1e9);
  }
  key(out, "messages");
  append_json_int(out, static_cast<std::int64_t>(v.messages_total()));
  key(out, "events");
  append_json_int(out, static_cast<std::int64_t>(v.events.load(std::memory_order_relaxed)));
  key(out, "decode_errors");
  append_json_int(out, static_cast<std::int64_t>(v.decode_errors_total()));
  key(out, "reconnects");
  append_json_int(out, static_cast<std::int64_t>(v.reconnects_total()));
  key(out, "reconnects_by_reason");
  out += '{';
  bool first = true;
  for (int r = 0; r < feed::kReasonCount; ++r) {
    const auto n = v.reconnects[r].load(std::memory_order_relaxed);
    if (n == 0) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, core::to_string(static_cast<core::FeedReason>(r)));
    out += ':';
    append_json_int(out, static_cast<std::int64_t>(n));
  }
  out += '}';
  key(out, "queue_full");
  append_json_int(out, static_cast<std::int64_t>(v.queue_full.load(std::memory_order_relaxed)));
  key(out, "rest_requests");
  append_json_int(out, static_cast<std::int64_t>(v.rest_requests.load(std::memory_order_relaxed)));
  key(out, "rest_errors");
  append_json_int(out, static_cast<std::int64_t>(v.rest_errors.load(std::memory_order_relaxed)));
  key(out, "rest_rate_limited");
  append_json_int(out,
                  static_cast<std::int64_t>(v.rest_rate_limited.load(std::memory_order_relaxed)));
  key(out, "liquidations_available");
  out += v.liquidations_available ? "true" : "false";
  key(out, "completeness");
  if (v.liquidations_available) {
    append_json_string(out, v.completeness);
  } else {
    out += "\"unavailable\"";
  }
  out += '}';
}

}  // namespace levdyn::http
