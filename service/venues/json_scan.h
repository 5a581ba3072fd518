#pragma once

// A strict, forward-only JSON reader for the codecs' fast paths: no parse tree, no copy, no
// padding. A codec reads the frame shapes it knows best with it into the same field structs
// its simdjson path fills, and hands those to the same dispatch code.
//
// It reads only what it can read exactly as simdjson's On-Demand API would: strings without
// escapes, control characters or non-ASCII bytes (so a string's bytes are its value), numbers
// in strict JSON grammar, and nothing deeper than kMaxDepth. Every other input makes a read
// fail. A failed read leaves the cursor anywhere: the codec then gives the frame up and decodes
// it again with simdjson, which classifies it. So a fast path must not change codec state or
// emit events before it has read its whole frame (Cursor::end()).

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace levdyn::venues::scan {

class Cursor {
 public:
  static constexpr int kMaxDepth = 32;

  explicit Cursor(std::string_view text) noexcept
      : p_(text.data()), end_(text.data() + text.size()) {}

  /// Skips whitespace; true when the next byte is `c` (not consumed).
  [[nodiscard]] bool peek(char c) noexcept {
    skip_ws();
    return p_ != end_ && *p_ == c;
  }

  /// Skips whitespace, then consumes `c`.
  [[nodiscard]] bool consume(char c) noexcept {
    skip_ws();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  /// A string value whose bytes are its value (no escape, control or non-ASCII byte).
  [[nodiscard]] [[gnu::always_inline]] bool string(std::string_view& out) noexcept {
    if (!consume('"')) return false;
    const char* const start = p_;
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end_ - p_ >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
      // Signed compare: bytes >= 0x80 are negative, so one compare finds them and controls.
      const __m128i special = _mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
          _mm_cmplt_epi8(v, space));
      const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(special));
      if (mask != 0) {
        p_ += __builtin_ctz(mask);
        return close_string(start, out);
      }
      p_ += 16;
    }
#endif
    while (p_ != end_) {
      const auto u = static_cast<unsigned char>(*p_);
      if (u == '"' || u == '\\' || u < 0x20 || u >= 0x80) return close_string(start, out);
      ++p_;
    }
    return false;
  }

  /// An object key and its colon.
  [[nodiscard]] bool key(std::string_view& out) noexcept { return string(out) && consume(':'); }

  /// An integer in JSON grammar that fits an int64 (no fraction, no exponent).
  [[nodiscard]] bool int64(std::int64_t& out) noexcept {
    skip_ws();
    const char* const start = p_;
    const bool negative = p_ != end_ && *p_ == '-';
    const char* const digits = p_ + (negative ? 1 : 0);
    if (!number_token() || fraction_or_exponent_) return false;
    const auto n = p_ - digits;
    if (n <= 18) {  // cannot overflow
      std::int64_t v = 0;
      for (const char* q = digits; q != p_; ++q) v = v * 10 + (*q - '0');
      out = negative ? -v : v;
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
    if (!number_token()) return false;
    const auto [ptr, ec] = std::from_chars(start, p_, out);
    return ec == std::errc() && ptr == p_ && std::isfinite(out) && !(out == 0.0 && *start == '-');
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
      std::string_view k;
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
    return p_ == end_;
  }

 private:
  [[gnu::always_inline]] void skip_ws() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool close_string(const char* start, std::string_view& out) noexcept {
    if (*p_ != '"') return false;  // an escape, a control or a non-ASCII byte
    out = std::string_view(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    return true;
  }

  bool literal(std::string_view word) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return delimited();
  }

  /// A scalar must be followed by whitespace, a structural character or the end.
  [[nodiscard]] bool delimited() const noexcept {
    if (p_ == end_) return true;
    const char c = *p_;
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

  static bool digit(char c) noexcept { return static_cast<unsigned>(c - '0') < 10; }

  /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? followed by a delimiter.
  bool number_token() noexcept {
    fraction_or_exponent_ = false;
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !digit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    if (p_ != end_ && *p_ == '.') {
      fraction_or_exponent_ = true;
      ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ != end_ && digit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      fraction_or_exponent_ = true;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ != end_ && digit(*p_)) ++p_;
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
        return object([&](std::string_view) { return skip_value(depth + 1); });
      case '[':
        return array([&] { return skip_value(depth + 1); });
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number_token();
    }
  }

  const char* p_;
  const char* const end_;
  bool fraction_or_exponent_ = false;
};

}  // namespace levdyn::venues::scan
