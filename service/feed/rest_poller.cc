#include "service/feed/rest_poller.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>

#include "service/feed/erased_stream.h"
#include "service/feed/log.h"

namespace levdyn::feed {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

WeightBudget::WeightBudget(int per_minute) noexcept
    : capacity_(std::max(per_minute, 1)),
      tokens_(capacity_),
      per_ms_(capacity_ / 60'000.0) {}

milliseconds WeightBudget::take(int weight, Clock::time_point now) {
  if (last_ != Clock::time_point{}) {
    const double elapsed = std::chrono::duration<double, std::milli>(now - last_).count();
    tokens_ = std::min(capacity_, tokens_ + elapsed * per_ms_);
  }
  last_ = now;
  const double w = std::min<double>(std::max(weight, 0), capacity_);
  if (tokens_ >= w) {
    tokens_ -= w;
    return milliseconds(0);
  }
  return milliseconds(static_cast<std::int64_t>((w - tokens_) / per_ms_) + 1);
}

milliseconds parse_retry_after(std::string_view value, milliseconds fallback) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  long long secs = 0;
  const auto r = std::from_chars(value.data(), value.data() + value.size(), secs);
  if (r.ec != std::errc() || r.ptr != value.data() + value.size() || secs < 0) return fallback;
  return milliseconds(std::min<long long>(secs, 24 * 3600) * 1000);
}

struct RestPoller::Conn {
  Conn(net::io_context& ioc, ssl::context& tls) : resolver(ioc), stream(ioc, tls) {}
  tcp::resolver resolver;
  ErasedTlsStream stream;
  beast::flat_buffer buffer;
  http::request<http::empty_body> req;
  std::optional<http::response_parser<http::string_body>> parser;
  bool connected = false;
  bool closed = false;
};

RestPoller::RestPoller(net::io_context& ioc, std::shared_ptr<ssl::context> tls, bool verify,
                       venues::Codec& codec, std::string rest_url,
                       std::vector<venues::RestPoll> polls, venues::RestBudget budget,
                       FeedTuning tuning, RingWriter& writer, FeedStats& stats, FrameTap tap)
    : ioc_(ioc),
      tls_(std::move(tls)),
      verify_(verify),
      codec_(codec),
      rest_url_(std::move(rest_url)),
      polls_(std::move(polls)),
      // Keep half of the venue's budget for whatever else shares this IP.
      budget_(std::max(budget.weight_per_minute / 2, 1)),
      tuning_(tuning),
      writer_(writer),
      stats_(stats),
      vstats_(stats.of(codec.venue())),
      tap_(std::move(tap)),
      timer_(ioc) {
  std::string error;
  url_ok_ = parse_url(rest_url_, url_, error);
  if (!url_ok_) LOG_ERROR("rest %s: bad rest_url '%s': %s",
                          std::string(core::to_string(codec.venue())).c_str(),
                          rest_url_.c_str(), error.c_str());
  due_.assign(polls_.size(), Clock::now());
  failures_.assign(polls_.size(), 0);
  events_.reserve(64);
}

RestPoller::~RestPoller() = default;

void RestPoller::start() {
  stopping_ = false;
  if (!url_ok_ || polls_.empty()) return;
  schedule();
}

void RestPoller::stop() {
  stopping_ = true;
  timer_.cancel();
  drop_conn();
}

void RestPoller::drop_conn() {
  if (!conn_) return;
  conn_->closed = true;
  boost::system::error_code ignored;
  conn_->resolver.cancel();
  beast::get_lowest_layer(conn_->stream).socket().close(ignored);
  conn_.reset();
}

void RestPoller::schedule() {
  if (stopping_ || busy_) return;
  auto next = *std::min_element(due_.begin(), due_.end());
  next = std::max(next, paused_until_);
  timer_.expires_at(next);
  timer_.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
    if (ec || stopping_) return;
    run_due();
  });
}

void RestPoller::run_due() {
  const auto now = Clock::now();
  if (now < paused_until_) return schedule();
  const auto it = std::min_element(due_.begin(), due_.end());
  const auto index = static_cast<std::size_t>(it - due_.begin());
  if (*it > now) return schedule();
  const auto wait = budget_.take(polls_[index].weight, now);
  if (wait.count() > 0) {
    *it = now + wait;  // over budget: this poll waits for its weight
    return schedule();
  }
  request(index);
}

void RestPoller::request(std::size_t index) {
  busy_ = true;
  vstats_.rest_requests.fetch_add(1, std::memory_order_relaxed);
  if (conn_ && conn_->connected) return send_request(conn_, index);
  drop_conn();
  auto c = std::make_shared<Conn>(ioc_, *tls_);
  conn_ = c;
  beast::get_lowest_layer(c->stream).expires_after(tuning_.connect_timeout);
  c->resolver.async_resolve(
      url_.host, url_.port,
      [this, self = shared_from_this(), c, index](boost::system::error_code ec,
                                                  tcp::resolver::results_type results) {
        if (c->closed) return;
        if (ec) return on_connected(c, index, ec);
        beast::get_lowest_layer(c->stream).async_connect(
            results, [this, self, c, index](boost::system::error_code ec2, const tcp::endpoint&) {
              if (c->closed) return;
              if (ec2) return on_connected(c, index, ec2);
              boost::system::error_code addr_ec;
              const bool is_ip = (net::ip::make_address(url_.host, addr_ec), !addr_ec);
              if (!is_ip)
                SSL_set_tlsext_host_name(c->stream.next_layer().native_handle(), url_.host.c_str());
              if (verify_)
                c->stream.next_layer().set_verify_callback(ssl::host_name_verification(url_.host));
              beast::get_lowest_layer(c->stream).expires_after(tuning_.handshake_timeout);
              c->stream.next_layer().async_handshake(
                  ssl::stream_base::client, [this, self, c, index](boost::system::error_code ec3) {
                    if (c->closed) return;
                    on_connected(c, index, ec3);
                  });
            });
      });
}

void RestPoller::on_connected(ConnPtr c, std::size_t index, boost::system::error_code ec) {
  if (ec) {
    vstats_.rest_errors.fetch_add(1, std::memory_order_relaxed);
    if (errors_logged_++ < 20) {
      LOG_WARN("rest %s: connect to %s failed: %s",
               std::string(core::to_string(codec_.venue())).c_str(), url_.host.c_str(),
               ec.message().c_str());
    }
    drop_conn();
    const int f = ++failures_[index];
    std::mt19937_64 rng(static_cast<std::uint64_t>(f) * 7919u + index);
    return finish(index, WsSession::backoff_delay(tuning_, f - 1, rng));
  }
  c->connected = true;
  send_request(c, index);
}

void RestPoller::send_request(ConnPtr c, std::size_t index) {
  std::string target = url_.target;
  while (!target.empty() && target.back() == '/') target.pop_back();
  target += polls_[index].target;
  c->req = {};
  c->req.method(http::verb::get);
  c->req.target(target);
  c->req.version(11);
  c->req.set(http::field::host, url_.host);
  c->req.set(http::field::user_agent, "levdyn");
  c->req.set(http::field::accept, "application/json");
  c->req.keep_alive(true);
  beast::get_lowest_layer(c->stream).expires_after(tuning_.handshake_timeout);
  http::async_write(c->stream, c->req,
                    [this, self = shared_from_this(), c, index](boost::system::error_code ec,
                                                                std::size_t) {
                      if (c->closed) return;
                      if (ec) return on_response(c, index, ec);
                      c->parser.emplace();
                      c->parser->body_limit(tuning_.max_rest_body_bytes);
                      http::async_read(c->stream, c->buffer, *c->parser,
                                       [this, self, c, index](boost::system::error_code ec2,
                                                              std::size_t) {
                                         if (c->closed) return;
                                         on_response(c, index, ec2);
                                       });
                    });
}

void RestPoller::on_response(ConnPtr c, std::size_t index, boost::system::error_code ec) {
  const char* venue = core::to_string(codec_.venue()).data();
  if (ec) {
    // A reused keep-alive connection the server closed: retry at once on a new one.
    vstats_.rest_errors.fetch_add(1, std::memory_order_relaxed);
    if (errors_logged_++ < 20) LOG_WARN("rest %s: request failed: %s", venue, ec.message().c_str());
    drop_conn();
    const int f = ++failures_[index];
    std::mt19937_64 rng(static_cast<std::uint64_t>(f) * 7919u + index);
    return finish(index, WsSession::backoff_delay(tuning_, f - 1, rng));
  }
  beast::get_lowest_layer(c->stream).expires_never();
  auto& res = c->parser->get();
  const int status = static_cast<int>(res.result_int());
  if (!res.keep_alive()) drop_conn();
  if (status == 429 || status == 418) {
    // Rate limited (418: Binance's ban after ignoring 429s). Pause every poll of the venue.
    const auto wait = parse_retry_after(res[http::field::retry_after], milliseconds(60'000));
    vstats_.rest_rate_limited.fetch_add(1, std::memory_order_relaxed);
    LOG_WARN("rest %s: HTTP %d, pausing all polls for %lld ms (Retry-After '%s')", venue, status,
             static_cast<long long>(wait.count()),
             std::string(res[http::field::retry_after]).c_str());
    paused_until_ = Clock::now() + wait;
    return finish(index, wait);
  }
  if (status < 200 || status >= 300) {
    vstats_.rest_errors.fetch_add(1, std::memory_order_relaxed);
    if (errors_logged_++ < 20) {
      LOG_WARN("rest %s: HTTP %d for %s: %.160s", venue, status,
               polls_[index].target.c_str(), res.body().substr(0, 160).c_str());
    }
    const int f = ++failures_[index];
    std::mt19937_64 rng(static_cast<std::uint64_t>(f) * 7919u + index);
    return finish(index, std::max(polls_[index].interval,
                                  WsSession::backoff_delay(tuning_, f - 1, rng)));
  }
  failures_[index] = 0;
  const std::int64_t wall = wall_now_ns();
  const std::int64_t steady = steady_now_ns();
  vstats_.last_message_wall_ns.store(wall, std::memory_order_relaxed);
  vstats_.last_message_steady_ns.store(steady, std::memory_order_relaxed);
  const std::string& body = res.body();
  if (tap_) {
    tap_(RawFrame{codec_.venue(), static_cast<std::uint16_t>(index), venues::Channel::kRest,
                  false, true, wall, steady, body});
  }
  venues::FrameMeta meta;
  meta.channel = venues::Channel::kRest;
  meta.endpoint = static_cast<std::uint16_t>(index);
  meta.recv_wall_ns = wall;
  meta.recv_steady_ns = steady;
  events_.clear();
  reply_.clear();
  const auto r = codec_.decode(body, meta, events_, reply_);
  vstats_.messages[static_cast<int>(msg_channel_from_label(r.channel_label))].fetch_add(1);
  if (venues::is_error(r.status)) {
    vstats_.decode_errors[static_cast<int>(r.status)].fetch_add(1, std::memory_order_relaxed);
    if (errors_logged_++ < 20) {
      LOG_WARN("rest %s: decode error %s: %.160s", venue,
               std::string(venues::to_string(r.status)).c_str(), body.substr(0, 160).c_str());
    }
  }
  if (!events_.empty()) {
    vstats_.events.fetch_add(events_.size(), std::memory_order_relaxed);
    writer_.push(events_, codec_.venue());
  }
  finish(index, polls_[index].interval);
}

void RestPoller::finish(std::size_t index, milliseconds next_in) {
  busy_ = false;
  due_[index] = Clock::now() + next_in;
  if (stopping_) return;
  // Pause while the ring is backlogged (the same backpressure as the WebSocket sessions).
  writer_.on_drained([this, self = shared_from_this()] { schedule(); });
}

HttpsResult https_get(const std::string& url_text, const TlsSettings& tls,
                      std::chrono::milliseconds timeout) {
  HttpsResult out;
  Url url;
  if (!parse_url(url_text, url, out.error)) return out;
  std::shared_ptr<ssl::context> ctx;
  try {
    ctx = make_client_tls_context(tls);
  } catch (const std::exception& e) {
    out.error = e.what();
    return out;
  }
  net::io_context ioc;
  tcp::resolver resolver(ioc);
  ErasedTlsStream stream(ioc, *ctx);
  beast::flat_buffer buffer;
  http::request<http::empty_body> req{http::verb::get, url.target, 11};
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  boost::system::error_code result;
  auto set = [&](boost::system::error_code ec) {
    if (!result) result = ec;
  };
  beast::get_lowest_layer(stream).expires_after(timeout);
  resolver.async_resolve(url.host, url.port, [&](boost::system::error_code ec,
                                                  tcp::resolver::results_type results) {
    if (ec) return set(ec);
    beast::get_lowest_layer(stream).async_connect(
        results, [&](boost::system::error_code ec2, const tcp::endpoint&) {
          if (ec2) return set(ec2);
          boost::system::error_code addr_ec;
          const bool is_ip = (net::ip::make_address(url.host, addr_ec), !addr_ec);
          if (!is_ip)
            SSL_set_tlsext_host_name(stream.next_layer().native_handle(), url.host.c_str());
          if (tls.verify)
            stream.next_layer().set_verify_callback(ssl::host_name_verification(url.host));
          stream.next_layer().async_handshake(
              ssl::stream_base::client, [&](boost::system::error_code ec3) {
                if (ec3) return set(ec3);
                req.set(http::field::host, url.host);
                req.set(http::field::user_agent, "levdyn");
                http::async_write(stream, req, [&](boost::system::error_code ec4, std::size_t) {
                  if (ec4) return set(ec4);
                  http::async_read(stream, buffer, parser,
                                   [&](boost::system::error_code ec5, std::size_t) { set(ec5); });
                });
              });
        });
  });
  ioc.run_for(timeout + milliseconds(100));
  if (!ioc.stopped()) {
    out.error = "timed out";
    return out;
  }
  if (result) {
    out.error = result.message();
    return out;
  }
  out.ok = true;
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
  return out;
}

}  // namespace levdyn::feed
