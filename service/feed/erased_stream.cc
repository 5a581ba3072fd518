// The next layers' operations behind ErasedStream, compiled once for each layer that uses it:
// TLS over TCP (the REST poller, the simulator) and plain TCP (the HTTP server and its
// WebSocket push). The venue feeds' WebSocket session keeps its own stream (erased_stream.h).
#include "service/feed/erased_stream.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace levdyn::feed {

template <class NextLayer>
void ErasedStream<NextLayer>::start_read(const MutableBufferArray& buffers, executor_type ex,
                                         IoHandler handler) {
  next_.async_read_some(buffers, boost::asio::bind_executor(std::move(ex), std::move(handler)));
}

template <class NextLayer>
void ErasedStream<NextLayer>::start_write(const ConstBufferArray& buffers, executor_type ex,
                                          IoHandler handler) {
  next_.async_write_some(buffers, boost::asio::bind_executor(std::move(ex), std::move(handler)));
}

template <class NextLayer>
void ErasedStream<NextLayer>::start_teardown(boost::beast::role_type role, executor_type ex,
                                             TeardownHandler handler) {
  using boost::beast::websocket::async_teardown;
  async_teardown(role, next_, boost::asio::bind_executor(std::move(ex), std::move(handler)));
}

template <class NextLayer>
void ErasedStream<NextLayer>::teardown(boost::beast::role_type role,
                                       boost::system::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, next_, ec);
}

template class ErasedStream<boost::beast::ssl_stream<boost::beast::tcp_stream>>;  // ErasedTlsStream
template class ErasedStream<boost::beast::tcp_stream>;                            // ErasedTcpStream

}  // namespace levdyn::feed
