#pragma once

// The reference reading of a capture frame record, for the test and the fuzz target that check
// capture::CaptureReader::read_frame: protobuf's generated v1::Frame::ParseFromArray, then the
// reader's venue and connection checks.

#include <cstddef>
#include <cstdint>

#include "core/events.h"
#include "levdyn/v1/capture.pb.h"
#include "service/capture/recorded_frame.h"

namespace levdyn::test {

inline bool reference_read_frame(const void* data, std::size_t size, capture::RecordedFrame& out) {
  v1::Frame f;
  if (!f.ParseFromArray(data, static_cast<int>(size)) || !core::parse_venue(f.venue(), out.venue) ||
      f.connection() > 0xffff) {
    return false;
  }
  out.connection = static_cast<std::uint16_t>(f.connection());
  out.channel = f.channel() == v1::CHANNEL_REST       ? capture::FrameChannel::kRest
                : f.channel() == v1::CHANNEL_STATUS   ? capture::FrameChannel::kStatus
                : f.channel() == v1::CHANNEL_SPEC     ? capture::FrameChannel::kSpec
                : f.channel() == v1::CHANNEL_SETTINGS ? capture::FrameChannel::kSettings
                                                      : capture::FrameChannel::kWs;
  out.recv_wall_ns = f.recv_wall_ns();
  out.recv_steady_ns = f.recv_steady_ns();
  out.payload = f.payload();
  return true;
}

}  // namespace levdyn::test
