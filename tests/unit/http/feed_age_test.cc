// A venue's last-message age as /v1/feeds and /metrics show it: null/absent before the first
// frame, the elapsed time after it, and 0 (never negative) when the feed thread stored a frame's
// time after the reader took its clock reading.

#include <gtest/gtest.h>

#include <string>

#include "service/feed/feed_stats.h"
#include "service/http/api_json.h"

namespace levdyn::feed {
namespace {

TEST(FeedStats, LastMessageAgeIsNeverNegative) {
  VenueFeedStats v;
  EXPECT_EQ(v.last_message_age_ns(5'000), -1);  // no frame yet
  v.last_message_steady_ns.store(2'000);
  EXPECT_EQ(v.last_message_age_ns(5'000), 3'000);
  EXPECT_EQ(v.last_message_age_ns(2'000), 0);
  // The reader read its clock at 1'000; the feed thread then stored a frame at 2'000.
  EXPECT_EQ(v.last_message_age_ns(1'000), 0);
}

TEST(FeedStats, FeedsBodyShowsAZeroAgeForAFrameNewerThanTheReader) {
  VenueFeedStats v;
  v.venue = core::Venue::kDeribit;
  std::string body;
  http::append_feed(body, v, 1'000'000'000);
  EXPECT_NE(body.find("\"last_message_age_s\":null"), std::string::npos) << body;

  v.last_message_steady_ns.store(1'000'071'896);  // 71.896 µs after the reader's clock reading
  body.clear();
  http::append_feed(body, v, 1'000'000'000);
  EXPECT_NE(body.find("\"last_message_age_s\":0,"), std::string::npos) << body;

  v.last_message_steady_ns.store(500'000'000);
  body.clear();
  http::append_feed(body, v, 1'000'000'000);
  EXPECT_NE(body.find("\"last_message_age_s\":0.5,"), std::string::npos) << body;
}

}  // namespace
}  // namespace levdyn::feed
