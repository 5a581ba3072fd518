// Tests of the simulator's fault schedule parser: every fault and key of the documented format,
// JSON as well as YAML, defaults, and one clear error naming the entry and key for anything
// unknown or out of range.

#include "service/sim/fault_plan.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace levdyn::sim {
namespace {

std::string parse_error(const std::string& text) {
  try {
    (void)parse_fault_plan(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no error)";
}

// Verifies each fault kind with its keys and defaults.
TEST(FaultPlanTest, ParsesEveryKind) {
  const FaultPlan plan = parse_fault_plan(R"(
faults:
  - {venue: binance, at: 5s, fault: reset}
  - {venue: okx, at: 250ms, fault: close, code: 1011}
  - {venue: deribit, at: 1m, fault: silence}
  - {venue: bitmex, at: 2, fault: oversize, bytes: 1000}
  - {venue: bybit, at: 1s, fault: malformed, count: 3}
  - {venue: bybit, at: 1s, fault: wrong_type}
  - {venue: bybit, at: 1s, fault: binary}
  - {venue: okx, at: 1s, fault: burst, for: 2s}
  - {venue: hyperliquid, at: 1s, fault: duplicate, for: 2s}
  - {venue: okx, at: 1s, fault: reorder, for: 500ms}
  - {venue: binance, at: 1s, fault: rest, status: 418, count: 2, retry_after: 7}
  - {venue: bybit, at: 1s, fault: tls}
  - {venue: all, at: 1s, fault: down, for: 3s}
  - {venue: all, at: 9s, fault: pause}
  - {venue: okx, at: 9s, fault: quiet, for: 6s}
)");
  ASSERT_EQ(plan.faults.size(), 15u);
  const auto& f = plan.faults;
  EXPECT_EQ(f[0].kind, FaultKind::kReset);
  EXPECT_EQ(f[0].venue, core::Venue::kBinance);
  EXPECT_EQ(f[0].at_ms, 5000);
  EXPECT_EQ(f[1].code, 1011);
  EXPECT_EQ(f[1].at_ms, 250);
  EXPECT_EQ(f[2].for_ms, 30'000);  // silence default
  EXPECT_EQ(f[2].at_ms, 60'000);
  EXPECT_EQ(f[3].bytes, 1000u);
  EXPECT_EQ(f[3].at_ms, 2000);  // a plain number is seconds
  EXPECT_EQ(f[4].count, 3);
  EXPECT_EQ(f[5].count, 1);
  EXPECT_EQ(f[7].rate, 10.0);
  EXPECT_EQ(f[7].for_ms, 2000);
  EXPECT_EQ(f[8].venue, core::Venue::kHyperliquid);
  EXPECT_EQ(f[10].status, 418);
  EXPECT_EQ(f[10].count, 2);
  EXPECT_EQ(f[10].retry_after_s, 7);
  EXPECT_EQ(f[11].for_ms, 2000);  // tls default
  EXPECT_TRUE(f[12].all_venues);
  EXPECT_EQ(f[13].for_ms, 0);  // pause for good
  EXPECT_EQ(f[14].kind, FaultKind::kQuiet);
  EXPECT_EQ(f[14].for_ms, 6000);
}

// Verifies JSON (a bare list) reads like YAML.
TEST(FaultPlanTest, ParsesJson) {
  const FaultPlan plan =
      parse_fault_plan(R"([{"venue": "okx", "at": "8s", "fault": "close", "code": 4000}])");
  ASSERT_EQ(plan.faults.size(), 1u);
  EXPECT_EQ(plan.faults[0].kind, FaultKind::kClose);
  EXPECT_EQ(plan.faults[0].code, 4000);
  EXPECT_EQ(plan.faults[0].at_ms, 8000);
}

// Verifies the committed example parses.
TEST(FaultPlanTest, ExampleFileParses) {
  const FaultPlan plan =
      load_fault_plan(std::string(LEVDYN_SOURCE_DIR) + "/deploy/sim-faults.yaml");
  EXPECT_GT(plan.faults.size(), 10u);
  const FaultPlan test_plan =
      load_fault_plan(std::string(LEVDYN_SOURCE_DIR) + "/tests/reliability/sim_faults.yaml");
  EXPECT_GT(test_plan.faults.size(), 20u);
}

// Verifies errors name the entry and key, never crash.
TEST(FaultPlanTest, RejectsBadEntries) {
  const struct {
    const char* text;
    const char* want;
  } cases[] = {
      {"faults: [{venue: binance, at: 1s, fault: explode}]", "faults[0].fault: unknown fault"},
      {"faults: [{venue: mars, at: 1s, fault: reset}]", "faults[0].venue: unknown venue 'mars'"},
      {"faults: [{venue: okx, fault: reset}]", "faults[0].at: missing"},
      {"faults: [{venue: okx, at: 1s}]", "faults[0].fault: missing"},
      {"faults: [{at: 1s, fault: reset}]", "faults[0].venue: missing"},
      {"faults: [{venue: okx, at: 1h, fault: reset}]", "faults[0].at: expected a duration"},
      {"faults: [{venue: okx, at: -1s, fault: reset}]", "faults[0].at: out of range"},
      {"faults: [{venue: okx, at: 1s, fault: reset, code: 1011}]",
       "faults[0].code: not a parameter of reset"},
      {"faults: [{venue: okx, at: 1s, fault: close, code: 1005}]", "may not be sent"},
      {"faults: [{venue: okx, at: 1s, fault: close, code: abc}]", "faults[0].code: expected"},
      {"faults: [{venue: okx, at: 1s, fault: burst}]", "faults[0].for: missing"},
      {"faults: [{venue: okx, at: 1s, fault: quiet}]", "faults[0].for: missing"},
      {"faults: [{venue: okx, at: 1s, fault: burst, for: 1s, rate: 0.5}]", "faults[0].rate"},
      {"faults: [{venue: binance, at: 1s, fault: rest, status: 200}]", "faults[0].status"},
      {"faults: [{venue: binance, at: 1s, fault: duplicate, for: 1s}]",
       "duplicate is only for deribit and hyperliquid"},
      {"faults: [{venue: all, at: 1s, fault: duplicate, for: 1s}]", "duplicate is only"},
      {"faults: [{venue: okx, at: 1s, fault: reset, extra: 1}]", "faults[0].extra: unknown key"},
      {"faults: [{venue: okx, at: 1s, fault: reset}, [1]]", "faults[1]: expected a map"},
      {"faults: {venue: okx}", "faults: expected a list"},
      {"schedule: []", "schedule: unknown key"},
      {"faults: [{{{", "not YAML/JSON"},
      {"", "faults: expected a list"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_NE(parse_error(c.text).find(c.want), std::string::npos) << parse_error(c.text);
  }
  EXPECT_THROW((void)load_fault_plan("/nonexistent/faults.yaml"), std::invalid_argument);
}

// Verifies the bad frames look like the venue's messages yet are not valid JSON / valid types.
TEST(FaultPlanTest, BadFramesPerVenue) {
  for (int v = 0; v < core::kVenueCount; ++v) {
    const auto venue = static_cast<core::Venue>(v);
    SCOPED_TRACE(std::string(core::to_string(venue)));
    const std::string wrong = wrong_type_frame(venue, 1'700'000'000'000);
    EXPECT_NE(wrong.find(R"({"value":"60000.0"})"), std::string::npos);
    EXPECT_EQ(wrong.front(), '{');
    EXPECT_EQ(wrong.back(), '}');
    const std::string bad = malformed_frame(venue);
    EXPECT_EQ(bad.front(), '{');
    EXPECT_NE(bad.back(), '}');
  }
}

}  // namespace
}  // namespace levdyn::sim
