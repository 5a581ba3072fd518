// Tests of the BitMEX codec: every shared fixture decoded to exact values (inverse, linear and
// quanto contracts to base and USD, order vs position side), the realtime table protocol
// (nothing before `partial`, merge by keys, delete, reconnect), the liquidation lifecycle
// inferred from resting orders (falling leavesQty, delete of the remainder, no double counting
// after a new partial), control frames, heartbeat and subscribe frames, malformed input, and
// /api/v1/instrument/active metadata.
//
// Expected values are computed from the fixtures with venues.md §5's formulas:
//   inverse (XBTUSD): 1 contract = 1 USD, base = USD / price; openValue = qty × 1e8 / price XBt
//   linear:           base = contracts × multiplier / quoteToSettle; openValue = qty × mult × price
//   quanto (ETHUSD):  XBt = contracts × multiplier × price, USD = XBt / 1e8 × XBTUSD mark

#include "service/venues/bitmex.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/events.h"
#include "core/instrument_table.h"
#include "service/venues/codec.h"
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

std::string fixture_dir() { return std::string(LEVDYN_SHARED_DIR) + "/fixtures/bitmex"; }

std::string read_fixture(const std::string& name) {
  return test::read_fixture_file(fixture_dir() + "/" + name);
}

/// |a − b| within a relative 1e-12 of b (for values computed in another order).
void expect_rel(double a, double b) {
  EXPECT_TRUE(std::isfinite(a)) << a;
  EXPECT_NEAR(a, b, std::fabs(b) * 1e-12) << a << " vs " << b;
}

/// A table frame: {"table":…,"action":…,<extra>"data":[<rows>]}.
std::string table_frame(const std::string& table, const std::string& action,
                        const std::string& rows, const std::string& extra = "") {
  return R"({"table":")" + table + R"(","action":")" + action + R"(",)" + extra + R"("data":[)" +
         rows + "]}";
}

std::string liq_row(const std::string& order_id, const std::string& symbol,
                    const std::string& side, const std::string& price, const std::string& leaves) {
  return R"({"orderID":")" + order_id + R"(","symbol":")" + symbol + R"(","side":")" + side +
         R"(","price":)" + price + R"(,"leavesQty":)" + leaves + "}";
}

std::string liq_update(const std::string& order_id, const std::string& fields) {
  return table_frame("liquidation", "update",
                     R"({"orderID":")" + order_id + R"(","symbol":"XBTUSD",)" + fields + "}");
}

std::string liq_delete(const std::string& order_id, const std::string& symbol = "XBTUSD") {
  return table_frame("liquidation", "delete",
                     R"({"orderID":")" + order_id + R"(","symbol":")" + symbol + R"("})");
}

const std::string kLiqPartialKeys =
    R"("keys":["orderID"],"types":{"orderID":"guid","symbol":"symbol","side":"symbol",)"
    R"("price":"float","leavesQty":"long"},"filter":{},)";

// The 2024 capture's order (liquidation_insert_sell_xbtusd_recorded_2024.json and its update
// and delete fixtures).
const std::string kOrder2024 = "749134b5-8b4e-48d3-ab56-3495e8c58957";

// XBTUSD instrument partial, shaped like BitMEX's (inverse, XBt-settled). openValue =
// 500000000 × 1e8 / 50000 XBt.
const std::string kXbtUsdPartial =
    R"({"table":"instrument","action":"partial","keys":["symbol"],"types":{},)"
    R"("filter":{"symbol":"XBTUSD"},"data":[{"symbol":"XBTUSD","rootSymbol":"XBT",)"
    R"("underlying":"XBT","quoteCurrency":"USD","settlCurrency":"XBt","multiplier":-100000000,)"
    R"("isQuanto":false,"isInverse":true,"underlyingToSettleMultiplier":-100000000,)"
    R"("quoteToSettleMultiplier":null,"fundingInterval":"2000-01-01T08:00:00.000Z",)"
    R"("fundingRate":0.0001,"indicativeSettlePrice":49990.5,"markPrice":50000,)"
    R"("openInterest":500000000,"openValue":1000000000000,)"
    R"("timestamp":"2024-11-13T10:34:26.741Z"}]})";
constexpr std::int64_t kXbtUsdPartialMs = 1731494066741;  // 2024-11-13T10:34:26.741Z

// ETHUSD quanto partial: openValue = 1000000 × 100 × 3000 XBt.
const std::string kEthUsdPartial =
    R"({"table":"instrument","action":"partial","keys":["symbol"],"types":{},)"
    R"("filter":{"symbol":"ETHUSD"},"data":[{"symbol":"ETHUSD","underlying":"ETH",)"
    R"("quoteCurrency":"USD","settlCurrency":"XBt","multiplier":100,"isQuanto":true,)"
    R"("isInverse":false,"underlyingToSettleMultiplier":null,"markPrice":3000,)"
    R"("openInterest":1000000,"openValue":300000000000,)"
    R"("timestamp":"2024-11-13T10:34:26.741Z"}]})";

// XBTUSDT linear partial: 1 contract = 1e-6 XBT (multiplier 1 / quoteToSettle 1e6);
// openValue = 39700000 × 1 × 60000 USDt.
const std::string kXbtUsdtPartial =
    R"({"table":"instrument","action":"partial","keys":["symbol"],"types":{},)"
    R"("filter":{"symbol":"XBTUSDT"},"data":[{"symbol":"XBTUSDT","underlying":"XBT",)"
    R"("quoteCurrency":"USDT","settlCurrency":"USDt","multiplier":1,"isQuanto":false,)"
    R"("isInverse":false,"underlyingToPositionMultiplier":1000000,)"
    R"("underlyingToSettleMultiplier":null,"quoteToSettleMultiplier":1000000,)"
    R"("markPrice":60000,"openInterest":39700000,"openValue":2382000000000,)"
    R"("timestamp":"2024-11-13T10:34:26.741Z"}]})";

const std::string kTradePartial =
    R"({"table":"trade","action":"partial","keys":[],"types":{},"filter":{"symbol":"XBTUSD"},)"
    R"("data":[{"timestamp":"2024-11-13T10:34:20.000Z","symbol":"XBTUSD","side":"Buy",)"
    R"("size":500,"price":49000,"homeNotional":0.01020408,"foreignNotional":500}]})";

const std::string kTradeInsert =
    R"({"table":"trade","action":"insert","data":[{"timestamp":"2024-11-13T10:34:26.741Z",)"
    R"("symbol":"XBTUSD","side":"Sell","size":100,"price":50000,"tickDirection":"MinusTick",)"
    R"("trdMatchID":"00000000-0000-0000-0000-000000000001","grossValue":200000,)"
    R"("homeNotional":0.002,"foreignNotional":100}]})";

class BitmexCodecTest : public testing::Test {
 protected:
  void SetUp() override {
    for (const auto& s : bitmex::bundled_instruments()) table_.add(s);
    VenueSettings s = bitmex::default_settings();
    // ETHM19 and LTCM19 (the 2019 instrument partial) have no metadata: their conversion comes
    // from the instrument rows.
    s.symbols = {"XBTUSD", "ETHUSD", "XBTUSDT", "ETHM19", "LTCM19"};
    rebuild(s);
  }

  void rebuild(const VenueSettings& settings) { codec_ = bitmex::make_codec(settings, table_); }

  DecodeResult decode(std::string_view frame) {
    FrameMeta meta;
    meta.channel = Channel::kWs;
    meta.recv_wall_ns = kRecvWall;
    meta.recv_steady_ns = kRecvSteady;
    reply_.clear();
    return codec_->decode(frame, meta, out_, reply_);
  }

  /// Decodes `frame` expecting `status`; returns the events it appended (and clears out_).
  std::vector<NormalizedEvent> feed(std::string_view frame, DecodeStatus status) {
    out_.clear();
    const auto r = decode(frame);
    EXPECT_EQ(r.status, status) << "got " << to_string(r.status) << " for " << frame;
    EXPECT_TRUE(reply_.empty());
    std::vector<NormalizedEvent> events;
    events.swap(out_);
    return events;
  }

  bitmex::TableStats stats() const { return bitmex::table_stats(*codec_); }

  void expect_header(const NormalizedEvent& e, EventType type, std::string_view symbol,
                     std::int64_t exchange_ms) const {
    EXPECT_EQ(e.type, type);
    EXPECT_EQ(e.venue, core::Venue::kBitmex);
    ASSERT_NE(e.instrument, core::kNoInstrument);
    ASSERT_LT(e.instrument, table_.size());
    EXPECT_EQ(table_.get(e.instrument).symbol_view(), symbol);
    EXPECT_EQ(e.exchange_ts_ns, exchange_ms * kMs);
    EXPECT_EQ(e.recv_wall_ns, kRecvWall);
    EXPECT_EQ(e.recv_steady_ns, kRecvSteady);
  }

  /// A liquidation inferred from the resting-order table: no venue time (receive time is the
  /// event time), completeness inferred; `Sell` orders close longs.
  void expect_fill(const NormalizedEvent& e, std::string_view symbol, core::Side order_side,
                   double price) const {
    expect_header(e, EventType::kLiquidation, symbol, 0);
    EXPECT_EQ(e.event_time_ns(), kRecvWall);
    EXPECT_EQ(e.liq.order_side, order_side);
    EXPECT_EQ(e.liq.position,
              order_side == core::Side::kSell ? core::Position::kLong : core::Position::kShort);
    EXPECT_EQ(e.liq.price, price);
    EXPECT_EQ(e.liq.completeness, core::Completeness::kInferred);
  }

  core::InstrumentTable table_;
  std::unique_ptr<Codec> codec_;
  std::vector<NormalizedEvent> out_;
  std::string reply_;
};

// ---------------------------------------------------------------------------------------------
// Fixtures, one by one.

// Verifies every file in the shared bitmex fixture folder has a test below.
TEST(BitmexFixtures, EveryFixtureIsCovered) {
  const std::set<std::string> covered = {"instrument_partial_real_2019.json",
                                         "instrument_update_open_interest_real_2019.json",
                                         "liquidation_delete_real_2019.json",
                                         "liquidation_delete_recorded_2024.json",
                                         "liquidation_insert_real_2019.json",
                                         "liquidation_insert_sell_xbtusd_recorded_2024.json",
                                         "liquidation_partial_empty_recorded_2024.json",
                                         "liquidation_update_leavesqty_recorded_2024.json",
                                         "liquidation_update_price_recorded_2024.json",
                                         "subscribe_ack_recorded_2024.json",
                                         "welcome_recorded_2024.json"};
  std::set<std::string> present;
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    present.insert(entry.path().filename().string());
  }
  EXPECT_EQ(present, covered);
}

// Verifies the welcome message is an ignored control frame.
TEST_F(BitmexCodecTest, WelcomeRecorded2024) {
  const auto r = decode(read_fixture("welcome_recorded_2024.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_TRUE(out_.empty());
  EXPECT_TRUE(reply_.empty());
}

// Verifies the subscription ack is an ignored control frame.
TEST_F(BitmexCodecTest, SubscribeAckRecorded2024) {
  const auto r = decode(read_fixture("subscribe_ack_recorded_2024.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_TRUE(out_.empty());
}

// Verifies the empty liquidation partial opens the table without events or resting orders.
TEST_F(BitmexCodecTest, LiquidationPartialEmptyRecorded2024) {
  const auto r = decode(read_fixture("liquidation_partial_empty_recorded_2024.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "liquidation");
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(stats().resting_orders, 0u);
  EXPECT_EQ(stats().dropped_before_partial, 0u);
}

// Verifies the 2024 capture end to end: partial, insert of a Sell order for 891800 contracts
// at 90396.3 (no event: resting), leavesQty 891800 → 855700 is a fill of 36100 contracts
// (XBTUSD inverse: 36100 USD, 36100 / 90396.3 BTC, a long liquidated), and the delete fills
// the remaining 855700.
TEST_F(BitmexCodecTest, LiquidationLifecycleRecorded2024) {
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);

  auto ev = feed(read_fixture("liquidation_insert_sell_xbtusd_recorded_2024.json"),
                 DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().resting_orders, 1u);

  out_.clear();
  const auto r = decode(read_fixture("liquidation_update_leavesqty_recorded_2024.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "liquidation");
  ASSERT_EQ(out_.size(), 1u);
  expect_fill(out_[0], "XBTUSD", core::Side::kSell, 90396.3);
  EXPECT_DOUBLE_EQ(out_[0].liq.notional_usd, 36100.0);
  EXPECT_DOUBLE_EQ(out_[0].liq.quantity, 36100.0 / 90396.3);

  ev = feed(read_fixture("liquidation_delete_recorded_2024.json"), DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  expect_fill(ev[0], "XBTUSD", core::Side::kSell, 90396.3);
  EXPECT_DOUBLE_EQ(ev[0].liq.notional_usd, 855700.0);
  EXPECT_DOUBLE_EQ(ev[0].liq.quantity, 855700.0 / 90396.3);
  EXPECT_EQ(stats().resting_orders, 0u);
  EXPECT_EQ(stats().unknown_orders, 0u);

  // The order is gone: a replayed delete fills nothing more.
  ev = feed(read_fixture("liquidation_delete_recorded_2024.json"), DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().unknown_orders, 1u);
}

// Verifies the price update of an order never seen (4ce9277e…) emits nothing and is counted
// as an unknown order; after the order is known, the new price is the price of its fills.
TEST_F(BitmexCodecTest, LiquidationUpdatePriceRecorded2024) {
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  const std::string frame = read_fixture("liquidation_update_price_recorded_2024.json");
  auto ev = feed(frame, DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().unknown_orders, 1u);

  const std::string id = "4ce9277e-0663-476c-a672-5aefab2bcfec";
  feed(table_frame("liquidation", "insert", liq_row(id, "XBTUSD", "Buy", "88000", "5000")),
       DecodeStatus::kIgnored);
  ev = feed(frame, DecodeStatus::kIgnored);  // a price change alone is not a fill
  EXPECT_TRUE(ev.empty());
  ev = feed(liq_delete(id), DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  expect_fill(ev[0], "XBTUSD", core::Side::kBuy, 88234.5);
  EXPECT_DOUBLE_EQ(ev[0].liq.notional_usd, 5000.0);
  EXPECT_DOUBLE_EQ(ev[0].liq.quantity, 5000.0 / 88234.5);
}

// Verifies the 2019 insert (Buy 9214 XBTUSD at 10106) then delete: one short liquidation of
// 9214 USD = 9214 / 10106 BTC.
TEST_F(BitmexCodecTest, LiquidationInsertDeleteReal2019) {
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  auto ev = feed(read_fixture("liquidation_insert_real_2019.json"), DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().resting_orders, 1u);
  out_.clear();
  const auto r = decode(read_fixture("liquidation_delete_real_2019.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "liquidation");
  ASSERT_EQ(out_.size(), 1u);
  expect_fill(out_[0], "XBTUSD", core::Side::kBuy, 10106.0);
  EXPECT_EQ(out_[0].liq.position, core::Position::kShort);
  EXPECT_DOUBLE_EQ(out_[0].liq.notional_usd, 9214.0);
  EXPECT_DOUBLE_EQ(out_[0].liq.quantity, 9214.0 / 10106.0);
  EXPECT_EQ(stats().resting_orders, 0u);
}

// Verifies the 2019 insert and delete on their own (no partial on this connection) apply
// nothing and are counted as dropped before partial.
TEST_F(BitmexCodecTest, LiquidationFixturesBeforePartialAreDropped) {
  auto ev = feed(read_fixture("liquidation_insert_real_2019.json"), DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  ev = feed(read_fixture("liquidation_delete_real_2019.json"), DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  ev = feed(read_fixture("liquidation_update_leavesqty_recorded_2024.json"),
            DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().dropped_before_partial, 3u);
  EXPECT_EQ(stats().resting_orders, 0u);
  EXPECT_EQ(stats().unknown_orders, 0u);
}

// Verifies the 2019 instrument partial (ETHM19, LTCM19: linear, quoted in XBT, no bundled
// metadata): conversion from the rows' multiplier 1e8 / quoteToSettleMultiplier 1e8 = 1 coin
// per contract, USD via the XBTUSD mark (50000), consistent with openValue in XBt; marks and
// indicative settle prices; exchange times from the rows.
TEST_F(BitmexCodecTest, InstrumentPartialReal2019) {
  feed(kXbtUsdPartial, DecodeStatus::kOk);
  out_.clear();
  const auto r = decode(read_fixture("instrument_partial_real_2019.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "open_interest");
  ASSERT_EQ(out_.size(), 4u);

  // ETHM19 2019-05-31T23:59:30.000Z
  expect_header(out_[0], EventType::kOpenInterest, "ETHM19", 1559347170000);
  EXPECT_EQ(out_[0].oi.contracts, 150499.0);
  EXPECT_DOUBLE_EQ(out_[0].oi.base, 150499.0);
  expect_rel(out_[0].oi.notional_usd, 150499.0 * 0.03162 * 50000.0);
  expect_rel(out_[0].oi.notional_usd, 475877838000.0 / 1e8 * 50000.0);  // openValue XBt
  EXPECT_EQ(out_[0].oi.source, core::OiSource::kWs);
  expect_header(out_[1], EventType::kMarkPrice, "ETHM19", 1559347170000);
  EXPECT_EQ(out_[1].mark.mark, 0.03162);
  EXPECT_EQ(out_[1].mark.index, 0.03131);
  EXPECT_FALSE(core::present(out_[1].mark.funding_rate));
  EXPECT_EQ(out_[1].mark.funding_interval_s, 0);

  // LTCM19 2019-05-31T23:59:55.000Z
  expect_header(out_[2], EventType::kOpenInterest, "LTCM19", 1559347195000);
  EXPECT_EQ(out_[2].oi.contracts, 204654.0);
  EXPECT_DOUBLE_EQ(out_[2].oi.base, 204654.0);
  expect_rel(out_[2].oi.notional_usd, 204654.0 * 0.013533 * 50000.0);
  expect_rel(out_[2].oi.notional_usd, 276958258200.0 / 1e8 * 50000.0);
  expect_header(out_[3], EventType::kMarkPrice, "LTCM19", 1559347195000);
  EXPECT_EQ(out_[3].mark.mark, 0.013533);
  EXPECT_EQ(out_[3].mark.index, 0.013382);
}

// Verifies the same partial without an XBTUSD mark: base is known, USD (which needs XBT/USD)
// is absent rather than guessed.
TEST_F(BitmexCodecTest, InstrumentPartialReal2019WithoutXbtMark) {
  const auto ev = feed(read_fixture("instrument_partial_real_2019.json"), DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_DOUBLE_EQ(ev[0].oi.base, 150499.0);
  EXPECT_FALSE(core::present(ev[0].oi.notional_usd));
  EXPECT_DOUBLE_EQ(ev[2].oi.base, 204654.0);
  EXPECT_FALSE(core::present(ev[2].oi.notional_usd));
}

// Verifies the 2019 ETHUSD OI update (quanto, multiplier 100 XBt per USD point): after the
// partials, 58922153 contracts = 58922153 × 100 × 3000 XBt × 50000 USD / 1e8, base = USD / 3000.
TEST_F(BitmexCodecTest, InstrumentUpdateOpenInterestReal2019) {
  const std::string frame = read_fixture("instrument_update_open_interest_real_2019.json");
  // Before its partial the update is dropped and counted.
  auto ev = feed(frame, DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().dropped_before_partial, 1u);

  feed(kXbtUsdPartial, DecodeStatus::kOk);
  feed(kEthUsdPartial, DecodeStatus::kOk);
  out_.clear();
  const auto r = decode(frame);
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "open_interest");
  ASSERT_EQ(out_.size(), 1u);  // OI only: the row carries no mark
  expect_header(out_[0], EventType::kOpenInterest, "ETHUSD", 0);
  EXPECT_EQ(out_[0].event_time_ns(), kRecvWall);
  EXPECT_EQ(out_[0].oi.contracts, 58922153.0);
  const double usd = 58922153.0 * 100.0 * 3000.0 / 1e8 * 50000.0;
  expect_rel(out_[0].oi.notional_usd, usd);
  expect_rel(out_[0].oi.base, usd / 3000.0);
  EXPECT_EQ(stats().dropped_before_partial, 1u);
}

// ---------------------------------------------------------------------------------------------
// Instrument table: conversions and merge by key.

// Verifies inverse XBTUSD: OI in USD (1 per contract), base = USD / mark = openValue / 1e8;
// the mark event carries the index, funding rate and the 8 h interval (2000-01-01T08:00).
TEST_F(BitmexCodecTest, InverseXbtUsdOpenInterest) {
  const auto ev = feed(kXbtUsdPartial, DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 2u);
  expect_header(ev[0], EventType::kOpenInterest, "XBTUSD", kXbtUsdPartialMs);
  EXPECT_EQ(ev[0].oi.contracts, 500000000.0);
  EXPECT_DOUBLE_EQ(ev[0].oi.notional_usd, 500000000.0);
  EXPECT_DOUBLE_EQ(ev[0].oi.base, 500000000.0 / 50000.0);
  EXPECT_DOUBLE_EQ(ev[0].oi.base, 1000000000000.0 / 1e8);  // openValue XBt → XBT
  expect_header(ev[1], EventType::kMarkPrice, "XBTUSD", kXbtUsdPartialMs);
  EXPECT_EQ(ev[1].mark.mark, 50000.0);
  EXPECT_EQ(ev[1].mark.index, 49990.5);
  EXPECT_EQ(ev[1].mark.funding_rate, 0.0001);
  EXPECT_EQ(ev[1].mark.funding_interval_s, 8 * 3600);
}

// Verifies linear XBTUSDT: 39700000 contracts × 1e-6 = 39.7 XBT, USD = 39.7 × 60000 =
// openValue 2382000000000 USDt / 1e6.
TEST_F(BitmexCodecTest, LinearXbtUsdtOpenInterest) {
  const auto ev = feed(kXbtUsdtPartial, DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 2u);
  expect_header(ev[0], EventType::kOpenInterest, "XBTUSDT", kXbtUsdPartialMs);
  EXPECT_EQ(ev[0].oi.contracts, 39700000.0);
  expect_rel(ev[0].oi.base, 39.7);
  expect_rel(ev[0].oi.notional_usd, 39.7 * 60000.0);
  expect_rel(ev[0].oi.notional_usd, 2382000000000.0 / 1e6);
}

// Verifies quanto ETHUSD: 1000000 contracts × 100 XBt × 3000 = openValue 3e11 XBt = 3000 XBT,
// × XBTUSD mark 50000 = 1.5e8 USD, base = 1.5e8 / 3000 = 50000 ETH; without the XBTUSD mark
// both are absent.
TEST_F(BitmexCodecTest, QuantoEthUsdOpenInterest) {
  auto ev = feed(kEthUsdPartial, DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].oi.contracts, 1000000.0);
  EXPECT_FALSE(core::present(ev[0].oi.notional_usd));
  EXPECT_FALSE(core::present(ev[0].oi.base));

  feed(kXbtUsdPartial, DecodeStatus::kOk);
  ev = feed(kEthUsdPartial, DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 2u);
  expect_header(ev[0], EventType::kOpenInterest, "ETHUSD", kXbtUsdPartialMs);
  expect_rel(ev[0].oi.notional_usd, 300000000000.0 / 1e8 * 50000.0);
  expect_rel(ev[0].oi.base, 50000.0);
  EXPECT_EQ(ev[1].mark.mark, 3000.0);
}

// Verifies sparse updates merge by symbol: a mark-only update keeps the partial's index,
// funding and interval; an OI-only update is priced with the merged mark; a row changing only
// fields the codec does not emit produces nothing; a delete emits nothing.
TEST_F(BitmexCodecTest, InstrumentUpdatesMergeByKey) {
  feed(kXbtUsdPartial, DecodeStatus::kOk);
  auto ev = feed(
      table_frame("instrument", "update",
                  R"({"symbol":"XBTUSD","markPrice":51000,"fairPrice":51000,)"
                  R"("timestamp":"2024-11-13T10:34:27.000Z"})"),
      DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  expect_header(ev[0], EventType::kMarkPrice, "XBTUSD", 1731494067000);
  EXPECT_EQ(ev[0].mark.mark, 51000.0);
  EXPECT_EQ(ev[0].mark.index, 49990.5);
  EXPECT_EQ(ev[0].mark.funding_rate, 0.0001);
  EXPECT_EQ(ev[0].mark.funding_interval_s, 8 * 3600);

  ev = feed(table_frame("instrument", "update", R"({"symbol":"XBTUSD","openInterest":510000000})"),
            DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, EventType::kOpenInterest);
  EXPECT_DOUBLE_EQ(ev[0].oi.notional_usd, 510000000.0);
  EXPECT_DOUBLE_EQ(ev[0].oi.base, 10000.0);  // 510000000 / 51000

  ev = feed(table_frame("instrument", "update", R"({"symbol":"XBTUSD","lastPrice":50990})"),
            DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  ev = feed(table_frame("instrument", "delete", R"({"symbol":"XBTUSD"})"), DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());

  // The XBTUSD mark also prices the quanto ETHUSD (51000 after the update).
  ev = feed(kEthUsdPartial, DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 2u);
  expect_rel(ev[0].oi.notional_usd, 3000.0 * 51000.0);
}

// Verifies a filtered partial opens only its own symbol: an ETHUSD update stays dropped
// after the XBTUSD partial, and untracked symbols are ignored without counting.
TEST_F(BitmexCodecTest, FilteredPartialOpensOnlyItsSymbol) {
  feed(kXbtUsdPartial, DecodeStatus::kOk);
  auto ev = feed(table_frame("instrument", "update", R"({"symbol":"ETHUSD","markPrice":3000})"),
                 DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().dropped_before_partial, 1u);
  ev = feed(table_frame("instrument", "update", R"({"symbol":"DOGEUSD","markPrice":0.1})"),
            DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().dropped_before_partial, 1u);
}

// Verifies the trade table: partial rows are history (no events), inserts become trades with
// BitMEX's own homeNotional / foreignNotional, or contracts × 1e-6 XBT for linear XBTUSDT
// without them; inserts before the partial are dropped and counted.
TEST_F(BitmexCodecTest, TradeTable) {
  auto ev = feed(kTradeInsert, DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().dropped_before_partial, 1u);

  ev = feed(kTradePartial, DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  out_.clear();
  const auto r = decode(kTradeInsert);
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "trade");
  ASSERT_EQ(out_.size(), 1u);
  expect_header(out_[0], EventType::kTrade, "XBTUSD", kXbtUsdPartialMs);
  EXPECT_EQ(out_[0].trade.price, 50000.0);
  EXPECT_EQ(out_[0].trade.quantity, 0.002);
  EXPECT_EQ(out_[0].trade.notional_usd, 100.0);
  EXPECT_EQ(out_[0].trade.taker_side, core::Side::kSell);

  // XBTUSDT needs its own partial; then 1000 contracts = 0.001 XBT, 0.001 × 60000 USD.
  feed(table_frame("trade", "partial", "", R"("keys":[],"filter":{"symbol":"XBTUSDT"},)"),
       DecodeStatus::kIgnored);
  ev = feed(table_frame("trade", "insert",
                        R"({"timestamp":"2024-11-13T10:34:26.741Z","symbol":"XBTUSDT",)"
                        R"("side":"Buy","size":1000,"price":60000})"),
            DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_DOUBLE_EQ(ev[0].trade.quantity, 0.001);
  EXPECT_DOUBLE_EQ(ev[0].trade.notional_usd, 60.0);
  EXPECT_EQ(ev[0].trade.taker_side, core::Side::kBuy);
}

// ---------------------------------------------------------------------------------------------
// Liquidation table: lifecycle inference.

// Verifies a partial's resting orders emit nothing (their history is unknown) and that the
// following fall in leavesQty is a fill of only the difference.
TEST_F(BitmexCodecTest, PartialWithOrdersThenFill) {
  auto ev = feed(table_frame("liquidation", "partial",
                             liq_row("a", "XBTUSD", "Sell", "50000", "1000") + "," +
                                 liq_row("b", "XBTUSD", "Buy", "51000", "2000"),
                             kLiqPartialKeys),
                 DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().resting_orders, 2u);
  // An update carries only the key and the changed field (no symbol): the order remembers it.
  ev = feed(table_frame("liquidation", "update", R"({"orderID":"b","leavesQty":1500})"),
            DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  expect_fill(ev[0], "XBTUSD", core::Side::kBuy, 51000.0);
  EXPECT_DOUBLE_EQ(ev[0].liq.notional_usd, 500.0);
  EXPECT_DOUBLE_EQ(ev[0].liq.quantity, 500.0 / 51000.0);
}

// Verifies several fills of one order: each fall is its own difference, a rise (amendment) emits
// nothing and the next fall counts from the risen value, an unchanged leavesQty emits nothing,
// a fall to 0 fills everything left and the later delete adds nothing.
TEST_F(BitmexCodecTest, LeavesQtyLifecycle) {
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  feed(table_frame("liquidation", "insert", liq_row("o1", "XBTUSD", "Sell", "60000", "10000")),
       DecodeStatus::kIgnored);
  double total = 0.0;
  auto step = [&](const std::string& fields, double expect_usd) {
    const auto ev =
        feed(liq_update("o1", fields), expect_usd > 0 ? DecodeStatus::kOk : DecodeStatus::kIgnored);
    if (expect_usd > 0) {
      ASSERT_EQ(ev.size(), 1u) << fields;
      EXPECT_DOUBLE_EQ(ev[0].liq.notional_usd, expect_usd) << fields;
      EXPECT_EQ(ev[0].liq.position, core::Position::kLong);
      total += ev[0].liq.notional_usd;
    } else {
      EXPECT_TRUE(ev.empty()) << fields;
    }
  };
  step(R"("leavesQty":9000)", 1000.0);
  step(R"("leavesQty":9000)", 0.0);   // duplicate
  step(R"("leavesQty":12000)", 0.0);  // amended up
  step(R"("leavesQty":11000)", 1000.0);
  step(R"("price":59000)", 0.0);
  {
    const auto ev = feed(liq_update("o1", R"("leavesQty":10000)"), DecodeStatus::kOk);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].liq.price, 59000.0);  // the merged price
    EXPECT_DOUBLE_EQ(ev[0].liq.quantity, 1000.0 / 59000.0);
    total += ev[0].liq.notional_usd;
  }
  step(R"("leavesQty":0)", 10000.0);
  const auto ev = feed(liq_delete("o1"), DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_DOUBLE_EQ(total, 13000.0);  // 1000 + 1000 + 1000 + 10000: never more than was filled
  EXPECT_EQ(stats().resting_orders, 0u);
}

// Verifies a new partial after fills replaces the table: orders it repeats are not filled
// again (no event for their earlier fills, the next fall counts from the partial's value),
// and orders it omits are gone (their delete is unknown, not a second fill).
TEST_F(BitmexCodecTest, NewPartialDoesNotDoubleCount) {
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  feed(read_fixture("liquidation_insert_sell_xbtusd_recorded_2024.json"), DecodeStatus::kIgnored);
  feed(table_frame("liquidation", "insert", liq_row("gone", "XBTUSD", "Buy", "91000", "100")),
       DecodeStatus::kIgnored);
  auto ev = feed(read_fixture("liquidation_update_leavesqty_recorded_2024.json"),
                 DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_DOUBLE_EQ(ev[0].liq.notional_usd, 36100.0);

  // Resubscribe: the partial holds the order at its current 855700.
  ev = feed(table_frame("liquidation", "partial",
                        liq_row(kOrder2024, "XBTUSD", "Sell", "90396.3", "855700"),
                        kLiqPartialKeys),
            DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().resting_orders, 1u);
  // The same update replayed: no new fill.
  ev = feed(read_fixture("liquidation_update_leavesqty_recorded_2024.json"),
            DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  // The same partial again (a second resubscription): still nothing.
  ev = feed(table_frame("liquidation", "partial",
                        liq_row(kOrder2024, "XBTUSD", "Sell", "90396.3", "855700"),
                        kLiqPartialKeys),
            DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  ev = feed(liq_update(kOrder2024, R"("leavesQty":800000)"), DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_DOUBLE_EQ(ev[0].liq.notional_usd, 55700.0);  // 855700 − 800000
  ev = feed(read_fixture("liquidation_delete_recorded_2024.json"), DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_DOUBLE_EQ(ev[0].liq.notional_usd, 800000.0);  // 36100 + 55700 + 800000 = 891800
  ev = feed(read_fixture("liquidation_delete_recorded_2024.json"), DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().unknown_orders, 1u);

  // "gone" was not in the new partial.
  ev = feed(liq_delete("gone"), DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().unknown_orders, 2u);
  EXPECT_EQ(stats().resting_orders, 0u);
}

// Verifies liquidation units per contract kind: linear XBTUSDT 39700 contracts = 0.0397 XBT
// (venues.md), quanto ETHUSD 1000 contracts × 100 XBt × 3000 = 3 XBT × 50000 USD, and the quanto
// value is absent (not guessed) without an XBTUSD mark.
TEST_F(BitmexCodecTest, LiquidationUnitsPerContractKind) {
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  feed(table_frame("liquidation", "insert",
                   liq_row("lin", "XBTUSDT", "Sell", "60000", "39700") + "," +
                       liq_row("q1", "ETHUSD", "Buy", "3000", "1000") + "," +
                       liq_row("q2", "ETHUSD", "Sell", "3000", "1000")),
       DecodeStatus::kIgnored);
  EXPECT_EQ(stats().resting_orders, 3u);

  auto ev = feed(liq_delete("lin", "XBTUSDT"), DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  expect_fill(ev[0], "XBTUSDT", core::Side::kSell, 60000.0);
  expect_rel(ev[0].liq.quantity, 0.0397);
  expect_rel(ev[0].liq.notional_usd, 0.0397 * 60000.0);

  ev = feed(liq_delete("q1", "ETHUSD"), DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  expect_fill(ev[0], "ETHUSD", core::Side::kBuy, 3000.0);
  EXPECT_FALSE(core::present(ev[0].liq.quantity));
  EXPECT_FALSE(core::present(ev[0].liq.notional_usd));

  feed(kXbtUsdPartial, DecodeStatus::kOk);
  ev = feed(liq_delete("q2", "ETHUSD"), DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  expect_fill(ev[0], "ETHUSD", core::Side::kSell, 3000.0);
  expect_rel(ev[0].liq.notional_usd, 1000.0 * 100.0 * 3000.0 / 1e8 * 50000.0);
  expect_rel(ev[0].liq.quantity, 1000.0 * 100.0 * 3000.0 / 1e8 * 50000.0 / 3000.0);
}

// Verifies a liquidation of an untracked symbol is ignored without counting anything, and a
// filtered liquidation partial opens only its symbol.
TEST_F(BitmexCodecTest, LiquidationFilteredPartialAndUntracked) {
  feed(table_frame("liquidation", "partial", "",
                   R"("keys":["orderID"],"filter":{"symbol":"XBTUSD"},)"),
       DecodeStatus::kIgnored);
  feed(table_frame("liquidation", "insert", liq_row("x", "XBTUSD", "Sell", "50000", "10")),
       DecodeStatus::kIgnored);
  EXPECT_EQ(stats().resting_orders, 1u);
  feed(table_frame("liquidation", "insert", liq_row("e", "ETHUSD", "Sell", "3000", "10")),
       DecodeStatus::kIgnored);
  EXPECT_EQ(stats().resting_orders, 1u);
  EXPECT_EQ(stats().dropped_before_partial, 1u);
  feed(table_frame("liquidation", "insert", liq_row("d", "DOGEUSD", "Sell", "0.1", "10")),
       DecodeStatus::kIgnored);
  EXPECT_EQ(stats().resting_orders, 1u);
  EXPECT_EQ(stats().dropped_before_partial, 1u);
  EXPECT_EQ(stats().unknown_orders, 0u);
  // A symbol-less update of an order never seen, after a (filtered) liquidation partial: an
  // unknown order, not one dropped before the partial.
  feed(table_frame("liquidation", "update", R"({"orderID":"zz","leavesQty":5})"),
       DecodeStatus::kIgnored);
  EXPECT_EQ(stats().unknown_orders, 1u);
  EXPECT_EQ(stats().dropped_before_partial, 1u);
}

// Verifies a reconnect starts every table afresh: resting orders are dropped, rows before the
// new partial are dropped and counted, and the old order's delete afterwards fills nothing.
TEST_F(BitmexCodecTest, ReconnectResetsTables) {
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  feed(read_fixture("liquidation_insert_sell_xbtusd_recorded_2024.json"), DecodeStatus::kIgnored);
  feed(kXbtUsdPartial, DecodeStatus::kOk);
  EXPECT_EQ(stats().resting_orders, 1u);

  codec_->on_connected(0);
  EXPECT_EQ(stats().resting_orders, 0u);
  auto ev = feed(read_fixture("liquidation_update_leavesqty_recorded_2024.json"),
                 DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  ev = feed(table_frame("instrument", "update", R"({"symbol":"XBTUSD","markPrice":51000})"),
            DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().dropped_before_partial, 2u);

  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  ev = feed(read_fixture("liquidation_delete_recorded_2024.json"), DecodeStatus::kIgnored);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(stats().unknown_orders, 1u);

  // The quanto price needs the XBTUSD mark of this connection: absent until its partial.
  ev = feed(kEthUsdPartial, DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_FALSE(core::present(ev[0].oi.notional_usd));
}

// Verifies a frame with several rows applies all of them in order: insert and delete of the
// same order in one frame, two orders filled by one update frame.
TEST_F(BitmexCodecTest, SeveralRowsPerFrame) {
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  feed(table_frame("liquidation", "insert",
                   liq_row("a", "XBTUSD", "Sell", "50000", "100") + "," +
                       liq_row("b", "XBTUSD", "Buy", "50100", "200")),
       DecodeStatus::kIgnored);
  auto ev = feed(table_frame("liquidation", "update",
                             R"({"orderID":"a","leavesQty":40},{"orderID":"b","leavesQty":50})"),
                 DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_DOUBLE_EQ(ev[0].liq.notional_usd, 60.0);
  EXPECT_EQ(ev[0].liq.position, core::Position::kLong);
  EXPECT_DOUBLE_EQ(ev[1].liq.notional_usd, 150.0);
  EXPECT_EQ(ev[1].liq.position, core::Position::kShort);
  ev = feed(table_frame("liquidation", "delete", R"({"orderID":"a"},{"orderID":"b"})"),
            DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_DOUBLE_EQ(ev[0].liq.notional_usd, 40.0);
  EXPECT_DOUBLE_EQ(ev[1].liq.notional_usd, 50.0);
  EXPECT_EQ(stats().resting_orders, 0u);
}

// Verifies a bad row anywhere in a frame applies nothing of the frame: no event, no order
// inserted, no leavesQty changed.
TEST_F(BitmexCodecTest, BadRowRollsBackWholeFrame) {
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  feed(table_frame("liquidation", "insert",
                   liq_row("a", "XBTUSD", "Sell", "50000", "100") + "," +
                       liq_row("b", "XBTUSD", "Sell", "50000", "-1")),
       DecodeStatus::kBadNumber);
  EXPECT_EQ(stats().resting_orders, 0u);

  feed(table_frame("liquidation", "insert", liq_row("a", "XBTUSD", "Sell", "50000", "100")),
       DecodeStatus::kIgnored);
  auto ev = feed(table_frame("liquidation", "update",
                             R"({"orderID":"a","leavesQty":10},{"orderID":"a","leavesQty":"5"})"),
                 DecodeStatus::kWrongType);
  EXPECT_TRUE(ev.empty());
  ev = feed(table_frame("liquidation", "update", R"({"orderID":"a","leavesQty":60})"),
            DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_DOUBLE_EQ(ev[0].liq.notional_usd, 40.0);  // from 100: the rejected 10 never applied
}

// ---------------------------------------------------------------------------------------------
// Control frames, heartbeat, subscriptions, settings.

// Verifies control messages: text pong (not JSON), acks and the welcome are ignored; failed
// subscriptions and error responses are venue errors.
TEST_F(BitmexCodecTest, ControlMessages) {
  auto r = decode("pong");
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  r = decode(R"({"success":true,"unsubscribe":"trade:XBTUSD","request":{"op":"unsubscribe"}})");
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  r = decode(R"({"success":false,"error":"Unknown table: foo","request":{"op":"subscribe","args":["foo"]}})");
  EXPECT_EQ(r.status, DecodeStatus::kVenueError);
  EXPECT_EQ(r.channel_label, "control");
  r = decode(R"({"status":400,"error":"Unknown or expired signature.","meta":{},"request":{}})");
  EXPECT_EQ(r.status, DecodeStatus::kVenueError);
  r = decode(R"({"status":429,"error":"Rate limit exceeded, retry in 1 seconds.","meta":{"retryAfter":1}})");
  EXPECT_EQ(r.status, DecodeStatus::kVenueError);
  EXPECT_TRUE(out_.empty());
  EXPECT_TRUE(reply_.empty());
}

// Verifies the heartbeat: text "ping" after 5 s without a frame (venues.md "Heartbeats"), no
// REST polls, inferred completeness.
TEST_F(BitmexCodecTest, Heartbeat) {
  const Heartbeat hb = codec_->heartbeat();
  EXPECT_EQ(hb.kind, Heartbeat::Kind::kOnSilence);
  EXPECT_EQ(hb.interval, std::chrono::seconds(5));
  EXPECT_EQ(hb.text, "ping");
  EXPECT_TRUE(codec_->rest_polls().empty());
  EXPECT_EQ(codec_->liquidation_completeness(), "inferred");
  EXPECT_TRUE(codec_->liquidations_available());
  EXPECT_EQ(codec_->venue(), core::Venue::kBitmex);
  // The answer to the ping is the bare text pong; a pong mid-table changes nothing.
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  feed("pong", DecodeStatus::kIgnored);
  feed(read_fixture("liquidation_insert_real_2019.json"), DecodeStatus::kIgnored);
  feed("pong", DecodeStatus::kIgnored);
  EXPECT_EQ(feed(read_fixture("liquidation_delete_real_2019.json"), DecodeStatus::kOk).size(), 1u);
}

// Verifies the one connection to the configured URL and its exact subscribe frame: instrument,
// trade and liquidation per symbol, and instrument:XBTUSD for the XBT/USD mark when XBTUSD is
// not tracked.
TEST(BitmexCodec, SubscribeFrame) {
  core::InstrumentTable table;
  for (const auto& s : bitmex::bundled_instruments()) table.add(s);
  VenueSettings s = bitmex::default_settings();
  s.ws_url = "wss://127.0.0.1:9/realtime";
  auto codec = bitmex::make_codec(s, table);
  auto eps = codec->ws_endpoints();
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].url, "wss://127.0.0.1:9/realtime");
  ASSERT_EQ(eps[0].subscribe.size(), 1u);
  EXPECT_EQ(eps[0].subscribe[0],
            R"({"op":"subscribe","args":["instrument:XBTUSD","trade:XBTUSD","liquidation:XBTUSD",)"
            R"("instrument:ETHUSD","trade:ETHUSD","liquidation:ETHUSD"]})");

  s.symbols = {"ethusd"};
  codec = bitmex::make_codec(s, table);
  eps = codec->ws_endpoints();
  ASSERT_EQ(eps.size(), 1u);
  ASSERT_EQ(eps[0].subscribe.size(), 1u);
  EXPECT_EQ(eps[0].subscribe[0],
            R"({"op":"subscribe","args":["instrument:ETHUSD","trade:ETHUSD","liquidation:ETHUSD",)"
            R"("instrument:XBTUSD"]})");
}

// Verifies XBTUSD as a reference only (not tracked): its instrument rows price the quanto
// ETHUSD but emit nothing, and its liquidations and trades are ignored.
TEST(BitmexCodec, XbtUsdReferenceOnly) {
  core::InstrumentTable table;
  for (const auto& s : bitmex::bundled_instruments()) table.add(s);
  VenueSettings s = bitmex::default_settings();
  s.symbols = {"ETHUSD"};
  auto codec = bitmex::make_codec(s, table);
  FrameMeta meta;
  meta.recv_wall_ns = kRecvWall;
  std::vector<NormalizedEvent> out;
  std::string reply;
  EXPECT_EQ(codec->decode(kXbtUsdPartial, meta, out, reply).status, DecodeStatus::kIgnored);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(codec->decode(read_fixture("liquidation_partial_empty_recorded_2024.json"), meta, out,
                          reply)
                .status,
            DecodeStatus::kIgnored);
  EXPECT_EQ(codec->decode(read_fixture("liquidation_insert_real_2019.json"), meta, out, reply)
                .status,
            DecodeStatus::kIgnored);
  EXPECT_EQ(bitmex::table_stats(*codec).resting_orders, 0u);
  EXPECT_EQ(codec->decode(kEthUsdPartial, meta, out, reply).status, DecodeStatus::kOk);
  ASSERT_EQ(out.size(), 2u);
  expect_rel(out[0].oi.notional_usd, 3000.0 * 50000.0);
}

// Verifies the defaults, the registry's routing, rejected symbols, and that table_stats of
// another venue's codec is zero.
TEST(BitmexSettings, DefaultsAndRegistry) {
  const VenueSettings s = default_settings(core::Venue::kBitmex);
  EXPECT_EQ(s.venue, core::Venue::kBitmex);
  EXPECT_EQ(s.ws_url, "wss://ws.bitmex.com/realtime");
  EXPECT_EQ(s.rest_url, "https://www.bitmex.com");
  EXPECT_EQ(s.symbols, (std::vector<std::string>{"XBTUSD", "ETHUSD"}));
  EXPECT_EQ(metadata_targets(core::Venue::kBitmex),
            (std::vector<std::string>{"/api/v1/instrument/active"}));
  core::InstrumentTable table;
  auto codec = make_codec(s, table);
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->venue(), core::Venue::kBitmex);

  VenueSettings bad = s;
  bad.symbols = {"XBT:USD"};
  EXPECT_THROW((void)bitmex::make_codec(bad, table), std::invalid_argument);
  bad.symbols = {""};
  EXPECT_THROW((void)bitmex::make_codec(bad, table), std::invalid_argument);

  VenueSettings other = default_settings(core::Venue::kOkx);
  auto okx = make_codec(other, table);
  const auto st = bitmex::table_stats(*okx);
  EXPECT_EQ(st.dropped_before_partial, 0u);
  EXPECT_EQ(st.unknown_orders, 0u);
  EXPECT_EQ(st.resting_orders, 0u);
}

// ---------------------------------------------------------------------------------------------
// Malformed input.

// Verifies malformed frames each return their error status, leave `out` unchanged and change
// no table state (the resting order is still filled from its original leavesQty afterwards).
TEST_F(BitmexCodecTest, MalformedFramesReturnErrorsAndLeaveStateUnchanged) {
  struct Case {
    const char* name;
    std::string frame;
    DecodeStatus status;
  };
  const std::string ins = read_fixture("liquidation_insert_sell_xbtusd_recorded_2024.json");
  const std::string upd = trim(read_fixture("liquidation_update_leavesqty_recorded_2024.json"));
  const std::string del = trim(read_fixture("liquidation_delete_recorded_2024.json"));
  const std::string inst = trim(read_fixture("instrument_update_open_interest_real_2019.json"));
  const std::string ok_row = liq_row("z", "XBTUSD", "Sell", "1", "1");
  const std::vector<Case> cases = {
      {"empty", "", DecodeStatus::kMalformedJson},
      {"truncated", upd.substr(0, upd.size() - 3), DecodeStatus::kMalformedJson},
      {"trailing", upd + "x", DecodeStatus::kMalformedJson},
      {"two documents", upd + upd, DecodeStatus::kMalformedJson},
      {"not json", "nonsense", DecodeStatus::kMalformedJson},
      {"ping text", "ping", DecodeStatus::kMalformedJson},
      {"binary garbage", std::string("\x00\xff\xfe\x01{\x80", 6), DecodeStatus::kMalformedJson},
      {"gzip magic", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8),
       DecodeStatus::kMalformedJson},
      {"unclosed string", R"({"table":"liquidation)", DecodeStatus::kMalformedJson},
      {"scalar", "42", DecodeStatus::kUnknownMessage},
      {"string root", R"("pong")", DecodeStatus::kUnknownMessage},
      {"array root", "[1,2]", DecodeStatus::kUnknownMessage},
      {"empty object", "{}", DecodeStatus::kUnknownMessage},
      // Wrong JSON types.
      {"table number", replace(upd, R"("liquidation")", "1"), DecodeStatus::kWrongType},
      {"action bool", replace(upd, R"("update")", "true"), DecodeStatus::kWrongType},
      {"data object", R"({"table":"liquidation","action":"update","data":{}})",
       DecodeStatus::kWrongType},
      {"data string", R"({"table":"liquidation","action":"update","data":"x"})",
       DecodeStatus::kWrongType},
      {"row not object", R"({"table":"liquidation","action":"update","data":[1]})",
       DecodeStatus::kWrongType},
      {"row array", R"({"table":"liquidation","action":"update","data":[[]]})",
       DecodeStatus::kWrongType},
      {"leavesQty string", replace(upd, "855700", R"("855700")"), DecodeStatus::kWrongType},
      {"leavesQty bool", replace(upd, "855700", "false"), DecodeStatus::kWrongType},
      {"price string", replace(ins, "90396.3", R"("90396.3")"), DecodeStatus::kWrongType},
      {"side number", replace(ins, R"("Sell")", "1"), DecodeStatus::kWrongType},
      {"orderID number", replace(upd, R"("749134b5-8b4e-48d3-ab56-3495e8c58957")", "7"),
       DecodeStatus::kWrongType},
      {"symbol object", replace(del, R"("XBTUSD")", "{}"), DecodeStatus::kWrongType},
      {"keys string", table_frame("liquidation", "partial", "", R"("keys":"orderID",)"),
       DecodeStatus::kWrongType},
      {"keys numbers", table_frame("liquidation", "partial", "", R"("keys":[1],)"),
       DecodeStatus::kWrongType},
      {"filter array", table_frame("liquidation", "partial", "", R"("filter":[],)"),
       DecodeStatus::kWrongType},
      {"filter symbol number",
       table_frame("liquidation", "partial", "", R"("filter":{"symbol":5},)"),
       DecodeStatus::kWrongType},
      {"success string", R"({"success":"yes","subscribe":"trade:XBTUSD"})",
       DecodeStatus::kWrongType},
      {"openInterest string", replace(inst, "58922153", R"("58922153")"), DecodeStatus::kWrongType},
      {"isInverse string",
       table_frame("instrument", "update", R"({"symbol":"XBTUSD","isInverse":"true"})"),
       DecodeStatus::kWrongType},
      {"timestamp number",
       table_frame("instrument", "update", R"({"symbol":"XBTUSD","timestamp":1700000000000})"),
       DecodeStatus::kWrongType},
      {"trade size string", replace(kTradeInsert, R"("size":100)", R"("size":"100")"),
       DecodeStatus::kWrongType},
      // Missing fields.
      {"no data", R"({"table":"liquidation","action":"update"})", DecodeStatus::kMissingField},
      {"no table", R"({"action":"update","data":[]})", DecodeStatus::kMissingField},
      {"no action", R"({"table":"liquidation","data":[]})", DecodeStatus::kMissingField},
      {"no orderID", replace(upd, R"("orderID":"749134b5-8b4e-48d3-ab56-3495e8c58957",)", ""),
       DecodeStatus::kMissingField},
      {"empty orderID", replace(upd, "749134b5-8b4e-48d3-ab56-3495e8c58957", ""),
       DecodeStatus::kMissingField},
      {"null orderID", replace(upd, R"("749134b5-8b4e-48d3-ab56-3495e8c58957")", "null"),
       DecodeStatus::kMissingField},
      {"insert no leavesQty", replace(ins, R"(,"leavesQty":891800)", ""),
       DecodeStatus::kMissingField},
      {"insert null leavesQty", replace(ins, "891800", "null"), DecodeStatus::kMissingField},
      {"insert no price", replace(ins, R"("price":90396.3,)", ""), DecodeStatus::kMissingField},
      {"insert no side", replace(ins, R"("side":"Sell",)", ""), DecodeStatus::kMissingField},
      {"insert no symbol", replace(ins, R"("symbol":"XBTUSD",)", ""), DecodeStatus::kMissingField},
      {"instrument no symbol", table_frame("instrument", "update", R"({"openInterest":1})"),
       DecodeStatus::kMissingField},
      {"trade no timestamp",
       replace(kTradeInsert, R"("timestamp":"2024-11-13T10:34:26.741Z",)", ""),
       DecodeStatus::kMissingField},
      {"trade no size", replace(kTradeInsert, R"("size":100,)", ""), DecodeStatus::kMissingField},
      // Bad numbers.
      {"leavesQty negative", replace(upd, "855700", "-1"), DecodeStatus::kBadNumber},
      {"leavesQty 1e999", replace(upd, "855700", "1e999"), DecodeStatus::kBadNumber},
      {"price zero", replace(ins, "90396.3", "0"), DecodeStatus::kBadNumber},
      {"price negative", replace(ins, "90396.3", "-90396.3"), DecodeStatus::kBadNumber},
      {"openInterest negative", replace(inst, "58922153", "-5"), DecodeStatus::kBadNumber},
      {"markPrice zero",
       table_frame("instrument", "update", R"({"symbol":"XBTUSD","markPrice":0})"),
       DecodeStatus::kBadNumber},
      {"timestamp month 13",
       table_frame("instrument", "update",
                   R"({"symbol":"XBTUSD","timestamp":"2019-13-01T00:00:00.000Z"})"),
       DecodeStatus::kBadNumber},
      {"timestamp no Z",
       table_frame("instrument", "update",
                   R"({"symbol":"XBTUSD","timestamp":"2019-05-31T23:59:30.000"})"),
       DecodeStatus::kBadNumber},
      {"fundingInterval junk",
       table_frame("instrument", "update", R"({"symbol":"XBTUSD","fundingInterval":"8h"})"),
       DecodeStatus::kBadNumber},
      {"trade timestamp junk", replace(kTradeInsert, "2024-11-13T10:34:26.741Z", "yesterday"),
       DecodeStatus::kBadNumber},
      {"trade size zero", replace(kTradeInsert, R"("size":100)", R"("size":0)"),
       DecodeStatus::kBadNumber},
      // Unknown shapes.
      {"unknown table", replace(upd, R"("liquidation")", R"("orderBookL2")"),
       DecodeStatus::kUnknownMessage},
      {"unknown action", replace(upd, R"("update")", R"("upsert")"), DecodeStatus::kUnknownMessage},
      {"side unknown", replace(ins, R"("Sell")", R"("Long")"), DecodeStatus::kUnknownMessage},
      {"trade side unknown", replace(kTradeInsert, R"("Sell")", R"("sell")"),
       DecodeStatus::kUnknownMessage},
      {"liquidation keys symbol",
       table_frame("liquidation", "partial", "", R"("keys":["symbol"],"filter":{},)"),
       DecodeStatus::kUnknownMessage},
      {"instrument two keys",
       table_frame("instrument", "partial", "", R"("keys":["symbol","timestamp"],)"),
       DecodeStatus::kUnknownMessage},
      {"filter symbol invalid",
       table_frame("liquidation", "partial", "", R"("filter":{"symbol":"XBT:USD"},)"),
       DecodeStatus::kUnknownMessage},
      {"no known field", R"({"op":"subscribe"})", DecodeStatus::kUnknownMessage},
      // Venue errors.
      {"error in table frame",
       R"({"table":"liquidation","action":"update","data":[],"error":"x"})",
       DecodeStatus::kVenueError},
      // A bad second row takes back the good first one.
      {"second row bad",
       table_frame("liquidation", "insert", ok_row + "," + liq_row("y", "XBTUSD", "Buy", "0", "1")),
       DecodeStatus::kBadNumber},
      // An ignored (untracked) row is still validated.
      {"untracked bad",
       table_frame("liquidation", "insert", liq_row("u", "DOGEUSD", "Sideways", "1", "1")),
       DecodeStatus::kUnknownMessage},
  };
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  feed(ins, DecodeStatus::kIgnored);
  feed(kXbtUsdPartial, DecodeStatus::kOk);
  feed(kTradePartial, DecodeStatus::kIgnored);
  const bitmex::TableStats before = stats();
  ASSERT_EQ(before.resting_orders, 1u);

  NormalizedEvent sentinel = core::make_event(EventType::kTrade, core::Venue::kBitmex, 0, 1, 2, 3);
  sentinel.trade.price = 7.0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    out_.assign(1, sentinel);
    const auto r = decode(c.frame);
    EXPECT_EQ(r.status, c.status) << "got " << to_string(r.status) << " for " << c.frame;
    EXPECT_TRUE(is_error(r.status));
    ASSERT_EQ(out_.size(), 1u);
    EXPECT_EQ(std::memcmp(&out_[0], &sentinel, sizeof sentinel), 0);
    EXPECT_TRUE(reply_.empty());
    const bitmex::TableStats after = stats();
    EXPECT_EQ(after.resting_orders, before.resting_orders);
    EXPECT_EQ(after.unknown_orders, before.unknown_orders);
    EXPECT_EQ(after.dropped_before_partial, before.dropped_before_partial);
  }
  // Binary inside otherwise valid frames: some error (which one is simdjson's business),
  // nothing appended.
  const std::vector<std::string> garbage = {
      replace(upd, "855700", std::string("8557\0" "0", 6)),
      replace(upd, "XBTUSD", "XBT\xff\xfeUSD"),
      replace(ins, "Sell", std::string("S\0ll", 4)),
      std::string("\x82\x7e\x00\x10", 4) + upd,
  };
  for (const auto& frame : garbage) {
    out_.assign(1, sentinel);
    const auto r = decode(frame);
    EXPECT_TRUE(is_error(r.status)) << to_string(r.status) << " for " << frame;
    ASSERT_EQ(out_.size(), 1u);
    EXPECT_EQ(std::memcmp(&out_[0], &sentinel, sizeof sentinel), 0);
    EXPECT_EQ(stats().resting_orders, before.resting_orders);
  }
  // The order survived every rejected frame untouched: the real update fills 36100.
  const auto ev = feed(upd, DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_DOUBLE_EQ(ev[0].liq.notional_usd, 36100.0);
}

// Verifies every strict prefix of every fixture (and of the synthetic frames) is malformed JSON
// and appends nothing.
TEST_F(BitmexCodecTest, EveryTruncationIsMalformed) {
  std::vector<std::pair<std::string, std::string>> frames;
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    const std::string name = entry.path().filename().string();
    frames.emplace_back(name, trim(read_fixture(name)));
  }
  frames.emplace_back("xbtusd partial", kXbtUsdPartial);
  frames.emplace_back("trade insert", kTradeInsert);
  // Open every table first, so a prefix that decoded would have something to apply.
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  feed(kXbtUsdPartial, DecodeStatus::kOk);
  feed(kEthUsdPartial, DecodeStatus::kOk);
  feed(kTradePartial, DecodeStatus::kIgnored);
  for (const auto& [name, frame] : frames) {
    for (std::size_t n = 0; n < frame.size(); ++n) {
      SCOPED_TRACE(name + " cut at " + std::to_string(n));
      out_.clear();
      const auto st = decode(std::string_view(frame).substr(0, n)).status;
      EXPECT_EQ(st, DecodeStatus::kMalformedJson);
      EXPECT_TRUE(out_.empty());
    }
  }
  EXPECT_EQ(stats().resting_orders, 0u);
}

// Verifies random byte mutations of the fixtures (fixed seed), fed in random order so the
// tables evolve, never crash, an error never leaves events behind, and whatever decodes
// carries finite values consistent with the units: liquidations are inferred fills at a
// positive price with no venue time, and every present size is positive.
TEST_F(BitmexCodecTest, MutatedFixturesNeverInventValues) {
  std::mt19937 rng(20241113);
  std::vector<std::string> frames;
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    frames.push_back(trim(read_fixture(entry.path().filename().string())));
  }
  frames.push_back(kXbtUsdPartial);
  frames.push_back(kEthUsdPartial);
  frames.push_back(kXbtUsdtPartial);
  frames.push_back(kTradePartial);
  frames.push_back(kTradeInsert);
  frames.push_back(liq_update(kOrder2024, R"("leavesQty":500000)"));
  ASSERT_FALSE(frames.empty());
  const std::string alphabet = "0123456789-+.eE\"{}[],:nulSBXTDyirsetpa \x01\xff";
  int decoded = 0;
  int liquidations = 0;
  int errors = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string frame = frames[rng() % frames.size()];
    const int edits = static_cast<int>(rng() % 4);  // 0: the frame as is, to move the tables on
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
    if (rng() % 500 == 0) codec_->on_connected(0);
    out_.clear();
    const auto r = decode(frame);
    if (is_error(r.status)) {
      ++errors;
      ASSERT_TRUE(out_.empty()) << frame;
      continue;
    }
    ASSERT_EQ(r.status == DecodeStatus::kOk, !out_.empty()) << frame;
    for (const auto& e : out_) {
      ++decoded;
      ASSERT_EQ(e.venue, core::Venue::kBitmex) << frame;
      ASSERT_LT(e.instrument, table_.size()) << frame;
      ASSERT_GE(e.exchange_ts_ns, 0) << frame;
      ASSERT_EQ(e.recv_wall_ns, kRecvWall) << frame;
      switch (e.type) {
        case EventType::kLiquidation:
          ++liquidations;
          ASSERT_EQ(e.exchange_ts_ns, 0) << frame;
          ASSERT_TRUE(std::isfinite(e.liq.price) && e.liq.price > 0) << frame;
          ASSERT_EQ(e.liq.completeness, core::Completeness::kInferred) << frame;
          ASSERT_EQ(e.liq.position, e.liq.order_side == core::Side::kSell ? core::Position::kLong
                                                                           : core::Position::kShort)
              << frame;
          if (core::present(e.liq.quantity)) {
            ASSERT_TRUE(std::isfinite(e.liq.quantity) && e.liq.quantity > 0) << frame;
          }
          if (core::present(e.liq.notional_usd)) {
            ASSERT_TRUE(std::isfinite(e.liq.notional_usd) && e.liq.notional_usd > 0) << frame;
          }
          break;
        case EventType::kTrade:
          ASSERT_TRUE(std::isfinite(e.trade.price) && e.trade.price > 0) << frame;
          if (core::present(e.trade.quantity)) {
            ASSERT_TRUE(std::isfinite(e.trade.quantity) && e.trade.quantity > 0) << frame;
          }
          break;
        case EventType::kMarkPrice:
          ASSERT_TRUE(core::present(e.mark.mark) && e.mark.mark > 0) << frame;
          break;
        case EventType::kOpenInterest:
          ASSERT_TRUE(std::isfinite(e.oi.contracts) && e.oi.contracts >= 0) << frame;
          if (core::present(e.oi.base)) {
            ASSERT_TRUE(std::isfinite(e.oi.base) && e.oi.base >= 0) << frame;
          }
          if (core::present(e.oi.notional_usd)) {
            ASSERT_TRUE(std::isfinite(e.oi.notional_usd) && e.oi.notional_usd >= 0) << frame;
          }
          break;
        case EventType::kFeedStatus:
          FAIL() << frame;
      }
    }
  }
  std::printf("mutations: %d events (%d liquidations), %d errors\n", decoded, liquidations, errors);
  EXPECT_GT(decoded, 1000);
  EXPECT_GT(liquidations, 50);
  EXPECT_GT(errors, 5000);
}

// Verifies finite but absurd inputs whose products overflow (1e300 contracts × 1e300 price on
// linear XBTUSDT) give absent values, never inf: liquidation and trade notionals, OI in USD.
// The sizes that do not overflow (1e300 × 1e-6 XBT) are kept.
TEST_F(BitmexCodecTest, OverflowingValuesAreAbsentNotInfinite) {
  feed(read_fixture("liquidation_partial_empty_recorded_2024.json"), DecodeStatus::kIgnored);
  feed(table_frame("liquidation", "insert", liq_row("big", "XBTUSDT", "Sell", "1e300", "1e300")),
       DecodeStatus::kIgnored);
  auto ev = feed(liq_delete("big", "XBTUSDT"), DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  expect_fill(ev[0], "XBTUSDT", core::Side::kSell, 1e300);
  expect_rel(ev[0].liq.quantity, 1e294);
  EXPECT_FALSE(core::present(ev[0].liq.notional_usd)) << ev[0].liq.notional_usd;

  ev = feed(replace(replace(kXbtUsdtPartial, "39700000", "1e300"), R"("markPrice":60000)",
                    R"("markPrice":1e300)"),
            DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 2u);
  ASSERT_EQ(ev[0].type, EventType::kOpenInterest);
  EXPECT_EQ(ev[0].oi.contracts, 1e300);
  expect_rel(ev[0].oi.base, 1e294);
  EXPECT_FALSE(core::present(ev[0].oi.notional_usd)) << ev[0].oi.notional_usd;

  feed(table_frame("trade", "partial", "", R"("keys":[],"filter":{"symbol":"XBTUSDT"},)"),
       DecodeStatus::kIgnored);
  ev = feed(table_frame("trade", "insert",
                        R"({"timestamp":"2024-11-13T10:34:26.741Z","symbol":"XBTUSDT",)"
                        R"("side":"Buy","size":1e300,"price":1e300})"),
            DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  expect_rel(ev[0].trade.quantity, 1e294);
  EXPECT_FALSE(core::present(ev[0].trade.notional_usd)) << ev[0].trade.notional_usd;

  // Inverse XBTUSD: 1e300 USD at a price of 1e-300 would be 1e600 BTC.
  ev = feed(
      table_frame("liquidation", "insert", liq_row("tiny", "XBTUSD", "Buy", "1e-300", "1e300")),
      DecodeStatus::kIgnored);
  ev = feed(liq_delete("tiny"), DecodeStatus::kOk);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].liq.notional_usd, 1e300);
  EXPECT_FALSE(core::present(ev[0].liq.quantity)) << ev[0].liq.quantity;
}

// ---------------------------------------------------------------------------------------------
// /api/v1/instrument/active metadata.

// Verifies the REST body: inverse XBTUSD (1 USD per contract), linear XBTUSDT (1e-6 XBT),
// quanto ETHUSD (multiplier 100), assets from `underlying` (XBT → BTC), unusable entries
// skipped.
TEST(BitmexMetadata, ParsesInstruments) {
  const std::string body =
      R"([{"symbol":"XBTUSD","rootSymbol":"XBT","underlying":"XBT","multiplier":-100000000,)"
      R"("isInverse":true,"isQuanto":false,"underlyingToSettleMultiplier":-100000000,)"
      R"("settlCurrency":"XBt","quoteCurrency":"USD"},)"
      R"({"symbol":"XBTUSDT","underlying":"XBT","multiplier":1,"isInverse":false,"isQuanto":false,)"
      R"("underlyingToPositionMultiplier":1000000,"underlyingToSettleMultiplier":null,)"
      R"("quoteToSettleMultiplier":1000000,"settlCurrency":"USDt","quoteCurrency":"USDT"},)"
      R"({"symbol":"ETHUSD","underlying":"ETH","multiplier":100,"isInverse":false,"isQuanto":true,)"
      R"("settlCurrency":"XBt"},)"
      R"({"symbol":"NOFLAGS","multiplier":1},)"
      R"({"symbol":"BAD:SYM","multiplier":1,"isInverse":false,"isQuanto":true},)"
      R"({"symbol":"WRONG","multiplier":"1","isInverse":false,"isQuanto":true},7])";
  std::vector<core::InstrumentSpec> out;
  ASSERT_EQ(parse_metadata(core::Venue::kBitmex, 0, body, out), DecodeStatus::kOk);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].symbol, "XBTUSD");
  EXPECT_EQ(out[0].asset, "BTC");
  EXPECT_EQ(out[0].kind, core::ContractKind::kInverse);
  EXPECT_DOUBLE_EQ(out[0].contract_value, 1.0);
  EXPECT_EQ(out[1].symbol, "XBTUSDT");
  EXPECT_EQ(out[1].asset, "BTC");
  EXPECT_EQ(out[1].kind, core::ContractKind::kLinear);
  EXPECT_DOUBLE_EQ(out[1].contract_value, 1e-6);
  EXPECT_EQ(out[2].symbol, "ETHUSD");
  EXPECT_EQ(out[2].asset, "ETH");
  EXPECT_EQ(out[2].kind, core::ContractKind::kQuanto);
  EXPECT_DOUBLE_EQ(out[2].contract_value, 100.0);
  for (const auto& s : out) EXPECT_EQ(s.venue, core::Venue::kBitmex);
}

// Verifies the rows of the 2019 instrument partial read as a REST body: ETHM19 and LTCM19 are
// linear, 1e8 / 1e8 = 1 coin per contract, assets from `underlying`.
TEST(BitmexMetadata, InstrumentPartialRowsAsRestBody) {
  const std::string frame = trim(read_fixture("instrument_partial_real_2019.json"));
  const auto start = frame.find(R"("data":[)");
  ASSERT_NE(start, std::string::npos);
  const auto end = frame.rfind(']');
  ASSERT_NE(end, std::string::npos);
  const std::string body = frame.substr(start + 7, end - start - 6);
  std::vector<core::InstrumentSpec> out;
  ASSERT_EQ(parse_metadata(core::Venue::kBitmex, 0, body, out), DecodeStatus::kOk);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].symbol, "ETHM19");
  EXPECT_EQ(out[0].asset, "ETH");
  EXPECT_EQ(out[0].kind, core::ContractKind::kLinear);
  EXPECT_DOUBLE_EQ(out[0].contract_value, 1.0);
  EXPECT_EQ(out[1].symbol, "LTCM19");
  EXPECT_EQ(out[1].asset, "LTC");
  EXPECT_DOUBLE_EQ(out[1].contract_value, 1.0);
  // The whole table frame is not a REST body.
  out.clear();
  EXPECT_EQ(parse_metadata(core::Venue::kBitmex, 0, frame, out), DecodeStatus::kUnknownMessage);
  EXPECT_TRUE(out.empty());
}

// Verifies bad bodies fail and append nothing.
TEST(BitmexMetadata, RejectsBadBodies) {
  std::vector<core::InstrumentSpec> out;
  EXPECT_EQ(parse_metadata(core::Venue::kBitmex, 0, "", out), DecodeStatus::kMalformedJson);
  EXPECT_EQ(parse_metadata(core::Venue::kBitmex, 0, R"([{"symbol":"XBTUSD",)", out),
            DecodeStatus::kMalformedJson);
  EXPECT_EQ(parse_metadata(core::Venue::kBitmex, 0,
                           R"({"error":{"message":"Not Found","name":"HTTPError"}})", out),
            DecodeStatus::kVenueError);
  EXPECT_EQ(parse_metadata(core::Venue::kBitmex, 0, "42", out), DecodeStatus::kUnknownMessage);
  EXPECT_EQ(parse_metadata(core::Venue::kBitmex, 1, "[]", out), DecodeStatus::kUnknownMessage);
  // A good entry followed by a truncated one: nothing kept.
  EXPECT_EQ(parse_metadata(core::Venue::kBitmex, 0,
                           R"([{"symbol":"ETHUSD","multiplier":100,"isInverse":false,)"
                           R"("isQuanto":true},{"symbol":)",
                           out),
            DecodeStatus::kMalformedJson);
  EXPECT_TRUE(out.empty());
}

// Verifies the bundled fallback: XBTUSD inverse 1 USD, ETHUSD quanto 100, XBTUSDT linear 1e-6.
TEST(BitmexMetadata, BundledInstruments) {
  const auto specs = bundled_instruments(core::Venue::kBitmex);
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].symbol, "XBTUSD");
  EXPECT_EQ(specs[0].kind, core::ContractKind::kInverse);
  EXPECT_DOUBLE_EQ(specs[0].contract_value, 1.0);
  EXPECT_EQ(specs[1].symbol, "ETHUSD");
  EXPECT_EQ(specs[1].kind, core::ContractKind::kQuanto);
  EXPECT_DOUBLE_EQ(specs[1].contract_value, 100.0);
  EXPECT_EQ(specs[2].symbol, "XBTUSDT");
  EXPECT_EQ(specs[2].kind, core::ContractKind::kLinear);
  EXPECT_DOUBLE_EQ(specs[2].contract_value, 1e-6);
  for (const auto& s : specs) {
    EXPECT_EQ(s.venue, core::Venue::kBitmex);
    EXPECT_EQ(s.asset, s.symbol == "ETHUSD" ? "ETH" : "BTC");
  }
}

}  // namespace
}  // namespace levdyn::venues
