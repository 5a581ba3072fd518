// TLS WebSocket ingest load tool (issue 7, point 4), driven by scripts/bench_ingest.py.
//
//   levdyn_ingest_bench serve [--rate N|max] [--per-record K] [--port P]
//       A Binance USD-M look-alike on 127.0.0.1 (self-signed certificate): every WebSocket
//       upgrade gets combined-stream frames (aggTrade ~90 %, markPrice ~8 %, forceOrder ~2 %,
//       BTCUSDT and ETHUSDT) at N frames/s (paced per millisecond) or as fast as it can write;
//       plain HTTPS requests get a fixed open-interest body. K frames per TLS record (default
//       1, one record per message as exchanges send them). Prints one JSON line
//       {"port":…,"ca_file":…} when listening, then serves until SIGINT/SIGTERM, and at exit
//       prints {"frames_sent":…}.
//   levdyn_ingest_bench bare [--per-record K] [--seconds S] [--warmup S]
//       The baseline: the same server on one thread and a bare Beast TLS WebSocket read loop
//       (read, count, discard; no parsing) on another, in this process. Prints JSON with the
//       frames read in the measured interval, its wall time and the read loop's thread CPU time.
//
// Per-core throughput = frames / CPU seconds of the reading thread, so the figure does not
// depend on whether the server or the reader is the bottleneck on a 2-core machine.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "service/sim/self_signed.h"

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

std::atomic<bool> g_stop{false};
std::atomic<std::uint64_t> g_sent{0};

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// 4096 pre-rendered frames, so the server spends its time writing, not formatting.
std::vector<std::string> make_frames() {
  std::vector<std::string> out;
  std::mt19937_64 rng(1);
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  char buf[512];
  for (int i = 0; i < 4096; ++i) {
    const bool btc = (rng() % 3) != 0;
    const char* sym = btc ? "BTCUSDT" : "ETHUSDT";
    const char* lower = btc ? "btcusdt" : "ethusdt";
    const double px = (btc ? 96000.0 : 3400.0) + static_cast<double>(rng() % 1000) * 0.1;
    const long long t = now_ms + i;
    const int kind = static_cast<int>(rng() % 100);
    if (kind < 90) {
      std::snprintf(buf, sizeof buf,
                    R"({"stream":"%s@aggTrade","data":{"e":"aggTrade","E":%lld,"s":"%s","a":%d,)"
                    R"("p":"%.1f","q":"%.3f","f":%d,"l":%d,"T":%lld,"m":%s}})",
                    lower, t, sym, 100000 + i, px, 0.001 * static_cast<double>(1 + rng() % 500),
                    200000 + i, 200000 + i, t, (rng() & 1) ? "true" : "false");
    } else if (kind < 98) {
      std::snprintf(buf, sizeof buf,
                    R"({"stream":"%s@markPrice@1s","data":{"e":"markPriceUpdate","E":%lld,)"
                    R"("s":"%s","p":"%.2f","P":"%.2f","i":"%.2f","r":"0.00010000","T":%lld}})",
                    lower, t, sym, px, px, px, t + 3600000);
    } else {
      std::snprintf(buf, sizeof buf,
                    R"({"stream":"!forceOrder@arr","data":{"e":"forceOrder","E":%lld,"o":{)"
                    R"("s":"%s","S":"SELL","o":"LIMIT","f":"IOC","q":"0.010","p":"%.1f",)"
                    R"("ap":"%.1f","X":"FILLED","l":"0.010","z":"0.010","T":%lld}}})",
                    t, sym, px, px, t);
    }
    out.emplace_back(buf);
  }
  return out;
}

/// Each payload as an unmasked, unfragmented WebSocket text frame (RFC 6455 §5.2).
std::vector<std::string> websocket_frames(const std::vector<std::string>& payloads) {
  std::vector<std::string> out;
  for (const std::string& p : payloads) {
    std::string f;
    f += static_cast<char>(0x81);  // FIN + text
    if (p.size() < 126) {
      f += static_cast<char>(p.size());
    } else {
      f += static_cast<char>(126);
      f += static_cast<char>((p.size() >> 8) & 0xff);
      f += static_cast<char>(p.size() & 0xff);
    }
    out.push_back(f + p);
  }
  return out;
}

/// One client connection of the server: an upgrade gets the stream, anything else the OI body.
void serve_connection(tcp::socket sock, ssl::context& tls, const std::vector<std::string>& framed,
                      long rate, int per_record) {
  try {
    beast::ssl_stream<tcp::socket> stream(std::move(sock), tls);
    stream.handshake(ssl::stream_base::server);
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    http::read(stream, buf, req);
    if (!websocket::is_upgrade(req)) {
      http::response<http::string_body> res{http::status::ok, req.version()};
      res.set(http::field::content_type, "application/json");
      res.body() = R"({"symbol":"BTCUSDT","openInterest":"80000.000","time":1700000000000})";
      res.prepare_payload();
      res.keep_alive(false);
      http::write(stream, res);
      return;
    }
    websocket::stream<beast::ssl_stream<tcp::socket>> ws(std::move(stream));
    ws.accept(req);
    // Frames are written as pre-framed WebSocket bytes (server frames are unmasked),
    // `per_record` per TLS write: 1 is what an exchange does (one record per message), more
    // coalesces messages into records (and the reader's decryption work with them).
    auto& raw = ws.next_layer();
    std::string batch;
    batch.reserve(1 << 16);
    std::size_t i = 0;
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t sent = 0;
    while (!g_stop.load(std::memory_order_relaxed)) {
      std::uint64_t n = static_cast<std::uint64_t>(per_record);
      if (rate > 0) {
        const auto due = static_cast<std::uint64_t>(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() *
            static_cast<double>(rate));
        if (sent >= due) {
          std::this_thread::sleep_for(std::chrono::microseconds(200));
          continue;
        }
        n = std::min<std::uint64_t>(due - sent, n);
      }
      batch.clear();
      for (std::uint64_t k = 0; k < n; ++k) batch += framed[i++ & (framed.size() - 1)];
      net::write(raw, net::buffer(batch));
      sent += n;
      g_sent.fetch_add(n, std::memory_order_relaxed);
    }
  } catch (const std::exception&) {
    // The client went away: that connection is done.
  }
}

struct Server {
  net::io_context ioc;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  std::string ca_file;
  std::vector<std::string> frames = make_frames();
  std::vector<std::string> framed = websocket_frames(frames);
  long rate = 0;  // 0 = as fast as possible
  int per_record = 1;

  Server(std::uint16_t port, long r, int batch) : rate(r), per_record(std::max(1, batch)) {
    const auto cert = levdyn::sim::make_self_signed_certificate();
    tls.use_certificate_chain(net::buffer(cert.cert_pem));
    tls.use_private_key(net::buffer(cert.key_pem), ssl::context::pem);
    ca_file = levdyn::sim::write_ca_file(cert.cert_pem);
    const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
    acceptor.open(ep.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen();
  }
  std::uint16_t port() const { return acceptor.local_endpoint().port(); }

  /// Accepts until g_stop; each connection on its own thread.
  void run() {
    std::vector<std::thread> conns;
    acceptor.non_blocking(true);
    while (!g_stop.load()) {
      beast::error_code ec;
      tcp::socket s = acceptor.accept(ec);
      if (ec == net::error::would_block || ec == net::error::try_again) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (ec) continue;
      s.non_blocking(false);
      s.set_option(tcp::no_delay(true));
      conns.emplace_back(serve_connection, std::move(s), std::ref(tls), std::cref(framed), rate,
                         per_record);
    }
    for (auto& t : conns) t.join();
  }
};

long parse_rate(const char* v) { return std::strcmp(v, "max") == 0 ? 0 : std::atol(v); }

int cmd_serve(int argc, char** argv) {
  long rate = 0;
  int batch = 1;
  std::uint16_t port = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rate") == 0) {
      rate = parse_rate(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--per-record") == 0) {
      batch = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--port") == 0) {
      port = static_cast<std::uint16_t>(std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "levdyn_ingest_bench serve: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  Server server(port, rate, batch);
  std::printf("{\"port\":%u,\"ca_file\":\"%s\"}\n", server.port(), server.ca_file.c_str());
  std::fflush(stdout);
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGPIPE, SIG_IGN);
  server.run();
  std::printf("{\"frames_sent\":%llu}\n", static_cast<unsigned long long>(g_sent.load()));
  return 0;
}

int cmd_bare(int argc, char** argv) {
  double seconds = 5, warmup = 1;
  int batch = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--per-record") == 0) {
      batch = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--seconds") == 0) {
      seconds = std::atof(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--warmup") == 0) {
      warmup = std::atof(argv[i + 1]);
    } else {
      std::fprintf(stderr, "levdyn_ingest_bench bare: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
  Server server(0, 0, batch);
  std::thread server_thread([&] { server.run(); });

  net::io_context ioc;
  ssl::context tls{ssl::context::tls_client};
  tls.load_verify_file(server.ca_file);
  tls.set_verify_mode(ssl::verify_peer);
  websocket::stream<beast::ssl_stream<tcp::socket>> ws(ioc, tls);
  beast::get_lowest_layer(ws).connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server.port()));
  beast::get_lowest_layer(ws).set_option(tcp::no_delay(true));
  ws.next_layer().handshake(ssl::stream_base::client);
  ws.read_message_max(4u << 20);
  ws.handshake("127.0.0.1", "/market/stream?streams=btcusdt@aggTrade");
  beast::flat_buffer buf;
  std::uint64_t frames = 0, bytes = 0;
  const auto t_start = std::chrono::steady_clock::now();
  auto t0 = t_start;
  double cpu0 = 0;
  std::uint64_t frames0 = 0;
  bool measuring = false;
  for (;;) {
    ws.read(buf);
    bytes += buf.size();
    buf.consume(buf.size());
    ++frames;
    if ((frames & 1023) != 0) continue;
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - t_start).count();
    if (!measuring && since >= warmup) {
      measuring = true;
      t0 = now;
      cpu0 = thread_cpu_s();
      frames0 = frames;
    } else if (measuring && since >= warmup + seconds) {
      const double wall = std::chrono::duration<double>(now - t0).count();
      const double cpu = thread_cpu_s() - cpu0;
      const std::uint64_t n = frames - frames0;
      std::printf("{\"frames\":%llu,\"wall_s\":%.6f,\"reader_cpu_s\":%.6f,\"frames_per_s\":%.0f,"
                  "\"frames_per_cpu_s\":%.0f,\"bytes_per_frame\":%.1f}\n",
                  static_cast<unsigned long long>(n), wall, cpu, static_cast<double>(n) / wall,
                  static_cast<double>(n) / cpu, static_cast<double>(bytes) / static_cast<double>(frames));
      break;
    }
  }
  g_stop = true;
  beast::error_code ec;
  beast::get_lowest_layer(ws).shutdown(tcp::socket::shutdown_both, ec);
  beast::get_lowest_layer(ws).close(ec);
  server_thread.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "serve") == 0) return cmd_serve(argc, argv);
  if (argc >= 2 && std::strcmp(argv[1], "bare") == 0) return cmd_bare(argc, argv);
  std::fprintf(stderr,
               "usage: levdyn_ingest_bench serve [--rate N|max] [--per-record K] [--port P]\n"
               "       levdyn_ingest_bench bare [--per-record K] [--seconds S] [--warmup S]\n");
  return 2;
}
