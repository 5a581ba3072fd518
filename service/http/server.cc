#include "service/http/server.h"

#include <simdjson.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <charconv>
#include <deque>
#include <future>
#include <list>
#include <set>
#include <stdexcept>
#include <thread>

#include "service/feed/erased_stream.h"
#include "service/feed/log.h"
#include "service/feed/thread_name.h"
#include "service/http/api_json.h"
#include "service/http/render_cache.h"
#include "service/venues/event_json.h"

namespace levdyn::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  explicit Impl(net::io_context& context) : ioc(context) {}

  // ---------------------------------------------------------------- push stream ----
  struct StreamClient {
    explicit StreamClient(feed::ErasedTcpStream&& s)
        : ws(std::move(s)), close_deadline(ws.get_executor()) {}
    websocket::stream<feed::ErasedTcpStream> ws;
    // Bounds the slow-consumer close: a timer of its own, since the tcp_stream's expiry must
    // not be set while both a read and a write are pending on it.
    net::steady_timer close_deadline;
    beast::flat_buffer buffer;
    std::deque<std::string> queue;
    std::size_t queued_bytes = 0;
    bool writing = false;
    bool closed = false;
    bool close_after_write = false;  // a slow consumer: send 1008 once the pending write ends
    std::set<std::string> topics;
    std::map<std::string, std::chrono::steady_clock::time_point> last_metrics;
  };
  using ClientPtr = std::shared_ptr<StreamClient>;

  // ---------------------------------------------------------------- HTTP session ----
  struct Session {
    explicit Session(tcp::socket s) : stream(std::move(s)) {}
    feed::ErasedTcpStream stream;  // Beast's TCP stream behind one erased layer (erased_stream.h)
    beast::flat_buffer buffer;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser;
    // The response being written: its head (reused), and its body owned or shared.
    std::string head;
    std::string body;
    std::shared_ptr<const std::string> shared_body;
    bool first = true;
    bool closed = false;

    [[nodiscard]] std::string_view body_view() const noexcept {
      return shared_body ? std::string_view(*shared_body) : std::string_view(body);
    }
  };
  using SessionPtr = std::shared_ptr<Session>;

  ServerConfig config;
  ApiContext ctx;
  RenderCache render_cache;
  HttpCounters counters;
  // (route, code) -> its counter in counters.requests (map nodes are stable): a request finds
  // its counter without building a std::string key. Bounded by routes x status codes.
  struct CounterSlot {
    std::string_view route;
    int code;
    std::uint64_t* count;
  };
  std::vector<CounterSlot> counter_slots;
  net::io_context& ioc;  // owned by Server
  tcp::acceptor acceptor{ioc};
  net::steady_timer stream_timer{ioc};
  std::list<SessionPtr> sessions;
  std::list<ClientPtr> clients;
  std::uint16_t port = 0;
  std::thread thread;
  bool running = false;
  std::uint64_t liq_cursor = 0;
  std::uint64_t cascade_cursor = 0;

  void count(std::string_view route, int code) {
    for (const CounterSlot& c : counter_slots) {
      if (c.code == code && c.route == route) {
        ++*c.count;
        return;
      }
    }
    std::uint64_t& n = counters.requests[{std::string(route), code}];
    counter_slots.push_back({route, code, &n});
    ++n;
  }

  void do_accept() {
    acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
      if (!ec) self->on_accept(std::move(s));
      self->do_accept();
    });
  }

  void on_accept(tcp::socket socket) {
    const std::size_t open = sessions.size() + clients.size();
    if (open >= static_cast<std::size_t>(config.max_connections)) {
      // Over the limit: refuse by closing at once (counted), so existing clients keep service.
      ++counters.connections_rejected;
      boost::system::error_code ignored;
      socket.set_option(net::socket_base::linger(true, 0), ignored);
      socket.close(ignored);
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);  // a response is one write: send it now
    auto s = std::make_shared<Session>(std::move(socket));
    sessions.push_back(s);
    counters.connections_open = sessions.size() + clients.size();
    read_request(s);
  }

  void close_session(const SessionPtr& s) {
    if (s->closed) return;
    s->closed = true;
    boost::system::error_code ignored;
    s->stream.next_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    s->stream.next_layer().close();
    sessions.remove(s);
    counters.connections_open = sessions.size() + clients.size();
  }

  void read_request(const SessionPtr& s) {
    s->parser.emplace();
    s->parser->header_limit(static_cast<std::uint32_t>(config.max_header_bytes));
    s->parser->body_limit(config.max_body_bytes);
    // The first request must arrive within the header timeout (slowloris); a kept-alive
    // connection may then idle for idle_timeout before its next request.
    s->stream.next_layer().expires_after(s->first ? config.header_timeout : config.idle_timeout);
    bhttp::async_read(s->stream, s->buffer, *s->parser,
                      [self = shared_from_this(), s](boost::system::error_code ec, std::size_t) {
                        self->on_read(s, ec);
                      });
  }

  void send_error_and_close(const SessionPtr& s, bhttp::status status, std::string_view code,
                            std::string_view message) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(status, 11);
    res->set(bhttp::field::content_type, "application/json");
    res->set(bhttp::field::connection, "close");
    res->body() = error_body(code, message);
    res->prepare_payload();
    count("other", static_cast<int>(status));
    s->stream.next_layer().expires_after(std::chrono::seconds(5));
    bhttp::async_write(s->stream, *res,
                       [self = shared_from_this(), s, res](boost::system::error_code, std::size_t) {
                         self->close_session(s);
                       });
  }

  void on_read(const SessionPtr& s, boost::system::error_code ec) {
    if (s->closed) return;
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
      return close_session(s);
    }
    if (ec == bhttp::error::header_limit) {
      return send_error_and_close(s, bhttp::status::request_header_fields_too_large,
                                  "header_too_large", "request headers exceed the limit");
    }
    if (ec == bhttp::error::body_limit) {
      return send_error_and_close(s, bhttp::status::payload_too_large, "body_too_large",
                                  "request body exceeds the limit");
    }
    if (ec) {
      return send_error_and_close(s, bhttp::status::bad_request, "bad_request",
                                  "malformed HTTP request");
    }
    s->first = false;
    auto& req = s->parser->get();
    if (websocket::is_upgrade(req)) {
      const std::string_view target = req.target();
      if (target.substr(0, target.find('?')) == "/v1/stream") return upgrade(s, req);
      return send_error_and_close(s, bhttp::status::not_found, "not_found",
                                  "WebSocket is served on /v1/stream only");
    }
    ApiResponse r = route_request(req.method_string(), req.target(), ctx, &render_cache);
    count(r.route, r.status);
    const bool keep_alive = req.keep_alive();
    const bool head_only = req.method() == bhttp::verb::head;
    write_head(s->head, req.version(), r, keep_alive, r.body_view().size());
    // The head and the body go out in one gather write; the session owns both until it ends.
    s->body = std::move(r.body);
    s->shared_body = std::move(r.shared_body);
    const std::array<net::const_buffer, 2> buffers{
        net::buffer(s->head), head_only ? net::const_buffer() : net::buffer(s->body_view())};
    s->stream.next_layer().expires_after(std::chrono::seconds(30));
    net::async_write(s->stream, buffers,
                     [self = shared_from_this(), s, keep_alive](boost::system::error_code wec,
                                                                std::size_t) {
                       s->body.clear();
                       s->shared_body.reset();
                       if (wec || !keep_alive) return self->close_session(s);
                       self->read_request(s);
                     });
  }

  /// The response head as Beast's serializer writes it for these fields: status line, Server,
  /// Content-Type, Cache-Control, the route's own headers, Connection when keep-alive is not
  /// the version's default, Content-Length (also for HEAD: the length a GET would have).
  static void write_head(std::string& out, unsigned version, const ApiResponse& r,
                         bool keep_alive, std::size_t content_length) {
    out.clear();
    out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    char num[24];
    out.append(num, std::to_chars(num, num + sizeof num, r.status).ptr);
    out += ' ';
    out += bhttp::obsolete_reason(static_cast<bhttp::status>(r.status));
    out += "\r\nServer: levdyn\r\nContent-Type: ";
    out += r.content_type;
    out += "\r\nCache-Control: no-store\r\n";
    for (const auto& [k, v] : r.headers) {
      out += k;
      out += ": ";
      out += v;
      out += "\r\n";
    }
    if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
    if (version != 10 && !keep_alive) out += "Connection: close\r\n";
    out += "Content-Length: ";
    out.append(num, std::to_chars(num, num + sizeof num, content_length).ptr);
    out += "\r\n\r\n";
  }

  // ---------------------------------------------------------------- push stream ----
  void upgrade(const SessionPtr& s, bhttp::request<bhttp::string_body>& req) {
    s->stream.next_layer().expires_never();
    auto c = std::make_shared<StreamClient>(std::move(s->stream));
    s->closed = true;
    sessions.remove(s);
    clients.push_back(c);
    // A bounded kernel send buffer, so a client that stops reading meets the queue bound (and
    // is closed as a slow consumer) instead of parking megabytes in the kernel.
    boost::system::error_code opt_ec;
    beast::get_lowest_layer(c->ws).socket().set_option(
        net::socket_base::send_buffer_size(256 * 1024), opt_ec);
    counters.stream_clients = clients.size();
    counters.connections_open = sessions.size() + clients.size();
    count("/v1/stream", 101);
    websocket::stream_base::timeout opt{std::chrono::seconds(10), config.idle_timeout * 4, true};
    c->ws.set_option(opt);
    c->ws.read_message_max(64 * 1024);
    c->ws.async_accept(req, [self = shared_from_this(), c](boost::system::error_code ec) {
      if (ec) return self->drop_client(c, false);
      self->stream_read(c);
    });
  }

  void drop_client(const ClientPtr& c, bool slow) {
    if (c->closed) return;
    c->closed = true;
    if (slow) {
      ++counters.stream_clients_dropped;
      // Tell the client why with a close frame (1008 "slow consumer"). A write may be pending
      // on a socket the client does not drain: the close follows it, and the socket is closed
      // outright if neither completes within 5 s.
      c->close_deadline.expires_after(std::chrono::seconds(5));
      c->close_deadline.async_wait([c](boost::system::error_code ec) {
        if (!ec) beast::get_lowest_layer(c->ws).close();  // cancels what is still pending
      });
      if (c->writing) {
        c->close_after_write = true;
      } else {
        send_slow_close(c);
      }
    } else {
      beast::get_lowest_layer(c->ws).close();
    }
    clients.remove(c);
    counters.stream_clients = clients.size();
    counters.connections_open = sessions.size() + clients.size();
  }

  void stream_read(const ClientPtr& c) {
    c->ws.async_read(c->buffer, [self = shared_from_this(), c](boost::system::error_code ec,
                                                               std::size_t) {
      if (ec) return self->drop_client(c, false);
      const auto data = c->buffer.data();
      self->on_stream_message(
          c, std::string_view(static_cast<const char*>(data.data()), data.size()));
      c->buffer.consume(c->buffer.size());
      if (!c->closed) self->stream_read(c);
    });
  }

  void on_stream_message(const ClientPtr& c, std::string_view text) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    std::string_view op;
    simdjson::dom::array topics;
    if (parser.parse(text.data(), text.size()).get(doc) != simdjson::SUCCESS ||
        doc["op"].get_string().get(op) != simdjson::SUCCESS ||
        (op != "subscribe" && op != "unsubscribe") ||
        doc["topics"].get_array().get(topics) != simdjson::SUCCESS) {
      return push(c, error_body("bad_request",
                                "expected {\"op\":\"subscribe\"|\"unsubscribe\",\"topics\":[…]}"));
    }
    std::vector<std::string> accepted;
    for (auto t : topics) {
      std::string_view topic;
      if (t.get_string().get(topic) != simdjson::SUCCESS) {
        return push(c, error_body("bad_request", "topics must be strings"));
      }
      const bool valid = topic == "cascades" ||
                         (topic.rfind("metrics.", 0) == 0 && topic.size() > 8) ||
                         (topic.rfind("liquidations.", 0) == 0 && topic.size() > 13);
      if (!valid) {
        return push(c, error_body("bad_request", "unknown topic '" + std::string(topic) +
                                                     "' (metrics.{ASSET}, liquidations.{ASSET}, "
                                                     "cascades)"));
      }
      std::string norm(topic);
      const auto dot = norm.find('.');
      if (dot != std::string::npos) {
        for (std::size_t i = dot + 1; i < norm.size(); ++i) {
          norm[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(norm[i])));
        }
      }
      accepted.push_back(norm);
    }
    std::string ack = op == "subscribe" ? "{\"op\":\"subscribed\",\"topics\":["
                                        : "{\"op\":\"unsubscribed\",\"topics\":[";
    for (std::size_t i = 0; i < accepted.size(); ++i) {
      if (i > 0) ack += ',';
      venues::append_json_string(ack, accepted[i]);
      if (op == "subscribe") {
        c->topics.insert(accepted[i]);
        c->last_metrics.erase(accepted[i]);  // the first metrics message goes out promptly
      } else {
        c->topics.erase(accepted[i]);
      }
    }
    ack += "]}";
    push(c, std::move(ack));
    if (op == "subscribe") send_metrics(c, std::chrono::steady_clock::now());
  }

  void push(const ClientPtr& c, std::string msg) {
    if (c->closed) return;
    if (c->queue.size() >= config.stream_max_queue_messages ||
        c->queued_bytes + msg.size() > config.stream_max_queue_bytes) {
      LOG_WARN("stream: closing a slow consumer (%zu messages queued)", c->queue.size());
      return drop_client(c, true);
    }
    ++counters.stream_messages;
    c->queued_bytes += msg.size();
    c->queue.push_back(std::move(msg));
    if (!c->writing) stream_write(c);
  }

  static void send_slow_close(const ClientPtr& c) {
    c->ws.async_close(websocket::close_reason(websocket::close_code::policy_error, "slow consumer"),
                      [c](boost::system::error_code) {
                        c->close_deadline.cancel();
                        beast::get_lowest_layer(c->ws).close();
                      });
  }

  void stream_write(const ClientPtr& c) {
    if (c->closed || c->queue.empty()) {
      c->writing = false;
      return;
    }
    c->writing = true;
    c->ws.text(true);
    c->ws.async_write(net::buffer(c->queue.front()),
                      [self = shared_from_this(), c](boost::system::error_code ec, std::size_t) {
                        c->writing = false;
                        if (c->close_after_write) {
                          c->close_after_write = false;
                          if (ec) {
                            c->close_deadline.cancel();
                            return beast::get_lowest_layer(c->ws).close();
                          }
                          return send_slow_close(c);
                        }
                        if (ec) return self->drop_client(c, false);
                        c->queued_bytes -= c->queue.front().size();
                        c->queue.pop_front();
                        self->stream_write(c);
                      });
  }

  void send_metrics(const ClientPtr& c, std::chrono::steady_clock::time_point now) {
    const auto& st = *ctx.state;
    for (const auto& topic : c->topics) {
      if (topic.rfind("metrics.", 0) != 0) continue;
      auto it = c->last_metrics.find(topic);
      if (it != c->last_metrics.end() && now - it->second < config.stream_interval) continue;
      const auto id = st.table().find_asset(topic.substr(8));
      core::AssetMetrics a;
      if (id == core::InstrumentTable::kNoAsset || !st.asset(id, a) || !a.has_data) continue;
      c->last_metrics[topic] = now;
      std::string msg = "{\"topic\":";
      venues::append_json_string(msg, topic);
      msg += ",\"data\":";
      append_asset(msg, st, a, -1);
      msg += '}';
      push(c, std::move(msg));
      if (c->closed) return;
    }
  }

  void on_stream_tick() {
    const auto now = std::chrono::steady_clock::now();
    const auto& st = *ctx.state;
    // New liquidations since the last tick, oldest first.
    std::vector<std::pair<std::string, std::string>> liqs;  // (topic, message)
    const auto& ring = st.liquidations();
    const std::uint64_t head = ring.head();
    if (head - liq_cursor > ring.capacity()) liq_cursor = head - ring.capacity();
    core::NormalizedEvent e;
    for (; liq_cursor < head; ++liq_cursor) {
      if (!ring.read(liq_cursor, e) || e.instrument >= st.table().size()) continue;
      std::string topic = "liquidations.";
      topic += st.table().get(e.instrument).asset_view();
      std::string msg = "{\"topic\":";
      venues::append_json_string(msg, topic);
      msg += ",\"data\":";
      venues::append_event_json(msg, e, st.table());
      msg += '}';
      liqs.emplace_back(std::move(topic), std::move(msg));
    }
    std::vector<std::string> casc;
    const auto& cring = st.cascades();
    const std::uint64_t chead = cring.head();
    core::CascadeRecord rec;
    for (; cascade_cursor < chead; ++cascade_cursor) {
      if (!cring.read(cascade_cursor, rec)) continue;
      std::string msg = "{\"topic\":\"cascades\",\"data\":";
      append_cascade(msg, st, rec);
      msg += '}';
      casc.push_back(std::move(msg));
    }
    for (auto it = clients.begin(); it != clients.end();) {
      const ClientPtr c = *it++;  // push() may remove c
      for (const auto& [topic, msg] : liqs) {
        if (c->topics.count(topic)) push(c, msg);
      }
      if (c->topics.count("cascades")) {
        for (const auto& msg : casc) push(c, msg);
      }
      if (!c->closed) send_metrics(c, now);
    }
    stream_timer.expires_after(config.stream_poll);
    stream_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->on_stream_tick();
    });
  }
};

Server::Server(ServerConfig config, ApiContext context)
    : ioc_(std::make_unique<net::io_context>(1)), impl_(std::make_shared<Impl>(*ioc_)) {
  impl_->config = std::move(config);
  impl_->ctx = std::move(context);
}

Server::~Server() { stop(); }

std::uint16_t Server::port() const noexcept { return impl_->port; }
HttpCounters& Server::counters() noexcept { return impl_->counters; }
ApiContext& Server::context() noexcept { return impl_->ctx; }

void Server::start() {
  Impl& s = *impl_;
  if (s.running) return;
  const auto colon = s.config.listen.rfind(':');
  const std::string host = s.config.listen.substr(0, colon);
  const std::string port = s.config.listen.substr(colon + 1);
  boost::system::error_code ec;
  tcp::resolver resolver(s.ioc);
  const auto results = resolver.resolve(host.empty() ? "0.0.0.0" : host, port,
                                        tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    throw std::runtime_error("http.listen: cannot resolve '" + s.config.listen +
                             "': " + ec.message());
  }
  const tcp::endpoint ep = results.begin()->endpoint();
  s.acceptor.open(ep.protocol(), ec);
  if (!ec) s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(ep, ec);
  if (!ec) s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("http.listen: cannot listen on " + s.config.listen + ": " +
                             ec.message());
  }
  s.port = s.acceptor.local_endpoint().port();
  s.liq_cursor = s.ctx.state->liquidations().head();
  s.cascade_cursor = s.ctx.state->cascades().head();
  s.running = true;
  s.do_accept();
  net::post(s.ioc, [self = impl_] { self->on_stream_tick(); });
  s.thread = std::thread([self = impl_] {
    feed::set_thread_name("levdyn-http");
    self->ioc.run();
  });
}

void Server::stop_accepting() {
  if (!impl_->running) return;
  std::promise<void> done;
  net::post(impl_->ioc, [self = impl_, &done] {
    boost::system::error_code ignored;
    self->acceptor.close(ignored);
    done.set_value();
  });
  done.get_future().wait_for(std::chrono::seconds(1));
}

void Server::stop() {
  Impl& s = *impl_;
  if (!s.running) return;
  s.running = false;
  std::promise<void> done;
  net::post(s.ioc, [self = impl_, &done] {
    boost::system::error_code ignored;
    self->acceptor.close(ignored);
    self->stream_timer.cancel();
    for (auto& sess : std::list<Impl::SessionPtr>(self->sessions)) self->close_session(sess);
    for (auto& c : std::list<Impl::ClientPtr>(self->clients)) self->drop_client(c, false);
    done.set_value();
  });
  done.get_future().wait_for(std::chrono::seconds(1));
  s.ioc.stop();
  if (s.thread.joinable()) s.thread.join();
}

}  // namespace levdyn::http
