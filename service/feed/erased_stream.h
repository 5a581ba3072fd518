#pragma once

// A stream layer that hides its next layer's type from the Beast operations built on it.
//
// Beast's WebSocket and HTTP operations call the stream beneath them with their own operation
// as the completion handler. Under a TLS stream that handler type is copied into the TLS read,
// write and record operations and into the TCP stream's timed transfer operations, so each
// distinct caller (every async_read, async_write, async_accept, … call site) compiled its own
// copy of the whole TLS and TCP stack: most of the simulator's 160 s of compilation, and much
// of the HTTP server's and REST poller's. ErasedStream passes every read and write down as
// one type-erased handler (asio::any_completion_handler) and a fixed buffer array, so the next
// layer's operations are compiled once, in erased_stream.cc, for TLS over TCP and plain TCP.
//
// Cost at run time: one indirect call per completion, and the erased handler's storage, which
// comes from Asio's per-thread recycling allocator unless the caller's handler has an
// allocator of its own (no heap allocation per read or write once warm). The venue feeds'
// WebSocket session (ws_session.cc) does not use it: there, at one message per TLS record,
// it cost 2-12 % of the feed thread's frames per CPU second (scripts/bench_ingest.py, three
// alternating rounds), and its read handler's InlineFirstExecutor would need carrying down.
//
// Thread safety: that of the next layer (one strand, or one thread, per stream).

#include <array>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/recycling_allocator.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

namespace levdyn::feed {

/// Up to kMax non-empty buffers of a buffer sequence, by value: the one buffer-sequence type
/// the next layer sees. A longer sequence is cut to its first kMax buffers, which a read_some
/// or write_some may do (they transfer at least one byte, not all of them).
template <class Buffer>
class BufferArray {
 public:
  static constexpr std::size_t kMax = 4;

  template <class Sequence>
  explicit BufferArray(const Sequence& buffers) noexcept {
    const auto end = boost::asio::buffer_sequence_end(buffers);
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != end && n_ < kMax; ++it) {
      Buffer b(*it);
      if (b.size() != 0) buffers_[n_++] = b;
    }
  }

  [[nodiscard]] const Buffer* begin() const noexcept { return buffers_.data(); }
  [[nodiscard]] const Buffer* end() const noexcept { return buffers_.data() + n_; }

 private:
  std::array<Buffer, kMax> buffers_{};
  std::size_t n_ = 0;
};

using MutableBufferArray = BufferArray<boost::asio::mutable_buffer>;
using ConstBufferArray = BufferArray<boost::asio::const_buffer>;

namespace detail {
/// The handler with Asio's recycling allocator when it brings none of its own (Beast's
/// operations report std::allocator), so erasing it does not call malloc on every operation.
template <class Handler>
auto recycled(Handler&& handler) {
  using Allocator = boost::asio::associated_allocator_t<std::decay_t<Handler>>;
  if constexpr (std::is_same_v<Allocator, std::allocator<void>>) {
    return boost::asio::bind_allocator(boost::asio::recycling_allocator<void>(),
                                       std::forward<Handler>(handler));
  } else {
    return std::decay_t<Handler>(std::forward<Handler>(handler));
  }
}
}  // namespace detail

/// NextLayer: beast::ssl_stream<beast::tcp_stream> or beast::tcp_stream (the two instantiated
/// in erased_stream.cc). Constructed like the next layer; reach it with next_layer() (for the
/// TLS handshake, SNI, timeouts) or beast::get_lowest_layer().
template <class NextLayer>
class ErasedStream {
 public:
  using next_layer_type = NextLayer;
  using executor_type = typename NextLayer::executor_type;
  using IoHandler =
      boost::asio::any_completion_handler<void(boost::system::error_code, std::size_t)>;
  using TeardownHandler = boost::asio::any_completion_handler<void(boost::system::error_code)>;

  template <class... Args>
  requires(!(sizeof...(Args) == 1 && (std::is_same_v<std::decay_t<Args>, ErasedStream> &&
                                      ...))) explicit ErasedStream(Args&&... args)
      : next_(std::forward<Args>(args)...) {}
  ErasedStream(ErasedStream&&) = default;
  ErasedStream& operator=(ErasedStream&&) = default;

  [[nodiscard]] next_layer_type& next_layer() noexcept { return next_; }
  [[nodiscard]] const next_layer_type& next_layer() const noexcept { return next_; }
  [[nodiscard]] executor_type get_executor() noexcept { return next_.get_executor(); }

  template <class MutableBufferSequence, class Token>
  auto async_read_some(const MutableBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [](auto&& handler, ErasedStream* self, const MutableBufferArray& b) {
          executor_type ex = self->executor_of(handler);
          self->start_read(b, std::move(ex), IoHandler(detail::recycled(std::move(handler))));
        },
        token, this, MutableBufferArray(buffers));
  }

  template <class ConstBufferSequence, class Token>
  auto async_write_some(const ConstBufferSequence& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [](auto&& handler, ErasedStream* self, const ConstBufferArray& b) {
          executor_type ex = self->executor_of(handler);
          self->start_write(b, std::move(ex), IoHandler(detail::recycled(std::move(handler))));
        },
        token, this, ConstBufferArray(buffers));
  }

  /// The executor a handler completes on: its associated one, held as the next layer's
  /// executor type. The erased handler's own executor type (any_completion_executor) cannot be
  /// required to be non-blocking in this Boost, which Beast's TCP stream does when it posts a
  /// completion, so the next layer gets the handler bound to this executor instead.
  template <class Handler>
  [[nodiscard]] executor_type executor_of(const Handler& handler) noexcept {
    using Associated = boost::asio::associated_executor_t<Handler, executor_type>;
    static_assert(std::is_convertible_v<Associated, executor_type>,
                  "ErasedStream: the handler's executor must convert to the stream's");
    return boost::asio::get_associated_executor(handler, get_executor());
  }

  // Compiled once each, in erased_stream.cc.
  void start_read(const MutableBufferArray& buffers, executor_type ex, IoHandler handler);
  void start_write(const ConstBufferArray& buffers, executor_type ex, IoHandler handler);
  void start_teardown(boost::beast::role_type role, executor_type ex, TeardownHandler handler);
  void teardown(boost::beast::role_type role, boost::system::error_code& ec);

 private:
  NextLayer next_;
};

/// Beast's WebSocket stream closes its next layer through these (found by argument-dependent
/// lookup): the next layer's own teardown (a TLS close_notify, then the socket's shutdown).
template <class NextLayer, class Handler>
void async_teardown(boost::beast::role_type role, ErasedStream<NextLayer>& stream,
                    Handler&& handler) {
  auto ex = stream.executor_of(handler);
  stream.start_teardown(role, std::move(ex),
                        typename ErasedStream<NextLayer>::TeardownHandler(
                            detail::recycled(std::forward<Handler>(handler))));
}

template <class NextLayer>
void teardown(boost::beast::role_type role, ErasedStream<NextLayer>& stream,
              boost::system::error_code& ec) {
  stream.teardown(role, ec);
}

/// TLS over TCP, and plain TCP, each behind one erased layer.
using ErasedTlsStream = ErasedStream<boost::beast::ssl_stream<boost::beast::tcp_stream>>;
using ErasedTcpStream = ErasedStream<boost::beast::tcp_stream>;

}  // namespace levdyn::feed
