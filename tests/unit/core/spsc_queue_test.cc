// Tests for core::SpscQueue: semantics and a two-thread checksum stress test (also run under
// TSan by `make test-tsan`).
#include "core/spsc_queue.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <thread>

#include "core/events.h"

namespace levdyn::core {
namespace {

// Verifies capacity rounds up to a power of two and full/empty are reported exactly.
TEST(SpscQueueTest, FullAndEmpty) {
  SpscQueue<std::uint64_t> q(3);
  EXPECT_EQ(q.capacity(), 4u);
  EXPECT_EQ(q.front(), nullptr);
  for (std::uint64_t i = 0; i < 4; ++i) EXPECT_TRUE(q.try_push(i));
  EXPECT_FALSE(q.try_push(99));  // full: the caller keeps the item
  EXPECT_EQ(q.size(), 4u);
  for (std::uint64_t i = 0; i < 4; ++i) {
    ASSERT_NE(q.front(), nullptr);
    EXPECT_EQ(*q.front(), i);
    q.pop();
  }
  EXPECT_EQ(q.front(), nullptr);
  EXPECT_TRUE(q.empty());
}

// Verifies a zero capacity is rejected at construction.
TEST(SpscQueueTest, ZeroCapacityThrows) {
  EXPECT_THROW(SpscQueue<int>(0), std::invalid_argument);
}

// Verifies that, with one producer and one consumer on two threads, every item arrives once
// and in order (order-sensitive checksum).
TEST(SpscQueueTest, TwoThreadChecksum) {
  constexpr std::uint64_t kItems = 2'000'000;
  SpscQueue<NormalizedEvent> q(1024);
  std::uint64_t expected = 0;
  for (std::uint64_t i = 0; i < kItems; ++i) expected = expected * 31 + i;

  std::thread producer([&] {
    for (std::uint64_t i = 0; i < kItems; ++i) {
      NormalizedEvent e = make_event(EventType::kTrade, Venue::kBinance, 0,
                                     static_cast<std::int64_t>(i), 0, 0);
      while (!q.try_push(e)) std::this_thread::yield();
    }
  });
  std::uint64_t sum = 0, n = 0;
  while (n < kItems) {
    const NormalizedEvent* e = q.front();
    if (e == nullptr) {
      std::this_thread::yield();
      continue;
    }
    ASSERT_EQ(static_cast<std::uint64_t>(e->exchange_ts_ns), n);
    sum = sum * 31 + static_cast<std::uint64_t>(e->exchange_ts_ns);
    q.pop();
    ++n;
  }
  producer.join();
  EXPECT_EQ(sum, expected);
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace levdyn::core
