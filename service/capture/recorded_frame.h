#pragma once

// One raw frame as recorded: what the capture files and the JSONL frames both carry, and what
// replay feeds to the codecs.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/events.h"
#include "service/venues/codec.h"

namespace levdyn::capture {

enum class FrameChannel : std::uint8_t {
  kWs,        // a WebSocket message
  kRest,      // a REST response body
  kStatus,    // a feed transition; payload "up" or "down <reason>"
  kSpec,      // a contract spec the recording used (service/capture/spec_frame.h)
  kSettings,  // the settings the recording ran with (app::settings_payload)
};

/// Each channel's name in JSONL frames ("channel"), by FrameChannel.
inline constexpr std::array<std::string_view, 5> kChannelNames = {"ws", "rest", "status", "spec",
                                                                  "settings"};

[[nodiscard]] inline std::string_view to_string(FrameChannel c) noexcept {
  return kChannelNames[static_cast<std::size_t>(c)];
}

/// The channel named `name` (kChannelNames); false for any other name.
[[nodiscard]] inline bool parse_channel(std::string_view name, FrameChannel& out) noexcept {
  for (std::size_t i = 0; i < kChannelNames.size(); ++i) {
    if (kChannelNames[i] == name) {
      out = static_cast<FrameChannel>(i);
      return true;
    }
  }
  return false;
}

struct RecordedFrame {
  core::Venue venue = core::Venue::kBinance;
  std::uint16_t connection = 0;
  FrameChannel channel = FrameChannel::kWs;
  std::int64_t recv_wall_ns = 0;
  std::int64_t recv_steady_ns = 0;
  std::string payload;
};

/// The codec's view of a market-data frame's channel (status, spec and settings frames are not
/// decoded).
[[nodiscard]] inline venues::Channel codec_channel(FrameChannel c) noexcept {
  return c == FrameChannel::kRest ? venues::Channel::kRest : venues::Channel::kWs;
}

/// A status frame's payload is "up…" for a connection coming up, anything else is down.
[[nodiscard]] inline bool status_is_up(std::string_view payload) noexcept {
  return payload.rfind("up", 0) == 0 || payload == "connected";
}

}  // namespace levdyn::capture
