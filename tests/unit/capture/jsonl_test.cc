// The JSONL frame reader (capture::parse_jsonl_line). Lines in the writer's exact shape are read
// without a DOM (canonical_line in jsonl.cc); every other line goes to simdjson. These tests read
// each line twice — as written, and with a space after its opening brace, which no fast path
// accepts — and require the same result, so the two readers cannot drift apart.

#include "service/capture/jsonl.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

namespace levdyn::capture {
namespace {

struct Read {
  JsonlResult result;
  JsonlFrame frame;
  std::string error;
};

Read read(std::string_view line, bool has_default = false) {
  Read r;
  r.result = parse_jsonl_line(line, has_default, core::Venue::kOkx, r.frame, r.error);
  return r;
}

/// The same line with a space after its first '{': valid JSON whitespace that sends the line
/// to simdjson.
std::string spaced(std::string_view line) {
  std::string s(line);
  const auto brace = s.find('{');
  if (brace != std::string::npos) s.insert(brace + 1, " ");
  return s;
}

void expect_same(const Read& a, const Read& b, std::string_view line) {
  EXPECT_EQ(a.result, b.result) << line;
  EXPECT_EQ(a.error.empty(), b.error.empty()) << line;
  if (a.result != JsonlResult::kFrame || b.result != JsonlResult::kFrame) return;
  EXPECT_EQ(a.frame.ts_ns, b.frame.ts_ns) << line;
  EXPECT_EQ(a.frame.venue, b.frame.venue) << line;
  EXPECT_EQ(a.frame.channel, b.frame.channel) << line;  // ws, rest, status or spec
  EXPECT_EQ(a.frame.up, b.frame.up) << line;
  EXPECT_EQ(a.frame.connection, b.frame.connection) << line;
  EXPECT_EQ(a.frame.frame, b.frame.frame) << line;
}

/// Reads `line` both ways, requires the same result, and returns the first.
Read both(std::string_view line, bool has_default = false) {
  Read a = read(line, has_default);
  const std::string other = spaced(line);
  expect_same(a, read(other, has_default), line);
  return a;
}

// Verifies the writer's lines read back, escapes and all, through both readers.
TEST(JsonlTest, WrittenLinesReadBackAlike) {
  const std::string frames[] = {
      R"({"e":"aggTrade","s":"BTCUSDT","p":"43000.10"})",
      "quotes \" and backslashes \\ and slash / and \b\f\n\r\t controls",
      std::string("nul \0 and \x01 \x1f bytes", sizeof("nul \0 and \x01 \x1f bytes") - 1),
      "",
      "UTF-8: \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
      std::string(100, 'x') + "\"" + std::string(70, 'y') + "\\" + std::string(33, 'z'),
  };
  for (const auto& text : frames) {
    for (std::size_t c = 0; c < kChannelNames.size(); ++c) {
      const auto channel = static_cast<FrameChannel>(c);
      const bool status = channel == FrameChannel::kStatus;
      JsonlFrame f;
      f.ts_ns = 1'700'000'000'123'456'789;
      f.venue = core::Venue::kDeribit;
      f.channel = channel;
      f.connection = status ? 65535 : 0;
      f.frame = status ? "up" : text;
      std::string line;
      append_jsonl_frame(line, f);
      line.pop_back();
      const Read r = both(line);
      ASSERT_EQ(r.result, JsonlResult::kFrame) << line << " " << r.error;
      EXPECT_EQ(r.frame.frame, f.frame) << line;
      EXPECT_EQ(r.frame.ts_ns, f.ts_ns);
      EXPECT_EQ(r.frame.venue, f.venue);
      EXPECT_EQ(r.frame.channel, channel) << line;
      EXPECT_EQ(
          line.find("\"channel\":\"" + std::string(to_string(channel)) + "\"") != std::string::npos,
          channel != FrameChannel::kWs)
          << line;
      EXPECT_EQ(r.frame.connection, f.connection);
      EXPECT_TRUE(r.frame.up);
    }
  }
}

// Verifies lines at the edges of the fast reader's shape read as simdjson reads them: accepted,
// refused with an error, or (with a default venue) taken as bare messages.
TEST(JsonlTest, EdgeLinesReadAsSimdjsonReadsThem) {
  const std::string lines[] = {
      R"({"ts_ns":0,"venue":"okx","frame":"x"})",
      R"({"ts_ns":01,"venue":"okx","frame":"x"})",                   // leading zero: not JSON
      R"({"ts_ns":-1,"venue":"okx","frame":"x"})",                   // negative
      R"({"ts_ns":9223372036854775807,"venue":"okx","frame":"x"})",  // INT64_MAX, 19 digits
      R"({"ts_ns":9223372036854775808,"venue":"okx","frame":"x"})",  // INT64_MAX + 1
      R"({"ts_ns":9999999999999999999,"venue":"okx","frame":"x"})",
      R"({"ts_ns":1768435200000000000,"venue":"okx","frame":"x"})",
      R"({"ts_ns":92233720368547758070,"venue":"okx","frame":"x"})",
      R"({"ts_ns":1.5,"venue":"okx","frame":"x"})",
      R"({"ts_ns":1,"venue":"nyse","frame":"x"})",
      R"({"ts_ns":1,"venue":"OKX","frame":"x"})",
      R"({"ts_ns":1,"venue":"okx","channel":"rest","frame":"x"})",
      R"({"ts_ns":1,"venue":"okx","channel":"ws","frame":"x"})",
      R"({"ts_ns":1,"venue":"okx","channel":"status","frame":"connected"})",
      R"({"ts_ns":1,"venue":"okx","channel":"status","frame":"down: read_error"})",
      R"({"ts_ns":1,"venue":"okx","channel":"fix","frame":"x"})",
      R"({"ts_ns":1,"venue":"okx","channel":"spec","frame":"{\"symbol\":\"X\"}"})",
      R"({"ts_ns":1,"venue":"okx","channel":"specs","frame":"x"})",
      R"({"ts_ns":1,"venue":"okx","channel":"settings","frame":"{\"windows\":[\"1m\"]}"})",
      R"({"ts_ns":1,"venue":"okx","channel":"setting","frame":"x"})",
      R"({"ts_ns":1,"venue":"okx","channel":"Settings","frame":"x"})",
      R"({"ts_ns":1,"venue":"okx","channel":"set\u0074ings","frame":"x"})",
      R"({"ts_ns":1,"venue":"okx","connection":7,"frame":"x"})",
      R"({"ts_ns":1,"venue":"okx","connection":65536,"frame":"x"})",
      R"({"ts_ns":1,"venue":"okx","connection":07,"frame":"x"})",
      R"({"ts_ns":1,"venue":"okx","frame":"\u0041\u00e9\ud83d\ude00"})",
      R"({"ts_ns":1,"venue":"okx","frame":"a\nb\tc\/d\\e\"f\bg\fh\ri"})",
      R"({"ts_ns":1,"venue":"okx","frame":"\x"})",
      R"({"ts_ns":1,"venue":"okx","frame":"unterminated})",
      R"({"ts_ns":1,"venue":"okx","frame":"x"}trailing)",
      R"({"ts_ns":1,"venue":"okx","frame":"x"})"
      "}",
      R"({"ts_ns":1,"venue":"okx","frame":"x","extra":1})",
      R"({"ts_ns":1,"venue":"okx","frame":"x","frame":"y"})",
      R"({"ts_ns":1,"venue":"okx","frame":"x"   )",
      R"({"ts_ns":1,"venue":"okx","frame":)",
      R"({"ts_ns":1,"venue":"okx","frame":7})",
      std::string(R"({"ts_ns":1,"venue":"okx","frame":"a)") + '\x01' + "\"}",      // raw control
      std::string(R"({"ts_ns":1,"venue":"okx","frame":"a)") + '\x7f' + "\"}",      // DEL is allowed
      std::string(R"({"ts_ns":1,"venue":"okx","frame":"a)") + "\xff\xfe" + "\"}",  // not UTF-8
      std::string(R"({"ts_ns":1,"venue":"okx","frame":")") + std::string(40, 'a') + "\xc3" +
          "\"}",  // a cut UTF-8 sequence after a 32-byte block
      std::string(R"({"ts_ns":1,"venue":"okx","frame":")") + std::string(31, 'a') + "\\\"" +
          std::string(40, 'b') + "\"}",  // an escape across the 32-byte boundary
  };
  for (const auto& line : lines) {
    both(line, false);
    both(line, true);
  }
  const Read ok = both(R"({"ts_ns":9223372036854775807,"venue":"okx","frame":"x"})");
  ASSERT_EQ(ok.result, JsonlResult::kFrame);
  EXPECT_EQ(ok.frame.ts_ns, INT64_MAX);
  EXPECT_EQ(both(R"({"ts_ns":1,"venue":"nyse","frame":"x"})").error, "unknown venue 'nyse'");
  const Read down = both(R"({"ts_ns":1,"venue":"okx","channel":"status","frame":"down"})");
  EXPECT_EQ(down.frame.channel, FrameChannel::kStatus);
  EXPECT_FALSE(down.frame.up);
  const Read spec = both(R"({"ts_ns":1,"venue":"okx","channel":"spec","frame":"{}"})");
  EXPECT_EQ(spec.frame.channel, FrameChannel::kSpec);
  const Read settings = both(R"({"ts_ns":1,"venue":"okx","channel":"settings","frame":"{}"})");
  EXPECT_EQ(settings.frame.channel, FrameChannel::kSettings);
  EXPECT_EQ(
      both(R"({"ts_ns":1,"venue":"okx","channel":"set\u0074ings","frame":"{}"})").frame.channel,
      FrameChannel::kSettings);
  EXPECT_EQ(both(R"({"ts_ns":1,"venue":"okx","channel":"setting","frame":"{}"})").error,
            "\"channel\" must be ws, rest, status, spec or settings");
  const Read u = both(R"({"ts_ns":1,"venue":"okx","frame":"\u0041\u00e9"})");
  EXPECT_EQ(u.frame.frame, "A\xc3\xa9");
  const Read esc = both(R"({"ts_ns":1,"venue":"okx","frame":"a\nb\tc\/d\\e\"f\bg\fh\ri"})");
  EXPECT_EQ(esc.frame.frame, "a\nb\tc/d\\e\"f\bg\fh\ri");
}

// Verifies random string bodies written by hand — every JSON escape, \u escapes, invalid
// escapes, raw controls, non-ASCII and invalid UTF-8, an unescaped quote — read alike through
// both readers, whatever each makes of them.
TEST(JsonlTest, RandomEscapedBodiesReadAlike) {
  std::mt19937 rng(5);
  const std::string tokens[] = {"a",     "Z",     "0",        " ",         "{",       "]",
                                ":",     R"(\")", R"(\\)",    R"(\/)",     R"(\b)",   R"(\f)",
                                R"(\n)", R"(\r)", R"(\t)",    R"(\u0041)", R"(\u00)", R"(\x)",
                                "\x01",  "\x7f",  "\xc3\xa9", "\xff",      "\"",      "\\"};
  for (int i = 0; i < 50000; ++i) {
    std::string body;
    const std::size_t n = rng() % 80;
    for (std::size_t k = 0; k < n; ++k) {
      // Mostly plain text, so that 32-byte blocks without a special byte occur.
      body += rng() % 4 == 0 ? tokens[rng() % std::size(tokens)] : std::string(1 + rng() % 9, 'p');
    }
    const std::string line =
        R"({"ts_ns":)" + std::to_string(rng()) + R"(,"venue":"okx","frame":")" + body + "\"}";
    both(line);
    both(line, true);
  }
}

// Verifies bodies dense in \" escapes (the quotes around a frame's keys), which the reader
// unescapes a whole 32-byte block at a time, read as simdjson reads them: escapes at every
// offset of a block and across block ends, \\ next to \" (\\\" and \\"), other escapes,
// control bytes and unescaped quotes in the same block.
TEST(JsonlTest, QuoteDenseBodiesReadAlike) {
  std::mt19937 rng(17);
  const std::string tokens[] = {R"(\")", R"(\")", R"(\")", R"(\\)",     R"(\\\")",
                                R"(\n)", R"(\/)", "\x01",  R"(\u0022)", "\""};
  for (int i = 0; i < 50000; ++i) {
    std::string body;
    const std::size_t n = rng() % 40;
    for (std::size_t k = 0; k < n; ++k) {
      const unsigned pick = rng() % 16;
      body += pick < 7    ? std::string(rng() % 12, 'p')
              : pick < 14 ? tokens[0]
                          : tokens[rng() % std::size(tokens)];
    }
    const std::string line =
        R"({"ts_ns":)" + std::to_string(rng()) + R"(,"venue":"okx","frame":")" + body + "\"}";
    both(line);
    both(line, true);
  }
}

// Verifies random frames — quotes, backslashes, controls, non-ASCII and invalid UTF-8 bytes at
// random places and lengths around the 32-byte blocks — read back the same through both
// readers, and exactly when they are valid UTF-8. A reused JsonlFrame must not keep bytes of
// an earlier, longer frame.
TEST(JsonlTest, RandomFramesReadBackAlike) {
  std::mt19937 rng(11);
  const std::string alphabet =
      std::string("abcXYZ019{}[]:,.\"\\/ \b\f\n\r\t\x01\x1f\x7f") + "\xc3\xa9\xe2\x82\xac\xff";
  JsonlFrame reused;
  std::string error;
  for (int i = 0; i < 20000; ++i) {
    JsonlFrame f;
    f.ts_ns =
        (i % 2 == 0 ? 1'700'000'000'000'000'000 : 0) + static_cast<std::int64_t>(rng()) * 1000;
    f.venue = static_cast<core::Venue>(rng() % core::kVenueCount);
    f.connection = static_cast<std::uint16_t>(rng() % 3);
    const std::size_t n = rng() % 100;
    for (std::size_t k = 0; k < n; ++k) f.frame += alphabet[rng() % alphabet.size()];
    std::string line;
    append_jsonl_frame(line, f);
    line.pop_back();
    const Read r = both(line);
    ASSERT_EQ(r.result, JsonlResult::kFrame) << line;
    ASSERT_EQ(parse_jsonl_line(line, false, core::Venue::kOkx, reused, error), JsonlResult::kFrame);
    EXPECT_EQ(reused.frame, r.frame.frame);
    bool ascii = true;
    for (const char c : f.frame) ascii &= static_cast<unsigned char>(c) < 0x80;
    if (ascii) {
      EXPECT_EQ(r.frame.frame, f.frame) << line;
    }
  }
}

}  // namespace
}  // namespace levdyn::capture
