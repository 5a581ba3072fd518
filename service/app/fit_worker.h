#pragma once

// The Hawkes fit thread, shared by the engine thread (EngineRunner) and `levdyn replay`: one
// round of fit jobs (Engine::collect_fit_jobs) at a time is fitted off the caller's thread
// (core::run_fit_job, pure) and its results handed back in job order, for Engine::apply_fit.
// A new round is handed over only once the previous one has been taken, so a slow fit delays
// the next round instead of queueing work.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "core/engine.h"

namespace levdyn::app {

class FitWorker {
 public:
  /// Starts the thread (named levdyn-fit) at the given nice value (0: unchanged).
  explicit FitWorker(int nice);
  /// Stops the thread; a round in progress finishes first, and its results are dropped.
  ~FitWorker();
  FitWorker(const FitWorker&) = delete;
  FitWorker& operator=(const FitWorker&) = delete;

  /// True when no round is handed over and untaken: submit() may be called.
  [[nodiscard]] bool idle();
  /// Hands over a round (swapped out of `jobs`). Requires idle().
  void submit(std::vector<core::HawkesFitJob>& jobs);
  /// Without blocking: true, with the results swapped into `out`, when the round is fitted.
  /// One atomic load when it is not (the engine thread calls it on every loop iteration).
  bool try_take(std::vector<core::HawkesFitResult>& out);
  /// Blocks until the round handed over is fitted; its results swapped into `out`.
  void wait_take(std::vector<core::HawkesFitResult>& out);
  /// Time spent fitting so far (wall time of the rounds on the fit thread).
  [[nodiscard]] std::int64_t busy_ns() const noexcept {
    return busy_ns_.load(std::memory_order_relaxed);
  }

 private:
  void loop(int nice);
  void take_locked(std::vector<core::HawkesFitResult>& out);

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<core::HawkesFitJob> jobs_;
  std::vector<core::HawkesFitResult> results_;
  bool busy_ = false;  // a round is handed over and not yet taken
  bool stop_ = false;
  std::atomic<bool> done_{false};  // results are waiting
  std::atomic<std::int64_t> busy_ns_{0};
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace levdyn::app
