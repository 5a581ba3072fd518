// Tests for core::Seqlock and core::SeqlockRing: consistency under a concurrent writer.
#include "core/seqlock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
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
  // Read only once the writer runs, and until 200 k reads have seen at least 10 of
  // its stores: on a loaded machine the reads alone can end before the writer is scheduled.
  // The deadline keeps a starved writer from hanging the test (it then fails below).
  while (lock.version() == 0) std::this_thread::yield();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::uint64_t torn = 0, reads = 0, last = 0, changes = 0;
  while (reads < 200'000 || changes < 10) {
    const Wide w = lock.load();
    for (auto x : w.a) torn += (x != w.a[0]);
    EXPECT_GE(w.a[0], last);  // never goes back in time
    changes += (w.a[0] != last);
    last = w.a[0];
    ++reads;
    if (reads % 1024 == 0 && std::chrono::steady_clock::now() > deadline) break;
  }
  stop = true;
  writer.join();
  EXPECT_EQ(torn, 0u);
  EXPECT_GE(changes, 10u) << "the reads did not overlap the writer's stores";
}

// Verifies a prefix store writes only the value's first bytes (rounded up to words) and keeps
// the tail of the previous store, including a value whose size is not a multiple of 8.
TEST(SeqlockTest, PrefixStoreKeepsTheTail) {
  Seqlock<Wide> lock;
  Wide w{};
  for (auto& x : w.a) x = 7;
  lock.store(w);
  for (auto& x : w.a) x = 9;
  lock.store(w, 10 * sizeof(std::uint64_t) + 1);  // 10 words and one byte: 11 words
  const Wide r = lock.load();
  for (int i = 0; i < 11; ++i) EXPECT_EQ(r.a[i], 9u) << i;
  for (int i = 11; i < 32; ++i) EXPECT_EQ(r.a[i], 7u) << i;
  EXPECT_EQ(lock.version(), 2u);

  struct Odd {
    std::uint64_t a;
    char tail[5];
  };
  Seqlock<Odd> odd;
  odd.store(Odd{1, {'a', 'b', 'c', 'd', 'e'}});
  const Odd o = odd.load();
  EXPECT_EQ(o.a, 1u);
  EXPECT_EQ(std::string(o.tail, 5), "abcde");
  odd.store(Odd{2, {'v', 'w', 'x', 'y', 'z'}}, 8);  // the first word only
  const Odd p = odd.load();
  EXPECT_EQ(p.a, 2u);
  EXPECT_EQ(std::string(p.tail, 5), "abcde");
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
