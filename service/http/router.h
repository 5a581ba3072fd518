#pragma once

// REST request handling as a free function apart from the socket code (Beast's
// handle_request pattern): method + target in, status + JSON out. DESIGN §6 routes.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/published_state.h"
#include "service/feed/feed_stats.h"
#include "service/http/prom_exposition.h"

namespace levdyn::http {

struct ApiContext {
  const core::PublishedState* state = nullptr;
  const feed::FeedStats* feeds = nullptr;
  const Exposition* exposition = nullptr;
  /// Readiness beyond "HTTP up": true when at least one feed is up or a replay runs.
  std::function<bool(std::string& why_not)> ready;
  std::function<std::int64_t()> wall_now_ns;
  std::function<std::int64_t()> steady_now_ns;
};

class RenderCache;

struct ApiResponse {
  int status = 200;
  std::string_view content_type = "application/json";  // a string literal
  std::string body;
  /// Set instead of `body` when the body comes from a RenderCache (immutable, shared).
  std::shared_ptr<const std::string> shared_body;
  std::string_view route;  // the route template (a literal), for levdyn_http_requests_total
  std::vector<std::pair<std::string, std::string>> headers;

  [[nodiscard]] std::string_view body_view() const noexcept {
    return shared_body ? std::string_view(*shared_body) : std::string_view(body);
  }
};

/// Handles one request. `method` is the HTTP verb; `target` the raw request target. With a
/// `cache` (the HTTP thread's), the per-asset and per-instrument bodies come from it as
/// `shared_body`; without one, every body is rendered into `body`.
[[nodiscard]] ApiResponse route_request(std::string_view method, std::string_view target,
                                        const ApiContext& ctx, RenderCache* cache = nullptr);

/// Percent-decodes `in`; false on a malformed escape.
[[nodiscard]] bool percent_decode(std::string_view in, std::string& out);

/// A JSON error body: {"error":{"code":"…","message":"…"}}.
[[nodiscard]] std::string error_body(std::string_view code, std::string_view message);

}  // namespace levdyn::http
