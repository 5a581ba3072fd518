// Capture files (writer, reader, damage), the recorder (rotation, drops), and replay
// (determinism, capture vs JSONL export, malformed frames counted).
#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "levdyn/v1/capture.pb.h"
#include "service/app/config.h"
#include "service/app/replay.h"
#include "service/app/service.h"
#include "service/capture/capture_reader.h"
#include "service/capture/capture_writer.h"
#include "service/capture/frame_source.h"
#include "service/capture/recorder.h"
#include "service/capture/spec_frame.h"
#include "tests/support/child_process.h"
#include "tests/support/frame_reference.h"

namespace levdyn::capture {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

constexpr std::int64_t kT0 = 1'764'000'000'000'000'000;  // a whole second, 2025-11-24

RecordedFrame make_frame(std::int64_t wall, std::string payload,
                         FrameChannel channel = FrameChannel::kWs, std::uint16_t conn = 0,
                         core::Venue venue = core::Venue::kBinance) {
  RecordedFrame f;
  f.venue = venue;
  f.connection = conn;
  f.channel = channel;
  f.recv_wall_ns = wall;
  f.recv_steady_ns = wall / 3;
  f.payload = std::move(payload);
  return f;
}

/// A Binance session of `n` frames from a seeded generator: mark prices, trades, bursts of
/// liquidations (enough for a Hawkes fit) and REST open interest, 20 ms apart.
std::vector<RecordedFrame> binance_session(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<RecordedFrame> out;
  out.push_back(make_frame(kT0, "up", FrameChannel::kStatus));
  double px = 60000;
  for (int i = 0; i < n; ++i) {
    const std::int64_t t = kT0 + 1'000'000 + static_cast<std::int64_t>(i) * 20'000'000;
    const std::int64_t ms = t / 1'000'000;
    px *= 1.0 + (static_cast<double>(rng() % 2001) - 1000.0) * 1e-6;
    const std::string p = std::to_string(px);
    const int kind = static_cast<int>(rng() % 10);
    std::string frame;
    FrameChannel ch = FrameChannel::kWs;
    if (kind < 3) {
      frame = R"({"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":)" +
              std::to_string(ms) + R"(,"s":"BTCUSDT","p":")" + p + R"(","i":")" + p + R"(","P":")" +
              p + R"(","r":"0.00010000","T":)" + std::to_string(ms + 3600000) + "}}";
    } else if (kind < 7) {
      frame = R"({"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":)" + std::to_string(ms) +
              R"(,"a":)" + std::to_string(i) + R"(,"s":"BTCUSDT","p":")" + p + R"(","q":"0.)" +
              std::to_string(1 + rng() % 900) + R"(","f":1,"l":1,"T":)" + std::to_string(ms) +
              R"(,"m":)" + (rng() % 2 ? "true" : "false") + "}}";
    } else if (kind < 9) {
      frame = R"({"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":)" + std::to_string(ms) +
              R"(,"o":{"s":"BTCUSDT","S":")" + (rng() % 3 ? "SELL" : "BUY") +
              R"(","o":"LIMIT","f":"IOC","q":"0.5","p":")" + p + R"(","ap":")" + p +
              R"(","X":"FILLED","l":"0.5","z":"0.5","T":)" + std::to_string(ms) + "}}}";
    } else {
      ch = FrameChannel::kRest;
      frame = R"({"openInterest":")" + std::to_string(10000 + rng() % 500) +
              R"(.5","symbol":"BTCUSDT","time":)" + std::to_string(ms) + "}";
    }
    out.push_back(make_frame(t, std::move(frame), ch));
  }
  return out;
}

void write_capture(const std::string& path, const std::vector<RecordedFrame>& frames,
                   std::size_t frames_per_block,
                   std::vector<std::string> symbols = {"BTCUSDT", "ETHUSDT"},
                   std::string digest = "0123456789abcdef") {
  CaptureWriter w;
  CaptureHeaderInfo h;
  h.levdyn_version = "test";
  h.venues.push_back({"binance", std::move(symbols)});
  h.config_digest = std::move(digest);
  h.created_wall_ns = kT0;
  std::string error;
  ASSERT_TRUE(w.open(path, h, error)) << error;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    ASSERT_TRUE(w.append(frames[i]));
    if ((i + 1) % frames_per_block == 0) {
      ASSERT_TRUE(w.flush());
    }
  }
  ASSERT_TRUE(w.close());
}

std::vector<RecordedFrame> read_all(const std::string& path, std::string& damage) {
  CaptureReader r;
  std::string error;
  std::vector<RecordedFrame> out;
  if (!r.open(path, error)) {
    ADD_FAILURE() << error;
    return out;
  }
  RecordedFrame f;
  while (r.next(f)) out.push_back(f);
  damage = r.damage();
  return out;
}

void expect_same(const RecordedFrame& a, const RecordedFrame& b) {
  EXPECT_EQ(a.venue, b.venue);
  EXPECT_EQ(a.connection, b.connection);
  EXPECT_EQ(a.channel, b.channel);
  EXPECT_EQ(a.recv_wall_ns, b.recv_wall_ns);
  EXPECT_EQ(a.recv_steady_ns, b.recv_steady_ns);
  EXPECT_EQ(a.payload, b.payload);
}

/// Byte offsets of every block in a capture file (walking the block headers).
std::vector<std::size_t> block_offsets(const std::string& bytes) {
  std::vector<std::size_t> out;
  std::size_t at = 8;
  while (at + 12 <= bytes.size()) {
    out.push_back(at);
    std::uint32_t c = 0;
    for (int i = 0; i < 4; ++i) {
      c |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + 4 + i])) << (8 * i);
    }
    at += 12 + c;
  }
  return out;
}

class CaptureFileTest : public testing::Test {
 protected:
  TempDir dir_;
  std::string path_ = dir_.file("a.ldcap");
};

// Verifies frames of every channel, binary payloads and the header survive a round trip.
TEST_F(CaptureFileTest, RoundTrip) {
  std::vector<RecordedFrame> frames;
  frames.push_back(make_frame(kT0, "up", FrameChannel::kStatus, 1, core::Venue::kOkx));
  frames.push_back(make_frame(kT0 + 5, std::string("bin\0ary\xff", 8), FrameChannel::kWs, 65535,
                              core::Venue::kHyperliquid));
  frames.push_back(make_frame(kT0 + 7, "{\"openInterest\":\"1\"}", FrameChannel::kRest, 2));
  frames.push_back(make_frame(kT0 + 8,
                              R"({"symbol":"X","asset":"X","kind":"linear","contract_value":1})",
                              FrameChannel::kSpec, 0, core::Venue::kOkx));
  for (int i = 0; i < 5000; ++i) frames.push_back(make_frame(kT0 + 10 + i, std::to_string(i)));
  frames.push_back(make_frame(kT0 + 9999, "down read_error", FrameChannel::kStatus));
  write_capture(path_, frames, 1000);

  CaptureReader r;
  std::string error;
  ASSERT_TRUE(r.open(path_, error)) << error;
  EXPECT_EQ(r.format_version(), 1u);
  EXPECT_EQ(r.header().levdyn_version, "test");
  EXPECT_EQ(r.header().config_digest, "0123456789abcdef");
  EXPECT_EQ(r.header().created_wall_ns, kT0);
  ASSERT_EQ(r.header().venues.size(), 1u);
  EXPECT_EQ(r.header().venues[0].symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  std::vector<RecordedFrame> got;
  RecordedFrame f;
  while (r.next(f)) got.push_back(f);
  EXPECT_EQ(r.damage(), "");
  ASSERT_EQ(got.size(), frames.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    expect_same(got[i], frames[i]);
  }
  EXPECT_TRUE(CaptureReader::sniff(path_));
}

// Verifies a reader left in the middle of a file (its reading thread blocks ahead) closes at
// once, and that open() on a reader mid-file starts the new file from its first frame: the
// same file opened again, then another file, then the first one read to its end.
TEST_F(CaptureFileTest, ReopenAndCloseMidFile) {
  std::vector<RecordedFrame> frames;
  for (int i = 0; i < 3000; ++i) frames.push_back(make_frame(kT0 + i, std::to_string(i)));
  write_capture(path_, frames, 100);  // 30 blocks: the reader is many blocks from the end
  const std::string other = dir_.file("b.ldcap");
  std::vector<RecordedFrame> other_frames;
  for (int i = 0; i < 250; ++i)
    other_frames.push_back(make_frame(kT0 + i, "b" + std::to_string(i)));
  write_capture(other, other_frames, 100);
  std::string error;
  RecordedFrame f;
  {
    CaptureReader abandoned;
    ASSERT_TRUE(abandoned.open(path_, error)) << error;
    ASSERT_TRUE(abandoned.next(f));
    expect_same(f, frames[0]);
  }
  CaptureReader r;
  ASSERT_TRUE(r.open(path_, error)) << error;
  for (int i = 0; i < 150; ++i) ASSERT_TRUE(r.next(f));
  expect_same(f, frames[149]);
  ASSERT_TRUE(r.open(path_, error)) << error;
  ASSERT_TRUE(r.next(f));
  expect_same(f, frames[0]);
  ASSERT_TRUE(r.open(other, error)) << error;
  std::size_t n = 0;
  while (r.next(f)) {
    ASSERT_LT(n, other_frames.size());
    expect_same(f, other_frames[n++]);
  }
  EXPECT_EQ(n, other_frames.size());
  EXPECT_EQ(r.damage(), "");
  ASSERT_TRUE(r.open(path_, error)) << error;
  n = 0;
  while (r.next(f)) expect_same(f, frames[n++]);
  EXPECT_EQ(n, frames.size());
  EXPECT_EQ(r.damage(), "");
  EXPECT_EQ(r.frames(), frames.size());
}

// Verifies a file cut in the middle of its last block gives every frame of the blocks before
// it, and a damage message naming the file, the offset and "truncated".
TEST_F(CaptureFileTest, TruncatedTailKeepsFramesBefore) {
  std::vector<RecordedFrame> frames;
  for (int i = 0; i < 50; ++i) frames.push_back(make_frame(kT0 + i, "frame " + std::to_string(i)));
  write_capture(path_, frames, 10);  // header block + 5 blocks of 10
  std::string bytes = test::read_file(path_);
  const auto blocks = block_offsets(bytes);
  ASSERT_EQ(blocks.size(), 6u);
  for (const std::size_t cut : {blocks[5] + 3, blocks[5] + 20, bytes.size() - 1}) {
    SCOPED_TRACE(cut);
    fs::resize_file(path_, cut);
    std::string damage;
    const auto got = read_all(path_, damage);
    ASSERT_EQ(got.size(), 40u);
    expect_same(got.back(), frames[39]);
    EXPECT_NE(damage.find(path_), std::string::npos) << damage;
    EXPECT_NE(damage.find("truncated"), std::string::npos) << damage;
    EXPECT_NE(damage.find("at byte " + std::to_string(blocks[5])), std::string::npos) << damage;
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
  }
}

// Verifies a flipped byte inside a block (zstd checksum) or in a block header stops reading
// at that block, keeping the frames before it.
TEST_F(CaptureFileTest, CorruptBlockKeepsFramesBefore) {
  std::vector<RecordedFrame> frames;
  for (int i = 0; i < 50; ++i)
    frames.push_back(make_frame(kT0 + i, "payload " + std::to_string(i)));
  write_capture(path_, frames, 10);
  const std::string bytes = test::read_file(path_);
  const auto blocks = block_offsets(bytes);
  ASSERT_EQ(blocks.size(), 6u);
  struct Case {
    std::size_t at;
    const char* what;
  };
  for (const Case c : {Case{blocks[3] + 12 + 8, "corrupt block"}, Case{blocks[3], "block magic"},
                       // A damaged size field reads as a block running past the end of file.
                       Case{blocks[3] + 6, "truncated block"}}) {
    SCOPED_TRACE(c.at);
    std::string bad = bytes;
    bad[c.at] = static_cast<char>(bad[c.at] ^ 0x5a);
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bad;
    std::string damage;
    const auto got = read_all(path_, damage);
    ASSERT_EQ(got.size(), 20u);
    EXPECT_NE(damage.find(c.what), std::string::npos) << damage;
    EXPECT_NE(damage.find("at byte " + std::to_string(blocks[3])), std::string::npos) << damage;
  }
}

// Verifies a damaged header block leaves a readable file with no frames and a damage message.
TEST_F(CaptureFileTest, DamagedHeaderGivesNoFrames) {
  write_capture(path_, {make_frame(kT0, "a"), make_frame(kT0 + 1, "b")}, 1);
  std::string bytes = test::read_file(path_);
  bytes[8 + 12 + 6] = static_cast<char>(bytes[8 + 12 + 6] ^ 0x21);  // inside the header block
  std::ofstream(path_, std::ios::binary | std::ios::trunc) << bytes;
  std::string damage;
  EXPECT_TRUE(read_all(path_, damage).empty());
  EXPECT_NE(damage.find("at byte 8 "), std::string::npos) << damage;
}

// Verifies random byte flips never crash the reader and never yield a frame that was not
// written: what comes out is always a prefix of what went in (seeded, so reproducible).
TEST_F(CaptureFileTest, RandomDamageYieldsAPrefix) {
  std::vector<RecordedFrame> frames;
  for (int i = 0; i < 300; ++i) frames.push_back(make_frame(kT0 + i, "frame " + std::to_string(i)));
  write_capture(path_, frames, 37);
  const std::string bytes = test::read_file(path_);
  std::mt19937_64 rng(42);
  int damaged = 0;
  for (int round = 0; round < 300; ++round) {
    std::string bad = bytes;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      const std::size_t at = 8 + rng() % (bad.size() - 8);
      bad[at] = static_cast<char>(bad[at] ^ static_cast<char>(1 + rng() % 255));
    }
    if (rng() % 3 == 0) bad.resize(8 + rng() % (bad.size() - 8));
    std::ofstream(path_, std::ios::binary | std::ios::trunc) << bad;
    std::string damage;
    const auto got = read_all(path_, damage);
    ASSERT_LE(got.size(), frames.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      SCOPED_TRACE(round);
      ASSERT_EQ(got[i].payload, frames[i].payload);
      ASSERT_EQ(got[i].recv_wall_ns, frames[i].recv_wall_ns);
    }
    damaged += damage.empty() ? 0 : 1;
  }
  EXPECT_EQ(damaged, 300);  // every flip or cut was detected
}

// Verifies a file that is not a capture is refused with a message naming it.
TEST_F(CaptureFileTest, NotACaptureIsRefused) {
  std::ofstream(path_) << "hello\n";
  CaptureReader r;
  std::string error;
  EXPECT_FALSE(r.open(path_, error));
  EXPECT_NE(error.find(path_), std::string::npos);
  EXPECT_FALSE(r.open(dir_.file("missing.ldcap"), error));
  EXPECT_NE(error.find("cannot open"), std::string::npos);
  FrameSource src;
  EXPECT_FALSE(src.open(path_, FileFormat::kAuto, error));
  EXPECT_NE(error.find("unrecognised format"), std::string::npos) << error;
}

// Verifies a JSONL file read ahead on its own thread gives what its lines say, in file order:
// frames with their payloads, rejected lines with their numbers, blank lines skipped, across
// the read-ahead's batch boundaries (512 lines) and with a last line that has no newline; and
// that a source dropped halfway stops its reading thread.
TEST_F(CaptureFileTest, JsonlReadAheadKeepsLineOrder) {
  const std::string file = dir_.file("frames.jsonl");
  std::string text;
  std::vector<std::string> lines;
  for (int i = 0; i < 3000; ++i) {
    if (i == 0 || i == 511 || i == 512 || i == 1023 || i == 1024 || i == 2999 || i % 97 == 5) {
      lines.push_back(i % 2 == 0 ? "not json " + std::to_string(i) : R"({"venue":"nope"})");
    } else if (i % 101 == 7) {
      lines.push_back("");
    } else {
      JsonlFrame f;
      f.ts_ns = 1'700'000'000'000'000'000 + i;
      f.venue = static_cast<core::Venue>(i % core::kVenueCount);
      f.connection = static_cast<std::uint16_t>(i % 3);
      f.frame = R"({"n":)" + std::to_string(i) + R"(,"s":"a"b"})" + std::string(i % 300, 'x');
      std::string line;
      append_jsonl_frame(line, f);
      line.pop_back();  // the newline
      lines.push_back(line);
    }
  }
  lines.back() = lines[1];  // the last line: a frame, without a newline
  for (std::size_t i = 0; i < lines.size(); ++i) {
    text += lines[i];
    if (i + 1 < lines.size()) text += '\n';
  }
  std::ofstream(file, std::ios::binary) << text;

  FrameSource src;
  std::string error;
  ASSERT_TRUE(src.open(file, FileFormat::kJsonl, error)) << error;
  RecordedFrame got;
  JsonlFrame want;
  std::size_t frames = 0, bad = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string why;
    const auto r = parse_jsonl_line(lines[i], false, core::Venue::kBinance, want, why);
    if (r == JsonlResult::kBlank) continue;
    const auto next = src.next(got, error);
    if (r != JsonlResult::kFrame) {
      ASSERT_EQ(next, FrameSource::Next::kBadLine) << "line " << i + 1;
      EXPECT_EQ(error, file + ":" + std::to_string(i + 1) + ": " + why);
      ++bad;
      continue;
    }
    ASSERT_EQ(next, FrameSource::Next::kFrame) << "line " << i + 1 << ": " << error;
    EXPECT_EQ(got.payload, want.frame) << "line " << i + 1;
    EXPECT_EQ(got.venue, want.venue);
    EXPECT_EQ(got.connection, want.connection);
    EXPECT_EQ(got.recv_wall_ns, want.ts_ns);
    ++frames;
  }
  EXPECT_EQ(src.next(got, error), FrameSource::Next::kEnd);
  EXPECT_GT(frames, 2800u);
  EXPECT_GT(bad, 30u);

  // Dropped after one frame, with the reading thread waiting for room: it stops.
  auto half = std::make_unique<FrameSource>();
  ASSERT_TRUE(half->open(file, FileFormat::kJsonl, error)) << error;
  ASSERT_EQ(half->next(got, error), FrameSource::Next::kBadLine);
  ASSERT_EQ(half->next(got, error), FrameSource::Next::kFrame) << error;
  half.reset();
}

// Verifies CaptureReader::read_frame reads a frame record as the generated
// v1::Frame::ParseFromArray does (with the reader's venue and connection checks): records as
// the writer makes them, with unknown fields, repeated fields and fields of another wire type,
// then each with random bytes flipped, inserted, removed or cut off.
TEST(FrameRecordTest, ReadsAsTheGeneratedParser) {
  std::mt19937_64 rng(17);
  const char* const venues[] = {"binance", "bybit", "okx", "deribit", "bitmex", "hyperliquid"};
  const google::protobuf::LogSilencer quiet;  // the generated parser logs bad UTF-8
  int parsed = 0;
  for (int n = 0; n < 40000; ++n) {
    v1::Frame f;
    f.set_venue(venues[rng() % 6]);
    f.set_connection(static_cast<std::uint32_t>(rng() % 4 == 0 ? rng() % 70000 : rng() % 4));
    f.set_channel(static_cast<v1::Channel>(rng() % 4));
    f.set_recv_wall_ns(static_cast<std::int64_t>(rng() >> (rng() % 64)));
    f.set_recv_steady_ns(static_cast<std::int64_t>(rng()));
    f.set_payload(std::string(rng() % 40, static_cast<char>('a' + rng() % 26)));
    std::string rec = f.SerializeAsString();
    switch (rng() % 4) {
      case 0:  // an unknown varint field and an unknown length-delimited one
        rec += std::string("\x38\x05\x42\x02xy", 6);
        break;
      case 1:  // the venue again: the last occurrence wins
        rec += std::string("\x0a\x03okx", 5);
        break;
      case 2:  // the payload as a varint (wire type 0): skipped as an unknown field
        rec += std::string("\x30\x07", 2);
        break;
      default:
        break;
    }
    const int edits = static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !rec.empty(); ++e) {
      const std::size_t at = rng() % rec.size();
      switch (rng() % 4) {
        case 0:
          rec[at] = static_cast<char>(rng());
          break;
        case 1:
          rec.insert(at, 1, static_cast<char>(rng()));
          break;
        case 2:
          rec.erase(at, 1);
          break;
        default:
          rec.resize(at);
          break;
      }
    }
    RecordedFrame expected;
    RecordedFrame got;
    const bool ok = test::reference_read_frame(rec.data(), rec.size(), expected);
    ASSERT_EQ(CaptureReader::read_frame(rec.data(), rec.size(), got), ok) << n << " " << [&] {
      std::string hex;
      for (unsigned char ch : rec) {
        char b[4];
        std::snprintf(b, sizeof b, "%02x ", ch);
        hex += b;
      }
      return hex;
    }();
    if (!ok) continue;
    ++parsed;
    EXPECT_EQ(got.venue, expected.venue) << n;
    EXPECT_EQ(got.connection, expected.connection) << n;
    EXPECT_EQ(got.channel, expected.channel) << n;
    EXPECT_EQ(got.recv_wall_ns, expected.recv_wall_ns) << n;
    EXPECT_EQ(got.recv_steady_ns, expected.recv_steady_ns) << n;
    EXPECT_EQ(got.payload, expected.payload) << n;
  }
  EXPECT_GT(parsed, 10000);  // most records still parse: the comparison covers both outcomes
}

// Verifies a spec frame's payload reads back as the spec it was written from, for every
// contract kind and an unknown contract value, and that payloads that are not specs are
// refused with a reason.
TEST(SpecFrameTest, PayloadsRoundTripAndBadOnesAreRefused) {
  const core::InstrumentSpec specs[] = {
      {core::Venue::kOkx, "SOL-USDT-SWAP", "SOL", core::ContractKind::kLinear, 1.0, true},
      {core::Venue::kBitmex, "XBTUSDT", "BTC", core::ContractKind::kLinear, 1e-6, true},
      {core::Venue::kBitmex, "ETHUSD", "ETH", core::ContractKind::kQuanto, 100.0, true},
      {core::Venue::kDeribit, "BTC-PERPETUAL", "BTC", core::ContractKind::kInverse, 10.0, true},
      {core::Venue::kOkx, "X\"Y", "Q", core::ContractKind::kLinear, 0.1 + 0.2, true},
      {core::Venue::kOkx, "NEW-USDT-SWAP", "NEW", core::ContractKind::kLinear, core::kAbsent, true},
  };
  for (const auto& s : specs) {
    const std::string payload = spec_payload(s);
    core::InstrumentSpec back;
    std::string error;
    ASSERT_TRUE(parse_spec_payload(payload, s.venue, back, error)) << payload << " " << error;
    EXPECT_EQ(back.venue, s.venue);
    EXPECT_EQ(back.symbol, s.symbol);
    EXPECT_EQ(back.asset, s.asset);
    EXPECT_EQ(back.kind, s.kind);
    if (std::isnan(s.contract_value)) {
      EXPECT_TRUE(std::isnan(back.contract_value)) << payload;
    } else {
      EXPECT_EQ(back.contract_value, s.contract_value) << payload;  // exactly
    }
  }
  EXPECT_EQ(spec_payload(specs[0]),
            R"({"symbol":"SOL-USDT-SWAP","asset":"SOL","kind":"linear","contract_value":1})");
  const char* const bad[] = {
      "",
      "not json",
      "[1]",
      R"({"asset":"SOL","kind":"linear","contract_value":1})",
      R"({"symbol":"","asset":"SOL","kind":"linear","contract_value":1})",
      R"({"symbol":"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456","asset":"SOL","kind":"linear","contract_value":1})",
      R"({"symbol":"S","kind":"linear","contract_value":1})",
      R"({"symbol":"S","asset":7,"kind":"linear","contract_value":1})",
      R"({"symbol":"S","asset":"SOL","kind":"perpetual","contract_value":1})",
      R"({"symbol":"S","asset":"SOL","contract_value":1})",
      R"({"symbol":"S","asset":"SOL","kind":"linear"})",
      R"({"symbol":"S","asset":"SOL","kind":"linear","contract_value":0})",
      R"({"symbol":"S","asset":"SOL","kind":"linear","contract_value":-1})",
      R"({"symbol":"S","asset":"SOL","kind":"linear","contract_value":"1"})",
  };
  for (const char* payload : bad) {
    core::InstrumentSpec out;
    std::string error;
    EXPECT_FALSE(parse_spec_payload(payload, core::Venue::kOkx, out, error)) << payload;
    EXPECT_NE(error.find("spec frame"), std::string::npos) << payload << ": " << error;
  }
  // The frames of a table: its tracked instruments only, in order.
  core::InstrumentTable table;
  ASSERT_NE(table.add(specs[0]), core::kNoInstrument);
  ASSERT_NE(table.other(core::Venue::kOkx, "DOGE"), core::kNoInstrument);  // untracked
  ASSERT_NE(table.add(specs[2]), core::kNoInstrument);
  const auto frames = spec_frames(table);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0].venue, core::Venue::kOkx);
  EXPECT_EQ(frames[0].channel, FrameChannel::kSpec);
  EXPECT_EQ(frames[0].payload, spec_payload(specs[0]));
  EXPECT_EQ(frames[1].venue, core::Venue::kBitmex);
  EXPECT_EQ(frames[1].payload, spec_payload(specs[2]));
}

class RecorderTest : public testing::Test {
 protected:
  static feed::RawFrame raw(std::int64_t wall, std::string_view payload) {
    return feed::RawFrame{
        core::Venue::kBybit, 0, venues::Channel::kWs, false, true, wall, wall, payload};
  }
  TempDir dir_;
};

// Verifies files rotate by recorded time, are named by their UTC start, and hold every frame
// in order with status frames for transitions.
TEST_F(RecorderTest, RotatesByTime) {
  RecorderOptions o;
  o.dir = dir_.file("cap");
  o.rotate = std::chrono::seconds(1);
  Recorder rec(o);
  auto tap = rec.tap();
  rec.start();
  const std::int64_t times[] = {
      0, 500'000'000, 1'000'000'000, 1'500'000'000, 2'000'000'000, 3'500'000'000};
  tap(feed::RawFrame{core::Venue::kBybit, 0, venues::Channel::kWs, true, true, kT0, kT0,
                     "connected"});
  for (const auto t : times) tap(raw(kT0 + t + 1, "f" + std::to_string(t)));
  tap(feed::RawFrame{core::Venue::kBybit, 0, venues::Channel::kWs, true, false, kT0 + 3'600'000'000,
                     kT0, "silence"});
  rec.stop();
  EXPECT_EQ(rec.frames_written(), 8u);
  EXPECT_EQ(rec.dropped(), 0u);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(o.dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(names[0], Recorder::file_name(kT0));
  EXPECT_EQ(names[0], "levdyn-20251124T160000Z.ldcap");
  std::vector<RecordedFrame> all;
  for (const auto& n : names) {
    std::string damage;
    auto got = read_all(o.dir + "/" + n, damage);
    EXPECT_EQ(damage, "");
    all.insert(all.end(), got.begin(), got.end());
  }
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all.front().channel, FrameChannel::kStatus);
  EXPECT_EQ(all.front().payload, "up");
  EXPECT_EQ(all.back().channel, FrameChannel::kStatus);
  EXPECT_EQ(all.back().payload, "down silence");
  for (std::size_t i = 1; i + 1 < all.size(); ++i) {
    EXPECT_EQ(all[i].payload, "f" + std::to_string(times[i - 1]));
  }
}

// Verifies a full ring drops and counts instead of blocking the producer.
TEST_F(RecorderTest, FullRingDropsAndCounts) {
  RecorderOptions o;
  o.dir = dir_.file("cap");
  o.ring_capacity = 4;
  Recorder rec(o);
  auto tap = rec.tap();
  for (int i = 0; i < 10; ++i) tap(raw(kT0 + i, "x"));  // not started: nothing drains
  EXPECT_EQ(rec.dropped(), 6u);
  rec.start();
  rec.stop();
  EXPECT_EQ(rec.frames_written(), 4u);
}

// Verifies every file starts with the recording's contract specs, stamped with the receive
// times of the file's first frame, so each file replays alone; they are not counted as frames.
TEST_F(RecorderTest, EveryFileStartsWithTheSpecs) {
  RecorderOptions o;
  o.dir = dir_.file("cap");
  o.rotate = std::chrono::seconds(1);
  core::InstrumentTable table;
  (void)table.add({core::Venue::kBybit, "BTCUSDT", "BTC", core::ContractKind::kLinear, 1.0, true});
  (void)table.add(
      {core::Venue::kOkx, "SOL-USDT-SWAP", "SOL", core::ContractKind::kLinear, 1.0, true});
  o.file_preamble = spec_frames(table);
  ASSERT_EQ(o.file_preamble.size(), 2u);
  Recorder rec(o);
  auto tap = rec.tap();
  rec.start();
  const std::int64_t times[] = {kT0 + 7, kT0 + 500'000'000, kT0 + 1'200'000'000};
  for (const auto t : times) tap(raw(t, "f"));
  rec.stop();
  EXPECT_EQ(rec.frames_written(), 3u);
  EXPECT_EQ(rec.files(), 2u);
  std::vector<std::string> files;
  std::string error;
  ASSERT_TRUE(capture_files_in(o.dir, files, error)) << error;
  ASSERT_EQ(files.size(), 2u);
  for (std::size_t i = 0; i < files.size(); ++i) {
    SCOPED_TRACE(files[i]);
    std::string damage;
    const auto got = read_all(files[i], damage);
    EXPECT_EQ(damage, "");
    ASSERT_EQ(got.size(), i == 0 ? 4u : 3u);
    const std::int64_t first = i == 0 ? times[0] : times[2];
    for (std::size_t k = 0; k < 2; ++k) {
      EXPECT_EQ(got[k].channel, FrameChannel::kSpec);
      EXPECT_EQ(got[k].venue, o.file_preamble[k].venue);
      EXPECT_EQ(got[k].payload, o.file_preamble[k].payload);
      EXPECT_EQ(got[k].recv_wall_ns, first);
    }
    EXPECT_EQ(got[2].channel, FrameChannel::kWs);
    EXPECT_EQ(got[2].recv_wall_ns, first);
  }
}

class ReplayTest : public testing::Test {
 protected:
  static std::string replay(const std::vector<std::string>& files, FileFormat format,
                            int* code = nullptr) {
    app::ReplayOptions o;
    o.files = files;
    o.format = format;
    std::ostringstream out;
    const int rc = app::run_replay(app::default_config(), o, out);
    if (code != nullptr) *code = rc;
    return out.str();
  }
  static std::string write_jsonl(const std::string& path, const std::vector<RecordedFrame>& fs) {
    std::string text;
    for (const auto& f : fs) {
      JsonlFrame j;
      j.ts_ns = f.recv_wall_ns;
      j.venue = f.venue;
      j.channel = f.channel;
      j.connection = f.connection;
      j.frame = f.payload;
      append_jsonl_frame(text, j);
    }
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  TempDir dir_;
};

// Verifies the same JSONL gives byte-identical results run after run, with instruments,
// assets, Hawkes fits and the counts of what was read.
TEST_F(ReplayTest, JsonlReplayIsDeterministic) {
  const auto frames = binance_session(12000, 7);
  const auto path = write_jsonl(dir_.file("s.jsonl"), frames);
  const std::string a = replay({path}, FileFormat::kAuto);
  const std::string b = replay({path}, FileFormat::kJsonl);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.find("{\"instruments\":[{"), std::string::npos) << a.substr(0, 300);
  EXPECT_NE(a.find("\"BTCUSDT\""), std::string::npos);
  EXPECT_NE(a.find("\"assets\":[{"), std::string::npos);
  EXPECT_NE(a.find("\"frames\":" + std::to_string(frames.size())), std::string::npos);
  EXPECT_NE(a.find(",\"errors\":0}"), std::string::npos) << a.substr(a.size() - 200);
  // A different session gives a different result (the output depends on the input).
  const auto other = write_jsonl(dir_.file("o.jsonl"), binance_session(12000, 8));
  EXPECT_NE(replay({other}, FileFormat::kAuto), a);
}

// Verifies a capture and its JSONL export replay to identical output.
TEST_F(ReplayTest, CaptureAndExportReplayAlike) {
  auto frames = binance_session(5000, 11);
  frames.push_back(
      make_frame(frames.back().recv_wall_ns + 1, "down silence", FrameChannel::kStatus));
  const std::string cap = dir_.file("s.ldcap");
  write_capture(cap, frames, 700);
  std::ostringstream exported;
  ASSERT_EQ(app::run_export({cap}, FileFormat::kAuto, exported), 0);
  const std::string jsonl = dir_.file("s.jsonl");
  std::ofstream(jsonl, std::ios::binary) << exported.str();
  const std::string from_capture = replay({cap}, FileFormat::kAuto);
  EXPECT_EQ(from_capture, replay({jsonl}, FileFormat::kJsonl));
  EXPECT_NE(from_capture.find("\"partial\":true"), std::string::npos);  // the gap is replayed
  // JSONL back into a capture (import of frames from other tools) replays alike too.
  const std::string back = dir_.file("back.ldcap");
  ASSERT_EQ(app::run_export_capture({jsonl}, FileFormat::kJsonl, back), 0);
  EXPECT_EQ(replay({back}, FileFormat::kAuto), from_capture);
  // Export of the export is the same text: nothing is lost in JSONL.
  std::ostringstream again;
  ASSERT_EQ(app::run_export({jsonl}, FileFormat::kAuto, again), 0);
  EXPECT_EQ(again.str(), exported.str());
}

// Verifies --speed paces by recorded time (a lower bound only) without changing the result.
TEST_F(ReplayTest, SpeedPacesWithoutChangingTheResult) {
  const auto frames = binance_session(50, 9);  // 1 s of recorded time
  const auto path = write_jsonl(dir_.file("s.jsonl"), frames);
  app::ReplayOptions o;
  o.files = {path};
  o.speed = 5;
  std::ostringstream paced;
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(app::run_replay(app::default_config(), o, paced), 0);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(190));
  EXPECT_EQ(paced.str(), replay({path}, FileFormat::kAuto));
}

// Verifies malformed frames and lines are counted in "errors", never fatal, and the rest of
// the file is still replayed.
TEST_F(ReplayTest, MalformedFramesAreCounted) {
  auto frames = binance_session(300, 3);
  const auto path = write_jsonl(dir_.file("s.jsonl"), frames);
  std::ofstream(path, std::ios::app)
      << "not json at all\n"
      << R"({"ts_ns":1,"venue":"nowhere","frame":"{}"})"
      << "\n"
      << R"({"ts_ns":)" << kT0 + 100'000'000'000
      << R"(,"venue":"binance","frame":"{\"stream\":\"btcusdt@aggTrade\",\"data\":{\"e\":\"aggTrade\",\"p\":\"x\"}}"})"
      << "\n";
  int code = -1;
  const std::string out = replay({path}, FileFormat::kJsonl, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("\"errors\":3}"), std::string::npos) << out.substr(out.size() - 100);
  EXPECT_NE(out.find("\"frames\":" + std::to_string(frames.size() + 1)), std::string::npos);
}

// Verifies a damaged capture replays the frames before the damage and counts one error.
TEST_F(ReplayTest, TruncatedCaptureReplaysFramesBefore) {
  const auto frames = binance_session(3000, 5);
  const std::string cap = dir_.file("s.ldcap");
  write_capture(cap, frames, 1000);
  fs::resize_file(cap, fs::file_size(cap) - 10);
  int code = -1;
  const std::string out = replay({cap}, FileFormat::kCapture, &code);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("\"frames\":3000,"), std::string::npos) << out.substr(out.size() - 100);
  EXPECT_NE(out.find("\"errors\":1}"), std::string::npos);
}

// Verifies an unreadable file is a usage error (exit 2) before anything is printed.
TEST_F(ReplayTest, MissingFileIsAnError) {
  int code = -1;
  EXPECT_EQ(replay({dir_.file("nope.ldcap")}, FileFormat::kAuto, &code), "");
  EXPECT_EQ(code, 2);
}

// Verifies a recording directory replays as its capture files in the order they were written
// (a same-second "-N" file after the first, by number), other files ignored, and gives the
// same result as those files listed by hand; a directory without captures is a usage error.
TEST_F(ReplayTest, DirectoryReplaysItsCapturesInOrder) {
  const auto frames = binance_session(4000, 21);
  const std::string dir = dir_.file("rec");
  fs::create_directories(dir + "/sub.ldcap");  // a directory, not a capture
  std::ofstream(dir + "/notes.txt") << "not a capture";
  fs::create_symlink(dir + "/gone.ldcap", dir + "/dangling.ldcap");
  // Five files cut from one session; names chosen so plain name order would be wrong.
  const std::vector<std::string> names = {
      "levdyn-20251124T155959Z.ldcap", "levdyn-20251124T160000Z.ldcap",
      "levdyn-20251124T160000Z-2.ldcap", "levdyn-20251124T160000Z-10.ldcap",
      "levdyn-20251124T160001Z.ldcap"};
  const std::size_t cut[] = {0, 900, 1500, 2300, 3200, frames.size()};
  std::vector<std::string> in_order;
  for (std::size_t i = 0; i < names.size(); ++i) {
    in_order.push_back(dir + "/" + names[i]);
    write_capture(
        in_order.back(),
        std::vector<RecordedFrame>(frames.begin() + static_cast<std::ptrdiff_t>(cut[i]),
                                   frames.begin() + static_cast<std::ptrdiff_t>(cut[i + 1])),
        300);
  }
  std::vector<std::string> listed;
  std::string error;
  ASSERT_TRUE(capture_files_in(dir, listed, error)) << error;
  EXPECT_EQ(listed, in_order);

  const std::string whole = dir_.file("whole.ldcap");
  write_capture(whole, frames, 300);
  const std::string expected = replay({whole}, FileFormat::kAuto);
  EXPECT_NE(expected.find("\"frames\":" + std::to_string(frames.size())), std::string::npos);
  EXPECT_EQ(replay({dir}, FileFormat::kAuto), expected);
  EXPECT_EQ(replay(in_order, FileFormat::kAuto), expected);
  std::ostringstream from_dir, from_files;
  ASSERT_EQ(app::run_export({dir}, FileFormat::kAuto, from_dir), 0);
  ASSERT_EQ(app::run_export(in_order, FileFormat::kAuto, from_files), 0);
  EXPECT_EQ(from_dir.str(), from_files.str());
  // Merged into one capture, and never over one of its own inputs.
  const std::string merged = dir_.file("merged.ldcap");
  ASSERT_EQ(app::run_export_capture({dir}, FileFormat::kAuto, merged), 0);
  EXPECT_EQ(replay({merged}, FileFormat::kAuto), expected);
  const auto size = fs::file_size(in_order[1]);
  EXPECT_EQ(app::run_export_capture({dir}, FileFormat::kAuto, in_order[1]), 2);
  EXPECT_EQ(fs::file_size(in_order[1]), size);

  const std::string empty = dir_.file("empty");
  fs::create_directories(empty);
  std::vector<std::string> none;
  EXPECT_FALSE(capture_files_in(empty, none, error));
  EXPECT_NE(error.find("no capture files"), std::string::npos) << error;
  int code = -1;
  EXPECT_EQ(replay({empty}, FileFormat::kAuto, &code), "");
  EXPECT_EQ(code, 2);
}

// Verifies a capture recorded with symbols the replay's config does not track is named in a
// warning (their frames give no events), and a capture of tracked symbols gives none.
TEST_F(ReplayTest, UntrackedRecordedSymbolsAreNamed) {
  const auto frames = binance_session(300, 6);
  const std::string tracked = dir_.file("tracked.ldcap");
  const std::string wider = dir_.file("wider.ldcap");
  write_capture(tracked, frames, 100);
  write_capture(wider, frames, 100, {"BTCUSDT", "SOLUSDT", "DOGEUSDT"});
  const app::Replayer replayer(app::default_config());
  CaptureReader r;
  std::string error;
  ASSERT_TRUE(r.open(wider, error)) << error;
  EXPECT_EQ(replayer.untracked(r.header()),
            (std::vector<std::string>{"binance SOLUSDT", "binance DOGEUSDT"}));
  ASSERT_TRUE(r.open(tracked, error)) << error;
  EXPECT_TRUE(replayer.untracked(r.header()).empty());

  testing::internal::CaptureStderr();
  const std::string out = replay({tracked, wider}, FileFormat::kAuto);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("\"frames\":" + std::to_string(2 * frames.size())), std::string::npos);
  EXPECT_EQ(log.find(tracked + " was recorded with"), std::string::npos) << log;
  EXPECT_NE(log.find(wider + " was recorded with binance SOLUSDT, binance DOGEUSDT, which this "
                             "config does not track"),
            std::string::npos)
      << log;
}

// Verifies a capture recorded under other settings than the replay's (the header's config
// digest) is named in a warning, and one recorded under the same settings, or merged (no
// digest), is not.
TEST_F(ReplayTest, OtherRecordedSettingsAreNamed) {
  const auto frames = binance_session(100, 2);
  const std::string same = dir_.file("same.ldcap");
  const std::string other = dir_.file("other.ldcap");
  const std::string merged = dir_.file("merged.ldcap");
  const std::string digest = app::config_digest(app::default_config());
  write_capture(same, frames, 50, {"BTCUSDT", "ETHUSDT"}, digest);
  write_capture(other, frames, 50, {"BTCUSDT", "ETHUSDT"}, "0123456789abcdef");
  write_capture(merged, frames, 50, {"BTCUSDT", "ETHUSDT"}, "");
  testing::internal::CaptureStderr();
  const std::string out = replay({same, other, merged}, FileFormat::kAuto);
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("\"frames\":" + std::to_string(3 * frames.size())), std::string::npos);
  EXPECT_NE(log.find("replay: " + other +
                     ": recorded under other settings (config digest "
                     "0123456789abcdef; this replay's is " +
                     digest + ")"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find(same + ": recorded under"), std::string::npos) << log;
  EXPECT_EQ(log.find(merged + ": recorded under"), std::string::npos) << log;
}

// Verifies a long list of sources holds one open file at a time: each is checked when the
// list is made, opened by its first frame and closed at its end (a directory of hourly
// captures would otherwise hold a file and a block-reading thread per hour).
TEST_F(ReplayTest, SourcesAreOpenedOneAtATime) {
  auto open_fds = [] {
    return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{});
  };
  const auto frames = binance_session(200, 4);
  std::vector<std::string> files;
  for (int i = 0; i < 40; ++i) {
    files.push_back(dir_.file("c" + std::to_string(i) + ".ldcap"));
    write_capture(files.back(), frames, 50);
  }
  const auto before = open_fds();
  std::vector<std::unique_ptr<FrameSource>> sources;
  ASSERT_TRUE(app::open_sources(files, FileFormat::kAuto, sources));
  ASSERT_EQ(sources.size(), files.size());
  EXPECT_EQ(open_fds(), before);
  RecordedFrame f;
  std::string error;
  std::size_t read = 0;
  for (auto& src : sources) {
    ASSERT_EQ(src->next(f, error), FrameSource::Next::kFrame) << error;
    ++read;
    EXPECT_EQ(open_fds(), before + 1);
    while (src->next(f, error) == FrameSource::Next::kFrame) ++read;
    EXPECT_EQ(open_fds(), before);
    EXPECT_EQ(src->next(f, error), FrameSource::Next::kEnd);
  }
  EXPECT_EQ(read, files.size() * frames.size());
  // A file removed after the check is reported once by next(), then it ends.
  std::vector<std::unique_ptr<FrameSource>> late;
  ASSERT_TRUE(app::open_sources({files[0]}, FileFormat::kAuto, late));
  fs::remove(files[0]);
  EXPECT_EQ(late[0]->next(f, error), FrameSource::Next::kBadLine);
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
  EXPECT_EQ(late[0]->next(f, error), FrameSource::Next::kEnd);
}

// Verifies replay takes an instrument's contract spec from the recording (spec frames) before
// the bundled one: a symbol levdyn does not bundle gets its contract value, as in the live
// service that fetched it; the JSONL export carries the specs; a later recorded spec that
// differs is named in a warning and not used; a spec frame that does not parse is an error.
TEST_F(ReplayTest, RecordedContractSpecsAreUsed) {
  app::Config config = app::default_config();
  config.venues[static_cast<std::size_t>(core::Venue::kOkx)].symbols.push_back("SOL-USDT-SWAP");
  const auto run = [&](const std::vector<std::string>& files) {
    app::ReplayOptions o;
    o.files = files;
    std::ostringstream out;
    EXPECT_EQ(app::run_replay(config, o, out), 0);
    return out.str();
  };
  const auto spec = [](double contract_value, std::int64_t t) {
    return make_frame(t,
                      spec_payload({core::Venue::kOkx, "SOL-USDT-SWAP", "SOL",
                                    core::ContractKind::kLinear, contract_value, true}),
                      FrameChannel::kSpec, 0, core::Venue::kOkx);
  };
  const auto trade = [](std::int64_t t) {
    const std::string ms = std::to_string(t / 1'000'000);
    return make_frame(t,
                      R"({"arg":{"channel":"trades","instId":"SOL-USDT-SWAP"},"data":[{"instId":)"
                      R"("SOL-USDT-SWAP","tradeId":"1","px":"150.5","sz":"3","side":"buy","ts":")" +
                          ms + R"("}]})",
                      FrameChannel::kWs, 0, core::Venue::kOkx);
  };
  const std::string with = dir_.file("with.ldcap");
  const std::string without = dir_.file("without.ldcap");
  write_capture(with, {spec(10, kT0), trade(kT0)}, 10);
  write_capture(without, {trade(kT0)}, 10);
  testing::internal::CaptureStderr();
  const std::string a = run({with});
  const std::string b = run({without});
  const std::string told = testing::internal::GetCapturedStderr();
  // The default config's 12 symbols (BTC and ETH of six venues) are bundled.
  EXPECT_NE(told.find("replay: contract specs: 1 from the recording, 12 bundled\n"),
            std::string::npos)
      << told;
  EXPECT_NE(told.find("replay: contract specs: 0 from the recording, 12 bundled; none for okx "
                      "SOL-USDT-SWAP"),
            std::string::npos)
      << told;
  EXPECT_NE(a.find("\"symbol\":\"SOL-USDT-SWAP\""), std::string::npos) << a;
  EXPECT_NE(a.find("\"trades\":1,\"volume_usd\":4515}"), std::string::npos) << a;  // 3 × 10 × 150.5
  EXPECT_NE(a.find("\"frames\":1,"), std::string::npos) << a;  // spec frames are not market data
  EXPECT_EQ(b.find("\"volume_usd\":4515"), std::string::npos) << b;
  EXPECT_NE(a, b);

  std::ostringstream exported;
  ASSERT_EQ(app::run_export({with}, FileFormat::kAuto, exported), 0);
  EXPECT_NE(exported.str().find(
                R"("venue":"okx","channel":"spec","frame":"{\"symbol\":\"SOL-USDT-SWAP\")"),
            std::string::npos)
      << exported.str();
  const std::string jsonl = dir_.file("with.jsonl");
  std::ofstream(jsonl, std::ios::binary) << exported.str();
  EXPECT_EQ(run({jsonl}), a);
  const std::string back = dir_.file("back.ldcap");  // and back into a capture
  ASSERT_EQ(app::run_export_capture({jsonl}, FileFormat::kJsonl, back), 0);
  EXPECT_EQ(run({back}), a);

  // A second file recorded with another contract value: its frames replay with the first one.
  const std::string later = dir_.file("later.ldcap");
  write_capture(later, {spec(1, kT0 + 1'000'000'000), trade(kT0 + 1'000'000'000)}, 10);
  testing::internal::CaptureStderr();
  const std::string both = run({with, later});
  const std::string log = testing::internal::GetCapturedStderr();
  EXPECT_NE(both.find("\"trades\":2,\"volume_usd\":9030}"), std::string::npos) << both;
  EXPECT_NE(log.find("recorded contract spec for okx SOL-USDT-SWAP (SOL linear, contract value 1) "
                     "differs from the one this replay uses (SOL linear, contract value 10)"),
            std::string::npos)
      << log;

  const std::string bad = dir_.file("bad.ldcap");
  auto broken = spec(10, kT0);
  broken.payload = R"({"symbol":"SOL-USDT-SWAP","asset":"SOL","kind":"swap","contract_value":10})";
  write_capture(bad, {broken, trade(kT0)}, 10);
  const std::string c = run({bad});
  EXPECT_NE(c.find("\"errors\":1}"), std::string::npos) << c;
  EXPECT_EQ(c.find("\"volume_usd\":4515"), std::string::npos) << c;
}

// Verifies a recording's settings payload reads back, through the config loader, to the same
// settings: every key config_digest covers, exact doubles, disabled venues; and a settings
// frame is filed under the first enabled venue.
TEST(SettingsFrameTest, PayloadReadsBackAsTheSameSettings) {
  using namespace std::chrono_literals;
  app::Config c = app::default_config();
  c.windows = {30s, 2min, 3'600'001ms};
  c.hawkes.window = 2h;
  c.hawkes.decay = 45s;
  c.hawkes.min_events = 77;
  c.cascade.trigger_ratio = 4.5;
  c.cascade.exit_ratio = 0.1;
  c.cascade.floor_usd_s = 12345.678;
  c.cascade.quiet = 90s;
  c.venues[static_cast<std::size_t>(core::Venue::kOkx)].symbols.push_back("SOL-USDT-SWAP");
  c.venues[static_cast<std::size_t>(core::Venue::kDeribit)].enabled = false;
  c.venues[static_cast<std::size_t>(core::Venue::kBitmex)].all_liquidations = true;
  const std::string payload = app::settings_payload(c);
  const app::Config back = app::parse_config(payload, nullptr, "recorded");
  EXPECT_EQ(app::config_digest(back), app::config_digest(c)) << payload;
  EXPECT_EQ(back.windows, c.windows);
  EXPECT_EQ(back.hawkes.window, c.hawkes.window);
  EXPECT_EQ(back.hawkes.decay, c.hawkes.decay);
  EXPECT_EQ(back.hawkes.min_events, 77);
  EXPECT_EQ(back.cascade.trigger_ratio, 4.5);
  EXPECT_EQ(back.cascade.exit_ratio, 0.1);  // exactly: 0.1 is not a short binary fraction
  EXPECT_EQ(back.cascade.floor_usd_s, 12345.678);
  EXPECT_EQ(back.cascade.quiet, c.cascade.quiet);
  for (std::size_t v = 0; v < c.venues.size(); ++v) {
    SCOPED_TRACE(v);
    EXPECT_EQ(back.venues[v].enabled, c.venues[v].enabled);
    EXPECT_EQ(back.venues[v].symbols, c.venues[v].symbols);
    EXPECT_EQ(back.venues[v].all_liquidations, c.venues[v].all_liquidations);
  }
  EXPECT_EQ(app::settings_payload(back), payload);
  const app::Config defaults = app::default_config();
  EXPECT_EQ(app::config_digest(app::parse_config(app::settings_payload(defaults), nullptr)),
            app::config_digest(defaults));
  EXPECT_NE(app::config_digest(back), app::config_digest(defaults));

  const RecordedFrame f = app::settings_frame(c);
  EXPECT_EQ(f.channel, FrameChannel::kSettings);
  EXPECT_EQ(f.venue, core::Venue::kBinance);
  EXPECT_EQ(f.payload, payload);
  c.venues[static_cast<std::size_t>(core::Venue::kBinance)].enabled = false;
  EXPECT_EQ(app::settings_frame(c).venue, core::Venue::kBybit);
}

// Verifies replay finds the settings a recording starts with (for `replay` without --config),
// names recorded settings that differ from its own once however many files repeat them (and
// then not the header's digest as well), replays with them to other results than with the
// defaults, and counts a settings frame that does not read as an error.
TEST_F(ReplayTest, RecordedSettingsAreFoundAndChecked) {
  using namespace std::chrono_literals;
  app::Config rec = app::default_config();
  rec.windows = {30s, 2min};
  rec.cascade.trigger_ratio = 4.5;
  const auto settings = [](const app::Config& c, std::int64_t t) {
    RecordedFrame f = app::settings_frame(c);
    f.recv_wall_ns = t;
    return f;
  };
  const auto session = binance_session(300, 9);
  const std::int64_t hour = 3'600'000'000'000;
  std::vector<RecordedFrame> first = {settings(rec, kT0)};
  std::vector<RecordedFrame> second = {settings(rec, kT0 + hour)};
  for (const auto& f : session) {
    first.push_back(f);
    second.push_back(f);
    second.back().recv_wall_ns += hour;
  }
  const std::string a = dir_.file("a.ldcap");
  const std::string b = dir_.file("b.ldcap");
  const std::string plain = dir_.file("plain.ldcap");
  write_capture(a, first, 100);  // the header's digest differs from the defaults' too
  write_capture(b, second, 100);
  write_capture(plain, session, 100, {"BTCUSDT", "ETHUSDT"}, "");

  std::string payload, from;
  ASSERT_TRUE(app::recorded_settings({a, b}, FileFormat::kAuto, payload, from));
  EXPECT_EQ(payload, app::settings_payload(rec));
  EXPECT_EQ(from, a);
  EXPECT_FALSE(app::recorded_settings({plain, a}, FileFormat::kAuto, payload, from));
  // Standard input ("-") is read ahead and given back: RecordReplayTest pipes into a real
  // `levdyn replay -` (a test process's own stdin is not the test's to read).
  EXPECT_FALSE(
      app::recorded_settings({dir_.file("missing.ldcap")}, FileFormat::kAuto, payload, from));

  const auto run = [](const app::Config& config, const std::vector<std::string>& files,
                      app::SettingsOrigin origin = app::SettingsOrigin::kGiven) {
    app::ReplayOptions o;
    o.files = files;
    o.settings = origin;
    std::ostringstream out;
    EXPECT_EQ(app::run_replay(config, o, out), 0);
    return out.str();
  };
  testing::internal::CaptureStderr();
  const std::string by_defaults = run(app::default_config(), {a, b});
  std::string log = testing::internal::GetCapturedStderr();
  const std::string warning = "were recorded under other settings (config digest " +
                              app::config_digest(rec) + ") than this replay's (" +
                              app::config_digest(app::default_config()) + ", from the defaults)";
  const auto at = log.find(warning);
  EXPECT_NE(at, std::string::npos) << log;
  EXPECT_EQ(log.find(warning, at + 1), std::string::npos) << log;  // once, not once per file
  EXPECT_EQ(log.find(": recorded under other settings"), std::string::npos) << log;
  EXPECT_NE(by_defaults.find("\"frames\":" + std::to_string(2 * session.size()) + ","),
            std::string::npos);  // settings frames are not market data

  const app::Config recorded = app::parse_config(payload, nullptr, a + " (recorded settings)");
  testing::internal::CaptureStderr();
  const std::string by_recorded = run(recorded, {a, b});
  log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(log.find("other settings"), std::string::npos) << log;
  EXPECT_NE(by_recorded.find("\"windows\":{\"30s\":"), std::string::npos)
      << by_recorded.substr(0, 800);
  EXPECT_EQ(by_defaults.find("\"30s\""), std::string::npos);
  EXPECT_EQ(by_recorded, run(rec, {a, b}));

  // The JSONL export carries the settings: found there, and replays alike.
  std::ostringstream exported;
  ASSERT_EQ(app::run_export({a, b}, FileFormat::kAuto, exported), 0);
  const std::string jsonl = dir_.file("ab.jsonl");
  std::ofstream(jsonl, std::ios::binary) << exported.str();
  ASSERT_TRUE(app::recorded_settings({jsonl}, FileFormat::kAuto, payload, from));
  EXPECT_EQ(payload, app::settings_payload(rec));
  EXPECT_EQ(run(recorded, {jsonl}), by_recorded);

  // A later file recorded under yet other settings is named, with where this replay's came from.
  app::Config other = rec;
  other.hawkes.min_events = 99;
  std::vector<RecordedFrame> third = second;
  third.front() = settings(other, kT0 + hour);
  const std::string c = dir_.file("c.ldcap");
  write_capture(c, third, 100);
  testing::internal::CaptureStderr();
  (void)run(recorded, {a, c}, app::SettingsOrigin::kRecorded);
  log = testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("(config digest " + app::config_digest(other) + ") than this replay's (" +
                     app::config_digest(rec) + ", from " + a +
                     " (recorded settings)): windows, Hawkes or cascade settings, venues or "
                     "symbols differ, so results can differ from the live ones (replay those "
                     "files apart to use their settings)"),
            std::string::npos)
      << log;

  std::vector<RecordedFrame> broken = first;
  broken.front().payload = R"({"windows":"soon"})";
  const std::string bad = dir_.file("bad.ldcap");
  write_capture(bad, broken, 100);
  testing::internal::CaptureStderr();
  const std::string out = run(app::default_config(), {bad});
  log = testing::internal::GetCapturedStderr();
  EXPECT_NE(out.find("\"errors\":1}"), std::string::npos) << out.substr(out.size() - 100);
  EXPECT_NE(log.find("replay: settings frame at " + std::to_string(kT0) + " rejected (windows: "),
            std::string::npos)
      << log;
}

}  // namespace
}  // namespace levdyn::capture
