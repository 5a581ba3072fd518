// The /metrics text writer: the exact text of each metric type, label escaping, absent values
// and families with no samples (HELP/TYPE only, as prometheus-cpp writes them); and a scrape's
// direct text (Exposition::render) against the text of the families it collects.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/engine.h"
#include "service/http/prom_exposition.h"

namespace levdyn::http {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

TEST(PromText, EveryTypeEscapingAndEmptyFamilies) {
  std::vector<MetricFamily> f;
  f.push_back({"levdyn_x_total", "Counts \\ things\nacross lines.", MetricType::Counter, {}});
  ClientMetric c;
  c.label = {{"venue", "bin\"an\\ce\n"}, {"symbol", "BTCUSDT"}};
  c.counter.value = 42;
  f.back().metric.push_back(c);
  f.push_back({"levdyn_g", "A gauge.", MetricType::Gauge, {}});
  ClientMetric g;
  g.gauge.value = 0.125;
  f.back().metric.push_back(g);
  f.push_back({"levdyn_empty", "No samples yet.", MetricType::Gauge, {}});
  f.push_back({"levdyn_h_seconds", "A histogram.", MetricType::Histogram, {}});
  ClientMetric h;
  h.histogram.sample_count = 3;
  h.histogram.sample_sum = 1.5;
  h.histogram.bucket = {{1, 0.001}, {3, std::numeric_limits<double>::infinity()}};
  f.back().metric.push_back(h);

  std::string out = "keep:";
  write_text_exposition(out, f);
  EXPECT_EQ(out,
            "keep:"
            "# HELP levdyn_x_total Counts \\\\ things\\nacross lines.\n"
            "# TYPE levdyn_x_total counter\n"
            "levdyn_x_total{venue=\"bin\\\"an\\\\ce\\n\",symbol=\"BTCUSDT\"} 42\n"
            "# HELP levdyn_g A gauge.\n"
            "# TYPE levdyn_g gauge\n"
            "levdyn_g 0.125\n"
            "# HELP levdyn_empty No samples yet.\n"
            "# TYPE levdyn_empty gauge\n"
            "# HELP levdyn_h_seconds A histogram.\n"
            "# TYPE levdyn_h_seconds histogram\n"
            "levdyn_h_seconds_bucket{le=\"0.001\"} 1\n"
            "levdyn_h_seconds_bucket{le=\"+Inf\"} 3\n"
            "levdyn_h_seconds_sum 1.5\n"
            "levdyn_h_seconds_count 3\n");
}

// Drops the process_* lines: RSS and CPU time move between two reads of /proc.
std::string without_process(const std::string& text) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    if (line.find("process_") != std::string::npos) continue;
    out += line;
    out += '\n';
  }
  return out;
}

// render() writes the text straight into per-family buffers with an instrument's labels
// escaped once; it must say exactly what the families collect() builds say, family by family,
// sample by sample, on a state with every kind of series: venues with and without public
// liquidations, an "_other" bucket, absent values, labels to escape, windows, feeds, HTTP,
// capture and both histograms. A second scrape into the same buffers must not keep the first.
TEST(PromText, RenderWritesWhatCollectBuilds) {
  using namespace levdyn::core;
  InstrumentTable table;
  const Venue venues[] = {Venue::kBinance, Venue::kHyperliquid, Venue::kBitmex, Venue::kOkx};
  for (int i = 0; i < 24; ++i) {
    InstrumentSpec s;
    s.venue = venues[i % 4];
    s.symbol = i == 5 ? "WEIRD\"\\SYM\n" : "SYM" + std::to_string(i);
    s.asset = i == 7 ? "A\"B" : "A" + std::to_string(i % 5);
    s.tracked = i != 9;
    table.add(s);
  }
  EngineConfig cfg;
  PublishedState state(table, static_cast<int>(cfg.windows_ns.size()), cfg.windows_ns.data());
  Engine engine(cfg, table, state);
  std::int64_t t = 1'700'000'000'000'000'000;
  for (int k = 0; k < 6; ++k) {
    for (int i = 0; i < 24; ++i) {
      if (i == 3) continue;  // no data: no series
      t += 7'000'000;
      NormalizedEvent e{};
      e.exchange_ts_ns = e.recv_wall_ns = t;
      e.instrument = static_cast<InstrumentId>(i);
      e.type = EventType::kOpenInterest;
      e.oi = {kAbsent, 1000.0 + k * i, 1e6 + k * 13.5 * i, OiSource::kWs};
      if (i != 11) engine.apply(e);  // an instrument without open interest
      e.type = EventType::kMarkPrice;
      e.mark = {};
      e.mark.mark = i == 13 ? kAbsent : 100 + k + i * 0.01;
      e.mark.index = kAbsent;
      e.mark.funding_rate = 1e-4 * (i - 12);
      e.mark.funding_interval_s = 8 * 3600;
      engine.apply(e);
      e.type = EventType::kTrade;
      e.trade = {100.0 + k, 1.0 / (i + 1), 100.0 + k, k % 2 ? Side::kBuy : Side::kSell};
      engine.apply(e);
      if ((i + k) % 3 == 0) {
        e.type = EventType::kLiquidation;
        e.liq = {100.0 + k,
                 0.5,
                 (100.0 + k) * 0.5,
                 k % 2 ? Position::kLong : Position::kShort,
                 k % 2 ? Side::kSell : Side::kBuy,
                 Completeness::kFull};
        engine.apply(e);
      }
    }
  }
  engine.publish(t, true);

  feed::FeedStats feeds;
  for (const Venue v : venues) {
    auto& f = feeds.of(v);
    f.enabled = true;
    f.liquidations_available = v != Venue::kHyperliquid;
    f.connections_total = 2;
    f.connections_up = v == Venue::kOkx ? 1 : 2;
    f.messages[1] = 12345 + static_cast<int>(v);
    f.reconnects[2] = 3;
    f.last_message_steady_ns = v == Venue::kBitmex ? 0 : 900'000'000;
    f.events = 99;
  }
  feed::LatencyHistogram latency, lag;
  for (int i = 0; i < 1000; ++i) latency.observe(1e-6 * i);
  lag.observe(0.25);
  HttpCounters http;
  http.requests[{"/v1/assets/{asset}", 200}] = 17;
  http.requests[{"/metrics", 200}] = 2;
  http.requests[{"weird\"route", 404}] = 1;
  http.connections_open = 3;

  ExpositionSources src;
  src.state = &state;
  src.feeds = &feeds;
  src.pipeline_latency = &latency;
  src.exchange_lag = &lag;
  src.queue_depth = [] { return std::size_t{42}; };
  src.capture = [] { return CaptureCounts{10, 1, 0}; };
  src.http = &http;
  src.version = "1.2.3\"x";
  Exposition expo(src);

  const std::int64_t wall = t + 2'000'000'000, steady = 1'000'000'000;
  std::string rendered;
  expo.render(rendered, wall, steady);
  std::string built;
  write_text_exposition(built, expo.collect(wall, steady));
  ASSERT_GT(rendered.size(), 10'000u);
  EXPECT_EQ(without_process(rendered), without_process(built));
  EXPECT_NE(rendered.find("symbol=\"WEIRD\\\"\\\\SYM\\n\""), std::string::npos);
  EXPECT_NE(rendered.find("process_max_fds "), std::string::npos);

  // The same scrape again, after the state moved on: the buffers start empty.
  NormalizedEvent e{};
  e.exchange_ts_ns = e.recv_wall_ns = t + 1'000'000'000;
  e.instrument = 3;
  e.type = EventType::kOpenInterest;
  e.oi = {kAbsent, 5.0, 5e5, OiSource::kWs};
  engine.apply(e);
  engine.publish(e.recv_wall_ns, true);
  expo.render(rendered, wall, steady);
  built.clear();
  write_text_exposition(built, expo.collect(wall, steady));
  EXPECT_EQ(without_process(rendered), without_process(built));
  EXPECT_NE(rendered.find("symbol=\"SYM3\""), std::string::npos);
}

/// The value of family `name`'s only sample line in a text exposition; when the family has
/// not exactly one sample, says how many it has.
std::string sole_value(const std::string& text, const std::string& name) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + "{", 0) == 0 || line.rfind(name + " ", 0) == 0) lines.push_back(line);
  }
  if (lines.size() != 1) return std::to_string(lines.size()) + " samples";
  return lines[0].substr(lines[0].rfind(' ') + 1);
}

// A scrape reads its clocks, then the published state: an open-interest update or a frame
// stored in between is newer than the scrape's "now", and its age is 0, never negative.
TEST(PromText, AgesOfUpdatesNewerThanTheScrapeAreZero) {
  using namespace levdyn::core;
  InstrumentTable table;
  InstrumentSpec spec;
  spec.venue = Venue::kDeribit;
  spec.symbol = "BTC-PERPETUAL";
  spec.asset = "BTC";
  table.add(spec);
  EngineConfig cfg;
  PublishedState state(table, static_cast<int>(cfg.windows_ns.size()), cfg.windows_ns.data());
  Engine engine(cfg, table, state);
  const std::int64_t t = 1'700'000'000'000'000'000;
  NormalizedEvent e{};
  e.exchange_ts_ns = e.recv_wall_ns = t;
  e.instrument = 0;
  e.type = EventType::kOpenInterest;
  e.oi = {kAbsent, 1000.0, 1e6, OiSource::kWs};
  engine.apply(e);
  engine.publish(t, true);
  feed::FeedStats feeds;
  feeds.of(Venue::kDeribit).enabled = true;
  feeds.of(Venue::kDeribit).last_message_steady_ns = 5'000'000'000;

  ExpositionSources src;
  src.state = &state;
  src.feeds = &feeds;
  Exposition expo(src);
  for (const std::int64_t behind_ns : {std::int64_t{71'896}, std::int64_t{0}}) {
    std::string text;
    expo.render(text, t - behind_ns, 5'000'000'000 - behind_ns);
    for (const char* name :
         {"levdyn_open_interest_age_seconds", "levdyn_feed_last_message_age_seconds"}) {
      EXPECT_EQ(sole_value(text, name), "0") << name << "\n" << text;
    }
  }
  // And an update older than the scrape has its age.
  std::string text;
  expo.render(text, t + 1'500'000'000, 5'250'000'000);
  EXPECT_EQ(sole_value(text, "levdyn_open_interest_age_seconds"), "1.5");
  EXPECT_EQ(sole_value(text, "levdyn_feed_last_message_age_seconds"), "0.25");
}

}  // namespace
}  // namespace levdyn::http
