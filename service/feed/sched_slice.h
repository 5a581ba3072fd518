#pragma once

// Asks the Linux scheduler (EEVDF, kernel >= 6.12) for a short time slice for the calling
// thread, so that when it wakes it preempts a thread that has used more of its slice instead
// of waiting for that slice to end (the kernel's PREEMPT_SHORT rule). The engine thread and the
// feed threads run in short bursts on a wake-up; on a 2-core machine where the HTTP thread and
// a load generator keep both cores busy, a default slice (0.7 ms x (1 + log2 cores)) is what a
// woken engine waits behind. No privilege is needed: the nice value is kept as it is, and only
// SCHED_OTHER's slice hint changes. Older kernels ignore the hint or refuse it (false).

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>

namespace levdyn::feed {

/// Best effort; true when the kernel took the hint.
inline bool request_short_slice(std::chrono::microseconds slice) noexcept {
  struct SchedAttr {  // struct sched_attr (include/uapi/linux/sched/types.h), SCHED_ATTR_SIZE_VER1
    std::uint32_t size;
    std::uint32_t sched_policy;
    std::uint64_t sched_flags;
    std::int32_t sched_nice;
    std::uint32_t sched_priority;
    std::uint64_t sched_runtime;
    std::uint64_t sched_deadline;
    std::uint64_t sched_period;
    std::uint32_t sched_util_min;
    std::uint32_t sched_util_max;
  };
  const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  if (nice == -1 && errno != 0) return false;
  SchedAttr attr{};
  attr.size = sizeof attr;
  attr.sched_policy = SCHED_OTHER;
  attr.sched_nice = nice;  // unchanged: lowering it would need CAP_SYS_NICE
  attr.sched_runtime = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(slice).count());
  return syscall(SYS_sched_setattr, tid, &attr, 0u) == 0;
}

/// Lowers the calling thread's priority to `nice` (a higher value; no privilege needed) for
/// background work such as the Hawkes fits: when it shares a core with the feed or HTTP threads
/// it gets a small share of it rather than an equal one. Best effort; true when applied.
inline bool lower_priority(int nice) noexcept {
  const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  return setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice) == 0;
}

}  // namespace levdyn::feed
