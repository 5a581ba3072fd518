#include "service/feed/ws_session.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <stdexcept>

#include "service/feed/inline_executor.h"
#include "service/feed/log.h"

namespace levdyn::feed {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::int64_t wall_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

std::shared_ptr<ssl::context> make_client_tls_context(const TlsSettings& tls) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  ctx->set_default_verify_paths(ec);  // the system store; absent in minimal images is fine
  if (!tls.ca_file.empty()) {
    ctx->load_verify_file(tls.ca_file, ec);
    if (ec) {
      throw std::runtime_error("tls.ca_file: cannot load '" + tls.ca_file + "': " + ec.message());
    }
  }
  ctx->set_verify_mode(tls.verify ? ssl::verify_peer : ssl::verify_none);
  return ctx;
}

// The stream's executor is the io_context's own type rather than beast::tcp_stream's
// any_io_executor: every completion copied and destroyed a type-erased executor, 8 % of the
// feed thread's time at 100 k+ frames/s (perf, scripts/bench_ingest.py).
using TcpStream = beast::basic_stream<tcp, net::io_context::executor_type>;

struct WsSession::Conn {
  // The read buffer's limit is the maximum message size (see on_tls_handshake).
  Conn(net::io_context& ioc, ssl::context& tls, std::size_t max_message)
      : resolver(ioc),
        ws(ioc, tls),
        buffer(max_message),
        heartbeat(ioc),
        watchdog(ioc),
        rotation(ioc) {}
  tcp::resolver resolver;
  websocket::stream<beast::ssl_stream<TcpStream>> ws;
  beast::flat_buffer buffer;
  net::steady_timer heartbeat;
  net::steady_timer watchdog;
  net::steady_timer rotation;
  std::deque<std::string> writes;
  bool writing = false;
  bool up = false;
  bool got_data = false;
  bool ping_outstanding = false;
  bool closed = false;
  Clock::time_point last_rx = Clock::now();
  Clock::time_point last_tx = Clock::now();
};

WsSession::WsSession(net::io_context& ioc, std::shared_ptr<ssl::context> tls, bool verify,
                     venues::Codec& codec, std::uint16_t endpoint_index,
                     venues::WsEndpoint endpoint, std::chrono::milliseconds silence_timeout,
                     FeedTuning tuning, RingWriter& writer, FeedStats& stats, FrameTap tap)
    : ioc_(ioc),
      tls_(std::move(tls)),
      verify_(verify),
      codec_(codec),
      index_(endpoint_index),
      endpoint_(std::move(endpoint)),
      silence_timeout_(silence_timeout),
      tuning_(tuning),
      writer_(writer),
      vstats_(stats.of(codec.venue())),
      tap_(std::move(tap)),
      heartbeat_(codec.heartbeat()),
      max_age_(codec.max_connection_age()),
      reconnect_timer_(ioc),
      rng_(std::random_device{}()) {
  if (!parse_url(endpoint_.url, url_, url_error_)) url_.host.clear();
  events_.reserve(1024);
  reply_.reserve(256);
}

WsSession::~WsSession() = default;

bool WsSession::up() const noexcept { return conn_ && conn_->up; }

std::chrono::milliseconds WsSession::backoff_delay(const FeedTuning& tuning, int attempt,
                                                   std::mt19937_64& rng) {
  const auto max = std::max<std::int64_t>(tuning.backoff_max.count(), 1);
  std::int64_t d = std::max<std::int64_t>(tuning.backoff_initial.count(), 1);
  for (int i = 0; i < attempt && d < max; ++i) d *= 2;
  d = std::min(d, max);
  std::uniform_int_distribution<std::int64_t> jitter(d / 2, d);
  return std::chrono::milliseconds(jitter(rng));
}

void WsSession::start() {
  stopping_ = false;
  vstats_.connections_total.fetch_add(1, std::memory_order_relaxed);
  connect();
}

void WsSession::stop() {
  stopping_ = true;
  reconnect_timer_.cancel();
  if (!conn_) return;
  ConnPtr c = conn_;
  if (c->up) {
    c->up = false;
    vstats_.connections_up.fetch_sub(1, std::memory_order_relaxed);
    push_status(false, core::FeedReason::kShutdown);
    c->heartbeat.cancel();
    c->watchdog.cancel();
    c->rotation.cancel();
    // A clean close frame; if the peer does not answer in time, the socket is closed.
    c->watchdog.expires_after(tuning_.close_timeout);
    c->watchdog.async_wait([this, self = shared_from_this(), c](boost::system::error_code ec) {
      if (!ec) close_conn(c);
    });
    c->ws.async_close(websocket::close_code::normal,
                      [this, self = shared_from_this(), c](boost::system::error_code) {
                        close_conn(c);
                      });
  } else {
    close_conn(c);
  }
  conn_.reset();
}

void WsSession::connect() {
  if (stopping_) return;
  ++attempts_total_;
  if (url_.host.empty()) {
    LOG_ERROR("feed %s: bad ws url '%s': %s", std::string(core::to_string(codec_.venue())).c_str(),
              endpoint_.url.c_str(), url_error_.c_str());
    vstats_.reconnects[static_cast<int>(core::FeedReason::kResolve)].fetch_add(1);
    schedule_reconnect(tuning_.backoff_max);
    return;
  }
  auto c = std::make_shared<Conn>(ioc_, *tls_, tuning_.max_frame_bytes);
  conn_ = c;
  c->resolver.async_resolve(
      url_.host, url_.port,
      [this, self = shared_from_this(), c](boost::system::error_code ec,
                                           tcp::resolver::results_type results) {
        on_resolve(c, ec, &results);
      });
}

void WsSession::on_resolve(ConnPtr c, boost::system::error_code ec, const void* results_ptr) {
  if (c != conn_) return;
  if (ec) return fail(c, core::FeedReason::kResolve, ec, "resolve");
  const auto& results = *static_cast<const tcp::resolver::results_type*>(results_ptr);
  beast::get_lowest_layer(c->ws).expires_after(tuning_.connect_timeout);
  beast::get_lowest_layer(c->ws).async_connect(
      results, [this, self = shared_from_this(), c](boost::system::error_code ec2,
                                                     const tcp::endpoint&) { on_connect(c, ec2); });
}

void WsSession::on_connect(ConnPtr c, boost::system::error_code ec) {
  if (c != conn_) return;
  if (ec) return fail(c, core::FeedReason::kConnect, ec, "connect");
  auto& ssl_stream = c->ws.next_layer();
  boost::system::error_code addr_ec;
  const bool host_is_ip = (net::ip::make_address(url_.host, addr_ec), !addr_ec);
  // SNI: servers behind CDNs need it to pick the certificate; not sent for IP literals.
  if (!host_is_ip && !SSL_set_tlsext_host_name(ssl_stream.native_handle(), url_.host.c_str())) {
    return fail(c, core::FeedReason::kTls,
                boost::system::error_code(static_cast<int>(::ERR_get_error()),
                                          net::error::get_ssl_category()),
                "sni");
  }
  if (verify_) ssl_stream.set_verify_callback(ssl::host_name_verification(url_.host));
  beast::get_lowest_layer(c->ws).expires_after(tuning_.handshake_timeout);
  ssl_stream.async_handshake(ssl::stream_base::client,
                             [this, self = shared_from_this(), c](boost::system::error_code ec2) {
                               on_tls_handshake(c, ec2);
                             });
}

void WsSession::on_tls_handshake(ConnPtr c, boost::system::error_code ec) {
  if (c != conn_) return;
  if (ec) return fail(c, core::FeedReason::kTls, ec, "tls handshake");
  // The WebSocket stream has its own timeouts from here on; our watchdog handles silence.
  beast::get_lowest_layer(c->ws).expires_never();
  websocket::stream_base::timeout opt{tuning_.handshake_timeout, websocket::stream_base::none(),
                                      false};
  c->ws.set_option(opt);
  c->ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
    req.set(boost::beast::http::field::user_agent, "levdyn");
  }));
  // The maximum message size is the read buffer's limit, which fails the read with
  // buffer_overflow and leaves the reason to us. Beast's own read_message_max would answer with
  // close 1009 and an SSL shutdown; a peer still sending then fails that shutdown
  // ("application data after close notify"), whose error replaces message_too_big, so the
  // fault was counted as read_error.
  c->ws.read_message_max(0);
  // Pings, pongs and close frames are traffic too: they keep a quiet channel alive.
  // A raw pointer: the callback lives inside *c, so a shared_ptr here would be a cycle.
  c->ws.control_callback([raw = c.get()](websocket::frame_type kind, beast::string_view) {
    raw->last_rx = Clock::now();
    if (kind == websocket::frame_type::pong) raw->ping_outstanding = false;
  });
  std::string host = url_.host;
  if (url_.port != "443") host += ":" + url_.port;
  c->ws.async_handshake(host, url_.target,
                        [this, self = shared_from_this(), c](boost::system::error_code ec2) {
                          on_ws_handshake(c, ec2);
                        });
}

void WsSession::on_ws_handshake(ConnPtr c, boost::system::error_code ec) {
  if (c != conn_) return;
  if (ec) return fail(c, core::FeedReason::kHandshake, ec, "websocket handshake");
  c->up = true;
  c->last_rx = Clock::now();
  vstats_.connections_up.fetch_add(1, std::memory_order_relaxed);
  codec_.on_connected(index_);
  push_status(true, core::FeedReason::kConnected);
  LOG_INFO("feed %s: connected endpoint %u (%s%s)",
           std::string(core::to_string(codec_.venue())).c_str(), index_, url_.host.c_str(),
           url_.target.substr(0, 120).c_str());
  for (const auto& s : endpoint_.subscribe) send(c, s);
  arm_heartbeat(c);
  arm_watchdog(c);
  arm_rotation(c);
  do_read(c);
}

void WsSession::do_read(ConnPtr c) {
  if (c != conn_ || c->closed) return;
  if (writer_.backlogged()) {
    // The ring is full: stop reading this socket until the engine catches up (TCP
    // backpressure). Nothing is dropped.
    writer_.on_drained([this, self = shared_from_this(), c] { do_read(c); });
    return;
  }
  // A message already buffered completes at once rather than through the scheduler (see
  // inline_executor.h); on_read ends in this function and nothing follows the async_read.
  c->ws.async_read(c->buffer,
                   net::bind_executor(InlineFirstExecutor(ioc_.get_executor()),
                                      [this, self = shared_from_this(), c](
                                          boost::system::error_code ec, std::size_t bytes) {
                                        on_read(c, ec, bytes);
                                      }));
}

void WsSession::on_read(ConnPtr c, boost::system::error_code ec, std::size_t bytes) {
  if (c != conn_) return;
  if (ec == websocket::error::closed) {
    const auto& reason = c->ws.reason();
    LOG_WARN("feed %s: closed by peer (code %u, '%s')",
             std::string(core::to_string(codec_.venue())).c_str(),
             static_cast<unsigned>(reason.code), reason.reason.c_str());
    return fail(c, core::FeedReason::kClosedByPeer, ec, "read");
  }
  if (ec == websocket::error::buffer_overflow || ec == websocket::error::message_too_big) {
    return fail(c, core::FeedReason::kFrameTooLarge, ec, "read");
  }
  if (ec) return fail(c, core::FeedReason::kReadError, ec, "read");
  // One steady reading serves the heartbeat watch and the frame's receive time.
  const Clock::time_point rx = Clock::now();
  c->last_rx = rx;
  c->ping_outstanding = false;
  // IMPORTANT: `payload` points into c->buffer; it is valid until consume() below.
  const auto data = c->buffer.data();
  const std::string_view payload(static_cast<const char*>(data.data()), data.size());
  vstats_.bytes.fetch_add(bytes, std::memory_order_relaxed);
  handle_frame(c, payload, c->ws.got_text(),
               std::chrono::duration_cast<std::chrono::nanoseconds>(rx.time_since_epoch()).count());
  c->buffer.consume(c->buffer.size());
  do_read(c);
}

void WsSession::handle_frame(ConnPtr c, std::string_view payload, bool text,
                             std::int64_t steady) {
  const std::int64_t wall = wall_now_ns();
  vstats_.last_message_wall_ns.store(wall, std::memory_order_relaxed);
  vstats_.last_message_steady_ns.store(steady, std::memory_order_relaxed);
  if (tap_) {
    tap_(RawFrame{codec_.venue(), index_, venues::Channel::kWs, false, true, wall, steady,
                  payload});
  }
  const core::Venue venue = codec_.venue();
  if (!text) {
    // No venue we speak sends binary market data: count it as an undecodable message.
    vstats_.messages[static_cast<int>(MsgChannel::kUnknown)].fetch_add(1);
    vstats_.decode_errors[static_cast<int>(venues::DecodeStatus::kUnknownMessage)].fetch_add(1);
    if (errors_logged_++ < 20) {
      LOG_WARN("feed %s: binary frame of %zu bytes rejected",
               std::string(core::to_string(venue)).c_str(), payload.size());
    }
    return;
  }
  events_.clear();
  reply_.clear();
  venues::FrameMeta meta;
  meta.channel = venues::Channel::kWs;
  meta.endpoint = index_;
  meta.recv_wall_ns = wall;
  meta.recv_steady_ns = steady;
  const venues::DecodeResult r = codec_.decode(payload, meta, events_, reply_);
  vstats_.messages[static_cast<int>(msg_channel_from_label(r.channel_label))].fetch_add(
      1, std::memory_order_relaxed);
  if (venues::is_error(r.status)) {
    vstats_.decode_errors[static_cast<int>(r.status)].fetch_add(1, std::memory_order_relaxed);
    const auto n = errors_logged_++;
    if (n < 20 || n % 1000 == 0) {  // rate-limited: the counter has the full count
      LOG_WARN("feed %s: decode error %s on a %zu-byte frame: %.160s",
               std::string(core::to_string(venue)).c_str(),
               std::string(venues::to_string(r.status)).c_str(), payload.size(),
               std::string(payload.substr(0, 160)).c_str());
    }
  } else {
    c->got_data = true;
    attempt_ = 0;  // a healthy frame resets the backoff
  }
  if (!reply_.empty()) send(c, reply_);
  if (!events_.empty()) {
    vstats_.events.fetch_add(events_.size(), std::memory_order_relaxed);
    writer_.push(events_, venue);  // false = backlogged: do_read() pauses until drained
  }
}

void WsSession::send(ConnPtr c, std::string text) {
  if (c->closed) return;
  c->writes.push_back(std::move(text));
  if (!c->writing) do_write(c);
}

void WsSession::do_write(ConnPtr c) {
  if (c->closed || c->writes.empty()) return;
  c->writing = true;
  c->last_tx = Clock::now();
  c->ws.text(true);
  c->ws.async_write(net::buffer(c->writes.front()),
                    [this, self = shared_from_this(), c](boost::system::error_code ec,
                                                         std::size_t) { on_write(c, ec); });
}

void WsSession::on_write(ConnPtr c, boost::system::error_code ec) {
  c->writing = false;
  if (c != conn_ || c->closed) return;
  if (ec) return fail(c, core::FeedReason::kWriteError, ec, "write");
  c->writes.pop_front();
  if (!c->writes.empty()) do_write(c);
}

void WsSession::arm_heartbeat(ConnPtr c) {
  using Kind = venues::Heartbeat::Kind;
  if (heartbeat_.kind == Kind::kNone || heartbeat_.interval.count() <= 0) return;
  auto wait = heartbeat_.interval;
  if (heartbeat_.kind == Kind::kOnSilence) {
    // Fire `interval` after the last frame received.
    const auto since = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() -
                                                                             c->last_rx);
    wait = since >= heartbeat_.interval ? heartbeat_.interval : heartbeat_.interval - since;
  }
  c->heartbeat.expires_after(wait);
  c->heartbeat.async_wait([this, self = shared_from_this(), c](boost::system::error_code ec) {
    if (ec || c != conn_ || c->closed) return;
    const bool due = heartbeat_.kind == venues::Heartbeat::Kind::kPeriodic ||
                     Clock::now() - c->last_rx >= heartbeat_.interval;
    if (due) {
      vstats_.pings_sent.fetch_add(1, std::memory_order_relaxed);
      send(c, heartbeat_.text);
      if (heartbeat_.kind == venues::Heartbeat::Kind::kOnSilence) {
        // Wait a full interval for the answer before pinging again.
        c->last_rx = std::max(c->last_rx, Clock::now() - heartbeat_.interval / 2);
      }
    }
    arm_heartbeat(c);
  });
}

void WsSession::arm_watchdog(ConnPtr c) {
  if (silence_timeout_.count() <= 0) return;
  const auto tick = std::max(std::chrono::milliseconds(50), silence_timeout_ / 4);
  c->watchdog.expires_after(tick);
  c->watchdog.async_wait([this, self = shared_from_this(), c](boost::system::error_code ec) {
    if (ec || c != conn_ || c->closed) return;
    const auto silent = Clock::now() - c->last_rx;
    // Silence first gets a WebSocket ping; a peer that answers nothing within another half
    // timeout is dead and is reconnected.
    const auto grace = std::min<std::chrono::milliseconds>(silence_timeout_ / 2,
                                                           std::chrono::seconds(10));
    if (silent >= silence_timeout_ + grace) {
      return fail(c, core::FeedReason::kSilence, {}, "silence watchdog");
    }
    if (silent >= silence_timeout_ && !c->ping_outstanding) {
      c->ping_outstanding = true;
      vstats_.pings_sent.fetch_add(1, std::memory_order_relaxed);
      c->ws.async_ping({}, [this, self = shared_from_this(), c](boost::system::error_code ec2) {
        if (ec2 && c == conn_) fail(c, core::FeedReason::kWriteError, ec2, "ping");
      });
    }
    arm_watchdog(c);
  });
}

void WsSession::arm_rotation(ConnPtr c) {
  if (max_age_.count() <= 0) return;
  c->rotation.expires_after(max_age_);
  c->rotation.async_wait([this, self = shared_from_this(), c](boost::system::error_code ec) {
    if (ec || c != conn_ || c->closed) return;
    LOG_INFO("feed %s: scheduled rotation after %llds",
             std::string(core::to_string(codec_.venue())).c_str(),
             static_cast<long long>(max_age_.count()));
    fail(c, core::FeedReason::kRotation, {}, "rotation");
  });
}

void WsSession::close_conn(const ConnPtr& c) {
  if (c->closed) return;
  c->closed = true;
  boost::system::error_code ignored;
  c->heartbeat.cancel();
  c->watchdog.cancel();
  c->rotation.cancel();
  c->resolver.cancel();
  beast::get_lowest_layer(c->ws).socket().close(ignored);
}

void WsSession::push_status(bool up, core::FeedReason reason) {
  const std::int64_t wall = wall_now_ns();
  const std::int64_t steady = steady_now_ns();
  auto e = core::make_event(core::EventType::kFeedStatus, codec_.venue(), core::kNoInstrument, 0,
                            wall, steady);
  e.status = core::FeedStatus{up, reason, index_};
  if (!up) vstats_.last_down_reason.store(static_cast<int>(reason), std::memory_order_relaxed);
  if (tap_) {
    const std::string_view why = core::to_string(reason);
    tap_(RawFrame{codec_.venue(), index_, venues::Channel::kWs, true, up, wall, steady, why});
  }
  writer_.push(std::span<const core::NormalizedEvent>(&e, 1), codec_.venue());
}

void WsSession::fail(ConnPtr c, core::FeedReason reason, boost::system::error_code ec,
                     std::string_view stage) {
  if (c != conn_) return;
  const bool was_up = c->up;
  vstats_.reconnects[static_cast<int>(reason)].fetch_add(1, std::memory_order_relaxed);
  if (reason != core::FeedReason::kRotation) {
    LOG_WARN("feed %s: endpoint %u failed at %.*s (%s): %s",
             std::string(core::to_string(codec_.venue())).c_str(), index_,
             static_cast<int>(stage.size()), stage.data(),
             std::string(core::to_string(reason)).c_str(), ec ? ec.message().c_str() : "-");
  }
  if (was_up) {
    c->up = false;
    vstats_.connections_up.fetch_sub(1, std::memory_order_relaxed);
    push_status(false, reason);
  }
  close_conn(c);
  conn_.reset();
  if (stopping_) return;
  if (reason == core::FeedReason::kRotation) {
    schedule_reconnect(std::chrono::milliseconds(0));
    return;
  }
  schedule_reconnect(backoff_delay(tuning_, attempt_++, rng_));
}

void WsSession::schedule_reconnect(std::chrono::milliseconds delay) {
  if (stopping_) return;
  reconnect_timer_.expires_after(delay);
  reconnect_timer_.async_wait([this, self = shared_from_this()](boost::system::error_code ec) {
    if (ec || stopping_) return;
    connect();
  });
}

}  // namespace levdyn::feed
