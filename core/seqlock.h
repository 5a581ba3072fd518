#pragma once

// A single-writer seqlock for trivially copyable values, after rigtorp's Seqlock. Readers never
// block the writer: a write is two counter stores around a word copy, and a reader that
// overlaps a write retries.
//
// The value is stored as an array of relaxed std::atomic<uint64_t> words rather than a plain T,
// so concurrent reads and writes are not a data race in the C++ memory model (and TSan agrees);
// on x86-64 a relaxed atomic load/store compiles to a plain mov, so it costs nothing.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

namespace levdyn::core {

template <typename T>
class Seqlock {
  static_assert(std::is_trivially_copyable_v<T>, "Seqlock holds trivially copyable values");
  static constexpr std::size_t kWords = (sizeof(T) + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t);

 public:
  Seqlock() noexcept {
    for (auto& w : words_) w.store(0, std::memory_order_relaxed);
  }
  Seqlock(const Seqlock&) = delete;
  Seqlock& operator=(const Seqlock&) = delete;

  /// Single writer only. With `bytes` < sizeof(T) only the value's first `bytes` (rounded up
  /// to whole words) are written; the rest keeps what earlier stores wrote — for values whose
  /// tail is unused (e.g. window slots beyond the configured windows), so a write copies only
  /// what changes. The first store of a slot should be a full one.
  void store(const T& value, std::size_t bytes = sizeof(T)) noexcept {
    constexpr std::size_t kFullWords = sizeof(T) / sizeof(std::uint64_t);
    const std::size_t words = std::min(kWords, (bytes + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t));
    const auto* src = reinterpret_cast<const unsigned char*>(&value);
    const std::uint64_t seq = seq_.load(std::memory_order_relaxed);
    seq_.store(seq + 1, std::memory_order_relaxed);  // odd: write in progress
    // Each data store is a release, which orders the odd counter before it (Boehm, "Can
    // seqlocks get along with programming language memory models?", 2012). No fence: TSan does
    // not model fences, and on x86-64 a release store is still a plain mov.
    for (std::size_t i = 0; i < std::min(words, kFullWords); ++i) {
      std::uint64_t w;
      std::memcpy(&w, src + i * sizeof(std::uint64_t), sizeof(w));
      words_[i].store(w, std::memory_order_release);
    }
    if (words > kFullWords) {  // a last partial word: zero-padded
      std::uint64_t w = 0;
      std::memcpy(&w, src + kFullWords * sizeof(std::uint64_t), sizeof(T) % sizeof(std::uint64_t));
      words_[kFullWords].store(w, std::memory_order_release);
    }
    seq_.store(seq + 2, std::memory_order_release);  // even: publishes the data stores
  }
  /// Any number of readers. Returns a consistent copy.
  [[nodiscard]] T load() const noexcept {
    std::uint64_t buf[kWords];
    std::uint64_t s0, s1;
    do {
      s0 = seq_.load(std::memory_order_acquire);  // pairs with the writer's final release
      // Acquire loads keep the re-check of the counter after them; a word from a write in
      // progress makes the odd counter visible to that re-check, so the copy is retried.
      for (std::size_t i = 0; i < kWords; ++i) buf[i] = words_[i].load(std::memory_order_acquire);
      s1 = seq_.load(std::memory_order_relaxed);
    } while ((s0 & 1) != 0 || s0 != s1);
    T out;
    std::memcpy(static_cast<void*>(&out), buf, sizeof(T));
    return out;
  }

  /// Number of completed writes (0 = never written).
  [[nodiscard]] std::uint64_t version() const noexcept {
    return seq_.load(std::memory_order_acquire) / 2;
  }

 private:
  alignas(64) std::atomic<std::uint64_t> seq_{0};
  std::atomic<std::uint64_t> words_[kWords];
};

/// A bounded history written by one thread and read newest-first by many: each slot is a
/// seqlock tagged with its sequence number, so a reader detects a slot overwritten under it.
template <typename T, std::size_t N>
class SeqlockRing {
  static_assert((N & (N - 1)) == 0, "N must be a power of two");

 public:
  /// Single writer. Returns the item's sequence number (0, 1, 2, …).
  std::uint64_t push(const T& value) noexcept {
    const std::uint64_t seq = head_.load(std::memory_order_relaxed);
    slots_[seq & (N - 1)].store(Tagged{seq, value});
    head_.store(seq + 1, std::memory_order_release);  // publishes the slot
    return seq;
  }

  /// Sequence number the next push will get (= items ever pushed).
  [[nodiscard]] std::uint64_t head() const noexcept { return head_.load(std::memory_order_acquire); }

  /// Reads item `seq`; false when it was never written or has been overwritten.
  [[nodiscard]] bool read(std::uint64_t seq, T& out) const noexcept {
    if (seq >= head()) return false;
    const Tagged t = slots_[seq & (N - 1)].load();
    if (t.seq != seq) return false;
    out = t.value;
    return true;
  }

  static constexpr std::size_t capacity() noexcept { return N; }

 private:
  struct Tagged {
    std::uint64_t seq;
    T value;
  };
  alignas(64) std::atomic<std::uint64_t> head_{0};
  Seqlock<Tagged> slots_[N];
};

}  // namespace levdyn::core
