#pragma once

// Decimals sent as JSON strings ("96011.90", "-0.00004591"), shared by the codecs whose venues
// quote numbers as strings (Binance, Bybit, OKX, Hyperliquid).

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <system_error>

#include "service/venues/codec.h"

namespace levdyn::venues {

namespace detail {

/// Exact powers of ten 10^0..10^22: every one is a double without rounding.
inline constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/// m · 10^scale, negated when `negative`, when `count` digits (at most 19) make m exact in a
/// double and |scale| <= 22 makes 10^|scale| exact too: one IEEE division or multiplication
/// then rounds correctly (Clinger's fast path). False otherwise, and `out` is unchanged.
inline bool exact_scaled(std::uint64_t m, int count, int scale, bool negative,
                         double& out) noexcept {
  if (count > 19 || m > (std::uint64_t{1} << 53) || scale < -22 || scale > 22) return false;
  const double v =
      scale < 0 ? static_cast<double>(m) / kPow10[-scale] : static_cast<double>(m) * kPow10[scale];
  out = negative ? -v : v;
  return true;
}

/// m / 10^fraction, negated when `negative`, when `count` digits (at most 19) make m exact in
/// a double and 10^fraction is exact too: then one IEEE division rounds correctly (Clinger's
/// fast path). False otherwise, and `out` is unchanged.
inline bool exact_decimal(std::uint64_t m, int count, int fraction, bool negative,
                          double& out) noexcept {
  return exact_scaled(m, count, -fraction, negative, out);
}

/// The common shape `-?digits(.digits)?` with at most 19 digits, whose digits as an integer m
/// fit in 53 bits and whose fraction has at most 22 digits: then m and 10^k are exact doubles
/// and one IEEE division rounds m / 10^k correctly, the same double std::from_chars returns
/// (Clinger's fast path). False for anything else, which the caller hands to std::from_chars.
inline bool fast_decimal(std::string_view s, double& out) noexcept {
  const char* p = s.data();
  const char* const end = p + s.size();
  const bool negative = p != end && *p == '-';
  if (negative) ++p;
  std::uint64_t m = 0;
  int digits = 0;
  int fraction = 0;
  const char* const int_start = p;
  for (; p != end && static_cast<unsigned>(*p - '0') < 10; ++p, ++digits) {
    m = m * 10 + static_cast<unsigned>(*p - '0');
  }
  if (p == int_start) return false;  // "", "-", ".5"
  if (p != end) {
    if (*p != '.') return false;  // an exponent, a sign, a letter: the slow path decides
    ++p;
    const char* const frac_start = p;
    for (; p != end && static_cast<unsigned>(*p - '0') < 10; ++p, ++digits) {
      m = m * 10 + static_cast<unsigned>(*p - '0');
    }
    fraction = static_cast<int>(p - frac_start);
    if (fraction == 0 || p != end) return false;  // "1.", "1.5x"
  }
  return exact_decimal(m, digits, fraction, negative, out);
}

}  // namespace detail

/// Strictly parses a decimal sent as a JSON string: the whole string, finite, and non-negative
/// unless `allow_negative`. Rejects "", " 1", "+1", "0x1", "1e400", "nan", "inf". Never yields
/// negative zero.
inline DecodeStatus parse_decimal(std::string_view s, double& out, bool allow_negative) noexcept {
  if (s.empty()) return DecodeStatus::kBadNumber;
  double v = 0.0;
  if (!detail::fast_decimal(s, v)) {
    const char* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc() || ptr != end || !std::isfinite(v)) return DecodeStatus::kBadNumber;
  }
  if (v < 0.0 && !allow_negative) return DecodeStatus::kBadNumber;
  out = v == 0.0 ? 0.0 : v;  // no negative zero
  return DecodeStatus::kOk;
}

}  // namespace levdyn::venues
