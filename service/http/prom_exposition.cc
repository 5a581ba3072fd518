#include "service/http/prom_exposition.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <deque>
#include <iterator>

#include "service/http/api_json.h"
#include "service/venues/codec.h"
#include "service/venues/event_json.h"

namespace levdyn::http {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

struct Builder {
  // A deque: family() hands out references that must survive later families being added.
  std::deque<MetricFamily> families;

  MetricFamily& family(const std::string& name, const std::string& help, MetricType type) {
    families.push_back(MetricFamily{name, help, type, {}});
    return families.back();
  }
};

void gauge(MetricFamily& f, std::vector<ClientMetric::Label> labels, double v) {
  if (!std::isfinite(v)) return;  // absent values are absent samples, never 0
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = v;
  f.metric.push_back(std::move(m));
}

void counter(MetricFamily& f, std::vector<ClientMetric::Label> labels, double v) {
  ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = v;
  f.metric.push_back(std::move(m));
}

void histogram(MetricFamily& f, const feed::LatencyHistogram& h) {
  const auto snap = h.snapshot();
  ClientMetric m;
  m.histogram.sample_count = snap.count;
  m.histogram.sample_sum = snap.sum;
  std::uint64_t cum = 0;
  for (std::size_t i = 0; i < feed::LatencyHistogram::kBounds.size(); ++i) {
    cum += snap.counts[i];
    m.histogram.bucket.push_back({cum, feed::LatencyHistogram::kBounds[i]});
  }
  m.histogram.bucket.push_back({snap.count, std::numeric_limits<double>::infinity()});
  f.metric.push_back(std::move(m));
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

}  // namespace

Exposition::Exposition(ExpositionSources sources)
    : src_(std::move(sources)), start_time_s_(static_cast<std::int64_t>(std::time(nullptr))) {}

std::vector<MetricFamily> Exposition::collect(std::int64_t wall_now_ns,
                                              std::int64_t steady_now_ns) const {
  Builder b;
  const core::PublishedState& st = *src_.state;
  const auto& table = st.table();

  // ---- per instrument ----
  auto& oi =
      b.family("levdyn_open_interest_usd", "Open interest notional in USD.", MetricType::Gauge);
  auto& oi_base = b.family("levdyn_open_interest_base", "Open interest in base-asset units.",
                           MetricType::Gauge);
  auto& oi_age = b.family("levdyn_open_interest_age_seconds",
                          "Seconds since the last open-interest update.", MetricType::Gauge);
  auto& mark = b.family("levdyn_mark_price", "Mark price (quote currency).", MetricType::Gauge);
  auto& funding = b.family("levdyn_funding_rate", "Funding rate normalised to 8 hours (a ratio).",
                           MetricType::Gauge);
  auto& oi_ratio =
      b.family("levdyn_oi_change_ratio",
               "Open-interest change over the window, (B(t)-B(t-W))/B(t-W).", MetricType::Gauge);
  auto& oi_vel = b.family("levdyn_oi_velocity_usd_per_second",
                          "Open-interest change in USD over the window divided by the window.",
                          MetricType::Gauge);
  auto& liq_rate = b.family("levdyn_liquidation_rate_usd_per_second",
                            "Liquidated notional per second over the window.", MetricType::Gauge);
  auto& liq_usd =
      b.family("levdyn_liquidated_usd_total", "Liquidated notional in USD by liquidated position.",
               MetricType::Counter);
  auto& liq_n = b.family("levdyn_liquidations_total", "Liquidations by liquidated position.",
                         MetricType::Counter);
  auto& vol = b.family("levdyn_volume_usd_total", "Traded notional in USD.", MetricType::Counter);
  auto& trades = b.family("levdyn_trades_total", "Trades received.", MetricType::Counter);

  core::InstrumentMetrics m;
  const std::size_t n = table.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& info = table.get(static_cast<core::InstrumentId>(i));
    if (!st.instrument(static_cast<core::InstrumentId>(i), m) || !m.has_data) continue;
    std::vector<ClientMetric::Label> l = {{"venue", std::string(core::to_string(info.venue))},
                                          {"symbol", std::string(venues::reported_symbol(info))},
                                          {"asset", std::string(info.asset_view())}};
    auto with = [&](const char* k, std::string v) {
      std::vector<ClientMetric::Label> copy;
      copy.reserve(l.size() + 1);  // one allocation, not a copy and a regrowth
      copy.insert(copy.end(), l.begin(), l.end());
      copy.push_back({k, std::move(v)});
      return copy;
    };
    // Venues without a public liquidation feed have no liquidation series (absent, not 0).
    const bool liq = venues::publishes_liquidations(info.venue);
    if (liq) {
      counter(liq_usd, with("position", "long"), m.liq_long_usd_total);
      counter(liq_usd, with("position", "short"), m.liq_short_usd_total);
      counter(liq_n, with("position", "long"), static_cast<double>(m.liq_long_total));
      counter(liq_n, with("position", "short"), static_cast<double>(m.liq_short_total));
    }
    if (!info.tracked) continue;  // "_other" buckets carry liquidations only
    gauge(oi, l, m.oi_usd);
    gauge(oi_base, l, m.oi_base);
    if (m.oi_updated_at_ns > 0) {
      gauge(oi_age, l, static_cast<double>(wall_now_ns - m.oi_updated_at_ns) / 1e9);
    }
    gauge(mark, l, m.mark);
    gauge(funding, l, m.funding_rate_8h);
    counter(vol, l, m.volume_usd_total);
    counter(trades, l, static_cast<double>(m.trades_total));
    for (int w = 0; w < m.window_count; ++w) {
      const std::string label = window_label(st.window_ns(w));
      gauge(oi_ratio, with("window", label), m.windows[w].oi_change_pct);
      gauge(oi_vel, with("window", label), m.windows[w].oi_velocity_usd_s);
      if (liq) gauge(liq_rate, with("window", label), m.windows[w].liq_rate_usd_s);
    }
  }

  // ---- per asset ----
  auto& a_oi = b.family("levdyn_asset_open_interest_usd",
                        "Open interest in USD summed over venues.", MetricType::Gauge);
  auto& a_fw =
      b.family("levdyn_asset_funding_rate_oi_weighted",
               "OI-weighted funding rate across venues, normalised to 8 hours.", MetricType::Gauge);
  auto& a_fm =
      b.family("levdyn_asset_funding_rate_mean",
               "Simple mean funding rate across venues, normalised to 8 hours.", MetricType::Gauge);
  auto& a_ratio = b.family("levdyn_asset_oi_change_ratio", "Asset open-interest change ratio.",
                           MetricType::Gauge);
  auto& a_vel = b.family("levdyn_asset_oi_velocity_usd_per_second",
                         "Asset open-interest velocity in USD per second.", MetricType::Gauge);
  auto& a_liq = b.family("levdyn_asset_liquidated_usd",
                         "Liquidated notional in USD over the window by liquidated position.",
                         MetricType::Gauge);
  auto& a_rate =
      b.family("levdyn_asset_liquidation_rate_usd_per_second",
               "Asset liquidated notional per second over the window.", MetricType::Gauge);
  auto& a_l2oi = b.family("levdyn_asset_liquidations_to_oi_ratio",
                          "Liquidations over the window as a share of OI at the window start.",
                          MetricType::Gauge);
  auto& a_turn = b.family("levdyn_asset_turnover", "Traded notional over the window divided by OI.",
                          MetricType::Gauge);
  auto& a_int =
      b.family("levdyn_liquidation_intensity",
               "Hawkes intensity of liquidation arrivals (per second).", MetricType::Gauge);
  auto& a_eta = b.family("levdyn_liquidation_branching_ratio",
                         "Hawkes branching ratio (alpha/beta); absent when too few events.",
                         MetricType::Gauge);
  auto& a_casc = b.family("levdyn_cascade_active", "1 while a liquidation cascade is active.",
                          MetricType::Gauge);
  auto& a_ctot = b.family("levdyn_cascades_total", "Liquidation cascade episodes started.",
                          MetricType::Counter);
  core::AssetMetrics a;
  for (std::size_t i = 0; i < table.asset_count(); ++i) {
    if (!st.asset(static_cast<core::AssetId>(i), a) || !a.has_data) continue;
    const std::vector<ClientMetric::Label> l = {{"asset", std::string(table.asset_name(a.asset))}};
    auto with = [&](std::vector<ClientMetric::Label> extra) {
      std::vector<ClientMetric::Label> copy;
      copy.reserve(l.size() + extra.size());
      copy.insert(copy.end(), l.begin(), l.end());
      copy.insert(copy.end(), std::make_move_iterator(extra.begin()),
                  std::make_move_iterator(extra.end()));
      return copy;
    };
    gauge(a_oi, l, a.oi_usd);
    gauge(a_fw, l, a.funding_oi_weighted);
    gauge(a_fm, l, a.funding_mean);
    gauge(a_int, l, a.intensity);
    gauge(a_eta, l, a.branching_ratio);
    gauge(a_casc, l, a.cascade_active ? 1 : 0);
    counter(a_ctot, l, static_cast<double>(a.cascades_total));
    for (int w = 0; w < a.window_count; ++w) {
      const std::string label = window_label(st.window_ns(w));
      gauge(a_ratio, with({{"window", label}}), a.windows[w].oi_change_pct);
      gauge(a_vel, with({{"window", label}}), a.windows[w].oi_velocity_usd_s);
      gauge(a_liq, with({{"position", "long"}, {"window", label}}), a.windows[w].liq_long_usd);
      gauge(a_liq, with({{"position", "short"}, {"window", label}}), a.windows[w].liq_short_usd);
      gauge(a_rate, with({{"window", label}}), a.windows[w].liq_rate_usd_s);
      gauge(a_l2oi, with({{"window", label}}), a.windows[w].liq_to_oi);
      gauge(a_turn, with({{"window", label}}), a.windows[w].turnover);
    }
  }

  // ---- feeds ----
  if (src_.feeds != nullptr) {
    auto& up = b.family("levdyn_feed_connected", "1 when every connection of the venue is up.",
                        MetricType::Gauge);
    auto& msgs =
        b.family("levdyn_feed_messages_total", "Frames received by channel.", MetricType::Counter);
    auto& evs =
        b.family("levdyn_feed_events_total", "Normalized events produced.", MetricType::Counter);
    auto& errs = b.family("levdyn_feed_decode_errors_total", "Frames rejected by the decoder.",
                          MetricType::Counter);
    auto& rec = b.family("levdyn_feed_reconnects_total", "Connection losses by reason.",
                         MetricType::Counter);
    auto& age = b.family("levdyn_feed_last_message_age_seconds",
                         "Seconds since the venue's last frame.", MetricType::Gauge);
    auto& avail = b.family("levdyn_feed_liquidations_available",
                           "1 when the venue publishes liquidations publicly, 0 when it does not.",
                           MetricType::Gauge);
    auto& pings =
        b.family("levdyn_feed_pings_total", "Heartbeats and pings sent.", MetricType::Counter);
    auto& qfull = b.family("levdyn_feed_queue_full_total",
                           "Times the venue's feed paused reading because the ring was full.",
                           MetricType::Counter);
    auto& rest = b.family("levdyn_rest_requests_total", "REST requests sent.", MetricType::Counter);
    auto& rest_err =
        b.family("levdyn_rest_errors_total", "REST requests that failed.", MetricType::Counter);
    auto& rest_rl = b.family("levdyn_rest_rate_limited_total",
                             "REST answers 429/418 (rate limited).", MetricType::Counter);
    for (const auto& v : src_.feeds->venues) {
      if (!v.enabled) continue;
      const std::vector<ClientMetric::Label> l = {{"venue", std::string(core::to_string(v.venue))}};
      gauge(up, l, v.connected() ? 1 : 0);
      for (int c = 0; c < feed::kMsgChannelCount; ++c) {
        auto lc = l;
        lc.push_back({"channel", std::string(feed::to_string(static_cast<feed::MsgChannel>(c)))});
        counter(msgs, lc, static_cast<double>(v.messages[c].load(std::memory_order_relaxed)));
      }
      counter(evs, l, static_cast<double>(v.events.load(std::memory_order_relaxed)));
      counter(errs, l, static_cast<double>(v.decode_errors_total()));
      for (int r = 0; r < feed::kReasonCount; ++r) {
        const auto reason = static_cast<core::FeedReason>(r);
        if (reason == core::FeedReason::kNone || reason == core::FeedReason::kConnected) continue;
        auto lr = l;
        lr.push_back({"reason", std::string(core::to_string(reason))});
        counter(rec, lr, static_cast<double>(v.reconnects[r].load(std::memory_order_relaxed)));
      }
      const std::int64_t last = v.last_message_steady_ns.load(std::memory_order_relaxed);
      if (last != 0) gauge(age, l, static_cast<double>(steady_now_ns - last) / 1e9);
      gauge(avail, l, v.liquidations_available ? 1 : 0);
      counter(pings, l, static_cast<double>(v.pings_sent.load(std::memory_order_relaxed)));
      counter(qfull, l, static_cast<double>(v.queue_full.load(std::memory_order_relaxed)));
      counter(rest, l, static_cast<double>(v.rest_requests.load(std::memory_order_relaxed)));
      counter(rest_err, l, static_cast<double>(v.rest_errors.load(std::memory_order_relaxed)));
      counter(rest_rl, l, static_cast<double>(v.rest_rate_limited.load(std::memory_order_relaxed)));
    }
    counter(b.family("levdyn_queue_full_total",
                     "Times a feed found its ring full and paused reading (nothing is dropped).",
                     MetricType::Counter),
            {}, static_cast<double>(src_.feeds->queue_full_total.load(std::memory_order_relaxed)));
  }
  if (src_.queue_depth) {
    gauge(b.family("levdyn_queue_depth", "Events waiting in the feed-to-engine rings.",
                   MetricType::Gauge),
          {}, static_cast<double>(src_.queue_depth()));
  }
  if (src_.capture) {
    const CaptureCounts c = src_.capture();
    counter(b.family("levdyn_capture_frames_total", "Frames written to capture files.",
                     MetricType::Counter),
            {}, static_cast<double>(c.frames));
    counter(b.family("levdyn_capture_dropped_frames_total",
                     "Frames not recorded because the recorder's ring was full (the feed never "
                     "waits for the recorder).",
                     MetricType::Counter),
            {}, static_cast<double>(c.dropped));
    counter(b.family("levdyn_capture_write_errors_total",
                     "Capture file open, write, flush or close errors.", MetricType::Counter),
            {}, static_cast<double>(c.write_errors));
  }
  if (src_.pipeline_latency != nullptr) {
    histogram(b.family("levdyn_pipeline_latency_seconds",
                       "Latency from frame read to metric published.", MetricType::Histogram),
              *src_.pipeline_latency);
  }
  if (src_.exchange_lag != nullptr) {
    histogram(b.family("levdyn_exchange_lag_seconds",
                       "Receive time minus exchange timestamp (0 when the clocks disagree).",
                       MetricType::Histogram),
              *src_.exchange_lag);
  }

  // ---- HTTP ----
  if (src_.http != nullptr) {
    auto& req = b.family("levdyn_http_requests_total",
                         "HTTP requests by route template and status.", MetricType::Counter);
    for (const auto& [k, v] : src_.http->requests) {
      counter(req, {{"route", k.first}, {"code", std::to_string(k.second)}},
              static_cast<double>(v));
    }
    gauge(b.family("levdyn_http_connections", "Open HTTP connections.", MetricType::Gauge), {},
          static_cast<double>(src_.http->connections_open));
    counter(b.family("levdyn_http_connections_rejected_total",
                     "Connections closed at accept because http.max_connections was reached.",
                     MetricType::Counter),
            {}, static_cast<double>(src_.http->connections_rejected));
    gauge(b.family("levdyn_stream_clients", "Connected push-stream clients.", MetricType::Gauge),
          {}, static_cast<double>(src_.http->stream_clients));
    counter(b.family("levdyn_stream_clients_dropped_total",
                     "Push-stream clients closed for falling behind.", MetricType::Counter),
            {}, static_cast<double>(src_.http->stream_clients_dropped));
    counter(b.family("levdyn_stream_messages_total", "Push-stream messages queued.",
                     MetricType::Counter),
            {}, static_cast<double>(src_.http->stream_messages));
  }

  // ---- build and process ----
  gauge(b.family("levdyn_build_info", "levdyn build information.", MetricType::Gauge),
        {{"version", src_.version}}, 1);
  const ProcessStats p = read_process();
  gauge(b.family("process_resident_memory_bytes", "Resident memory size in bytes.",
                 MetricType::Gauge),
        {}, p.rss_bytes);
  gauge(
      b.family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge),
      {}, p.vsize_bytes);
  counter(b.family("process_cpu_seconds_total", "User and system CPU time in seconds.",
                   MetricType::Counter),
          {}, std::isfinite(p.cpu_seconds) ? p.cpu_seconds : 0);
  gauge(b.family("process_start_time_seconds", "Start time of the process since the epoch.",
                 MetricType::Gauge),
        {}, static_cast<double>(start_time_s_));
  gauge(b.family("process_open_fds", "Open file descriptors.", MetricType::Gauge), {}, p.open_fds);
  gauge(b.family("process_max_fds", "Maximum open file descriptors.", MetricType::Gauge), {},
        p.max_fds);
  return {std::make_move_iterator(b.families.begin()), std::make_move_iterator(b.families.end())};
}

namespace {

// The text exposition format 0.0.4, written straight into the reused buffer with
// std::to_chars (prometheus-cpp's TextSerializer goes through an ostringstream with
// locale-aware formatting, which measured at about half of a scrape's cost).
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

void append_labels(std::string& out, const std::vector<ClientMetric::Label>& labels,
                   const char* extra_name = nullptr, double extra_value = 0) {
  if (labels.empty() && extra_name == nullptr) return;
  out += '{';
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out += ',';
    first = false;
    out += l.name;
    out += "=\"";
    append_escaped(out, l.value, true);
    out += '"';
  }
  if (extra_name != nullptr) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    append_value(out, extra_value);
    out += '"';
  }
  out += '}';
}

void append_sample(std::string& out, const std::string& name, const char* suffix,
                   const std::vector<ClientMetric::Label>& labels, double v,
                   const char* extra_name = nullptr, double extra_value = 0) {
  out += name;
  out += suffix;
  append_labels(out, labels, extra_name, extra_value);
  out += ' ';
  append_value(out, v);
  out += '\n';
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

}  // namespace

void write_text_exposition(std::string& out, const std::vector<MetricFamily>& families) {
  for (const auto& f : families) {
    out += "# HELP ";
    out += f.name;
    out += ' ';
    append_escaped(out, f.help, false);
    out += "\n# TYPE ";
    out += f.name;
    out += ' ';
    out += type_name(f.type);
    out += '\n';
    for (const auto& m : f.metric) {
      switch (f.type) {
        case MetricType::Counter:
          append_sample(out, f.name, "", m.label, m.counter.value);
          break;
        case MetricType::Gauge:
          append_sample(out, f.name, "", m.label, m.gauge.value);
          break;
        case MetricType::Histogram:
          for (const auto& b : m.histogram.bucket) {
            append_sample(out, f.name, "_bucket", m.label, static_cast<double>(b.cumulative_count),
                          "le", b.upper_bound);
          }
          append_sample(out, f.name, "_sum", m.label, m.histogram.sample_sum);
          append_sample(out, f.name, "_count", m.label,
                        static_cast<double>(m.histogram.sample_count));
          break;
        case MetricType::Summary:
          for (const auto& q : m.summary.quantile) {
            append_sample(out, f.name, "", m.label, q.value, "quantile", q.quantile);
          }
          append_sample(out, f.name, "_sum", m.label, m.summary.sample_sum);
          append_sample(out, f.name, "_count", m.label,
                        static_cast<double>(m.summary.sample_count));
          break;
        default:
          append_sample(out, f.name, "", m.label, m.untyped.value);
          break;
      }
    }
  }
}

void Exposition::render(std::string& out, std::int64_t wall_now_ns,
                        std::int64_t steady_now_ns) const {
  out.clear();
  write_text_exposition(out, collect(wall_now_ns, steady_now_ns));
}

}  // namespace levdyn::http
