// /metrics render at 10 k series (sample lines): levdyn's exposition (built from the
// engine's published snapshot) beside stock prometheus-cpp (Registry + Family<Gauge> +
// TextSerializer) holding the same series, in the same run.
#include <benchmark/benchmark.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <memory>
#include <string>

#include "core/engine.h"
#include "service/feed/feed_stats.h"
#include "service/feed/latency_histogram.h"
#include "service/http/prom_exposition.h"

namespace {

using namespace levdyn;

constexpr int kInstruments = 610;  // ~16 series each, plus assets and feeds → ~10 k series

struct Published {
  core::InstrumentTable table;
  core::EngineConfig cfg;
  std::unique_ptr<core::PublishedState> state;
  std::unique_ptr<core::Engine> engine;
  feed::FeedStats feeds;
  feed::LatencyHistogram latency, lag;
  Published() {
    for (int i = 0; i < kInstruments; ++i) {
      core::InstrumentSpec s;
      s.symbol = "SYM" + std::to_string(i) + "USDT";
      s.asset = "A" + std::to_string(i % 40);
      table.add(s);
    }
    state = std::make_unique<core::PublishedState>(table, 4, cfg.windows_ns.data());
    engine = std::make_unique<core::Engine>(cfg, table, *state);
    std::int64_t t = 1'700'000'000'000'000'000;
    for (int k = 0; k < 5; ++k) {
      for (int i = 0; i < kInstruments; ++i) {
        t += 1'000'000;
        core::NormalizedEvent e{};
        e.exchange_ts_ns = e.recv_wall_ns = t;
        e.instrument = static_cast<core::InstrumentId>(i);
        e.type = core::EventType::kOpenInterest;
        e.oi = {core::kAbsent, 1000.0 + k, 1e6 + k, core::OiSource::kWs};
        engine->apply(e);
        e.type = core::EventType::kMarkPrice;
        e.mark = {};
        e.mark.mark = 100 + k;
        e.mark.index = core::kAbsent;
        e.mark.funding_rate = 1e-4;
        e.mark.funding_interval_s = 8 * 3600;
        engine->apply(e);
        e.type = core::EventType::kTrade;
        e.trade = {100.0 + k, 1.0, 100.0 + k, core::Side::kBuy};
        engine->apply(e);
      }
    }
    engine->publish(t, true);
  }
};

// Sample lines: every line but the # HELP and # TYPE comments.
std::size_t count_series(const std::string& text) {
  std::size_t n = 0;
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t end = text.find('\n', at);
    if (text[at] != '#') ++n;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return n;
}

void BM_Metrics_Levdyn(benchmark::State& state) {
  static Published p;
  http::ExpositionSources src;
  src.state = p.state.get();
  src.feeds = &p.feeds;
  src.pipeline_latency = &p.latency;
  src.exchange_lag = &p.lag;
  http::Exposition expo(src);
  std::string out;
  for (auto _ : state) {
    expo.render(out, 1'700'000'001'000'000'000, 1);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["series"] = static_cast<double>(count_series(out));
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_Metrics_Levdyn)->Unit(benchmark::kMicrosecond)->Repetitions(5)
    ->ReportAggregatesOnly(true);

// Stock prometheus-cpp holding the same number of series with the same label sets.
void BM_Metrics_StockPrometheusCpp(benchmark::State& state) {
  static Published p;
  http::ExpositionSources src;
  src.state = p.state.get();
  src.feeds = &p.feeds;
  src.pipeline_latency = &p.latency;
  src.exchange_lag = &p.lag;
  http::Exposition expo(src);
  // Mirror every family/series levdyn renders into a stock Registry as gauges.
  auto registry = std::make_shared<prometheus::Registry>();
  for (const auto& fam : expo.collect(1'700'000'001'000'000'000, 1)) {
    auto& f = prometheus::BuildGauge().Name(fam.name).Help(fam.help).Register(*registry);
    for (const auto& m : fam.metric) {
      std::map<std::string, std::string> labels;
      for (const auto& l : m.label) labels[l.name] = l.value;
      f.Add(labels).Set(m.gauge.value);
    }
  }
  prometheus::TextSerializer serializer;
  std::string out;
  for (auto _ : state) {
    out = serializer.Serialize(registry->Collect());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["series"] = static_cast<double>(count_series(out));
}
BENCHMARK(BM_Metrics_StockPrometheusCpp)->Unit(benchmark::kMicrosecond)->Repetitions(5)
    ->ReportAggregatesOnly(true);

}  // namespace
