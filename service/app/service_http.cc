#include "service/app/service_http.h"

#include "service/app/version.h"
#include "service/feed/ws_session.h"

namespace levdyn::app {

HttpFrontend::HttpFrontend(const Config& config, const core::PublishedState& state,
                           const feed::FeedStats& feeds, const feed::LatencyHistogram& pipeline,
                           const feed::LatencyHistogram& exchange_lag, const EngineRunner& runner,
                           std::function<http::CaptureCounts()> capture)
    : HttpFrontend(config, state, feeds, pipeline, exchange_lag,
                   [&runner] { return runner.depth(); },
                   [&feeds](std::string& why_not) {
                     for (const auto& v : feeds.venues) {
                       if (v.enabled && v.connections_up.load(std::memory_order_relaxed) > 0) {
                         return true;
                       }
                     }
                     why_not = "no feed is connected yet";
                     return false;
                   },
                   std::move(capture)) {}

HttpFrontend::HttpFrontend(const Config& config, const core::PublishedState& state,
                           const feed::FeedStats& feeds, const feed::LatencyHistogram& pipeline,
                           const feed::LatencyHistogram& exchange_lag,
                           std::function<std::size_t()> queue_depth,
                           std::function<bool(std::string& why_not)> ready,
                           std::function<http::CaptureCounts()> capture) {
  http::ServerConfig sc;
  sc.listen = config.http.listen;
  sc.max_connections = config.http.max_connections;
  sc.idle_timeout = config.http.idle_timeout;
  sc.header_timeout = config.http.header_timeout;
  sc.max_header_bytes = config.http.max_header_bytes;
  sc.max_body_bytes = config.http.max_body_bytes;
  sc.stream_interval = config.stream_interval;

  context_.state = &state;
  context_.feeds = &feeds;
  context_.wall_now_ns = [] { return feed::wall_now_ns(); };
  context_.steady_now_ns = [] { return feed::steady_now_ns(); };
  context_.ready = std::move(ready);
  server_ = std::make_unique<http::Server>(sc, context_);
  http::ExpositionSources src;
  src.state = &state;
  src.feeds = &feeds;
  src.pipeline_latency = &pipeline;
  src.exchange_lag = &exchange_lag;
  src.queue_depth = std::move(queue_depth);
  src.capture = std::move(capture);
  src.http = &server_->counters();
  src.version = version();
  exposition_ = std::make_unique<http::Exposition>(std::move(src));
  server_->context().exposition = exposition_.get();
}

void HttpFrontend::start() { server_->start(); }

}  // namespace levdyn::app
