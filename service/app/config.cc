#include "service/app/config.h"

#include <sched.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <functional>
#include <set>

#include "service/feed/log.h"
#include "service/feed/url.h"
#include "service/venues/metadata.h"

namespace levdyn::app {

namespace {

using Setter = std::function<void(Config&, const YAML::Node&, const std::string& path)>;

struct Leaf {
  std::string path;
  bool list = false;
  Setter set;
};

std::string scalar(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) throw ConfigError(path, "expected a single value");
  return n.Scalar();
}

bool to_bool(const YAML::Node& n, const std::string& path) {
  std::string s = scalar(n, path);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
  if (s == "false" || s == "no" || s == "off" || s == "0") return false;
  throw ConfigError(path, "expected true or false, got '" + s + "'");
}

long long to_int(const YAML::Node& n, const std::string& path, long long lo, long long hi) {
  const std::string s = scalar(n, path);
  long long v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
    throw ConfigError(path, "expected an integer, got '" + s + "'");
  }
  if (v < lo || v > hi) {
    throw ConfigError(path, "must be between " + std::to_string(lo) + " and " +
                                std::to_string(hi) + ", got " + s);
  }
  return v;
}

double to_double(const YAML::Node& n, const std::string& path, double lo) {
  const std::string s = scalar(n, path);
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) {
    throw ConfigError(path, "expected a number, got '" + s + "'");
  }
  if (v < lo) throw ConfigError(path, "must be at least " + std::to_string(lo));
  return v;
}

std::chrono::milliseconds to_duration(const YAML::Node& n, const std::string& path,
                                      bool allow_zero = false) {
  const std::string s = scalar(n, path);
  std::chrono::milliseconds d{};
  try {
    d = parse_duration(s);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(path, e.what());
  }
  if (d.count() == 0 && !allow_zero) throw ConfigError(path, "must be greater than zero");
  return d;
}

std::vector<std::string> to_list(const YAML::Node& n, const std::string& path) {
  std::vector<std::string> out;
  if (n.IsSequence()) {
    for (const auto& item : n) out.push_back(scalar(item, path));
  } else if (n.IsScalar()) {  // "A,B" (environment overrides) or a single value
    std::string_view s = n.Scalar();
    while (!s.empty()) {
      const auto comma = s.find(',');
      std::string_view item = s.substr(0, comma);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) out.emplace_back(item);
      if (comma == std::string_view::npos) break;
      s.remove_prefix(comma + 1);
    }
  } else if (!n.IsNull()) {
    throw ConfigError(path, "expected a list");
  }
  return out;
}

std::string checked_url(const YAML::Node& n, const std::string& path) {
  std::string s = scalar(n, path);
  feed::Url url;
  std::string error;
  if (!feed::parse_url(s, url, error)) throw ConfigError(path, error + " in '" + s + "'");
  return s;
}

std::vector<Leaf> schema() {
  std::vector<Leaf> l;
  auto add = [&](std::string path, Setter s, bool list = false) {
    l.push_back(Leaf{std::move(path), list, std::move(s)});
  };
  add("http.listen", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.http.listen = scalar(n, p);
    check_listen(p, c.http.listen);
  });
  add("http.max_connections", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.http.max_connections = static_cast<int>(to_int(n, p, 1, 1'000'000));
  });
  add("http.idle_timeout", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.http.idle_timeout = to_duration(n, p);
  });
  add("http.header_timeout", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.http.header_timeout = to_duration(n, p);
  });
  add("http.max_header_bytes", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.http.max_header_bytes = static_cast<std::size_t>(to_int(n, p, 1024, 1 << 20));
  });
  add("http.max_body_bytes", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.http.max_body_bytes = static_cast<std::size_t>(to_int(n, p, 0, 64 << 20));
  });
  add(
      "windows",
      [](Config& c, const YAML::Node& n, const std::string& p) {
        c.windows.clear();
        for (const auto& item : to_list(n, p)) c.windows.push_back(to_duration(YAML::Node(item), p));
        if (c.windows.empty()) throw ConfigError(p, "at least one window is required");
        if (c.windows.size() > 8) throw ConfigError(p, "at most 8 windows");
        std::set<std::int64_t> seen;
        for (auto w : c.windows) {
          if (!seen.insert(w.count()).second) throw ConfigError(p, "duplicate window");
          if (w < std::chrono::seconds(1)) throw ConfigError(p, "windows must be at least 1s");
        }
      },
      true);
  add("tls.verify", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.tls.verify = to_bool(n, p);
  });
  add("tls.ca_file", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.tls.ca_file = n.IsNull() ? "" : scalar(n, p);
  });
  for (int v = 0; v < core::kVenueCount; ++v) {
    const std::string base = "venues." + std::string(core::to_string(static_cast<core::Venue>(v)));
    add(base + ".enabled", [v](Config& c, const YAML::Node& n, const std::string& p) {
      c.venues[v].enabled = to_bool(n, p);
    });
    add(base + ".ws_url", [v](Config& c, const YAML::Node& n, const std::string& p) {
      c.venues[v].ws_url = checked_url(n, p);
    });
    add(base + ".rest_url", [v](Config& c, const YAML::Node& n, const std::string& p) {
      c.venues[v].rest_url = checked_url(n, p);
    });
    add(
        base + ".symbols",
        [v](Config& c, const YAML::Node& n, const std::string& p) {
          c.venues[v].symbols = to_list(n, p);
          for (const auto& s : c.venues[v].symbols) {
            if (s.size() > 30 || s.find_first_of(" /\"\\?#") != std::string::npos) {
              throw ConfigError(p, "invalid symbol '" + s + "'");
            }
          }
        },
        true);
    add(base + ".all_liquidations", [v](Config& c, const YAML::Node& n, const std::string& p) {
      c.venues[v].all_liquidations = to_bool(n, p);
    });
    add(base + ".oi_poll_interval", [v](Config& c, const YAML::Node& n, const std::string& p) {
      c.venues[v].oi_poll_interval = to_duration(n, p);
    });
    add(base + ".silence_timeout", [v](Config& c, const YAML::Node& n, const std::string& p) {
      c.venues[v].silence_timeout = to_duration(n, p);
    });
  }
  add("hawkes.window", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.hawkes.window = to_duration(n, p);
  });
  add("hawkes.decay", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.hawkes.decay = to_duration(n, p);
  });
  add("hawkes.min_events", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.hawkes.min_events = static_cast<int>(to_int(n, p, 10, 1'000'000));
  });
  add("cascade.trigger_ratio", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.cascade.trigger_ratio = to_double(n, p, 1.0);
  });
  add("cascade.exit_ratio", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.cascade.exit_ratio = to_double(n, p, 0.0);
  });
  add("cascade.floor_usd_s", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.cascade.floor_usd_s = to_double(n, p, 0.0);
  });
  add("cascade.quiet", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.cascade.quiet = to_duration(n, p);
  });
  add("capture.dir", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.capture.dir = n.IsNull() ? "" : scalar(n, p);
  });
  add("capture.rotate", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.capture.rotate = to_duration(n, p);
  });
  add("stream.interval", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.stream_interval = to_duration(n, p);
  });
  add("threads.feed", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.feed_threads = static_cast<int>(to_int(n, p, 1, 16));
  });
  add("threads.engine", [](Config& c, const YAML::Node& n, const std::string& p) {
    const std::string s = scalar(n, p);
    for (const auto m :
         {Config::EngineMode::kAuto, Config::EngineMode::kInline, Config::EngineMode::kThread}) {
      if (s == to_string(m)) {
        c.engine_mode = m;
        return;
      }
    }
    throw ConfigError(p, "expected auto, inline or thread; got '" + s + "'");
  });
  add("threads.engine_spin", [](Config& c, const YAML::Node& n, const std::string& p) {
    if (n.IsScalar() && n.Scalar() == "auto") {
      c.engine_spin = std::chrono::milliseconds{0};
      c.engine_spin_set = false;
      return;
    }
    try {
      c.engine_spin = to_duration(n, p, /*allow_zero=*/true);
    } catch (const ConfigError&) {
      throw ConfigError(p, "expected auto or a duration like 200ms or 0ms; got '" +
                               (n.IsScalar() ? n.Scalar() : std::string("(not a scalar)")) + "'");
    }
    c.engine_spin_set = true;
  });
  add("ring.capacity", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.ring_capacity = static_cast<std::size_t>(to_int(n, p, 64, 1 << 24));
  });
  add("metadata.cache_dir", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.metadata_cache_dir = n.IsNull() ? "" : scalar(n, p);
  });
  add("metadata.timeout", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.metadata_timeout = to_duration(n, p);
  });
  add("log.level", [](Config& c, const YAML::Node& n, const std::string& p) {
    c.log_level = scalar(n, p);
    log::Level lvl;
    if (!log::parse_level(c.log_level, lvl)) {
      throw ConfigError(p, "expected debug, info, warn, error or off");
    }
  });
  return l;
}

std::string env_name(const std::string& path) {
  std::string s = "LEVDYN_";
  for (char ch : path) s += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// Rejects keys the schema does not know, naming the full path.
void check_known(const YAML::Node& node, const std::string& prefix,
                 const std::set<std::string>& prefixes, const std::set<std::string>& leaves) {
  if (!node.IsMap()) {
    throw ConfigError(prefix.empty() ? "(top level)" : prefix, "expected a mapping of keys");
  }
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (key.empty()) {  // e.g. a stray "!" or ": x" line: name where it is
      throw ConfigError(prefix.empty() ? "(top level)" : prefix, "empty key");
    }
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (leaves.count(path)) continue;
    if (prefixes.count(path)) {
      if (kv.second.IsNull()) continue;  // an empty section
      check_known(kv.second, path, prefixes, leaves);
      continue;
    }
    throw ConfigError(path, "unknown key");
  }
}

YAML::Node find(const YAML::Node& root, const std::string& path) {
  YAML::Node cur = root;
  std::string_view rest = path;
  while (true) {
    const auto dot = rest.find('.');
    const std::string key(rest.substr(0, dot));
    if (!cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    // Index through a const node (a non-const operator[] inserts) and rebind with reset():
    // yaml-cpp's operator= on a Node assigns through to the node it refers to.
    const YAML::Node next = static_cast<const YAML::Node&>(cur)[key];
    if (!next) return YAML::Node(YAML::NodeType::Undefined);
    if (dot == std::string_view::npos) return next;
    cur.reset(next);
    rest.remove_prefix(dot + 1);
  }
}

}  // namespace

std::chrono::milliseconds parse_duration(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  long long v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || v < 0) {
    throw std::invalid_argument("expected a duration like 500ms, 30s, 5m, 1h; got '" +
                                std::string(text) + "'");
  }
  const std::string_view unit(r.ptr, static_cast<std::size_t>(s.data() + s.size() - r.ptr));
  long long mult = 0;
  if (unit == "ms") mult = 1;
  else if (unit == "s") mult = 1000;
  else if (unit == "m") mult = 60'000;
  else if (unit == "h") mult = 3'600'000;
  else if (unit == "d") mult = 86'400'000;
  else {
    throw std::invalid_argument("expected a duration like 500ms, 30s, 5m, 1h; got '" +
                                std::string(text) + "'");
  }
  if (v > (1LL << 40) / mult) throw std::invalid_argument("duration too large");
  return std::chrono::milliseconds(v * mult);
}

std::string format_duration(std::chrono::milliseconds d) {
  const long long ms = d.count();
  if (ms != 0 && ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

bool engine_inline(const Config& config) noexcept {
  return config.engine_mode == Config::EngineMode::kInline ||
         (config.engine_mode == Config::EngineMode::kAuto && config.feed_threads == 1);
}

std::string_view to_string(Config::EngineMode mode) noexcept {
  switch (mode) {
    case Config::EngineMode::kInline:
      return "inline";
    case Config::EngineMode::kThread:
      return "thread";
    case Config::EngineMode::kAuto:
      break;
  }
  return "auto";
}

std::chrono::milliseconds effective_engine_spin(const Config& config, int cpus) noexcept {
  if (config.engine_spin_set) return config.engine_spin;
  // Spinning on the only CPU would take it from the feed thread that has to wake the engine.
  return cpus >= 2 ? std::chrono::milliseconds{200} : std::chrono::milliseconds{0};
}

int usable_cpus() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  return std::max(1, CPU_COUNT(&set));
}

void check_listen(const std::string& key, const std::string& value) {
  const auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw ConfigError(key, "expected HOST:PORT, got '" + value + "'");
  }
  const std::string port = value.substr(colon + 1);
  unsigned p = 0;
  const auto r = std::from_chars(port.data(), port.data() + port.size(), p);
  if (r.ec != std::errc() || r.ptr != port.data() + port.size() || p > 65535) {
    throw ConfigError(key, "bad port in '" + value + "'");
  }
}

Config default_config() {
  Config c;
  for (int v = 0; v < core::kVenueCount; ++v) {
    c.venues[v] = venues::default_settings(static_cast<core::Venue>(v));
    c.venues[v].venue = static_cast<core::Venue>(v);
  }
  return c;
}

namespace {

Config apply_config(YAML::Node root, char** env, Config c);

}  // namespace

Config load_config(const std::string& path, char** env) {
  Config c = default_config();
  YAML::Node root(YAML::NodeType::Map);
  if (!path.empty()) {
    c.source = path;
    try {
      root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
      throw ConfigError("--config", "cannot read '" + path + "'");
    } catch (const YAML::Exception& e) {
      throw ConfigError("--config", "'" + path + "' is not valid YAML: line " +
                                        std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  }
  return apply_config(root, env, std::move(c));  // a YAML::Node is a handle: copied
}

Config parse_config(std::string_view text, char** env, const std::string& source) {
  Config c = default_config();
  c.source = source;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw ConfigError("--config", "'" + source + "' is not valid YAML: line " +
                                      std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  return apply_config(root, env, std::move(c));  // a YAML::Node is a handle: copied
}

namespace {

Config apply_config(YAML::Node root, char** env, Config c) {
  const auto leaves = schema();
  std::set<std::string> leaf_paths, prefixes;
  for (const auto& l : leaves) {
    leaf_paths.insert(l.path);
    for (std::size_t i = l.path.find('.'); i != std::string::npos; i = l.path.find('.', i + 1)) {
      prefixes.insert(l.path.substr(0, i));
    }
  }
  try {
    check_known(root, "", prefixes, leaf_paths);
  } catch (const YAML::Exception& e) {
    throw ConfigError("--config", e.msg);
  }
  // Environment variables override the file, key by key.
  std::map<std::string, std::string> env_values;
  std::set<std::string> known_env;
  for (const auto& l : leaves) known_env.insert(env_name(l.path));
  for (char** e = env; e != nullptr && *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq == nullptr || std::strncmp(*e, "LEVDYN_", 7) != 0) continue;
    const std::string name(*e, static_cast<std::size_t>(eq - *e));
    if (known_env.count(name)) {
      env_values[name] = eq + 1;
    } else if (name != "LEVDYN_CONFIG") {
      LOG_WARN("environment variable %s does not name a config key; ignored", name.c_str());
    }
  }
  for (const auto& l : leaves) {
    const auto it = env_values.find(env_name(l.path));
    try {
      if (it != env_values.end()) {
        l.set(c, YAML::Node(it->second), l.path + " (from " + it->first + ")");
        continue;
      }
      const YAML::Node n = find(root, l.path);
      if (n.IsDefined()) l.set(c, n, l.path);
    } catch (const YAML::Exception& e) {
      throw ConfigError(l.path, e.msg);
    }
  }
  for (int v = 0; v < core::kVenueCount; ++v) {
    auto& vs = c.venues[v];
    const std::string base = "venues." + std::string(core::to_string(static_cast<core::Venue>(v)));
    if (vs.enabled && vs.symbols.empty()) {
      throw ConfigError(base + ".symbols", "an enabled venue needs at least one symbol");
    }
  }
  if (c.engine_mode == Config::EngineMode::kInline && c.feed_threads != 1) {
    throw ConfigError("threads.engine",
                      "inline needs threads.feed: 1 (the engine has one writer thread)");
  }
  if (c.cascade.exit_ratio > c.cascade.trigger_ratio) {
    throw ConfigError("cascade.exit_ratio", "must not exceed cascade.trigger_ratio");
  }
  return c;
}

}  // namespace

}  // namespace levdyn::app
