#pragma once

// Minimal line logger for the service: one write(2) per line to stderr (atomic for lines
// under PIPE_BUF), with a level filter. Never logs secrets: callers pass URLs without
// credentials.

#include <cstdarg>
#include <string_view>

namespace levdyn::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void set_level(Level level) noexcept;
[[nodiscard]] Level level() noexcept;
[[nodiscard]] bool parse_level(std::string_view s, Level& out) noexcept;

void write(Level level, const char* fmt, ...) noexcept __attribute__((format(printf, 2, 3)));

#define LEVDYN_LOG(lvl, ...)                                          \
  do {                                                                \
    if (static_cast<int>(lvl) >= static_cast<int>(::levdyn::log::level())) \
      ::levdyn::log::write(lvl, __VA_ARGS__);                         \
  } while (0)
#define LOG_DEBUG(...) LEVDYN_LOG(::levdyn::log::Level::kDebug, __VA_ARGS__)
#define LOG_INFO(...) LEVDYN_LOG(::levdyn::log::Level::kInfo, __VA_ARGS__)
#define LOG_WARN(...) LEVDYN_LOG(::levdyn::log::Level::kWarn, __VA_ARGS__)
#define LOG_ERROR(...) LEVDYN_LOG(::levdyn::log::Level::kError, __VA_ARGS__)

}  // namespace levdyn::log
