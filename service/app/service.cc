#include "service/app/service.h"

#include <signal.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "core/engine.h"
#include "core/instrument_table.h"
#include "core/published_state.h"
#include "service/app/engine_runner.h"
#include "service/app/huge_page_arena.h"
#include "service/app/instruments_loader.h"
#include "service/app/service_http.h"
#include "service/app/version.h"
#include "service/capture/recorder.h"
#include "service/capture/spec_frame.h"
#include "service/feed/feed_thread.h"
#include "service/feed/latency_histogram.h"
#include "service/feed/log.h"
#include "service/venues/codec.h"
#include "service/venues/event_json.h"

namespace levdyn::app {

core::EngineConfig make_engine_config(const Config& c) {
  core::EngineConfig e;
  e.windows_ns.clear();
  for (auto w : c.windows) {
    e.windows_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(w).count());
  }
  e.hawkes_window_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(c.hawkes.window).count();
  e.hawkes_decay_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(c.hawkes.decay).count();
  e.hawkes_min_events = c.hawkes.min_events;
  e.cascade_trigger_ratio = c.cascade.trigger_ratio;
  e.cascade_exit_ratio = c.cascade.exit_ratio;
  e.cascade_floor_usd_s = c.cascade.floor_usd_s;
  e.cascade_quiet_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(c.cascade.quiet).count();
  return e;
}

std::string config_digest(const Config& c) {
  // The settings that change what is recorded or computed from it, in a fixed order.
  std::string text;
  for (auto w : c.windows) text += std::to_string(w.count()) + ",";
  text += "|hawkes:" + std::to_string(c.hawkes.window.count()) + "," +
          std::to_string(c.hawkes.decay.count()) + "," + std::to_string(c.hawkes.min_events);
  text += "|cascade:" + std::to_string(c.cascade.trigger_ratio) + "," +
          std::to_string(c.cascade.exit_ratio) + "," + std::to_string(c.cascade.floor_usd_s) +
          "," + std::to_string(c.cascade.quiet.count());
  for (const auto& v : c.venues) {
    if (!v.enabled) continue;
    text += "|" + std::string(core::to_string(v.venue)) + ":";
    for (const auto& s : v.symbols) text += s + ",";
    text += v.all_liquidations ? "all" : "tracked";
  }
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (const unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string settings_payload(const Config& c) {
  // A config file's keys, as JSON (which YAML reads): parse_config takes it back.
  std::string out = "{\"windows\":[";
  for (std::size_t i = 0; i < c.windows.size(); ++i) {
    if (i != 0) out += ',';
    venues::append_json_string(out, format_duration(c.windows[i]));
  }
  const auto number = [&out](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);  // reads back to the same double
    out += buf;
  };
  out += "],\"hawkes\":{\"window\":";
  venues::append_json_string(out, format_duration(c.hawkes.window));
  out += ",\"decay\":";
  venues::append_json_string(out, format_duration(c.hawkes.decay));
  out += ",\"min_events\":" + std::to_string(c.hawkes.min_events);
  out += "},\"cascade\":{\"trigger_ratio\":";
  number(c.cascade.trigger_ratio);
  out += ",\"exit_ratio\":";
  number(c.cascade.exit_ratio);
  out += ",\"floor_usd_s\":";
  number(c.cascade.floor_usd_s);
  out += ",\"quiet\":";
  venues::append_json_string(out, format_duration(c.cascade.quiet));
  out += "},\"venues\":{";
  for (std::size_t v = 0; v < c.venues.size(); ++v) {
    const auto& vs = c.venues[v];
    if (v != 0) out += ',';
    venues::append_json_string(out, core::to_string(static_cast<core::Venue>(v)));
    out += vs.enabled ? ":{\"enabled\":true,\"symbols\":[" : ":{\"enabled\":false,\"symbols\":[";
    for (std::size_t i = 0; i < vs.symbols.size(); ++i) {
      if (i != 0) out += ',';
      venues::append_json_string(out, vs.symbols[i]);
    }
    out += vs.all_liquidations ? "],\"all_liquidations\":true}" : "],\"all_liquidations\":false}";
  }
  out += "}}";
  return out;
}

capture::RecordedFrame settings_frame(const Config& c) {
  capture::RecordedFrame f;
  f.channel = capture::FrameChannel::kSettings;
  // A frame names a venue; this one is the recording's, filed under its first venue.
  for (const auto& v : c.venues) {
    if (v.enabled) {
      f.venue = v.venue;
      break;
    }
  }
  f.payload = settings_payload(c);
  return f;
}

capture::RecorderOptions recorder_options(const Config& c, const core::InstrumentTable& table) {
  capture::RecorderOptions o;
  o.dir = c.capture.dir;
  o.rotate = c.capture.rotate;
  o.header.levdyn_version = version();
  for (const auto& v : c.venues) {
    if (!v.enabled) continue;
    o.header.venues.push_back({std::string(core::to_string(v.venue)), v.symbols});
  }
  o.header.config_digest = config_digest(c);
  o.file_preamble.push_back(settings_frame(c));
  for (auto& f : capture::spec_frames(table)) o.file_preamble.push_back(std::move(f));
  return o;
}

struct Service::Impl {
  explicit Impl(Config c, ServiceOptions o) : config(std::move(c)), options(o) {}

  Config config;
  ServiceOptions options;
  core::InstrumentTable table;
  feed::FeedStats feed_stats;
  feed::LatencyHistogram pipeline_latency;
  feed::LatencyHistogram exchange_lag;
  std::unique_ptr<HugePageArena> engine_memory;  // outlives state and engine
  std::unique_ptr<core::PublishedState> state;
  std::unique_ptr<core::Engine> engine;
  std::vector<std::unique_ptr<feed::FeedThread>> feeds;
  std::unique_ptr<EngineRunner> runner;
  std::unique_ptr<HttpFrontend> http;
  std::unique_ptr<capture::Recorder> recorder;  // with capture.dir
  bool started = false;
};

Service::Service(Config config, ServiceOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), options)) {}

Service::~Service() { stop(); }

std::uint16_t Service::http_port() const noexcept {
  return impl_->http ? impl_->http->port() : 0;
}
const core::PublishedState& Service::state() const noexcept { return *impl_->state; }
const feed::FeedStats& Service::feed_stats() const noexcept { return impl_->feed_stats; }
const Config& Service::config() const noexcept { return impl_->config; }

void Service::start() {
  Impl& s = *impl_;
  if (s.started) return;
  const Config& c = s.config;
  const auto report = load_instruments(c, s.table, s.options.fetch_metadata);
  (void)report;
  const core::EngineConfig ec = make_engine_config(c);
  s.engine_memory = std::make_unique<HugePageArena>();
  LOG_INFO("engine: instrument state in %s", s.engine_memory->pages().c_str());
  s.state = std::make_unique<core::PublishedState>(s.table, static_cast<int>(ec.windows_ns.size()),
                                                   ec.windows_ns.data(), s.engine_memory.get());
  s.engine = std::make_unique<core::Engine>(ec, s.table, *s.state, s.engine_memory.get());

  // Venues are spread over the feed threads round-robin, each thread with its own ring.
  const int threads = std::max(1, c.feed_threads);
  feed::FeedTuning tuning;
  if (!c.capture.dir.empty()) {
    s.recorder = std::make_unique<capture::Recorder>(recorder_options(c, s.table));
  }
  for (int t = 0; t < threads; ++t) {
    // With a recorder, each feed thread hands it a copy of every frame (its own ring).
    s.feeds.push_back(std::make_unique<feed::FeedThread>(
        c.ring_capacity, s.feed_stats, c.tls, tuning,
        s.recorder ? s.recorder->tap() : feed::FrameTap{}));
  }
  int next = 0;
  for (int v = 0; v < core::kVenueCount; ++v) {
    const auto& vs = c.venues[v];
    if (!vs.enabled) continue;
    auto codec = venues::make_codec(vs, s.table);
    if (!codec) {
      LOG_WARN("venue %s: no codec in this build; disabled",
               std::string(core::to_string(vs.venue)).c_str());
      continue;
    }
    s.feeds[static_cast<std::size_t>(next++ % threads)]->add_venue(std::move(codec), vs);
  }
  std::vector<EngineRunner::Ring*> rings;
  for (auto& f : s.feeds) rings.push_back(&f->ring());
  s.runner = std::make_unique<EngineRunner>(*s.engine, rings, s.pipeline_latency, s.exchange_lag);
  const bool inline_engine = engine_inline(c);
  if (inline_engine) {
    // The feed thread applies and publishes after every push, and on a timer for the timed
    // publications and refits when no frame comes.
    s.feeds[0]->set_consumer([r = s.runner.get()] { r->drain(); }, EngineRunner::kInlineTick);
    LOG_INFO("engine: in line on the feed thread (threads.engine: %s)",
             std::string(to_string(c.engine_mode)).c_str());
  } else {
    const auto spin = effective_engine_spin(c, usable_cpus());
    if (spin.count() > 0) s.runner->set_spin(spin);
    LOG_INFO(
        "engine: its own thread, spins %s after its last event, then parks (threads.engine: "
        "%s, threads.engine_spin: %s)",
        spin.count() > 0 ? format_duration(spin).c_str() : "50us",
        std::string(to_string(c.engine_mode)).c_str(),
        c.engine_spin_set ? format_duration(c.engine_spin).c_str() : "auto");
    for (auto& f : s.feeds) f->set_parker(&s.runner->parker());
  }

  // HTTP first: a listen address that cannot be bound is a start-up error.
  std::function<http::CaptureCounts()> capture_counts;
  if (s.recorder) {
    capture_counts = [rec = s.recorder.get()] {
      return http::CaptureCounts{rec->frames_written(), rec->dropped(), rec->write_errors()};
    };
  }
  s.http = std::make_unique<HttpFrontend>(c, *s.state, s.feed_stats, s.pipeline_latency,
                                          s.exchange_lag, *s.runner, std::move(capture_counts));
  s.http->start();
  if (s.recorder) s.recorder->start();
  if (inline_engine) {
    s.runner->start_inline();
  } else {
    s.runner->start();
  }
  for (auto& f : s.feeds) f->start();
  s.started = true;
  LOG_INFO("levdyn serving on %s (port %u), %zu instruments", c.http.listen.c_str(),
           static_cast<unsigned>(s.http->port()), s.table.size());
}

void Service::stop() {
  Impl& s = *impl_;
  if (!s.started) return;
  s.started = false;
  if (s.http) s.http->stop_accepting();
  for (auto& f : s.feeds) f->stop();
  if (s.runner) s.runner->stop();
  if (s.recorder) s.recorder->stop();  // after the feeds: their down transitions are recorded
  if (s.http) s.http->stop();
  LOG_INFO("levdyn stopped: %llu events applied",
           static_cast<unsigned long long>(s.engine ? s.engine->events_applied() : 0));
}

}  // namespace levdyn::app
