// Tests for the configuration loader: defaults, the documented deploy/levdyn.yaml, environment
// overrides, and one clear error naming the key for every kind of bad input.
#include "service/app/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/child_process.h"

namespace levdyn::app {
namespace {

using namespace std::chrono_literals;

class ConfigTest : public testing::Test {
 protected:
  std::string write(const std::string& yaml) {
    const std::string path = dir_.file("c" + std::to_string(n_++) + ".yaml");
    std::ofstream(path) << yaml;
    return path;
  }
  std::string error_key(const std::string& yaml, std::vector<std::string> env = {}) {
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    try {
      (void)load_config(write(yaml), envp.data());
    } catch (const ConfigError& e) {
      return e.key();
    }
    return "(no error)";
  }
  test::TempDir dir_;
  int n_ = 0;
};

// Verifies the shipped default config parses and matches DESIGN §6 defaults.
TEST_F(ConfigTest, ShippedDefaultConfig) {
  char* env[] = {nullptr};
  const Config c = load_config(LEVDYN_SOURCE_DIR "/deploy/levdyn.yaml", env);
  EXPECT_EQ(c.http.listen, "0.0.0.0:8080");
  EXPECT_EQ(c.http.max_connections, 1024);
  EXPECT_EQ(c.http.idle_timeout, 30s);
  ASSERT_EQ(c.windows.size(), 4u);
  EXPECT_EQ(c.windows[3], 1h);
  EXPECT_TRUE(c.tls.verify);
  const auto& b = c.venues[static_cast<int>(core::Venue::kBinance)];
  EXPECT_TRUE(b.enabled);
  EXPECT_EQ(b.ws_url, "wss://fstream.binance.com/market");
  EXPECT_EQ(b.symbols, (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  EXPECT_EQ(b.oi_poll_interval, 2s);
  EXPECT_EQ(b.silence_timeout, 30s);
  for (const auto& v : c.venues) EXPECT_TRUE(v.enabled) << core::to_string(v.venue);
  EXPECT_DOUBLE_EQ(c.cascade.trigger_ratio, 5);
  EXPECT_EQ(c.cascade.quiet, 60s);
  EXPECT_EQ(c.hawkes.window, 1h);
  EXPECT_EQ(c.feed_threads, 1);
  EXPECT_FALSE(c.engine_spin_set);  // shipped as `auto`, the same as no file
  EXPECT_FALSE(default_config().engine_spin_set);
}

// Verifies threads.engine_spin: auto spins 200ms on 2+ CPUs and not on one; an explicit value
// (0 included) wins on any machine; a bad value names the key.
TEST_F(ConfigTest, EngineSpin) {
  char* none[] = {nullptr};
  const Config dflt = default_config();
  EXPECT_EQ(effective_engine_spin(dflt, 2), 200ms);
  EXPECT_EQ(effective_engine_spin(dflt, 64), 200ms);
  EXPECT_EQ(effective_engine_spin(dflt, 1), 0ms);
  const Config zero = load_config(write("threads: {engine_spin: 0ms}\n"), none);
  EXPECT_TRUE(zero.engine_spin_set);
  EXPECT_EQ(effective_engine_spin(zero, 2), 0ms);
  const Config five = load_config(write("threads: {engine_spin: 5ms}\n"), none);
  EXPECT_EQ(effective_engine_spin(five, 1), 5ms);
  const Config aut = load_config(write("threads: {engine_spin: auto}\n"), none);
  EXPECT_FALSE(aut.engine_spin_set);
  EXPECT_EQ(effective_engine_spin(aut, 2), 200ms);
  std::string auto_env = "LEVDYN_THREADS_ENGINE_SPIN=auto";
  char* env[] = {auto_env.data(), nullptr};
  EXPECT_FALSE(load_config(write("threads: {engine_spin: 0ms}\n"), env).engine_spin_set);
  EXPECT_GE(usable_cpus(), 1);
  try {
    (void)load_config(write("threads: {engine_spin: fast}\n"), none);
    ADD_FAILURE() << "engine_spin: fast was accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "threads.engine_spin");
    EXPECT_NE(std::string(e.what()).find("expected auto or a duration"), std::string::npos)
        << e.what();
  }
}

// Verifies threads.engine: auto runs the engine in line with one feed thread and on its own
// thread with more; inline and thread are taken as given; inline with several feed threads and
// an unknown mode are errors naming the key.
TEST_F(ConfigTest, EngineMode) {
  char* none[] = {nullptr};
  const Config dflt = default_config();
  EXPECT_EQ(dflt.engine_mode, Config::EngineMode::kAuto);
  EXPECT_TRUE(engine_inline(dflt));
  EXPECT_FALSE(engine_inline(load_config(write("threads: {feed: 2}\n"), none)));
  EXPECT_FALSE(engine_inline(load_config(write("threads: {engine: thread}\n"), none)));
  EXPECT_TRUE(engine_inline(load_config(write("threads: {engine: inline}\n"), none)));
  EXPECT_TRUE(engine_inline(load_config(write("threads: {engine: auto}\n"), none)));
  std::string thread_env = "LEVDYN_THREADS_ENGINE=thread";
  char* env[] = {thread_env.data(), nullptr};
  EXPECT_EQ(load_config(write("threads: {engine: inline}\n"), env).engine_mode,
            Config::EngineMode::kThread);
  for (const char* yaml : {"threads: {engine: inline, feed: 2}\n", "threads: {engine: fast}\n"}) {
    try {
      (void)load_config(write(yaml), none);
      ADD_FAILURE() << yaml << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.key(), "threads.engine") << e.what();
    }
  }
  EXPECT_EQ(to_string(Config::EngineMode::kInline), "inline");
}

// Verifies environment variables override the file key by key, lists comma-separated.
TEST_F(ConfigTest, EnvironmentOverrides) {
  std::string e1 = "LEVDYN_HTTP_LISTEN=127.0.0.1:9999";
  std::string e2 = "LEVDYN_VENUES_BINANCE_SYMBOLS=BTCUSDT, SOLUSDT";
  std::string e3 = "LEVDYN_VENUES_OKX_ENABLED=false";
  std::string e4 = "LEVDYN_WINDOWS=30s,2m";
  std::string e5 = "LEVDYN_THREADS_ENGINE_SPIN=200ms";
  char* env[] = {e1.data(), e2.data(), e3.data(), e4.data(), e5.data(), nullptr};
  const Config c = load_config(write("http: {listen: \"0.0.0.0:1\"}\n"), env);
  EXPECT_EQ(c.http.listen, "127.0.0.1:9999");
  EXPECT_EQ(c.venues[0].symbols, (std::vector<std::string>{"BTCUSDT", "SOLUSDT"}));
  EXPECT_FALSE(c.venues[static_cast<int>(core::Venue::kOkx)].enabled);
  EXPECT_EQ(c.windows, (std::vector<std::chrono::milliseconds>{30s, 2min}));
  EXPECT_EQ(c.engine_spin, 200ms);
  EXPECT_TRUE(c.engine_spin_set);
}

// Verifies every bad input is rejected with the offending key named.
TEST_F(ConfigTest, ErrorsNameTheKey) {
  struct Case {
    const char* yaml;
    const char* key;
  } cases[] = {
      {"htp: {listen: x}\n", "htp"},
      {"http: {lisen: \"0.0.0.0:1\"}\n", "http.lisen"},
      {"http: {listen: nohostport}\n", "http.listen"},
      {"http: {listen: \"h:99999\"}\n", "http.listen"},
      {"http: {max_connections: -1}\n", "http.max_connections"},
      {"http: {idle_timeout: 30}\n", "http.idle_timeout"},
      {"http: {idle_timeout: 3 weeks}\n", "http.idle_timeout"},
      {"windows: []\n", "windows"},
      {"windows: [1m, 1m]\n", "windows"},
      {"tls: {verify: maybe}\n", "tls.verify"},
      {"venues: {binance: {ws_url: \"ftp://x\"}}\n", "venues.binance.ws_url"},
      {"venues: {binance: {symbols: []}}\n", "venues.binance.symbols"},
      {"venues: {kraken: {enabled: true}}\n", "venues.kraken"},
      {"venues: {okx: {silence_timeout: 0s}}\n", "venues.okx.silence_timeout"},
      {"cascade: {trigger_ratio: abc}\n", "cascade.trigger_ratio"},
      {"cascade: {exit_ratio: 9}\n", "cascade.exit_ratio"},
      {"log: {level: loud}\n", "log.level"},
      {"threads: {engine_spin: fast}\n", "threads.engine_spin"},
      {"threads: {engine: spin}\n", "threads.engine"},
      {"http: [1, 2]\n", "http"},
      {"http: {listen: [a, b]}\n", "http.listen"},
      {"{unbalanced\n", "--config"},
      {"http: {listen: \"0.0.0.0:1\"}\n!", "(top level)"},  // a stray tag: an empty key
      {"http:\n  \"\": 1\n", "http"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.yaml);
    EXPECT_EQ(error_key(c.yaml), c.key);
  }
  EXPECT_EQ(error_key("", {"LEVDYN_HTTP_MAX_CONNECTIONS=lots"}),
            "http.max_connections (from LEVDYN_HTTP_MAX_CONNECTIONS)");
}

// Verifies a missing file is an error naming --config.
TEST_F(ConfigTest, MissingFile) {
  char* env[] = {nullptr};
  try {
    (void)load_config(dir_.file("nope.yaml"), env);
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "--config");
  }
}

// Verifies the duration syntax and its formatting round trip.
TEST(DurationTest, ParseAndFormat) {
  EXPECT_EQ(parse_duration("500ms"), 500ms);
  EXPECT_EQ(parse_duration("30s"), 30s);
  EXPECT_EQ(parse_duration("15m"), 15min);
  EXPECT_EQ(parse_duration("1h"), 1h);
  EXPECT_THROW((void)parse_duration("1"), std::invalid_argument);
  EXPECT_THROW((void)parse_duration("-1s"), std::invalid_argument);
  EXPECT_THROW((void)parse_duration("1.5s"), std::invalid_argument);
  EXPECT_EQ(format_duration(60s), "1m");
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(1h), "1h");
  EXPECT_EQ(format_duration(250ms), "250ms");
}

}  // namespace
}  // namespace levdyn::app
