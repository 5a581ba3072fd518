// The venue registry: every venue dispatches to its own codec, defaults and bundled
// metadata, and the registry's liquidation availability matches each codec.

#include <gtest/gtest.h>

#include <string>

#include "core/instrument_table.h"
#include "service/venues/codec.h"
#include "service/venues/metadata.h"

namespace levdyn::venues {
namespace {

class RegistryTest : public testing::TestWithParam<int> {};

TEST_P(RegistryTest, DefaultsBundledMetadataAndCodecAgree) {
  const auto venue = static_cast<core::Venue>(GetParam());
  const VenueSettings s = default_settings(venue);
  EXPECT_EQ(s.venue, venue);
  EXPECT_EQ(s.ws_url.rfind("wss://", 0), 0u) << s.ws_url;
  EXPECT_EQ(s.rest_url.rfind("https://", 0), 0u) << s.rest_url;
  ASSERT_FALSE(s.symbols.empty());

  core::InstrumentTable table;
  const auto bundled = bundled_instruments(venue);
  for (const auto& spec : bundled) table.add(spec);
  // Every default symbol is covered by the bundled fallback, so the service and the demo
  // start offline.
  for (const auto& sym : s.symbols) {
    EXPECT_NE(table.find(venue, sym), core::kNoInstrument) << core::to_string(venue) << " " << sym;
  }

  const auto codec = make_codec(s, table);
  ASSERT_NE(codec, nullptr) << core::to_string(venue);
  EXPECT_EQ(codec->liquidations_available(), publishes_liquidations(venue));
}

INSTANTIATE_TEST_SUITE_P(AllVenues, RegistryTest, testing::Range(0, core::kVenueCount),
                         [](const testing::TestParamInfo<int>& p) {
                           return std::string(core::to_string(static_cast<core::Venue>(p.param)));
                         });

TEST(Registry, OnlyHyperliquidLacksPublicLiquidations) {
  for (int v = 0; v < core::kVenueCount; ++v) {
    const auto venue = static_cast<core::Venue>(v);
    EXPECT_EQ(publishes_liquidations(venue), venue != core::Venue::kHyperliquid);
  }
}

}  // namespace
}  // namespace levdyn::venues
