#pragma once

// The table of instruments levdyn knows: tracked ones from the config, and the "_other"
// buckets that collect all-market liquidations of untracked symbols per (venue, asset).

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "core/events.h"

namespace levdyn::core {

enum class ContractKind : std::uint8_t { kLinear, kInverse, kQuanto };
[[nodiscard]] std::string_view to_string(ContractKind k) noexcept;

/// Static description of an instrument (from the venue's metadata or the bundled fallback).
struct InstrumentSpec {
  Venue venue = Venue::kBinance;
  std::string symbol;        // the venue's own spelling, e.g. "BTCUSDT", "BTC-USDT-SWAP"
  std::string asset;         // base asset, e.g. "BTC" (XBT is normalised to BTC)
  ContractKind kind = ContractKind::kLinear;
  /// Linear: base units per contract (1 where quantities are already base).
  /// Inverse: USD per contract. Quanto: multiplier in settlement currency per index point.
  double contract_value = 1.0;
  bool tracked = true;       // false for the "_other" buckets
};

/// Fixed-size, trivially copyable view of a spec stored in the table.
struct InstrumentInfo {
  Venue venue;
  ContractKind kind;
  bool tracked;
  AssetId asset;
  double contract_value;
  char symbol[32];
  char asset_name[16];
  [[nodiscard]] std::string_view symbol_view() const noexcept { return symbol; }
  [[nodiscard]] std::string_view asset_view() const noexcept { return asset_name; }
  /// The spec this entry was added from (the asset as normalised).
  [[nodiscard]] InstrumentSpec spec() const;
};

/// Append-only table. Thread-safety: add() may be called from any thread (it takes a mutex
/// and is rare: start-up, or the first all-market liquidation of an untracked asset);
/// get()/size() are wait-free and may be called from any thread. An entry is immutable once
/// its id has been published through size() (release/acquire on count_).
class InstrumentTable {
 public:
  static constexpr std::size_t kCapacity = 8192;
  static constexpr std::size_t kMaxAssets = 1024;

  InstrumentTable() = default;
  InstrumentTable(const InstrumentTable&) = delete;
  InstrumentTable& operator=(const InstrumentTable&) = delete;

  /// Adds a spec, or returns the id of the existing (venue, symbol). Returns kNoInstrument
  /// when the table is full or the names do not fit.
  InstrumentId add(const InstrumentSpec& spec);
  /// The "_other" bucket of a venue and asset (created on first use).
  InstrumentId other(Venue venue, std::string_view asset);

  [[nodiscard]] InstrumentId find(Venue venue, std::string_view symbol) const noexcept;
  [[nodiscard]] const InstrumentInfo& get(InstrumentId id) const noexcept { return entries_[id]; }
  [[nodiscard]] std::size_t size() const noexcept { return count_.load(std::memory_order_acquire); }

  [[nodiscard]] std::size_t asset_count() const noexcept {
    return asset_count_.load(std::memory_order_acquire);
  }
  [[nodiscard]] std::string_view asset_name(AssetId id) const noexcept { return assets_[id].name; }
  [[nodiscard]] AssetId find_asset(std::string_view name) const noexcept;  // kNoAsset if none
  static constexpr AssetId kNoAsset = 0xffff;

 private:
  struct AssetName {
    char name[16];
  };
  AssetId intern_asset_locked(std::string_view name);

  mutable std::mutex mu_;  // serialises writers only
  std::array<InstrumentInfo, kCapacity> entries_{};
  std::atomic<std::size_t> count_{0};
  std::array<AssetName, kMaxAssets> assets_{};
  std::atomic<std::size_t> asset_count_{0};
};

/// Normalises a venue's base-asset spelling ("XBT" -> "BTC", upper case).
[[nodiscard]] std::string normalize_asset(std::string_view raw);

}  // namespace levdyn::core
