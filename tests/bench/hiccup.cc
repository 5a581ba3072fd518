// Host noise, for reading `make bench`'s figures: one thread per CPU, each pinned to its CPU,
// reads the steady clock in a loop for SECONDS and counts the gaps between two readings longer
// than 50 µs and 100 µs. On an idle machine such a gap is time the thread did not run: an
// interrupt, another task, or the hypervisor running something else on that vCPU. A latency
// percentile on a host with many of them measures the host as much as the code.
//
// usage: levdyn_hiccup [SECONDS [LABEL]]   (default 5; one markdown table row per CPU:
//        | LABEL | CPU n | gaps > 50 µs per s | gaps > 100 µs per s | time lost | longest |)
#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

struct Gaps {
  long over_50us = 0;
  long over_100us = 0;
  long long max_ns = 0;
  long long lost_ns = 0;  // the sum of the gaps over 50 µs
};

Gaps watch(int cpu, double seconds) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  (void)pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  Gaps g;
  auto prev = Clock::now();
  for (auto t = prev; t < end; prev = t) {
    t = Clock::now();
    const long long ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t - prev).count();
    if (ns > 50'000) {
      ++g.over_50us;
      g.lost_ns += ns;
      if (ns > 100'000) ++g.over_100us;
    }
    if (ns > g.max_ns) g.max_ns = ns;
  }
  return g;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  const char* label = argc > 2 ? argv[2] : "now";
  if (!(seconds > 0) || argc > 3) {
    std::fprintf(stderr, "usage: levdyn_hiccup [SECONDS [LABEL]]\n");
    return 2;
  }
  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  std::vector<Gaps> gaps(static_cast<std::size_t>(cpus));
  std::vector<std::thread> threads;
  for (int c = 0; c < cpus; ++c) {
    threads.emplace_back(
        [&gaps, c, seconds] { gaps[static_cast<std::size_t>(c)] = watch(c, seconds); });
  }
  for (auto& t : threads) t.join();
  for (int c = 0; c < cpus; ++c) {
    const Gaps& g = gaps[static_cast<std::size_t>(c)];
    std::printf(
        "| %s | CPU %d | %.1f | %.1f | %.2f %% | %.0f µs |\n", label, c,
        static_cast<double>(g.over_50us) / seconds, static_cast<double>(g.over_100us) / seconds,
        static_cast<double>(g.lost_ns) / (seconds * 1e7), static_cast<double>(g.max_ns) / 1e3);
  }
  return 0;
}
