// Parker: a feed thread's push followed by unpark() always wakes an engine that parked after
// seeing the ring empty.

#include "service/feed/parker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "core/spsc_queue.h"

namespace levdyn::feed {
namespace {

// Ping-pong: the producer pushes one item and waits for the consumer's acknowledgement, so the
// consumer finds the ring empty and parks before nearly every item. Parks have a 2 s timeout;
// a lost wake-up is a park that ran it out, which the consumer counts.
void ping_pong(Parker& parker, std::uint64_t items) {
  core::SpscQueue<std::uint64_t> ring(64);
  std::atomic<std::uint64_t> acked{0};
  std::uint64_t timeouts = 0, parks = 0;

  std::thread consumer([&] {
    std::uint64_t next = 0;
    while (next < items) {
      if (const std::uint64_t* v = ring.front()) {
        ASSERT_EQ(*v, next);
        ring.pop();
        ++next;
        acked.store(next, std::memory_order_release);
        continue;
      }
      ++parks;
      if (!parker.park(std::chrono::seconds(2), [&] { return ring.front() == nullptr; })) {
        ++timeouts;
      }
    }
  });
  for (std::uint64_t i = 0; i < items; ++i) {
    while (!ring.try_push(i)) std::this_thread::yield();
    parker.unpark();
    while (acked.load(std::memory_order_acquire) <= i) __builtin_ia32_pause();
  }
  consumer.join();
  EXPECT_EQ(timeouts, 0u) << "lost wake-ups in " << parks << " parks";
  EXPECT_GT(parks, 0u);
}

// Verifies no wake-up is lost between a feed thread's push + unpark() and an engine that saw
// the ring empty and parks.
TEST(ParkerTest, LosesNoWakeUp) {
  Parker parker;
  ping_pong(parker, 20'000);
}

// Verifies a park with nothing to wake it returns after its timeout and says so.
TEST(ParkerTest, ParkTimesOutWithoutUnpark) {
  Parker parker;
  EXPECT_FALSE(parker.park(std::chrono::milliseconds(5), [] { return true; }));
  // A park whose re-check finds work does not wait at all.
  EXPECT_TRUE(parker.park(std::chrono::seconds(10), [] { return false; }));
}

}  // namespace
}  // namespace levdyn::feed
