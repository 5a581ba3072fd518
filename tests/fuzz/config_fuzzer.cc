// Fuzz target of the YAML config loader (app::parse_config, the body of load_config).
//
// The input is a config file; lines after a "#env" line (a YAML comment) are environment
// variables NAME=VALUE applied as overrides. The loader must either return a config that
// satisfies its documented rules or throw ConfigError naming a key; any other exception
// escapes this function and libFuzzer reports it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "service/app/config.h"
#include "service/feed/log.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace levdyn;
  static const bool quiet = [] {
    log::set_level(log::Level::kOff);  // unknown LEVDYN_* variables only warn
    return true;
  }();
  (void)quiet;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view yaml = input;
  std::vector<std::string> env_storage;
  if (const auto at = input.find("#env\n"); at != std::string_view::npos) {
    yaml = input.substr(0, at);
    std::string_view rest = input.substr(at + 5);
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      env_storage.emplace_back(rest.substr(0, nl));
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
  }
  std::vector<char*> env;
  for (auto& e : env_storage) env.push_back(e.data());
  env.push_back(nullptr);

  try {
    const app::Config c = app::parse_config(yaml, env.data());
    // What load_config promises of an accepted config.
    LEVDYN_FUZZ_CHECK(!c.windows.empty() && c.windows.size() <= 8);
    for (const auto w : c.windows) {
      LEVDYN_FUZZ_CHECK(w >= std::chrono::seconds(1));
      LEVDYN_FUZZ_CHECK(app::parse_duration(app::format_duration(w)) == w);
    }
    LEVDYN_FUZZ_CHECK(c.http.max_connections >= 1);
    LEVDYN_FUZZ_CHECK(c.cascade.exit_ratio <= c.cascade.trigger_ratio);
    LEVDYN_FUZZ_CHECK(c.feed_threads >= 1 && c.feed_threads <= 16);
    for (const auto& v : c.venues) {
      if (v.enabled) LEVDYN_FUZZ_CHECK(!v.symbols.empty());
      LEVDYN_FUZZ_CHECK(v.silence_timeout.count() > 0 && v.oi_poll_interval.count() > 0);
    }
    app::check_listen("http.listen", c.http.listen);  // accepted once, accepted again
  } catch (const app::ConfigError& e) {
    LEVDYN_FUZZ_CHECK(!e.key().empty());
  }
  return 0;
}
