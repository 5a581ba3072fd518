#include "service/app/huge_page_arena.h"

#include <sanitizer/asan_interface.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace levdyn::app {

namespace {
std::size_t round_up(std::size_t n, std::size_t to) noexcept { return (n + to - 1) / to * to; }

// Under AddressSanitizer the arena keeps what it has not handed out poisoned, with a gap
// after every allocation, so that an overrun of an instrument's buckets is reported as it
// would be on the heap. ASAN_(UN)POISON_MEMORY_REGION are no-ops in other builds.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::size_t kRedzone = 64;
#else
constexpr std::size_t kRedzone = 0;
#endif
// The kB value of `field` ("AnonHugePages:") in /proc/self/smaps for the mapping that holds
// `at`; -1 when it cannot be read.
long smaps_kib(std::uintptr_t at, const char* field) {
  std::FILE* f = std::fopen("/proc/self/smaps", "r");
  if (f == nullptr) return -1;
  const std::size_t n = std::strlen(field);
  char line[512];
  bool inside = false;
  long out = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long lo = 0, hi = 0;
    if (std::sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {  // a mapping's first line
      inside = lo <= at && at < hi;
    } else if (inside && std::strncmp(line, field, n) == 0) {
      out = std::strtol(line + n, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return out;
}

// The selected word of /sys/kernel/mm/transparent_hugepage/enabled ("always [madvise] never").
std::string thp_mode() {
  std::FILE* f = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  if (f == nullptr) return "not available";
  char text[128] = {};
  const std::size_t got = std::fread(text, 1, sizeof text - 1, f);
  std::fclose(f);
  const std::string s(text, got);
  const auto open = s.find('[');
  const auto close = s.find(']', open);
  if (open == std::string::npos || close == std::string::npos) return "unknown";
  return s.substr(open + 1, close - open - 1);
}
}  // namespace

std::string HugePageArena::pages() const {
  if (mappings_.empty()) return "no memory mapped";
  const long huge =
      smaps_kib(reinterpret_cast<std::uintptr_t>(mappings_.front().base), "AnonHugePages:");
  if (huge > 0) return "2 MiB pages";
  const std::string mode = thp_mode();
  if (mode == "always" || mode == "madvise") {
    return "4 KiB pages (transparent huge pages: " + mode + ", but none was free)";
  }
  return "4 KiB pages (transparent huge pages: " + mode + ")";
}

HugePageArena::HugePageArena(std::size_t first_bytes) { map(first_bytes); }

HugePageArena::~HugePageArena() {
  for (const Mapping& m : mappings_) {
    ASAN_UNPOISON_MEMORY_REGION(m.base, m.size);
    munmap(m.base, m.size);
  }
}

void HugePageArena::map(std::size_t bytes) {
  const std::size_t size = round_up(std::max<std::size_t>(bytes, 1), kPage);
  // Over-map by one page and trim, so that the mapping starts on a 2 MiB boundary: only
  // aligned 2 MiB ranges can be backed by a huge page.
  const std::size_t span = size + kPage;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto addr = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = round_up(addr, kPage);
  if (aligned > addr) munmap(raw, aligned - addr);
  const std::size_t tail = span - (aligned - addr) - size;
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + size), tail);
  void* base = reinterpret_cast<void*>(aligned);
  // A hint: EINVAL where the kernel has no transparent huge pages, and ordinary pages serve.
  (void)madvise(base, size, MADV_HUGEPAGE);
  // Take the page faults now, not on an instrument's first event.
  std::memset(base, 0, size);
  ASAN_POISON_MEMORY_REGION(base, size);
  mappings_.push_back({base, size});
  next_ = static_cast<std::byte*>(base);
  end_ = next_ + size;
  mapped_ += size;
}

void* HugePageArena::do_allocate(std::size_t bytes, std::size_t alignment) {
  auto p = round_up(reinterpret_cast<std::uintptr_t>(next_), alignment);
  const auto end = reinterpret_cast<std::uintptr_t>(end_);
  if (p > end || bytes + kRedzone > end - p) {
    map(bytes + kRedzone + alignment);
    p = round_up(reinterpret_cast<std::uintptr_t>(next_), alignment);
  }
  auto* out = reinterpret_cast<std::byte*>(p);
  next_ = out + bytes + kRedzone;
  used_ += bytes;
  ASAN_UNPOISON_MEMORY_REGION(out, bytes);
  return out;
}

}  // namespace levdyn::app
