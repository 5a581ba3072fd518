// Fuzz target of the capture reader's frame records (capture::CaptureReader::read_frame).
//
// The input is one record, a serialized v1::Frame. read_frame must accept exactly what the
// generated v1::Frame::ParseFromArray accepts (with the reader's venue and connection checks)
// and read the same fields; an accepted frame, written again by the generated serializer,
// must read back equal.

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/events.h"
#include "levdyn/v1/capture.pb.h"
#include "service/capture/capture_reader.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/frame_reference.h"

namespace {

using namespace levdyn;

bool same(const capture::RecordedFrame& a, const capture::RecordedFrame& b) {
  return a.venue == b.venue && a.connection == b.connection && a.channel == b.channel &&
         a.recv_wall_ns == b.recv_wall_ns && a.recv_steady_ns == b.recv_steady_ns &&
         a.payload == b.payload;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1u << 20)) return 0;
  static const google::protobuf::LogSilencer quiet;  // the generated parser logs bad UTF-8
  capture::RecordedFrame got;
  capture::RecordedFrame expected;
  const bool ok =
      capture::CaptureReader::read_frame(reinterpret_cast<const char*>(data), size, got);
  LEVDYN_FUZZ_CHECK(ok == test::reference_read_frame(data, size, expected));
  if (!ok) return 0;
  LEVDYN_FUZZ_CHECK(same(got, expected));
  v1::Frame f;
  f.set_venue(std::string(core::to_string(got.venue)));
  f.set_connection(got.connection);
  f.set_channel(got.channel == capture::FrameChannel::kRest       ? v1::CHANNEL_REST
                : got.channel == capture::FrameChannel::kStatus   ? v1::CHANNEL_STATUS
                : got.channel == capture::FrameChannel::kSpec     ? v1::CHANNEL_SPEC
                : got.channel == capture::FrameChannel::kSettings ? v1::CHANNEL_SETTINGS
                                                                  : v1::CHANNEL_WS);
  f.set_recv_wall_ns(got.recv_wall_ns);
  f.set_recv_steady_ns(got.recv_steady_ns);
  f.set_payload(got.payload);
  const std::string again = f.SerializeAsString();
  capture::RecordedFrame back;
  LEVDYN_FUZZ_CHECK(capture::CaptureReader::read_frame(again.data(), again.size(), back));
  LEVDYN_FUZZ_CHECK(same(back, got));
  return 0;
}
