#pragma once

// Names the calling thread (at most 15 characters) so operators and tools can tell levdyn's
// threads apart: top -H, perf, gdb, /proc/PID/task/*/comm (scripts/bench_ingest.py reads it).

#include <pthread.h>

namespace levdyn::feed {

inline void set_thread_name(const char* name) noexcept { (void)pthread_setname_np(pthread_self(), name); }

}  // namespace levdyn::feed
