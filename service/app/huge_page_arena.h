#pragma once

// The engine's memory: its instruments' state and published slots (core::Engine,
// core::PublishedState), from memory the kernel is asked to back with 2 MiB pages.
//
// Why: an instrument's state is about 28 KiB (four windows of 60 buckets and 122 samples),
// so 2 000 instruments span 56 MiB, or 14 000 pages of 4 KiB, ten times what the TLB holds.
// An event for an instrument not touched lately then costs a page walk on top of its cache
// misses. With 2 MiB pages the same state is 28 TLB entries: BM_Engine_Apply at 2 000
// instruments 263 ns per event against 382 from the heap (README, "engine").
//
// A bump allocator over mappings of whole 2 MiB pages, aligned to 2 MiB, with
// madvise(MADV_HUGEPAGE): it works whether transparent huge pages are `always` or `madvise`,
// and falls back to ordinary pages where they are `never`. Nothing is returned before the
// arena is destroyed (the engine frees nothing before it is destroyed either), so the waste
// is at most the tail of the last mapping. The first mapping is made and touched at
// construction, so that an instrument's first event does not take the page fault.
//
// Not thread-safe: used by the engine's one writer thread (and destroyed after it).

#include <cstddef>
#include <memory_resource>
#include <string>
#include <vector>

namespace levdyn::app {

class HugePageArena final : public std::pmr::memory_resource {
 public:
  static constexpr std::size_t kPage = std::size_t{2} << 20;

  /// Maps `first_bytes` (rounded up to whole 2 MiB pages) at once.
  explicit HugePageArena(std::size_t first_bytes = kPage);
  ~HugePageArena() override;
  HugePageArena(const HugePageArena&) = delete;
  HugePageArena& operator=(const HugePageArena&) = delete;

  /// Bytes handed out so far, and bytes mapped.
  [[nodiscard]] std::size_t used() const noexcept { return used_; }
  [[nodiscard]] std::size_t mapped() const noexcept { return mapped_; }

  /// What backs the first mapping, for the start-up log: "2 MiB pages", or "4 KiB pages"
  /// and why (transparent huge pages off, or none free when it was mapped). From
  /// /proc/self/smaps and /sys/kernel/mm/transparent_hugepage/enabled.
  [[nodiscard]] std::string pages() const;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void*, std::size_t, std::size_t) noexcept override {}
  [[nodiscard]] bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
  void map(std::size_t bytes);  // a new mapping of at least `bytes`; throws std::bad_alloc

  struct Mapping {
    void* base;
    std::size_t size;
  };
  std::vector<Mapping> mappings_;
  std::byte* next_ = nullptr;
  std::byte* end_ = nullptr;
  std::size_t used_ = 0;
  std::size_t mapped_ = 0;
};

}  // namespace levdyn::app
