#pragma once

// The engine's driver (DESIGN §1). In line (threads.engine: inline, the default with one feed
// thread), the feed thread calls drain() after each push and on a 10 ms timer: no engine
// thread, and nothing waits for another thread between a frame and its publication. Otherwise
// the engine thread drains every feed ring, applies events to the core::Engine,
// publishes after each batch (at most kMaxBatch events, so the first event of a burst does not
// wait for thousands behind it), republishes everything (windows roll with time, cascade
// episodes close on quiet) every 100 ms, and measures frame-read → published latency. Idle
// strategy: spin for a while after the last event (set_spin: threads.engine_spin, 200 ms by
// default on 2+ CPUs, else 50 µs), yield a few times, then park on a futex until a feed thread
// pushes or the next timed publish is due. The thread asks the scheduler for a short slice
// (feed/sched_slice.h) so that the push's wake-up preempts a busy core.
//
// Hawkes refits run off the event path: at most once a second the engine thread copies each
// asset's arrival times (Engine::collect_fit_jobs, cheap) and hands them to a fit thread
// (FitWorker, at nice 10), which runs the MLE (core::run_fit_job); the engine thread installs
// the results when they are ready (Engine::apply_fit) between batches. A new round is handed
// over only when the previous one is done, so a slow fit delays the next one instead of
// queueing work.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "core/engine.h"
#include "core/spsc_queue.h"
#include "service/app/fit_worker.h"
#include "service/feed/latency_histogram.h"
#include "service/feed/parker.h"

namespace levdyn::app {

class EngineRunner {
 public:
  using Ring = core::SpscQueue<core::NormalizedEvent>;

  EngineRunner(core::Engine& engine, std::vector<Ring*> rings, feed::LatencyHistogram& pipeline,
               feed::LatencyHistogram& exchange_lag);
  ~EngineRunner();

  /// How long the loop spins after the last event before it yields and parks (call before
  /// start(); default 50 µs).
  void set_spin(std::chrono::nanoseconds spin) noexcept { spin_ns_ = spin.count(); }
  void start();
  /// In line (threads.engine: inline): starts the fit thread but no engine thread; the one feed
  /// thread calls drain() after every push and every kInlineTick.
  void start_inline();
  static constexpr std::chrono::milliseconds kInlineTick{10};
  /// run_once at the current clocks (the feed thread, in line), again while the rings are not
  /// empty; at least once, so the timer's call runs the timed tasks.
  void drain();
  /// Drains what is in the rings, publishes a last time and joins.
  void stop();

  [[nodiscard]] feed::Parker& parker() noexcept { return parker_; }
  [[nodiscard]] std::uint64_t events() const noexcept {
    return events_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::size_t depth() const noexcept;

  /// One iteration of the loop (exposed for tests): drains up to `max_batch` events, publishes,
  /// runs the timed tasks at the given clock readings. Returns events applied.
  std::size_t run_once(std::int64_t wall_ns, std::int64_t steady_ns);

 private:
  void loop();
  /// Engine thread: installs finished fits, hands over a new round when due and idle.
  void service_fits(std::int64_t wall_ns, std::int64_t steady_ns);
  [[nodiscard]] bool rings_empty() const noexcept;

  core::Engine& engine_;
  std::vector<Ring*> rings_;
  feed::LatencyHistogram& pipeline_;
  feed::LatencyHistogram& exchange_lag_;
  feed::Parker parker_;
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> events_{0};
  std::vector<std::int64_t> batch_recv_;
  std::int64_t last_full_publish_ = 0;
  std::int64_t spin_ns_ = 50'000;
  std::int64_t last_refit_ = 0;

  std::unique_ptr<FitWorker> fits_;  // from start() to stop()
  bool fit_thread_started_ = false;  // engine-thread only (set before the loop starts)
  std::vector<core::HawkesFitResult> fit_results_;
  std::vector<core::HawkesFitJob> jobs_scratch_;
  static constexpr std::size_t kMaxBatch = 256;
};

}  // namespace levdyn::app
