#include "service/feed/log.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>

namespace levdyn::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
constexpr const char* kNames[] = {"debug", "info", "warn", "error"};
}  // namespace

void set_level(Level level) noexcept { g_level.store(static_cast<int>(level)); }
Level level() noexcept { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }

bool parse_level(std::string_view s, Level& out) noexcept {
  for (int i = 0; i < 4; ++i) {
    if (s == kNames[i]) {
      out = static_cast<Level>(i);
      return true;
    }
  }
  if (s == "off") {
    out = Level::kOff;
    return true;
  }
  return false;
}

void write(Level level, const char* fmt, ...) noexcept {
  char buf[2048];
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  gmtime_r(&ts.tv_sec, &utc);
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ",
                        utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                        utc.tm_sec, ts.tv_nsec / 1'000'000,
                        kNames[static_cast<int>(level) & 3]);
  if (n < 0) return;
  va_list ap;
  va_start(ap, fmt);
  const int m = std::vsnprintf(buf + n, sizeof buf - static_cast<std::size_t>(n) - 1, fmt, ap);
  va_end(ap);
  if (m > 0) {
    const int end = n + std::min(m, static_cast<int>(sizeof buf) - n - 2);
    // One event, one line: control characters from peer bodies would forge log lines.
    for (int i = n; i < end; ++i) {
      if (static_cast<unsigned char>(buf[i]) < 0x20) buf[i] = ' ';
    }
    n = end;
  }
  buf[n++] = '\n';
  (void)!::write(2, buf, static_cast<std::size_t>(n));
}

}  // namespace levdyn::log
