#include "core/published_state.h"

#include <algorithm>
#include <cstddef>

namespace levdyn::core {

std::string_view to_string(Regime r) noexcept {
  switch (r) {
    case Regime::kUnknown: return "unknown";
    case Regime::kFlat: return "flat";
    case Regime::kNewLongs: return "new_longs";
    case Regime::kShortCovering: return "short_covering";
    case Regime::kNewShorts: return "new_shorts";
    case Regime::kLongLiquidation: return "long_liquidation";
  }
  return "unknown";
}

PublishedState::PublishedState(const InstrumentTable& table, int window_count,
                               const std::int64_t* windows_ns, std::pmr::memory_resource* memory)
    : table_(table),
      memory_(memory),
      window_count_(std::clamp(window_count, 0, kMaxWindows)),
      instruments_(new std::atomic<Seqlock<InstrumentMetrics>*>[InstrumentTable::kCapacity]),
      assets_(new std::atomic<Seqlock<AssetMetrics>*>[InstrumentTable::kMaxAssets]) {
  for (int i = 0; i < window_count_; ++i) windows_ns_[i] = windows_ns[i];
  for (std::size_t i = 0; i < InstrumentTable::kCapacity; ++i) {
    instruments_[i].store(nullptr, std::memory_order_relaxed);
  }
  for (std::size_t i = 0; i < InstrumentTable::kMaxAssets; ++i) {
    assets_[i].store(nullptr, std::memory_order_relaxed);
  }
}

PublishedState::~PublishedState() {
  for (std::size_t i = 0; i < InstrumentTable::kCapacity; ++i) {
    if (auto* slot = instruments_[i].load(std::memory_order_relaxed)) memory_.delete_object(slot);
  }
  for (std::size_t i = 0; i < InstrumentTable::kMaxAssets; ++i) {
    if (auto* slot = assets_[i].load(std::memory_order_relaxed)) memory_.delete_object(slot);
  }
}

int PublishedState::find_window(std::int64_t ns) const noexcept {
  for (int i = 0; i < window_count_; ++i) {
    if (windows_ns_[i] == ns) return i;
  }
  return -1;
}

bool PublishedState::instrument(InstrumentId id, InstrumentMetrics& out) const noexcept {
  if (id >= InstrumentTable::kCapacity) return false;
  const auto* slot = instruments_[id].load(std::memory_order_acquire);
  if (slot == nullptr) return false;
  out = slot->load();
  return true;
}

bool PublishedState::asset(AssetId id, AssetMetrics& out) const noexcept {
  if (id >= InstrumentTable::kMaxAssets) return false;
  const auto* slot = assets_[id].load(std::memory_order_acquire);
  if (slot == nullptr) return false;
  out = slot->load();
  return true;
}

void PublishedState::publish_instrument(const InstrumentMetrics& m) {
  auto& cell = instruments_[m.instrument];
  auto* slot = cell.load(std::memory_order_relaxed);
  if (slot == nullptr) {
    slot = memory_.new_object<Seqlock<InstrumentMetrics>>();  // once, on its first publish
    slot->store(m);
    cell.store(slot, std::memory_order_release);  // publishes the initialised slot
    return;
  }
  // Only the configured windows change: the unused window slots keep the first store's values.
  slot->store(m, offsetof(InstrumentMetrics, windows) +
                     std::size_t{std::min<std::uint8_t>(m.window_count, kMaxWindows)} *
                         sizeof(WindowMetrics));
}

void PublishedState::publish_asset(const AssetMetrics& m) {
  auto& cell = assets_[m.asset];
  auto* slot = cell.load(std::memory_order_relaxed);
  if (slot == nullptr) {
    slot = memory_.new_object<Seqlock<AssetMetrics>>();
    slot->store(m);
    cell.store(slot, std::memory_order_release);
    return;
  }
  slot->store(m, offsetof(AssetMetrics, windows) +
                     std::size_t{std::min<std::uint8_t>(m.window_count, kMaxWindows)} *
                         sizeof(WindowMetrics));
}

}  // namespace levdyn::core
