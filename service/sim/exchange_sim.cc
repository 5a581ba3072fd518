#include "service/sim/exchange_sim.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>
#include <future>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "service/feed/log.h"
#include "service/sim/self_signed.h"

namespace levdyn::sim {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

namespace {

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct ExchangeSimulator::Impl : std::enable_shared_from_this<ExchangeSimulator::Impl> {
  explicit Impl(net::io_context& context) : ioc(context) {}

  struct WsClient {
    explicit WsClient(beast::ssl_stream<beast::tcp_stream>&& s) : ws(std::move(s)) {}
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
    beast::flat_buffer buffer;
    std::deque<std::string> queue;
    bool writing = false;
    bool closed = false;
    VenueProtocol* protocol = nullptr;
    std::unique_ptr<ProtocolSession> session;
  };
  using ClientPtr = std::shared_ptr<WsClient>;

  SimulatorConfig config;
  ScenarioSpec spec;
  net::io_context& ioc;  // owned by ExchangeSimulator
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  net::steady_timer tick{ioc};
  std::unique_ptr<MarketModel> market;
  std::vector<std::unique_ptr<VenueProtocol>> protocols;
  std::list<ClientPtr> clients;
  std::vector<MarketEvent> events;
  std::string ca_file;
  std::uint16_t port = 0;
  std::thread thread;
  mutable std::mutex counters_mu;
  VenueCounters counters_copy[core::kVenueCount];
  bool running = false;

  VenueProtocol* protocol_for(std::string_view segment) {
    for (auto& p : protocols) {
      if (core::to_string(p->venue()) == segment) return p.get();
    }
    return nullptr;
  }

  void do_accept() {
    acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted) return;
      if (!ec) self->on_accept(std::move(s));
      self->do_accept();
    });
  }

  void on_accept(tcp::socket socket) {
    auto stream = std::make_shared<beast::ssl_stream<beast::tcp_stream>>(std::move(socket), tls);
    beast::get_lowest_layer(*stream).expires_after(std::chrono::seconds(10));
    stream->async_handshake(ssl::stream_base::server,
                            [self = shared_from_this(), stream](boost::system::error_code ec) {
                              if (ec) return;
                              self->read_request(stream, std::make_shared<beast::flat_buffer>());
                            });
  }

  void read_request(std::shared_ptr<beast::ssl_stream<beast::tcp_stream>> stream,
                    std::shared_ptr<beast::flat_buffer> buffer) {
    auto req = std::make_shared<http::request<http::string_body>>();
    beast::get_lowest_layer(*stream).expires_after(std::chrono::seconds(30));
    http::async_read(*stream, *buffer, *req,
                     [self = shared_from_this(), stream, buffer, req](boost::system::error_code ec,
                                                                      std::size_t) {
                       if (ec) return;
                       self->on_request(stream, buffer, req);
                     });
  }

  void on_request(std::shared_ptr<beast::ssl_stream<beast::tcp_stream>> stream,
                  std::shared_ptr<beast::flat_buffer> buffer,
                  std::shared_ptr<http::request<http::string_body>> req) {
    const std::string target(req->target());
    // "/<venue>/rest..." -> venue, rest
    const auto second = target.find('/', 1);
    const std::string segment = target.substr(1, second == std::string::npos ? std::string::npos
                                                                              : second - 1);
    const std::string rest = second == std::string::npos ? "/" : target.substr(second);
    VenueProtocol* p = protocol_for(segment);
    const std::int64_t now = wall_ns();
    if (websocket::is_upgrade(*req)) {
      std::string error = "unknown venue";
      std::unique_ptr<ProtocolSession> session;
      if (p != nullptr) session = p->open(rest, now, error);
      if (!session) {
        auto res = std::make_shared<http::response<http::string_body>>(http::status::not_found, 11);
        res->set(http::field::content_type, "application/json");
        res->body() = "{\"error\":\"" + error + "\"}";
        res->prepare_payload();
        http::async_write(*stream, *res, [stream, res](boost::system::error_code, std::size_t) {});
        return;
      }
      beast::get_lowest_layer(*stream).expires_never();
      auto client = std::make_shared<WsClient>(std::move(*stream));
      client->protocol = p;
      client->session = std::move(session);
      // Server pings after 3 minutes of silence, and drops a client silent for 6 (Binance's
      // rule is a ping every 3 minutes and a disconnect after 10 without a pong).
      websocket::stream_base::timeout opt{std::chrono::seconds(30), std::chrono::minutes(6), true};
      client->ws.set_option(opt);
      client->ws.async_accept(*req, [self = shared_from_this(), client, req](boost::system::error_code ec) {
        if (ec) return;
        self->clients.push_back(client);
        self->ws_read(client);
      });
      return;
    }
    RestReply r;
    if (p != nullptr) r = p->rest(rest, *market, now);
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), req->version());
    res->set(http::field::content_type, "application/json");
    res->set(http::field::server, "levdyn-sim");
    if (!r.retry_after.empty()) res->set(http::field::retry_after, r.retry_after);
    res->keep_alive(req->keep_alive());
    res->body() = std::move(r.body);
    res->prepare_payload();
    http::async_write(*stream, *res,
                      [self = shared_from_this(), stream, buffer, res](boost::system::error_code ec,
                                                                       std::size_t) {
                        if (ec) return;
                        if (!res->keep_alive()) {
                          beast::get_lowest_layer(*stream).close();
                          return;
                        }
                        self->read_request(stream, buffer);
                      });
  }

  void ws_read(const ClientPtr& c) {
    c->ws.async_read(c->buffer, [self = shared_from_this(), c](boost::system::error_code ec,
                                                               std::size_t) {
      if (ec) return self->drop(c);
      const auto data = c->buffer.data();
      Outbox out;
      c->session->on_text(std::string_view(static_cast<const char*>(data.data()), data.size()),
                          wall_ns(), out);
      c->buffer.consume(c->buffer.size());
      self->deliver(c, out);
      self->ws_read(c);
    });
  }

  void deliver(const ClientPtr& c, Outbox& out) {
    if (c->closed) return;
    for (auto& t : out.text) {
      if (c->queue.size() >= config.max_queued_frames) {
        LOG_WARN("sim: client of %s fell behind; dropped",
                 std::string(core::to_string(c->protocol->venue())).c_str());
        return drop(c);
      }
      c->queue.push_back(std::move(t));
    }
    c->protocol->counters().frames_sent += out.text.size();
    if (out.close) {
      ++c->protocol->counters().dropped_for_heartbeat;
      c->closed = true;
      c->ws.async_close(websocket::close_reason(static_cast<websocket::close_code>(out.close_code),
                                                out.close_reason),
                        [c](boost::system::error_code) {});
      return;
    }
    if (!c->writing) do_write(c);
  }

  void do_write(const ClientPtr& c) {
    if (c->closed || c->queue.empty()) {
      c->writing = false;
      return;
    }
    c->writing = true;
    c->ws.text(true);
    c->ws.async_write(net::buffer(c->queue.front()),
                      [self = shared_from_this(), c](boost::system::error_code ec, std::size_t) {
                        if (ec) return self->drop(c);
                        c->queue.pop_front();
                        self->do_write(c);
                      });
  }

  void drop(const ClientPtr& c) {
    if (!c->closed) {
      c->closed = true;
      boost::system::error_code ignored;
      beast::get_lowest_layer(c->ws).socket().close(ignored);
    }
    clients.remove(c);
  }

  void on_tick() {
    const std::int64_t now = wall_ns();
    events.clear();
    market->advance(now, events);
    for (auto it = clients.begin(); it != clients.end();) {
      const ClientPtr c = *it++;  // deliver() may remove c
      if (c->closed) continue;
      Outbox out;
      c->session->on_tick(events, *market, now, out);
      deliver(c, out);
    }
    {
      std::lock_guard lock(counters_mu);
      for (auto& p : protocols) counters_copy[static_cast<int>(p->venue())] = p->counters();
    }
    tick.expires_after(std::chrono::milliseconds(100));
    tick.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->on_tick();
    });
  }
};

ExchangeSimulator::ExchangeSimulator(SimulatorConfig config)
    : ioc_(std::make_unique<net::io_context>(1)), impl_(std::make_shared<Impl>(*ioc_)) {
  impl_->config = std::move(config);
  if (!scenario_by_name(impl_->config.scenario, impl_->spec)) {
    throw std::invalid_argument("unknown scenario '" + impl_->config.scenario +
                                "' (cascade, calm, fast)");
  }
  impl_->protocols.push_back(make_binance_protocol());
  impl_->protocols.push_back(make_okx_protocol());
  impl_->protocols.push_back(make_hyperliquid_protocol());
  impl_->protocols.push_back(make_bybit_protocol());
  impl_->protocols.push_back(make_deribit_protocol());
  impl_->protocols.push_back(make_bitmex_protocol());
}

ExchangeSimulator::~ExchangeSimulator() { stop(); }

void ExchangeSimulator::start() {
  Impl& s = *impl_;
  if (s.running) return;
  const CertificatePair cert = make_self_signed_certificate();
  s.tls.use_certificate_chain(net::buffer(cert.cert_pem));
  s.tls.use_private_key(net::buffer(cert.key_pem), ssl::context::pem);
  s.ca_file = write_ca_file(cert.cert_pem);
  boost::system::error_code ec;
  const tcp::endpoint ep(net::ip::make_address(s.config.host, ec), s.config.port);
  if (ec) throw std::runtime_error("sim: bad host '" + s.config.host + "'");
  s.acceptor.open(ep.protocol());
  s.acceptor.set_option(net::socket_base::reuse_address(true));
  s.acceptor.bind(ep, ec);
  if (ec) {
    throw std::runtime_error("sim: cannot bind " + s.config.host + ":" +
                             std::to_string(s.config.port) + ": " + ec.message());
  }
  s.acceptor.listen();
  s.port = s.acceptor.local_endpoint().port();
  s.market = std::make_unique<MarketModel>(s.spec, wall_ns(), s.config.seed);
  s.running = true;
  s.do_accept();
  net::post(s.ioc, [self = impl_] { self->on_tick(); });
  s.thread = std::thread([self = impl_] { self->ioc.run(); });
}

void ExchangeSimulator::stop() {
  Impl& s = *impl_;
  if (!s.running) return;
  s.running = false;
  std::promise<void> done;
  net::post(s.ioc, [&s, &done] {
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
    s.tick.cancel();
    for (auto& c : s.clients) {
      c->closed = true;
      beast::get_lowest_layer(c->ws).socket().close(ignored);
    }
    s.clients.clear();
    done.set_value();
  });
  done.get_future().wait_for(std::chrono::seconds(1));
  s.ioc.stop();
  if (s.thread.joinable()) s.thread.join();
  std::error_code rm;
  if (!s.ca_file.empty()) std::remove(s.ca_file.c_str());
}

std::uint16_t ExchangeSimulator::port() const noexcept { return impl_->port; }
const std::string& ExchangeSimulator::ca_file() const noexcept { return impl_->ca_file; }

bool ExchangeSimulator::supports(core::Venue venue) const noexcept {
  for (const auto& p : impl_->protocols) {
    if (p->venue() == venue) return true;
  }
  return false;
}

std::string ExchangeSimulator::ws_url(core::Venue venue) const {
  for (const auto& p : impl_->protocols) {
    if (p->venue() == venue) {
      return "wss://127.0.0.1:" + std::to_string(impl_->port) + "/" +
             std::string(core::to_string(venue)) + p->ws_base();
    }
  }
  return {};
}

std::string ExchangeSimulator::rest_url(core::Venue venue) const {
  return "https://127.0.0.1:" + std::to_string(impl_->port) + "/" +
         std::string(core::to_string(venue));
}

VenueCounters ExchangeSimulator::counters(core::Venue venue) const {
  std::lock_guard lock(impl_->counters_mu);
  return impl_->counters_copy[static_cast<int>(venue)];
}

Phase ExchangeSimulator::phase_at(std::int64_t t_ns) const { return impl_->market->phase_at(t_ns); }
std::int64_t ExchangeSimulator::start_ns() const { return impl_->market->start_ns(); }
const ScenarioSpec& ExchangeSimulator::scenario() const { return impl_->spec; }

void ExchangeSimulator::drop_connections(core::Venue venue) {
  net::post(impl_->ioc, [self = impl_, venue] {
    std::vector<Impl::ClientPtr> victims;
    for (auto& c : self->clients) {
      if (c->protocol->venue() == venue) victims.push_back(c);
    }
    for (auto& c : victims) self->drop(c);
  });
}

}  // namespace levdyn::sim
