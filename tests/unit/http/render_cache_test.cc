// The HTTP thread's render cache (service/http/render_cache.h) through route_request: a cached
// body is byte-for-byte what an uncached request renders, a new publication is reflected on the
// next request, and different routes, assets, instruments and ?window= values never share a body.

#include "service/http/render_cache.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>

#include "core/instrument_table.h"
#include "core/published_state.h"
#include "service/feed/feed_stats.h"
#include "service/http/router.h"
#include "service/venues/metadata.h"

namespace levdyn::http {
namespace {

constexpr std::int64_t kNow = 1'700'000'000'000'000'000;
constexpr std::int64_t kMinute = 60'000'000'000;

class RenderCacheTest : public ::testing::Test {
 protected:
  RenderCacheTest() {
    for (const auto& spec : venues::bundled_instruments(core::Venue::kBinance)) table_.add(spec);
    state_ = std::make_unique<core::PublishedState>(table_, 2, windows_);
    ctx_.state = state_.get();
    ctx_.feeds = &feeds_;
    btc_ = table_.find_asset("BTC");
    eth_ = table_.find_asset("ETH");
    btcusdt_ = table_.find(core::Venue::kBinance, "BTCUSDT");
    ethusdt_ = table_.find(core::Venue::kBinance, "ETHUSDT");
    publish_asset(btc_, 1e9, kNow);
    publish_asset(eth_, 5e8, kNow);
    publish_instrument(btcusdt_, 4e8, kNow);
    publish_instrument(ethusdt_, 2e8, kNow);
    state_->end_round(kNow);
  }

  void publish_asset(core::AssetId id, double oi_usd, std::int64_t as_of) {
    core::AssetMetrics a;
    std::memset(static_cast<void*>(&a), 0, sizeof a);
    a.asset = id;
    a.window_count = 2;
    a.has_data = true;
    a.as_of_ns = as_of;
    a.oi_usd = oi_usd;
    for (int i = 0; i < 2; ++i) {
      a.windows[i].window_ns = windows_[i];
      a.windows[i].oi_change_usd = oi_usd / (10.0 * (i + 1));
    }
    state_->publish_asset(a);
  }

  void publish_instrument(core::InstrumentId id, double oi_usd, std::int64_t as_of) {
    core::InstrumentMetrics m;
    std::memset(static_cast<void*>(&m), 0, sizeof m);
    m.instrument = id;
    m.window_count = 2;
    m.has_data = true;
    m.as_of_ns = as_of;
    m.oi_usd = oi_usd;
    m.mark = 50'000;
    for (int i = 0; i < 2; ++i) {
      m.windows[i].window_ns = windows_[i];
      m.windows[i].volume_usd = oi_usd / (100.0 * (i + 1));
    }
    state_->publish_instrument(m);
  }

  /// The body as the HTTP thread serves it (cached), checked against an uncached rendering.
  std::string get(const std::string& target) {
    const ApiResponse cached = route_request("GET", target, ctx_, &cache_);
    const ApiResponse fresh = route_request("GET", target, ctx_);
    EXPECT_EQ(cached.status, 200) << target;
    EXPECT_EQ(cached.route, fresh.route) << target;
    EXPECT_EQ(cached.body_view(), fresh.body) << target;
    EXPECT_TRUE(fresh.shared_body == nullptr) << "no cache given, nothing shared";
    return std::string(cached.body_view());
  }

  core::InstrumentTable table_;
  std::int64_t windows_[2] = {kMinute, 5 * kMinute};
  std::unique_ptr<core::PublishedState> state_;
  feed::FeedStats feeds_;
  ApiContext ctx_;
  RenderCache cache_;
  core::AssetId btc_{}, eth_{};
  core::InstrumentId btcusdt_{}, ethusdt_{};
};

TEST_F(RenderCacheTest, ReusesTheBodyUntilANewPublication) {
  const std::string first = get("/v1/assets/BTC");
  EXPECT_EQ(cache_.renders(), 1u);
  EXPECT_EQ(get("/v1/assets/BTC"), first);
  EXPECT_EQ(get("/v1/assets/btc"), first);  // the same asset, the same entry
  EXPECT_EQ(cache_.renders(), 1u);
  EXPECT_EQ(cache_.hits(), 2u);

  publish_asset(btc_, 2e9, kNow + kMinute);
  state_->end_round(kNow + kMinute);
  const std::string second = get("/v1/assets/BTC");
  EXPECT_NE(second, first);
  EXPECT_NE(second.find("\"oi_usd\":2e+09"), std::string::npos) << second;
  EXPECT_EQ(cache_.renders(), 2u);
}

TEST_F(RenderCacheTest, InstrumentBodiesFollowTheirOwnPublications) {
  const std::string first = get("/v1/instruments/binance/BTCUSDT");
  EXPECT_EQ(get("/v1/instruments/binance/BTCUSDT"), first);
  EXPECT_EQ(cache_.hits(), 1u);

  // Another instrument's publication leaves this body valid.
  publish_instrument(ethusdt_, 3e8, kNow + 1);
  state_->end_round(kNow + 1);
  EXPECT_EQ(get("/v1/instruments/binance/BTCUSDT"), first);
  EXPECT_EQ(cache_.hits(), 2u);

  publish_instrument(btcusdt_, 4.5e8, kNow + 2);
  state_->end_round(kNow + 2);
  const std::string second = get("/v1/instruments/binance/BTCUSDT");
  EXPECT_NE(second, first);
  EXPECT_NE(second.find("\"oi_usd\":4.5e+08"), std::string::npos) << second;
}

TEST_F(RenderCacheTest, RoutesAssetsAndWindowsNeverShareABody) {
  const std::string targets[] = {
      "/v1/assets/BTC",           "/v1/assets/BTC?window=1m",
      "/v1/assets/BTC?window=5m", "/v1/assets/ETH",
      "/v1/assets/ETH?window=1m", "/v1/instruments/binance/BTCUSDT",
      "/v1/instruments/binance/BTCUSDT?window=5m", "/v1/instruments/binance/ETHUSDT",
  };
  std::vector<std::string> bodies;
  for (int round = 0; round < 2; ++round) {  // the second round is answered from the cache
    for (std::size_t i = 0; i < std::size(targets); ++i) {
      const std::string body = get(targets[i]);
      if (round == 0) {
        bodies.push_back(body);
      } else {
        EXPECT_EQ(body, bodies[i]) << targets[i];
      }
    }
  }
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    for (std::size_t j = i + 1; j < bodies.size(); ++j) {
      EXPECT_NE(bodies[i], bodies[j]) << targets[i] << " vs " << targets[j];
    }
  }
  EXPECT_EQ(cache_.renders(), std::size(targets));
  EXPECT_EQ(cache_.hits(), std::size(targets));
}

TEST_F(RenderCacheTest, AnActiveCascadeIsRenderedUpToTheLatestRound) {
  // An active episode's duration_s runs to PublishedState::as_of_ns(): a new round with the
  // asset's own values unchanged still changes the body.
  core::AssetMetrics a;
  ASSERT_TRUE(state_->asset(btc_, a));
  a.cascade_active = true;
  a.cascade.id = 7;
  a.cascade.asset = btc_;
  a.cascade.active = true;
  a.cascade.start_ns = kNow - 10'000'000'000;
  state_->publish_asset(a);
  state_->end_round(kNow);
  const std::string first = get("/v1/assets/BTC");
  EXPECT_NE(first.find("\"duration_s\":10"), std::string::npos) << first;
  EXPECT_EQ(get("/v1/assets/BTC"), first);
  EXPECT_EQ(cache_.hits(), 1u);

  state_->end_round(kNow + 5'000'000'000);
  const std::string later = get("/v1/assets/BTC");
  EXPECT_NE(later.find("\"duration_s\":15"), std::string::npos) << later;
}

TEST_F(RenderCacheTest, ErrorsAndOtherRoutesAreNotCached) {
  const ApiResponse missing = route_request("GET", "/v1/assets/NOPE", ctx_, &cache_);
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.shared_body == nullptr);
  const ApiResponse bad = route_request("GET", "/v1/assets/BTC?window=7m", ctx_, &cache_);
  EXPECT_EQ(bad.status, 400);
  const ApiResponse list = route_request("GET", "/v1/assets", ctx_, &cache_);
  EXPECT_EQ(list.status, 200);
  EXPECT_TRUE(list.shared_body == nullptr);
  EXPECT_EQ(cache_.renders(), 0u);
}

}  // namespace
}  // namespace levdyn::http
