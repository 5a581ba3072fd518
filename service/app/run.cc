// The run_* entry points of the subcommands: signal handling and process lifetime around
// Service and the simulator.

#include <signal.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "service/app/instruments_loader.h"
#include "service/app/replay.h"
#include "service/app/service_http.h"
#include "service/app/service.h"
#include "service/app/sim_runner.h"
#include "service/capture/recorder.h"
#include "service/feed/feed_thread.h"
#include "service/feed/latency_histogram.h"
#include "service/feed/log.h"
#include "service/venues/codec.h"

namespace levdyn::app {

namespace {

/// Blocks SIGINT/SIGTERM/SIGHUP in every thread started after this call, so the controlling
/// thread alone receives them through sigwait().
sigset_t block_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return set;
}

/// Waits for SIGINT or SIGTERM. SIGHUP is logged: symbol changes need a restart, because the
/// engine's per-instrument state and published slots are sized at start (see README).
void wait_for_stop(const sigset_t& set) {
  while (true) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      LOG_WARN("SIGHUP: configuration reload is not supported; restart to change symbols");
      continue;
    }
    LOG_INFO("%s received: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    return;
  }
}

/// One line on stdout once the HTTP port is bound, so scripts and tests that listen on port 0
/// learn the address: "levdyn listening on http://HOST:PORT".
void announce(const Config& config, const Service& service) {
  std::string host = config.http.listen.substr(0, config.http.listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  std::printf("levdyn listening on http://%s:%u\n", host.c_str(),
              static_cast<unsigned>(service.http_port()));
  std::fflush(stdout);
}

}  // namespace

int run_serve(const Config& config) {
  const sigset_t set = block_signals();
  Service service(config);
  service.start();
  announce(config, service);
  wait_for_stop(set);
  service.stop();
  return 0;
}

int run_demo(Config config, const DemoOptions& options) {
  const sigset_t set = block_signals();
  SimRunner sim(options.scenario, "", 0, options.faults);
  sim.start();
  sim.point_config_at(config);
  LOG_INFO("demo: simulator on 127.0.0.1:%u (scenario %s); feeds point at it",
           static_cast<unsigned>(sim.port()), options.scenario.c_str());
  Service service(config, ServiceOptions{false});
  service.start();
  announce(config, service);
  wait_for_stop(set);
  service.stop();
  sim.stop();
  return 0;
}

int run_record(const Config& config) {
  const sigset_t set = block_signals();
  core::InstrumentTable table;
  (void)load_instruments(config, table, true);  // codecs need the tracked instruments
  capture::Recorder recorder(recorder_options(config, table));
  feed::FeedStats stats;
  // One feed thread: its frames go to the recorder; its decoded events are discarded by the
  // drain thread below (the codecs still run, so subscriptions, heartbeats and replies work).
  feed::FeedThread feeds(config.ring_capacity, stats, config.tls, feed::FeedTuning{},
                         recorder.tap());
  int venues_added = 0;
  for (const auto& vs : config.venues) {
    if (!vs.enabled) continue;
    auto codec = venues::make_codec(vs, table);
    if (!codec) continue;
    feeds.add_venue(std::move(codec), vs);
    ++venues_added;
  }
  if (venues_added == 0) throw ConfigError("venues", "no venue is enabled: nothing to record");
  std::atomic<bool> draining{true};
  std::thread drain([&] {
    auto& ring = feeds.ring();
    while (draining.load(std::memory_order_acquire)) {
      bool any = false;
      while (ring.front() != nullptr) {
        ring.pop();
        any = true;
      }
      if (!any) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  recorder.start();
  feeds.start();
  LOG_INFO("record: %d venues into %s (rotate %s)", venues_added, config.capture.dir.c_str(),
           format_duration(config.capture.rotate).c_str());
  std::printf("levdyn recording into %s\n", config.capture.dir.c_str());
  std::fflush(stdout);
  wait_for_stop(set);
  feeds.stop();
  draining.store(false, std::memory_order_release);
  drain.join();
  recorder.stop();
  return recorder.write_errors() == 0 ? 0 : 1;
}

int run_replay_serve(const Config& config, const ReplayOptions& options) {
  std::vector<std::unique_ptr<capture::FrameSource>> sources;
  if (!open_sources(options.files, options.format, sources)) return 2;
  const sigset_t set = block_signals();
  Replayer replayer(config, options.settings);
  feed::FeedStats feed_stats;  // no live feeds: /v1/feeds is empty
  feed::LatencyHistogram pipeline, exchange_lag;
  HttpFrontend http(config, replayer.state(), feed_stats, pipeline, exchange_lag,
                    [] { return std::size_t{0}; },
                    [](std::string&) { return true; });  // a replay is running: ready
  http.start();
  std::string host = config.http.listen.substr(0, config.http.listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  std::printf("levdyn listening on http://%s:%u\n", host.c_str(),
              static_cast<unsigned>(http.port()));
  std::fflush(stdout);
  std::atomic<bool> stop{false};
  std::thread worker([&] {
    replay_sources(replayer, sources, options.speed, &stop);
    if (stop.load()) return;
    const std::string result = replayer.result_json() + "\n";
    std::fwrite(result.data(), 1, result.size(), stdout);
    std::fflush(stdout);
    LOG_INFO("replay finished: serving its final state until SIGINT/SIGTERM");
  });
  wait_for_stop(set);
  stop.store(true);
  worker.join();
  http.stop_accepting();
  http.stop();
  return 0;
}

int run_sim(const SimOptions& options) {
  const sigset_t set = block_signals();
  SimRunner sim(options.scenario, options.listen, options.port, options.faults);
  sim.start();
  std::printf("levdyn sim: scenario %s on 127.0.0.1:%u, CA certificate %s\n",
              options.scenario.c_str(), static_cast<unsigned>(sim.port()), sim.ca_file().c_str());
  sim.print_urls(stdout);
  std::fflush(stdout);
  wait_for_stop(set);
  sim.stop();
  return 0;
}

int run_healthcheck(const std::string& url) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  using tcp = boost::asio::ip::tcp;
  // http://HOST:PORT/path
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  const std::string target = slash == std::string::npos ? "/healthz" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  const std::string host = colon == std::string::npos ? authority : authority.substr(0, colon);
  const std::string port = colon == std::string::npos ? "80" : authority.substr(colon + 1);
  try {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(3));
    stream.connect(resolver.resolve(host, port));
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, host);
    http::write(stream, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res);
    if (res.result_int() == 200) return 0;
    std::fprintf(stderr, "healthcheck: %s answered %u\n", url.c_str(), res.result_int());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "healthcheck: %s: %s\n", url.c_str(), e.what());
  }
  return 1;
}

}  // namespace levdyn::app
