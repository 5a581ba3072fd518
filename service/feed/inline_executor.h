#pragma once

// The executor of a WebSocket session's read handler. When a message is already in the
// session's buffers (the socket read that brought it brought the next ones too), Beast
// completes the read without I/O and *posts* the handler; Asio's scheduler then runs its
// reactor — an epoll_wait system call — between that handler and the next, one syscall per
// message and the largest cost of the feed thread at high rates (perf, scripts/bench_ingest.py).
// This executor runs such a completion at once instead, when it is asked to on the feed thread
// itself and fewer than kMaxDepth are already nested on the stack; otherwise it posts as usual.
//
// It reports blocking.possibly and accepts require(blocking.never) without honouring it: the
// read handler (WsSession::on_read) ends in the next async_read and touches nothing after it,
// so running it inside Beast's completion is safe. Use it for that handler only.

#include <boost/asio/execution.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/require.hpp>
#include <utility>

namespace levdyn::feed {

class InlineFirstExecutor {
 public:
  explicit InlineFirstExecutor(boost::asio::io_context::executor_type inner) noexcept
      : inner_(inner) {}

  [[nodiscard]] boost::asio::io_context& query(boost::asio::execution::context_t) const noexcept {
    return inner_.context();
  }
  static constexpr boost::asio::execution::blocking_t query(
      boost::asio::execution::blocking_t) noexcept {
    return boost::asio::execution::blocking.possibly;
  }
  [[nodiscard]] InlineFirstExecutor require(
      boost::asio::execution::blocking_t::never_t) const noexcept {
    return *this;
  }
  [[nodiscard]] InlineFirstExecutor require(
      boost::asio::execution::blocking_t::possibly_t) const noexcept {
    return *this;
  }

  template <typename F>
  void execute(F&& f) const {
    if (depth_ < kMaxDepth && inner_.running_in_this_thread()) {
      ++depth_;
      struct Unnest {
        ~Unnest() { --depth_; }
      } unnest;
      std::forward<F>(f)();
      return;
    }
    boost::asio::require(inner_, boost::asio::execution::blocking.never)
        .execute(std::forward<F>(f));
  }

  friend bool operator==(const InlineFirstExecutor& a, const InlineFirstExecutor& b) noexcept {
    return a.inner_ == b.inner_;
  }
  friend bool operator!=(const InlineFirstExecutor& a, const InlineFirstExecutor& b) noexcept {
    return !(a == b);
  }

 private:
  static constexpr int kMaxDepth = 16;
  static inline thread_local int depth_ = 0;
  boost::asio::io_context::executor_type inner_;
};

}  // namespace levdyn::feed
