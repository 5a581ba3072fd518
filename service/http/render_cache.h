#pragma once

// Rendered JSON bodies of GET /v1/assets/{asset} and GET /v1/instruments/{venue}/{symbol},
// reused while the published values they were rendered from are unchanged. The engine
// republishes an asset every 100 ms and an instrument after each batch that touched it, while
// clients may ask thousands of times a second; formatting the ~100 numbers of a body is most of
// what such a request costs.
//
// Validity is exact, never time-based: an entry keeps a copy of the AssetMetrics or
// InstrumentMetrics it was rendered from, and its body is reused only when the value a request
// has just loaded from the seqlock is bytewise equal to it — and, for an asset whose cascade is
// active (the episode's duration is rendered up to PublishedState::as_of_ns()), only at the same
// as_of. Everything else a body reads (names, window labels, contract values) is fixed for the
// life of the process. Entries are keyed by (id, window), so different routes and queries never
// share a body.
//
// Not thread-safe: owned and used by the HTTP thread only. Bodies are immutable and shared, so
// a response being written keeps its body alive after the entry moves on.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.h"
#include "core/published_state.h"

namespace levdyn::http {

class RenderCache {
 public:
  using Body = std::shared_ptr<const std::string>;

  /// The body for `a` (just loaded from `state`); `window_index` < 0: every window.
  [[nodiscard]] Body asset(const core::PublishedState& state, const core::AssetMetrics& a,
                           int window_index);
  /// The body for `m` (just loaded from `state`); `window_index` < 0: every window.
  [[nodiscard]] Body instrument(const core::PublishedState& state,
                                const core::InstrumentMetrics& m, int window_index);

  /// Requests answered from an entry, and bodies rendered (tests, diagnostics).
  [[nodiscard]] std::uint64_t hits() const noexcept { return hits_; }
  [[nodiscard]] std::uint64_t renders() const noexcept { return renders_; }

 private:
  template <typename Metrics>
  struct Entry {
    Metrics metrics;
    std::int64_t as_of_ns = 0;  // compared only when the body depends on it
    bool depends_on_as_of = false;
    Body body;
  };
  template <typename Metrics>
  using Entries = std::vector<std::unique_ptr<Entry<Metrics>>>;

  template <typename Metrics, typename Render>
  Body lookup(Entries<Metrics>& entries, std::size_t id, const core::PublishedState& state,
              const Metrics& m, int window_index, bool depends_on_as_of, Render render);

  Entries<core::AssetMetrics> assets_;            // index: id * (kMaxWindows + 1) + window + 1
  Entries<core::InstrumentMetrics> instruments_;  // same
  std::uint64_t hits_ = 0;
  std::uint64_t renders_ = 0;
};

}  // namespace levdyn::http
