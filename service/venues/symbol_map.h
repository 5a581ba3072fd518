#pragma once

// A codec's map from a venue's symbol to what the codec keeps for it, with a memo in front.
//
// Every event of every frame looks its symbol up. std::unordered_map's lookup hashes the whole
// string (an out-of-line call), divides by a prime bucket count and compares through memcmp:
// about a tenth of a small frame's decode. The memo holds, for each of 64 slots, the last
// symbol found there and its value: a hit is two word loads, a multiply and a compare of at
// most four words. A miss searches the map and fills the slot.
//
// Values never move: the map's nodes keep their addresses when it grows, and nothing is ever
// erased (a codec's symbols only grow, up to its own cap). So a remembered pointer stays valid.

#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace levdyn::venues {

template <typename V>
class SymbolMap {
 public:
  struct Hash {
    using is_transparent = void;  // find(string_view) without building a std::string
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using Map = std::unordered_map<std::string, V, Hash, std::equal_to<>>;

  void reserve(std::size_t n) { map_.reserve(n); }
  [[nodiscard]] std::size_t size() const noexcept { return map_.size(); }
  [[nodiscard]] bool contains(std::string_view symbol) const noexcept {
    return find(symbol) != nullptr;
  }

  /// The value kept for `symbol`, or nullptr.
  [[nodiscard]] V* find(std::string_view symbol) noexcept {
    if (symbol.size() > kMaxMemoBytes) return search(symbol);
    Slot& slot = memo_[slot_of(symbol)];
    if (slot.value != nullptr && slot.size == symbol.size() &&
        same(symbol.data(), slot.bytes.data(), symbol.size())) {
      return slot.value;
    }
    V* value = search(symbol);
    if (value != nullptr) remember(slot, symbol, value);
    return value;
  }

  /// The same, without the memo (for a const codec: set-up code, not the hot path).
  [[nodiscard]] const V* find(std::string_view symbol) const noexcept {
    const auto it = map_.find(symbol);
    return it == map_.end() ? nullptr : &it->second;
  }

  /// Adds `symbol` with `value` unless it is there already; the value kept, and whether it
  /// was added. May throw (allocation).
  std::pair<V*, bool> emplace(std::string_view symbol, V value) {
    auto [it, added] = map_.emplace(std::string(symbol), std::move(value));
    return {&it->second, added};
  }

  /// Every symbol and its value, in no particular order.
  [[nodiscard]] auto begin() noexcept { return map_.begin(); }
  [[nodiscard]] auto end() noexcept { return map_.end(); }
  [[nodiscard]] auto begin() const noexcept { return map_.begin(); }
  [[nodiscard]] auto end() const noexcept { return map_.end(); }

 private:
  static constexpr std::size_t kMemoSlots = 64;
  static constexpr std::size_t kMaxMemoBytes = 32;

  struct Slot {
    V* value = nullptr;
    std::size_t size = 0;
    std::array<char, kMaxMemoBytes> bytes{};
  };

  V* search(std::string_view symbol) noexcept {
    const auto it = map_.find(symbol);
    return it == map_.end() ? nullptr : &it->second;
  }

  static void remember(Slot& slot, std::string_view symbol, V* value) noexcept {
    slot.value = value;
    slot.size = symbol.size();
    slot.bytes.fill('\0');
    std::memcpy(slot.bytes.data(), symbol.data(), symbol.size());
  }

  /// n bytes (1..8) at p as a word, reading only those bytes.
  static std::uint64_t load(const char* p, std::size_t n) noexcept {
    std::uint64_t w = 0;
    if (n >= 8) {
      std::memcpy(&w, p, 8);
    } else if (n >= 4) {
      std::uint32_t lo = 0, hi = 0;
      std::memcpy(&lo, p, 4);
      std::memcpy(&hi, p + n - 4, 4);
      w = lo | (std::uint64_t{hi} << 32);
    } else {
      for (std::size_t i = 0; i < n; ++i)
        w |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    }
    return w;
  }

  static std::size_t slot_of(std::string_view s) noexcept {
    const std::uint64_t first = load(s.data(), s.size() < 8 ? s.size() : 8);
    const std::uint64_t last = s.size() > 8 ? load(s.data() + s.size() - 8, 8) : 0;
    const std::uint64_t h =
        (first * 0x9E3779B97F4A7C15ULL) ^ (last * 0xC2B2AE3D27D4EB4FULL) ^ s.size();
    return static_cast<std::size_t>((h * 0x9E3779B97F4A7C15ULL) >> 58);  // 64 slots
  }

  /// The n (≤ kMaxMemoBytes) bytes at a (a symbol) equal those at b (a slot's).
  static bool same(const char* a, const char* b, std::size_t n) noexcept {
    if (n < 8) return load(a, n) == load(b, n);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      if (load(a + i, 8) != load(b + i, 8)) return false;
    }
    return i == n || load(a + n - 8, 8) == load(b + n - 8, 8);
  }

  Map map_;
  std::array<Slot, kMemoSlots> memo_{};
};

}  // namespace levdyn::venues
