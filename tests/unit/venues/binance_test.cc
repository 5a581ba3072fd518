// Tests of the Binance USD-M codec: every shared fixture decoded to exact values, stream and
// REST shapes, "_other" routing, normalize mode, malformed frames, and exchangeInfo metadata.

#include "service/venues/binance.h"

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

std::string fixture_dir() { return std::string(LEVDYN_SHARED_DIR) + "/fixtures/binance"; }

std::string read_fixture(const std::string& name) {
  return test::read_fixture_file(fixture_dir() + "/" + name);
}

// Frames used by several tests (venues.md §1 shapes).
const std::string kForceOrder =
    R"({"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC",)"
    R"("q":"0.014","p":"9910","ap":"9910","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893}})";
const std::string kAggTrade =
    R"({"e":"aggTrade","E":1786171884624,"a":3404749954,"s":"BTCUSDT","p":"64990.90","q":"0.002",)"
    R"("f":7960913511,"l":7960913511,"T":1786171884471,"m":true})";
const std::string kMarkPrice =
    R"({"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000",)"
    R"("i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000})";
const std::string kOpenInterest =
    R"({"symbol":"BTCUSDT","openInterest":"10659.509","time":1589437530011})";

std::string force_order(const std::string& symbol, const std::string& side, const std::string& ap,
                        const std::string& z, const std::string& t) {
  return R"({"e":"forceOrder","E":1700000000000,"o":{"s":")" + symbol + R"(","S":")" + side +
         R"(","o":"LIMIT","f":"IOC","q":")" + z + R"(","p":")" + ap + R"(","ap":")" + ap +
         R"(","X":"FILLED","l":")" + z + R"(","z":")" + z + R"(","T":)" + t + "}}";
}

class BinanceCodecTest : public testing::Test {
 protected:
  void SetUp() override { codec_ = binance::make_codec(binance::default_settings(), table_); }

  void rebuild(const VenueSettings& settings) { codec_ = binance::make_codec(settings, table_); }

  DecodeResult decode(std::string_view frame, Channel channel = Channel::kWs,
                      std::uint16_t endpoint = 0) {
    FrameMeta meta;
    meta.channel = channel;
    meta.endpoint = endpoint;
    meta.recv_wall_ns = kRecvWall;
    meta.recv_steady_ns = kRecvSteady;
    reply_.clear();
    return codec_->decode(frame, meta, out_, reply_);
  }

  core::InstrumentId id_of(std::string_view symbol) const {
    return table_.find(core::Venue::kBinance, symbol);
  }

  void expect_header(const NormalizedEvent& e, EventType type, std::string_view symbol,
                     std::int64_t exchange_ms) const {
    EXPECT_EQ(e.type, type);
    EXPECT_EQ(e.venue, core::Venue::kBinance);
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

// Verifies every file in the shared binance fixture folder has a test below (new fixtures
// must get expectations).
TEST(BinanceFixtures, EveryFixtureIsCovered) {
  const std::set<std::string> covered = {
      "agg_trade_combined_real_2021.json",       "agg_trade_recorded_2026_newfields.json",
      "force_order_arr_iotxusdt_real_2021.json", "force_order_doc_example.json",
      "mark_price_combined_real_2021.json",      "mark_price_doc_example.json",
      "open_interest_rest_doc_example.json",     "open_interest_rest_recorded.json"};
  std::set<std::string> present;
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    present.insert(entry.path().filename().string());
  }
  EXPECT_EQ(present, covered);
}

// Verifies the documented forceOrder payload (raw, no wrapper) becomes a long liquidation at
// the average price and filled quantity.
TEST_F(BinanceCodecTest, ForceOrderDocExample) {
  const auto r = decode(read_fixture("force_order_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "liquidation");
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kLiquidation, "BTCUSDT", 1568014460893);
  EXPECT_EQ(e.instrument, id_of("BTCUSDT"));
  EXPECT_EQ(e.liq.price, 9910.0);
  EXPECT_EQ(e.liq.quantity, 0.014);
  EXPECT_DOUBLE_EQ(e.liq.notional_usd, 138.74);
  EXPECT_EQ(e.liq.order_side, core::Side::kSell);
  EXPECT_EQ(e.liq.position, core::Position::kLong);
  EXPECT_EQ(e.liq.completeness, core::Completeness::kThrottled);
}

// Verifies the real all-market capture for an untracked symbol lands in the IOTX "_other"
// bucket with the fill (ap, z) rather than the order (p, q) values.
TEST_F(BinanceCodecTest, ForceOrderAllMarketUntrackedGoesToOther) {
  const auto r = decode(read_fixture("force_order_arr_iotxusdt_real_2021.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  EXPECT_EQ(e.type, EventType::kLiquidation);
  EXPECT_EQ(e.exchange_ts_ns, 1634653599180 * kMs);  // o.T, not E (…186)
  const auto& info = table_.get(e.instrument);
  EXPECT_FALSE(info.tracked);
  EXPECT_EQ(info.asset_view(), "IOTX");
  EXPECT_EQ(reported_symbol(info), "_other");
  EXPECT_EQ(e.liq.price, 0.06669);  // ap, not p 0.06606
  EXPECT_EQ(e.liq.quantity, 3661.0);
  EXPECT_DOUBLE_EQ(e.liq.notional_usd, 0.06669 * 3661.0);
  EXPECT_EQ(e.liq.position, core::Position::kLong);
  EXPECT_EQ(e.liq.order_side, core::Side::kSell);
  EXPECT_EQ(id_of("IOTXUSDT"), core::kNoInstrument);  // not added as a tracked instrument

  // A second IOTX liquidation reuses the bucket.
  out_.clear();
  EXPECT_EQ(decode(read_fixture("force_order_arr_iotxusdt_real_2021.json")).status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].instrument, e.instrument);
}

// Verifies the real 2021 aggTrade capture: CTKUSDT is ignored by the default (BTC/ETH) codec
// and decoded exactly in normalize mode.
TEST_F(BinanceCodecTest, AggTradeCombinedReal2021) {
  const std::string frame = read_fixture("agg_trade_combined_real_2021.json");
  const auto ignored = decode(frame);
  EXPECT_EQ(ignored.status, DecodeStatus::kIgnored);
  EXPECT_EQ(ignored.channel_label, "trade");
  EXPECT_TRUE(out_.empty());

  VenueSettings all = binance::default_settings();
  all.symbols.clear();
  rebuild(all);
  const auto r = decode(frame);
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kTrade, "CTKUSDT", 1626992741421);
  EXPECT_EQ(e.trade.price, 1.011);
  EXPECT_EQ(e.trade.quantity, 10.0);
  EXPECT_DOUBLE_EQ(e.trade.notional_usd, 10.11);
  EXPECT_EQ(e.trade.taker_side, core::Side::kBuy);  // m = false: the buyer took
  EXPECT_EQ(table_.get(e.instrument).asset_view(), "CTK");
}

// Verifies the 2026 aggTrade capture with the new nq/st fields (ignored) and m = true.
TEST_F(BinanceCodecTest, AggTradeRecorded2026NewFields) {
  const auto r = decode(read_fixture("agg_trade_recorded_2026_newfields.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "trade");
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kTrade, "BTCUSDT", 1786171884471);  // T, not E
  EXPECT_EQ(e.trade.price, 64990.90);
  EXPECT_EQ(e.trade.quantity, 0.002);
  EXPECT_DOUBLE_EQ(e.trade.notional_usd, 129.9818);
  EXPECT_EQ(e.trade.taker_side, core::Side::kSell);  // m = true: the taker sold
}

// Verifies the real combined markPrice capture: mark, index, funding, 8 h interval, and E as
// the timestamp (T is the next funding time).
TEST_F(BinanceCodecTest, MarkPriceCombinedReal2021) {
  const auto r = decode(read_fixture("mark_price_combined_real_2021.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "mark_price");
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kMarkPrice, "BTCUSDT", 1617308820003);
  EXPECT_EQ(e.mark.mark, 58940.14924532);
  EXPECT_EQ(e.mark.index, 58857.26693664);
  EXPECT_EQ(e.mark.funding_rate, 0.00058455);
  EXPECT_EQ(e.mark.funding_interval_s, 28800);
}

// Verifies the documented markPrice payload (raw, no wrapper).
TEST_F(BinanceCodecTest, MarkPriceDocExample) {
  const auto r = decode(read_fixture("mark_price_doc_example.json"));
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kMarkPrice, "BTCUSDT", 1562305380000);
  EXPECT_EQ(e.mark.mark, 11794.15);
  EXPECT_EQ(e.mark.index, 11784.62659091);
  EXPECT_EQ(e.mark.funding_rate, 0.00038167);
  EXPECT_EQ(e.mark.funding_interval_s, 28800);
}

// Verifies the documented REST open-interest body, polled on the REST channel: base and
// contracts equal, notional absent for the engine to value, source rest.
TEST_F(BinanceCodecTest, OpenInterestRestDocExample) {
  const auto r = decode(read_fixture("open_interest_rest_doc_example.json"), Channel::kRest, 0);
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "open_interest");
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kOpenInterest, "BTCUSDT", 1589437530011);
  EXPECT_EQ(e.oi.base, 10659.509);
  EXPECT_EQ(e.oi.contracts, 10659.509);
  EXPECT_FALSE(core::present(e.oi.notional_usd));
  EXPECT_EQ(e.oi.source, core::OiSource::kRest);
}

// Verifies the recorded REST open-interest body (live key order), passed as a bare line on
// the WS channel as `levdyn normalize` does.
TEST_F(BinanceCodecTest, OpenInterestRestRecorded) {
  const auto r = decode(read_fixture("open_interest_rest_recorded.json"), Channel::kWs);
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  const auto& e = out_[0];
  expect_header(e, EventType::kOpenInterest, "BTCUSDT", 1723425441998);
  EXPECT_EQ(e.oi.base, 70056.543);
  EXPECT_EQ(e.oi.contracts, 70056.543);
  EXPECT_FALSE(core::present(e.oi.notional_usd));
  EXPECT_EQ(e.oi.source, core::OiSource::kRest);
}

// Verifies the JSONL lines (DESIGN §6) of three fixtures, byte for byte: absent fields are
// omitted, exchange_ts is in ms.
TEST_F(BinanceCodecTest, FixturesAsJsonLines) {
  ASSERT_EQ(decode(read_fixture("force_order_doc_example.json")).status, DecodeStatus::kOk);
  ASSERT_EQ(decode(read_fixture("open_interest_rest_doc_example.json")).status, DecodeStatus::kOk);
  ASSERT_EQ(decode(read_fixture("mark_price_doc_example.json")).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 3u);
  std::vector<std::string> lines;
  for (const auto& e : out_) {
    std::string line;
    append_event_json(line, e, table_);
    lines.push_back(line);
  }
  EXPECT_EQ(lines[0],
            R"({"type":"liquidation","venue":"binance","symbol":"BTCUSDT","asset":"BTC",)"
            R"("exchange_ts":1568014460893,"position":"long","order_side":"sell","price":9910,)"
            R"("quantity":0.014,"notional_usd":138.74,"completeness":"throttled"})");
  EXPECT_EQ(lines[1],
            R"({"type":"open_interest","venue":"binance","symbol":"BTCUSDT","asset":"BTC",)"
            R"("exchange_ts":1589437530011,"contracts":10659.509,"base":10659.509,)"
            R"("source":"rest"})");
  EXPECT_EQ(lines[2], R"({"type":"mark_price","venue":"binance","symbol":"BTCUSDT","asset":"BTC",)"
                      R"("exchange_ts":1562305380000,"mark":11794.15,"index":11784.62659091,)"
                      R"("funding_rate":0.00038167,"funding_interval_s":28800})");
}

// ---------------------------------------------------------------------------------------------
// Shapes beyond the fixtures.

// Verifies an all-market frame whose data is an array yields one event per element, in order,
// tracked symbols to their instrument and untracked ones to "_other".
TEST_F(BinanceCodecTest, ForceOrderArrayForm) {
  const std::string frame = R"({"stream":"!forceOrder@arr","data":[)" +
                            force_order("ETHUSDT", "BUY", "2500.5", "2", "1700000000001") + "," +
                            force_order("SOLUSDT", "SELL", "150", "10", "1700000000002") + "]}";
  const auto r = decode(frame);
  EXPECT_EQ(r.status, DecodeStatus::kOk);
  EXPECT_EQ(r.channel_label, "liquidation");
  ASSERT_EQ(out_.size(), 2u);
  expect_header(out_[0], EventType::kLiquidation, "ETHUSDT", 1700000000001);
  EXPECT_EQ(out_[0].liq.order_side, core::Side::kBuy);
  EXPECT_EQ(out_[0].liq.position, core::Position::kShort);  // a forced buy closes a short
  EXPECT_EQ(out_[0].liq.price, 2500.5);
  EXPECT_EQ(out_[0].liq.quantity, 2.0);
  EXPECT_EQ(out_[0].liq.notional_usd, 5001.0);
  const auto& sol = table_.get(out_[1].instrument);
  EXPECT_FALSE(sol.tracked);
  EXPECT_EQ(sol.asset_view(), "SOL");
  EXPECT_EQ(out_[1].liq.notional_usd, 1500.0);
}

// Verifies an all-market frame whose data is a single object (what Binance actually sends)
// decodes like the array form.
TEST_F(BinanceCodecTest, ForceOrderObjectForm) {
  const std::string frame = R"({"stream":"!forceOrder@arr","data":)" +
                            force_order("ETHUSDT", "BUY", "2500.5", "2", "1700000000001") + "}";
  EXPECT_EQ(decode(frame).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  expect_header(out_[0], EventType::kLiquidation, "ETHUSDT", 1700000000001);
  EXPECT_EQ(out_[0].liq.position, core::Position::kShort);
}

// Verifies a per-symbol forceOrder stream for an untracked symbol is ignored (only the
// all-market stream feeds "_other"), as are its trades and mark prices.
TEST_F(BinanceCodecTest, PerSymbolStreamUntrackedIsIgnored) {
  const std::size_t table_size = table_.size();
  const std::string liq = R"({"stream":"iotxusdt@forceOrder","data":)" +
                          force_order("IOTXUSDT", "SELL", "0.06", "100", "1700000000000") + "}";
  EXPECT_EQ(decode(liq).status, DecodeStatus::kIgnored);
  EXPECT_EQ(decode(replace(kAggTrade, "BTCUSDT", "IOTXUSDT")).status, DecodeStatus::kIgnored);
  EXPECT_EQ(decode(replace(kMarkPrice, "BTCUSDT", "IOTXUSDT")).status, DecodeStatus::kIgnored);
  EXPECT_EQ(decode(replace(kOpenInterest, "BTCUSDT", "IOTXUSDT")).status, DecodeStatus::kIgnored);
  EXPECT_TRUE(out_.empty());
  EXPECT_EQ(table_.size(), table_size);  // no bucket created
}

// Verifies a raw (unwrapped) forceOrder of an untracked symbol goes to "_other" only when the
// codec is configured for all-market liquidations.
TEST_F(BinanceCodecTest, RawForceOrderUntrackedFollowsAllLiquidations) {
  const std::string frame = force_order("IOTXUSDT", "SELL", "0.06", "100", "1700000000000");
  VenueSettings s = binance::default_settings();
  s.all_liquidations = false;
  rebuild(s);
  EXPECT_EQ(decode(frame).status, DecodeStatus::kIgnored);
  EXPECT_TRUE(out_.empty());
  s.all_liquidations = true;
  rebuild(s);
  EXPECT_EQ(decode(frame).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(reported_symbol(table_.get(out_[0].instrument)), "_other");
}

// Verifies normalize mode (no symbols configured): every symbol is accepted and added to the
// table as a tracked instrument with a derived asset, liquidations included.
TEST_F(BinanceCodecTest, NormalizeModeAddsInstruments) {
  VenueSettings s = binance::default_settings();
  s.symbols.clear();
  rebuild(s);
  EXPECT_TRUE(codec_->rest_polls().empty());
  EXPECT_EQ(decode(force_order("1000PEPEUSDT", "SELL", "0.01", "1000", "1700000000000")).status,
            DecodeStatus::kOk);
  EXPECT_EQ(decode(read_fixture("force_order_arr_iotxusdt_real_2021.json")).status,
            DecodeStatus::kOk);
  EXPECT_EQ(decode(replace(kOpenInterest, "BTCUSDT", "BTCUSDT_240628")).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 3u);
  const struct {
    const char* symbol;
    const char* asset;
  } kExpected[] = {{"1000PEPEUSDT", "1000PEPE"}, {"IOTXUSDT", "IOTX"}, {"BTCUSDT_240628", "BTC"}};
  for (std::size_t k = 0; k < 3; ++k) {
    SCOPED_TRACE(kExpected[k].symbol);
    const auto id = id_of(kExpected[k].symbol);
    ASSERT_NE(id, core::kNoInstrument);
    EXPECT_EQ(out_[k].instrument, id);
    const auto& info = table_.get(id);
    EXPECT_TRUE(info.tracked);
    EXPECT_EQ(info.asset_view(), kExpected[k].asset);
    EXPECT_EQ(info.kind, core::ContractKind::kLinear);
    EXPECT_EQ(info.contract_value, 1.0);
  }
  // Seen again: the same instrument, no new table entry.
  const std::size_t size = table_.size();
  EXPECT_EQ(decode(read_fixture("force_order_arr_iotxusdt_real_2021.json")).status,
            DecodeStatus::kOk);
  EXPECT_EQ(out_.back().instrument, id_of("IOTXUSDT"));
  EXPECT_EQ(table_.size(), size);
}

// Verifies make_codec uses instruments already in the table (from metadata) and adds a
// configured symbol that is missing, with a derived linear spec.
TEST(BinanceMakeCodec, ResolvesAndAddsConfiguredSymbols) {
  core::InstrumentTable table;
  core::InstrumentSpec eth;
  eth.venue = core::Venue::kBinance;
  eth.symbol = "ETHUSDT";
  eth.asset = "ETH";
  const auto eth_id = table.add(eth);
  VenueSettings s = binance::default_settings();
  s.symbols = {"ethusdt", "SOLUSDC", "ETHUSDT"};  // lower case and a duplicate
  auto codec = binance::make_codec(s, table);
  EXPECT_EQ(table.find(core::Venue::kBinance, "ETHUSDT"), eth_id);
  const auto sol = table.find(core::Venue::kBinance, "SOLUSDC");
  ASSERT_NE(sol, core::kNoInstrument);
  EXPECT_EQ(table.get(sol).asset_view(), "SOL");
  EXPECT_TRUE(table.get(sol).tracked);
  EXPECT_EQ(table.size(), 2u);
  ASSERT_EQ(codec->rest_polls().size(), 2u);
  EXPECT_EQ(codec->rest_polls()[0].target, "/fapi/v1/openInterest?symbol=ETHUSDT");
  EXPECT_EQ(codec->rest_polls()[1].target, "/fapi/v1/openInterest?symbol=SOLUSDC");

  std::vector<NormalizedEvent> out;
  std::string reply;
  EXPECT_EQ(codec->decode(replace(kAggTrade, "BTCUSDT", "ETHUSDT"), FrameMeta{}, out, reply).status,
            DecodeStatus::kOk);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].instrument, eth_id);
}

// Verifies a configured symbol that cannot be a Binance symbol is a startup error.
TEST(BinanceMakeCodec, RejectsInvalidConfiguredSymbol) {
  core::InstrumentTable table;
  VenueSettings s = binance::default_settings();
  s.symbols = {"BTC USDT"};
  EXPECT_THROW((void)binance::make_codec(s, table), std::invalid_argument);
  s.symbols = {std::string(40, 'A')};
  EXPECT_THROW((void)binance::make_codec(s, table), std::invalid_argument);
}

// Verifies subscription acks are ignored and Binance error bodies are venue errors.
TEST_F(BinanceCodecTest, ControlMessages) {
  struct Case {
    const char* name;
    std::string frame;
    DecodeStatus status;
  };
  const Case cases[] = {
      {"ack", R"({"result":null,"id":1})", DecodeStatus::kIgnored},
      {"list subscriptions", R"({"result":["btcusdt@aggTrade"],"id":3})", DecodeStatus::kIgnored},
      {"rest error", R"({"code":-1121,"msg":"Invalid symbol."})", DecodeStatus::kVenueError},
      {"ws error", R"({"error":{"code":2,"msg":"Invalid request"},"id":1})",
       DecodeStatus::kVenueError},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto r = decode(c.frame);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.channel_label, "control");
    EXPECT_TRUE(out_.empty());
    EXPECT_TRUE(reply_.empty());
  }
}

// Verifies markPrice with funding "" (delivery contracts) and no index: both absent, not
// invented and not an error; a negative funding rate is kept.
TEST_F(BinanceCodecTest, MarkPriceOptionalFields) {
  EXPECT_EQ(decode(replace(kMarkPrice, R"("r":"0.00038167")", R"("r":"")")).status,
            DecodeStatus::kOk);
  EXPECT_EQ(decode(replace(kMarkPrice, R"("i":"11784.62659091",)", "")).status, DecodeStatus::kOk);
  EXPECT_EQ(decode(replace(kMarkPrice, R"("r":"0.00038167")", R"("r":"-0.0001")")).status,
            DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_FALSE(core::present(out_[0].mark.funding_rate));
  EXPECT_EQ(out_[0].mark.index, 11784.62659091);
  EXPECT_FALSE(core::present(out_[1].mark.index));
  EXPECT_EQ(out_[1].mark.funding_rate, 0.00038167);
  EXPECT_EQ(out_[2].mark.funding_rate, -0.0001);
  std::string line;
  append_event_json(line, out_[0], table_);
  EXPECT_EQ(line.find("funding_rate"), std::string::npos);
}

// Verifies the forceOrder fallbacks: p when ap is absent or zero, q when z is absent, E when
// o.T is absent.
TEST_F(BinanceCodecTest, ForceOrderFallbacks) {
  const std::string no_ap = replace(kForceOrder, R"("ap":"9910",)", "");
  const std::string zero_ap = replace(replace(kForceOrder, R"("p":"9910")", R"("p":"9900")"),
                                      R"("ap":"9910")", R"("ap":"0")");
  const std::string no_z =
      replace(replace(kForceOrder, R"("z":"0.014",)", ""), R"("q":"0.014")", R"("q":"0.5")");
  const std::string no_t = replace(replace(kForceOrder, R"(,"T":1568014460893)", ""),
                                   R"("E":1568014460893)", R"("E":1568014460999)");
  ASSERT_EQ(decode(no_ap).status, DecodeStatus::kOk);
  ASSERT_EQ(decode(zero_ap).status, DecodeStatus::kOk);
  ASSERT_EQ(decode(no_z).status, DecodeStatus::kOk);
  ASSERT_EQ(decode(no_t).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 4u);
  EXPECT_EQ(out_[0].liq.price, 9910.0);
  EXPECT_EQ(out_[1].liq.price, 9900.0);
  EXPECT_EQ(out_[2].liq.quantity, 0.5);
  EXPECT_EQ(out_[2].liq.notional_usd, 4955.0);
  EXPECT_EQ(out_[3].exchange_ts_ns, 1568014460999 * kMs);
}

// Verifies decoding is deterministic and appends after existing events without touching them.
TEST_F(BinanceCodecTest, AppendsAndIsDeterministic) {
  ASSERT_EQ(decode(kAggTrade).status, DecodeStatus::kOk);
  ASSERT_EQ(decode(kAggTrade).status, DecodeStatus::kOk);
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_EQ(std::memcmp(&out_[0], &out_[1], sizeof(NormalizedEvent)), 0);
}

// ---------------------------------------------------------------------------------------------
// Malformed input.

// Verifies each malformed variant returns its error status, appends nothing and leaves the
// events already in `out` intact.
TEST_F(BinanceCodecTest, MalformedFramesReturnErrorsAndLeaveOutUnchanged) {
  struct Case {
    const char* name;
    std::string frame;
    DecodeStatus status;
  };
  const std::string good_eth = force_order("ETHUSDT", "BUY", "2500", "1", "1700000000001");
  const Case cases[] = {
      {"empty frame", "", DecodeStatus::kMalformedJson},
      {"whitespace only", " \n", DecodeStatus::kMalformedJson},
      {"binary garbage", std::string("\x00\xff\xfe\x01{\x80", 6), DecodeStatus::kMalformedJson},
      {"not json", "not json", DecodeStatus::kMalformedJson},
      {"truncated in a string", kForceOrder.substr(0, kForceOrder.find("9910") + 2),
       DecodeStatus::kMalformedJson},
      {"truncated outer brace", kForceOrder.substr(0, kForceOrder.size() - 1),
       DecodeStatus::kMalformedJson},
      {"truncated wrapper", R"({"stream":"btcusdt@aggTrade","data":)" + kAggTrade,
       DecodeStatus::kMalformedJson},
      {"trailing garbage", kForceOrder + "}", DecodeStatus::kMalformedJson},
      {"two documents", kAggTrade + kAggTrade, DecodeStatus::kMalformedJson},
      {"valid scalar", "42", DecodeStatus::kUnknownMessage},
      {"empty object", "{}", DecodeStatus::kUnknownMessage},
      {"scalar with trailing bytes", "42 x", DecodeStatus::kMalformedJson},
      {"unknown shape with trailing bytes", R"({"x":1}})", DecodeStatus::kMalformedJson},
      // forceOrder
      {"price as number", replace(kForceOrder, R"("ap":"9910")", R"("ap":9910)"),
       DecodeStatus::kWrongType},
      {"price abc", replace(kForceOrder, R"("ap":"9910")", R"("ap":"abc")"),
       DecodeStatus::kBadNumber},
      {"missing o", R"({"e":"forceOrder","E":1568014460893})", DecodeStatus::kMissingField},
      {"o is a string", R"({"e":"forceOrder","E":1568014460893,"o":"x"})",
       DecodeStatus::kWrongType},
      {"missing S", replace(kForceOrder, R"("S":"SELL",)", ""), DecodeStatus::kMissingField},
      {"S is HOLD", replace(kForceOrder, R"("S":"SELL")", R"("S":"HOLD")"),
       DecodeStatus::kUnknownMessage},
      {"missing symbol", replace(kForceOrder, R"("s":"BTCUSDT",)", ""),
       DecodeStatus::kMissingField},
      {"symbol is a number", replace(kForceOrder, R"("s":"BTCUSDT")", R"("s":1)"),
       DecodeStatus::kWrongType},
      {"negative quantity", replace(kForceOrder, R"("z":"0.014")", R"("z":"-0.014")"),
       DecodeStatus::kBadNumber},
      {"NaN price", replace(kForceOrder, R"("ap":"9910")", R"("ap":"NaN")"),
       DecodeStatus::kBadNumber},
      {"inf price", replace(kForceOrder, R"("ap":"9910")", R"("ap":"inf")"),
       DecodeStatus::kBadNumber},
      {"1e400 quantity", replace(kForceOrder, R"("z":"0.014")", R"("z":"1e400")"),
       DecodeStatus::kBadNumber},
      {"empty price", replace(kForceOrder, R"("ap":"9910")", R"("ap":"")"),
       DecodeStatus::kBadNumber},
      {"leading space", replace(kForceOrder, R"("ap":"9910")", R"("ap":" 9910")"),
       DecodeStatus::kBadNumber},
      {"plus sign", replace(kForceOrder, R"("ap":"9910")", R"("ap":"+9910")"),
       DecodeStatus::kBadNumber},
      {"hex", replace(kForceOrder, R"("ap":"9910")", R"("ap":"0x10")"), DecodeStatus::kBadNumber},
      {"trailing letters", replace(kForceOrder, R"("ap":"9910")", R"("ap":"9910abc")"),
       DecodeStatus::kBadNumber},
      {"unused order price bad", replace(kForceOrder, R"("p":"9910")", R"("p":"x")"),
       DecodeStatus::kBadNumber},
      {"no price at all",
       replace(replace(kForceOrder, R"("p":"9910",)", ""), R"("ap":"9910",)", ""),
       DecodeStatus::kMissingField},
      {"zero price",
       replace(replace(kForceOrder, R"("p":"9910")", R"("p":"0")"), R"("ap":"9910")",
               R"("ap":"0")"),
       DecodeStatus::kBadNumber},
      {"time as string", replace(kForceOrder, R"("T":1568014460893)", R"("T":"1568014460893")"),
       DecodeStatus::kWrongType},
      {"negative time", replace(kForceOrder, R"("T":1568014460893)", R"("T":-5)"),
       DecodeStatus::kBadNumber},
      {"time overflows",
       replace(kForceOrder, R"("T":1568014460893)", R"("T":99999999999999999999)"),
       DecodeStatus::kBadNumber},
      {"time is fractional", replace(kForceOrder, R"("T":1568014460893)", R"("T":1.5)"),
       DecodeStatus::kBadNumber},
      {"e is a number", replace(kForceOrder, R"("e":"forceOrder")", R"("e":5)"),
       DecodeStatus::kWrongType},
      {"unknown event", replace(kForceOrder, R"("e":"forceOrder")", R"("e":"kline")"),
       DecodeStatus::kUnknownMessage},
      // aggTrade
      {"m as string", replace(kAggTrade, R"("m":true)", R"("m":"true")"), DecodeStatus::kWrongType},
      {"missing m", replace(kAggTrade, R"(,"m":true)", ""), DecodeStatus::kMissingField},
      {"missing q", replace(kAggTrade, R"("q":"0.002",)", ""), DecodeStatus::kMissingField},
      {"q as number", replace(kAggTrade, R"("q":"0.002")", R"("q":0.002)"),
       DecodeStatus::kWrongType},
      {"no timestamps",
       replace(replace(kAggTrade, R"("E":1786171884624,)", ""), R"("T":1786171884471,)", ""),
       DecodeStatus::kMissingField},
      // markPriceUpdate
      {"mark empty", replace(kMarkPrice, R"("p":"11794.15000000")", R"("p":"")"),
       DecodeStatus::kBadNumber},
      {"index inf", replace(kMarkPrice, R"("i":"11784.62659091")", R"("i":"inf")"),
       DecodeStatus::kBadNumber},
      {"funding abc", replace(kMarkPrice, R"("r":"0.00038167")", R"("r":"abc")"),
       DecodeStatus::kBadNumber},
      {"funding as number", replace(kMarkPrice, R"("r":"0.00038167")", R"("r":0.1)"),
       DecodeStatus::kWrongType},
      {"mark missing E", replace(kMarkPrice, R"("E":1562305380000,)", ""),
       DecodeStatus::kMissingField},
      // REST open interest
      {"oi negative", replace(kOpenInterest, R"("10659.509")", R"("-1")"),
       DecodeStatus::kBadNumber},
      {"oi as number", replace(kOpenInterest, R"("10659.509")", "10659.509"),
       DecodeStatus::kWrongType},
      {"oi missing time", R"({"symbol":"BTCUSDT","openInterest":"10659.509"})",
       DecodeStatus::kMissingField},
      {"oi missing symbol", R"({"openInterest":"10659.509","time":1589437530011})",
       DecodeStatus::kMissingField},
      // wrapper
      {"data is a number", R"({"stream":"btcusdt@aggTrade","data":5})", DecodeStatus::kWrongType},
      {"stream is a number", R"({"stream":5,"data":)" + kAggTrade + "}", DecodeStatus::kWrongType},
      {"array element not an object", "[1]", DecodeStatus::kWrongType},
      {"bad element after a good one",
       R"({"stream":"!forceOrder@arr","data":[)" + good_eth + "," +
           replace(good_eth, R"("S":"BUY")", R"("S":"HOLD")") + "]}",
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
}

// Verifies every strict prefix of every fixture is malformed JSON and appends nothing.
TEST_F(BinanceCodecTest, EveryTruncationIsMalformed) {
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
// leaves events behind, and whatever decodes carries finite, positive values.
TEST_F(BinanceCodecTest, MutatedFixturesNeverInventValues) {
  VenueSettings all = binance::default_settings();
  all.symbols.clear();
  rebuild(all);
  std::mt19937 rng(20240501);
  std::vector<std::string> frames;
  for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
    frames.push_back(trim(read_fixture(entry.path().filename().string())));
  }
  ASSERT_FALSE(frames.empty());
  const std::string alphabet = "0123456789-+.eE\"{}[],:naxSELLBUY \x01\xff";
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
      ASSERT_GT(e.exchange_ts_ns, 0) << frame;
      switch (e.type) {
        case EventType::kLiquidation:
          ASSERT_TRUE(std::isfinite(e.liq.price) && e.liq.price > 0) << frame;
          ASSERT_TRUE(std::isfinite(e.liq.quantity) && e.liq.quantity > 0) << frame;
          ASSERT_EQ(e.liq.notional_usd, e.liq.price * e.liq.quantity) << frame;
          break;
        case EventType::kTrade:
          ASSERT_TRUE(std::isfinite(e.trade.price) && e.trade.price > 0) << frame;
          ASSERT_TRUE(std::isfinite(e.trade.quantity) && e.trade.quantity > 0) << frame;
          break;
        case EventType::kMarkPrice:
          ASSERT_TRUE(std::isfinite(e.mark.mark) && e.mark.mark > 0) << frame;
          break;
        case EventType::kOpenInterest:
          ASSERT_TRUE(std::isfinite(e.oi.base) && e.oi.base >= 0) << frame;
          break;
        case EventType::kFeedStatus:
          FAIL() << frame;
      }
    }
  }
  // The mutations exercise both outcomes.
  EXPECT_GT(decoded, 100);
  EXPECT_GT(errors, 1000);
}

// ---------------------------------------------------------------------------------------------
// Connection, polling and settings.

// Verifies the default connection: one combined-stream URL, per-symbol aggTrade and 1 s mark
// price, the all-market liquidation stream instead of per-symbol forceOrder, no frames to send.
TEST_F(BinanceCodecTest, WsEndpointsDefault) {
  const auto eps = codec_->ws_endpoints();
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].url,
            "wss://fstream.binance.com/market/stream?streams=btcusdt@aggTrade/"
            "btcusdt@markPrice@1s/ethusdt@aggTrade/ethusdt@markPrice@1s/!forceOrder@arr");
  EXPECT_TRUE(eps[0].subscribe.empty());
}

// Verifies per-symbol forceOrder streams when the all-market stream is off, and the handling
// of a base URL that already names /stream or carries a query.
TEST_F(BinanceCodecTest, WsEndpointsUrlShapes) {
  VenueSettings s = binance::default_settings();
  s.symbols = {"BTCUSDT"};
  s.all_liquidations = false;
  const struct {
    const char* base;
    const char* url;
  } kCases[] = {
      {"wss://fstream.binance.com/market",
       "wss://fstream.binance.com/market/stream?streams=btcusdt@forceOrder/btcusdt@aggTrade/"
       "btcusdt@markPrice@1s"},
      {"wss://127.0.0.1:9443/market/",
       "wss://127.0.0.1:9443/market/stream?streams=btcusdt@forceOrder/btcusdt@aggTrade/"
       "btcusdt@markPrice@1s"},
      {"wss://h/market/stream",
       "wss://h/market/stream?streams=btcusdt@forceOrder/btcusdt@aggTrade/btcusdt@markPrice@1s"},
      {"wss://h/market/stream?streams=",
       "wss://h/market/stream?streams=btcusdt@forceOrder/btcusdt@aggTrade/btcusdt@markPrice@1s"},
      {"wss://h/market/stream?streams=x@bookTicker",
       "wss://h/market/stream?streams=x@bookTicker/btcusdt@forceOrder/btcusdt@aggTrade/"
       "btcusdt@markPrice@1s"},
      {"wss://h/market?timeUnit=MICROSECOND",
       "wss://h/market/stream?timeUnit=MICROSECOND&streams=btcusdt@forceOrder/btcusdt@aggTrade/"
       "btcusdt@markPrice@1s"},
      {"wss://h/ws",
       "wss://h/stream?streams=btcusdt@forceOrder/btcusdt@aggTrade/btcusdt@markPrice@1s"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.base);
    s.ws_url = c.base;
    rebuild(s);
    const auto eps = codec_->ws_endpoints();
    ASSERT_EQ(eps.size(), 1u);
    EXPECT_EQ(eps[0].url, c.url);
  }
}

// Verifies normalize-mode settings subscribe only the all-market stream, and that many symbols
// are split over connections of at most 200 streams, each stream exactly once.
TEST_F(BinanceCodecTest, WsEndpointsEmptyAndSplit) {
  VenueSettings s = binance::default_settings();
  s.symbols.clear();
  rebuild(s);
  auto eps = codec_->ws_endpoints();
  ASSERT_EQ(eps.size(), 1u);
  EXPECT_EQ(eps[0].url, "wss://fstream.binance.com/market/stream?streams=!forceOrder@arr");
  s.all_liquidations = false;
  rebuild(s);
  EXPECT_TRUE(codec_->ws_endpoints().empty());

  s.all_liquidations = true;
  for (int k = 0; k < 150; ++k) s.symbols.push_back("S" + std::to_string(k) + "USDT");
  rebuild(s);
  eps = codec_->ws_endpoints();
  ASSERT_EQ(eps.size(), 2u);  // 301 streams
  std::size_t streams = 0;
  for (const auto& ep : eps) {
    const auto q = ep.url.find("?streams=");
    ASSERT_NE(q, std::string::npos);
    const std::size_t n = 1 + std::count(ep.url.begin() + q, ep.url.end(), '/');
    EXPECT_LE(n, 200u);
    streams += n;
  }
  EXPECT_EQ(streams, 301u);
  EXPECT_NE(eps.back().url.find("!forceOrder@arr"), std::string::npos);
}

// Verifies one open-interest poll per tracked symbol at the configured interval, weight 1.
TEST_F(BinanceCodecTest, RestPolls) {
  VenueSettings s = binance::default_settings();
  s.oi_poll_interval = std::chrono::milliseconds(5000);
  rebuild(s);
  const auto polls = codec_->rest_polls();
  ASSERT_EQ(polls.size(), 2u);
  EXPECT_EQ(polls[0].target, "/fapi/v1/openInterest?symbol=BTCUSDT");
  EXPECT_EQ(polls[1].target, "/fapi/v1/openInterest?symbol=ETHUSDT");
  for (const auto& p : polls) {
    EXPECT_EQ(p.interval, std::chrono::milliseconds(5000));
    EXPECT_EQ(p.weight, 1);
  }
}

// Verifies the venue's connection policy: no client heartbeat, rotation before 24 h, the
// 2400/min REST weight budget and throttled liquidations.
TEST_F(BinanceCodecTest, ConnectionPolicy) {
  EXPECT_EQ(codec_->venue(), core::Venue::kBinance);
  EXPECT_EQ(codec_->heartbeat().kind, Heartbeat::Kind::kNone);
  EXPECT_EQ(codec_->max_connection_age(), std::chrono::seconds(23 * 3600 + 30 * 60));
  EXPECT_EQ(codec_->rest_budget().weight_per_minute, 2400);
  EXPECT_TRUE(codec_->liquidations_available());
  EXPECT_EQ(codec_->liquidation_completeness(), "throttled");
}

// Verifies the default settings of DESIGN §6 and their dispatch through the registry.
TEST(BinanceSettings, Defaults) {
  const VenueSettings s = default_settings(core::Venue::kBinance);
  EXPECT_EQ(s.venue, core::Venue::kBinance);
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.ws_url, "wss://fstream.binance.com/market");
  EXPECT_EQ(s.rest_url, "https://fapi.binance.com");
  EXPECT_EQ(s.symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  EXPECT_TRUE(s.all_liquidations);
  EXPECT_EQ(s.oi_poll_interval, std::chrono::seconds(2));
  EXPECT_EQ(s.silence_timeout, std::chrono::seconds(30));
  core::InstrumentTable table;
  auto codec = make_codec(s, table);
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->venue(), core::Venue::kBinance);
}

// ---------------------------------------------------------------------------------------------
// Metadata.

// Verifies exchangeInfo parsing: one linear spec per well-formed symbols[] entry (any contract
// type or status), base asset normalized, malformed entries skipped.
TEST(BinanceMetadata, ParsesExchangeInfo) {
  EXPECT_EQ(metadata_targets(core::Venue::kBinance),
            (std::vector<std::string>{"/fapi/v1/exchangeInfo"}));
  const std::string body = R"({"timezone":"UTC","serverTime":1700000000000,
    "rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","limit":2400}],
    "symbols":[
      {"symbol":"BTCUSDT","pair":"BTCUSDT","contractType":"PERPETUAL","status":"TRADING",
       "baseAsset":"BTC","quoteAsset":"USDT","filters":[{"filterType":"PRICE_FILTER"}]},
      {"symbol":"ETHUSDT_240628","contractType":"CURRENT_QUARTER","status":"SETTLING",
       "baseAsset":"ETH","quoteAsset":"USDT"},
      {"symbol":"XBTUSD","contractType":"PERPETUAL","baseAsset":"xbt"},
      {"symbol":42,"baseAsset":"BAD"},
      {"symbol":"NOBASEUSDT"},
      "not an object",
      {"baseAsset":"NOSYMBOL"}
    ]})";
  std::vector<core::InstrumentSpec> specs;
  ASSERT_EQ(parse_metadata(core::Venue::kBinance, 0, body, specs), DecodeStatus::kOk);
  ASSERT_EQ(specs.size(), 3u);
  const struct {
    const char* symbol;
    const char* asset;
  } kExpected[] = {{"BTCUSDT", "BTC"}, {"ETHUSDT_240628", "ETH"}, {"XBTUSD", "BTC"}};
  for (std::size_t k = 0; k < specs.size(); ++k) {
    SCOPED_TRACE(kExpected[k].symbol);
    EXPECT_EQ(specs[k].venue, core::Venue::kBinance);
    EXPECT_EQ(specs[k].symbol, kExpected[k].symbol);
    EXPECT_EQ(specs[k].asset, kExpected[k].asset);
    EXPECT_EQ(specs[k].kind, core::ContractKind::kLinear);
    EXPECT_EQ(specs[k].contract_value, 1.0);
    EXPECT_TRUE(specs[k].tracked);
  }
}

// Verifies bad exchangeInfo bodies return their status and append nothing.
TEST(BinanceMetadata, RejectsBadBodies) {
  struct Case {
    const char* name;
    std::size_t target;
    std::string body;
    DecodeStatus status;
  };
  const Case cases[] = {
      {"empty", 0, "", DecodeStatus::kMalformedJson},
      {"garbage", 0, "<html>502 Bad Gateway</html>", DecodeStatus::kMalformedJson},
      {"truncated", 0, R"({"symbols":[{"symbol":"BTCUSDT","baseAsset":"BTC"})",
       DecodeStatus::kMalformedJson},
      {"no symbols", 0, R"({"timezone":"UTC"})", DecodeStatus::kMissingField},
      {"symbols not an array", 0, R"({"symbols":{}})", DecodeStatus::kWrongType},
      {"venue error", 0, R"({"code":-1003,"msg":"Too many requests."})", DecodeStatus::kVenueError},
      {"array root", 0, "[]", DecodeStatus::kUnknownMessage},
      {"unknown target", 1, R"({"symbols":[]})", DecodeStatus::kUnknownMessage},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<core::InstrumentSpec> specs(1);
    specs[0].symbol = "KEEP";
    EXPECT_EQ(binance::parse_metadata(c.target, c.body, specs), c.status);
    ASSERT_EQ(specs.size(), 1u);
    EXPECT_EQ(specs[0].symbol, "KEEP");
  }
}

// Verifies the bundled fallback covers the default symbols and a few majors, all linear with
// contract value 1, and that a codec built on it resolves the defaults without adding any.
TEST(BinanceMetadata, BundledInstruments) {
  const auto specs = bundled_instruments(core::Venue::kBinance);
  std::set<std::pair<std::string, std::string>> got;
  for (const auto& s : specs) {
    EXPECT_EQ(s.venue, core::Venue::kBinance);
    EXPECT_EQ(s.kind, core::ContractKind::kLinear);
    EXPECT_EQ(s.contract_value, 1.0);
    got.emplace(s.symbol, s.asset);
  }
  const std::set<std::pair<std::string, std::string>> want = {
      {"BTCUSDT", "BTC"}, {"ETHUSDT", "ETH"},   {"SOLUSDT", "SOL"},
      {"XRPUSDT", "XRP"}, {"DOGEUSDT", "DOGE"}, {"BNBUSDT", "BNB"}};
  EXPECT_EQ(got, want);

  core::InstrumentTable table;
  for (const auto& s : specs) ASSERT_NE(table.add(s), core::kNoInstrument);
  const std::size_t size = table.size();
  auto codec = binance::make_codec(binance::default_settings(), table);
  EXPECT_EQ(table.size(), size);
}

}  // namespace
}  // namespace levdyn::venues
