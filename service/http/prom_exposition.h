#pragma once

// /metrics: Prometheus text exposition of levdyn's results and health (DESIGN §6 names), built
// at scrape time from the engine's published seqlocks and the feed counters — a scrape reads,
// it never locks anything the feed or engine threads take. render() writes the text format
// straight into reused per-family buffers (an instrument's labels escaped once per scrape,
// numbers with std::to_chars); collect() builds the same families as prometheus-cpp's model.

#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/published_state.h"
#include "service/feed/feed_stats.h"
#include "service/feed/latency_histogram.h"

namespace levdyn::http {

/// Counters kept by the HTTP thread itself.
struct HttpCounters {
  std::map<std::pair<std::string, int>, std::uint64_t> requests;  // (route, code) -> count
  std::uint64_t connections_open = 0;
  std::uint64_t connections_rejected = 0;
  std::uint64_t stream_clients = 0;
  std::uint64_t stream_clients_dropped = 0;
  std::uint64_t stream_messages = 0;
};

/// The capture recorder's counters (serve/demo --record).
struct CaptureCounts {
  std::uint64_t frames = 0;
  std::uint64_t dropped = 0;
  std::uint64_t write_errors = 0;
};

struct ExpositionSources {
  const core::PublishedState* state = nullptr;
  const feed::FeedStats* feeds = nullptr;
  const feed::LatencyHistogram* pipeline_latency = nullptr;
  const feed::LatencyHistogram* exchange_lag = nullptr;
  std::function<std::size_t()> queue_depth;  // optional
  std::function<CaptureCounts()> capture;    // optional: only when recording
  const HttpCounters* http = nullptr;
  std::string version = "0.0.0";
};

/// Writes `families` in the Prometheus text format 0.0.4 (appends to `out`).
void write_text_exposition(std::string& out, const std::vector<prometheus::MetricFamily>& families);

/// Not thread-safe: one per HTTP thread.
class Exposition {
 public:
  explicit Exposition(ExpositionSources sources);

  /// Builds every family at `wall_now_ns` / `steady_now_ns` as prometheus-cpp's model; render()
  /// writes exactly write_text_exposition(collect(...)) without building it.
  [[nodiscard]] std::vector<prometheus::MetricFamily> collect(std::int64_t wall_now_ns,
                                                              std::int64_t steady_now_ns) const;
  /// Renders the text format into `out` (cleared first).
  void render(std::string& out, std::int64_t wall_now_ns, std::int64_t steady_now_ns) const;

 private:
  ExpositionSources src_;
  std::int64_t start_time_s_;
  // render()'s per-family text, kept between scrapes so a scrape reuses their capacity.
  mutable std::vector<std::string> buffers_;
  mutable std::vector<std::string_view> names_;
};

}  // namespace levdyn::http
