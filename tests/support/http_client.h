#pragma once

// Blocking HTTP/1.1 and raw-socket helpers for tests against a running levdyn on loopback.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

namespace levdyn::test {

/// A raw TCP connection to 127.0.0.1:port (closed on destruction).
class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  [[nodiscard]] bool ok() const { return fd_ >= 0; }
  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  /// Reads until the peer closes, `until` appears, or `timeout` passes.
  std::string read(std::chrono::milliseconds timeout, std::string_view until = {}) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[16384];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buf, static_cast<std::size_t>(n));
      if (!until.empty() && out.find(until) != std::string::npos) break;
    }
    return out;
  }
  /// True when the peer has closed the connection (EOF or reset) within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout) {
    (void)read(timeout);
    return closed_;
  }

 private:
  int fd_ = -1;
  bool closed_ = false;
};

struct HttpReply {
  int status = 0;
  std::string headers;
  std::string body;
};

/// One GET (or other method) on a fresh connection with "Connection: close".
inline HttpReply http_request(std::uint16_t port, std::string_view method, std::string_view target,
                              std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  HttpReply r;
  RawSocket s(port);
  if (!s.ok()) return r;
  std::string req = std::string(method) + " " + std::string(target) +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (!s.send(req)) return r;
  const std::string raw = s.read(timeout);
  const auto sp = raw.find(' ');
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || sp == std::string::npos) return r;
  r.status = std::atoi(raw.c_str() + sp + 1);
  const auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return r;
  r.headers = raw.substr(0, end);
  r.body = raw.substr(end + 4);
  return r;
}

inline HttpReply http_get(std::uint16_t port, std::string_view target) {
  return http_request(port, "GET", target);
}

/// Polls `pred` every 100 ms until it holds or `timeout` passes.
template <typename Pred>
bool eventually(std::chrono::milliseconds timeout, Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

}  // namespace levdyn::test
