// Tests of the Bybit v5 codec: every shared fixture decoded to exact values (linear and
// inverse units, position sides), the tickers snapshot/delta cache, the bankruptcy-price
// check, subscribe/heartbeat frames, malformed frames, and instruments-info metadata.

#include "service/venues/bybit.h"

#include <gtest/gtest.h>

#include <algorithm>
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

std::string fixture_dir() { return std::string(LEVDYN_SHARED_DIR) + "/fixtures/bybit"; }

std::string read_fixture(const std::string& name) {
  std::ifstream in(fixture_dir() + "/" + name, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

const std::string kLinearSnapshot = "tickers_linear_snapshot_real_2023.json";
const std::string kInverseSnapshot = "tickers_inverse_snapshot_real_2023.json";

std::string ticker_delta(const std::string& symbol, const std::string& fields,
                         std::int64_t ts = 1680673821870) {
  return R"({"topic":"tickers.)" + symbol + R"(","type":"delta","data":{"symbol":")" + symbol +
         "\"" + (fields.empty() ? "" : "," + fields) + R"(},"cs":50193544281,"ts":)" +
         std::to_string(ts) + "}";
}

std::string all_liq(const std::string& symbol, const std::string& side, const std::string& v,
                    const std::string& p) {
  return R"({"topic":"allLiquidation.)" + symbol +
         R"(","type":"snapshot","ts":1680673822000,"data":[{"T":1680673821999,"s":")" + symbol +
         R"(","S":")" + side + R"(","v":")" + v + R"(","p":")" + p + R"("}]})";
}

class BybitCodecTest : public testing::Test {
 protected:
  void SetUp() override {
    for (const auto& spec : bybit::bundled_instruments()) table_.add(spec);
    VenueSettings s = bybit::default_settings();
    // The fixtures' symbols (XRPUSD has no metadata: its kind is derived as inverse).
    s.symbols = {"BTCUSDT", "ETHUSDT", "BTCUSD", "PIPPINUSDT", "ROSEUSDT", "XRPUSD"};
    rebuild(s);
  }

  void rebuild(const VenueSettings& settings) { codec_ = bybit::make_codec(settings, table_); }

  DecodeResult decode(std::string_view frame) {
    FrameMeta meta;
    meta.channel = Channel::kWs;
    meta.recv_wall_ns = kRecvWall;
    meta.recv_steady_ns = kRecvSteady;
    reply_.clear();
    return codec_->decode(frame, meta, out_, reply_);
  }

  /// Decodes and expects an error status with nothing appended.
  void expect_error(const std::string& frame, DecodeStatus expected) {
    out_.clear();
    const auto r = decode(frame);
    EXPECT_EQ(r.status, expected) << frame;
    EXPECT_TRUE(out_.empty()) << frame;
  }

  std::uint64_t disagreements() const {
    const auto* c = dynamic_cast<const bybit::BybitCodec*>(codec_.get());
    EXPECT_NE(c, nullptr);
    return c == nullptr ? 0 : c->bankruptcy_price_disagreements();
  }

  core::InstrumentId id_of(std::string_view symbol) const {
    return table_.find(core::Venue::kBybit, symbol);
  }

  void expect_header(const NormalizedEvent& e, EventType type, std::string_view symbol,
                     std::int64_t exchange_ms) const {
    EXPECT_EQ(e.type, type);
    EXPECT_EQ(e.venue, core::Venue::kBybit);
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

// Verifies every file in the shared bybit fixture folder has a test below.
TEST(BybitFixtures, EveryFixtureIsCovered) {
  const std::set<std::string> covered = {
      "all_liquidation_doc_example.json",       "all_liquidation_real_2025.json",
      "liquidation_legacy_doc_example.json",    "liquidation_legacy_real_2023.json",
      "pong_public_doc_example.json",           "public_trade_doc_example.json",
      "public_trade_inverse_real_2023.json",    "subscribe_ack_recorded_2025.json",
      "tickers_inverse_snapshot_real_2023.json", "tickers_linear_snapshot_real_2023.json"};
  std::set<std::string> present;
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    present.insert(entry.path().filename().string());
  }
  EXPECT_EQ(present, covered);
}

// Verifies the real linear BTCUSDT snapshot: OI in BTC with openInterestValue as USD, and the
// mark/index/funding with the default 8 h interval, both at the message ts.
TEST_F(BybitCodecTest, TickersLinearSnapshotReal2023) {
  const auto r = decode(read_fixture(kLinearSnapshot));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "open_interest");
  ASSERT_EQ(out_.size(), 2u);
  const auto& oi = out_[0];
  expect_header(oi, EventType::kOpenInterest, "BTCUSDT", 1680673821770);
  EXPECT_EQ(oi.oi.base, 52774.528);
  EXPECT_EQ(oi.oi.contracts, 52774.528);
  EXPECT_EQ(oi.oi.notional_usd, 1506861070.82);
  EXPECT_EQ(oi.oi.source, core::OiSource::kWs);
  const auto& m = out_[1];
  expect_header(m, EventType::kMarkPrice, "BTCUSDT", 1680673821770);
  EXPECT_EQ(m.mark.mark, 28552.81);
  EXPECT_EQ(m.mark.index, 28562.25);
  EXPECT_EQ(m.mark.funding_rate, 0.0001);
  EXPECT_EQ(m.mark.funding_interval_s, 8 * 3600);
}

// Verifies the real inverse BTCUSD snapshot: openInterest is USD contracts, so notional is
// 449736676 USD and base is USD / mark (not openInterestValue's rounded BTC).
TEST_F(BybitCodecTest, TickersInverseSnapshotReal2023) {
  const auto r = decode(read_fixture(kInverseSnapshot));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  const auto& oi = out_[0];
  expect_header(oi, EventType::kOpenInterest, "BTCUSD", 1680673822577);
  EXPECT_EQ(oi.oi.contracts, 449736676.0);
  EXPECT_EQ(oi.oi.notional_usd, 449736676.0);
  EXPECT_DOUBLE_EQ(oi.oi.base, 449736676.0 / 28560.0);
  EXPECT_NEAR(oi.oi.base, 15747.08, 1.0);  // agrees with openInterestValue (BTC)
  const auto& m = out_[1];
  expect_header(m, EventType::kMarkPrice, "BTCUSD", 1680673822577);
  EXPECT_EQ(m.mark.mark, 28560.0);
  EXPECT_EQ(m.mark.index, 28566.94);
  EXPECT_EQ(m.mark.funding_rate, 0.0001);
  EXPECT_EQ(m.mark.funding_interval_s, 8 * 3600);
}

// Verifies the real allLiquidation batch: S=Sell is a SHORT position liquidated (by a buy
// order), at the bankruptcy price, notional v x p, completeness full.
TEST_F(BybitCodecTest, AllLiquidationReal2025) {
  const auto r = decode(read_fixture("all_liquidation_real_2025.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "liquidation");
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kLiquidation, "PIPPINUSDT", 1740480207110);
  EXPECT_EQ(e.liq.price, 0.02456);
  EXPECT_EQ(e.liq.quantity, 2846.0);
  EXPECT_DOUBLE_EQ(e.liq.notional_usd, 2846.0 * 0.02456);
  EXPECT_EQ(e.liq.position, core::Position::kShort);
  EXPECT_EQ(e.liq.order_side, core::Side::kBuy);
  EXPECT_EQ(e.liq.completeness, core::Completeness::kFull);
  EXPECT_EQ(table_.get(e.instrument).asset_view(), "PIPPIN");
}

// Verifies the documented allLiquidation example (pretty-printed): ROSEUSDT short, 20000 at
// 0.04499, T not ts.
TEST_F(BybitCodecTest, AllLiquidationDocExample) {
  const auto r = decode(read_fixture("all_liquidation_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kLiquidation, "ROSEUSDT", 1739502302929);
  EXPECT_EQ(e.liq.price, 0.04499);
  EXPECT_EQ(e.liq.quantity, 20000.0);
  EXPECT_DOUBLE_EQ(e.liq.notional_usd, 20000.0 * 0.04499);
  EXPECT_EQ(e.liq.position, core::Position::kShort);
  EXPECT_EQ(e.liq.order_side, core::Side::kBuy);
}

// Verifies the deprecated liquidation topic on an inverse symbol: size is USD contracts, so
// notional is 6949 USD and quantity 6949 / price XRP; side is the position side; throttled.
TEST_F(BybitCodecTest, LiquidationLegacyReal2023Inverse) {
  const auto r = decode(read_fixture("liquidation_legacy_real_2023.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "liquidation");
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kLiquidation, "XRPUSD", 1680673944093);
  EXPECT_EQ(table_.get(e.instrument).kind, core::ContractKind::kInverse);
  EXPECT_EQ(table_.get(e.instrument).asset_view(), "XRP");
  EXPECT_EQ(e.liq.price, 0.5149);
  EXPECT_EQ(e.liq.notional_usd, 6949.0);
  EXPECT_DOUBLE_EQ(e.liq.quantity, 6949.0 / 0.5149);
  EXPECT_EQ(e.liq.position, core::Position::kShort);
  EXPECT_EQ(e.liq.order_side, core::Side::kBuy);
  EXPECT_EQ(e.liq.completeness, core::Completeness::kThrottled);
}

// Verifies the documented legacy liquidation (object data, updatedTime) on linear BTCUSDT.
TEST_F(BybitCodecTest, LiquidationLegacyDocExample) {
  const auto r = decode(read_fixture("liquidation_legacy_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kLiquidation, "BTCUSDT", 1703485237953);
  EXPECT_EQ(e.liq.price, 43511.70);
  EXPECT_EQ(e.liq.quantity, 0.003);
  EXPECT_DOUBLE_EQ(e.liq.notional_usd, 0.003 * 43511.70);
  EXPECT_EQ(e.liq.position, core::Position::kShort);
}

// Verifies the public pong is an ignored control message.
TEST_F(BybitCodecTest, PongPublicDocExample) {
  const auto r = decode(read_fixture("pong_public_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_TRUE(out_.empty());
}

// Verifies the documented linear trade: taker Buy, 0.001 BTC at 16578.50, at T.
TEST_F(BybitCodecTest, PublicTradeDocExample) {
  const auto r = decode(read_fixture("public_trade_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "trade");
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kTrade, "BTCUSDT", 1672304486865);
  EXPECT_EQ(e.trade.price, 16578.50);
  EXPECT_EQ(e.trade.quantity, 0.001);
  EXPECT_DOUBLE_EQ(e.trade.notional_usd, 16.5785);
  EXPECT_EQ(e.trade.taker_side, core::Side::kBuy);
}

// Verifies the real inverse trade batch: three trades, sizes in USD contracts, so notional is
// v USD and quantity v / p BTC.
TEST_F(BybitCodecTest, PublicTradeInverseReal2023) {
  const auto r = decode(read_fixture("public_trade_inverse_real_2023.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 3u);
  const double sizes[] = {5823.0, 3.0, 5593.0};
  for (std::size_t k = 0; k < 3; ++k) {
    const auto& e = out_[k];
    expect_header(e, EventType::kTrade, "BTCUSD", 1680673823564);
    EXPECT_EQ(e.trade.price, 28560.50);
    EXPECT_EQ(e.trade.notional_usd, sizes[k]);
    EXPECT_DOUBLE_EQ(e.trade.quantity, sizes[k] / 28560.50);
    EXPECT_EQ(e.trade.taker_side, core::Side::kBuy);
  }
}

// Verifies the recorded subscribe ack is an ignored control message.
TEST_F(BybitCodecTest, SubscribeAckRecorded2025) {
  const auto r = decode(read_fixture("subscribe_ack_recorded_2025.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_TRUE(out_.empty());
}

// ---------------------------------------------------------------------------------------------
// Control frames, endpoints, heartbeat.

// Verifies a rejected subscription (success false) is a counted venue error.
TEST_F(BybitCodecTest, FailedSubscribeAckIsVenueError) {
  const auto r = decode(
      R"({"success":false,"ret_msg":"error:handler not found,topic:tickers.NOPE","conn_id":"x",)"
      R"("req_id":"","op":"subscribe"})");
  EXPECT_EQ(r.status, DecodeStatus::kVenueError);
  EXPECT_EQ(r.channel_label, "control");
  EXPECT_EQ(decode(R"({"op":"pong","args":["1675418560633"],"conn_id":"x"})").status,
            DecodeStatus::kIgnored);
  EXPECT_EQ(decode(R"({"success":"yes","op":"subscribe"})").status, DecodeStatus::kWrongType);
}

// Verifies the default settings give one linear endpoint with every topic in one subscribe.
TEST_F(BybitCodecTest, DefaultEndpointIsLinearOnly) {
  core::InstrumentTable table;
  auto codec = bybit::make_codec(bybit::default_settings(), table);
  const auto eps = codec->ws_endpoints();
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].url, "wss://stream.bybit.com/v5/public/linear");
  ASSERT_EQ(eps[0].subscribe.size(), 1u);
  EXPECT_EQ(eps[0].subscribe[0],
            R"({"op":"subscribe","args":["tickers.BTCUSDT","publicTrade.BTCUSDT",)"
            R"("allLiquidation.BTCUSDT","tickers.ETHUSDT","publicTrade.ETHUSDT",)"
            R"("allLiquidation.ETHUSDT"]})");
  EXPECT_TRUE(codec->rest_polls().empty());
  EXPECT_EQ(codec->liquidation_completeness(), "full");
  EXPECT_TRUE(codec->liquidations_available());
}

// Verifies linear and inverse symbols split into /linear and /inverse endpoints (kind from
// metadata), and subscribe frames carry at most 10 args each.
TEST_F(BybitCodecTest, LinearAndInverseEndpointsWithArgLimit) {
  VenueSettings s = bybit::default_settings();
  s.ws_url = "wss://127.0.0.1:9443/bybit/v5/public/";
  s.symbols = {"BTCUSDT", "BTCUSD", "ETHUSDT", "ETHUSD", "SOLUSDT", "xrpusdt"};
  rebuild(s);
  const auto eps = codec_->ws_endpoints();
  ASSERT_EQ(eps.size(), 2u);
  EXPECT_EQ(eps[0].url, "wss://127.0.0.1:9443/bybit/v5/public/linear");
  EXPECT_EQ(eps[1].url, "wss://127.0.0.1:9443/bybit/v5/public/inverse");
  ASSERT_EQ(eps[0].subscribe.size(), 2u);  // 12 args: 10 + 2
  EXPECT_EQ(eps[0].subscribe[1],
            R"({"op":"subscribe","args":["publicTrade.XRPUSDT","allLiquidation.XRPUSDT"]})");
  std::size_t args = 0;
  for (const auto& frame : eps[0].subscribe) {
    // Every arg holds exactly one '.' (topic.SYMBOL).
    const auto n = static_cast<std::size_t>(std::count(frame.begin(), frame.end(), '.'));
    EXPECT_LE(n, 10u) << frame;
    args += n;
  }
  EXPECT_EQ(args, 12u);
  ASSERT_EQ(eps[1].subscribe.size(), 1u);
  EXPECT_EQ(eps[1].subscribe[0],
            R"({"op":"subscribe","args":["tickers.BTCUSD","publicTrade.BTCUSD",)"
            R"("allLiquidation.BTCUSD","tickers.ETHUSD","publicTrade.ETHUSD",)"
            R"("allLiquidation.ETHUSD"]})");
}

// Verifies the heartbeat is {"op":"ping"} sent every 20 s regardless of traffic.
TEST_F(BybitCodecTest, HeartbeatIsPeriodicPing) {
  const Heartbeat hb = codec_->heartbeat();
  EXPECT_EQ(hb.kind, Heartbeat::Kind::kPeriodic);
  EXPECT_EQ(hb.interval, std::chrono::seconds(20));
  EXPECT_EQ(hb.text, R"({"op":"ping"})");
  EXPECT_EQ(codec_->venue(), core::Venue::kBybit);
}

// ---------------------------------------------------------------------------------------------
// Stateful tickers.

// Verifies a delta carrying only openInterest emits only OI, with the stale
// openInterestValue dropped (absent) rather than reused.
TEST_F(BybitCodecTest, DeltaOpenInterestOnly) {
  ASSERT_EQ(decode(read_fixture(kLinearSnapshot)).status, DecodeStatus::kOk);
  out_.clear();
  const auto r = decode(ticker_delta("BTCUSDT", R"("openInterest":"52800.000")"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "open_interest");
  ASSERT_EQ(out_.size(), 1u);
  expect_header(out_[0], EventType::kOpenInterest, "BTCUSDT", 1680673821870);
  EXPECT_EQ(out_[0].oi.base, 52800.0);
  EXPECT_TRUE(std::isnan(out_[0].oi.notional_usd));
  // Both fields in one delta: the value is used.
  out_.clear();
  ASSERT_EQ(decode(ticker_delta("BTCUSDT",
                                R"("openInterest":"52801.000","openInterestValue":"1507000000.5")"))
                .status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].oi.base, 52801.0);
  EXPECT_EQ(out_[0].oi.notional_usd, 1507000000.5);
}

// Verifies a mark-only delta merges into the cache: index and funding come from the snapshot.
TEST_F(BybitCodecTest, DeltaMarkMergesCachedFields) {
  ASSERT_EQ(decode(read_fixture(kLinearSnapshot)).status, DecodeStatus::kOk);
  out_.clear();
  const auto r = decode(ticker_delta("BTCUSDT", R"("markPrice":"28560.00","lastPrice":"28561")"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "mark_price");
  ASSERT_EQ(out_.size(), 1u);
  const auto& m = out_[0];
  expect_header(m, EventType::kMarkPrice, "BTCUSDT", 1680673821870);
  EXPECT_EQ(m.mark.mark, 28560.0);
  EXPECT_EQ(m.mark.index, 28562.25);
  EXPECT_EQ(m.mark.funding_rate, 0.0001);
  // A funding-only delta re-emits the cached mark with the new rate (negative allowed).
  out_.clear();
  ASSERT_EQ(decode(ticker_delta("BTCUSDT", R"("fundingRate":"-0.00025")")).status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].mark.mark, 28560.0);
  EXPECT_EQ(out_[0].mark.funding_rate, -0.00025);
}

// Verifies deltas that change nothing we track (or repeat cached values) emit nothing.
TEST_F(BybitCodecTest, DeltaWithoutChangesEmitsNothing) {
  ASSERT_EQ(decode(read_fixture(kLinearSnapshot)).status, DecodeStatus::kOk);
  out_.clear();
  EXPECT_EQ(decode(ticker_delta("BTCUSDT", R"("bid1Price":"28550.60","bid1Size":"1.2")")).status,
            DecodeStatus::kOk);
  EXPECT_EQ(decode(ticker_delta("BTCUSDT", R"("markPrice":"28552.81","openInterest":"52774.528")"))
                .status,
            DecodeStatus::kOk);
  EXPECT_TRUE(out_.empty());
}

// Verifies fundingIntervalHour sets the funding interval of the mark event.
TEST_F(BybitCodecTest, FundingIntervalHourIsUsed) {
  const std::string snap =
      replace(read_fixture(kLinearSnapshot), R"("fundingRate")", R"("fundingIntervalHour":"4","fundingRate")");
  ASSERT_EQ(decode(snap).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[1].mark.funding_interval_s, 4 * 3600);
  out_.clear();
  ASSERT_EQ(decode(ticker_delta("BTCUSDT", R"("fundingIntervalHour":"1")")).status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].mark.funding_interval_s, 3600);
  expect_error(ticker_delta("BTCUSDT", R"("fundingIntervalHour":"0")"), DecodeStatus::kBadNumber);
  expect_error(ticker_delta("BTCUSDT", R"("fundingIntervalHour":"8.5")"), DecodeStatus::kBadNumber);
}

// Verifies on_connected forgets the ticker cache of that endpoint's kind only.
TEST_F(BybitCodecTest, OnConnectedResetsCacheOfItsEndpoint) {
  // Endpoint 0 is linear, 1 is inverse (both kinds are configured).
  ASSERT_EQ(decode(read_fixture(kLinearSnapshot)).status, DecodeStatus::kOk);
  ASSERT_EQ(decode(read_fixture(kInverseSnapshot)).status, DecodeStatus::kOk);
  codec_->on_connected(1);  // inverse reconnect: the linear cache stays
  out_.clear();
  ASSERT_EQ(decode(ticker_delta("BTCUSDT", R"("markPrice":"28560.00")")).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].mark.index, 28562.25);
  out_.clear();
  ASSERT_EQ(decode(ticker_delta("BTCUSD", R"("markPrice":"28570.00")")).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_TRUE(std::isnan(out_[0].mark.index));
  EXPECT_TRUE(std::isnan(out_[0].mark.funding_rate));

  codec_->on_connected(0);  // linear reconnect
  out_.clear();
  ASSERT_EQ(decode(ticker_delta("BTCUSDT", R"("markPrice":"28565.00")")).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].mark.mark, 28565.0);
  EXPECT_TRUE(std::isnan(out_[0].mark.index));
  // No OI is known after the reset: an OI-value-only delta cannot make an OI event.
  out_.clear();
  ASSERT_EQ(decode(ticker_delta("BTCUSDT", R"("openInterestValue":"1.0")")).status,
            DecodeStatus::kOk);
  EXPECT_TRUE(out_.empty());
}

// Verifies a new snapshot replaces the cache (fields it lacks become absent).
TEST_F(BybitCodecTest, SnapshotReplacesCache) {
  ASSERT_EQ(decode(read_fixture(kLinearSnapshot)).status, DecodeStatus::kOk);
  out_.clear();
  const std::string snap =
      R"({"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT",)"
      R"("markPrice":"28000.5","openInterest":"50000"},"cs":1,"ts":1680673900000})";
  ASSERT_EQ(decode(snap).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].oi.base, 50000.0);
  EXPECT_TRUE(std::isnan(out_[0].oi.notional_usd));
  EXPECT_EQ(out_[1].mark.mark, 28000.5);
  EXPECT_TRUE(std::isnan(out_[1].mark.index));
  EXPECT_TRUE(std::isnan(out_[1].mark.funding_rate));
}

// Verifies a rejected delta leaves the cache as it was.
TEST_F(BybitCodecTest, BadDeltaDoesNotTouchCache) {
  ASSERT_EQ(decode(read_fixture(kLinearSnapshot)).status, DecodeStatus::kOk);
  expect_error(ticker_delta("BTCUSDT", R"("markPrice":"28999.0","indexPrice":"x")"),
               DecodeStatus::kBadNumber);
  out_.clear();
  ASSERT_EQ(decode(ticker_delta("BTCUSDT", R"("indexPrice":"28570.00")")).status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].mark.mark, 28552.81);  // not 28999
  EXPECT_EQ(out_[0].mark.index, 28570.0);
}

// Verifies an inverse OI delta values base with the latest mark.
TEST_F(BybitCodecTest, InverseOiDeltaUsesLatestMark) {
  ASSERT_EQ(decode(read_fixture(kInverseSnapshot)).status, DecodeStatus::kOk);
  out_.clear();
  ASSERT_EQ(decode(ticker_delta("BTCUSD", R"("markPrice":"28000.00","openInterest":"450000000")"))
                .status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].oi.contracts, 450000000.0);
  EXPECT_EQ(out_[0].oi.notional_usd, 450000000.0);
  EXPECT_DOUBLE_EQ(out_[0].oi.base, 450000000.0 / 28000.0);
}

// Verifies the bankruptcy-price check against the latest mark: a long below / a short above
// the mark agrees; the opposite is counted; events are emitted either way.
TEST_F(BybitCodecTest, BankruptcyPriceCheckCountsDisagreements) {
  EXPECT_EQ(decode(all_liq("BTCUSDT", "Buy", "0.5", "29000")).status, DecodeStatus::kOk);
  EXPECT_EQ(disagreements(), 0u);  // no mark yet: nothing to check against
  ASSERT_EQ(decode(read_fixture(kLinearSnapshot)).status, DecodeStatus::kOk);  // mark 28552.81
  out_.clear();
  EXPECT_EQ(decode(all_liq("BTCUSDT", "Buy", "0.5", "28000")).status, DecodeStatus::kOk);
  EXPECT_EQ(decode(all_liq("BTCUSDT", "Sell", "0.5", "29000")).status, DecodeStatus::kOk);
  EXPECT_EQ(disagreements(), 0u);
  EXPECT_EQ(decode(all_liq("BTCUSDT", "Buy", "0.5", "29000")).status, DecodeStatus::kOk);
  EXPECT_EQ(decode(all_liq("BTCUSDT", "Sell", "0.5", "28000")).status, DecodeStatus::kOk);
  EXPECT_EQ(disagreements(), 2u);
  ASSERT_EQ(out_.size(), 4u);
  EXPECT_EQ(out_[0].liq.position, core::Position::kLong);
  EXPECT_EQ(out_[0].liq.order_side, core::Side::kSell);
  EXPECT_EQ(out_[2].liq.position, core::Position::kLong);
  EXPECT_EQ(out_[2].liq.price, 29000.0);
  // A rejected frame does not count.
  expect_error(R"({"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1,"data":[)"
               R"({"T":1680673821999,"s":"BTCUSDT","S":"Buy","v":"1","p":"29000"},)"
               R"({"T":1680673821999,"s":"BTCUSDT","S":"Buy","v":"1","p":"x"}]})",
               DecodeStatus::kBadNumber);
  EXPECT_EQ(disagreements(), 2u);
}

// Verifies untracked symbols are ignored, not errors, and create no instrument.
TEST_F(BybitCodecTest, UntrackedSymbolIgnored) {
  rebuild(bybit::default_settings());
  const std::size_t table_size = table_.size();
  out_.clear();
  const auto r = decode(read_fixture("all_liquidation_real_2025.json"));
  EXPECT_EQ(r.status, DecodeStatus::kIgnored);
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(decode(read_fixture("public_trade_inverse_real_2023.json")).status,
            DecodeStatus::kIgnored);
  EXPECT_EQ(decode(replace(read_fixture(kLinearSnapshot), "BTCUSDT", "SOLUSDT")).status,
            DecodeStatus::kOk);  // topic says SOLUSDT but data.symbol is the tracked BTCUSDT
  EXPECT_EQ(decode(replace(replace(read_fixture(kLinearSnapshot), "BTCUSDT", "SOLUSDT"), "BTCUSDT",
                           "SOLUSDT"))
                .status,
            DecodeStatus::kIgnored);
  EXPECT_EQ(table_.size(), table_size);  // nothing added
  EXPECT_EQ(id_of("SOLUSDT"), core::kNoInstrument);
}

// Verifies an empty symbol list (normalize mode) accepts every symbol, deriving its kind.
TEST_F(BybitCodecTest, EmptySymbolListAcceptsAll) {
  VenueSettings s = bybit::default_settings();
  s.symbols.clear();
  rebuild(s);
  EXPECT_TRUE(codec_->ws_endpoints().empty());
  out_.clear();
  ASSERT_EQ(decode(R"({"topic":"publicTrade.SOLUSD","type":"snapshot","ts":1,"data":[)"
                   R"({"T":1680673821999,"s":"SOLUSD","S":"Sell","v":"100","p":"20"}]})")
                .status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(table_.get(out_[0].instrument).kind, core::ContractKind::kInverse);
  EXPECT_EQ(out_[0].trade.quantity, 5.0);
  EXPECT_EQ(out_[0].trade.taker_side, core::Side::kSell);
}

// ---------------------------------------------------------------------------------------------
// Malformed input.

// Verifies every strict prefix of every fixture is an error, never a crash or an event.
TEST_F(BybitCodecTest, TruncatedFixturesAreErrors) {
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    const std::string frame = read_fixture(entry.path().filename().string());
    for (std::size_t n = 0; n < frame.size(); ++n) {
      out_.clear();
      const auto r = decode(std::string_view(frame).substr(0, n));
      EXPECT_TRUE(is_error(r.status)) << entry.path() << " prefix " << n;
      EXPECT_TRUE(out_.empty());
    }
  }
}

// Verifies wrong JSON types in payload fields are kWrongType.
TEST_F(BybitCodecTest, WrongTypes) {
  const std::string trade = read_fixture("public_trade_doc_example.json");
  expect_error(replace(trade, R"("v": "0.001")", R"("v": 0.001)"), DecodeStatus::kWrongType);
  expect_error(replace(trade, R"("T": 1672304486865)", R"("T": "1672304486865")"),
               DecodeStatus::kWrongType);
  expect_error(replace(trade, R"("S": "Buy")", R"("S": true)"), DecodeStatus::kWrongType);
  expect_error(replace(trade, R"("topic": "publicTrade.BTCUSDT")", R"("topic": 5)"),
               DecodeStatus::kWrongType);
  const std::string linear = read_fixture(kLinearSnapshot);
  expect_error(replace(linear, R"("markPrice":"28552.81")", R"("markPrice":28552.81)"),
               DecodeStatus::kWrongType);
  expect_error(replace(linear, R"("ts":1680673821770)", R"("ts":"1680673821770")"),
               DecodeStatus::kWrongType);
  // Data of the wrong shape for its topic.
  expect_error(R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT"}})",
               DecodeStatus::kWrongType);
  expect_error(R"({"topic":"tickers.BTCUSDT","type":"snapshot","ts":1,"data":[]})",
               DecodeStatus::kWrongType);
  expect_error(R"({"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1,"data":[1]})",
               DecodeStatus::kWrongType);
}

// Verifies missing required fields are kMissingField.
TEST_F(BybitCodecTest, MissingFields) {
  expect_error(replace(all_liq("BTCUSDT", "Buy", "1", "2"), R"(,"p":"2")", ""),
               DecodeStatus::kMissingField);
  expect_error(R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[)"
               R"({"T":1,"s":"BTCUSDT","v":"1","p":"2"}]})",
               DecodeStatus::kMissingField);  // no S
  expect_error(R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1})",
               DecodeStatus::kMissingField);  // no data
  expect_error(replace(read_fixture(kLinearSnapshot), R"(,"ts":1680673821770)", ""),
               DecodeStatus::kMissingField);
  expect_error(replace(read_fixture(kLinearSnapshot), R"("type":"snapshot",)", ""),
               DecodeStatus::kMissingField);
  // No T and no ts: no timestamp at all.
  expect_error(R"({"topic":"allLiquidation.BTCUSDT","type":"snapshot","data":[)"
               R"({"s":"BTCUSDT","S":"Buy","v":"1","p":"2"}]})",
               DecodeStatus::kMissingField);
}

// Verifies unparseable, negative, zero or non-finite numbers are kBadNumber.
TEST_F(BybitCodecTest, BadNumbers) {
  for (const char* p : {"abc", "", "-5", "0", "1e400", "nan", " 1", "+1", "1,5"}) {
    expect_error(all_liq("BTCUSDT", "Buy", "1", p), DecodeStatus::kBadNumber);
  }
  expect_error(all_liq("BTCUSDT", "Buy", "-1", "2"), DecodeStatus::kBadNumber);
  const std::string linear = read_fixture(kLinearSnapshot);
  expect_error(replace(linear, R"("markPrice":"28552.81")", R"("markPrice":"0")"),
               DecodeStatus::kBadNumber);
  expect_error(replace(linear, R"("openInterest":"52774.528")", R"("openInterest":"-1")"),
               DecodeStatus::kBadNumber);
  expect_error(replace(linear, R"("nextFundingTime":"1680681600000")",
                       R"("nextFundingTime":"soon")"),
               DecodeStatus::kBadNumber);
  expect_error(replace(linear, R"("ts":1680673821770)", R"("ts":-1)"), DecodeStatus::kBadNumber);
  expect_error(replace(linear, R"("ts":1680673821770)", R"("ts":1.5)"), DecodeStatus::kBadNumber);
}

// Verifies unknown sides, topics and shapes are kUnknownMessage; broken JSON is kMalformedJson.
TEST_F(BybitCodecTest, UnknownAndMalformed) {
  expect_error(all_liq("BTCUSDT", "Long", "1", "2"), DecodeStatus::kUnknownMessage);
  expect_error(R"({"topic":"orderbook.50.BTCUSDT","type":"snapshot","ts":1,"data":{}})",
               DecodeStatus::kUnknownMessage);
  expect_error(R"({"topic":"tickers.BTCUSDT","type":"weird","ts":1,"data":{"symbol":"BTCUSDT"}})",
               DecodeStatus::kUnknownMessage);
  expect_error("{}", DecodeStatus::kUnknownMessage);
  expect_error("[]", DecodeStatus::kUnknownMessage);
  expect_error("42", DecodeStatus::kUnknownMessage);
  expect_error(R"({"op":"auth"})", DecodeStatus::kUnknownMessage);
  expect_error("", DecodeStatus::kMalformedJson);
  expect_error("pong", DecodeStatus::kMalformedJson);
  expect_error(read_fixture("subscribe_ack_recorded_2025.json") + "}",
               DecodeStatus::kMalformedJson);
  expect_error(read_fixture("public_trade_doc_example.json") + " x", DecodeStatus::kMalformedJson);
  expect_error(R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,,}]})",
               DecodeStatus::kMalformedJson);
}

// Verifies an error in the second entry of a batch takes back the first entry's event.
TEST_F(BybitCodecTest, BatchErrorIsAllOrNothing) {
  const auto r = decode(R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[)"
                        R"({"T":1680673821999,"s":"BTCUSDT","S":"Buy","v":"1","p":"2"},)"
                        R"({"T":1680673821999,"s":"BTCUSDT","S":"Buy","v":"1"}]})");
  EXPECT_EQ(r.status, DecodeStatus::kMissingField);
  EXPECT_TRUE(out_.empty());
}

// ---------------------------------------------------------------------------------------------
// Metadata and registry.

const std::string kLinearInfo =
    R"({"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[)"
    R"({"symbol":"BTCUSDT","contractType":"LinearPerpetual","status":"Trading","baseCoin":"BTC",)"
    R"("quoteCoin":"USDT","lotSizeFilter":{"qtyStep":"0.001"}},)"
    R"({"symbol":"BTC-26DEC25","contractType":"LinearFutures","baseCoin":"BTC"},)"
    R"({"symbol":"1000PEPEUSDT","contractType":"LinearPerpetual","baseCoin":"1000PEPE"},)"
    R"({"symbol":"ODDONE","contractType":"Option","baseCoin":"X"},)"
    R"({"symbol":"NOBASE","contractType":"LinearPerpetual"},)"
    R"(7],"nextPageCursor":""},"retExtInfo":{},"time":1700000000000})";
const std::string kInverseInfo =
    R"({"retCode":0,"retMsg":"OK","result":{"category":"inverse","list":[)"
    R"({"symbol":"BTCUSD","contractType":"InversePerpetual","baseCoin":"BTC"},)"
    R"({"symbol":"XBTUSD","baseCoin":"XBT"}]},"time":1})";

// Verifies instruments-info parsing: contract types map to kinds, inverse contract value is
// 1 USD, unusable entries are skipped, and the category fills in a missing contractType.
TEST(BybitMetadata, ParsesInstrumentsInfo) {
  const auto targets = bybit::metadata_targets();
  ASSERT_EQ(targets.size(), 2u);
  EXPECT_EQ(targets[0], "/v5/market/instruments-info?category=linear&limit=1000");
  EXPECT_EQ(targets[1], "/v5/market/instruments-info?category=inverse&limit=1000");
  std::vector<core::InstrumentSpec> specs;
  ASSERT_EQ(bybit::parse_metadata(0, kLinearInfo, specs), DecodeStatus::kOk);
  ASSERT_EQ(specs.size(), 3u);
  EXPECT_EQ(specs[0].symbol, "BTCUSDT");
  EXPECT_EQ(specs[0].asset, "BTC");
  EXPECT_EQ(specs[0].kind, core::ContractKind::kLinear);
  EXPECT_EQ(specs[0].contract_value, 1.0);
  EXPECT_EQ(specs[0].venue, core::Venue::kBybit);
  EXPECT_EQ(specs[1].symbol, "BTC-26DEC25");
  EXPECT_EQ(specs[2].asset, "1000PEPE");
  ASSERT_EQ(bybit::parse_metadata(1, kInverseInfo, specs), DecodeStatus::kOk);
  ASSERT_EQ(specs.size(), 5u);
  EXPECT_EQ(specs[3].symbol, "BTCUSD");
  EXPECT_EQ(specs[3].kind, core::ContractKind::kInverse);
  EXPECT_EQ(specs[3].contract_value, 1.0);
  EXPECT_EQ(specs[4].asset, "BTC");  // XBT normalized
  EXPECT_EQ(specs[4].kind, core::ContractKind::kInverse);
}

// Verifies metadata errors: venue retCode, broken JSON, wrong shapes; nothing is appended.
TEST(BybitMetadata, Errors) {
  std::vector<core::InstrumentSpec> specs;
  EXPECT_EQ(bybit::parse_metadata(0, R"({"retCode":10001,"retMsg":"params error","result":{}})",
                                  specs),
            DecodeStatus::kVenueError);
  EXPECT_EQ(bybit::parse_metadata(0, kLinearInfo.substr(0, kLinearInfo.size() / 2), specs),
            DecodeStatus::kMalformedJson);
  EXPECT_EQ(bybit::parse_metadata(0, R"({"retCode":0,"result":{"list":{}}})", specs),
            DecodeStatus::kWrongType);
  EXPECT_EQ(bybit::parse_metadata(0, R"({"retCode":0,"result":{}})", specs),
            DecodeStatus::kMissingField);
  EXPECT_EQ(bybit::parse_metadata(0, "", specs), DecodeStatus::kMalformedJson);
  EXPECT_EQ(bybit::parse_metadata(2, kLinearInfo, specs), DecodeStatus::kUnknownMessage);
  EXPECT_TRUE(specs.empty());
}

// Verifies the bundled instruments (linear BTCUSDT/ETHUSDT, inverse BTCUSD/ETHUSD), the
// default settings, and the registry routing to this venue.
TEST(BybitMetadata, BundledDefaultsAndRegistry) {
  const auto bundled = bybit::bundled_instruments();
  ASSERT_EQ(bundled.size(), 4u);
  EXPECT_EQ(bundled[0].symbol, "BTCUSDT");
  EXPECT_EQ(bundled[0].kind, core::ContractKind::kLinear);
  EXPECT_EQ(bundled[2].symbol, "BTCUSD");
  EXPECT_EQ(bundled[2].kind, core::ContractKind::kInverse);
  EXPECT_EQ(bundled[3].asset, "ETH");
  const VenueSettings s = default_settings(core::Venue::kBybit);
  EXPECT_EQ(s.venue, core::Venue::kBybit);
  EXPECT_EQ(s.ws_url, "wss://stream.bybit.com/v5/public");
  EXPECT_EQ(s.rest_url, "https://api.bybit.com");
  EXPECT_EQ(s.symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  EXPECT_EQ(metadata_targets(core::Venue::kBybit).size(), 2u);
  EXPECT_EQ(bundled_instruments(core::Venue::kBybit).size(), 4u);
  std::vector<core::InstrumentSpec> specs;
  EXPECT_EQ(parse_metadata(core::Venue::kBybit, 1, kInverseInfo, specs), DecodeStatus::kOk);
  core::InstrumentTable table;
  auto codec = make_codec(s, table);
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->venue(), core::Venue::kBybit);
}

}  // namespace
}  // namespace levdyn::venues
