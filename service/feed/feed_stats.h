#pragma once

// Per-venue feed health counters, written by the feed thread and read by /v1/feeds, /readyz and
// /metrics. Plain relaxed atomics: each counter is independent and readers need no ordering.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "core/events.h"
#include "service/venues/codec.h"

namespace levdyn::feed {

inline constexpr int kReasonCount = static_cast<int>(core::FeedReason::kShutdown) + 1;
inline constexpr int kDecodeStatusCount = static_cast<int>(venues::DecodeStatus::kVenueError) + 1;

/// Message channels counted in levdyn_feed_messages_total{channel}.
enum class MsgChannel : std::uint8_t {
  kLiquidation,
  kTrade,
  kOpenInterest,
  kMarkPrice,
  kControl,
  kUnknown,
};
inline constexpr int kMsgChannelCount = 6;
[[nodiscard]] MsgChannel msg_channel_from_label(std::string_view label) noexcept;
[[nodiscard]] std::string_view to_string(MsgChannel c) noexcept;

/// Counters of one venue. Thread-safety: any thread; all atomics are relaxed.
struct VenueFeedStats {
  core::Venue venue = core::Venue::kBinance;
  bool enabled = false;
  bool liquidations_available = true;
  std::string completeness = "full";        // set once before the feed starts
  std::atomic<int> connections_up{0};       // endpoints currently connected
  std::atomic<int> connections_total{0};    // endpoints configured
  std::atomic<std::int64_t> last_message_wall_ns{0};
  std::atomic<std::int64_t> last_message_steady_ns{0};
  std::atomic<std::uint64_t> messages[kMsgChannelCount] = {};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> decode_errors[kDecodeStatusCount] = {};
  std::atomic<std::uint64_t> reconnects[kReasonCount] = {};
  std::atomic<std::uint64_t> queue_full{0};            // times a push found the ring full
  std::atomic<std::uint64_t> rest_requests{0};
  std::atomic<std::uint64_t> rest_errors{0};
  std::atomic<std::uint64_t> rest_rate_limited{0};     // 429/418 answers
  std::atomic<std::uint64_t> pings_sent{0};
  std::atomic<int> last_down_reason{0};                // core::FeedReason

  [[nodiscard]] bool connected() const noexcept {
    const int total = connections_total.load(std::memory_order_relaxed);
    return total > 0 && connections_up.load(std::memory_order_relaxed) == total;
  }
  /// Nanoseconds since the venue's last frame, or -1 before its first. A feed thread may store
  /// a frame's time after the reader took `steady_now_ns`; that frame is age 0, never negative.
  [[nodiscard]] std::int64_t last_message_age_ns(std::int64_t steady_now_ns) const noexcept {
    const std::int64_t last = last_message_steady_ns.load(std::memory_order_relaxed);
    if (last == 0) return -1;
    return steady_now_ns > last ? steady_now_ns - last : 0;
  }
  [[nodiscard]] std::uint64_t decode_errors_total() const noexcept {
    std::uint64_t n = 0;
    for (int i = 0; i < kDecodeStatusCount; ++i) {
      if (venues::is_error(static_cast<venues::DecodeStatus>(i))) {
        n += decode_errors[i].load(std::memory_order_relaxed);
      }
    }
    return n;
  }
  [[nodiscard]] std::uint64_t messages_total() const noexcept {
    std::uint64_t n = 0;
    for (const auto& m : messages) n += m.load(std::memory_order_relaxed);
    return n;
  }
  [[nodiscard]] std::uint64_t reconnects_total() const noexcept {
    std::uint64_t n = 0;
    for (const auto& r : reconnects) n += r.load(std::memory_order_relaxed);
    return n;
  }
};

/// All venues, indexed by core::Venue.
struct FeedStats {
  std::array<VenueFeedStats, core::kVenueCount> venues;
  std::atomic<std::uint64_t> queue_full_total{0};
  FeedStats() {
    for (int i = 0; i < core::kVenueCount; ++i) venues[i].venue = static_cast<core::Venue>(i);
  }
  [[nodiscard]] VenueFeedStats& of(core::Venue v) noexcept {
    return venues[static_cast<std::size_t>(v)];
  }
  [[nodiscard]] const VenueFeedStats& of(core::Venue v) const noexcept {
    return venues[static_cast<std::size_t>(v)];
  }
};

}  // namespace levdyn::feed
