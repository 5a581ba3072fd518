#pragma once

// JSON renderings of the published results (DESIGN §6), shared by the REST routes, the push
// stream and `levdyn replay`. Deterministic: fixed key order, shortest round-trip numbers,
// null for absent values.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/metrics.h"
#include "core/published_state.h"
#include "service/feed/feed_stats.h"

namespace levdyn::http {

/// "1m", "5m", "1h", "90s", "250ms".
[[nodiscard]] std::string window_label(std::int64_t window_ns);
/// Parses a window label back; -1 when malformed.
[[nodiscard]] std::int64_t parse_window_label(std::string_view label) noexcept;

/// `window_index` < 0: every window; else only that one.
void append_instrument(std::string& out, const core::PublishedState& state,
                       const core::InstrumentMetrics& m, int window_index);
void append_instrument_info(std::string& out, const core::InstrumentInfo& info);
void append_asset(std::string& out, const core::PublishedState& state, const core::AssetMetrics& a,
                  int window_index);
void append_cascade(std::string& out, const core::PublishedState& state,
                    const core::CascadeRecord& c);
void append_feed(std::string& out, const feed::VenueFeedStats& v, std::int64_t steady_now_ns);
void append_venue_list(std::string& out, std::uint8_t mask);

}  // namespace levdyn::http
