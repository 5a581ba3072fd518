#pragma once

// A thread of its own that makes items ahead of the thread that takes them (a capture file's
// decompressed blocks, a JSONL file's parsed lines), in order, with at most `ahead` of them
// ready at once. Items taken are handed back and made again, so their buffers keep their
// capacity and a long file allocates only its first few.

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
    cv_.notify_all();
    thread_.join();
  }
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  /// The next item, waiting for it if need be; `spent` (the item taken before) is made again.
  /// Not to be called after the last item.
  T take(T spent) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (spare_.size() <= ahead_) spare_.push_back(std::move(spent));
    cv_.wait(lock, [this] { return !ready_.empty(); });
    T item = std::move(ready_.front());
    ready_.pop_front();
    lock.unlock();
    cv_.notify_all();
    return item;
  }

 private:
  template <typename Make>
  void run(Make& make) {
    while (true) {
      T item;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [this] { return stop_ || ready_.size() < ahead_; });
        if (stop_) return;
        if (!spare_.empty()) {
          item = std::move(spare_.back());
          spare_.pop_back();
        }
      }
      const bool last = make(item);
      {
        const std::lock_guard<std::mutex> lock(mutex_);
        ready_.push_back(std::move(item));
      }
      cv_.notify_all();
      if (last) return;
    }
  }

  const std::size_t ahead_;
  std::mutex mutex_;
  std::condition_variable cv_;  // an item taken or handed over, or stop_
  std::deque<T> ready_;
  std::vector<T> spare_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace levdyn::capture
