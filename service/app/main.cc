// levdyn: the executable. Only wiring lives here; see service/app/cli.h.
#include <cstdio>

#include "service/app/cli.h"

namespace {

/// The build's instruction-set level (CMake's LEVDYN_SIMD) against this CPU: a clear message
/// and exit 2 rather than an illegal instruction in the first JSON frame.
bool cpu_supports_build() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
#if defined(__AVX2__)
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("bmi2") ||
      !__builtin_cpu_supports("pclmul")) {
    std::fputs("levdyn: this build needs an x86-64 CPU with AVX2, BMI2 and PCLMUL (LEVDYN_SIMD="
               "haswell); rebuild with cmake -DLEVDYN_SIMD=westmere or none\n",
               stderr);
    return false;
  }
#elif defined(__SSE4_2__)
  if (!__builtin_cpu_supports("sse4.2") || !__builtin_cpu_supports("pclmul")) {
    std::fputs("levdyn: this build needs an x86-64 CPU with SSE4.2 and PCLMUL (LEVDYN_SIMD="
               "westmere); rebuild with cmake -DLEVDYN_SIMD=none\n",
               stderr);
    return false;
  }
#endif
#endif
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (!cpu_supports_build()) return 2;
  return levdyn::app::run_cli(argc, argv);
}
