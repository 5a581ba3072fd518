// Tests of the Deribit codec: every shared fixture decoded to exact values (USD vs coin units,
// taker sides, T/M/MT liquidation flags), subscribe and heartbeat frames, trade_id dedupe
// across reconnects, malformed frames, and get_instruments metadata.

#include "service/venues/deribit.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
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

using test::replace;

using core::EventType;
using core::NormalizedEvent;

constexpr std::int64_t kRecvWall = 1'700'000'000'123'456'789;
constexpr std::int64_t kRecvSteady = 42'000'000'000;
constexpr std::int64_t kMs = 1'000'000;

std::string fixture_dir() { return std::string(LEVDYN_SHARED_DIR) + "/fixtures/deribit"; }

std::string read_fixture(const std::string& name) {
  return test::read_fixture_file(fixture_dir() + "/" + name);
}

const std::string kTicker =
    R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-PERPETUAL.100ms",)"
    R"("data":{"timestamp":1700000000000,"open_interest":1132329370.0,"mark_price":50000.5,)"
    R"("index_price":49990.25,"current_funding":0.00001,"funding_8h":0.0001,)"
    R"("instrument_name":"BTC-PERPETUAL","best_bid_price":50000.0}}})";

/// A trades notification for one trade on `instrument`.
std::string trade_frame(const std::string& instrument, const std::string& id,
                        const std::string& direction, const std::string& amount,
                        const std::string& price, const std::string& liquidation = "") {
  return R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.)" + instrument +
         R"(.100ms","data":[{"trade_seq":1,"trade_id":")" + id +
         R"(","timestamp":1700000000000,"tick_direction":0,"price":)" + price +
         R"(,"instrument_name":")" + instrument + R"(","index_price":1.0,"direction":")" +
         direction + R"(","amount":)" + amount +
         (liquidation.empty() ? std::string() : R"(,"liquidation":")" + liquidation + "\"") +
         "}]}}";
}

class DeribitCodecTest : public testing::Test {
 protected:
  void SetUp() override { codec_ = deribit::make_codec(deribit::default_settings(), table_); }

  void rebuild(const VenueSettings& settings) { codec_ = deribit::make_codec(settings, table_); }

  DecodeResult decode(std::string_view frame) {
    FrameMeta meta;
    meta.channel = Channel::kWs;
    meta.recv_wall_ns = kRecvWall;
    meta.recv_steady_ns = kRecvSteady;
    reply_.clear();
    return codec_->decode(frame, meta, out_, reply_);
  }

  core::InstrumentId id_of(std::string_view symbol) const {
    return table_.find(core::Venue::kDeribit, symbol);
  }

  void expect_header(const NormalizedEvent& e, EventType type, std::string_view symbol,
                     std::int64_t exchange_ms) const {
    EXPECT_EQ(e.type, type);
    EXPECT_EQ(e.venue, core::Venue::kDeribit);
    ASSERT_NE(e.instrument, core::kNoInstrument);
    ASSERT_LT(e.instrument, table_.size());
    EXPECT_EQ(table_.get(e.instrument).symbol_view(), symbol);
    EXPECT_EQ(e.exchange_ts_ns, exchange_ms * kMs);
    EXPECT_EQ(e.recv_wall_ns, kRecvWall);
    EXPECT_EQ(e.recv_steady_ns, kRecvSteady);
  }

  /// Decodes `frame`, expects `status` and that nothing was appended or replied.
  void expect_error(const std::string& frame, DecodeStatus status) {
    const std::size_t before = out_.size();
    const auto r = decode(frame);
    EXPECT_EQ(r.status, status) << frame;
    EXPECT_EQ(out_.size(), before) << frame;
    EXPECT_TRUE(reply_.empty()) << frame;
  }

  core::InstrumentTable table_;
  std::unique_ptr<Codec> codec_;
  std::vector<NormalizedEvent> out_;
  std::string reply_;
};

// ---------------------------------------------------------------------------------------------
// Fixtures, one by one.

// Verifies every file in the shared deribit fixture folder has a test below.
TEST(DeribitFixtures, EveryFixtureIsCovered) {
  const std::set<std::string> covered = {
      "heartbeat_test_request.json",          "set_heartbeat_response_doc_example.json",
      "subscribe_response.json",              "ticker_btc_perpetual_raw_real_2019.json",
      "trades_btc_perpetual_100ms_capture.json", "trades_liquidation_taker_real_2020.json"};
  std::set<std::string> present;
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    present.insert(entry.path().filename().string());
  }
  EXPECT_EQ(present, covered);
}

// Verifies the real 2019 ticker becomes a mark price (8h funding) and an inverse OI in USD
// (66128281 USD = 6612828.1 contracts of 10 USD; base left to the engine).
TEST_F(DeribitCodecTest, TickerRealFixture) {
  const auto r = decode(read_fixture("ticker_btc_perpetual_raw_real_2019.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "open_interest");
  ASSERT_EQ(out_.size(), 2u);
  const auto& m = out_[0];
  expect_header(m, EventType::kMarkPrice, "BTC-PERPETUAL", 1564617604229);
  EXPECT_EQ(m.mark.mark, 10094.1);
  EXPECT_EQ(m.mark.index, 10091.15);
  EXPECT_EQ(m.mark.funding_rate, 0.00016281);
  EXPECT_EQ(m.mark.funding_interval_s, 8 * 3600);
  const auto& oi = out_[1];
  expect_header(oi, EventType::kOpenInterest, "BTC-PERPETUAL", 1564617604229);
  EXPECT_EQ(oi.oi.notional_usd, 66128281.0);
  EXPECT_DOUBLE_EQ(oi.oi.contracts, 6612828.1);
  EXPECT_TRUE(std::isnan(oi.oi.base));
  EXPECT_EQ(oi.oi.source, core::OiSource::kWs);
  EXPECT_TRUE(reply_.empty());
}

// Verifies the live 100ms trades capture: two taker sells whose USD amounts become base
// quantities (amount / price) and USD notionals equal to the amount.
TEST_F(DeribitCodecTest, TradesCaptureFixture) {
  const auto r = decode(read_fixture("trades_btc_perpetual_100ms_capture.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "trade");
  ASSERT_EQ(out_.size(), 2u);
  expect_header(out_[0], EventType::kTrade, "BTC-PERPETUAL", 1765531356452);
  EXPECT_EQ(out_[0].trade.price, 92294.5);
  EXPECT_DOUBLE_EQ(out_[0].trade.quantity, 10.0 / 92294.5);
  EXPECT_EQ(out_[0].trade.notional_usd, 10.0);
  EXPECT_EQ(out_[0].trade.taker_side, core::Side::kSell);
  expect_header(out_[1], EventType::kTrade, "BTC-PERPETUAL", 1765531356452);
  EXPECT_EQ(out_[1].trade.price, 92288.5);
  EXPECT_DOUBLE_EQ(out_[1].trade.quantity, 750.0 / 92288.5);
  EXPECT_EQ(out_[1].trade.notional_usd, 750.0);
  EXPECT_EQ(out_[1].trade.taker_side, core::Side::kSell);
}

// Verifies the 2020 crash trade flagged "T" with direction sell counts as a trade and as a
// long liquidation (forced sell) of 1120 USD.
TEST_F(DeribitCodecTest, TradesLiquidationTakerFixture) {
  const auto r = decode(read_fixture("trades_liquidation_taker_real_2020.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  expect_header(out_[0], EventType::kTrade, "BTC-PERPETUAL", 1584058044032);
  EXPECT_EQ(out_[0].trade.notional_usd, 1120.0);
  EXPECT_EQ(out_[0].trade.taker_side, core::Side::kSell);
  const auto& l = out_[1];
  expect_header(l, EventType::kLiquidation, "BTC-PERPETUAL", 1584058044032);
  EXPECT_EQ(l.liq.price, 4469.5);
  EXPECT_DOUBLE_EQ(l.liq.quantity, 1120.0 / 4469.5);
  EXPECT_EQ(l.liq.notional_usd, 1120.0);
  EXPECT_EQ(l.liq.position, core::Position::kLong);
  EXPECT_EQ(l.liq.order_side, core::Side::kSell);
  EXPECT_EQ(l.liq.completeness, core::Completeness::kFull);
}

// Verifies a test_request is answered with a public/test call whose id counts up from 3.
TEST_F(DeribitCodecTest, HeartbeatTestRequestFixtureIsAnswered) {
  const std::string frame = read_fixture("heartbeat_test_request.json");
  auto r = decode(frame);
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(reply_, R"({"jsonrpc":"2.0","id":3,"method":"public/test","params":{}})");
  r = decode(frame);
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(reply_, R"({"jsonrpc":"2.0","id":4,"method":"public/test","params":{}})");
}

// Verifies the set_heartbeat "ok" result is a silent control message.
TEST_F(DeribitCodecTest, SetHeartbeatResponseFixtureIgnored) {
  const auto r = decode(read_fixture("set_heartbeat_response_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_TRUE(out_.empty());
  EXPECT_TRUE(reply_.empty());
}

// Verifies the subscribe result (list of channels) is a silent control message.
TEST_F(DeribitCodecTest, SubscribeResponseFixtureIgnored) {
  const auto r = decode(read_fixture("subscribe_response.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_TRUE(out_.empty());
  EXPECT_TRUE(reply_.empty());
}

// ---------------------------------------------------------------------------------------------
// Protocol.

// Verifies the one endpoint sends set_heartbeat (id 1) then subscribe (id 2) with ticker and
// trades 100ms channels per symbol, and that the client sends no heartbeat of its own.
TEST_F(DeribitCodecTest, SubscribeFramesAndHeartbeat) {
  EXPECT_EQ(codec_->venue(), core::Venue::kDeribit);
  const auto eps = codec_->ws_endpoints();
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].url, "wss://www.deribit.com/ws/api/v2");
  ASSERT_EQ(eps[0].subscribe.size(), 2u);
  EXPECT_EQ(eps[0].subscribe[0],
            R"({"jsonrpc":"2.0","id":1,"method":"public/set_heartbeat","params":{"interval":10}})");
  EXPECT_EQ(eps[0].subscribe[1],
            R"({"jsonrpc":"2.0","id":2,"method":"public/subscribe","params":{"channels":[)"
            R"("ticker.BTC-PERPETUAL.100ms","trades.BTC-PERPETUAL.100ms",)"
            R"("ticker.ETH-PERPETUAL.100ms","trades.ETH-PERPETUAL.100ms"]}})");
  EXPECT_EQ(codec_->heartbeat().kind, Heartbeat::Kind::kNone);
  EXPECT_TRUE(codec_->rest_polls().empty());
  EXPECT_EQ(codec_->liquidation_completeness(), "full");
  EXPECT_TRUE(codec_->liquidations_available());
}

// Verifies a plain heartbeat notification is ignored without a reply.
TEST_F(DeribitCodecTest, HeartbeatTypeHeartbeatIgnored) {
  const auto r = decode(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}})");
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_TRUE(reply_.empty());
  EXPECT_TRUE(out_.empty());
}

// Verifies a JSON-RPC error response (e.g. a rejected subscribe) is a venue error.
TEST_F(DeribitCodecTest, JsonRpcErrorIsVenueError) {
  const auto r = decode(
      R"({"jsonrpc":"2.0","id":2,"error":{"message":"Invalid params","code":-32602},"testnet":false})");
  EXPECT_EQ(r.status, DecodeStatus::kVenueError);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_TRUE(out_.empty());
}

// Verifies a full ticker decodes mark, index and funding_8h, and OI in USD for an inverse perp.
TEST_F(DeribitCodecTest, TickerInverseUsd) {
  ASSERT_EQ(decode(kTicker).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].mark.mark, 50000.5);
  EXPECT_EQ(out_[0].mark.index, 49990.25);
  EXPECT_EQ(out_[0].mark.funding_rate, 0.0001);
  EXPECT_EQ(out_[1].oi.notional_usd, 1132329370.0);
  EXPECT_DOUBLE_EQ(out_[1].oi.contracts, 113232937.0);
}

// Verifies absent or null index/funding become NaN (never invented) and the interval 0.
TEST_F(DeribitCodecTest, TickerOptionalFieldsAbsent) {
  std::string frame = replace(kTicker, R"("index_price":49990.25,)", "");
  frame = replace(frame, R"("funding_8h":0.0001)", R"("funding_8h":null)");
  ASSERT_EQ(decode(frame).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_TRUE(std::isnan(out_[0].mark.index));
  EXPECT_TRUE(std::isnan(out_[0].mark.funding_rate));
  EXPECT_EQ(out_[0].mark.funding_interval_s, 0);
}

// Verifies the ETH inverse perp derives its 1 USD contract when no metadata is loaded.
TEST_F(DeribitCodecTest, TickerEthContractsOneUsd) {
  std::string frame = replace(kTicker, "ticker.BTC-PERPETUAL", "ticker.ETH-PERPETUAL");
  frame = replace(frame, R"("instrument_name":"BTC-PERPETUAL")", R"("instrument_name":"ETH-PERPETUAL")");
  ASSERT_EQ(decode(frame).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(table_.get(out_[1].instrument).symbol_view(), "ETH-PERPETUAL");
  EXPECT_EQ(out_[1].oi.contracts, 1132329370.0);
  EXPECT_EQ(out_[1].oi.notional_usd, 1132329370.0);
}

// Verifies a linear USDC perp reports OI in coin (USD left to the engine) and trade / liquidation
// amounts in coin (notional = amount x price), with the contract size from metadata.
TEST_F(DeribitCodecTest, LinearUsdcPerpUnitsAreCoin) {
  core::InstrumentSpec spec;
  spec.venue = core::Venue::kDeribit;
  spec.symbol = "BTC_USDC-PERPETUAL";
  spec.asset = "BTC";
  spec.kind = core::ContractKind::kLinear;
  spec.contract_value = 0.001;
  ASSERT_NE(table_.add(spec), core::kNoInstrument);
  VenueSettings s = deribit::default_settings();
  s.symbols = {"BTC_USDC-PERPETUAL"};
  rebuild(s);
  std::string frame = replace(kTicker, "ticker.BTC-PERPETUAL", "ticker.BTC_USDC-PERPETUAL");
  frame = replace(frame, R"("instrument_name":"BTC-PERPETUAL")",
                  R"("instrument_name":"BTC_USDC-PERPETUAL")");
  frame = replace(frame, "1132329370.0", "1234.5");
  ASSERT_EQ(decode(frame).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].oi.base, 1234.5);
  EXPECT_TRUE(std::isnan(out_[1].oi.notional_usd));
  EXPECT_TRUE(std::isnan(out_[1].oi.contracts));
  out_.clear();
  ASSERT_EQ(decode(trade_frame("BTC_USDC-PERPETUAL", "USDC-1", "buy", "0.5", "60000.0", "T")).status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].trade.quantity, 0.5);
  EXPECT_EQ(out_[0].trade.notional_usd, 30000.0);
  EXPECT_EQ(out_[0].trade.taker_side, core::Side::kBuy);
  EXPECT_EQ(out_[1].liq.quantity, 0.5);
  EXPECT_EQ(out_[1].liq.notional_usd, 30000.0);
  EXPECT_EQ(out_[1].liq.position, core::Position::kShort);  // taker buy was a forced buy
  EXPECT_EQ(out_[1].liq.order_side, core::Side::kBuy);
}

// Verifies "M" liquidates the maker: a taker buy means the maker sold, so a long was liquidated;
// a taker sell means a short was.
TEST_F(DeribitCodecTest, MakerLiquidationIsOppositeOfDirection) {
  ASSERT_EQ(decode(trade_frame("BTC-PERPETUAL", "1", "buy", "100", "50000", "M")).status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].trade.taker_side, core::Side::kBuy);
  EXPECT_EQ(out_[1].liq.position, core::Position::kLong);
  EXPECT_EQ(out_[1].liq.order_side, core::Side::kSell);
  EXPECT_EQ(out_[1].liq.notional_usd, 100.0);
  EXPECT_EQ(out_[1].liq.quantity, 0.002);
  out_.clear();
  ASSERT_EQ(decode(trade_frame("BTC-PERPETUAL", "2", "sell", "100", "50000", "M")).status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].liq.position, core::Position::kShort);
  EXPECT_EQ(out_[1].liq.order_side, core::Side::kBuy);
}

// Verifies "T" with a taker buy is a short liquidation (the forced order bought).
TEST_F(DeribitCodecTest, TakerBuyLiquidationIsShort) {
  ASSERT_EQ(decode(trade_frame("BTC-PERPETUAL", "3", "buy", "20", "40000", "T")).status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].liq.position, core::Position::kShort);
  EXPECT_EQ(out_[1].liq.order_side, core::Side::kBuy);
}

// Verifies "MT" emits the trade plus two liquidations, one per side, each the full amount.
TEST_F(DeribitCodecTest, BothSidesLiquidationEmitsTwo) {
  ASSERT_EQ(decode(trade_frame("BTC-PERPETUAL", "4", "sell", "500", "50000", "MT")).status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[0].type, EventType::kTrade);
  EXPECT_EQ(out_[1].type, EventType::kLiquidation);
  EXPECT_EQ(out_[2].type, EventType::kLiquidation);
  std::set<core::Position> positions = {out_[1].liq.position, out_[2].liq.position};
  EXPECT_EQ(positions, (std::set<core::Position>{core::Position::kLong, core::Position::kShort}));
  EXPECT_EQ(out_[1].liq.notional_usd, 500.0);
  EXPECT_EQ(out_[2].liq.notional_usd, 500.0);
  EXPECT_EQ(out_[1].liq.position, core::Position::kLong);  // taker sell first
}

// Verifies a replayed trades frame after a reconnect is dropped and counted, while new ids in
// a partly replayed frame still decode.
TEST_F(DeribitCodecTest, DedupeByTradeIdSurvivesReconnect) {
  const std::string fixture = read_fixture("trades_btc_perpetual_100ms_capture.json");
  ASSERT_EQ(decode(fixture).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  codec_->on_connected(0);
  out_.clear();
  EXPECT_EQ(decode(fixture).status, DecodeStatus::kIgnored);
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(deribit::duplicate_trades(*codec_), 2u);
  // One replayed id, one new.
  const std::string mixed = replace(fixture, R"("trade_id":"403691825")", R"("trade_id":"403691826")");
  EXPECT_EQ(decode(mixed).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].trade.notional_usd, 750.0);
  EXPECT_EQ(deribit::duplicate_trades(*codec_), 3u);
}

// Verifies a replayed liquidation trade does not count the liquidation twice.
TEST_F(DeribitCodecTest, DedupeDropsReplayedLiquidation) {
  const std::string frame = trade_frame("BTC-PERPETUAL", "77", "sell", "100", "50000", "MT");
  ASSERT_EQ(decode(frame).status, DecodeStatus::kOk);
  EXPECT_EQ(out_.size(), 3u);
  EXPECT_EQ(decode(frame).status, DecodeStatus::kIgnored);
  EXPECT_EQ(out_.size(), 3u);
}

// Verifies the same trade id twice inside one frame counts once.
TEST_F(DeribitCodecTest, DedupeWithinOneFrame) {
  const std::string one = R"({"trade_id":"9","timestamp":1700000000000,"price":100.0,)"
                          R"("instrument_name":"BTC-PERPETUAL","direction":"buy","amount":10})";
  const std::string frame =
      R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.100ms","data":[)" +
      one + "," + one + "]}}";
  ASSERT_EQ(decode(frame).status, DecodeStatus::kOk);
  EXPECT_EQ(out_.size(), 1u);
  EXPECT_EQ(deribit::duplicate_trades(*codec_), 1u);
}

// Verifies ids of a frame rejected as malformed are not remembered: its good trade decodes later.
TEST_F(DeribitCodecTest, RejectedFrameDoesNotPoisonDedupe) {
  const std::string good = R"({"trade_id":"10","timestamp":1700000000000,"price":100.0,)"
                           R"("instrument_name":"BTC-PERPETUAL","direction":"buy","amount":10})";
  const std::string bad = R"({"trade_id":"11","timestamp":1700000000000,"price":"x",)"
                          R"("instrument_name":"BTC-PERPETUAL","direction":"buy","amount":10})";
  const std::string head =
      R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.100ms","data":[)";
  expect_error(head + good + "," + bad + "]}}", DecodeStatus::kWrongType);
  ASSERT_EQ(decode(head + good + "]}}").status, DecodeStatus::kOk);
  EXPECT_EQ(out_.size(), 1u);
  EXPECT_EQ(deribit::duplicate_trades(*codec_), 0u);
}

// Verifies the dedupe window is the last 2048 trade ids of an instrument, through many
// evictions of the ring (and of its hash index): a recent id is dropped, an evicted one decodes.
TEST_F(DeribitCodecTest, DedupeWindowIsTheLast2048Ids) {
  constexpr int kTotal = 3 * 2048 + 100;
  for (int k = 0; k < kTotal; ++k) {
    ASSERT_EQ(decode(trade_frame("BTC-PERPETUAL", std::to_string(k), "buy", "10", "100")).status,
              DecodeStatus::kOk)
        << k;
  }
  EXPECT_EQ(deribit::duplicate_trades(*codec_), 0u);
  // Every id of the window is remembered; replaying them decodes nothing.
  for (int k = kTotal - 2048; k < kTotal; ++k) {
    ASSERT_EQ(decode(trade_frame("BTC-PERPETUAL", std::to_string(k), "buy", "10", "100")).status,
              DecodeStatus::kIgnored)
        << k;
  }
  EXPECT_EQ(deribit::duplicate_trades(*codec_), 2048u);
  // The id just before the window was evicted: it decodes again (and enters the window).
  const std::size_t before = out_.size();
  EXPECT_EQ(decode(trade_frame("BTC-PERPETUAL", std::to_string(kTotal - 2049), "buy", "10", "100"))
                .status,
            DecodeStatus::kOk);
  EXPECT_EQ(out_.size(), before + 1);
  EXPECT_EQ(decode(trade_frame("BTC-PERPETUAL", std::to_string(kTotal - 2049), "buy", "10", "100"))
                .status,
            DecodeStatus::kIgnored);
}

// Verifies dedupe is per instrument: the same id on BTC and ETH are two trades.
TEST_F(DeribitCodecTest, DedupeIsPerInstrument) {
  ASSERT_EQ(decode(trade_frame("BTC-PERPETUAL", "5", "buy", "10", "100")).status, DecodeStatus::kOk);
  ASSERT_EQ(decode(trade_frame("ETH-PERPETUAL", "5", "buy", "10", "100")).status, DecodeStatus::kOk);
  EXPECT_EQ(out_.size(), 2u);
}

// Verifies instruments that are not configured are ignored, not errors.
TEST_F(DeribitCodecTest, UntrackedInstrumentIgnored) {
  EXPECT_EQ(decode(trade_frame("SOL-PERPETUAL", "6", "buy", "10", "100")).status,
            DecodeStatus::kIgnored);
  std::string frame = replace(kTicker, "ticker.BTC-PERPETUAL", "ticker.SOL-PERPETUAL");
  frame = replace(frame, R"("instrument_name":"BTC-PERPETUAL")", R"("instrument_name":"SOL-PERPETUAL")");
  EXPECT_EQ(decode(frame).status, DecodeStatus::kIgnored);
  EXPECT_TRUE(out_.empty());
}

// Verifies key order does not matter: params before method, data before channel.
TEST_F(DeribitCodecTest, KeyOrderIndependent) {
  const std::string frame =
      R"({"params":{"data":{"timestamp":1700000000000,"open_interest":100.0,"mark_price":5.0,)"
      R"("instrument_name":"BTC-PERPETUAL"},"channel":"ticker.BTC-PERPETUAL.100ms"},)"
      R"("method":"subscription","jsonrpc":"2.0"})";
  ASSERT_EQ(decode(frame).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].mark.mark, 5.0);
  EXPECT_EQ(out_[1].oi.notional_usd, 100.0);
  const auto r = decode(R"({"params":{"type":"test_request"},"method":"heartbeat"})");
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(reply_, R"({"jsonrpc":"2.0","id":3,"method":"public/test","params":{}})");
}

// Verifies the instrument comes from the channel when the payload omits instrument_name.
TEST_F(DeribitCodecTest, InstrumentFromChannel) {
  const std::string frame = replace(kTicker, R"(,"instrument_name":"BTC-PERPETUAL")", "");
  ASSERT_EQ(decode(frame).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].instrument, id_of("BTC-PERPETUAL"));
}

// ---------------------------------------------------------------------------------------------
// Malformed input: each is a counted error and appends nothing.

// Verifies truncated JSON, trailing bytes, empty frames and bare scalars are rejected.
TEST_F(DeribitCodecTest, MalformedJson) {
  expect_error("", DecodeStatus::kMalformedJson);
  expect_error(kTicker.substr(0, kTicker.size() - 5), DecodeStatus::kMalformedJson);
  expect_error(read_fixture("trades_btc_perpetual_100ms_capture.json").substr(0, 300),
               DecodeStatus::kMalformedJson);
  expect_error(kTicker + "}", DecodeStatus::kMalformedJson);
  expect_error("nonsense", DecodeStatus::kMalformedJson);
  expect_error("42", DecodeStatus::kUnknownMessage);
  expect_error("[1,2]", DecodeStatus::kUnknownMessage);
  expect_error(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"})",
               DecodeStatus::kMalformedJson);
}

// Verifies fields of the wrong JSON type are kWrongType.
TEST_F(DeribitCodecTest, WrongTypes) {
  expect_error(replace(kTicker, "1132329370.0", R"("1132329370.0")"), DecodeStatus::kWrongType);
  expect_error(replace(kTicker, "\"mark_price\":50000.5", "\"mark_price\":true"),
               DecodeStatus::kWrongType);
  expect_error(replace(kTicker, "1700000000000", R"("1700000000000")"), DecodeStatus::kWrongType);
  expect_error(trade_frame("BTC-PERPETUAL", "1", "buy", R"("10")", "100"), DecodeStatus::kWrongType);
  expect_error(R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.100ms","data":{"a":1}}})",
               DecodeStatus::kWrongType);
  expect_error(R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.100ms","data":[1]}})",
               DecodeStatus::kWrongType);
  expect_error(R"({"jsonrpc":"2.0","method":"subscription","params":[1]})", DecodeStatus::kWrongType);
  expect_error(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":7}})",
               DecodeStatus::kWrongType);
  expect_error(R"({"jsonrpc":"2.0","method":5,"params":{}})", DecodeStatus::kWrongType);
  // trade_id is a string on Deribit.
  expect_error(replace(trade_frame("BTC-PERPETUAL", "1", "buy", "10", "100"), R"("trade_id":"1")",
                       R"("trade_id":1)"),
               DecodeStatus::kWrongType);
}

// Verifies required fields that are absent are kMissingField.
TEST_F(DeribitCodecTest, MissingFields) {
  expect_error(replace(kTicker, R"("open_interest":1132329370.0,)", ""), DecodeStatus::kMissingField);
  expect_error(replace(kTicker, R"("mark_price":50000.5,)", ""), DecodeStatus::kMissingField);
  expect_error(replace(kTicker, R"("timestamp":1700000000000,)", ""), DecodeStatus::kMissingField);
  const std::string t = trade_frame("BTC-PERPETUAL", "1", "buy", "10", "100");
  expect_error(replace(t, R"("trade_id":"1",)", ""), DecodeStatus::kMissingField);
  expect_error(replace(t, R"("trade_id":"1",)", R"("trade_id":"",)"), DecodeStatus::kMissingField);
  expect_error(replace(t, R"(,"amount":10)", ""), DecodeStatus::kMissingField);
  expect_error(replace(t, R"("price":100,)", ""), DecodeStatus::kMissingField);
  expect_error(replace(t, R"("direction":"buy",)", ""), DecodeStatus::kMissingField);
  expect_error(replace(t, R"("timestamp":1700000000000,)", ""), DecodeStatus::kMissingField);
  expect_error(R"({"jsonrpc":"2.0","method":"heartbeat","params":{}})", DecodeStatus::kMissingField);
  expect_error(R"({"jsonrpc":"2.0","method":"subscription"})", DecodeStatus::kMissingField);
  expect_error(R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-PERPETUAL.100ms"}})",
               DecodeStatus::kMissingField);
  expect_error(R"({"jsonrpc":"2.0","method":"subscription","params":{"data":{}}})",
               DecodeStatus::kMissingField);
}

// Verifies out-of-range or unparseable numbers are kBadNumber.
TEST_F(DeribitCodecTest, BadNumbers) {
  expect_error(replace(kTicker, "1132329370.0", "-5"), DecodeStatus::kBadNumber);
  expect_error(replace(kTicker, "1132329370.0", "1e999"), DecodeStatus::kBadNumber);
  expect_error(replace(kTicker, "\"mark_price\":50000.5", "\"mark_price\":0"),
               DecodeStatus::kBadNumber);
  expect_error(replace(kTicker, "1700000000000", "1700000000000.5"), DecodeStatus::kBadNumber);
  expect_error(replace(kTicker, "1700000000000", "-1"), DecodeStatus::kBadNumber);
  expect_error(trade_frame("BTC-PERPETUAL", "1", "buy", "10", "-100"), DecodeStatus::kBadNumber);
  expect_error(trade_frame("BTC-PERPETUAL", "1", "buy", "0", "100"), DecodeStatus::kBadNumber);
  expect_error(trade_frame("BTC-PERPETUAL", "1", "buy", "10", "1e999"), DecodeStatus::kBadNumber);
}

// Verifies unknown enum values, channels and methods are kUnknownMessage.
TEST_F(DeribitCodecTest, UnknownShapes) {
  expect_error(trade_frame("BTC-PERPETUAL", "1", "up", "10", "100"), DecodeStatus::kUnknownMessage);
  expect_error(trade_frame("BTC-PERPETUAL", "1", "buy", "10", "100", "X"),
               DecodeStatus::kUnknownMessage);
  expect_error(R"({"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.BTC-PERPETUAL.100ms","data":{}}})",
               DecodeStatus::kUnknownMessage);
  expect_error(R"({"jsonrpc":"2.0","method":"heartbeat","params":{"type":"ping"}})",
               DecodeStatus::kUnknownMessage);
  expect_error(R"({"jsonrpc":"2.0","method":"announcements","params":{}})",
               DecodeStatus::kUnknownMessage);
  expect_error(R"({"jsonrpc":"2.0"})", DecodeStatus::kUnknownMessage);
}

// Verifies an error late in a frame takes back the events of its earlier trades.
TEST_F(DeribitCodecTest, ErrorRollsBackWholeFrame) {
  std::string frame = read_fixture("trades_btc_perpetual_100ms_capture.json");
  // The second trade's id is a number: the first trade's events must be taken back.
  frame = replace(frame, R"("trade_id":"403691825")", R"("trade_id":403691825)");
  expect_error(frame, DecodeStatus::kWrongType);
  EXPECT_TRUE(out_.empty());
}

// ---------------------------------------------------------------------------------------------
// Metadata and registry.

const std::string kInstrumentsBtc =
    R"({"jsonrpc":"2.0","result":[)"
    R"({"tick_size":0.5,"settlement_period":"perpetual","settlement_currency":"BTC",)"
    R"("quote_currency":"USD","kind":"future","is_active":true,"instrument_name":"BTC-PERPETUAL",)"
    R"("contract_size":10.0,"base_currency":"BTC","instrument_type":"reversed"},)"
    R"({"settlement_period":"month","settlement_currency":"BTC","instrument_name":"BTC-27DEC30",)"
    R"("contract_size":10.0,"base_currency":"BTC","instrument_type":"reversed"},)"
    R"({"settlement_period":"perpetual","instrument_name":"BTC_USDC-PERPETUAL",)"
    R"("contract_size":0.001,"base_currency":"BTC","instrument_type":"linear"},)"
    R"({"settlement_period":"perpetual","instrument_name":"ETH_USDT-PERPETUAL",)"
    R"("contract_size":0.01,"base_currency":"ETH","settlement_currency":"USDT"},)"
    R"("junk",{"settlement_period":"perpetual","instrument_name":"NOSIZE-PERPETUAL","base_currency":"X"})"
    R"(],"usIn":1,"usOut":2,"usDiff":1,"testnet":false})";

// Verifies get_instruments keeps perpetuals only, maps reversed to inverse (USD contract) and
// linear to coin contracts, infers the kind from settlement_currency when instrument_type is
// absent, and skips unusable entries.
TEST(DeribitMetadata, ParsesPerpetuals) {
  EXPECT_EQ(deribit::metadata_targets(),
            (std::vector<std::string>{"/api/v2/public/get_instruments?currency=BTC&kind=future",
                                      "/api/v2/public/get_instruments?currency=ETH&kind=future",
                                      "/api/v2/public/get_instruments?currency=USDC&kind=future"}));
  std::vector<core::InstrumentSpec> specs;
  ASSERT_EQ(parse_metadata(core::Venue::kDeribit, 0, kInstrumentsBtc, specs), DecodeStatus::kOk);
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].symbol, "BTC-PERPETUAL");
  EXPECT_EQ(specs[0].asset, "BTC");
  EXPECT_EQ(specs[0].kind, core::ContractKind::kInverse);
  EXPECT_EQ(specs[0].contract_value, 10.0);
  EXPECT_EQ(specs[0].venue, core::Venue::kDeribit);
  EXPECT_EQ(specs[1].symbol, "BTC_USDC-PERPETUAL");
  EXPECT_EQ(specs[1].kind, core::ContractKind::kLinear);
  EXPECT_EQ(specs[1].contract_value, 0.001);
  EXPECT_EQ(specs[2].symbol, "ETH_USDT-PERPETUAL");
  EXPECT_EQ(specs[2].kind, core::ContractKind::kLinear);
}

// Verifies metadata errors: venue error, missing result, broken JSON, wrong target index;
// nothing is appended on failure.
TEST(DeribitMetadata, Errors) {
  std::vector<core::InstrumentSpec> specs;
  EXPECT_EQ(deribit::parse_metadata(0, R"({"jsonrpc":"2.0","error":{"message":"x","code":-32602}})", specs),
            DecodeStatus::kVenueError);
  EXPECT_EQ(deribit::parse_metadata(0, R"({"jsonrpc":"2.0"})", specs), DecodeStatus::kMissingField);
  EXPECT_EQ(deribit::parse_metadata(0, kInstrumentsBtc.substr(0, 200), specs),
            DecodeStatus::kMalformedJson);
  EXPECT_EQ(deribit::parse_metadata(0, R"({"result":{}})", specs), DecodeStatus::kWrongType);
  EXPECT_EQ(deribit::parse_metadata(3, kInstrumentsBtc, specs), DecodeStatus::kUnknownMessage);
  EXPECT_EQ(deribit::parse_metadata(0, "", specs), DecodeStatus::kMalformedJson);
  EXPECT_TRUE(specs.empty());
}

// Verifies the bundled fallback (BTC 10 USD, ETH 1 USD inverse perps) and default settings
// reached through the registry.
TEST(DeribitMetadata, BundledAndDefaults) {
  const auto specs = bundled_instruments(core::Venue::kDeribit);
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].symbol, "BTC-PERPETUAL");
  EXPECT_EQ(specs[0].kind, core::ContractKind::kInverse);
  EXPECT_EQ(specs[0].contract_value, 10.0);
  EXPECT_EQ(specs[1].symbol, "ETH-PERPETUAL");
  EXPECT_EQ(specs[1].asset, "ETH");
  EXPECT_EQ(specs[1].contract_value, 1.0);
  const VenueSettings s = default_settings(core::Venue::kDeribit);
  EXPECT_EQ(s.venue, core::Venue::kDeribit);
  EXPECT_EQ(s.ws_url, "wss://www.deribit.com/ws/api/v2");
  EXPECT_EQ(s.rest_url, "https://www.deribit.com");
  EXPECT_EQ(s.symbols, (std::vector<std::string>{"BTC-PERPETUAL", "ETH-PERPETUAL"}));
  EXPECT_EQ(metadata_targets(core::Venue::kDeribit).size(), 3u);
}

// Verifies the registry builds the Deribit codec and a bundled spec is used by it.
TEST(DeribitRegistry, MakeCodecDispatches) {
  core::InstrumentTable table;
  for (const auto& spec : bundled_instruments(core::Venue::kDeribit)) table.add(spec);
  const auto codec = make_codec(default_settings(core::Venue::kDeribit), table);
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->venue(), core::Venue::kDeribit);
  EXPECT_EQ(table.size(), 2u);  // nothing derived on top of the bundled specs
}

}  // namespace
}  // namespace levdyn::venues
