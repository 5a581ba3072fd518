#pragma once

// A strict, forward-only JSON reader for the codecs' fast paths: no parse tree, no copy, no
// padding. A codec reads the frame shapes it knows best with it into the same field structs
// its simdjson path fills, and hands those to the same dispatch code.
//
// It reads only what it can read exactly as simdjson's On-Demand API would: frames up to
// kMaxBytes without escapes, control characters (whitespace other than spaces included) or
// non-ASCII bytes (so a string's bytes are its value), numbers in strict JSON grammar, and
// nothing deeper than kMaxDepth. Every other input makes a read
// fail. A failed read leaves the cursor anywhere: the codec then gives the frame up and decodes
// it again with simdjson, which classifies it. So a fast path must not change codec state or
// emit events before it has read its whole frame (Cursor::end()).

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>
#include <type_traits>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "service/venues/decimal.h"

namespace levdyn::venues::scan {

/// The first L bytes of `a` and `b` are equal: word loads (two overlapping ones for L up to
/// 16), never a memcmp call, which GCC emits for some lengths in large functions.
template <std::size_t L>
[[nodiscard]] [[gnu::always_inline]] inline bool same_bytes(const char* a, const char* b) noexcept {
  auto load = [](const char* p, auto word) {
    std::memcpy(&word, p, sizeof word);
    return word;
  };
  if constexpr (L == 0) {
    return true;
  } else if constexpr (L < 4) {
    bool same = true;
    for (std::size_t i = 0; i < L; ++i) same &= a[i] == b[i];
    return same;
  } else if constexpr (L <= 8) {
    return load(a, std::uint32_t{}) == load(b, std::uint32_t{}) &&
           load(a + L - 4, std::uint32_t{}) == load(b + L - 4, std::uint32_t{});
  } else if constexpr (L <= 16) {
    return load(a, std::uint64_t{}) == load(b, std::uint64_t{}) &&
           load(a + L - 8, std::uint64_t{}) == load(b + L - 8, std::uint64_t{});
  } else {
    return same_bytes<16>(a, b) && same_bytes<L - 16>(a + 16, b + 16);
  }
}

/// A string equals a literal: `is(s, "buy")`, as same_bytes compares.
template <std::size_t N>
[[nodiscard]] [[gnu::always_inline]] inline bool is(std::string_view s,
                                                    const char (&literal)[N]) noexcept {
  return s.size() == N - 1 && same_bytes<N - 1>(s.data(), literal);
}

/// An object key as the fast paths compare it. `k == "literal"` is a length check and one or
/// two word compares, inlined however large the calling function is: std::string_view's
/// operator== stays an out-of-line compare and memcmp call in the codecs' large functions,
/// which cost a tenth of a mixed decode.
struct Key {
  std::string_view text;

  template <std::size_t N>
  [[nodiscard]] [[gnu::always_inline]] bool operator==(const char (&literal)[N]) const noexcept {
    return is(text, literal);
  }
  [[nodiscard]] bool operator==(std::string_view other) const noexcept { return text == other; }
  [[nodiscard]] std::size_t size() const noexcept { return text.size(); }
  [[nodiscard]] bool empty() const noexcept { return text.empty(); }
  [[nodiscard]] char operator[](std::size_t i) const noexcept { return text[i]; }
  operator std::string_view() const noexcept { return text; }  // NOLINT: a key is its text
};

class Cursor {
 public:
  static constexpr int kMaxDepth = 32;
  /// Longer frames (snapshots) are left to simdjson, which is at its best on them.
  static constexpr std::size_t kMaxBytes = 4096;

  /// Indexes the frame's quotes in one vectorized pass, so a string read finds its end with a
  /// bit scan instead of a byte loop. A frame longer than kMaxBytes, or holding a backslash, a
  /// control byte (newlines and tabs included) or a non-ASCII byte anywhere, reads nothing.
  explicit Cursor(std::string_view text) noexcept
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {
    if (text.size() > kMaxBytes || !index(text)) {
      usable_ = false;
      p_ = end_;
    }
  }

  /// Skips whitespace; true when the next byte is `c` (not consumed).
  [[nodiscard]] bool peek(char c) noexcept {
    skip_ws();
    return p_ != end_ && *p_ == c;
  }

  /// Skips whitespace, then consumes `c`.
  [[nodiscard]] [[gnu::always_inline]] bool consume(char c) noexcept {
    if (p_ != end_ && *p_ == c) [[likely]] {  // venues send frames without whitespace
      ++p_;
      return true;
    }
    skip_ws();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  /// A string value (its bytes are its value: the constructor refused escapes).
  [[nodiscard]] [[gnu::always_inline]] bool string(std::string_view& out) noexcept {
    if (!consume('"')) return false;
    const std::size_t start = static_cast<std::size_t>(p_ - begin_);
    std::size_t word = start >> 6;
    // A quote as the frame's last byte, at a multiple of 64: no word of the index is left, and
    // quotes_[word] was never written.
    if (word >= words_) return false;
    std::uint64_t bits = quotes_[word] & (~std::uint64_t{0} << (start & 63));
    while (bits == 0) {
      if (++word >= words_) return false;
      bits = quotes_[word];
    }
    const std::size_t close = (word << 6) + static_cast<std::size_t>(__builtin_ctzll(bits));
    out = std::string_view(p_, close - start);
    p_ = begin_ + close + 1;
    return true;
  }

  /// An object key and its colon.
  [[nodiscard]] [[gnu::always_inline]] bool key(Key& out) noexcept {
    return string(out.text) && consume(':');
  }

  /// An integer in JSON grammar that fits an int64 (no fraction, no exponent).
  [[nodiscard]] bool int64(std::int64_t& out) noexcept {
    skip_ws();
    const char* const start = p_;
    Digits d;
    if (!number_token(d) || d.fraction != 0 || d.exponent) return false;
    if (d.count <= 18) {  // cannot overflow
      const auto v = static_cast<std::int64_t>(d.mantissa);
      out = d.negative ? -v : v;
      return true;
    }
    const auto [ptr, ec] = std::from_chars(start, p_, out);
    return ec == std::errc() && ptr == p_;
  }

  /// Any JSON number, as the nearest double (finite; never negative zero, which simdjson and
  /// std::from_chars might not agree on).
  [[nodiscard]] bool number(double& out) noexcept {
    skip_ws();
    const char* const start = p_;
    Digits d;
    if (!number_token(d)) return false;
    // The digits were read once, by number_token; Clinger's fast path when exact (Deribit's
    // and BitMEX's small rates come as "-3.559e-05": the exponent moves the decimal point).
    if (!detail::exact_scaled(d.mantissa, d.count, d.exponent_value - d.fraction, d.negative,
                              out)) {
      const auto [ptr, ec] = std::from_chars(start, p_, out);
      if (ec != std::errc() || ptr != p_ || !std::isfinite(out)) return false;
    }
    return !(out == 0.0 && d.negative);
  }

  [[nodiscard]] bool boolean(bool& out) noexcept {
    skip_ws();
    if (literal("true")) {
      out = true;
      return true;
    }
    if (literal("false")) {
      out = false;
      return true;
    }
    return false;
  }

  [[nodiscard]] bool null() noexcept {
    skip_ws();
    return literal("null");
  }

  /// Reads and validates any value.
  [[nodiscard]] bool skip() noexcept { return skip_value(0); }

  /// The members of an object: `member(key)` must read the value (or skip() it) and return
  /// whether it could.
  template <typename F>
  [[nodiscard]] bool object(F&& member) noexcept {
    if (!consume('{')) return false;
    if (consume('}')) return true;
    do {
      Key k;
      if (!key(k) || !member(k)) return false;
    } while (consume(','));
    return consume('}');
  }

  /// The elements of an array: `element()` must read one value and return whether it could.
  template <typename F>
  [[nodiscard]] bool array(F&& element) noexcept {
    if (!consume('[')) return false;
    if (consume(']')) return true;
    do {
      if (!element()) return false;
    } while (consume(','));
    return consume(']');
  }

  /// True when only whitespace is left.
  [[nodiscard]] bool end() noexcept {
    skip_ws();
    return usable_ && p_ == end_;
  }

 private:
  /// Spaces only: the constructor refused every other whitespace byte (they are controls).
  [[gnu::always_inline]] void skip_ws() noexcept {
    while (p_ != end_ && *p_ == ' ') ++p_;
  }

  /// Consumes `word` only when it is the whole value: null() and boolean() are also probes
  /// (BitMEX reads `null` or else a string), so `null"x"` must leave the cursor on the `n`.
  bool literal(std::string_view word) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    if (delimited()) return true;
    p_ -= word.size();
    return false;
  }

  /// A scalar must be followed by whitespace, a structural character or the end.
  [[nodiscard]] bool delimited() const noexcept {
    if (p_ == end_) return true;
    const char c = *p_;
    return c == ',' || c == '}' || c == ']' || c == ' ';  // no other whitespace (see skip_ws)
  }

  static bool digit(char c) noexcept { return static_cast<unsigned>(c - '0') < 10; }

  /// What number_token read: the digits of the integer and fraction parts as one integer
  /// (exact while count <= 19), how many of them are the fraction's, and the sign.
  struct Digits {
    std::uint64_t mantissa = 0;
    int count = 0;
    int fraction = 0;
    bool negative = false;
    bool exponent = false;
    int exponent_value = 0;  // the exponent part's value, saturated at ±100000
  };

  /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? followed by a delimiter, its digits
  /// accumulated on the way.
  [[gnu::always_inline]] bool number_token(Digits& d) noexcept {
    if (p_ != end_ && *p_ == '-') {
      d.negative = true;
      ++p_;
    }
    if (p_ == end_ || !digit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
      d.count = 1;
    } else {
      do {
        d.mantissa = d.mantissa * 10 + static_cast<unsigned>(*p_ - '0');
        ++d.count;
        ++p_;
      } while (p_ != end_ && digit(*p_));
    }
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      const char* const first = p_;
      do {
        d.mantissa = d.mantissa * 10 + static_cast<unsigned>(*p_ - '0');
        ++p_;
      } while (p_ != end_ && digit(*p_));
      d.fraction = static_cast<int>(p_ - first);
      d.count += d.fraction;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      d.exponent = true;
      ++p_;
      bool negative_exponent = false;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) negative_exponent = *p_++ == '-';
      if (p_ == end_ || !digit(*p_)) return false;
      int e = 0;
      do {
        if (e < 100000) e = e * 10 + (*p_ - '0');
        ++p_;
      } while (p_ != end_ && digit(*p_));
      d.exponent_value = negative_exponent ? -e : e;
    }
    return delimited();
  }

  bool skip_value(int depth) noexcept {
    if (depth >= kMaxDepth) return false;
    skip_ws();
    if (p_ == end_) return false;
    switch (*p_) {
      case '"': {
        std::string_view s;
        return string(s);
      }
      case '{':
        return object([&](Key) { return skip_value(depth + 1); });
      case '[':
        return array([&] { return skip_value(depth + 1); });
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default: {
        Digits d;
        return number_token(d);
      }
    }
  }

  /// Fills quotes_; false when the frame holds a byte the reader refuses.
  bool index(std::string_view text) noexcept {
    const std::size_t n = text.size();
    words_ = (n + 63) / 64;
    bool clean = true;
    for (std::size_t w = 0; w < words_; ++w) {
      char block[64];
      const char* src = text.data() + w * 64;
      if (n - w * 64 < 64) {  // the tail, padded with spaces (neither quotes nor refused)
        std::memset(block, ' ', sizeof block);
        std::memcpy(block, src, n - w * 64);
        src = block;
      }
      std::uint64_t quote = 0;
      std::uint64_t refused = 0;
#if defined(__AVX2__)
      for (int half = 0; half < 2; ++half) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 32 * half));
        const auto q = static_cast<std::uint32_t>(
            _mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"'))));
        // Signed compare: bytes >= 0x80 are negative, so one compare finds them and controls.
        const auto r = static_cast<std::uint32_t>(
            _mm256_movemask_epi8(_mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\')),
                                                 _mm256_cmpgt_epi8(_mm256_set1_epi8(0x20), v))));
        quote |= std::uint64_t{q} << (32 * half);
        refused |= std::uint64_t{r} << (32 * half);
      }
#else
      for (int i = 0; i < 64; ++i) {
        const auto u = static_cast<unsigned char>(src[i]);
        quote |= std::uint64_t{u == '"'} << i;
        refused |= std::uint64_t{u == '\\' || u < 0x20 || u >= 0x80} << i;
      }
#endif
      quotes_[w] = quote;
      clean &= refused == 0;
    }
    return clean;
  }

  const char* const begin_;
  const char* p_;
  const char* const end_;
  bool usable_ = true;
  std::size_t words_ = 0;
  std::uint64_t quotes_[kMaxBytes / 64];
};

/// Reads a value into a codec's field slot (any struct with `value` and `status`: each codec
/// declares its own) as the slot's value type says: a string, an int64, a JSON number or a
/// boolean; then marks it read (kOk). False for a value of another type: simdjson then
/// classifies the frame.
template <typename Slot>
[[nodiscard]] bool read(Cursor& c, Slot& s) noexcept {
  using Value = decltype(s.value);
  bool ok = false;
  if constexpr (std::is_same_v<Value, std::string_view>) {
    ok = c.string(s.value);
  } else if constexpr (std::is_same_v<Value, std::int64_t>) {
    ok = c.int64(s.value);
  } else if constexpr (std::is_same_v<Value, double>) {
    ok = c.number(s.value);
  } else {
    static_assert(std::is_same_v<Value, bool>, "a slot of string_view, int64, double or bool");
    ok = c.boolean(s.value);
  }
  if (ok) s.status = DecodeStatus::kOk;
  return ok;
}

}  // namespace levdyn::venues::scan
