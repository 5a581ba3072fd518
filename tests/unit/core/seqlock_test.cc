// Tests for core::Seqlock and core::SeqlockRing: consistency under a concurrent writer.
#include "core/seqlock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace levdyn::core {
namespace {

struct Wide {
  std::uint64_t a[32];
};

// Verifies a reader never observes a torn value while a writer updates continuously.
TEST(SeqlockTest, NoTornReads) {
  Seqlock<Wide> lock;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    Wide w{};
    for (std::uint64_t v = 1; !stop.load(std::memory_order_relaxed); ++v) {
      for (auto& x : w.a) x = v;
      lock.store(w);
    }
  });
  std::uint64_t torn = 0, reads = 0, last = 0;
  while (reads < 200'000) {
    const Wide w = lock.load();
    for (auto x : w.a) torn += (x != w.a[0]);
    EXPECT_GE(w.a[0], last);  // never goes back in time
    last = w.a[0];
    ++reads;
  }
  stop = true;
  writer.join();
  EXPECT_EQ(torn, 0u);
  EXPECT_GT(lock.version(), 0u);
}

// Verifies the ring returns items by sequence and reports overwritten ones as gone.
TEST(SeqlockRingTest, ReadBySequence) {
  SeqlockRing<int, 4> ring;
  int out = 0;
  EXPECT_FALSE(ring.read(0, out));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(ring.push(i * 10), static_cast<std::uint64_t>(i));
  EXPECT_EQ(ring.head(), 6u);
  EXPECT_FALSE(ring.read(1, out));  // overwritten by item 5
  ASSERT_TRUE(ring.read(5, out));
  EXPECT_EQ(out, 50);
  ASSERT_TRUE(ring.read(2, out));
  EXPECT_EQ(out, 20);
  EXPECT_FALSE(ring.read(6, out));  // not yet written
}

}  // namespace
}  // namespace levdyn::core
