// Tests the generic feed session (service/feed) with the Binance codec against a WebSocket
// server that is not ours: Debian's python3-websockets over TLS on 127.0.0.1, replaying the
// Binance fixture frames.
#include "service/feed/ws_session.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "core/instrument_table.h"
#include "service/feed/feed_thread.h"
#include "service/venues/binance.h"
#include "tests/support/child_process.h"

namespace levdyn::feed {
namespace {

using namespace std::chrono_literals;

class WsSessionPeerTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(test::make_test_cert(dir_.file("cert.pem"), dir_.file("key.pem")));
    std::ofstream frames(dir_.file("frames.txt"));
    std::vector<std::string> files;
    for (const auto& f : std::filesystem::directory_iterator(LEVDYN_SHARED_DIR "/fixtures/binance")) {
      files.push_back(f.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string body = test::read_file(f);
      while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
      if (body.find("openInterest") != std::string::npos) continue;  // REST bodies, not WS
      frames << body << '\n';
    }
  }

  // Starts the peer in `mode`; returns its port.
  int start_peer(const std::string& mode) {
    peer_ = std::make_unique<test::ChildProcess>(
        std::vector<std::string>{"/usr/bin/python3", LEVDYN_SOURCE_DIR "/tests/peers/ws_replay_server.py",
                                 "--cert", dir_.file("cert.pem"), "--key", dir_.file("key.pem"),
                                 "--frames", dir_.file("frames.txt"), "--mode", mode},
        dir_.file("peer.log"));
    const std::string line = peer_->read_line(10s);
    EXPECT_EQ(line.rfind("PORT ", 0), 0u) << "peer did not start: " << line;
    return line.size() > 5 ? std::stoi(line.substr(5)) : 0;
  }

  void start_feed(int port, std::chrono::milliseconds silence) {
    core::InstrumentSpec btc;
    btc.venue = core::Venue::kBinance;
    btc.symbol = "BTCUSDT";
    btc.asset = "BTC";
    table_.add(btc);
    venues::VenueSettings s = venues::binance::default_settings();
    s.symbols = {"BTCUSDT"};
    s.ws_url = "wss://127.0.0.1:" + std::to_string(port) + "/market";
    s.rest_url = "https://127.0.0.1:" + std::to_string(port);  // answers no REST: counted errors
    s.oi_poll_interval = 1h;
    s.silence_timeout = silence;
    FeedTuning tuning;
    tuning.backoff_initial = 50ms;
    tuning.backoff_max = 200ms;
    feed_ = std::make_unique<FeedThread>(1024, stats_, TlsSettings{true, dir_.file("cert.pem")},
                                         tuning);
    feed_->add_venue(venues::binance::make_codec(s, table_), s);
    feed_->start();
  }

  // Drains the ring until `pred` holds or the deadline passes.
  template <typename Pred>
  bool drain_until(Pred pred, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      while (const core::NormalizedEvent* e = feed_->ring().front()) {
        events_.push_back(*e);
        feed_->ring().pop();
      }
      if (pred()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  std::size_t count(core::EventType t) const {
    return static_cast<std::size_t>(std::count_if(
        events_.begin(), events_.end(), [t](const auto& e) { return e.type == t; }));
  }
  std::uint64_t reconnects(core::FeedReason r) const {
    return stats_.of(core::Venue::kBinance).reconnects[static_cast<int>(r)].load();
  }

  test::TempDir dir_;
  std::unique_ptr<test::ChildProcess> peer_;
  core::InstrumentTable table_;
  FeedStats stats_;
  std::unique_ptr<FeedThread> feed_;
  std::vector<core::NormalizedEvent> events_;
};

// Verifies the session connects over verified TLS to a foreign server, subscribes through the
// combined-stream URL, decodes every fixture frame into the expected events exactly once, and
// keeps a quiet channel alive with pings instead of reconnecting.
TEST_F(WsSessionPeerTest, ReplaysFixturesAndKeepsQuietChannelAlive) {
  const int port = start_peer("replay");
  start_feed(port, 400ms);
  // Fixtures: 2 liquidations (BTCUSDT, IOTXUSDT -> _other), 1 tracked aggTrade (CTKUSDT is
  // untracked), 2 mark prices, plus the feed-up status.
  ASSERT_TRUE(drain_until([&] { return count(core::EventType::kMarkPrice) == 2 &&
                                        count(core::EventType::kLiquidation) == 2 &&
                                        count(core::EventType::kTrade) == 1; },
                          10s));
  ASSERT_EQ(events_.front().type, core::EventType::kFeedStatus);
  EXPECT_TRUE(events_.front().status.up);
  for (const auto& e : events_) {
    if (e.type != core::EventType::kLiquidation) continue;
    const auto& info = table_.get(e.instrument);
    if (info.tracked) {
      EXPECT_EQ(info.symbol_view(), "BTCUSDT");
      EXPECT_EQ(e.liq.position, core::Position::kLong);  // SELL order => long liquidated
      EXPECT_DOUBLE_EQ(e.liq.price, 9910);
    } else {
      EXPECT_EQ(info.asset_view(), "IOTX");
    }
  }
  // Silence for several silence timeouts: the peer answers our pings, so no reconnect.
  std::this_thread::sleep_for(1500ms);
  drain_until([] { return false; }, 10ms);
  EXPECT_EQ(stats_.of(core::Venue::kBinance).reconnects_total(), 0u);
  EXPECT_GE(stats_.of(core::Venue::kBinance).pings_sent.load(), 1u);
  EXPECT_TRUE(stats_.of(core::Venue::kBinance).connected());
  EXPECT_EQ(count(core::EventType::kLiquidation), 2u);  // nothing doubled
  EXPECT_EQ(stats_.of(core::Venue::kBinance).decode_errors_total(), 0u);
  const std::string log = test::read_file(dir_.file("peer.log"));
  EXPECT_NE(log.find("/market/stream?streams=btcusdt@aggTrade/btcusdt@markPrice@1s"),
            std::string::npos)
      << log;
  feed_->stop();
}

// Verifies a close frame from the peer is counted under closed_by_peer, the feed reconnects
// with backoff, each connection's frames arrive exactly once, and down/up transitions reach
// the engine as FeedStatus events.
TEST_F(WsSessionPeerTest, ReconnectsAfterCloseFrame) {
  const int port = start_peer("close-after");
  start_feed(port, 5s);
  ASSERT_TRUE(drain_until([&] { return reconnects(core::FeedReason::kClosedByPeer) >= 3; }, 15s));
  feed_->stop();
  drain_until([] { return false; }, 10ms);
  std::size_t ups = 0, downs = 0;
  for (const auto& e : events_) {
    if (e.type == core::EventType::kFeedStatus) (e.status.up ? ups : downs)++;
  }
  EXPECT_GE(ups, 3u);
  EXPECT_GE(downs, ups - 1);
  // Every connection replays the same 2 liquidations: exactly 2 per completed connection.
  std::size_t liq = count(core::EventType::kLiquidation);
  EXPECT_EQ(liq % 2, 0u);
  EXPECT_GE(liq, 2 * (ups - 1));
}

// Verifies an abrupt TCP reset is counted as a read error and followed by a reconnect.
TEST_F(WsSessionPeerTest, ReconnectsAfterReset) {
  const int port = start_peer("reset-after");
  start_feed(port, 5s);
  ASSERT_TRUE(drain_until([&] { return reconnects(core::FeedReason::kReadError) +
                                           reconnects(core::FeedReason::kClosedByPeer) >= 2 &&
                                       count(core::EventType::kFeedStatus) >= 4; },
                          15s));
  feed_->stop();
}

// Verifies a peer that stops answering pings is declared dead by the silence watchdog.
TEST_F(WsSessionPeerTest, SilentPeerIsReconnected) {
  const int port = start_peer("no-pong");
  start_feed(port, 300ms);
  ASSERT_TRUE(drain_until([&] { return reconnects(core::FeedReason::kSilence) >= 1; }, 15s));
  EXPECT_GE(stats_.of(core::Venue::kBinance).pings_sent.load(), 1u);
  feed_->stop();
}

// Verifies the reconnect delay doubles up to the maximum and stays within [d/2, d].
TEST(WsSessionBackoffTest, ExponentialWithJitter) {
  FeedTuning t;
  t.backoff_initial = 100ms;
  t.backoff_max = 1000ms;
  std::mt19937_64 rng(42);
  const std::int64_t expect_max[] = {100, 200, 400, 800, 1000, 1000};
  for (int attempt = 0; attempt < 6; ++attempt) {
    for (int i = 0; i < 50; ++i) {
      const auto d = WsSession::backoff_delay(t, attempt, rng).count();
      EXPECT_GE(d, expect_max[attempt] / 2);
      EXPECT_LE(d, expect_max[attempt]);
    }
  }
}

}  // namespace
}  // namespace levdyn::feed
