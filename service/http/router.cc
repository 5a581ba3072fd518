#include "service/http/router.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "service/http/api_json.h"
#include "service/http/render_cache.h"
#include "service/venues/event_json.h"

namespace levdyn::http {

namespace {

using Query = std::map<std::string, std::string, std::less<>>;

ApiResponse error(int status, std::string_view code, std::string_view message,
                  std::string_view route) {
  ApiResponse r;
  r.status = status;
  r.body = error_body(code, message);
  r.route = route;
  return r;
}

bool split_target(std::string_view target, std::vector<std::string>& segments, Query& query,
                  std::string& why) {
  const auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (path.empty() || path[0] != '/') {
    why = "the request target must start with '/'";
    return false;
  }
  path.remove_prefix(1);
  segments.reserve(4);
  while (!path.empty()) {
    const auto slash = path.find('/');
    std::string seg;
    if (!percent_decode(path.substr(0, slash), seg)) {
      why = "malformed percent-encoding in the path";
      return false;
    }
    segments.push_back(std::move(seg));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (path.empty()) segments.emplace_back();  // trailing slash
  }
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view kv = rest.substr(0, amp);
    if (!kv.empty()) {
      const auto eq = kv.find('=');
      std::string k, v;
      if (!percent_decode(kv.substr(0, eq), k) ||
          (eq != std::string_view::npos && !percent_decode(kv.substr(eq + 1), v))) {
        why = "malformed percent-encoding in the query";
        return false;
      }
      for (auto& ch : v) {
        if (ch == '+') ch = ' ';
      }
      query[k] = v;
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return true;
}

bool parse_i64(const std::string& s, std::int64_t& out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

/// Resolves ?window= to a window index (-1 = all); false on a bad value.
bool window_param(const Query& q, const core::PublishedState& st, int& index, std::string& why) {
  index = -1;
  const auto it = q.find("window");
  if (it == q.end()) return true;
  const std::int64_t ns = parse_window_label(it->second);
  index = ns > 0 ? st.find_window(ns) : -1;
  if (index < 0) {
    why = "unknown window '" + it->second + "' (configured:";
    for (int i = 0; i < st.window_count(); ++i) why += " " + window_label(st.window_ns(i));
    why += ")";
    return false;
  }
  return true;
}

ApiResponse ok(std::string body, std::string_view route) {
  ApiResponse r;
  r.body = std::move(body);
  r.route = route;
  return r;
}

ApiResponse ok(std::shared_ptr<const std::string> body, std::string_view route) {
  ApiResponse r;
  r.shared_body = std::move(body);
  r.route = route;
  return r;
}

ApiResponse instruments(const ApiContext& ctx) {
  const auto& table = ctx.state->table();
  std::string out = "{\"instruments\":[";
  bool first = true;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& info = table.get(static_cast<core::InstrumentId>(i));
    if (!info.tracked) continue;
    if (!first) out += ',';
    first = false;
    append_instrument_info(out, info);
  }
  out += "]}";
  return ok(std::move(out), "/v1/instruments");
}

ApiResponse instrument(const ApiContext& ctx, const std::string& venue_name,
                       const std::string& symbol, const Query& q, RenderCache* cache) {
  constexpr std::string_view route = "/v1/instruments/{venue}/{symbol}";
  core::Venue venue;
  if (!core::parse_venue(venue_name, venue)) {
    return error(404, "not_found", "unknown venue '" + venue_name + "'", route);
  }
  const auto id = ctx.state->table().find(venue, symbol);
  if (id == core::kNoInstrument || !ctx.state->table().get(id).tracked) {
    return error(404, "not_found", "instrument " + venue_name + "/" + symbol + " is not tracked",
                 route);
  }
  int window = -1;
  std::string why;
  if (!window_param(q, *ctx.state, window, why)) return error(400, "bad_request", why, route);
  core::InstrumentMetrics m;
  const bool published = ctx.state->instrument(id, m);
  if (published && cache != nullptr) return ok(cache->instrument(*ctx.state, m, window), route);
  std::string out;
  out.reserve(4096);
  if (!published) {
    // Tracked but no data yet: every value null, said plainly.
    std::memset(static_cast<void*>(&m), 0, sizeof m);
    m.instrument = id;
    m.oi_contracts = m.oi_base = m.oi_usd = m.mark = m.index = m.funding_rate =
        m.funding_rate_8h = core::kAbsent;
  }
  append_instrument(out, *ctx.state, m, window);
  return ok(std::move(out), route);
}

ApiResponse assets(const ApiContext& ctx, const Query& q) {
  int window = -1;
  std::string why;
  if (!window_param(q, *ctx.state, window, why)) {
    return error(400, "bad_request", why, "/v1/assets");
  }
  std::string out = "{\"assets\":[";
  bool first = true;
  core::AssetMetrics a;
  for (std::size_t i = 0; i < ctx.state->table().asset_count(); ++i) {
    if (!ctx.state->asset(static_cast<core::AssetId>(i), a) || !a.has_data) continue;
    if (!first) out += ',';
    first = false;
    append_asset(out, *ctx.state, a, window);
  }
  out += "]}";
  return ok(std::move(out), "/v1/assets");
}

ApiResponse asset(const ApiContext& ctx, const std::string& name, const Query& q,
                  RenderCache* cache) {
  constexpr std::string_view route = "/v1/assets/{asset}";
  std::string upper = name;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  const auto id = ctx.state->table().find_asset(upper);
  int window = -1;
  std::string why;
  if (!window_param(q, *ctx.state, window, why)) return error(400, "bad_request", why, route);
  core::AssetMetrics a;
  if (id == core::InstrumentTable::kNoAsset) {
    return error(404, "not_found", "unknown asset '" + name + "'", route);
  }
  if (!ctx.state->asset(id, a) || !a.has_data) {
    return error(404, "not_found", "asset '" + upper + "' has no data yet", route);
  }
  if (cache != nullptr) return ok(cache->asset(*ctx.state, a, window), route);
  std::string out;
  out.reserve(8192);
  append_asset(out, *ctx.state, a, window);
  return ok(std::move(out), route);
}

ApiResponse liquidations(const ApiContext& ctx, const Query& q) {
  constexpr std::string_view route = "/v1/liquidations";
  std::int64_t limit = 100, since_ms = 0;
  if (auto it = q.find("limit"); it != q.end()) {
    if (!parse_i64(it->second, limit) || limit < 1 || limit > 1000) {
      return error(400, "bad_request", "limit must be an integer from 1 to 1000", route);
    }
  }
  if (auto it = q.find("since"); it != q.end()) {
    if (!parse_i64(it->second, since_ms) || since_ms < 0) {
      return error(400, "bad_request", "since must be a time in ms since the epoch", route);
    }
  }
  std::string asset_filter;
  if (auto it = q.find("asset"); it != q.end() && !it->second.empty()) {
    asset_filter = it->second;
    std::transform(asset_filter.begin(), asset_filter.end(), asset_filter.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  }
  bool by_venue = false;
  core::Venue venue{};
  if (auto it = q.find("venue"); it != q.end() && !it->second.empty()) {
    if (!core::parse_venue(it->second, venue)) {
      return error(400, "bad_request", "unknown venue '" + it->second + "'", route);
    }
    by_venue = true;
  }
  const auto& ring = ctx.state->liquidations();
  const auto& table = ctx.state->table();
  std::string out = "{\"liquidations\":[";
  std::int64_t n = 0;
  const std::uint64_t head = ring.head();
  const std::uint64_t oldest = head > ring.capacity() ? head - ring.capacity() : 0;
  core::NormalizedEvent e;
  for (std::uint64_t seq = head; seq > oldest && n < limit; --seq) {
    if (!ring.read(seq - 1, e)) break;  // overwritten while reading: older ones are gone too
    if (e.instrument >= table.size()) continue;
    const auto& info = table.get(e.instrument);
    if (by_venue && info.venue != venue) continue;
    if (!asset_filter.empty() && info.asset_view() != asset_filter) continue;
    if (since_ms > 0 && e.event_time_ns() / 1'000'000 < since_ms) break;  // newest first
    if (n++ > 0) out += ',';
    venues::append_event_json(out, e, table);
  }
  out += "]}";
  return ok(std::move(out), route);
}

ApiResponse cascades(const ApiContext& ctx, const Query& q) {
  constexpr std::string_view route = "/v1/cascades";
  std::string asset_filter;
  if (auto it = q.find("asset"); it != q.end() && !it->second.empty()) {
    asset_filter = it->second;
    std::transform(asset_filter.begin(), asset_filter.end(), asset_filter.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  }
  int active = -1;
  if (auto it = q.find("active"); it != q.end() && !it->second.empty()) {
    if (it->second == "true") active = 1;
    else if (it->second == "false") active = 0;
    else return error(400, "bad_request", "active must be true or false", route);
  }
  const auto& ring = ctx.state->cascades();
  std::vector<core::CascadeRecord> seen;
  const std::uint64_t head = ring.head();
  const std::uint64_t oldest = head > ring.capacity() ? head - ring.capacity() : 0;
  core::CascadeRecord c;
  for (std::uint64_t seq = head; seq > oldest; --seq) {
    if (!ring.read(seq - 1, c)) break;
    // The newest record of an episode wins (an end supersedes its start).
    if (std::any_of(seen.begin(), seen.end(), [&](const auto& s) { return s.id == c.id; })) {
      continue;
    }
    seen.push_back(c);
  }
  std::string out = "{\"cascades\":[";
  bool first = true;
  core::AssetMetrics a;
  for (auto& rec : seen) {
    if (rec.active && ctx.state->asset(rec.asset, a) && a.cascade_active && a.cascade.id == rec.id) {
      rec = a.cascade;  // live values of the running episode
    }
    if (!asset_filter.empty() && ctx.state->table().asset_name(rec.asset) != asset_filter) continue;
    if (active >= 0 && rec.active != (active == 1)) continue;
    if (!first) out += ',';
    first = false;
    append_cascade(out, *ctx.state, rec);
  }
  out += "]}";
  return ok(std::move(out), route);
}

ApiResponse feeds(const ApiContext& ctx) {
  std::string out = "{\"feeds\":[";
  bool first = true;
  const std::int64_t now = ctx.steady_now_ns();
  for (const auto& v : ctx.feeds->venues) {
    if (!v.enabled) continue;
    if (!first) out += ',';
    first = false;
    append_feed(out, v, now);
  }
  out += "]}";
  return ok(std::move(out), "/v1/feeds");
}

}  // namespace

std::string error_body(std::string_view code, std::string_view message) {
  std::string out = "{\"error\":{\"code\":";
  venues::append_json_string(out, code);
  out += ",\"message\":";
  venues::append_json_string(out, message);
  out += "}}";
  return out;
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int v = 0;
    const auto r = std::from_chars(in.data() + i + 1, in.data() + i + 3, v, 16);
    if (r.ec != std::errc() || r.ptr != in.data() + i + 3) return false;
    out += static_cast<char>(v);
    i += 2;
  }
  return true;
}

ApiResponse route_request(std::string_view method, std::string_view target, const ApiContext& ctx,
                          RenderCache* cache) {
  std::vector<std::string> seg;
  Query q;
  std::string why;
  if (!split_target(target, seg, q, why)) return error(400, "bad_request", why, "other");
  if (method != "GET" && method != "HEAD") {
    ApiResponse r = error(405, "method_not_allowed", "only GET and HEAD are supported", "other");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  const std::size_t n = seg.size();
  if (n == 1 && seg[0] == "healthz") return ok("{\"status\":\"ok\"}", "/healthz");
  if (n == 1 && seg[0] == "readyz") {
    std::string why_not;
    if (!ctx.ready || ctx.ready(why_not)) return ok("{\"status\":\"ready\"}", "/readyz");
    ApiResponse r = error(503, "not_ready", why_not, "/readyz");
    return r;
  }
  if (n == 1 && seg[0] == "metrics") {
    ApiResponse r;
    r.route = "/metrics";
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    ctx.exposition->render(r.body, ctx.wall_now_ns(), ctx.steady_now_ns());
    return r;
  }
  if (n >= 2 && seg[0] == "v1") {
    const std::string& what = seg[1];
    if (what == "instruments" && n == 2) return instruments(ctx);
    if (what == "instruments" && n == 4) return instrument(ctx, seg[2], seg[3], q, cache);
    if (what == "assets" && n == 2) return assets(ctx, q);
    if (what == "assets" && n == 3) return asset(ctx, seg[2], q, cache);
    if (what == "liquidations" && n == 2) return liquidations(ctx, q);
    if (what == "cascades" && n == 2) return cascades(ctx, q);
    if (what == "feeds" && n == 2) return feeds(ctx);
    if (what == "stream" && n == 2) {
      // The upgrade itself never reaches the router (the server hands it to the push stream):
      // this is a plain GET, e.g. curl or a browser tab. RFC 9110 §15.5.22: 426 names the
      // protocol to switch to in Upgrade.
      ApiResponse r = error(426, "upgrade_required",
                            "the push stream is a WebSocket endpoint: connect with a WebSocket "
                            "client (Upgrade: websocket)",
                            "/v1/stream");
      r.headers.emplace_back("Upgrade", "websocket");
      r.headers.emplace_back("Connection", "Upgrade");
      return r;
    }
  }
  return error(404, "not_found", "no such route", "other");
}

}  // namespace levdyn::http
