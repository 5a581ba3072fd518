#pragma once

// The feed's settings and its raw-frame tap, without the session's Asio and Beast headers:
// the config loader and the recorder use them, and are compiled and linked without Asio.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/events.h"
#include "service/venues/codec.h"

namespace levdyn::feed {

/// TLS settings (DESIGN §6 `tls`).
struct TlsSettings {
  bool verify = true;
  std::string ca_file;  // extra trusted CAs (tests, proxies); empty = system store only
};

/// Timeouts and limits shared by every session.
struct FeedTuning {
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds close_timeout{1'000};
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30'000};
  std::size_t max_frame_bytes = 4u << 20;
  std::size_t max_rest_body_bytes = 8u << 20;
};

/// A raw frame as received, for the recorder. `payload` is valid only during the call.
struct RawFrame {
  core::Venue venue;
  std::uint16_t connection;
  venues::Channel channel;
  bool status;  // a feed up/down transition rather than venue data
  bool up;      // with status
  std::int64_t recv_wall_ns;
  std::int64_t recv_steady_ns;
  std::string_view payload;
};
using FrameTap = std::function<void(const RawFrame&)>;

}  // namespace levdyn::feed
