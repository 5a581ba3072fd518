// append_json_string: escapes, and bytes that are not UTF-8 (found by the http_target and
// jsonl fuzzers: a request path or a bare capture line echoed into JSON made it unparseable).

#include "service/venues/event_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

namespace levdyn::venues {
namespace {

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(AppendJsonStringTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(quoted(std::string_view("\n\x01\0", 3)), R"("\u000a\u0001\u0000")");
}

TEST(AppendJsonStringTest, KeepsWellFormedUtf8) {
  EXPECT_EQ(quoted("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
}

TEST(AppendJsonStringTest, ReplacesBytesThatAreNotUtf8) {
  EXPECT_EQ(quoted("\xba"), R"("\ufffd")");                  // lone continuation byte
  EXPECT_EQ(quoted("b\xban"), R"("b\ufffdn")");
  EXPECT_EQ(quoted("\xc0\xaf"), R"("\ufffd\ufffd")");        // overlong '/'
  EXPECT_EQ(quoted("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // UTF-16 surrogate
  EXPECT_EQ(quoted("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
  EXPECT_EQ(quoted("\xe2\x82"), R"("\ufffd\ufffd")");        // truncated at the end
  EXPECT_EQ(quoted("\xff"), R"("\ufffd")");
}

std::string number(double v) {
  std::string out;
  append_json_number(out, v);
  return out;
}

// Verifies numbers keep their shortest round-trip form, and that from 1e16 on they carry an
// exponent: the shortest form of 9.223372036854776e20 is a 21-digit integer literal, which
// parsers reading integers as 64-bit reject (found by fuzz_binance from a price string
// "0922337203685477580769").
TEST(AppendJsonNumberTest, LargeValuesCarryAnExponent) {
  EXPECT_EQ(number(96011.9), "96011.9");
  EXPECT_EQ(number(3.3e9), "3.3e+09");  // shortest form, as before
  EXPECT_EQ(number(1234567890123456.0), "1234567890123456");
  EXPECT_EQ(number(-0.0), "0");
  EXPECT_EQ(number(std::nan("")), "null");
  for (const double v : {922337203685477580800.0, -922337203685477580800.0, 1e16, 3.3766765e24,
                         1.8446744073709552e19}) {
    const std::string s = number(v);
    EXPECT_NE(s.find('e'), std::string::npos) << s;
    EXPECT_EQ(std::strtod(s.c_str(), nullptr), v) << s;
  }
}

}  // namespace
}  // namespace levdyn::venues
