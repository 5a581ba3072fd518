#include "core/instrument_table.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace levdyn::core {

InstrumentSpec InstrumentInfo::spec() const {
  InstrumentSpec s;
  s.venue = venue;
  s.symbol.assign(symbol_view());
  s.asset.assign(asset_view());
  s.kind = kind;
  s.contract_value = contract_value;
  s.tracked = tracked;
  return s;
}

std::string_view to_string(ContractKind k) noexcept {
  switch (k) {
    case ContractKind::kLinear: return "linear";
    case ContractKind::kInverse: return "inverse";
    case ContractKind::kQuanto: return "quanto";
  }
  return "unknown";
}

std::string normalize_asset(std::string_view raw) {
  std::string s(raw);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (s == "XBT") s = "BTC";
  return s;
}

AssetId InstrumentTable::find_asset(std::string_view name) const noexcept {
  const std::size_t n = asset_count();
  for (std::size_t i = 0; i < n; ++i) {
    if (name == assets_[i].name) return static_cast<AssetId>(i);
  }
  return kNoAsset;
}

AssetId InstrumentTable::intern_asset_locked(std::string_view name) {
  const std::size_t n = asset_count_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    if (name == assets_[i].name) return static_cast<AssetId>(i);
  }
  if (n >= kMaxAssets || name.size() >= sizeof(AssetName::name)) return kNoAsset;
  std::memcpy(assets_[n].name, name.data(), name.size());
  assets_[n].name[name.size()] = '\0';
  asset_count_.store(n + 1, std::memory_order_release);  // publishes the name written above
  return static_cast<AssetId>(n);
}

InstrumentId InstrumentTable::find(Venue venue, std::string_view symbol) const noexcept {
  const std::size_t n = size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& e = entries_[i];
    if (e.venue == venue && symbol == e.symbol) return static_cast<InstrumentId>(i);
  }
  return kNoInstrument;
}

InstrumentId InstrumentTable::add(const InstrumentSpec& spec) {
  std::lock_guard lock(mu_);
  const std::size_t n = count_.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    if (entries_[i].venue == spec.venue && spec.symbol == entries_[i].symbol) {
      return static_cast<InstrumentId>(i);
    }
  }
  if (n >= kCapacity || spec.symbol.size() >= sizeof(InstrumentInfo::symbol) ||
      spec.asset.size() >= sizeof(InstrumentInfo::asset_name) || spec.symbol.empty()) {
    return kNoInstrument;
  }
  const AssetId asset = intern_asset_locked(spec.asset);
  if (asset == kNoAsset) return kNoInstrument;
  InstrumentInfo& e = entries_[n];
  e = InstrumentInfo{};
  e.venue = spec.venue;
  e.kind = spec.kind;
  e.tracked = spec.tracked;
  e.asset = asset;
  e.contract_value = spec.contract_value;
  std::memcpy(e.symbol, spec.symbol.data(), spec.symbol.size());
  std::memcpy(e.asset_name, spec.asset.data(), spec.asset.size());
  count_.store(n + 1, std::memory_order_release);  // publishes the entry written above
  return static_cast<InstrumentId>(n);
}

InstrumentId InstrumentTable::other(Venue venue, std::string_view asset) {
  // "_other" buckets are keyed by symbol "_other:<ASSET>" internally but report "_other".
  std::string key = "_other:";
  key.append(asset);
  InstrumentSpec spec;
  spec.venue = venue;
  spec.symbol = key;
  spec.asset = std::string(asset);
  spec.tracked = false;
  return add(spec);
}

}  // namespace levdyn::core
