// Core benchmarks: our SPSC ring beside boost::lockfree::spsc_queue on the same event type in
// the same run, and the engine's cost per event with 4 windows for 10 → 2000 instruments.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <boost/lockfree/spsc_queue.hpp>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/engine.h"
#include "core/hawkes.h"
#include "core/spsc_queue.h"
#include "service/app/huge_page_arena.h"

namespace {

using levdyn::core::NormalizedEvent;

NormalizedEvent make_trade(std::uint32_t instrument, std::int64_t t_ns, double px) {
  NormalizedEvent e{};
  e.exchange_ts_ns = t_ns;
  e.recv_wall_ns = t_ns;
  e.recv_steady_ns = t_ns;
  e.instrument = instrument;
  e.venue = levdyn::core::Venue::kBinance;
  e.type = levdyn::core::EventType::kTrade;
  e.trade = {px, 0.01, px * 0.01, levdyn::core::Side::kBuy};
  return e;
}

constexpr std::int64_t kItems = 1 << 22;

/// Pins the calling thread to one CPU. The ring benchmarks put the producer on CPU 0 and the
/// consumer on CPU 1, as the feed and engine threads run on two cores: left to the scheduler on
/// a 2-vCPU machine, the two threads sometimes share one vCPU and take turns filling and
/// draining the ring from one cache, which measured 2-3x faster than the cross-core case (boost
/// 22 vs 48-64 M/s in one binary) and made the ratio a draw of thread placement.
void pin_to_cpu(int cpu) {
  if (static_cast<int>(std::thread::hardware_concurrency()) <= cpu) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/// Restores the benchmark thread's CPU set after a pinned run.
class PinnedProducer {
 public:
  PinnedProducer() {
    (void)pthread_getaffinity_np(pthread_self(), sizeof saved_, &saved_);
    pin_to_cpu(0);
  }
  ~PinnedProducer() { (void)pthread_setaffinity_np(pthread_self(), sizeof saved_, &saved_); }
  PinnedProducer(const PinnedProducer&) = delete;
  PinnedProducer& operator=(const PinnedProducer&) = delete;

 private:
  cpu_set_t saved_{};
};

// Two threads, pinned to CPUs 0 and 1, move kItems events through our ring; items/s is the
// throughput.
void BM_Ring_Levdyn(benchmark::State& state) {
  const PinnedProducer pinned;
  for (auto _ : state) {
    // On the heap, as the service holds its rings (and as the boost queue below is).
    auto q = std::make_unique<levdyn::core::SpscQueue<NormalizedEvent>>(65536);
    std::thread consumer([&] {
      pin_to_cpu(1);
      double sum = 0;
      for (std::int64_t i = 0; i < kItems; ++i) {
        const NormalizedEvent* e;
        while ((e = q->front()) == nullptr) {
        }
        sum += e->trade.price;
        q->pop();
      }
      benchmark::DoNotOptimize(sum);
    });
    const auto ev = make_trade(1, 1, 100.0);
    for (std::int64_t i = 0; i < kItems; ++i) {
      while (!q->try_push(ev)) {
      }
    }
    consumer.join();
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}
BENCHMARK(BM_Ring_Levdyn)->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)
    ->ReportAggregatesOnly(true);

// The same with boost::lockfree::spsc_queue (the baseline).
void BM_Ring_BoostLockfree(benchmark::State& state) {
  const PinnedProducer pinned;
  for (auto _ : state) {
    auto q = std::make_unique<boost::lockfree::spsc_queue<NormalizedEvent>>(65536);
    std::thread consumer([&] {
      pin_to_cpu(1);
      double sum = 0;
      NormalizedEvent e;
      for (std::int64_t i = 0; i < kItems; ++i) {
        while (!q->pop(e)) {
        }
        sum += e.trade.price;
      }
      benchmark::DoNotOptimize(sum);
    });
    const auto ev = make_trade(1, 1, 100.0);
    for (std::int64_t i = 0; i < kItems; ++i) {
      while (!q->push(ev)) {
      }
    }
    consumer.join();
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}
BENCHMARK(BM_Ring_BoostLockfree)->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(5)
    ->ReportAggregatesOnly(true);

// Engine::apply per event (trades, OI, liquidations mixed) over N instruments, 4 windows,
// with a dirty publish every `publish_every` events (0: never): every 1024 in BM_Engine_Apply,
// where the runner publishes once per batch of events; never in BM_Engine_ApplyOnly, the cost
// of apply() alone; after every event in BM_Engine_PublishEach, as the runner does when events
// come one at a time. A publish recomputes each instrument applied to since the last one: at
// 2000 instruments nearly every event dirties another instrument, at 10 a publish covers ~100
// events.
// The engine's memory as the service allocates it (app::HugePageArena: 2 MiB pages), or from
// the default heap (BM_Engine_Apply_Heap, the baseline for that choice).
void engine_apply(benchmark::State& state, std::pmr::memory_resource* memory,
                  std::size_t publish_every = 1024) {
  const int n = static_cast<int>(state.range(0));
  levdyn::core::InstrumentTable table;
  for (int i = 0; i < n; ++i) {
    levdyn::core::InstrumentSpec s;
    s.symbol = "SYM" + std::to_string(i) + "USDT";
    s.asset = "A" + std::to_string(i % 50);
    table.add(s);
  }
  levdyn::core::EngineConfig cfg;
  levdyn::core::PublishedState out(table, static_cast<int>(cfg.windows_ns.size()),
                                   cfg.windows_ns.data(), memory);
  levdyn::core::Engine engine(cfg, table, out, memory);
  std::mt19937_64 rng(7);
  std::vector<NormalizedEvent> events;
  std::int64_t t = 1'700'000'000'000'000'000;
  for (int i = 0; i < 1 << 16; ++i) {
    t += 50'000;  // 20 k events/s
    auto e = make_trade(static_cast<std::uint32_t>(rng() % n), t, 100.0 + (rng() % 100) * 0.01);
    const int kind = static_cast<int>(rng() % 10);
    if (kind == 0) {
      e.type = levdyn::core::EventType::kOpenInterest;
      e.oi = {levdyn::core::kAbsent, 1000.0 + (rng() % 100), 1e5, levdyn::core::OiSource::kWs};
    } else if (kind == 1) {
      e.type = levdyn::core::EventType::kLiquidation;
      e.liq = {100.0, 0.5, 50.0, levdyn::core::Position::kLong, levdyn::core::Side::kSell,
               levdyn::core::Completeness::kFull};
    }
    events.push_back(e);
  }
  // Warm every instrument's windows.
  for (const auto& e : events) engine.apply(e);
  std::size_t i = 0;
  std::int64_t shift = 0;
  for (auto _ : state) {
    auto e = events[i & (events.size() - 1)];
    e.exchange_ts_ns += shift;
    e.recv_wall_ns += shift;
    engine.apply(e);
    ++i;
    if (publish_every != 0 && i % publish_every == 0) engine.publish(e.recv_wall_ns, false);
    if ((i & (events.size() - 1)) == 0) shift += t - events.front().exchange_ts_ns + 50'000;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Engine_Apply(benchmark::State& state) {
  levdyn::app::HugePageArena arena;
  engine_apply(state, &arena);
}
void BM_Engine_ApplyOnly(benchmark::State& state) {
  levdyn::app::HugePageArena arena;
  engine_apply(state, &arena, 0);
}
BENCHMARK(BM_Engine_ApplyOnly)->Arg(10)->Arg(2000)->Repetitions(5)->ReportAggregatesOnly(true);

void BM_Engine_PublishEach(benchmark::State& state) {
  levdyn::app::HugePageArena arena;
  engine_apply(state, &arena, 1);
}
BENCHMARK(BM_Engine_PublishEach)->Arg(10)->Arg(2000)->Repetitions(5)->ReportAggregatesOnly(true);

BENCHMARK(BM_Engine_Apply)->Arg(10)->Arg(100)->Arg(500)->Arg(2000)->Repetitions(5)
    ->ReportAggregatesOnly(true);

void BM_Engine_Apply_Heap(benchmark::State& state) {
  engine_apply(state, std::pmr::get_default_resource());
}
BENCHMARK(BM_Engine_Apply_Heap)->Arg(10)->Arg(2000)->Repetitions(5)->ReportAggregatesOnly(true);

// The Hawkes fit's inner loop: the log-likelihood with its gradient and Hessian (one pass,
// as each Newton step of a refit evaluates it) over N arrivals of a self-exciting sequence at
// ~10 per second. ns per arrival; a refit of a full 1 h window takes about 3 of these passes.
void BM_Hawkes_Likelihood(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::mt19937_64 rng(11);
  std::exponential_distribution<double> gap(10.0);
  std::vector<double> t;
  double now = 0;
  for (int i = 0; i < n; ++i) {
    now += gap(rng) * (i % 7 == 0 ? 5.0 : 0.3);  // bursts and lulls
    t.push_back(now);
  }
  const double horizon = now + 1.0;
  double grad[3], hess[6];
  for (auto _ : state) {
    const double ll = levdyn::core::hawkes_log_likelihood(t, horizon, 2.0, 0.05, 0.1, grad, hess);
    benchmark::DoNotOptimize(ll);
    benchmark::DoNotOptimize(grad);
    benchmark::DoNotOptimize(hess);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_Hawkes_Likelihood)->Arg(20000)->Repetitions(5)->ReportAggregatesOnly(true);

// Memory per instrument: memory in use (the heap's, by mallinfo2, and the engine arena's) and
// resident set growth after N instruments have each received every event type and been
// published (windows, samples, Hawkes and cascade state, published slots), allocated as the
// service allocates them. Goal ≤ 64 KiB per instrument beyond the baseline (0 instruments).
long rss_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

void BM_Engine_Memory(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    const std::size_t heap0 = mallinfo2().uordblks;
    const long rss0 = rss_kib();
    {
      auto table = std::make_unique<levdyn::core::InstrumentTable>();
      for (int i = 0; i < n; ++i) {
        levdyn::core::InstrumentSpec s;
        s.symbol = "SYM" + std::to_string(i) + "USDT";
        s.asset = "A" + std::to_string(i % 50);
        table->add(s);
      }
      levdyn::core::EngineConfig cfg;
      auto arena = std::make_unique<levdyn::app::HugePageArena>();
      auto out = std::make_unique<levdyn::core::PublishedState>(
          *table, static_cast<int>(cfg.windows_ns.size()), cfg.windows_ns.data(), arena.get());
      auto engine = std::make_unique<levdyn::core::Engine>(cfg, *table, *out, arena.get());
      std::int64_t t = 1'700'000'000'000'000'000;
      for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < n; ++i) {
          t += 1'000'000;
          auto e = make_trade(static_cast<std::uint32_t>(i), t, 100.0);
          engine->apply(e);
          e.type = levdyn::core::EventType::kOpenInterest;
          e.oi = {levdyn::core::kAbsent, 1000.0, 1e5, levdyn::core::OiSource::kWs};
          engine->apply(e);
          e.type = levdyn::core::EventType::kLiquidation;
          e.liq = {100.0, 0.5, 50.0, levdyn::core::Position::kLong, levdyn::core::Side::kSell,
                   levdyn::core::Completeness::kFull};
          engine->apply(e);
        }
        engine->publish(t, true);
      }
      const double heap = static_cast<double>(mallinfo2().uordblks - heap0 + arena->used());
      const double rss = static_cast<double>(rss_kib() - rss0);
      state.counters["heap_kib_per_instrument"] = heap / 1024.0 / n;
      state.counters["rss_kib_per_instrument"] = rss / n;
      benchmark::DoNotOptimize(engine.get());
    }
  }
}
BENCHMARK(BM_Engine_Memory)->Arg(100)->Arg(2000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
