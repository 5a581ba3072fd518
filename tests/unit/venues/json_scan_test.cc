// Tests of the fast paths' JSON reader (service/venues/json_scan.h): what it reads, what it
// refuses, and the edges of its quote index. Frames live in heap buffers of their exact size, so
// ASan (make test-asan) reports any read past a frame's end.

#include "service/venues/json_scan.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace levdyn::venues::scan {
namespace {

/// `text` in a heap buffer of exactly its size.
class Frame {
 public:
  explicit Frame(std::string_view text) : bytes_(text.begin(), text.end()) {}
  [[nodiscard]] std::string_view view() const { return {bytes_.data(), bytes_.size()}; }

 private:
  std::vector<char> bytes_;
};

TEST(JsonScanTest, ReadsAnObjectOfEveryValueKind) {
  const Frame f(R"({"s":"BTC","i":-42,"d":1.5e-3,"t":true,"n":null,"a":[1,{"x":[]}],"o":{}})");
  Cursor c(f.view());
  std::string_view s;
  std::int64_t i = 0;
  double d = 0;
  bool t = false;
  int members = 0;
  const bool ok = c.object([&](std::string_view k) {
    ++members;
    if (k == "s") return c.string(s);
    if (k == "i") return c.int64(i);
    if (k == "d") return c.number(d);
    if (k == "t") return c.boolean(t);
    if (k == "n") return c.null();
    return c.skip();
  });
  EXPECT_TRUE(ok);
  EXPECT_TRUE(c.end());
  EXPECT_EQ(members, 7);
  EXPECT_EQ(s, "BTC");
  EXPECT_EQ(i, -42);
  EXPECT_EQ(d, 1.5e-3);
  EXPECT_TRUE(t);
}

TEST(JsonScanTest, NumbersInStrictGrammarOnly) {
  for (const std::string_view bad :
       {"01", "1.", ".5", "-", "+1", "1e", "1e+", "0x1", "1.5x", "NaN", "1e400", "-0", "-0.0"}) {
    const Frame f(bad);
    Cursor c(f.view());
    double d = 0;
    EXPECT_FALSE(c.number(d) && c.end()) << bad;
  }
  for (const std::string_view bad : {"1.0", "1e3", "9223372036854775808", "-9223372036854775809"}) {
    const Frame f(bad);
    Cursor c(f.view());
    std::int64_t v = 0;
    EXPECT_FALSE(c.int64(v)) << bad;
  }
  const Frame max("9223372036854775807");
  Cursor c(max.view());
  std::int64_t v = 0;
  ASSERT_TRUE(c.int64(v));
  EXPECT_EQ(v, INT64_MAX);
  const Frame dec("96011.90");
  Cursor c2(dec.view());
  double d = 0;
  ASSERT_TRUE(c2.number(d));
  EXPECT_EQ(d, 96011.90);
}

TEST(JsonScanTest, RefusesWhatItCannotReadAsSimdjsonWould) {
  for (const std::string_view bad :
       {R"({"a":"x\"y"})", R"({"a":"\u0041"})", "{\"a\":\"\xc3\xa9\"}", "{\"a\":\n1}",
        R"({"a":1,})", R"({"a":1}x)", R"({"a":tru})", R"({"a" 1})", R"([1,2,])", R"({"a":1)"}) {
    const Frame f(bad);
    Cursor c(f.view());
    const bool ok = c.object([&](std::string_view) { return c.skip(); }) && c.end();
    EXPECT_FALSE(ok) << bad;
  }
  // Deeper than kMaxDepth.
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  const Frame f(deep);
  Cursor c(f.view());
  EXPECT_FALSE(c.skip());
  // Longer than kMaxBytes.
  const std::string big = "\"" + std::string(Cursor::kMaxBytes, 'a') + "\"";
  const Frame g(big);
  Cursor d(g.view());
  std::string_view s;
  EXPECT_FALSE(d.string(s));
  EXPECT_FALSE(d.end());
}

// Verifies a literal followed by anything but a delimiter is not consumed: null() is used as a
// probe before string() (BitMEX's fast path), and `null"x"` must not read as the string "x".
TEST(JsonScanTest, AnUndelimitedLiteralIsNotConsumed) {
  const Frame f(R"({"t":null"x"})");
  Cursor c(f.view());
  Key k;
  ASSERT_TRUE(c.consume('{') && c.key(k));
  EXPECT_FALSE(c.null());
  std::string_view s;
  EXPECT_FALSE(c.string(s));  // still on the `n`
  EXPECT_TRUE(c.peek('n'));
}

// A quote as the last byte of a frame whose length is a multiple of 64 opened a string with no
// word of the index left; the read took an unwritten word for the next one and ran past the end
// of the frame (found by ASan in fast_path_test).
TEST(JsonScanTest, AnOpeningQuoteAtTheEndOfAnIndexWordIsNotAString) {
  for (const std::size_t n : {1u, 63u, 64u, 65u, 128u, 4096u}) {
    const Frame f(std::string(n - 1, ' ') + '"');
    Cursor c(f.view());
    std::string_view s;
    EXPECT_FALSE(c.string(s)) << n;
  }
  for (const std::size_t n : {64u, 128u}) {
    const Frame f("[" + std::string(n - 3, '1') + ",\"");
    Cursor c(f.view());
    EXPECT_FALSE(c.skip()) << n;
  }
}

TEST(JsonScanTest, StringsAcrossIndexWords) {
  // A string that starts in one 64-byte word and ends two words later.
  const std::string body(150, 'x');
  const Frame f("   \"" + body + "\"");
  Cursor c(f.view());
  std::string_view s;
  ASSERT_TRUE(c.string(s));
  EXPECT_EQ(s, body);
  EXPECT_TRUE(c.end());
}

struct StringSlot {
  std::string_view value;
  DecodeStatus status = DecodeStatus::kMissingField;
};

TEST(JsonScanTest, ReadMarksASlotOnlyWhenTheValueHasItsType) {
  const Frame f(R"("BTC")");
  Cursor c(f.view());
  StringSlot slot;
  ASSERT_TRUE(read(c, slot));
  EXPECT_EQ(slot.value, "BTC");
  EXPECT_EQ(slot.status, DecodeStatus::kOk);

  const Frame g("12");
  Cursor d(g.view());
  StringSlot other;
  EXPECT_FALSE(read(d, other));
  EXPECT_EQ(other.status, DecodeStatus::kMissingField);
}

/// Checks is(s, literal) and Key == literal against std::string_view == for one literal
/// length: equal text, a difference at each position, and one byte shorter and longer.
template <std::size_t N>
void check_literal_length() {
  char literal[N];
  for (std::size_t i = 0; i + 1 < N; ++i) literal[i] = static_cast<char>('a' + i % 26);
  literal[N - 1] = '\0';
  const std::string same(literal, N - 1);
  std::vector<std::string> texts = {same, same + "x", same.substr(0, N > 1 ? N - 2 : 0)};
  for (std::size_t i = 0; i + 1 < N; ++i) {
    std::string t = same;
    t[i] = 'Z';
    texts.push_back(t);
  }
  for (const std::string& t : texts) {
    const bool expected = std::string_view(t) == std::string_view(literal, N - 1);
    EXPECT_EQ(is(t, literal), expected) << "length " << N - 1 << ", text " << t;
    EXPECT_EQ(Key{t} == literal, expected) << "length " << N - 1 << ", text " << t;
  }
}

template <std::size_t... N>
void check_literal_lengths(std::index_sequence<N...>) {
  (check_literal_length<N + 1>(), ...);
}

// Verifies the word-load literal compares (lengths 0 to 40: one word, two overlapping words,
// and the 16-byte steps beyond) agree with std::string_view's ==.
TEST(JsonScanTest, LiteralComparesAgreeWithStringView) {
  check_literal_lengths(std::make_index_sequence<41>());
}

// Verifies number() and int64() give std::from_chars' value for random decimals and integers:
// the digits (and an exponent's) are accumulated in one pass and converted on Clinger's fast
// path when exact.
TEST(JsonScanTest, NumbersReadAsFromCharsReadsThem) {
  std::mt19937_64 rng(11);
  for (int n = 0; n < 200000; ++n) {
    std::string text;
    if (rng() % 4 == 0) text += '-';
    const int int_digits = 1 + static_cast<int>(rng() % 12);
    text += static_cast<char>('1' + rng() % 9);
    for (int i = 1; i < int_digits; ++i) text += static_cast<char>('0' + rng() % 10);
    if (rng() % 8 == 0) text = text[0] == '-' ? "-0" : "0";
    const bool integer = rng() % 3 == 0;
    if (!integer) {
      text += '.';
      const int frac_digits = 1 + static_cast<int>(rng() % 16);
      for (int i = 0; i < frac_digits; ++i) text += static_cast<char>('0' + rng() % 10);
    }
    if (rng() % 3 == 0) {  // "e-05", "E+7", "e30": the exponent's every spelling
      const int e = static_cast<int>(rng() % 61) - 30;
      text += rng() % 2 == 0 ? 'e' : 'E';
      text += e < 0 ? "-" : (rng() % 2 == 0 ? "+" : "");
      if (rng() % 2 == 0) text += '0';
      text += std::to_string(e < 0 ? -e : e);
    }
    double expected = 0;
    std::from_chars(text.data(), text.data() + text.size(), expected);
    const Frame f(text);
    Cursor c(f.view());
    double d = 0;
    if (expected == 0.0 && text[0] == '-') {
      EXPECT_FALSE(c.number(d)) << text;  // negative zero is refused
      continue;
    }
    ASSERT_TRUE(c.number(d) && c.end()) << text;
    EXPECT_EQ(d, expected) << text;
    if (integer && text.find_first_of("eE") == std::string::npos) {
      std::int64_t expected_int = 0;
      std::from_chars(text.data(), text.data() + text.size(), expected_int);
      Cursor ci(f.view());
      std::int64_t v = 0;
      ASSERT_TRUE(ci.int64(v) && ci.end()) << text;
      EXPECT_EQ(v, expected_int) << text;
    }
  }
}

// Numbers inside a frame, followed by a delimiter or by a byte that ends the number badly, with
// every digit-run length from 1 to 22 at shifted offsets (past 19 digits the mantissa is no
// longer exact and std::from_chars decides; past 18 an int64 may not fit).
TEST(JsonScanTest, DigitRunsOfEveryLengthInsideAFrame) {
  std::mt19937_64 rng(17);
  auto digits = [&](int n, bool leading) {
    std::string d;
    for (int i = 0; i < n; ++i) {
      d +=
          static_cast<char>((i == 0 && leading ? '1' : '0') + rng() % (i == 0 && leading ? 9 : 10));
    }
    return d;
  };
  for (int int_digits = 1; int_digits <= 22; ++int_digits) {
    for (int frac_digits = 0; frac_digits <= 22; ++frac_digits) {
      for (int rep = 0; rep < 20; ++rep) {
        std::string num = (rng() % 4 == 0 ? "-" : "") + digits(int_digits, true);
        if (frac_digits > 0) num += "." + digits(frac_digits, false);
        const std::string pad(rng() % 9, ' ');  // shifts the number against the loads
        const std::string text = "[" + pad + num + "," + num + "]";
        const Frame f(text);
        Cursor c(f.view());
        double expected = 0;
        std::from_chars(num.data(), num.data() + num.size(), expected);
        double a = 0, b = 0;
        ASSERT_TRUE(c.consume('[') && c.number(a) && c.consume(',') && c.number(b) &&
                    c.consume(']') && c.end())
            << text;
        EXPECT_EQ(a, expected) << text;
        EXPECT_EQ(b, expected) << text;
        if (frac_digits == 0) {
          std::int64_t expected_int = 0;
          const auto r = std::from_chars(num.data(), num.data() + num.size(), expected_int);
          Cursor ci(f.view());
          std::int64_t v = 0;
          const bool ok = ci.consume('[') && ci.int64(v);
          EXPECT_EQ(ok, r.ec == std::errc()) << text;
          if (ok) {
            EXPECT_EQ(v, expected_int) << text;
          }
        }
        // A byte that is neither digit nor delimiter ends the number anywhere in a load.
        for (const char bad : {'a', '/', ':', 'x', '.', '-', '+', '"'}) {
          std::string broken = num;
          const std::size_t at = 1 + rng() % broken.size();
          broken.insert(at, 1, bad);
          if (bad == '.' && broken.find('.') == at && num.find('.') == std::string::npos &&
              at < broken.size() - 1) {
            continue;  // a single '.' between digits is a valid fraction
          }
          const std::string t = "[" + broken + "]";
          const Frame g(t);
          Cursor cb(g.view());
          double d = 0;
          EXPECT_FALSE(cb.consume('[') && cb.number(d) && cb.consume(']') && cb.end()) << t;
        }
      }
    }
  }
}

}  // namespace
}  // namespace levdyn::venues::scan
