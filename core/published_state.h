#pragma once

// What the engine publishes and readers (REST, push stream, /metrics) read.
//
// Publication scheme: one seqlock per instrument and per asset (not a swapped immutable
// snapshot). Why: the engine republishes only the instruments an event batch touched, so a
// write costs one ~1 KiB copy instead of rebuilding a whole snapshot; the writer never waits
// for readers (a seqlock write is two counter stores around the copy), and readers never hold
// anything the writer needs (no reference counts, no hazard pointers, no allocation per
// publish). A reader that overlaps a write retries its ~1 KiB copy, which is cheap next to
// rendering JSON. Measured in tests/bench/engine_bench.
//
// Thread-safety: the engine thread is the only writer; any thread may read.

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <memory_resource>

#include "core/events.h"
#include "core/instrument_table.h"
#include "core/metrics.h"
#include "core/seqlock.h"

namespace levdyn::core {

class PublishedState {
 public:
  static constexpr std::size_t kLiquidationHistory = 8192;
  static constexpr std::size_t kCascadeHistory = 1024;

  /// The instruments' and assets' slots are allocated from `memory` on their first publish
  /// and released by the destructor; `memory` must outlive the state.
  PublishedState(const InstrumentTable& table, int window_count, const std::int64_t* windows_ns,
                 std::pmr::memory_resource* memory = std::pmr::get_default_resource());
  ~PublishedState();
  PublishedState(const PublishedState&) = delete;
  PublishedState& operator=(const PublishedState&) = delete;

  // ---- read side (any thread) ----
  [[nodiscard]] const InstrumentTable& table() const noexcept { return table_; }
  [[nodiscard]] int window_count() const noexcept { return window_count_; }
  [[nodiscard]] std::int64_t window_ns(int i) const noexcept { return windows_ns_[i]; }
  /// Index of the window of that length, or -1.
  [[nodiscard]] int find_window(std::int64_t ns) const noexcept;

  /// False when the engine has published nothing for this instrument yet.
  [[nodiscard]] bool instrument(InstrumentId id, InstrumentMetrics& out) const noexcept;
  [[nodiscard]] bool asset(AssetId id, AssetMetrics& out) const noexcept;

  /// Recent liquidations in arrival order; read newest first from head()-1 down.
  [[nodiscard]] const SeqlockRing<NormalizedEvent, kLiquidationHistory>& liquidations()
      const noexcept {
    return liquidations_;
  }
  /// Cascade episode changes: a record when an episode starts and one when it ends (the
  /// later record of an id supersedes the earlier).
  [[nodiscard]] const SeqlockRing<CascadeRecord, kCascadeHistory>& cascades() const noexcept {
    return cascades_;
  }
  /// Number of publish rounds (increases monotonically).
  [[nodiscard]] std::uint64_t generation() const noexcept {
    return generation_.load(std::memory_order_acquire);
  }
  /// Engine time of the last publish round (ns since epoch).
  [[nodiscard]] std::int64_t as_of_ns() const noexcept {
    return as_of_ns_.load(std::memory_order_acquire);
  }

  // ---- write side (engine thread only) ----
  void publish_instrument(const InstrumentMetrics& m);
  void publish_asset(const AssetMetrics& m);
  void publish_liquidation(const NormalizedEvent& e) noexcept { liquidations_.push(e); }
  void publish_cascade(const CascadeRecord& c) noexcept { cascades_.push(c); }
  void end_round(std::int64_t now_ns) noexcept {
    as_of_ns_.store(now_ns, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }

 private:
  const InstrumentTable& table_;
  std::pmr::polymorphic_allocator<> memory_;
  int window_count_;
  std::int64_t windows_ns_[kMaxWindows] = {};
  // Slots are allocated by the writer on an instrument's first publish and released by
  // the destructor only (readers must be stopped before the state is destroyed).
  std::unique_ptr<std::atomic<Seqlock<InstrumentMetrics>*>[]> instruments_;
  std::unique_ptr<std::atomic<Seqlock<AssetMetrics>*>[]> assets_;
  SeqlockRing<NormalizedEvent, kLiquidationHistory> liquidations_;
  SeqlockRing<CascadeRecord, kCascadeHistory> cascades_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::int64_t> as_of_ns_{0};
};

}  // namespace levdyn::core
