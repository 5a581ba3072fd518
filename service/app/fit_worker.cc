#include "service/app/fit_worker.h"

#include <chrono>

#include "service/feed/sched_slice.h"
#include "service/feed/thread_name.h"

namespace levdyn::app {

FitWorker::FitWorker(int nice) : thread_([this, nice] { loop(nice); }) {}

FitWorker::~FitWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool FitWorker::idle() {
  std::lock_guard<std::mutex> lock(mu_);
  return !busy_;
}

void FitWorker::submit(std::vector<core::HawkesFitJob>& jobs) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.swap(jobs);
    busy_ = true;
  }
  cv_.notify_all();
}

void FitWorker::take_locked(std::vector<core::HawkesFitResult>& out) {
  out.clear();
  out.swap(results_);
  busy_ = false;
  done_.store(false, std::memory_order_relaxed);
}

bool FitWorker::try_take(std::vector<core::HawkesFitResult>& out) {
  if (!done_.load(std::memory_order_acquire)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  take_locked(out);
  return true;
}

void FitWorker::wait_take(std::vector<core::HawkesFitResult>& out) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return done_.load(std::memory_order_relaxed); });
  take_locked(out);
}

void FitWorker::loop(int nice) {
  feed::set_thread_name("levdyn-fit");
  if (nice != 0) (void)feed::lower_priority(nice);
  std::vector<core::HawkesFitJob> jobs;
  std::vector<core::HawkesFitResult> results;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (stop_) return;
    jobs.clear();
    jobs.swap(jobs_);
    lock.unlock();
    const auto t0 = std::chrono::steady_clock::now();
    results.clear();
    for (const auto& job : jobs) results.push_back(core::run_fit_job(job));
    busy_ns_.fetch_add(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count(),
        std::memory_order_relaxed);
    lock.lock();
    results_.swap(results);
    done_.store(true, std::memory_order_release);
    cv_.notify_all();
  }
}

}  // namespace levdyn::app
