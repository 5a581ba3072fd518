#pragma once

// levdyn's configuration (DESIGN §6): YAML file, every key overridable by an environment
// variable (LEVDYN_<PATH> with dots as underscores, e.g. LEVDYN_HTTP_LISTEN,
// LEVDYN_VENUES_BINANCE_SYMBOLS=BTCUSDT,ETHUSDT), validated strictly: unknown keys and bad
// values are errors that name the key.

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "service/feed/feed_types.h"
#include "service/venues/codec.h"

namespace levdyn::app {

/// A configuration error: `key` is the dotted path (or flag) at fault.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string key, const std::string& message)
      : std::runtime_error(key + ": " + message), key_(std::move(key)) {}
  [[nodiscard]] const std::string& key() const noexcept { return key_; }

 private:
  std::string key_;
};

struct HttpSettings {
  std::string listen = "0.0.0.0:8080";
  int max_connections = 1024;
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds header_timeout{10'000};
  std::size_t max_header_bytes = 8192;
  std::size_t max_body_bytes = 1u << 20;
};

struct HawkesSettings {
  std::chrono::milliseconds window{3'600'000};
  std::chrono::milliseconds decay{30'000};
  int min_events = 50;
};

struct CascadeSettings {
  double trigger_ratio = 5;
  double exit_ratio = 2;
  double floor_usd_s = 50'000;
  std::chrono::milliseconds quiet{60'000};
};

struct CaptureSettings {
  std::string dir;
  std::chrono::milliseconds rotate{3'600'000};
};

struct Config {
  HttpSettings http;
  std::vector<std::chrono::milliseconds> windows{std::chrono::minutes(1), std::chrono::minutes(5),
                                                 std::chrono::minutes(15), std::chrono::hours(1)};
  feed::TlsSettings tls;
  std::array<venues::VenueSettings, core::kVenueCount> venues;  // by core::Venue
  HawkesSettings hawkes;
  CascadeSettings cascade;
  CaptureSettings capture;
  std::chrono::milliseconds stream_interval{1000};
  int feed_threads = 1;
  /// threads.engine: where the engine runs. `auto` (default): in line on the feed thread when
  /// there is one (threads.feed: 1), else on a thread of its own. `inline`: the feed thread
  /// applies and publishes each frame's events right after decoding them — no hand-off, no
  /// spinning thread, and a frame's latency is only its own processing, which a busy core cannot
  /// stretch the way it preempts a spinning engine (needs threads.feed: 1). `thread`: the
  /// engine thread drains the feed threads' rings (DESIGN §1), idling as threads.engine_spin
  /// says.
  enum class EngineMode : std::uint8_t { kAuto, kInline, kThread };
  EngineMode engine_mode = EngineMode::kAuto;
  /// threads.engine_spin (the engine on its own thread only): how long the engine thread
  /// spins after its last event before it yields and parks. Unset or `auto` (default): 200ms on a
  /// machine with 2 or more usable CPUs, so the engine keeps spinning while ingest is live — the
  /// one spinning thread a 2-core machine can afford, a core's worth of CPU, for microseconds of
  /// pipeline latency — and parks once the feeds fall quiet; on one CPU, 0. 0: 50 us, then park, so
  /// an idle engine costs no CPU but a frame that finds it parked waits for a futex wake-up
  /// (hundreds of µs at p99 on a VM). See effective_engine_spin().
  std::chrono::milliseconds engine_spin{0};
  bool engine_spin_set = false;  // threads.engine_spin was given (file or environment), not auto
  std::size_t ring_capacity = 65536;
  std::string metadata_cache_dir;                 // empty: $XDG_CACHE_HOME/levdyn or /tmp
  std::chrono::milliseconds metadata_timeout{5000};
  std::string log_level = "info";
  std::string source;                             // where it was loaded from (for logs)
};

/// Defaults: DESIGN §6 (every venue enabled with its production URLs).
[[nodiscard]] Config default_config();

/// Loads `path` (empty = defaults only), then applies environment overrides from `env`
/// (pass `environ`). Throws ConfigError naming the key.
[[nodiscard]] Config load_config(const std::string& path, char** env);

/// Parses YAML `text` as a config file named `source` (for messages), then applies the
/// environment overrides as load_config does. Throws ConfigError naming the key, and nothing
/// else for any input.
[[nodiscard]] Config parse_config(std::string_view text, char** env,
                                  const std::string& source = "(string)");

/// Parses "500ms", "2s", "1m", "1h", "1d" (integer + unit). Throws std::invalid_argument.
[[nodiscard]] std::chrono::milliseconds parse_duration(std::string_view text);
/// Formats a duration in the largest exact unit ("1m", "90s", "250ms").
[[nodiscard]] std::string format_duration(std::chrono::milliseconds d);

/// Whether the engine runs in line on the feed thread (threads.engine, threads.feed).
[[nodiscard]] bool engine_inline(const Config& config) noexcept;
/// "auto", "inline" or "thread".
[[nodiscard]] std::string_view to_string(Config::EngineMode mode) noexcept;

/// The engine's spin time for `config` on a machine with `usable_cpus` CPUs available to this
/// process: threads.engine_spin when it is set, else 200ms with 2 or more CPUs and 0 with one.
[[nodiscard]] std::chrono::milliseconds effective_engine_spin(const Config& config,
                                                              int usable_cpus) noexcept;
/// CPUs this process may run on (its affinity mask: a container's cpuset counts), at least 1.
[[nodiscard]] int usable_cpus() noexcept;

/// Validates a "HOST:PORT" listen address. Throws ConfigError(key).
void check_listen(const std::string& key, const std::string& value);

}  // namespace levdyn::app
