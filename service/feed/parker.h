#pragma once

// Parks the engine thread when its rings are empty and lets a feed thread wake it (Linux
// futex), so an idle engine costs no CPU yet picks up the next event within microseconds.
// The engine's idle strategy is spin → yield → park (Aeron's BackoffIdleStrategy).

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>

namespace levdyn::feed {

class Parker {
 public:
  /// Consumer: call with the rings seen empty. `still_empty` re-checks them after the parked
  /// flag is visible, which closes the race with a producer that pushed just before. Returns
  /// false when the wait ran out its timeout (no wake-up came).
  template <typename StillEmpty>
  bool park(std::chrono::microseconds timeout, StillEmpty still_empty) noexcept {
    state_.store(1, std::memory_order_seq_cst);
    bool woken = true;
    if (still_empty()) {
      timespec ts{static_cast<time_t>(timeout.count() / 1'000'000),
                  static_cast<long>((timeout.count() % 1'000'000) * 1000)};
      woken = syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAIT_PRIVATE,
                      1, &ts, nullptr, 0) == 0 ||
              errno != ETIMEDOUT;
    }
    state_.store(0, std::memory_order_relaxed);
    return woken;
  }

  /// Producer: call after pushing. Cheap when the consumer is not parked.
  void unpark() noexcept {
    // Orders the producer's ring push before reading the flag (store → load needs a full
    // barrier); pairs with the seq_cst store in park(). A seq_cst read-modify-write rather
    // than a fence: a locked instruction on x86-64 (no dearer than mfence), and TSan models it.
    if (state_.fetch_add(0, std::memory_order_seq_cst) == 1) {
      state_.store(0, std::memory_order_relaxed);
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAKE_PRIVATE, 1,
              nullptr, nullptr, 0);
    }
  }

 private:
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));
  alignas(64) std::atomic<std::uint32_t> state_{0};
};

}  // namespace levdyn::feed
