// Proves the codecs decode warm frames without touching the heap: every shared fixture of every
// venue is decoded until each codec's buffers (simdjson document, output vector, caches) have
// grown, then decoded again under a counting global operator new.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/instrument_table.h"
#include "service/venues/codec.h"
#include "service/venues/metadata.h"
#include "tests/support/counting_new.h"

namespace levdyn::venues {
namespace {

struct Frame {
  std::string text;
  Channel channel;
};

std::vector<Frame> fixtures(core::Venue venue) {
  std::vector<Frame> out;
  const std::string dir =
      std::string(LEVDYN_SHARED_DIR) + "/fixtures/" + std::string(core::to_string(venue));
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string name = p.filename().string();
    const bool rest = name.find("rest") != std::string::npos;
    out.push_back({ss.str(), rest ? Channel::kRest : Channel::kWs});
  }
  return out;
}

class CodecNoAllocation : public testing::TestWithParam<int> {};

TEST_P(CodecNoAllocation, WarmFixturesDecodeWithoutAllocating) {
  const auto venue = static_cast<core::Venue>(GetParam());
  core::InstrumentTable table;
  for (const auto& spec : bundled_instruments(venue)) table.add(spec);
  const auto codec = make_codec(default_settings(venue), table);
  ASSERT_NE(codec, nullptr);
  codec->on_connected(0);
  const auto frames = fixtures(venue);
  ASSERT_FALSE(frames.empty());
  std::vector<core::NormalizedEvent> out;
  out.reserve(1024);
  std::string reply;
  reply.reserve(4096);
  std::size_t events = 0;
  auto round = [&] {
    for (const auto& f : frames) {
      FrameMeta meta;
      meta.channel = f.channel;
      meta.recv_wall_ns = meta.recv_steady_ns = 1'700'000'000'000'000'000;
      out.clear();
      reply.clear();
      (void)codec->decode(f.text, meta, out, reply);
      events += out.size();
    }
  };
  for (int i = 0; i < 3; ++i) round();
  long allocations = 0;
  {
    testing_support::CountAllocations count;
    for (int i = 0; i < 3; ++i) round();
    allocations = count.count();
  }
  EXPECT_EQ(allocations, 0) << core::to_string(venue);
  EXPECT_GT(events, 0u) << core::to_string(venue);
}

INSTANTIATE_TEST_SUITE_P(AllVenues, CodecNoAllocation, testing::Range(0, core::kVenueCount),
                         [](const testing::TestParamInfo<int>& p) {
                           return std::string(core::to_string(static_cast<core::Venue>(p.param)));
                         });

}  // namespace
}  // namespace levdyn::venues
