#pragma once

// A counting global allocator for tests that prove a path allocates nothing. Include this
// header in exactly ONE source file of a test executable (it defines the replaceable global
// operator new/delete). Counting is per thread and only inside a CountAllocations scope.

#include <cstddef>
#include <cstdlib>
#include <new>

namespace levdyn::testing_support {

inline thread_local bool g_counting = false;
inline thread_local long g_allocations = 0;

/// Counts the allocations made by this thread while it lives.
class CountAllocations {
 public:
  CountAllocations() {
    g_allocations = 0;
    g_counting = true;
  }
  ~CountAllocations() { g_counting = false; }
  CountAllocations(const CountAllocations&) = delete;
  CountAllocations& operator=(const CountAllocations&) = delete;
  [[nodiscard]] long count() const noexcept { return g_allocations; }
};

}  // namespace levdyn::testing_support

// The replacements pair malloc with free by design; GCC cannot see that through inlining.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (levdyn::testing_support::g_counting) ++levdyn::testing_support::g_allocations;
  if (void* p = std::malloc(n != 0 ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
// The nothrow forms must be replaced too: otherwise they come from the runtime (or a
// sanitizer's interceptor) and their memory would reach our free-based delete.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  if (levdyn::testing_support::g_counting) ++levdyn::testing_support::g_allocations;
  return std::malloc(n != 0 ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return ::operator new(n, t);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
