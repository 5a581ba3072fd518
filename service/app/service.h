#pragma once

// The assembled service: instrument metadata, feed threads, the engine thread and the HTTP
// server, wired as DESIGN §1 draws them. `main` only parses flags and calls run_*().

#include <cstdint>
#include <memory>
#include <string>

#include "core/engine.h"
#include "core/instrument_table.h"
#include "core/published_state.h"
#include "service/app/config.h"
#include "service/capture/recorder.h"
#include "service/feed/feed_stats.h"

namespace levdyn::app {

/// The engine settings of a config (windows, Hawkes, cascade thresholds).
[[nodiscard]] core::EngineConfig make_engine_config(const Config& config);

/// FNV-1a 64 (hex) of the settings that shape a capture (windows, Hawkes, cascade, venues).
[[nodiscard]] std::string config_digest(const Config& config);
/// The settings a recording runs with — the keys config_digest covers — as a config file in
/// JSON: {"windows":["1m",…],"hawkes":{…},"cascade":{…},"venues":{"binance":{"enabled":true,
/// "symbols":[…],"all_liquidations":true},…}}. parse_config reads it back to a config with the
/// same digest; `levdyn replay` without --config replays with it (docs/formats.md).
[[nodiscard]] std::string settings_payload(const Config& config);
/// A settings frame (channel kSettings) carrying settings_payload(config), filed under the
/// first enabled venue (a frame names one); receive times 0.
[[nodiscard]] capture::RecordedFrame settings_frame(const Config& config);
/// Recorder settings from capture.dir, capture.rotate and the enabled venues; every file starts
/// with the settings frame, then the contract specs of `table`'s tracked instruments
/// (capture/spec_frame.h).
[[nodiscard]] capture::RecorderOptions recorder_options(const Config& config,
                                                        const core::InstrumentTable& table);

struct ServiceOptions {
  bool fetch_metadata = true;  // false: cache or bundled instrument specs only
};

/// Thread-safety: start()/stop() from one controlling thread.
class Service {
 public:
  Service(Config config, ServiceOptions options = {});
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Binds the HTTP listener (throws std::runtime_error naming http.listen when it cannot),
  /// then starts the engine and the feeds.
  void start();
  /// Stops accepting, closes feeds with close frames, drains the rings into the engine,
  /// flushes captures, joins every thread. Bounded by a few seconds.
  void stop();

  [[nodiscard]] std::uint16_t http_port() const noexcept;
  [[nodiscard]] const core::PublishedState& state() const noexcept;
  [[nodiscard]] const feed::FeedStats& feed_stats() const noexcept;
  [[nodiscard]] const Config& config() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct SimOptions {
  std::string scenario = "cascade";
  int port = 0;
  std::string listen;  // HOST:PORT; overrides port
  std::string faults;  // fault schedule file (YAML/JSON); empty = none
};

struct DemoOptions {
  std::string scenario = "cascade";
  bool config_given = false;
  std::string faults;  // fault schedule file for the simulator; empty = none
};

/// Runs until SIGINT/SIGTERM; returns the exit code.
int run_serve(const Config& config);
/// Starts the simulator in-process, points every simulated venue at it, and serves.
int run_demo(Config config, const DemoOptions& options);
/// `levdyn record`: the feeds and the recorder only (no engine, no HTTP) until SIGINT/SIGTERM.
int run_record(const Config& config);
/// Runs the simulator alone until SIGINT/SIGTERM.
int run_sim(const SimOptions& options);
/// GET the URL (http://HOST:PORT/path); 0 when it answers 200.
int run_healthcheck(const std::string& url);

}  // namespace levdyn::app
