// parse_decimal: the fast path must return exactly the double std::from_chars returns, and
// every shape the fast path does not take must keep std::from_chars' verdict.
#include "service/venues/decimal.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

namespace levdyn::venues {
namespace {

double reference(const std::string& s) {
  double v = 0.0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  EXPECT_EQ(ec, std::errc()) << s;
  EXPECT_EQ(ptr, s.data() + s.size()) << s;
  return v == 0.0 ? 0.0 : v;
}

std::uint64_t bits(double d) {
  std::uint64_t u = 0;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

// Verifies random venue-shaped decimals (up to 19 digits, up to 22 after the point, signs)
// parse to the same bits as std::from_chars, through the fast path and around its limits.
TEST(ParseDecimal, MatchesFromCharsBitForBit) {
  std::mt19937_64 rng(11);
  int fast = 0;
  for (int i = 0; i < 200000; ++i) {
    const int int_digits = 1 + static_cast<int>(rng() % 12);
    const int frac_digits = static_cast<int>(rng() % 24);
    std::string s = (rng() % 4 == 0) ? "-" : "";
    for (int k = 0; k < int_digits; ++k) s += static_cast<char>('0' + rng() % 10);
    if (frac_digits > 0) {
      s += '.';
      for (int k = 0; k < frac_digits; ++k) s += static_cast<char>('0' + rng() % 10);
    }
    double v = -1.0;
    fast += detail::fast_decimal(s, v) ? 1 : 0;
    double got = -1.0;
    ASSERT_EQ(parse_decimal(s, got, /*allow_negative=*/true), DecodeStatus::kOk) << s;
    ASSERT_EQ(bits(got), bits(reference(s))) << s;
  }
  EXPECT_GT(fast, 50000);  // the fast path is actually taken
}

// Verifies prices as venues print them take the fast path and round like from_chars.
TEST(ParseDecimal, VenueValues) {
  for (const char* s : {"96011.90", "0.00004591", "-0.000184", "3300.63", "1501195.503",
                        "4954005207.86", "0", "0.0", "-0", "9007199254740992",
                        "0.1", "0.3", "123456789012345678"}) {
    double v = -1.0;
    ASSERT_EQ(parse_decimal(s, v, true), DecodeStatus::kOk) << s;
    EXPECT_EQ(bits(v), bits(reference(s))) << s;
  }
  double v = 0.0;
  EXPECT_TRUE(detail::fast_decimal("96011.90", v));
  EXPECT_FALSE(detail::fast_decimal("9007199254740993", v));  // above 2^53: slow path
  EXPECT_FALSE(detail::fast_decimal("1e5", v));
}

// Verifies the shapes outside the fast path keep their verdicts: what from_chars accepts
// parses to its value, and the strict rejections stay.
TEST(ParseDecimal, SlowPathAndRejections) {
  for (const char* s : {"1e5", "1.5E-3", "12345678901234567890123", "0.12345678901234567890123",
                        "9007199254740993", "1.", ".5"}) {
    double v = 0.0;
    const double ref = [&] {
      double r = 0.0;
      const auto [ptr, ec] = std::from_chars(s, s + std::strlen(s), r);
      return ec == std::errc() && ptr == s + std::strlen(s) ? r : std::nan("");
    }();
    if (std::isnan(ref)) {
      EXPECT_EQ(parse_decimal(s, v, true), DecodeStatus::kBadNumber) << s;
    } else {
      ASSERT_EQ(parse_decimal(s, v, true), DecodeStatus::kOk) << s;
      EXPECT_EQ(bits(v), bits(ref)) << s;
    }
  }
  for (const char* s : {"", " 1", "1 ", "+1", "0x1", "1e400", "nan", "inf", "-", "1.2.3", "1,5",
                        "--1", "1-"}) {
    double v = 7.0;
    EXPECT_EQ(parse_decimal(s, v, true), DecodeStatus::kBadNumber) << '"' << s << '"';
    EXPECT_EQ(v, 7.0) << s;
  }
  double v = 7.0;
  EXPECT_EQ(parse_decimal("-1.5", v, /*allow_negative=*/false), DecodeStatus::kBadNumber);
  EXPECT_EQ(parse_decimal("-0", v, /*allow_negative=*/false), DecodeStatus::kOk);
  EXPECT_FALSE(std::signbit(v));  // no negative zero
}

}  // namespace
}  // namespace levdyn::venues
