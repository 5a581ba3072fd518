#include "service/app/engine_runner.h"

#include <algorithm>

#include "service/feed/sched_slice.h"
#include "service/feed/ws_session.h"
#include "service/feed/thread_name.h"

namespace levdyn::app {

namespace {
constexpr std::int64_t kFullPublishNs = 100'000'000;  // windows roll even without events
constexpr std::int64_t kRefitNs = 1'000'000'000;      // Hawkes MLE at most once a second
// Idle strategy (spin -> yield -> park), by time since the last event rather than by count:
// pause-spin spin_ns_ (set_spin; at least 50 µs) after the last event,
constexpr int kYields = 10;                       // then yield a few times,
constexpr std::int64_t kMaxParkNs = 20'000'000;   // then park until woken, the next timed
                                                  // publish, or at most this long.
// The engine thread's scheduler slice: short, so that a wake-up preempts a thread with a
// longer slice (the HTTP thread, a load generator) instead of waiting for its slice to end.
constexpr std::chrono::microseconds kEngineSlice{100};
// The fit thread's nice value: a refit (milliseconds of CPU once a second) yields to the feed,
// engine and HTTP threads when it shares a core with them, instead of delaying a frame.
constexpr int kFitNice = 10;
}  // namespace

EngineRunner::EngineRunner(core::Engine& engine, std::vector<Ring*> rings,
                           feed::LatencyHistogram& pipeline, feed::LatencyHistogram& exchange_lag)
    : engine_(engine), rings_(std::move(rings)), pipeline_(pipeline), exchange_lag_(exchange_lag) {
  batch_recv_.reserve(kMaxBatch);
}

EngineRunner::~EngineRunner() { stop(); }

std::size_t EngineRunner::depth() const noexcept {
  std::size_t n = 0;
  for (const Ring* r : rings_) n += r->size();
  return n;
}

bool EngineRunner::rings_empty() const noexcept {
  for (const Ring* r : rings_) {
    if (!r->empty()) return false;
  }
  return true;
}

std::size_t EngineRunner::run_once(std::int64_t wall_ns, std::int64_t steady_ns) {
  batch_recv_.clear();
  for (Ring* ring : rings_) {
    while (batch_recv_.size() < kMaxBatch) {
      const core::NormalizedEvent* e = ring->front();
      if (e == nullptr) break;
      engine_.apply(*e);
      batch_recv_.push_back(e->recv_steady_ns);
      if (e->exchange_ts_ns != 0 && e->type != core::EventType::kFeedStatus) {
        const double lag = static_cast<double>(e->recv_wall_ns - e->exchange_ts_ns) / 1e9;
        exchange_lag_.observe(lag > 0 ? lag : 0.0);  // negative = clock skew: counted as 0
      }
      ring->pop();
    }
  }
  const std::size_t n = batch_recv_.size();
  if (n > 0) {
    engine_.publish(wall_ns, false);
    const std::int64_t published = feed::steady_now_ns();
    for (const std::int64_t recv : batch_recv_) {
      if (recv > 0) pipeline_.observe(static_cast<double>(published - recv) / 1e9);
    }
    events_.fetch_add(n, std::memory_order_relaxed);
  }
  if (steady_ns - last_full_publish_ >= kFullPublishNs) {
    last_full_publish_ = steady_ns;
    engine_.publish(wall_ns, true);
  }
  service_fits(wall_ns, steady_ns);
  return n;
}

void EngineRunner::service_fits(std::int64_t wall_ns, std::int64_t steady_ns) {
  if (!fits_) {
    // Never started (tests driving run_once): fit in line. Stopped: no more fits while the
    // rings are drained.
    if (!fit_thread_started_ && steady_ns - last_refit_ >= kRefitNs) {
      last_refit_ = steady_ns;
      engine_.refit(wall_ns);
    }
    return;
  }
  if (fits_->try_take(fit_results_)) {
    for (const auto& r : fit_results_) engine_.apply_fit(r);
  }
  if (steady_ns - last_refit_ < kRefitNs) return;
  if (!fits_->idle()) return;  // the previous round is still fitting: try again next time
  last_refit_ = steady_ns;
  jobs_scratch_.clear();
  engine_.collect_fit_jobs(wall_ns, jobs_scratch_);
  if (jobs_scratch_.empty()) return;
  fits_->submit(jobs_scratch_);
}

void EngineRunner::loop() {
  (void)feed::request_short_slice(kEngineSlice);  // best effort: older kernels keep the default
  std::int64_t last_event = feed::steady_now_ns();
  int yields = 0;
  while (running_.load(std::memory_order_acquire)) {
    const std::int64_t now = feed::steady_now_ns();
    if (run_once(feed::wall_now_ns(), now) > 0) {
      last_event = now;
      yields = 0;
      continue;
    }
    if (now - last_event < spin_ns_) {
      __builtin_ia32_pause();  // the next frame is often microseconds away (a burst)
    } else if (yields < kYields) {
      ++yields;
      std::this_thread::yield();
    } else {
      // Park until a feed thread pushes, or the next timed publish is due. A parked thread is
      // woken by the push (a wake-up preempts: see kEngineSlice); a spinning or yielding one
      // that lost its core would wait for the scheduler's tick instead.
      const std::int64_t due = last_full_publish_ + kFullPublishNs - now;
      const std::int64_t park_ns = std::clamp<std::int64_t>(due, 1'000, kMaxParkNs);
      parker_.park(std::chrono::microseconds(park_ns / 1'000), [this] {
        return rings_empty() && running_.load(std::memory_order_seq_cst);  // stop() wakes too
      });
    }
  }
}

void EngineRunner::start() {
  if (running_.exchange(true)) return;
  fits_ = std::make_unique<FitWorker>(kFitNice);
  fit_thread_started_ = true;
  thread_ = std::thread([this] {
    feed::set_thread_name("levdyn-engine");
    loop();
  });
}

void EngineRunner::start_inline() {
  if (running_.exchange(true)) return;
  fits_ = std::make_unique<FitWorker>(kFitNice);
  fit_thread_started_ = true;
}

void EngineRunner::drain() {
  // One run_once per frame in line (a frame's events are far fewer than kMaxBatch): the loop
  // goes round again only for what is left, never for an empty pass that reads both clocks.
  do {
    (void)run_once(feed::wall_now_ns(), feed::steady_now_ns());
  } while (!rings_empty());
}

void EngineRunner::stop() {
  if (!running_.exchange(false)) return;
  parker_.unpark();
  if (thread_.joinable()) thread_.join();
  fits_.reset();  // a round in progress finishes first; its results are dropped
  // Whatever the feeds pushed before stopping is applied: nothing received is lost.
  while (run_once(feed::wall_now_ns(), feed::steady_now_ns()) > 0) {
  }
  engine_.publish(feed::wall_now_ns(), true);
}

}  // namespace levdyn::app
