#pragma once

// Wires the HTTP server to the service: the API context (published state, feed counters,
// readiness) and the /metrics exposition.

#include <functional>
#include <memory>
#include <string>

#include "core/published_state.h"
#include "service/app/config.h"
#include "service/app/engine_runner.h"
#include "service/feed/feed_stats.h"
#include "service/feed/latency_histogram.h"
#include "service/http/prom_exposition.h"
#include "service/http/server.h"

namespace levdyn::app {

class HttpFrontend {
 public:
  HttpFrontend(const Config& config, const core::PublishedState& state,
               const feed::FeedStats& feeds, const feed::LatencyHistogram& pipeline,
               const feed::LatencyHistogram& exchange_lag, const EngineRunner& runner,
               std::function<http::CaptureCounts()> capture = {});
  /// Without an engine thread (replay --serve): the queue depth and readiness as functions.
  HttpFrontend(const Config& config, const core::PublishedState& state,
               const feed::FeedStats& feeds, const feed::LatencyHistogram& pipeline,
               const feed::LatencyHistogram& exchange_lag,
               std::function<std::size_t()> queue_depth,
               std::function<bool(std::string& why_not)> ready,
               std::function<http::CaptureCounts()> capture = {});

  void start();
  void stop_accepting() { server_->stop_accepting(); }
  void stop() { server_->stop(); }
  [[nodiscard]] std::uint16_t port() const noexcept { return server_->port(); }

 private:
  std::unique_ptr<http::Exposition> exposition_;
  http::ApiContext context_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace levdyn::app
