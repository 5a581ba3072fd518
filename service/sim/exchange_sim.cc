#include "service/sim/exchange_sim.h"

#include <array>
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
#include <climits>
#include <deque>
#include <future>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "service/feed/erased_stream.h"
#include "service/feed/log.h"
#include "service/feed/thread_name.h"
#include "service/sim/self_signed.h"

namespace levdyn::sim {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
// TLS over TCP behind one type-erased layer: the TLS and TCP operations are compiled once, in
// service/feed/erased_stream.cc, not once per WebSocket and HTTP call site here.
using TlsStream = feed::ErasedTlsStream;

namespace {

std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct ExchangeSimulator::Impl : std::enable_shared_from_this<ExchangeSimulator::Impl> {
  explicit Impl(net::io_context& context) : ioc(context) {}

  struct Frame {
    std::string data;
    bool binary = false;
  };

  struct WsClient {
    explicit WsClient(TlsStream&& s) : ws(std::move(s)) {}
    websocket::stream<TlsStream> ws;
    beast::flat_buffer buffer;
    std::deque<Frame> queue;
    bool writing = false;
    bool closed = false;
    VenueProtocol* protocol = nullptr;
    std::unique_ptr<ProtocolSession> session;
    // Fault injection. A connection-ending fault first stops rendering market events
    // (quiescing), lets the queue drain, then pings: once the pong is back the client has read
    // every frame sent before, so what the counters say was sent was received.
    std::vector<std::string> held;  // reorder: the previous tick's market frames
    std::optional<Fault> ending;
    bool quiescing = false;
    bool barrier_started = false;
    bool awaiting_pong = false;
    bool silent = false;  // silence: no reads (no pongs), no writes
  };
  using ClientPtr = std::shared_ptr<WsClient>;

  /// Fault windows of one venue (wall ns; 0 = not active).
  struct VenueFaults {
    std::int64_t burst_until = 0;
    double burst_rate = 1.0;
    std::int64_t duplicate_until = 0;
    std::int64_t reorder_until = 0;
    std::int64_t down_until = 0;
    std::int64_t pause_until = 0;
    std::int64_t quiet_until = 0;
    struct RestFault {
      int status;
      int retry_after_s;
      int remaining;
    };
    std::deque<RestFault> rest;
  };

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
  std::uint64_t tls_failures_copy = 0;
  bool running = false;
  // Fault injection state (simulator thread only).
  std::int64_t start_wall_ns = 0;
  std::vector<bool> applied;  // per config.faults entry
  std::array<VenueFaults, core::kVenueCount> vfaults{};
  std::int64_t tls_until = 0;
  std::uint64_t tls_failures = 0;
  std::array<std::vector<MarketEvent>, core::kVenueCount> venue_events;

  VenueFaults& faults_of(core::Venue v) { return vfaults[static_cast<std::size_t>(v)]; }

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
    if (wall_ns() < tls_until) return answer_not_tls(std::move(socket));
    auto stream = std::make_shared<TlsStream>(std::move(socket), tls);
    beast::get_lowest_layer(*stream).expires_after(std::chrono::seconds(10));
    stream->next_layer().async_handshake(
        ssl::stream_base::server,
        [self = shared_from_this(), stream](boost::system::error_code ec) {
          if (ec) return;
          self->read_request(stream, std::make_shared<beast::flat_buffer>());
        });
  }

  /// The `tls` fault: the ClientHello is answered with plain HTTP, then the socket closes.
  void answer_not_tls(tcp::socket socket) {
    ++tls_failures;
    auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
    auto buf = std::make_shared<std::array<char, 4096>>();
    stream->expires_after(std::chrono::seconds(5));  // a client that sends nothing is closed
    stream->async_read_some(
        net::buffer(*buf), [stream, buf](boost::system::error_code ec, std::size_t) {
          if (ec) return;
          static constexpr std::string_view kNotTls =
              "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
          net::async_write(*stream, net::buffer(kNotTls.data(), kNotTls.size()),
                           [stream, buf](boost::system::error_code, std::size_t) {
                             boost::system::error_code ignored;
                             stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
                             stream->close();
                           });
        });
  }

  void read_request(std::shared_ptr<TlsStream> stream, std::shared_ptr<beast::flat_buffer> buffer) {
    auto req = std::make_shared<http::request<http::string_body>>();
    beast::get_lowest_layer(*stream).expires_after(std::chrono::seconds(30));
    http::async_read(*stream, *buffer, *req,
                     [self = shared_from_this(), stream, buffer, req](boost::system::error_code ec,
                                                                      std::size_t) {
                       if (ec) return;
                       self->on_request(stream, buffer, req);
                     });
  }

  void on_request(std::shared_ptr<TlsStream> stream, std::shared_ptr<beast::flat_buffer> buffer,
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
      auto status = http::status::not_found;
      if (p != nullptr && now < faults_of(p->venue()).down_until) {
        ++p->counters().upgrades_refused;  // the `down` fault
        status = http::status::service_unavailable;
        error = "venue down (levdyn sim fault)";
      } else if (p != nullptr) {
        session = p->open(rest, now, error);
      }
      if (!session) {
        auto res = std::make_shared<http::response<http::string_body>>(status, 11);
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
      WsClient* raw = client.get();  // the callback is owned by the client's own stream
      client->ws.control_callback(
          [self = this, raw](websocket::frame_type kind, beast::string_view) {
            if (kind == websocket::frame_type::pong && raw->awaiting_pong) {
              raw->awaiting_pong = false;
              self->on_barrier_pong(raw);
            }
          });
      client->ws.async_accept(*req, [self = shared_from_this(), client, req](boost::system::error_code ec) {
        if (ec) return;
        self->clients.push_back(client);
        self->ws_read(client);
      });
      return;
    }
    RestReply r;
    if (segment == "_sim" && rest.rfind("/counters", 0) == 0) {
      r.status = 200;
      r.body = counters_json_live();
    } else if (p != nullptr && !faults_of(p->venue()).rest.empty()) {
      auto& q = faults_of(p->venue()).rest;  // the `rest` fault
      r.status = q.front().status;
      r.body = R"({"code":-1003,"msg":"levdyn sim fault: HTTP )" + std::to_string(r.status) + "\"}";
      if (r.status == 429 || r.status == 418)
        r.retry_after = std::to_string(q.front().retry_after_s);
      if (--q.front().remaining <= 0) q.pop_front();
      ++p->counters().rest_faults_sent;
    } else if (p != nullptr) {
      r = p->rest(rest, *market, now);
    }
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
      if (c->silent) return;  // the read was cancelled: no more pongs; a timer drops it
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
    if (c->closed || c->silent) return;
    for (auto& t : out.text) {
      if (c->queue.size() >= config.max_queued_frames) {
        LOG_WARN("sim: client of %s fell behind; dropped",
                 std::string(core::to_string(c->protocol->venue())).c_str());
        return drop(c);
      }
      c->queue.push_back(Frame{std::move(t), false});
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
    if (c->closed || c->silent || c->queue.empty()) {
      c->writing = false;
      if (!c->closed && !c->silent && c->quiescing && !c->barrier_started) start_barrier(c);
      return;
    }
    c->writing = true;
    c->ws.binary(c->queue.front().binary);
    c->ws.async_write(net::buffer(c->queue.front().data),
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

  // ---- fault injection ----

  /// The market events a venue's sessions see this tick: none while paused, extra copies
  /// (fresh ids, so distinct events) during a burst.
  void prepare_venue_events(core::Venue venue, std::int64_t now) {
    auto& out = venue_events[static_cast<std::size_t>(venue)];
    out.clear();
    VenueFaults& f = faults_of(venue);
    if (now < f.pause_until) return;
    if (now >= f.burst_until) {
      out = events;
      return;
    }
    const int extra = static_cast<int>(std::lround(f.burst_rate)) - 1;
    const auto index = static_cast<std::uint32_t>(venue);
    for (const MarketEvent& e : events) {
      out.push_back(e);
      if (e.venue_pick % core::kVenueCount != index) continue;
      for (int k = 1; k <= extra; ++k) {
        MarketEvent copy = e;
        copy.id = e.id + (static_cast<std::uint64_t>(k) << 40);  // never a real event's id
        copy.t_ns = e.t_ns + k;
        out.push_back(copy);
        ++protocol_for_venue(venue)->counters().burst_events;
      }
    }
  }

  VenueProtocol* protocol_for_venue(core::Venue v) {
    for (auto& p : protocols) {
      if (p->venue() == v) return p.get();
    }
    return nullptr;
  }

  /// duplicate: each market frame twice. reorder: a tick's frames are held and sent after the
  /// next tick's, so event times go backwards across frames.
  void shape_market_frames(const ClientPtr& c, VenueFaults& f, std::int64_t now, Outbox& out) {
    VenueCounters& counters = c->protocol->counters();
    if (now < f.duplicate_until && !out.text.empty()) {
      std::vector<std::string> twice;
      twice.reserve(out.text.size() * 2);
      for (auto& t : out.text) {
        twice.push_back(t);
        twice.push_back(std::move(t));
      }
      counters.duplicate_frames_sent += out.text.size();
      out.text = std::move(twice);
    }
    if (now < f.reorder_until && !out.close) {
      if (c->held.empty()) {
        c->held = std::move(out.text);
        out.text.clear();
        return;
      }
      counters.reordered_frames += c->held.size();
    }
    for (auto& t : c->held) out.text.push_back(std::move(t));
    c->held.clear();
  }

  void apply_due_faults(std::int64_t now) {
    const std::int64_t elapsed_ms = (now - start_wall_ns) / 1'000'000;
    for (std::size_t i = 0; i < config.faults.faults.size(); ++i) {
      const Fault& f = config.faults.faults[i];
      if (applied[i] || f.at_ms > elapsed_ms) continue;
      applied[i] = true;
      if (f.all_venues) {
        for (auto& p : protocols) apply_fault(f, p->venue(), now);
      } else {
        apply_fault(f, f.venue, now);
      }
    }
  }

  void apply_fault(const Fault& f, core::Venue venue, std::int64_t now) {
    VenueProtocol* p = protocol_for_venue(venue);
    if (p == nullptr) return;
    VenueFaults& vf = faults_of(venue);
    const std::int64_t until = now + f.for_ms * 1'000'000;
    ++p->counters().faults_applied;
    LOG_INFO("sim: fault %s on %s", to_string(f.kind), std::string(core::to_string(venue)).c_str());
    std::vector<ClientPtr> mine;
    for (auto& c : clients) {
      if (c->protocol == p && !c->closed && !c->silent && !c->ending) mine.push_back(c);
    }
    switch (f.kind) {
      case FaultKind::kReset:
      case FaultKind::kClose:
      case FaultKind::kSilence:
      case FaultKind::kOversize:
        for (auto& c : mine) begin_ending(c, f);
        break;
      case FaultKind::kTls:
        tls_until = std::max(tls_until, until);
        for (auto& c : mine) begin_ending(c, Fault{f.venue, false, f.at_ms, FaultKind::kReset});
        break;
      case FaultKind::kDown:
        vf.down_until = std::max(vf.down_until, until);
        for (auto& c : mine) begin_ending(c, Fault{f.venue, false, f.at_ms, FaultKind::kReset});
        break;
      case FaultKind::kMalformed:
      case FaultKind::kWrongType:
      case FaultKind::kBinary:
        for (auto& c : mine) {
          for (int k = 0; k < f.count; ++k) {
            Frame bad;
            if (f.kind == FaultKind::kMalformed) bad.data = malformed_frame(venue);
            if (f.kind == FaultKind::kWrongType)
              bad.data = wrong_type_frame(venue, now / 1'000'000);
            if (f.kind == FaultKind::kBinary) {
              bad.data = std::string("\x00\x01\x02" "binary\xff", 10);  // "\x02b" would be one escape
              bad.binary = true;
            }
            c->queue.push_back(std::move(bad));
            ++p->counters().bad_frames_sent;
          }
          if (!c->writing) do_write(c);
        }
        break;
      case FaultKind::kBurst:
        vf.burst_until = until;
        vf.burst_rate = f.rate;
        break;
      case FaultKind::kDuplicate:
        vf.duplicate_until = until;
        break;
      case FaultKind::kReorder:
        vf.reorder_until = until;
        break;
      case FaultKind::kRest:
        vf.rest.push_back(VenueFaults::RestFault{f.status, f.retry_after_s, f.count});
        break;
      case FaultKind::kQuiet:
        vf.quiet_until = until;
        break;
      case FaultKind::kPause:
        vf.pause_until = f.for_ms == 0 ? LLONG_MAX : until;
        break;
    }
  }

  /// Stops rendering market events for `c`, flushes what a reorder held, and once the queue is
  /// written (do_write) pings; the fault strikes when the pong is back (on_barrier_pong).
  void begin_ending(const ClientPtr& c, const Fault& f) {
    c->ending = f;
    c->quiescing = true;
    for (auto& t : c->held) c->queue.push_back(Frame{std::move(t), false});
    c->held.clear();
    if (!c->writing) do_write(c);
  }

  void start_barrier(const ClientPtr& c) {
    c->barrier_started = true;
    c->awaiting_pong = true;
    c->ws.async_ping({}, [self = shared_from_this(), c](boost::system::error_code ec) {
      if (ec) self->drop(c);
    });
    // A client that stopped reading never answers: the fault strikes anyway after 5 s (what
    // it had not read by then is lost, and the counters overstate what it received).
    auto timer = std::make_shared<net::steady_timer>(ioc);
    timer->expires_after(std::chrono::seconds(5));
    timer->async_wait([self = shared_from_this(), c, timer](boost::system::error_code ec) {
      if (ec || !c->awaiting_pong) return;
      LOG_WARN("sim: no pong from a client of %s within 5 s; fault %s strikes anyway",
               std::string(core::to_string(c->protocol->venue())).c_str(),
               to_string(c->ending->kind));
      c->awaiting_pong = false;
      self->strike(c);
    });
  }

  void on_barrier_pong(WsClient* raw) {
    for (auto& c : clients) {
      if (c.get() != raw) continue;
      // Not from inside the read's control callback: strike on the next turn.
      net::post(ioc, [self = shared_from_this(), c] { self->strike(c); });
      return;
    }
  }

  void strike(const ClientPtr& c) {
    if (c->closed || !c->ending) return;
    VenueCounters& counters = c->protocol->counters();
    const Fault f = *c->ending;
    switch (f.kind) {
      case FaultKind::kClose:
        ++counters.closes;
        c->closed = true;
        c->ws.async_close(
            websocket::close_reason(static_cast<websocket::close_code>(f.code), "levdyn sim fault"),
            [c](boost::system::error_code) {});
        return;
      case FaultKind::kSilence: {
        ++counters.silences;
        c->silent = true;
        boost::system::error_code ignored;
        beast::get_lowest_layer(c->ws).socket().cancel(ignored);  // the pending read: no pongs
        auto timer = std::make_shared<net::steady_timer>(ioc);
        timer->expires_after(std::chrono::milliseconds(f.for_ms));
        timer->async_wait([self = shared_from_this(), c, timer](boost::system::error_code) {
          c->silent = false;
          self->drop(c);
        });
        return;
      }
      case FaultKind::kOversize: {
        std::string big = "{\"pad\":\"";
        big.resize(std::max<std::size_t>(f.bytes, big.size() + 2) - 2, 'x');
        big += "\"}";
        c->queue.push_back(Frame{std::move(big), false});
        if (!c->writing) do_write(c);
        return;  // the client refuses it and leaves; nothing more is rendered for it
      }
      default: {  // reset (also for tls and down)
        ++counters.resets;
        c->closed = true;
        boost::system::error_code ignored;
        auto& sock = beast::get_lowest_layer(c->ws).socket();
        sock.set_option(net::socket_base::linger(true, 0), ignored);  // close sends an RST
        sock.close(ignored);
        clients.remove(c);
        return;
      }
    }
  }

  std::string counters_json_live() const {
    std::string j = "{\"tls_failures_sent\":" + std::to_string(tls_failures) +
                    ",\"elapsed_ms\":" + std::to_string((wall_ns() - start_wall_ns) / 1'000'000) +
                    ",\"venues\":{";
    bool first = true;
    for (const auto& p : protocols) {
      const VenueCounters& c = p->counters();
      if (!first) j += ',';
      first = false;
      j += "\"" + std::string(core::to_string(p->venue())) + "\":" + venue_counters_json(c);
    }
    return j + "}}";
  }

  static std::string venue_counters_json(const VenueCounters& c) {
    const std::pair<const char*, std::uint64_t> fields[] = {
        {"liquidations_sent", c.liquidations_sent},
        {"trades_sent", c.trades_sent},
        {"frames_sent", c.frames_sent},
        {"connections", c.connections},
        {"dropped_for_heartbeat", c.dropped_for_heartbeat},
        {"faults_applied", c.faults_applied},
        {"bad_frames_sent", c.bad_frames_sent},
        {"duplicate_frames_sent", c.duplicate_frames_sent},
        {"reordered_frames", c.reordered_frames},
        {"burst_events", c.burst_events},
        {"resets", c.resets},
        {"closes", c.closes},
        {"silences", c.silences},
        {"upgrades_refused", c.upgrades_refused},
        {"rest_faults_sent", c.rest_faults_sent},
    };
    std::string j = "{";
    for (const auto& [name, value] : fields) {
      if (j.size() > 1) j += ',';
      j += "\"" + std::string(name) + "\":" + std::to_string(value);
    }
    return j + "}";
  }

  void on_tick() {
    const std::int64_t now = wall_ns();
    apply_due_faults(now);
    events.clear();
    market->advance(now, events);
    for (int v = 0; v < core::kVenueCount; ++v)
      prepare_venue_events(static_cast<core::Venue>(v), now);
    for (auto it = clients.begin(); it != clients.end();) {
      const ClientPtr c = *it++;  // deliver() may remove c
      if (c->closed || c->silent || c->quiescing) continue;
      const core::Venue venue = c->protocol->venue();
      if (now < faults_of(venue).quiet_until) continue;  // only answers to the client go out
      Outbox out;
      c->session->on_tick(venue_events[static_cast<std::size_t>(venue)], *market, now, out);
      shape_market_frames(c, faults_of(venue), now, out);
      deliver(c, out);
    }
    {
      std::lock_guard lock(counters_mu);
      for (auto& p : protocols) counters_copy[static_cast<int>(p->venue())] = p->counters();
      tls_failures_copy = tls_failures;
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
  s.start_wall_ns = wall_ns();
  s.applied.assign(s.config.faults.faults.size(), false);
  s.market = std::make_unique<MarketModel>(s.spec, s.start_wall_ns, s.config.seed);
  s.running = true;
  s.do_accept();
  net::post(s.ioc, [self = impl_] { self->on_tick(); });
  s.thread = std::thread([self = impl_] {
    feed::set_thread_name("levdyn-sim");
    self->ioc.run();
  });
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

std::uint64_t ExchangeSimulator::tls_failures_sent() const {
  std::lock_guard lock(impl_->counters_mu);
  return impl_->tls_failures_copy;
}

std::string ExchangeSimulator::counters_json() const {
  std::lock_guard lock(impl_->counters_mu);
  std::string j =
      "{\"tls_failures_sent\":" + std::to_string(impl_->tls_failures_copy) + ",\"venues\":{";
  bool first = true;
  for (const auto& p : impl_->protocols) {
    if (!first) j += ',';
    first = false;
    j += "\"" + std::string(core::to_string(p->venue())) +
         "\":" + Impl::venue_counters_json(impl_->counters_copy[static_cast<int>(p->venue())]);
  }
  return j + "}}";
}

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
