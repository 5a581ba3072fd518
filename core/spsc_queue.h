#pragma once

// A bounded single-producer/single-consumer ring in the shape of rigtorp's SPSCQueue: one
// feed thread pushes normalized events, the engine thread pops them.

#include <atomic>
#include <cassert>
#include <cstddef>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>

namespace levdyn::core {

template <typename T>
class SpscQueue {
  static_assert(std::is_trivially_copyable_v<T>, "ring slots are copied, never constructed");
  static constexpr std::size_t kCacheLine = 64;
  // NOLINTNEXTLINE(bugprone-sizeof-expression): T may be a pointer (a ring of owned frames)
  static constexpr std::size_t kSlotBytes = sizeof(T);
  // Padding slots at both ends keep neighbouring heap objects off the slots' cache lines.
  static constexpr std::size_t kPadding = (kCacheLine - 1) / kSlotBytes + 1;

 public:
  /// Capacity is rounded up to a power of two (at least 2). Throws std::invalid_argument on 0:
  /// this runs at start-up, where exceptions are allowed.
  explicit SpscQueue(std::size_t capacity) {
    if (capacity == 0) throw std::invalid_argument("SpscQueue capacity must be > 0");
    std::size_t cap = 2;
    while (cap < capacity) cap <<= 1;
    mask_ = cap - 1;
    // Cache-line aligned: a 64-byte event then fills exactly one line, so a slot is one line
    // to move between the cores and the producer writing slot i+1 never touches the line the
    // consumer reads slot i from (new[]'s 16-byte alignment split every slot over two lines).
    slots_.reset(static_cast<T*>(
        ::operator new[]((cap + 2 * kPadding) * kSlotBytes, std::align_val_t{kCacheLine})));
    for (std::size_t i = 0; i < cap + 2 * kPadding; ++i) new (&slots_[i]) T();
  }
  SpscQueue(const SpscQueue&) = delete;
  SpscQueue& operator=(const SpscQueue&) = delete;

  /// Producer only. False when full; the caller keeps the item (nothing is dropped here).
  [[nodiscard]] bool try_push(const T& v) noexcept {
    const std::size_t write = write_idx_.load(std::memory_order_relaxed);  // only we write it
    if (write - read_idx_cache_ > mask_) {
      // Looks full: refresh our cached copy of the consumer's index (acquire: the consumer
      // finished reading the slot before releasing the index).
      read_idx_cache_ = read_idx_.load(std::memory_order_acquire);
      if (write - read_idx_cache_ > mask_) return false;
    }
    slots_[kPadding + (write & mask_)] = v;
    write_idx_.store(write + 1, std::memory_order_release);  // publishes the slot write
    return true;
  }

  /// Consumer only. Pointer to the oldest item, or nullptr when empty.
  [[nodiscard]] const T* front() noexcept {
    const std::size_t read = read_idx_.load(std::memory_order_relaxed);  // only we write it
    if (read == write_idx_cache_) {
      // Looks empty: refresh (acquire pairs with the producer's release of the slot).
      write_idx_cache_ = write_idx_.load(std::memory_order_acquire);
      if (read == write_idx_cache_) return nullptr;
    }
    return &slots_[kPadding + (read & mask_)];
  }

  /// Consumer only; call after front() returned non-null.
  void pop() noexcept {
    const std::size_t read = read_idx_.load(std::memory_order_relaxed);
    assert(read != write_idx_.load(std::memory_order_acquire) && "pop() on an empty queue");
    read_idx_.store(read + 1, std::memory_order_release);  // hands the slot back
  }

  /// Approximate number of items (any thread).
  [[nodiscard]] std::size_t size() const noexcept {
    const std::size_t w = write_idx_.load(std::memory_order_acquire);
    const std::size_t r = read_idx_.load(std::memory_order_acquire);
    return w - r;
  }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }

 private:
  std::size_t mask_ = 0;
  struct AlignedDelete {
    void operator()(T* p) const noexcept { ::operator delete[](p, std::align_val_t{kCacheLine}); }
  };
  std::unique_ptr<T[], AlignedDelete> slots_;
  // Each index on its own cache line, next to the side's cached copy of the other index
  // (false sharing between producer and consumer is what makes naive rings slow).
  alignas(kCacheLine) std::atomic<std::size_t> write_idx_{0};
  alignas(kCacheLine) std::size_t read_idx_cache_ = 0;  // producer's copy
  alignas(kCacheLine) std::atomic<std::size_t> read_idx_{0};
  alignas(kCacheLine) std::size_t write_idx_cache_ = 0;  // consumer's copy
  char padding_[kCacheLine - sizeof(std::size_t)] = {};
};

}  // namespace levdyn::core
