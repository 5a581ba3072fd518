// Tests of the OKX v5 codec: every shared fixture decoded to exact values (contracts to base
// and USD, order vs position side), funding intervals, late/out-of-order liquidations, "_other"
// routing, control frames, heartbeat and subscribe frames, malformed input, and metadata.

#include "service/venues/okx.h"

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
#include "service/venues/codec.h"
#include "service/venues/metadata.h"
#include "tests/support/venue_fixtures.h"

namespace levdyn::venues {
namespace {

using test::trim;

using core::EventType;
using core::NormalizedEvent;

constexpr std::int64_t kRecvWall = 1'700'000'000'123'456'789;
constexpr std::int64_t kRecvSteady = 42'000'000'000;
constexpr std::int64_t kMs = 1'000'000;

std::string fixture_dir() { return std::string(LEVDYN_SHARED_DIR) + "/fixtures/okx"; }

std::string read_fixture(const std::string& name) {
  return test::read_fixture_file(fixture_dir() + "/" + name);
}

core::InstrumentSpec spec(const std::string& symbol, const std::string& asset,
                          core::ContractKind kind, double value) {
  core::InstrumentSpec s;
  s.venue = core::Venue::kOkx;
  s.symbol = symbol;
  s.asset = asset;
  s.kind = kind;
  s.contract_value = value;
  return s;
}

std::string liq_frame(const std::string& inst_id, const std::string& details) {
  return R"({"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"details":[)" +
         details + R"(],"instFamily":"X","instId":")" + inst_id + R"(","instType":"SWAP"}]})";
}

std::string detail(const std::string& side, const std::string& pos_side, const std::string& sz,
                   const std::string& bk_px, const std::string& ts) {
  return R"({"bkLoss":"0","bkPx":")" + bk_px + R"(","ccy":"","posSide":")" + pos_side +
         R"(","side":")" + side + R"(","sz":")" + sz + R"(","ts":")" + ts + "\"}";
}

const std::string kTrade =
    R"({"arg":{"channel":"trades","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP",)"
    R"("tradeId":"1","px":"50000","sz":"3","side":"sell","ts":"1700000000000"}]})";
const std::string kFunding =
    R"({"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"fundingRate":)"
    R"("0.0001","fundingTime":"1700726400000","instId":"BTC-USDT-SWAP","instType":"SWAP",)"
    R"("nextFundingTime":"1700740800000","ts":"1700724675402"}]})";

class OkxCodecTest : public testing::Test {
 protected:
  void SetUp() override {
    // Metadata the loader would have put in the table (the fixtures' instruments; IOST's
    // ctVal of 1000 is this test's assumption, BTC-USDT is spot: sz in base).
    for (const auto& s : okx::bundled_instruments()) table_.add(s);
    table_.add(spec("WNCG-USDT-SWAP", "WNCG", core::ContractKind::kLinear, 1.0));
    table_.add(spec("LTC-USD-SWAP", "LTC", core::ContractKind::kInverse, 10.0));
    table_.add(spec("IOST-USDT-SWAP", "IOST", core::ContractKind::kLinear, 1000.0));
    table_.add(spec("BTC-USDT", "BTC", core::ContractKind::kLinear, 1.0));
    VenueSettings s = okx::default_settings();
    s.symbols = {"BTC-USDT-SWAP", "ETH-USDT-SWAP", "BTC-USD-SWAP", "WNCG-USDT-SWAP",
                 "LTC-USD-SWAP",  "IOST-USDT-SWAP", "BTC-USDT"};
    rebuild(s);
  }

  void rebuild(const VenueSettings& settings) { codec_ = okx::make_codec(settings, table_); }

  DecodeResult decode(std::string_view frame) {
    FrameMeta meta;
    meta.recv_wall_ns = kRecvWall;
    meta.recv_steady_ns = kRecvSteady;
    reply_.clear();
    return codec_->decode(frame, meta, out_, reply_);
  }

  void expect_header(const NormalizedEvent& e, EventType type, std::string_view symbol,
                     std::int64_t exchange_ms) const {
    EXPECT_EQ(e.type, type);
    EXPECT_EQ(e.venue, core::Venue::kOkx);
    ASSERT_NE(e.instrument, core::kNoInstrument);
    ASSERT_LT(e.instrument, table_.size());
    EXPECT_EQ(table_.get(e.instrument).symbol_view(), symbol);
    EXPECT_EQ(e.exchange_ts_ns, exchange_ms * kMs);
    EXPECT_EQ(e.recv_wall_ns, kRecvWall);
    EXPECT_EQ(e.recv_steady_ns, kRecvSteady);
  }

  core::InstrumentTable table_;
  std::unique_ptr<Codec> codec_;
  std::vector<NormalizedEvent> out_;
  std::string reply_;
};

// ---------------------------------------------------------------------------------------------
// Fixtures, one by one.

// Verifies every file in the shared okx fixture folder has a test below.
TEST(OkxFixtures, EveryFixtureIsCovered) {
  const std::set<std::string> covered = {
      "liquidation_orders_doc_example.json", "mark_price_real_2021.json",
      "open_interest_doc_example.json",      "open_interest_real_2021.json",
      "subscribe_ack_doc_example.json",      "trades_doc_example.json",
      "trades_swap_real_2021.json"};
  std::set<std::string> present;
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    present.insert(entry.path().filename().string());
  }
  EXPECT_EQ(present, covered);
}

// Verifies the documented liquidation (posSide short, order side buy) is a short liquidation
// at bkPx, 13 contracts × ctVal 1000 = 13000 IOST, notional 13000 × 0.007831 USD.
TEST_F(OkxCodecTest, LiquidationOrdersDocExample) {
  const auto r = decode(read_fixture("liquidation_orders_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "liquidation");
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kLiquidation, "IOST-USDT-SWAP", 1692266434010);
  EXPECT_EQ(e.liq.position, core::Position::kShort);
  EXPECT_EQ(e.liq.order_side, core::Side::kBuy);
  EXPECT_DOUBLE_EQ(e.liq.price, 0.007831);
  EXPECT_DOUBLE_EQ(e.liq.quantity, 13000.0);
  EXPECT_DOUBLE_EQ(e.liq.notional_usd, 13000.0 * 0.007831);
  EXPECT_EQ(e.liq.completeness, core::Completeness::kThrottled);
}

// Verifies an untracked instId on the all-SWAP stream goes to the venue's "_other" bucket of
// its asset, with sizes absent (no contract value known), never guessed.
TEST_F(OkxCodecTest, LiquidationUntrackedGoesToOther) {
  core::InstrumentTable table;
  auto codec = okx::make_codec(okx::default_settings(), table);
  FrameMeta meta;
  meta.recv_wall_ns = kRecvWall;
  std::string reply;
  const auto r = codec->decode(read_fixture("liquidation_orders_doc_example.json"), meta, out_,
                               reply);
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  const auto& info = table.get(out_[0].instrument);
  EXPECT_FALSE(info.tracked);
  EXPECT_EQ(info.asset_view(), "IOST");
  EXPECT_EQ(out_[0].exchange_ts_ns, 1692266434010 * kMs);
  EXPECT_DOUBLE_EQ(out_[0].liq.price, 0.007831);
  EXPECT_FALSE(core::present(out_[0].liq.quantity));
  EXPECT_FALSE(core::present(out_[0].liq.notional_usd));
  EXPECT_EQ(out_[0].liq.position, core::Position::kShort);
}

// Verifies an untracked instId with all_liquidations off is ignored (not an error, no event).
TEST_F(OkxCodecTest, LiquidationUntrackedIgnoredWithoutAllLiquidations) {
  VenueSettings s = okx::default_settings();
  s.all_liquidations = false;
  rebuild(s);
  const auto r = decode(read_fixture("liquidation_orders_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_TRUE(out_.empty());
}

// Verifies the 2021 mark-price capture: mark only, index and funding absent.
TEST_F(OkxCodecTest, MarkPriceReal2021) {
  const auto r = decode(read_fixture("mark_price_real_2021.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "mark_price");
  ASSERT_EQ(out_.size(), 1u);
  expect_header(out_[0], EventType::kMarkPrice, "WNCG-USDT-SWAP", 1640131259180);
  EXPECT_DOUBLE_EQ(out_[0].mark.mark, 2.1729);
  EXPECT_FALSE(core::present(out_[0].mark.index));
  EXPECT_FALSE(core::present(out_[0].mark.funding_rate));
  EXPECT_EQ(out_[0].mark.funding_interval_s, 0);
}

// Verifies the documented inverse OI: 5000 contracts, oiCcy 555.55 LTC, USD = 5000 × ctVal 10.
TEST_F(OkxCodecTest, OpenInterestDocExample) {
  const auto r = decode(read_fixture("open_interest_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "open_interest");
  ASSERT_EQ(out_.size(), 1u);
  expect_header(out_[0], EventType::kOpenInterest, "LTC-USD-SWAP", 1597026383085);
  EXPECT_DOUBLE_EQ(out_[0].oi.contracts, 5000.0);
  EXPECT_DOUBLE_EQ(out_[0].oi.base, 555.55);
  EXPECT_DOUBLE_EQ(out_[0].oi.notional_usd, 50000.0);
  EXPECT_EQ(out_[0].oi.source, core::OiSource::kWs);
}

// Verifies the 2021 linear OI capture (no oiUsd): base = oiCcy, USD left to the engine.
TEST_F(OkxCodecTest, OpenInterestReal2021) {
  const auto r = decode(read_fixture("open_interest_real_2021.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  expect_header(out_[0], EventType::kOpenInterest, "WNCG-USDT-SWAP", 1640131258756);
  EXPECT_DOUBLE_EQ(out_[0].oi.contracts, 644195.0);
  EXPECT_DOUBLE_EQ(out_[0].oi.base, 644195.0);
  EXPECT_FALSE(core::present(out_[0].oi.notional_usd));
}

// Verifies the documented subscribe ack is an ignored control frame.
TEST_F(OkxCodecTest, SubscribeAckDocExample) {
  const auto r = decode(read_fixture("subscribe_ack_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_TRUE(out_.empty());
}

// Verifies the documented (spot) trade: sz is base there (ctVal 1 in the table), taker buy.
TEST_F(OkxCodecTest, TradesDocExample) {
  const auto r = decode(read_fixture("trades_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "trade");
  ASSERT_EQ(out_.size(), 1u);
  expect_header(out_[0], EventType::kTrade, "BTC-USDT", 1630048897897);
  EXPECT_DOUBLE_EQ(out_[0].trade.price, 42219.9);
  EXPECT_DOUBLE_EQ(out_[0].trade.quantity, 0.12060306);
  EXPECT_DOUBLE_EQ(out_[0].trade.notional_usd, 0.12060306 * 42219.9);
  EXPECT_EQ(out_[0].trade.taker_side, core::Side::kBuy);
}

// Verifies the 2021 swap trade: 5 contracts × 0.01 BTC = 0.05 BTC, notional 0.05 × 48938.5.
TEST_F(OkxCodecTest, TradesSwapReal2021) {
  const auto r = decode(read_fixture("trades_swap_real_2021.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  expect_header(out_[0], EventType::kTrade, "BTC-USDT-SWAP", 1640131236050);
  EXPECT_DOUBLE_EQ(out_[0].trade.price, 48938.5);
  EXPECT_DOUBLE_EQ(out_[0].trade.quantity, 0.05);
  EXPECT_DOUBLE_EQ(out_[0].trade.notional_usd, 0.05 * 48938.5);
  EXPECT_EQ(out_[0].trade.taker_side, core::Side::kBuy);
}

// ---------------------------------------------------------------------------------------------
// Shapes beyond the fixtures.

// Verifies an inverse trade: USD = contracts × ctVal 100, base = USD / price; taker sell.
TEST_F(OkxCodecTest, InverseTradeIsUsdContracts) {
  const auto r = decode(
      R"({"arg":{"channel":"trades","instId":"BTC-USD-SWAP"},"data":[{"instId":"BTC-USD-SWAP",)"
      R"("tradeId":"9","px":"50000","sz":"10","side":"sell","ts":"1700000000000"}]})");
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_DOUBLE_EQ(out_[0].trade.notional_usd, 1000.0);
  EXPECT_DOUBLE_EQ(out_[0].trade.quantity, 0.02);
  EXPECT_EQ(out_[0].trade.taker_side, core::Side::kSell);
}

// Verifies an inverse liquidation: notional = sz × ctVal (USD), base = notional / bkPx.
TEST_F(OkxCodecTest, InverseLiquidation) {
  const auto r = decode(liq_frame("BTC-USD-SWAP", detail("sell", "net", "25", "40000", "1700000000000")));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_DOUBLE_EQ(out_[0].liq.notional_usd, 2500.0);
  EXPECT_DOUBLE_EQ(out_[0].liq.quantity, 2500.0 / 40000.0);
  EXPECT_EQ(out_[0].liq.position, core::Position::kLong);
}

// Verifies linear OI with oiUsd: all three units from the venue, none recomputed.
TEST_F(OkxCodecTest, OpenInterestWithOiUsd) {
  const auto r = decode(
      R"({"arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"},"data":[{"instType":"SWAP",)"
      R"("instId":"BTC-USDT-SWAP","oi":"2216113.01","oiCcy":"22161.1301","oiUsd":"1463445000.5",)"
      R"("ts":"1700000000000"}]})");
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_DOUBLE_EQ(out_[0].oi.contracts, 2216113.01);
  EXPECT_DOUBLE_EQ(out_[0].oi.base, 22161.1301);
  EXPECT_DOUBLE_EQ(out_[0].oi.notional_usd, 1463445000.5);
}

// Verifies linear OI without oiCcy derives base = contracts × ctVal (0.01).
TEST_F(OkxCodecTest, OpenInterestBaseFromContractValue) {
  const auto r = decode(
      R"({"arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"},"data":[{)"
      R"("instId":"BTC-USDT-SWAP","oi":"1000","ts":"1700000000000"}]})");
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_DOUBLE_EQ(out_[0].oi.base, 10.0);
  EXPECT_FALSE(core::present(out_[0].oi.notional_usd));
}

// Verifies funding: rate per period, interval = nextFundingTime − fundingTime (4 h here), a
// MarkPrice event with mark absent, exchange time = ts.
TEST_F(OkxCodecTest, FundingRateInterval) {
  const auto r = decode(kFunding);
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "mark_price");
  ASSERT_EQ(out_.size(), 1u);
  expect_header(out_[0], EventType::kMarkPrice, "BTC-USDT-SWAP", 1700724675402);
  EXPECT_DOUBLE_EQ(out_[0].mark.funding_rate, 0.0001);
  EXPECT_EQ(out_[0].mark.funding_interval_s, 4 * 3600);
  EXPECT_FALSE(core::present(out_[0].mark.mark));
  EXPECT_FALSE(core::present(out_[0].mark.index));
}

// Verifies funding without nextFundingTime or ts: 8 h default, receive time, negative rate ok.
TEST_F(OkxCodecTest, FundingRateDefaults) {
  const auto r = decode(
      R"({"arg":{"channel":"funding-rate","instId":"ETH-USDT-SWAP"},"data":[{"fundingRate":)"
      R"("-0.00025","fundingTime":"1700726400000","instId":"ETH-USDT-SWAP","nextFundingTime":""}]})");
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_DOUBLE_EQ(out_[0].mark.funding_rate, -0.00025);
  EXPECT_EQ(out_[0].mark.funding_interval_s, 8 * 3600);
  EXPECT_EQ(out_[0].exchange_ts_ns, 0);
  EXPECT_EQ(out_[0].event_time_ns(), kRecvWall);
}

// Verifies posSide: net uses the opposite of the order side; hedge long/short are taken as is.
TEST_F(OkxCodecTest, LiquidationPositionSides) {
  const auto r = decode(liq_frame(
      "BTC-USDT-SWAP", detail("sell", "net", "1", "100", "1700000000001") + "," +
                           detail("buy", "net", "1", "100", "1700000000002") + "," +
                           detail("sell", "long", "1", "100", "1700000000003") + "," +
                           detail("buy", "short", "1", "100", "1700000000004")));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 4u);
  EXPECT_EQ(out_[0].liq.position, core::Position::kLong);
  EXPECT_EQ(out_[0].liq.order_side, core::Side::kSell);
  EXPECT_EQ(out_[1].liq.position, core::Position::kShort);
  EXPECT_EQ(out_[1].liq.order_side, core::Side::kBuy);
  EXPECT_EQ(out_[2].liq.position, core::Position::kLong);
  EXPECT_EQ(out_[3].liq.position, core::Position::kShort);
}

// Verifies late and out-of-order liquidations are accepted, each with its own ts, in frame
// order, also across frames (an older event after a newer one).
TEST_F(OkxCodecTest, LiquidationsOutOfOrderKeepTheirOwnTime) {
  ASSERT_EQ(decode(liq_frame("BTC-USDT-SWAP",
                             detail("sell", "net", "2", "100", "1700000005000") + "," +
                                 detail("sell", "net", "3", "100", "1700000001000")))
                .status,
            DecodeStatus::kOk);
  ASSERT_EQ(decode(liq_frame("BTC-USDT-SWAP", detail("buy", "net", "4", "100", "1699999520000")))
                .status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[0].exchange_ts_ns, 1700000005000 * kMs);
  EXPECT_EQ(out_[1].exchange_ts_ns, 1700000001000 * kMs);
  EXPECT_EQ(out_[2].exchange_ts_ns, 1699999520000 * kMs);  // 8 minutes late
  EXPECT_DOUBLE_EQ(out_[1].liq.quantity, 0.03);
  EXPECT_EQ(out_[2].recv_wall_ns, kRecvWall);
}

// Verifies one frame with several instIds: tracked ones decoded, untracked ignored (routing
// off), the frame is kOk.
TEST_F(OkxCodecTest, LiquidationMixedInstruments) {
  VenueSettings s = okx::default_settings();
  s.all_liquidations = false;
  rebuild(s);
  const std::string frame =
      R"({"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[)"
      R"({"details":[)" + detail("sell", "net", "1", "5", "1700000000000") +
      R"(],"instId":"DOGE-USDT-SWAP"},{"instId":"ETH-USDT-SWAP","details":[)" +
      detail("buy", "net", "20", "2000", "1700000000001") + "]}]}";
  const auto r = decode(frame);
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  expect_header(out_[0], EventType::kLiquidation, "ETH-USDT-SWAP", 1700000000001);
  EXPECT_DOUBLE_EQ(out_[0].liq.quantity, 2.0);  // 20 × 0.1 ETH
  EXPECT_DOUBLE_EQ(out_[0].liq.notional_usd, 4000.0);
}

// Verifies key order does not matter: data before arg still decodes.
TEST_F(OkxCodecTest, DataBeforeArg) {
  const auto r = decode(
      R"({"data":[{"instId":"BTC-USDT-SWAP","markPx":"50000.5","ts":"1700000000000"}],)"
      R"("arg":{"channel":"mark-price","instId":"BTC-USDT-SWAP"}})");
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_DOUBLE_EQ(out_[0].mark.mark, 50000.5);
}

// Verifies untracked instIds on per-instrument channels are ignored.
TEST_F(OkxCodecTest, UntrackedTradeIgnored) {
  const auto r = decode(
      R"({"arg":{"channel":"trades","instId":"XRP-USDT-SWAP"},"data":[{"instId":"XRP-USDT-SWAP",)"
      R"("px":"1","sz":"1","side":"buy","ts":"1700000000000"}]})");
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_TRUE(out_.empty());
}

// Verifies with no symbols configured (normalize mode) every instId is tracked, with the
// bundled contract value where one exists and an absent one otherwise.
TEST(OkxMakeCodec, NormalizeModeAddsInstruments) {
  core::InstrumentTable table;
  VenueSettings s = okx::default_settings();
  s.symbols.clear();
  auto codec = okx::make_codec(s, table);
  std::vector<NormalizedEvent> out;
  std::string reply;
  FrameMeta meta;
  EXPECT_EQ(codec->decode(kTrade, meta, out, reply).status, DecodeStatus::kOk);
  EXPECT_EQ(codec->decode(R"({"arg":{"channel":"trades","instId":"XRP-USDT-SWAP"},"data":[{)"
                          R"("instId":"XRP-USDT-SWAP","px":"1","sz":"1","side":"buy",)"
                          R"("ts":"1700000000000"}]})",
                          meta, out, reply)
                .status,
            DecodeStatus::kOk);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_DOUBLE_EQ(out[0].trade.quantity, 0.03);
  EXPECT_TRUE(table.get(out[1].instrument).tracked);
  EXPECT_EQ(table.get(out[1].instrument).asset_view(), "XRP");
  EXPECT_FALSE(core::present(out[1].trade.quantity));
}

// Verifies the constructor adds configured symbols (bundled spec when the table lacks them)
// and rejects a symbol that cannot be held or sent.
TEST(OkxMakeCodec, ResolvesAndRejectsSymbols) {
  core::InstrumentTable table;
  VenueSettings s = okx::default_settings();
  s.symbols = {"eth-usd-swap"};
  auto codec = okx::make_codec(s, table);
  const auto id = table.find(core::Venue::kOkx, "ETH-USD-SWAP");
  ASSERT_NE(id, core::kNoInstrument);
  EXPECT_EQ(table.get(id).kind, core::ContractKind::kInverse);
  EXPECT_DOUBLE_EQ(table.get(id).contract_value, 10.0);
  s.symbols = {"BTC\"-USDT"};
  EXPECT_THROW((void)okx::make_codec(s, table), std::invalid_argument);
}

// Verifies control frames: text pong and notices are ignored, error events are venue errors,
// unknown events are unknown messages.
TEST_F(OkxCodecTest, ControlMessages) {
  auto r = decode("pong");
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  r = decode(R"({"event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"})");
  EXPECT_EQ(r.status, DecodeStatus::kVenueError);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_EQ(decode(R"({"event":"notice","code":"64008","msg":"upgrade"})").status,
            DecodeStatus::kIgnored);
  EXPECT_EQ(decode(R"({"event":"unsubscribe","arg":{"channel":"trades"}})").status,
            DecodeStatus::kIgnored);
  EXPECT_EQ(decode(R"({"event":"login","code":"0"})").status, DecodeStatus::kUnknownMessage);
  EXPECT_TRUE(out_.empty());
  EXPECT_TRUE(reply_.empty());
}

// Verifies the heartbeat: text "ping" after 25 s without a frame (OKX closes at 30 s).
TEST_F(OkxCodecTest, Heartbeat) {
  const Heartbeat hb = codec_->heartbeat();
  EXPECT_EQ(hb.kind, Heartbeat::Kind::kOnSilence);
  EXPECT_EQ(hb.interval, std::chrono::seconds(25));
  EXPECT_EQ(hb.text, "ping");
  EXPECT_TRUE(codec_->rest_polls().empty());
  EXPECT_EQ(codec_->liquidation_completeness(), "throttled");
  EXPECT_TRUE(codec_->liquidations_available());
}

// Verifies the one connection to the configured URL and its exact subscribe frame.
TEST(OkxCodec, SubscribeFrame) {
  core::InstrumentTable table;
  VenueSettings s = okx::default_settings();
  s.ws_url = "wss://127.0.0.1:9/okx/ws/v5/public";
  auto codec = okx::make_codec(s, table);
  const auto eps = codec->ws_endpoints();
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].url, "wss://127.0.0.1:9/okx/ws/v5/public");
  ASSERT_EQ(eps[0].subscribe.size(), 1u);
  EXPECT_EQ(eps[0].subscribe[0],
            R"({"op":"subscribe","args":[)"
            R"({"channel":"open-interest","instId":"BTC-USDT-SWAP"},)"
            R"({"channel":"mark-price","instId":"BTC-USDT-SWAP"},)"
            R"({"channel":"trades","instId":"BTC-USDT-SWAP"},)"
            R"({"channel":"funding-rate","instId":"BTC-USDT-SWAP"},)"
            R"({"channel":"open-interest","instId":"ETH-USDT-SWAP"},)"
            R"({"channel":"mark-price","instId":"ETH-USDT-SWAP"},)"
            R"({"channel":"trades","instId":"ETH-USDT-SWAP"},)"
            R"({"channel":"funding-rate","instId":"ETH-USDT-SWAP"},)"
            R"({"channel":"liquidation-orders","instType":"SWAP"}]})");
}

// Verifies malformed frames each return their error status and leave `out` unchanged.
TEST_F(OkxCodecTest, MalformedFramesReturnErrorsAndLeaveOutUnchanged) {
  struct Case {
    const char* name;
    std::string frame;
    DecodeStatus status;
  };
  const std::string liq_ok = detail("sell", "net", "1", "100", "1700000000000");
  const std::vector<Case> cases = {
      {"empty", "", DecodeStatus::kMalformedJson},
      {"truncated", kTrade.substr(0, kTrade.size() - 3), DecodeStatus::kMalformedJson},
      {"trailing", kTrade + "x", DecodeStatus::kMalformedJson},
      {"not json", "nonsense", DecodeStatus::kMalformedJson},
      {"ping text", "ping", DecodeStatus::kMalformedJson},
      {"scalar", "42", DecodeStatus::kUnknownMessage},
      {"array root", "[1,2]", DecodeStatus::kUnknownMessage},
      {"empty object", "{}", DecodeStatus::kUnknownMessage},
      {"no arg", R"({"data":[]})", DecodeStatus::kMissingField},
      {"no data", R"({"arg":{"channel":"trades"}})", DecodeStatus::kMissingField},
      {"no channel", R"({"arg":{"instId":"BTC-USDT-SWAP"},"data":[]})", DecodeStatus::kMissingField},
      {"unknown channel", R"({"arg":{"channel":"books"},"data":[]})", DecodeStatus::kUnknownMessage},
      {"arg not object", R"({"arg":"trades","data":[]})", DecodeStatus::kWrongType},
      {"data not array", R"({"arg":{"channel":"trades"},"data":{}})", DecodeStatus::kWrongType},
      {"item not object", R"({"arg":{"channel":"trades"},"data":[1]})", DecodeStatus::kWrongType},
      {"event not string", R"({"event":1})", DecodeStatus::kWrongType},
      {"trade px number",
       R"({"arg":{"channel":"trades"},"data":[{"instId":"BTC-USDT-SWAP","px":50000,"sz":"1","side":"buy","ts":"1"}]})",
       DecodeStatus::kWrongType},
      {"trade px bad",
       R"({"arg":{"channel":"trades"},"data":[{"instId":"BTC-USDT-SWAP","px":"5e","sz":"1","side":"buy","ts":"1"}]})",
       DecodeStatus::kBadNumber},
      {"trade sz negative",
       R"({"arg":{"channel":"trades"},"data":[{"instId":"BTC-USDT-SWAP","px":"5","sz":"-1","side":"buy","ts":"1"}]})",
       DecodeStatus::kBadNumber},
      {"trade sz zero",
       R"({"arg":{"channel":"trades"},"data":[{"instId":"BTC-USDT-SWAP","px":"5","sz":"0","side":"buy","ts":"1"}]})",
       DecodeStatus::kBadNumber},
      {"trade no side",
       R"({"arg":{"channel":"trades"},"data":[{"instId":"BTC-USDT-SWAP","px":"5","sz":"1","ts":"1"}]})",
       DecodeStatus::kMissingField},
      {"trade side unknown",
       R"({"arg":{"channel":"trades"},"data":[{"instId":"BTC-USDT-SWAP","px":"5","sz":"1","side":"BUY","ts":"1"}]})",
       DecodeStatus::kUnknownMessage},
      {"trade no ts",
       R"({"arg":{"channel":"trades"},"data":[{"instId":"BTC-USDT-SWAP","px":"5","sz":"1","side":"buy"}]})",
       DecodeStatus::kMissingField},
      {"trade ts bad",
       R"({"arg":{"channel":"trades"},"data":[{"instId":"BTC-USDT-SWAP","px":"5","sz":"1","side":"buy","ts":"1.5"}]})",
       DecodeStatus::kBadNumber},
      {"trade ts number",
       R"({"arg":{"channel":"trades"},"data":[{"instId":"BTC-USDT-SWAP","px":"5","sz":"1","side":"buy","ts":1}]})",
       DecodeStatus::kWrongType},
      {"trade no instId",
       R"({"arg":{"channel":"trades"},"data":[{"px":"5","sz":"1","side":"buy","ts":"1"}]})",
       DecodeStatus::kMissingField},
      {"mark no markPx",
       R"({"arg":{"channel":"mark-price"},"data":[{"instId":"BTC-USDT-SWAP","ts":"1"}]})",
       DecodeStatus::kMissingField},
      {"mark inf",
       R"({"arg":{"channel":"mark-price"},"data":[{"instId":"BTC-USDT-SWAP","markPx":"inf","ts":"1"}]})",
       DecodeStatus::kBadNumber},
      {"mark 1e400",
       R"({"arg":{"channel":"mark-price"},"data":[{"instId":"BTC-USDT-SWAP","markPx":"1e400","ts":"1"}]})",
       DecodeStatus::kBadNumber},
      {"oi empty",
       R"({"arg":{"channel":"open-interest"},"data":[{"instId":"BTC-USDT-SWAP","oi":"","ts":"1"}]})",
       DecodeStatus::kBadNumber},
      {"oi no oi",
       R"({"arg":{"channel":"open-interest"},"data":[{"instId":"BTC-USDT-SWAP","oiCcy":"1","ts":"1"}]})",
       DecodeStatus::kMissingField},
      {"oiCcy bad",
       R"({"arg":{"channel":"open-interest"},"data":[{"instId":"BTC-USDT-SWAP","oi":"1","oiCcy":"x","ts":"1"}]})",
       DecodeStatus::kBadNumber},
      {"funding no rate",
       R"({"arg":{"channel":"funding-rate"},"data":[{"instId":"BTC-USDT-SWAP","ts":"1"}]})",
       DecodeStatus::kMissingField},
      {"funding time bad",
       R"({"arg":{"channel":"funding-rate"},"data":[{"instId":"BTC-USDT-SWAP","fundingRate":"0.1","fundingTime":"-5"}]})",
       DecodeStatus::kBadNumber},
      {"liq no details",
       R"({"arg":{"channel":"liquidation-orders"},"data":[{"instId":"BTC-USDT-SWAP"}]})",
       DecodeStatus::kMissingField},
      {"liq details not array",
       R"({"arg":{"channel":"liquidation-orders"},"data":[{"instId":"BTC-USDT-SWAP","details":{}}]})",
       DecodeStatus::kWrongType},
      {"liq no sz", liq_frame("BTC-USDT-SWAP", R"({"side":"sell","bkPx":"1","ts":"1"})"),
       DecodeStatus::kMissingField},
      {"liq bkPx bad", liq_frame("BTC-USDT-SWAP", detail("sell", "net", "1", "abc", "1")),
       DecodeStatus::kBadNumber},
      {"liq posSide unknown", liq_frame("BTC-USDT-SWAP", detail("sell", "both", "1", "1", "1")),
       DecodeStatus::kUnknownMessage},
      {"liq side unknown", liq_frame("BTC-USDT-SWAP", detail("up", "net", "1", "1", "1")),
       DecodeStatus::kUnknownMessage},
      // A bad second detail takes back the good first one.
      {"liq second bad",
       liq_frame("BTC-USDT-SWAP", liq_ok + "," + detail("sell", "net", "0", "1", "1")),
       DecodeStatus::kBadNumber},
      // An ignored (untracked) instId is still validated.
      {"liq untracked bad",
       R"({"arg":{"channel":"liquidation-orders"},"data":[{"instId":"ZZZ-USDT-SWAP","details":[{"side":"sell"}]}]})",
       DecodeStatus::kMissingField},
  };
  NormalizedEvent sentinel = core::make_event(EventType::kTrade, core::Venue::kOkx, 0, 1, 2, 3);
  sentinel.trade.price = 7.0;
  VenueSettings s = okx::default_settings();
  s.symbols = {"BTC-USDT-SWAP"};
  s.all_liquidations = false;
  rebuild(s);
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    out_.assign(1, sentinel);
    const auto r = decode(c.frame);
    EXPECT_EQ(r.status, c.status) << "got " << to_string(r.status) << " for " << c.frame;
    ASSERT_EQ(out_.size(), 1u);
    EXPECT_EQ(std::memcmp(&out_[0], &sentinel, sizeof sentinel), 0);
  }
}

// Verifies every strict prefix of every fixture is malformed JSON and appends nothing.
TEST_F(OkxCodecTest, EveryTruncationIsMalformed) {
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    const std::string frame = trim(read_fixture(entry.path().filename().string()));
    for (std::size_t n = 0; n < frame.size(); ++n) {
      SCOPED_TRACE(entry.path().filename().string() + " cut at " + std::to_string(n));
      out_.clear();
      const auto st = decode(std::string_view(frame).substr(0, n)).status;
      EXPECT_EQ(st, DecodeStatus::kMalformedJson);
      EXPECT_TRUE(out_.empty());
    }
  }
}

// Verifies random byte mutations of the fixtures (fixed seed) never crash, an error never
// leaves events behind, and whatever decodes carries finite values consistent with the units.
TEST_F(OkxCodecTest, MutatedFixturesNeverInventValues) {
  std::mt19937 rng(20240502);
  std::vector<std::string> frames;
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    frames.push_back(trim(read_fixture(entry.path().filename().string())));
  }
  frames.push_back(kTrade);
  frames.push_back(kFunding);
  ASSERT_FALSE(frames.empty());
  const std::string alphabet = "0123456789-+.eE\"{}[],:naxbuysellnet \x01\xff";
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
      ASSERT_GE(e.exchange_ts_ns, 0) << frame;
      switch (e.type) {
        case EventType::kLiquidation:
          ASSERT_TRUE(std::isfinite(e.liq.price) && e.liq.price > 0) << frame;
          if (core::present(e.liq.quantity)) {
            ASSERT_TRUE(std::isfinite(e.liq.quantity) && e.liq.quantity > 0) << frame;
          }
          break;
        case EventType::kTrade:
          ASSERT_TRUE(std::isfinite(e.trade.price) && e.trade.price > 0) << frame;
          if (core::present(e.trade.quantity)) {
            ASSERT_TRUE(std::isfinite(e.trade.quantity) && e.trade.quantity > 0) << frame;
          }
          break;
        case EventType::kMarkPrice:
          ASSERT_TRUE(!core::present(e.mark.mark) || e.mark.mark > 0) << frame;
          break;
        case EventType::kOpenInterest:
          ASSERT_TRUE(std::isfinite(e.oi.contracts) && e.oi.contracts >= 0) << frame;
          break;
        case EventType::kFeedStatus:
          FAIL() << frame;
      }
    }
  }
  EXPECT_GT(decoded, 100);
  EXPECT_GT(errors, 1000);
}

// ---------------------------------------------------------------------------------------------
// Settings and metadata.

// Verifies the defaults (production URLs, default symbols) and that the registry routes to them.
TEST(OkxSettings, Defaults) {
  const VenueSettings s = default_settings(core::Venue::kOkx);
  EXPECT_EQ(s.venue, core::Venue::kOkx);
  EXPECT_EQ(s.ws_url, "wss://ws.okx.com:8443/ws/v5/public");
  EXPECT_EQ(s.rest_url, "https://www.okx.com");
  EXPECT_EQ(s.symbols, (std::vector<std::string>{"BTC-USDT-SWAP", "ETH-USDT-SWAP"}));
  EXPECT_EQ(metadata_targets(core::Venue::kOkx),
            (std::vector<std::string>{"/api/v5/public/instruments?instType=SWAP"}));
  core::InstrumentTable table;
  auto codec = make_codec(s, table);
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->venue(), core::Venue::kOkx);
}

// Verifies the instruments body: linear and inverse specs, ctVal × ctMult, asset from the
// instrument family, unusable entries skipped.
TEST(OkxMetadata, ParsesInstruments) {
  const std::string body =
      R"({"code":"0","msg":"","data":[)"
      R"({"instType":"SWAP","instId":"BTC-USDT-SWAP","uly":"BTC-USDT","instFamily":"BTC-USDT",)"
      R"("settleCcy":"USDT","ctVal":"0.01","ctMult":"1","ctValCcy":"BTC","ctType":"linear"},)"
      R"({"instType":"SWAP","instId":"BTC-USD-SWAP","uly":"BTC-USD","instFamily":"BTC-USD",)"
      R"("settleCcy":"BTC","ctVal":"100","ctMult":"1","ctValCcy":"USD","ctType":"inverse"},)"
      R"({"instId":"PEPE-USDT-SWAP","instFamily":"PEPE-USDT","ctVal":"10000000","ctMult":"0.1",)"
      R"("ctValCcy":"PEPE","ctType":"linear"},)"
      R"({"instId":"BAD-USDT-SWAP","ctVal":"","ctType":"linear"},)"
      R"({"instId":"ODD-USDT-SWAP","ctVal":"1","ctType":"quanto"},7]})";
  std::vector<core::InstrumentSpec> out;
  ASSERT_EQ(parse_metadata(core::Venue::kOkx, 0, body, out), DecodeStatus::kOk);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].symbol, "BTC-USDT-SWAP");
  EXPECT_EQ(out[0].asset, "BTC");
  EXPECT_EQ(out[0].kind, core::ContractKind::kLinear);
  EXPECT_DOUBLE_EQ(out[0].contract_value, 0.01);
  EXPECT_EQ(out[1].symbol, "BTC-USD-SWAP");
  EXPECT_EQ(out[1].asset, "BTC");
  EXPECT_EQ(out[1].kind, core::ContractKind::kInverse);
  EXPECT_DOUBLE_EQ(out[1].contract_value, 100.0);
  EXPECT_EQ(out[2].asset, "PEPE");
  EXPECT_DOUBLE_EQ(out[2].contract_value, 1000000.0);
}

// Verifies bad instrument bodies fail and append nothing.
TEST(OkxMetadata, RejectsBadBodies) {
  std::vector<core::InstrumentSpec> out;
  EXPECT_EQ(parse_metadata(core::Venue::kOkx, 0, "", out), DecodeStatus::kMalformedJson);
  EXPECT_EQ(parse_metadata(core::Venue::kOkx, 0, R"({"code":"0","data":[)", out),
            DecodeStatus::kMalformedJson);
  EXPECT_EQ(parse_metadata(core::Venue::kOkx, 0,
                           R"({"code":"51000","msg":"Parameter instType error","data":[]})", out),
            DecodeStatus::kVenueError);
  EXPECT_EQ(parse_metadata(core::Venue::kOkx, 0, R"({"code":"0"})", out),
            DecodeStatus::kMissingField);
  EXPECT_EQ(parse_metadata(core::Venue::kOkx, 0, R"({"data":{}})", out), DecodeStatus::kWrongType);
  EXPECT_EQ(parse_metadata(core::Venue::kOkx, 1, R"({"data":[]})", out),
            DecodeStatus::kUnknownMessage);
  EXPECT_TRUE(out.empty());
}

// Verifies the bundled fallback: the four default contracts with venues.md's contract values.
TEST(OkxMetadata, BundledInstruments) {
  const auto specs = bundled_instruments(core::Venue::kOkx);
  ASSERT_EQ(specs.size(), 4u);
  EXPECT_EQ(specs[0].symbol, "BTC-USDT-SWAP");
  EXPECT_DOUBLE_EQ(specs[0].contract_value, 0.01);
  EXPECT_EQ(specs[0].kind, core::ContractKind::kLinear);
  EXPECT_EQ(specs[1].symbol, "ETH-USDT-SWAP");
  EXPECT_DOUBLE_EQ(specs[1].contract_value, 0.1);
  EXPECT_EQ(specs[2].symbol, "BTC-USD-SWAP");
  EXPECT_DOUBLE_EQ(specs[2].contract_value, 100.0);
  EXPECT_EQ(specs[2].kind, core::ContractKind::kInverse);
  EXPECT_EQ(specs[3].symbol, "ETH-USD-SWAP");
  EXPECT_DOUBLE_EQ(specs[3].contract_value, 10.0);
  EXPECT_EQ(specs[3].asset, "ETH");
  for (const auto& s : specs) EXPECT_EQ(s.venue, core::Venue::kOkx);
}

}  // namespace
}  // namespace levdyn::venues
