#pragma once

// A thread of its own that makes items ahead of the thread that takes them (a capture file's
// decompressed blocks, a JSONL file's parsed lines), in order, with at most `ahead` of them
// ready at once (the thread refills the queue once it is down to half). Items taken are handed
// back and made again, so their buffers keep their capacity and a long file allocates only its
// first few.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "service/feed/thread_name.h"

namespace levdyn::capture {

template <typename T>
class ReadAhead {
 public:
  /// Starts the thread, named `name`. It calls `make(item)` with an item handed back (or a new
  /// one) to make the next item, which must not throw; `make` returns true for the last one,
  /// after which the thread stops. Destruction stops it too, and waits for it.
  template <typename Make>
  ReadAhead(std::size_t ahead, const char* name, Make make)
      : ahead_(ahead), thread_([this, name, make = std::move(make)]() mutable {
          feed::set_thread_name(name);
          run(make);
        }) {}
  ~ReadAhead() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    space_cv_.notify_all();
    thread_.join();
  }
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  /// The next item, waiting for it if need be; `spent` (the item taken before) is made again.
  /// Not to be called after the last item.
  T take(T spent) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (spare_.size() <= ahead_) spare_.push_back(std::move(spent));
    if (ready_.empty()) {
      taker_waiting_ = true;
      ready_cv_.wait(lock, [this] { return !ready_.empty(); });
      taker_waiting_ = false;
    }
    T item = std::move(ready_.front());
    ready_.pop_front();
    const bool wake = maker_waiting_ && ready_.size() <= low_;
    lock.unlock();
    if (wake) space_cv_.notify_one();
    return item;
  }

 private:
  /// The thread fills the queue to `ahead_`, then sleeps until it is down to `low_`: one
  /// wake-up per (ahead − low) items, not one per item, and each side signals the other only
  /// when it sleeps (a futex wake is a system call, costly under some hypervisors).
  template <typename Make>
  void run(Make& make) {
    while (true) {
      T item;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!stop_ && ready_.size() >= ahead_) {
          maker_waiting_ = true;
          space_cv_.wait(lock, [this] { return stop_ || ready_.size() <= low_; });
          maker_waiting_ = false;
        }
        if (stop_) return;
        if (!spare_.empty()) {
          item = std::move(spare_.back());
          spare_.pop_back();
        }
      }
      const bool last = make(item);
      bool wake = false;
      {
        const std::lock_guard<std::mutex> lock(mutex_);
        ready_.push_back(std::move(item));
        wake = taker_waiting_;
      }
      if (wake) ready_cv_.notify_one();
      if (last) return;
    }
  }

  const std::size_t ahead_;
  const std::size_t low_ = ahead_ / 2;
  std::mutex mutex_;
  std::condition_variable ready_cv_;  // an item handed over
  std::condition_variable space_cv_;  // the queue down to low_, or stop_
  std::deque<T> ready_;
  std::vector<T> spare_;
  bool taker_waiting_ = false;
  bool maker_waiting_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace levdyn::capture
