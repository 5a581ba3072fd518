#include "service/app/engine_runner.h"

#include "service/feed/ws_session.h"

namespace levdyn::app {

namespace {
constexpr std::int64_t kFullPublishNs = 100'000'000;  // windows roll even without events
constexpr std::int64_t kRefitNs = 1'000'000'000;      // Hawkes MLE at most once a second
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
  if (steady_ns - last_refit_ >= kRefitNs) {
    last_refit_ = steady_ns;
    engine_.refit(wall_ns);
  }
  return n;
}

void EngineRunner::loop() {
  int idle = 0;
  while (running_.load(std::memory_order_acquire)) {
    const std::size_t n = run_once(feed::wall_now_ns(), feed::steady_now_ns());
    if (n > 0) {
      idle = 0;
      continue;
    }
    ++idle;
    if (idle < 200) {
      __builtin_ia32_pause();  // spin briefly: the next frame is often microseconds away
    } else if (idle < 220) {
      std::this_thread::yield();
    } else {
      // Park until a feed thread pushes, or the next timed publish is due.
      parker_.park(std::chrono::microseconds(20'000), [this] { return rings_empty(); });
    }
  }
}

void EngineRunner::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { loop(); });
}

void EngineRunner::stop() {
  if (!running_.exchange(false)) return;
  parker_.unpark();
  if (thread_.joinable()) thread_.join();
  // Whatever the feeds pushed before stopping is applied: nothing received is lost.
  while (run_once(feed::wall_now_ns(), feed::steady_now_ns()) > 0) {
  }
  engine_.publish(feed::wall_now_ns(), true);
}

}  // namespace levdyn::app
