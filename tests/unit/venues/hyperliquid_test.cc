// Tests of the Hyperliquid codec: every shared fixture decoded to exact values (units, sides,
// hourly funding to 8 h, one-sided OI), the subscribe replay dedupe across reconnects,
// malformed frames, connection/heartbeat policy, settings and `meta` metadata.

#include "service/venues/hyperliquid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/events.h"
#include "core/instrument_table.h"
#include "service/venues/binance.h"
#include "service/venues/codec.h"
#include "service/venues/event_json.h"
#include "service/venues/metadata.h"
#include "tests/support/venue_fixtures.h"

namespace levdyn::venues {
namespace {

using test::trim;
using test::replace;

using core::EventType;
using core::NormalizedEvent;

constexpr std::int64_t kRecvWall = 1'700'000'000'123'456'789;
constexpr std::int64_t kRecvSteady = 42'000'000'000;
constexpr std::int64_t kMs = 1'000'000;

std::string fixture_dir() { return std::string(LEVDYN_SHARED_DIR) + "/fixtures/hyperliquid"; }

std::string read_fixture(const std::string& name) {
  return test::read_fixture_file(fixture_dir() + "/" + name);
}

std::string strip_spaces(const std::string& s) {
  std::string r;
  for (const char c : s) {
    if (c != ' ' && c != '\n' && c != '\r') r += c;
  }
  return r;
}

const std::string kCtx =
    R"({"channel":"activeAssetCtx","data":{"coin":"BTC","ctx":{"funding":"0.0000125",)"
    R"("openInterest":"32227.66018","prevDayPx":"63564.0","dayNtlVlm":"1128098483.2000689507",)"
    R"("premium":"-0.0002483354","oraclePx":"64429.0","markPx":"64405.0","midPx":"64412.5",)"
    R"("impactPxs":["64404.4","64413.0"],"dayBaseVlm":"17577.61508"}}})";

std::string trade(const std::string& coin, const std::string& side, const std::string& px,
                  const std::string& sz, std::int64_t time, std::uint64_t tid) {
  return R"({"coin":")" + coin + R"(","side":")" + side + R"(","px":")" + px + R"(","sz":")" +
         sz + R"(","time":)" + std::to_string(time) +
         R"(,"hash":"0x0000000000000000000000000000000000000000000000000000000000000000","tid":)" +
         std::to_string(tid) + R"(,"users":["0xaa","0xbb"]})";
}

std::string trades_frame(const std::vector<std::string>& elements) {
  std::string f = R"({"channel":"trades","data":[)";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i != 0) f += ',';
    f += elements[i];
  }
  return f + "]}";
}

const std::string kTrade = trades_frame({trade("BTC", "B", "64000.5", "0.25", 1710125266669, 7)});

class HyperliquidCodecTest : public testing::Test {
 protected:
  void SetUp() override { codec_ = hyperliquid::make_codec(hyperliquid::default_settings(), table_); }

  void rebuild(const VenueSettings& settings) { codec_ = hyperliquid::make_codec(settings, table_); }

  DecodeResult decode(std::string_view frame) {
    FrameMeta meta;
    meta.recv_wall_ns = kRecvWall;
    meta.recv_steady_ns = kRecvSteady;
    reply_.clear();
    return codec_->decode(frame, meta, out_, reply_);
  }

  void expect_header(const NormalizedEvent& e, EventType type, std::string_view symbol,
                     std::int64_t exchange_ns) const {
    EXPECT_EQ(e.type, type);
    EXPECT_EQ(e.venue, core::Venue::kHyperliquid);
    ASSERT_NE(e.instrument, core::kNoInstrument);
    ASSERT_LT(e.instrument, table_.size());
    EXPECT_EQ(table_.get(e.instrument).symbol_view(), symbol);
    EXPECT_EQ(e.exchange_ts_ns, exchange_ns);
    EXPECT_EQ(e.recv_wall_ns, kRecvWall);
    EXPECT_EQ(e.recv_steady_ns, kRecvSteady);
  }

  std::uint64_t dups() const { return hyperliquid::duplicate_trades(*codec_); }

  core::InstrumentTable table_;
  std::unique_ptr<Codec> codec_;
  std::vector<NormalizedEvent> out_;
  std::string reply_;
};

// ---------------------------------------------------------------------------------------------
// Fixtures, one by one.

// Verifies every file in the shared hyperliquid fixture folder has a test below.
TEST(HyperliquidFixtures, EveryFixtureIsCovered) {
  const std::set<std::string> covered = {
      "active_asset_ctx_recorded_btc.json", "pong_doc_example.json",
      "subscribe_request_doc_example.json", "subscription_response_doc_example.json",
      "trades_ccxt_comment_example.json",   "user_fill_liquidation_real.json"};
  std::set<std::string> present;
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    present.insert(entry.path().filename().string());
  }
  EXPECT_EQ(present, covered);
}

// Verifies the recorded BTC activeAssetCtx becomes a mark price (oracle as index, hourly
// funding × 8 over an 8 h interval) and a one-sided base-coin OI valued at markPx, both with
// no exchange timestamp.
TEST_F(HyperliquidCodecTest, ActiveAssetCtxRecordedBtc) {
  const auto r = decode(read_fixture("active_asset_ctx_recorded_btc.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "open_interest");
  ASSERT_EQ(out_.size(), 2u);
  const auto& m = out_[0];
  expect_header(m, EventType::kMarkPrice, "BTC", 0);
  EXPECT_EQ(m.mark.mark, 64405.0);
  EXPECT_EQ(m.mark.index, 64429.0);
  EXPECT_DOUBLE_EQ(m.mark.funding_rate, 0.0001);  // 0.0000125 per hour × 8
  EXPECT_EQ(m.mark.funding_interval_s, 28800);
  const auto& e = out_[1];
  expect_header(e, EventType::kOpenInterest, "BTC", 0);
  EXPECT_EQ(e.oi.base, 32227.66018);  // not halved: one-sided already
  EXPECT_EQ(e.oi.contracts, 32227.66018);
  EXPECT_EQ(e.oi.notional_usd, 32227.66018 * 64405.0);
  EXPECT_EQ(e.oi.source, core::OiSource::kWs);
  EXPECT_EQ(e.event_time_ns(), kRecvWall);  // filed under the receive time
}

// Verifies the documented pong is a valid control message that yields nothing.
TEST_F(HyperliquidCodecTest, PongDocExample) {
  const auto r = decode(read_fixture("pong_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_TRUE(out_.empty());
}

// Verifies the codec's trades subscribe frame is the documented request (modulo whitespace),
// and that the request, were it echoed to the client, is not mistaken for data.
TEST_F(HyperliquidCodecTest, SubscribeRequestDocExample) {
  VenueSettings s = hyperliquid::default_settings();
  s.symbols = {"SOL"};
  rebuild(s);
  const auto eps = codec_->ws_endpoints();
  ASSERT_EQ(eps.size(), 1u);
  ASSERT_EQ(eps[0].subscribe.size(), 2u);
  EXPECT_EQ(eps[0].subscribe[1], strip_spaces(read_fixture("subscribe_request_doc_example.json")));
  EXPECT_EQ(decode(read_fixture("subscribe_request_doc_example.json")).status,
            DecodeStatus::kUnknownMessage);
  EXPECT_TRUE(out_.empty());
}

// Verifies the documented subscription ack is ignored.
TEST_F(HyperliquidCodecTest, SubscriptionResponseDocExample) {
  const auto r = decode(read_fixture("subscription_response_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_TRUE(out_.empty());
}

// Verifies the ccxt trades example (older format without `users`): side "A" is a taker sell,
// sz is base coin, time is ms.
TEST_F(HyperliquidCodecTest, TradesCcxtCommentExample) {
  const auto r = decode(read_fixture("trades_ccxt_comment_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "trade");
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kTrade, "BTC", 1710125266669 * kMs);
  EXPECT_EQ(e.trade.price, 68517.0);
  EXPECT_EQ(e.trade.quantity, 0.005);
  EXPECT_EQ(e.trade.notional_usd, 68517.0 * 0.005);
  EXPECT_EQ(e.trade.taker_side, core::Side::kSell);
}

// Verifies a per-user fill carrying a `liquidation` object is ignored: it is one user's fill
// on a channel levdyn never subscribes to, not public liquidation data, so no event (and in
// particular no liquidation) comes out of it.
TEST_F(HyperliquidCodecTest, UserFillLiquidationRealIsIgnored) {
  const auto r = decode(read_fixture("user_fill_liquidation_real.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_TRUE(out_.empty());
}

// Verifies the JSONL lines of the ctx fixture: no exchange_ts (the venue gives none).
TEST_F(HyperliquidCodecTest, CtxAsJsonLines) {
  ASSERT_EQ(decode(read_fixture("active_asset_ctx_recorded_btc.json")).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  std::string mark;
  std::string oi;
  append_event_json(mark, out_[0], table_);
  append_event_json(oi, out_[1], table_);
  EXPECT_EQ(mark, R"({"type":"mark_price","venue":"hyperliquid","symbol":"BTC","asset":"BTC",)"
                  R"("mark":64405,"index":64429,"funding_rate":1e-04,"funding_interval_s":28800})");
  EXPECT_EQ(oi.find("exchange_ts"), std::string::npos) << oi;
  EXPECT_NE(oi.find(R"("base":32227.66018)"), std::string::npos) << oi;
  EXPECT_NE(oi.find(R"("source":"ws")"), std::string::npos) << oi;
}

// ---------------------------------------------------------------------------------------------
// Shapes beyond the fixtures.

// Verifies side "B" is a taker buy, several trades in one frame keep their order, and an
// untracked coin's trade inside the frame is skipped.
TEST_F(HyperliquidCodecTest, TradesSidesOrderAndUntracked) {
  const auto r = decode(trades_frame({trade("BTC", "B", "64000.5", "0.25", 1710125266669, 7),
                                      trade("DOGE", "A", "0.1", "100", 1710125266670, 8),
                                      trade("ETH", "A", "3000", "2", 1710125266671, 9)}));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  expect_header(out_[0], EventType::kTrade, "BTC", 1710125266669 * kMs);
  EXPECT_EQ(out_[0].trade.taker_side, core::Side::kBuy);
  EXPECT_EQ(out_[0].trade.quantity, 0.25);
  EXPECT_EQ(out_[0].trade.notional_usd, 64000.5 * 0.25);
  expect_header(out_[1], EventType::kTrade, "ETH", 1710125266671 * kMs);
  EXPECT_EQ(out_[1].trade.taker_side, core::Side::kSell);
  EXPECT_EQ(out_[1].trade.notional_usd, 6000.0);
}

// Verifies a frame of only untracked coins (trades or ctx) is ignored, not an error.
TEST_F(HyperliquidCodecTest, UntrackedCoinsAreIgnored) {
  EXPECT_EQ(decode(trades_frame({trade("DOGE", "A", "0.1", "100", 1710125266670, 8)})).status,
            DecodeStatus::kIgnored);
  EXPECT_EQ(decode(replace(kCtx, R"("coin":"BTC")", R"("coin":"DOGE")")).status,
            DecodeStatus::kIgnored);
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(table_.find(core::Venue::kHyperliquid, "DOGE"), core::kNoInstrument);
}

// Verifies the subscribe replay after a reconnect is dropped and counted: 30 trades, then
// on_connected and the same 30 plus one new trade give exactly one event and 30 duplicates.
TEST_F(HyperliquidCodecTest, ReplayAfterReconnectIsDeduplicated) {
  std::vector<std::string> replay;
  for (int i = 0; i < 30; ++i) {
    replay.push_back(trade("BTC", i % 2 ? "A" : "B", "64000", "0.1", 1710000000000 + i, 1000 + i));
  }
  codec_->on_connected(0);
  ASSERT_EQ(decode(trades_frame(replay)).status, DecodeStatus::kOk);
  EXPECT_EQ(out_.size(), 30u);  // first connection: the backfill is new to us
  EXPECT_EQ(dups(), 0u);

  codec_->on_connected(0);  // reconnect: the venue replays the same 30 trades
  out_.clear();
  EXPECT_EQ(decode(trades_frame(replay)).status, DecodeStatus::kIgnored);
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(dups(), 30u);

  replay.push_back(trade("BTC", "B", "64001", "0.2", 1710000000100, 2000));
  EXPECT_EQ(decode(trades_frame(replay)).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].trade.price, 64001.0);
  EXPECT_EQ(dups(), 60u);
}

// Verifies the dedupe key is (time, coin, tid): the same tid at another time or on another
// coin is a different trade; a repeat inside one frame is a duplicate.
TEST_F(HyperliquidCodecTest, DedupeKeyIsTimeCoinTid) {
  const auto r = decode(trades_frame({trade("BTC", "B", "1", "1", 1710000000000, 5),
                                      trade("BTC", "B", "1", "1", 1710000000001, 5),
                                      trade("ETH", "B", "1", "1", 1710000000000, 5),
                                      trade("BTC", "A", "2", "3", 1710000000000, 5)}));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(out_.size(), 3u);
  EXPECT_EQ(dups(), 1u);
}

// Verifies a frame that fails does not mark its trades as seen: the same good trade decodes
// afterwards, and no duplicate is counted.
TEST_F(HyperliquidCodecTest, FailedFrameDoesNotPoisonDedupe) {
  const std::string good = trade("BTC", "B", "64000", "1", 1710000000000, 77);
  EXPECT_EQ(decode(trades_frame({good, trade("BTC", "X", "1", "1", 1710000000001, 78)})).status,
            DecodeStatus::kUnknownMessage);
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(decode(trades_frame({good})).status, DecodeStatus::kOk);
  EXPECT_EQ(out_.size(), 1u);
  EXPECT_EQ(dups(), 0u);
}

// Verifies the recent-trade set is bounded (256 per coin): a trade pushed out by newer ones
// is no longer recognised, while a recent one still is.
TEST_F(HyperliquidCodecTest, RecentSetIsBounded) {
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(decode(trades_frame({trade("BTC", "B", "1", "1", 1710000000000 + i, i + 1)})).status,
              DecodeStatus::kOk);
  }
  out_.clear();
  EXPECT_EQ(decode(trades_frame({trade("BTC", "B", "1", "1", 1710000000000 + 299, 300)})).status,
            DecodeStatus::kIgnored);  // recent: still a duplicate
  EXPECT_EQ(decode(trades_frame({trade("BTC", "B", "1", "1", 1710000000000, 1)})).status,
            DecodeStatus::kOk);  // oldest: forgotten
  EXPECT_EQ(out_.size(), 1u);
}

// Verifies the window is exactly the last 256 keys through many evictions of the ring and its
// index: every key of the window is a duplicate, the one just before it decodes again.
TEST_F(HyperliquidCodecTest, RecentWindowIsTheLast256Keys) {
  constexpr int kTotal = 5 * 256 + 17;
  for (int i = 0; i < kTotal; ++i) {
    ASSERT_EQ(decode(trades_frame({trade("BTC", "B", "1", "1", 1710000000000 + i / 3, i + 1)}))
                  .status,
              DecodeStatus::kOk)
        << i;
  }
  for (int i = kTotal - 256; i < kTotal; ++i) {
    ASSERT_EQ(decode(trades_frame({trade("BTC", "B", "1", "1", 1710000000000 + i / 3, i + 1)}))
                  .status,
              DecodeStatus::kIgnored)
        << i;
  }
  const int old = kTotal - 257;
  out_.clear();
  EXPECT_EQ(decode(trades_frame({trade("BTC", "B", "1", "1", 1710000000000 + old / 3, old + 1)}))
                .status,
            DecodeStatus::kOk);
  EXPECT_EQ(out_.size(), 1u);
}

// Verifies optional ctx fields: null oraclePx / funding (illiquid coins) are absent (NaN),
// never zero; a negative funding rate is kept; missing ones are absent too.
TEST_F(HyperliquidCodecTest, CtxOptionalFields) {
  ASSERT_EQ(decode(replace(replace(kCtx, R"("oraclePx":"64429.0")", R"("oraclePx":null)"),
                           R"("funding":"0.0000125")", R"("funding":null)"))
                .status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_FALSE(core::present(out_[0].mark.index));
  EXPECT_FALSE(core::present(out_[0].mark.funding_rate));
  out_.clear();
  ASSERT_EQ(decode(replace(kCtx, R"("funding":"0.0000125")", R"("funding":"-0.00005")")).status,
            DecodeStatus::kOk);
  EXPECT_DOUBLE_EQ(out_[0].mark.funding_rate, -0.0004);
  out_.clear();
  const std::string minimal =
      R"({"channel":"activeAssetCtx","data":{"coin":"ETH","ctx":{"openInterest":"0","markPx":"3000.5","premium":null,"midPx":null,"impactPxs":null}}})";
  ASSERT_EQ(decode(minimal).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].mark.mark, 3000.5);
  EXPECT_FALSE(core::present(out_[0].mark.index));
  EXPECT_FALSE(core::present(out_[0].mark.funding_rate));
  EXPECT_EQ(out_[1].oi.base, 0.0);
  EXPECT_EQ(out_[1].oi.notional_usd, 0.0);
}

// Verifies key order does not matter: `data` before `channel` decodes the same.
TEST_F(HyperliquidCodecTest, DataBeforeChannel) {
  ASSERT_EQ(decode(read_fixture("active_asset_ctx_recorded_btc.json")).status, DecodeStatus::kOk);
  const std::vector<NormalizedEvent> expected = out_;
  out_.clear();
  const std::string body = kCtx.substr(kCtx.find(R"("data":)"));
  const std::string reordered = "{" + body.substr(0, body.size() - 1) + R"(,"channel":"activeAssetCtx"})";
  ASSERT_EQ(decode(reordered).status, DecodeStatus::kOk) << reordered;
  ASSERT_EQ(out_.size(), expected.size());
  for (std::size_t i = 0; i < out_.size(); ++i) {
    EXPECT_EQ(std::memcmp(&out_[i], &expected[i], sizeof(NormalizedEvent)), 0);
  }
  out_.clear();
  EXPECT_EQ(decode(R"({"data":[)" + trade("ETH", "A", "3000", "2", 1710125266671, 9) +
                   R"(],"channel":"trades"})")
                .status,
            DecodeStatus::kOk);
  EXPECT_EQ(out_.size(), 1u);
  EXPECT_EQ(decode(R"({"data":5,"channel":"trades"})").status, DecodeStatus::kWrongType);
}

// Verifies control messages: pong and acks ignored, the venue's error channel is a venue
// error, per-user and other unsubscribed channels ignored, unknown channels unknown.
TEST_F(HyperliquidCodecTest, ControlMessages) {
  struct Case {
    const char* frame;
    DecodeStatus status;
  };
  const Case cases[] = {
      {R"({"channel":"pong"})", DecodeStatus::kIgnored},
      {R"({"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"activeAssetCtx","coin":"BTC"}}})",
       DecodeStatus::kIgnored},
      {R"({"channel":"error","data":"Invalid subscription {\"type\":\"trades\",\"coin\":\"NOPE\"}"})",
       DecodeStatus::kVenueError},
      {R"({"channel":"userFills","data":{"isSnapshot":true,"user":"0x1","fills":[]}})",
       DecodeStatus::kIgnored},
      {R"({"channel":"activeSpotAssetCtx","data":{"coin":"@1","ctx":{}}})", DecodeStatus::kIgnored},
      {R"({"channel":"liquidations","data":[]})", DecodeStatus::kUnknownMessage},
      {R"({"method":"ping"})", DecodeStatus::kUnknownMessage},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.frame);
    EXPECT_EQ(decode(c.frame).status, c.status);
    EXPECT_TRUE(out_.empty());
    EXPECT_TRUE(reply_.empty());
  }
}

// Verifies with no coins configured (normalize mode) every coin is tracked and added to the
// table, and nothing is subscribed.
TEST_F(HyperliquidCodecTest, NormalizeModeAddsInstruments) {
  VenueSettings s = hyperliquid::default_settings();
  s.symbols.clear();
  rebuild(s);
  EXPECT_TRUE(codec_->ws_endpoints().empty());
  ASSERT_EQ(decode(trades_frame({trade("kPEPE", "B", "0.01", "1000", 1710000000000, 1)})).status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  const auto id = table_.find(core::Venue::kHyperliquid, "kPEPE");  // case kept
  ASSERT_NE(id, core::kNoInstrument);
  EXPECT_EQ(out_[0].instrument, id);
  EXPECT_EQ(table_.get(id).asset_view(), "KPEPE");
  EXPECT_EQ(table_.get(id).kind, core::ContractKind::kLinear);
  EXPECT_EQ(decode(trades_frame({trade("xyz:TSLA", "B", "1", "1", 1710000000000, 1)})).status,
            DecodeStatus::kUnknownMessage);
}

// Verifies decode appends after existing events and is deterministic across calls.
TEST_F(HyperliquidCodecTest, AppendsAndIsDeterministic) {
  NormalizedEvent sentinel = core::make_event(EventType::kTrade, core::Venue::kOkx, 7, 1, 2, 3);
  out_.assign(1, sentinel);
  ASSERT_EQ(decode(kCtx).status, DecodeStatus::kOk);
  ASSERT_EQ(decode(kCtx).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 5u);
  EXPECT_EQ(std::memcmp(&out_[0], &sentinel, sizeof sentinel), 0);
  EXPECT_EQ(std::memcmp(&out_[1], &out_[3], sizeof sentinel), 0);
  EXPECT_EQ(std::memcmp(&out_[2], &out_[4], sizeof sentinel), 0);
}

// Verifies malformed frames (truncated JSON, wrong types, missing fields, bad numbers) return
// the right error and leave events already in `out` intact.
TEST_F(HyperliquidCodecTest, MalformedFramesReturnErrorsAndLeaveOutUnchanged) {
  struct Case {
    const char* name;
    std::string frame;
    DecodeStatus status;
  };
  const std::string good_eth = trade("ETH", "B", "3000", "1", 1710000000001, 3);
  const Case cases[] = {
      {"empty frame", "", DecodeStatus::kMalformedJson},
      {"whitespace only", " \n", DecodeStatus::kMalformedJson},
      {"binary garbage", std::string("\x00\xff\xfe\x01{\x80", 6), DecodeStatus::kMalformedJson},
      {"not json", "not json", DecodeStatus::kMalformedJson},
      {"truncated in a string", kCtx.substr(0, kCtx.find("64405") + 2),
       DecodeStatus::kMalformedJson},
      {"truncated outer brace", kCtx.substr(0, kCtx.size() - 1), DecodeStatus::kMalformedJson},
      {"trailing garbage", kCtx + "}", DecodeStatus::kMalformedJson},
      {"two documents", kTrade + kTrade, DecodeStatus::kMalformedJson},
      {"valid scalar", "42", DecodeStatus::kUnknownMessage},
      {"root array", "[1,2]", DecodeStatus::kUnknownMessage},
      {"empty object", "{}", DecodeStatus::kUnknownMessage},
      {"scalar with trailing bytes", "42 x", DecodeStatus::kMalformedJson},
      {"channel is a number", R"({"channel":5})", DecodeStatus::kWrongType},
      {"data missing", R"({"channel":"activeAssetCtx"})", DecodeStatus::kMissingField},
      // activeAssetCtx
      {"data is an array", R"({"channel":"activeAssetCtx","data":[]})", DecodeStatus::kWrongType},
      {"ctx missing", R"({"channel":"activeAssetCtx","data":{"coin":"BTC"}})",
       DecodeStatus::kMissingField},
      {"ctx is a string", R"({"channel":"activeAssetCtx","data":{"coin":"BTC","ctx":"x"}})",
       DecodeStatus::kWrongType},
      {"coin missing", replace(kCtx, R"("coin":"BTC",)", ""), DecodeStatus::kMissingField},
      {"coin is a number", replace(kCtx, R"("coin":"BTC")", R"("coin":1)"),
       DecodeStatus::kWrongType},
      {"markPx missing", replace(kCtx, R"(,"markPx":"64405.0")", ""), DecodeStatus::kMissingField},
      {"markPx as number", replace(kCtx, R"("markPx":"64405.0")", R"("markPx":64405.0)"),
       DecodeStatus::kWrongType},
      {"markPx null", replace(kCtx, R"("markPx":"64405.0")", R"("markPx":null)"),
       DecodeStatus::kWrongType},
      {"markPx zero", replace(kCtx, R"("markPx":"64405.0")", R"("markPx":"0")"),
       DecodeStatus::kBadNumber},
      {"markPx abc", replace(kCtx, R"("markPx":"64405.0")", R"("markPx":"abc")"),
       DecodeStatus::kBadNumber},
      {"openInterest missing", replace(kCtx, R"("openInterest":"32227.66018",)", ""),
       DecodeStatus::kMissingField},
      {"openInterest negative", replace(kCtx, R"("32227.66018")", R"("-1")"),
       DecodeStatus::kBadNumber},
      {"openInterest 1e400", replace(kCtx, R"("32227.66018")", R"("1e400")"),
       DecodeStatus::kBadNumber},
      {"notional overflows",
       replace(replace(kCtx, R"("32227.66018")", R"("1e300")"), R"("markPx":"64405.0")",
               R"("markPx":"1e300")"),
       DecodeStatus::kBadNumber},
      {"openInterest empty", replace(kCtx, R"("32227.66018")", R"("")"), DecodeStatus::kBadNumber},
      {"oraclePx NaN", replace(kCtx, R"("oraclePx":"64429.0")", R"("oraclePx":"NaN")"),
       DecodeStatus::kBadNumber},
      {"oraclePx zero", replace(kCtx, R"("oraclePx":"64429.0")", R"("oraclePx":"0")"),
       DecodeStatus::kBadNumber},
      {"funding inf", replace(kCtx, R"("funding":"0.0000125")", R"("funding":"inf")"),
       DecodeStatus::kBadNumber},
      {"funding as number", replace(kCtx, R"("funding":"0.0000125")", R"("funding":0.1)"),
       DecodeStatus::kWrongType},
      {"funding plus sign", replace(kCtx, R"("funding":"0.0000125")", R"("funding":"+0.1")"),
       DecodeStatus::kBadNumber},
      // trades
      {"trades data is an object", R"({"channel":"trades","data":{}})", DecodeStatus::kWrongType},
      {"trade element not an object", R"({"channel":"trades","data":[1]})",
       DecodeStatus::kWrongType},
      {"side X", replace(kTrade, R"("side":"B")", R"("side":"X")"), DecodeStatus::kUnknownMessage},
      {"side missing", replace(kTrade, R"("side":"B",)", ""), DecodeStatus::kMissingField},
      {"px as number", replace(kTrade, R"("px":"64000.5")", R"("px":64000.5)"),
       DecodeStatus::kWrongType},
      {"px hex", replace(kTrade, R"("px":"64000.5")", R"("px":"0x10")"), DecodeStatus::kBadNumber},
      {"px trailing letters", replace(kTrade, R"("px":"64000.5")", R"("px":"64000.5abc")"),
       DecodeStatus::kBadNumber},
      {"sz zero", replace(kTrade, R"("sz":"0.25")", R"("sz":"0")"), DecodeStatus::kBadNumber},
      {"sz negative", replace(kTrade, R"("sz":"0.25")", R"("sz":"-0.25")"),
       DecodeStatus::kBadNumber},
      {"sz missing", replace(kTrade, R"("sz":"0.25",)", ""), DecodeStatus::kMissingField},
      {"time as string", replace(kTrade, R"("time":1710125266669)", R"("time":"1710125266669")"),
       DecodeStatus::kWrongType},
      {"time negative", replace(kTrade, R"("time":1710125266669)", R"("time":-5)"),
       DecodeStatus::kBadNumber},
      {"time fractional", replace(kTrade, R"("time":1710125266669)", R"("time":1.5)"),
       DecodeStatus::kBadNumber},
      {"time overflows", replace(kTrade, R"("time":1710125266669)", R"("time":99999999999999999999)"),
       DecodeStatus::kBadNumber},
      {"time missing", replace(kTrade, R"("time":1710125266669,)", ""), DecodeStatus::kMissingField},
      {"tid missing", replace(kTrade, R"(,"tid":7)", ""), DecodeStatus::kMissingField},
      {"tid as string", replace(kTrade, R"("tid":7)", R"("tid":"7")"), DecodeStatus::kWrongType},
      {"tid negative", replace(kTrade, R"("tid":7)", R"("tid":-7)"), DecodeStatus::kBadNumber},
      {"coin missing in trade", replace(kTrade, R"("coin":"BTC",)", ""),
       DecodeStatus::kMissingField},
      {"bad element after a good one",
       trades_frame({good_eth, replace(good_eth, R"("side":"B")", R"("side":"Z")")}),
       DecodeStatus::kUnknownMessage},
  };
  NormalizedEvent sentinel = core::make_event(EventType::kTrade, core::Venue::kOkx, 7, 1, 2, 3);
  sentinel.trade.price = 123.0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    out_.assign(1, sentinel);
    const auto r = decode(c.frame);
    EXPECT_EQ(r.status, c.status) << "got " << to_string(r.status) << " for " << c.frame;
    ASSERT_EQ(out_.size(), 1u);
    EXPECT_EQ(std::memcmp(&out_[0], &sentinel, sizeof sentinel), 0);
  }
  EXPECT_EQ(dups(), 0u);
}

// Verifies every strict prefix of every fixture is malformed JSON and appends nothing.
TEST_F(HyperliquidCodecTest, EveryTruncationIsMalformed) {
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    const std::string frame = trim(read_fixture(entry.path().filename().string()));
    for (std::size_t n = 0; n < frame.size(); ++n) {
      SCOPED_TRACE(entry.path().filename().string() + " cut at " + std::to_string(n));
      out_.clear();
      EXPECT_EQ(decode(std::string_view(frame).substr(0, n)).status, DecodeStatus::kMalformedJson);
      EXPECT_TRUE(out_.empty());
    }
  }
}

// Verifies random byte mutations of the fixtures (fixed seed) never crash, an error never
// leaves events behind, and whatever decodes carries finite values in range.
TEST_F(HyperliquidCodecTest, MutatedFixturesNeverInventValues) {
  VenueSettings all = hyperliquid::default_settings();
  all.symbols.clear();
  rebuild(all);
  std::mt19937 rng(20240501);
  std::vector<std::string> frames;
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    frames.push_back(trim(read_fixture(entry.path().filename().string())));
  }
  frames.push_back(kTrade);
  ASSERT_FALSE(frames.empty());
  const std::string alphabet = "0123456789-+.eE\"{}[],:naxBA \x01\xff";
  int decoded = 0;
  int errors = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string frame = frames[rng() % frames.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < edits && !frame.empty(); ++k) {
      const std::size_t at = rng() % frame.size();
      switch (rng() % 3) {
        case 0:
          frame[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          frame.erase(at, 1 + rng() % 4);
          break;
        default:
          frame.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
      }
    }
    out_.clear();
    const auto r = decode(frame);
    if (is_error(r.status)) {
      ++errors;
      ASSERT_TRUE(out_.empty()) << frame;
      continue;
    }
    for (const auto& e : out_) {
      ++decoded;
      switch (e.type) {
        case EventType::kTrade:
          ASSERT_GT(e.exchange_ts_ns, 0) << frame;
          ASSERT_TRUE(std::isfinite(e.trade.price) && e.trade.price > 0) << frame;
          ASSERT_TRUE(std::isfinite(e.trade.quantity) && e.trade.quantity > 0) << frame;
          break;
        case EventType::kMarkPrice:
          ASSERT_EQ(e.exchange_ts_ns, 0) << frame;
          ASSERT_TRUE(std::isfinite(e.mark.mark) && e.mark.mark > 0) << frame;
          break;
        case EventType::kOpenInterest:
          ASSERT_TRUE(std::isfinite(e.oi.base) && e.oi.base >= 0) << frame;
          ASSERT_TRUE(std::isfinite(e.oi.notional_usd)) << frame;
          break;
        case EventType::kLiquidation:
        case EventType::kFeedStatus:
          FAIL() << "no liquidations on Hyperliquid: " << frame;
      }
    }
  }
  EXPECT_GT(decoded, 100);
  EXPECT_GT(errors, 1000);
}

// ---------------------------------------------------------------------------------------------
// Connection, heartbeat and settings.

// Verifies the default connection: the configured URL, and per coin an activeAssetCtx and a
// trades subscription in the documented shape.
TEST_F(HyperliquidCodecTest, WsEndpointsDefault) {
  const auto eps = codec_->ws_endpoints();
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].url, "wss://api.hyperliquid.xyz/ws");
  EXPECT_EQ(eps[0].subscribe,
            (std::vector<std::string>{
                R"({"method":"subscribe","subscription":{"type":"activeAssetCtx","coin":"BTC"}})",
                R"({"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}})",
                R"({"method":"subscribe","subscription":{"type":"activeAssetCtx","coin":"ETH"}})",
                R"({"method":"subscribe","subscription":{"type":"trades","coin":"ETH"}})"}));
}

// Verifies more coins than fit under the venue's 1000-subscription limit split into several
// connections of at most 400 coins (800 subscriptions).
TEST(HyperliquidEndpoints, SplitsLargeCoinLists) {
  core::InstrumentTable table;
  VenueSettings s = hyperliquid::default_settings();
  s.symbols.clear();
  for (int i = 0; i < 900; ++i) s.symbols.push_back("C" + std::to_string(i));
  auto codec = hyperliquid::make_codec(s, table);
  const auto eps = codec->ws_endpoints();
  ASSERT_EQ(eps.size(), 3u);
  EXPECT_EQ(eps[0].subscribe.size(), 800u);
  EXPECT_EQ(eps[1].subscribe.size(), 800u);
  EXPECT_EQ(eps[2].subscribe.size(), 200u);
}

// Verifies the heartbeat (JSON ping every 50 s, inside the venue's 60 s rule), no REST polls,
// and liquidations reported unavailable rather than zero.
TEST_F(HyperliquidCodecTest, HeartbeatAndLiquidationPolicy) {
  const Heartbeat hb = codec_->heartbeat();
  EXPECT_EQ(hb.kind, Heartbeat::Kind::kPeriodic);
  EXPECT_EQ(hb.interval, std::chrono::seconds(50));
  EXPECT_LT(hb.interval, std::chrono::seconds(60));
  EXPECT_EQ(hb.text, R"({"method":"ping"})");
  EXPECT_TRUE(codec_->rest_polls().empty());
  EXPECT_FALSE(codec_->liquidations_available());
  EXPECT_EQ(codec_->liquidation_completeness(), "unavailable");
  EXPECT_EQ(codec_->venue(), core::Venue::kHyperliquid);
}

// Verifies make_codec keeps coins as spelled, reuses table entries, drops duplicates, and
// rejects coins that cannot be perps here (HIP-3 "dex:COIN", spot "@N", spaces, empty).
TEST(HyperliquidMakeCodec, ResolvesAndRejects) {
  core::InstrumentTable table;
  VenueSettings s = hyperliquid::default_settings();
  s.symbols = {"BTC", "kPEPE", "BTC"};
  auto codec = hyperliquid::make_codec(s, table);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_NE(table.find(core::Venue::kHyperliquid, "kPEPE"), core::kNoInstrument);
  EXPECT_EQ(codec->ws_endpoints()[0].subscribe.size(), 4u);
  for (const std::string& bad :
       std::vector<std::string>{"xyz:TSLA", "@107", "BT C", "", std::string(40, 'A')}) {
    SCOPED_TRACE(bad);
    s.symbols = {bad};
    EXPECT_THROW((void)hyperliquid::make_codec(s, table), std::invalid_argument);
  }
}

// Verifies the default settings and their dispatch through the registry.
TEST(HyperliquidSettings, Defaults) {
  const VenueSettings s = default_settings(core::Venue::kHyperliquid);
  EXPECT_EQ(s.venue, core::Venue::kHyperliquid);
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.ws_url, "wss://api.hyperliquid.xyz/ws");
  EXPECT_EQ(s.rest_url, "https://api.hyperliquid.xyz");
  EXPECT_EQ(s.symbols, (std::vector<std::string>{"BTC", "ETH"}));
  core::InstrumentTable table;
  auto codec = make_codec(s, table);
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->venue(), core::Venue::kHyperliquid);
  EXPECT_FALSE(codec->liquidations_available());
  auto binance_codec = make_codec(default_settings(core::Venue::kBinance), table);
  EXPECT_EQ(hyperliquid::duplicate_trades(*binance_codec), 0u);  // not a Hyperliquid codec
}

// ---------------------------------------------------------------------------------------------
// Metadata.

// Verifies no GET metadata target (the venue's meta is POST /info), and that the documented
// `meta` response parses: one linear spec per listed coin, delisted ones skipped.
TEST(HyperliquidMetadata, ParsesMeta) {
  EXPECT_TRUE(metadata_targets(core::Venue::kHyperliquid).empty());
  // Shape of the docs' example (info endpoint, perpetuals, "Retrieve perpetuals metadata").
  const std::string body = R"({
    "universe": [
      {"name": "BTC", "szDecimals": 5, "maxLeverage": 50},
      {"name": "ETH", "szDecimals": 4, "maxLeverage": 50},
      {"name": "HPOS", "szDecimals": 0, "maxLeverage": 3, "onlyIsolated": true},
      {"name": "LOOM", "szDecimals": 1, "maxLeverage": 3, "onlyIsolated": true, "isDelisted": true},
      {"name": "BAD", "szDecimals": 1.5},
      {"szDecimals": 2},
      7
    ],
    "marginTables": [[50, {"description": "", "marginTiers": [{"lowerBound": "0.0", "maxLeverage": 50}]}]]
  })";
  std::vector<core::InstrumentSpec> out;
  ASSERT_EQ(parse_metadata(core::Venue::kHyperliquid, 0, body, out), DecodeStatus::kOk);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].symbol, "BTC");
  EXPECT_EQ(out[0].asset, "BTC");
  EXPECT_EQ(out[0].venue, core::Venue::kHyperliquid);
  EXPECT_EQ(out[0].kind, core::ContractKind::kLinear);
  EXPECT_EQ(out[0].contract_value, 1.0);
  EXPECT_EQ(out[1].symbol, "ETH");
  EXPECT_EQ(out[2].symbol, "HPOS");
}

// Verifies bad meta bodies are errors that leave `out` unchanged.
TEST(HyperliquidMetadata, RejectsBadBodies) {
  struct Case {
    const char* body;
    DecodeStatus status;
  };
  const Case cases[] = {
      {"", DecodeStatus::kMalformedJson},
      {R"({"universe":[{"name":"BTC"})", DecodeStatus::kMalformedJson},
      {R"({"universe":5})", DecodeStatus::kWrongType},
      {R"({"marginTables":[]})", DecodeStatus::kMissingField},
      {"[]", DecodeStatus::kUnknownMessage},
      {R"({"universe":[]} x)", DecodeStatus::kMalformedJson},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    std::vector<core::InstrumentSpec> out(1);
    EXPECT_EQ(parse_metadata(core::Venue::kHyperliquid, 0, c.body, out), c.status);
    EXPECT_EQ(out.size(), 1u);
  }
  std::vector<core::InstrumentSpec> out;
  EXPECT_EQ(parse_metadata(core::Venue::kHyperliquid, 1, R"({"universe":[]})", out),
            DecodeStatus::kUnknownMessage);
}

// Verifies the bundled default coins: linear, contract value 1, asset = coin.
TEST(HyperliquidMetadata, BundledInstruments) {
  const auto specs = bundled_instruments(core::Venue::kHyperliquid);
  std::vector<std::string> coins;
  for (const auto& s : specs) {
    coins.push_back(s.symbol);
    EXPECT_EQ(s.venue, core::Venue::kHyperliquid);
    EXPECT_EQ(s.asset, s.symbol);
    EXPECT_EQ(s.kind, core::ContractKind::kLinear);
    EXPECT_EQ(s.contract_value, 1.0);
  }
  EXPECT_EQ(coins, (std::vector<std::string>{"BTC", "ETH", "SOL", "XRP", "DOGE", "HYPE"}));
}

}  // namespace
}  // namespace levdyn::venues
