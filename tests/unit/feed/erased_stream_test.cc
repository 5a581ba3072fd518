// Tests ErasedStream (service/feed/erased_stream.h) over plain TCP on 127.0.0.1: buffer
// sequences longer than one erased call carries, reads into several buffers, and a WebSocket
// stream on top of it closing through the erased teardown.
#include "service/feed/erased_stream.h"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <string>

namespace levdyn::feed {
namespace {

namespace net = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

constexpr std::chrono::seconds kDeadline{10};

// A connected pair on 127.0.0.1: the client behind ErasedTcpStream, the server a bare socket.
struct Pair {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
  ErasedTcpStream client{ioc};
  tcp::socket server{ioc};

  Pair() {
    client.next_layer().socket().connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
};

// Verifies a gather write of seven buffers, two of them empty (more than the four one erased
// write_some carries), arrives whole and in order through net::async_write.
TEST(ErasedStreamTest, LongBufferSequencesAreWrittenWhole) {
  Pair p;
  const std::string parts[] = {"alpha", "", "beta", "gamma", "", "delta", "epsilon"};
  std::array<net::const_buffer, 7> buffers;
  std::string expected;
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    buffers[i] = net::buffer(parts[i]);
    expected += parts[i];
  }
  boost::system::error_code write_ec = net::error::would_block;
  std::size_t written = 0;
  net::async_write(p.client, buffers, [&](boost::system::error_code ec, std::size_t n) {
    write_ec = ec;
    written = n;
  });
  p.ioc.run_for(kDeadline);  // a broken layer fails the test instead of hanging it
  ASSERT_FALSE(write_ec) << write_ec.message();
  EXPECT_EQ(written, expected.size());
  // Everything the client sent, up to its end of stream.
  p.client.next_layer().socket().shutdown(tcp::socket::shutdown_send);
  std::string got;
  boost::system::error_code eof;
  net::read(p.server, net::dynamic_buffer(got), eof);
  EXPECT_EQ(eof, net::error::eof);
  EXPECT_EQ(got, expected);
}

// Verifies a read into a two-buffer sequence fills the first buffer, then the second.
TEST(ErasedStreamTest, ReadsFillSeveralBuffersInOrder) {
  Pair p;
  net::write(p.server, net::buffer(std::string("abcdefgh")));
  std::array<char, 3> first{};
  std::array<char, 5> second{};
  const std::array<net::mutable_buffer, 2> buffers{net::buffer(first), net::buffer(second)};
  boost::system::error_code read_ec = net::error::would_block;
  std::size_t got = 0;
  net::async_read(p.client, buffers, [&](boost::system::error_code ec, std::size_t n) {
    read_ec = ec;
    got = n;
  });
  p.ioc.run_for(kDeadline);  // a broken layer fails the test instead of hanging it
  ASSERT_FALSE(read_ec) << read_ec.message();
  EXPECT_EQ(got, 8u);
  EXPECT_EQ(std::string(first.data(), first.size()), "abc");
  EXPECT_EQ(std::string(second.data(), second.size()), "defgh");
}

// Verifies a WebSocket stream over ErasedTcpStream on both ends: a message goes through, and
// the client's close (the erased teardown) reaches the server as a normal close.
TEST(ErasedStreamTest, WebSocketMessageAndCloseThroughTheErasedLayer) {
  Pair p;
  websocket::stream<ErasedTcpStream> client(std::move(p.client));
  websocket::stream<ErasedTcpStream> server(ErasedTcpStream(std::move(p.server)));
  boost::beast::flat_buffer server_buffer;
  std::string received;
  boost::system::error_code server_end = net::error::would_block;
  boost::system::error_code client_closed = net::error::would_block;

  server.async_accept([&](boost::system::error_code ec) {
    ASSERT_FALSE(ec) << ec.message();
    server.async_read(server_buffer, [&](boost::system::error_code ec2, std::size_t) {
      ASSERT_FALSE(ec2) << ec2.message();
      received = boost::beast::buffers_to_string(server_buffer.data());
      server_buffer.consume(server_buffer.size());
      server.async_read(server_buffer, [&](boost::system::error_code ec3, std::size_t) {
        server_end = ec3;  // the peer's close frame
      });
    });
  });
  client.async_handshake("127.0.0.1", "/", [&](boost::system::error_code ec) {
    ASSERT_FALSE(ec) << ec.message();
    client.async_write(
        net::buffer(std::string_view("hello")), [&](boost::system::error_code ec2, std::size_t) {
          ASSERT_FALSE(ec2) << ec2.message();
          client.async_close(websocket::close_code::normal,
                             [&](boost::system::error_code ec3) { client_closed = ec3; });
        });
  });
  p.ioc.run_for(kDeadline);  // a broken layer fails the test instead of hanging it
  EXPECT_EQ(received, "hello");
  EXPECT_EQ(server_end, websocket::error::closed);
  EXPECT_FALSE(client_closed) << client_closed.message();
  EXPECT_FALSE(client.is_open());
}

}  // namespace
}  // namespace levdyn::feed
