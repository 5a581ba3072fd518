#include "service/http/prom_exposition.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <initializer_list>
#include <limits>
#include <string_view>

#include "service/http/api_json.h"
#include "service/venues/codec.h"
#include "service/venues/event_json.h"

namespace levdyn::http {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

using Label = std::pair<std::string_view, std::string_view>;  // name, value; empty name: none

// The text exposition format 0.0.4, written straight into reused buffers with std::to_chars
// (prometheus-cpp's TextSerializer goes through an ostringstream with locale-aware
// formatting, which measured at about half of a scrape's cost).
void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
}

void append_escaped(std::string& out, std::string_view s, bool quote) {
  // Label values and help texts rarely hold a byte to escape: the clean prefix in one append.
  std::size_t clean = 0;
  while (clean < s.size() && s[clean] != '\\' && s[clean] != '\n' && !(quote && s[clean] == '"')) {
    ++clean;
  }
  out.append(s.data(), clean);
  for (const char c : s.substr(clean)) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// `name="value"` with the value escaped, after a comma unless it is the first.
void append_label(std::string& out, std::string_view name, std::string_view value, bool first) {
  if (!first) out += ',';
  out += name;
  out += "=\"";
  append_escaped(out, value, true);
  out += '"';
}

const char* type_name(MetricType t) {
  switch (t) {
    case MetricType::Counter:
      return "counter";
    case MetricType::Gauge:
      return "gauge";
    case MetricType::Histogram:
      return "histogram";
    case MetricType::Summary:
      return "summary";
    default:
      return "untyped";
  }
}

void append_header(std::string& out, std::string_view name, std::string_view help, MetricType t) {
  out += "# HELP ";
  out += name;
  out += ' ';
  append_escaped(out, help, false);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type_name(t);
  out += '\n';
}

// One sample line: `name suffix {base,extra...} value`. `base` is labels already written as
// text (`a="x",b="y"`), so an instrument's venue/symbol/asset are escaped once per scrape, not
// once per sample.
void append_line(std::string& out, std::string_view name, std::string_view suffix,
                 std::string_view base, Label e1, Label e2, double v) {
  out += name;
  out += suffix;
  if (!base.empty() || !e1.first.empty()) {
    out += '{';
    out += base;
    bool first = base.empty();
    for (const Label& e : {e1, e2}) {
      if (e.first.empty()) continue;
      append_label(out, e.first, e.second, first);
      first = false;
    }
    out += '}';
  }
  out += ' ';
  append_value(out, v);
  out += '\n';
}

// The collection below writes to a sink: prometheus-cpp's model (collect(), for tests and the
// stock baseline) or the text itself (render(), what a scrape runs). Families are handles in
// the order they were opened; each family's samples go to its own buffer, so the per-instrument
// loop visits every instrument once and the families still come out whole, in order.
class TextSink {
 public:
  using Base = std::string;  // labels as text: `venue="binance",symbol="BTCUSDT",asset="BTC"`

  TextSink(std::vector<std::string>& bufs, std::vector<std::string_view>& names)
      : bufs_(bufs), names_(names) {
    names_.clear();
  }

  std::size_t family(std::string_view name, std::string_view help, MetricType type) {
    const std::size_t f = names_.size();
    names_.push_back(name);
    if (bufs_.size() <= f) bufs_.emplace_back();
    bufs_[f].clear();
    append_header(bufs_[f], name, help, type);
    return f;
  }
  static void set(Base& base, std::initializer_list<Label> labels) {
    base.clear();
    for (const Label& l : labels) append_label(base, l.first, l.second, base.empty());
  }
  void sample(std::size_t f, const Base& base, double v, Label e1 = {}, Label e2 = {}) {
    append_line(bufs_[f], names_[f], {}, base, e1, e2, v);
  }
  void histogram(std::size_t f, const Base& base, const feed::LatencyHistogram::Snapshot& snap) {
    std::string& out = bufs_[f];
    std::uint64_t cum = 0;
    char le[32];
    for (std::size_t i = 0; i <= feed::LatencyHistogram::kBounds.size(); ++i) {
      const bool inf = i == feed::LatencyHistogram::kBounds.size();
      cum = inf ? snap.count : cum + snap.counts[i];
      std::string_view bound = "+Inf";
      if (!inf) {
        const auto r = std::to_chars(le, le + sizeof le, feed::LatencyHistogram::kBounds[i]);
        bound = {le, static_cast<std::size_t>(r.ptr - le)};
      }
      append_line(out, names_[f], "_bucket", base, {"le", bound}, {}, static_cast<double>(cum));
    }
    append_line(out, names_[f], "_sum", base, {}, {}, snap.sum);
    append_line(out, names_[f], "_count", base, {}, {}, static_cast<double>(snap.count));
  }
  /// Appends every family, in order, to `out`.
  void finish(std::string& out) const {
    std::size_t total = out.size();
    for (std::size_t f = 0; f < names_.size(); ++f) total += bufs_[f].size();
    out.reserve(total);
    for (std::size_t f = 0; f < names_.size(); ++f) out += bufs_[f];
  }

 private:
  std::vector<std::string>& bufs_;
  std::vector<std::string_view>& names_;
};

class FamilySink {
 public:
  using Base = std::vector<ClientMetric::Label>;

  std::size_t family(std::string_view name, std::string_view help, MetricType type) {
    families_.push_back(MetricFamily{std::string(name), std::string(help), type, {}});
    return families_.size() - 1;
  }
  static void set(Base& base, std::initializer_list<Label> labels) {
    base.clear();
    for (const Label& l : labels) base.push_back({std::string(l.first), std::string(l.second)});
  }
  void sample(std::size_t f, const Base& base, double v, Label e1 = {}, Label e2 = {}) {
    MetricFamily& fam = families_[f];
    ClientMetric m;
    m.label = base;
    for (const Label& e : {e1, e2}) {
      if (!e.first.empty()) m.label.push_back({std::string(e.first), std::string(e.second)});
    }
    (fam.type == MetricType::Counter ? m.counter.value : m.gauge.value) = v;
    fam.metric.push_back(std::move(m));
  }
  void histogram(std::size_t f, const Base& base, const feed::LatencyHistogram::Snapshot& snap) {
    ClientMetric m;
    m.label = base;
    m.histogram.sample_count = snap.count;
    m.histogram.sample_sum = snap.sum;
    std::uint64_t cum = 0;
    for (std::size_t i = 0; i < feed::LatencyHistogram::kBounds.size(); ++i) {
      cum += snap.counts[i];
      m.histogram.bucket.push_back({cum, feed::LatencyHistogram::kBounds[i]});
    }
    m.histogram.bucket.push_back({snap.count, std::numeric_limits<double>::infinity()});
    families_[f].metric.push_back(std::move(m));
  }
  std::vector<MetricFamily> take() { return std::move(families_); }

 private:
  std::vector<MetricFamily> families_;
};

// Absent values are absent samples, never 0.
template <class Sink>
void gauge(Sink& s, std::size_t f, const typename Sink::Base& base, double v, Label e1 = {},
           Label e2 = {}) {
  if (std::isfinite(v)) s.sample(f, base, v, e1, e2);
}

template <class Sink>
void counter(Sink& s, std::size_t f, const typename Sink::Base& base, double v, Label e1 = {}) {
  s.sample(f, base, v, e1);
}

struct ProcessStats {
  double rss_bytes = NAN, vsize_bytes = NAN, cpu_seconds = NAN, open_fds = NAN, max_fds = NAN;
};

ProcessStats read_process() {
  ProcessStats p;
  if (FILE* f = std::fopen("/proc/self/stat", "r")) {
    char buf[1024];
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    // Fields after the parenthesised command name: state is field 3.
    const char* p3 = std::strrchr(buf, ')');
    if (p3 != nullptr) {
      unsigned long utime = 0, stime = 0, vsize = 0;
      long rss = 0;
      // 3 state, 4..13 skipped, 14 utime, 15 stime, ... 23 vsize, 24 rss
      if (std::sscanf(p3 + 2,
                      "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d "
                      "%*d %*u %lu %ld",
                      &utime, &stime, &vsize, &rss) == 4) {
        const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
        p.cpu_seconds = static_cast<double>(utime + stime) / tick;
        p.vsize_bytes = static_cast<double>(vsize);
        p.rss_bytes = static_cast<double>(rss) * static_cast<double>(sysconf(_SC_PAGESIZE));
      }
    }
  }
  if (DIR* d = opendir("/proc/self/fd")) {
    int n = 0;
    while (readdir(d) != nullptr) ++n;
    closedir(d);
    p.open_fds = n - 3;  // ".", ".." and the directory's own descriptor
  }
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) p.max_fds = static_cast<double>(rl.rlim_cur);
  return p;
}

template <class Sink>
void emit(Sink& s, const ExpositionSources& src, std::int64_t start_time_s,
          std::int64_t wall_now_ns, std::int64_t steady_now_ns) {
  using B = typename Sink::Base;
  const core::PublishedState& st = *src.state;
  const auto& table = st.table();
  const B none;
  B l;

  // Window labels ("1m", "5m", ...) once per scrape.
  std::array<std::string, core::kMaxWindows> windows;
  for (int w = 0; w < st.window_count(); ++w) windows[w] = window_label(st.window_ns(w));
  auto window = [&](int w) { return Label{"window", windows[w]}; };

  // ---- per instrument ----
  const auto oi =
      s.family("levdyn_open_interest_usd", "Open interest notional in USD.", MetricType::Gauge);
  const auto oi_base = s.family("levdyn_open_interest_base", "Open interest in base-asset units.",
                                MetricType::Gauge);
  const auto oi_age = s.family("levdyn_open_interest_age_seconds",
                               "Seconds since the last open-interest update.", MetricType::Gauge);
  const auto mark =
      s.family("levdyn_mark_price", "Mark price (quote currency).", MetricType::Gauge);
  const auto funding = s.family("levdyn_funding_rate",
                                "Funding rate normalised to 8 hours (a ratio).", MetricType::Gauge);
  const auto oi_ratio =
      s.family("levdyn_oi_change_ratio",
               "Open-interest change over the window, (B(t)-B(t-W))/B(t-W).", MetricType::Gauge);
  const auto oi_vel = s.family("levdyn_oi_velocity_usd_per_second",
                               "Open-interest change in USD over the window divided by the window.",
                               MetricType::Gauge);
  const auto liq_rate =
      s.family("levdyn_liquidation_rate_usd_per_second",
               "Liquidated notional per second over the window.", MetricType::Gauge);
  const auto liq_usd =
      s.family("levdyn_liquidated_usd_total", "Liquidated notional in USD by liquidated position.",
               MetricType::Counter);
  const auto liq_n = s.family("levdyn_liquidations_total", "Liquidations by liquidated position.",
                              MetricType::Counter);
  const auto vol =
      s.family("levdyn_volume_usd_total", "Traded notional in USD.", MetricType::Counter);
  const auto trades = s.family("levdyn_trades_total", "Trades received.", MetricType::Counter);
  const Label long_pos{"position", "long"};
  const Label short_pos{"position", "short"};

  core::InstrumentMetrics m;
  const std::size_t n = table.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& info = table.get(static_cast<core::InstrumentId>(i));
    if (!st.instrument(static_cast<core::InstrumentId>(i), m) || !m.has_data) continue;
    Sink::set(l, {{"venue", core::to_string(info.venue)},
                  {"symbol", venues::reported_symbol(info)},
                  {"asset", info.asset_view()}});
    // Venues without a public liquidation feed have no liquidation series (absent, not 0).
    const bool liq = venues::publishes_liquidations(info.venue);
    if (liq) {
      counter(s, liq_usd, l, m.liq_long_usd_total, long_pos);
      counter(s, liq_usd, l, m.liq_short_usd_total, short_pos);
      counter(s, liq_n, l, static_cast<double>(m.liq_long_total), long_pos);
      counter(s, liq_n, l, static_cast<double>(m.liq_short_total), short_pos);
    }
    if (!info.tracked) continue;  // "_other" buckets carry liquidations only
    gauge(s, oi, l, m.oi_usd);
    gauge(s, oi_base, l, m.oi_base);
    if (m.oi_updated_at_ns > 0) {
      // An update published after this scrape read its clock is age 0, not negative.
      const std::int64_t age_ns = std::max<std::int64_t>(wall_now_ns - m.oi_updated_at_ns, 0);
      gauge(s, oi_age, l, static_cast<double>(age_ns) / 1e9);
    }
    gauge(s, mark, l, m.mark);
    gauge(s, funding, l, m.funding_rate_8h);
    counter(s, vol, l, m.volume_usd_total);
    counter(s, trades, l, static_cast<double>(m.trades_total));
    for (int w = 0; w < m.window_count; ++w) {
      gauge(s, oi_ratio, l, m.windows[w].oi_change_pct, window(w));
      gauge(s, oi_vel, l, m.windows[w].oi_velocity_usd_s, window(w));
      if (liq) gauge(s, liq_rate, l, m.windows[w].liq_rate_usd_s, window(w));
    }
  }

  // ---- per asset ----
  const auto a_oi = s.family("levdyn_asset_open_interest_usd",
                             "Open interest in USD summed over venues.", MetricType::Gauge);
  const auto a_fw =
      s.family("levdyn_asset_funding_rate_oi_weighted",
               "OI-weighted funding rate across venues, normalised to 8 hours.", MetricType::Gauge);
  const auto a_fm =
      s.family("levdyn_asset_funding_rate_mean",
               "Simple mean funding rate across venues, normalised to 8 hours.", MetricType::Gauge);
  const auto a_ratio = s.family("levdyn_asset_oi_change_ratio", "Asset open-interest change ratio.",
                                MetricType::Gauge);
  const auto a_vel = s.family("levdyn_asset_oi_velocity_usd_per_second",
                              "Asset open-interest velocity in USD per second.", MetricType::Gauge);
  const auto a_liq = s.family("levdyn_asset_liquidated_usd",
                              "Liquidated notional in USD over the window by liquidated position.",
                              MetricType::Gauge);
  const auto a_rate =
      s.family("levdyn_asset_liquidation_rate_usd_per_second",
               "Asset liquidated notional per second over the window.", MetricType::Gauge);
  const auto a_l2oi = s.family("levdyn_asset_liquidations_to_oi_ratio",
                               "Liquidations over the window as a share of OI at the window start.",
                               MetricType::Gauge);
  const auto a_turn = s.family("levdyn_asset_turnover",
                               "Traded notional over the window divided by OI.", MetricType::Gauge);
  const auto a_int =
      s.family("levdyn_liquidation_intensity",
               "Hawkes intensity of liquidation arrivals (per second).", MetricType::Gauge);
  const auto a_eta = s.family("levdyn_liquidation_branching_ratio",
                              "Hawkes branching ratio (alpha/beta); absent when too few events.",
                              MetricType::Gauge);
  const auto a_casc = s.family("levdyn_cascade_active", "1 while a liquidation cascade is active.",
                               MetricType::Gauge);
  const auto a_ctot = s.family("levdyn_cascades_total", "Liquidation cascade episodes started.",
                               MetricType::Counter);
  core::AssetMetrics a;
  for (std::size_t i = 0; i < table.asset_count(); ++i) {
    if (!st.asset(static_cast<core::AssetId>(i), a) || !a.has_data) continue;
    Sink::set(l, {{"asset", table.asset_name(a.asset)}});
    gauge(s, a_oi, l, a.oi_usd);
    gauge(s, a_fw, l, a.funding_oi_weighted);
    gauge(s, a_fm, l, a.funding_mean);
    gauge(s, a_int, l, a.intensity);
    gauge(s, a_eta, l, a.branching_ratio);
    gauge(s, a_casc, l, a.cascade_active ? 1 : 0);
    counter(s, a_ctot, l, static_cast<double>(a.cascades_total));
    for (int w = 0; w < a.window_count; ++w) {
      gauge(s, a_ratio, l, a.windows[w].oi_change_pct, window(w));
      gauge(s, a_vel, l, a.windows[w].oi_velocity_usd_s, window(w));
      gauge(s, a_liq, l, a.windows[w].liq_long_usd, long_pos, window(w));
      gauge(s, a_liq, l, a.windows[w].liq_short_usd, short_pos, window(w));
      gauge(s, a_rate, l, a.windows[w].liq_rate_usd_s, window(w));
      gauge(s, a_l2oi, l, a.windows[w].liq_to_oi, window(w));
      gauge(s, a_turn, l, a.windows[w].turnover, window(w));
    }
  }

  // ---- feeds ----
  if (src.feeds != nullptr) {
    const auto up = s.family("levdyn_feed_connected", "1 when every connection of the venue is up.",
                             MetricType::Gauge);
    const auto msgs =
        s.family("levdyn_feed_messages_total", "Frames received by channel.", MetricType::Counter);
    const auto evs =
        s.family("levdyn_feed_events_total", "Normalized events produced.", MetricType::Counter);
    const auto errs = s.family("levdyn_feed_decode_errors_total", "Frames rejected by the decoder.",
                               MetricType::Counter);
    const auto rec = s.family("levdyn_feed_reconnects_total", "Connection losses by reason.",
                              MetricType::Counter);
    const auto age = s.family("levdyn_feed_last_message_age_seconds",
                              "Seconds since the venue's last frame.", MetricType::Gauge);
    const auto avail = s.family(
        "levdyn_feed_liquidations_available",
        "1 when the venue publishes liquidations publicly, 0 when it does not.", MetricType::Gauge);
    const auto pings =
        s.family("levdyn_feed_pings_total", "Heartbeats and pings sent.", MetricType::Counter);
    const auto qfull = s.family("levdyn_feed_queue_full_total",
                                "Times the venue's feed paused reading because the ring was full.",
                                MetricType::Counter);
    const auto rest =
        s.family("levdyn_rest_requests_total", "REST requests sent.", MetricType::Counter);
    const auto rest_err =
        s.family("levdyn_rest_errors_total", "REST requests that failed.", MetricType::Counter);
    const auto rest_rl = s.family("levdyn_rest_rate_limited_total",
                                  "REST answers 429/418 (rate limited).", MetricType::Counter);
    auto load = [](const std::atomic<std::uint64_t>& c) {
      return static_cast<double>(c.load(std::memory_order_relaxed));
    };
    for (const auto& v : src.feeds->venues) {
      if (!v.enabled) continue;
      Sink::set(l, {{"venue", core::to_string(v.venue)}});
      gauge(s, up, l, v.connected() ? 1 : 0);
      for (int c = 0; c < feed::kMsgChannelCount; ++c) {
        counter(s, msgs, l, load(v.messages[c]),
                {"channel", feed::to_string(static_cast<feed::MsgChannel>(c))});
      }
      counter(s, evs, l, load(v.events));
      counter(s, errs, l, static_cast<double>(v.decode_errors_total()));
      for (int r = 0; r < feed::kReasonCount; ++r) {
        const auto reason = static_cast<core::FeedReason>(r);
        if (reason == core::FeedReason::kNone || reason == core::FeedReason::kConnected) continue;
        counter(s, rec, l, load(v.reconnects[r]), {"reason", core::to_string(reason)});
      }
      const std::int64_t age_ns = v.last_message_age_ns(steady_now_ns);
      if (age_ns >= 0) gauge(s, age, l, static_cast<double>(age_ns) / 1e9);
      gauge(s, avail, l, v.liquidations_available ? 1 : 0);
      counter(s, pings, l, load(v.pings_sent));
      counter(s, qfull, l, load(v.queue_full));
      counter(s, rest, l, load(v.rest_requests));
      counter(s, rest_err, l, load(v.rest_errors));
      counter(s, rest_rl, l, load(v.rest_rate_limited));
    }
    counter(s,
            s.family("levdyn_queue_full_total",
                     "Times a feed found its ring full and paused reading (nothing is dropped).",
                     MetricType::Counter),
            none, load(src.feeds->queue_full_total));
  }
  if (src.queue_depth) {
    gauge(s,
          s.family("levdyn_queue_depth", "Events waiting in the feed-to-engine rings.",
                   MetricType::Gauge),
          none, static_cast<double>(src.queue_depth()));
  }
  if (src.capture) {
    const CaptureCounts c = src.capture();
    counter(s,
            s.family("levdyn_capture_frames_total", "Frames written to capture files.",
                     MetricType::Counter),
            none, static_cast<double>(c.frames));
    counter(s,
            s.family("levdyn_capture_dropped_frames_total",
                     "Frames not recorded because the recorder's ring was full (the feed never "
                     "waits for the recorder).",
                     MetricType::Counter),
            none, static_cast<double>(c.dropped));
    counter(s,
            s.family("levdyn_capture_write_errors_total",
                     "Capture file open, write, flush or close errors.", MetricType::Counter),
            none, static_cast<double>(c.write_errors));
  }
  if (src.pipeline_latency != nullptr) {
    s.histogram(s.family("levdyn_pipeline_latency_seconds",
                         "Latency from frame read to metric published.", MetricType::Histogram),
                none, src.pipeline_latency->snapshot());
  }
  if (src.exchange_lag != nullptr) {
    s.histogram(s.family("levdyn_exchange_lag_seconds",
                         "Receive time minus exchange timestamp (0 when the clocks disagree).",
                         MetricType::Histogram),
                none, src.exchange_lag->snapshot());
  }

  // ---- HTTP ----
  if (src.http != nullptr) {
    const auto req = s.family("levdyn_http_requests_total",
                              "HTTP requests by route template and status.", MetricType::Counter);
    for (const auto& [k, v] : src.http->requests) {
      char code[16];
      const auto r = std::to_chars(code, code + sizeof code, k.second);
      Sink::set(l, {{"route", k.first}, {"code", {code, static_cast<std::size_t>(r.ptr - code)}}});
      counter(s, req, l, static_cast<double>(v));
    }
    gauge(s, s.family("levdyn_http_connections", "Open HTTP connections.", MetricType::Gauge), none,
          static_cast<double>(src.http->connections_open));
    counter(s,
            s.family("levdyn_http_connections_rejected_total",
                     "Connections closed at accept because http.max_connections was reached.",
                     MetricType::Counter),
            none, static_cast<double>(src.http->connections_rejected));
    gauge(s, s.family("levdyn_stream_clients", "Connected push-stream clients.", MetricType::Gauge),
          none, static_cast<double>(src.http->stream_clients));
    counter(s,
            s.family("levdyn_stream_clients_dropped_total",
                     "Push-stream clients closed for falling behind.", MetricType::Counter),
            none, static_cast<double>(src.http->stream_clients_dropped));
    counter(s,
            s.family("levdyn_stream_messages_total", "Push-stream messages queued.",
                     MetricType::Counter),
            none, static_cast<double>(src.http->stream_messages));
  }

  // ---- build and process ----
  Sink::set(l, {{"version", src.version}});
  gauge(s, s.family("levdyn_build_info", "levdyn build information.", MetricType::Gauge), l, 1);
  const ProcessStats p = read_process();
  gauge(s,
        s.family("process_resident_memory_bytes", "Resident memory size in bytes.",
                 MetricType::Gauge),
        none, p.rss_bytes);
  gauge(
      s,
      s.family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge),
      none, p.vsize_bytes);
  counter(s,
          s.family("process_cpu_seconds_total", "User and system CPU time in seconds.",
                   MetricType::Counter),
          none, std::isfinite(p.cpu_seconds) ? p.cpu_seconds : 0);
  gauge(s,
        s.family("process_start_time_seconds", "Start time of the process since the epoch.",
                 MetricType::Gauge),
        none, static_cast<double>(start_time_s));
  gauge(s, s.family("process_open_fds", "Open file descriptors.", MetricType::Gauge), none,
        p.open_fds);
  gauge(s, s.family("process_max_fds", "Maximum open file descriptors.", MetricType::Gauge), none,
        p.max_fds);
}

}  // namespace

void write_text_exposition(std::string& out, const std::vector<MetricFamily>& families) {
  std::string base;
  auto line = [&](const std::string& name, std::string_view suffix, const ClientMetric& m,
                  Label extra, double v) {
    base.clear();
    for (const auto& l : m.label) append_label(base, l.name, l.value, base.empty());
    append_line(out, name, suffix, base, extra, {}, v);
  };
  for (const auto& f : families) {
    append_header(out, f.name, f.help, f.type);
    for (const auto& m : f.metric) {
      switch (f.type) {
        case MetricType::Counter:
          line(f.name, "", m, {}, m.counter.value);
          break;
        case MetricType::Gauge:
          line(f.name, "", m, {}, m.gauge.value);
          break;
        case MetricType::Histogram:
          for (const auto& b : m.histogram.bucket) {
            std::string le;
            append_value(le, b.upper_bound);
            line(f.name, "_bucket", m, {"le", le}, static_cast<double>(b.cumulative_count));
          }
          line(f.name, "_sum", m, {}, m.histogram.sample_sum);
          line(f.name, "_count", m, {}, static_cast<double>(m.histogram.sample_count));
          break;
        case MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            std::string quantile;
            append_value(quantile, q.quantile);
            line(f.name, "", m, {"quantile", quantile}, q.value);
          }
          line(f.name, "_sum", m, {}, m.summary.sample_sum);
          line(f.name, "_count", m, {}, static_cast<double>(m.summary.sample_count));
          break;
        default:
          line(f.name, "", m, {}, m.untyped.value);
          break;
      }
    }
  }
}

Exposition::Exposition(ExpositionSources sources)
    : src_(std::move(sources)), start_time_s_(static_cast<std::int64_t>(std::time(nullptr))) {}

std::vector<MetricFamily> Exposition::collect(std::int64_t wall_now_ns,
                                              std::int64_t steady_now_ns) const {
  FamilySink s;
  emit(s, src_, start_time_s_, wall_now_ns, steady_now_ns);
  return s.take();
}

void Exposition::render(std::string& out, std::int64_t wall_now_ns,
                        std::int64_t steady_now_ns) const {
  out.clear();
  TextSink s(buffers_, names_);
  emit(s, src_, start_time_s_, wall_now_ns, steady_now_ns);
  s.finish(out);
}

}  // namespace levdyn::http
