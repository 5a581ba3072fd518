#include "service/app/cli.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "service/app/config.h"
#include "service/app/normalize.h"
#include "service/app/replay.h"
#include "service/app/service.h"
#include "service/app/version.h"
#include "service/feed/log.h"

extern char** environ;

namespace levdyn::app {

namespace {

constexpr const char* kUsage =
    "usage: levdyn <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve [--config FILE] [--listen HOST:PORT] [--record DIR]\n"
    "                      run the service (the default command)\n"
    "  demo [--config FILE] [--listen HOST:PORT] [--scenario NAME] [--record DIR]\n"
    "       [--faults FILE]\n"
    "                      the service fed by the built-in simulator over loopback wss (offline)\n"
    "  sim [--scenario NAME] [--port N] [--listen HOST:PORT] [--faults FILE]\n"
    "                      the exchange simulator alone; --faults plays a fault schedule\n"
    "                      (YAML/JSON: resets, close codes, silence, bad frames, bursts,\n"
    "                      duplicates, reordering, REST 429/418/5xx, TLS failures; see README)\n"
    "  record --out DIR [--config FILE]\n"
    "                      the feeds alone, writing capture files (no engine, no HTTP)\n"
    "  replay FILE|DIR... [--format capture|jsonl] [--speed X|max] [--config FILE]\n"
    "         [--serve] [--listen HOST:PORT]\n"
    "                      captures or JSONL frames through the codecs and the engine; prints\n"
    "                      the result JSON (instruments, assets, cascades) at the last frame's "
    "time;\n"
    "                      with --serve, the REST routes and /metrics while replaying; a DIR\n"
    "                      (from --record) stands for its *.ldcap files in the order written;\n"
    "                      without --config, the settings the recording ran with\n"
    "  export FILE|DIR... --format jsonl [--input-format capture|jsonl]\n"
    "                      capture files -> JSONL frames on stdout\n"
    "  export FILE... --format capture --out FILE\n"
    "                      JSONL frames (e.g. from other tools) -> one capture file\n"
    "  normalize [--venue V] [FILE]\n"
    "                      raw frames (JSONL frames or bare messages) -> normalized events\n"
    "  healthcheck [--url URL]\n"
    "                      exit 0 when GET /healthz answers 200 (for container HEALTHCHECK)\n"
    "  version             version, build and dependency versions\n"
    "\n"
    "Errors in flags or config print one line naming the field and exit 2.\n";

/// Flags of one subcommand: name -> takes a value.
struct Flags {
  std::map<std::string, std::string> values;
  std::vector<std::string> positional;
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "levdyn: %s\n", message.c_str());
  return 2;
}

// Parses "--name value" and "--name=value" against the allowed flag set.
bool parse_flags(int argc, char** argv, int first, const std::set<std::string>& allowed,
                 std::size_t max_positional, Flags& out, std::string& error) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      out.values["help"] = "1";
      continue;
    }
    if (a.rfind("--", 0) == 0) {
      std::string name = a.substr(2), value;
      const auto eq = name.find('=');
      bool has_value = false;
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      if (!allowed.count(name)) {
        error = "--" + name + ": unknown flag for this command";
        return false;
      }
      if (!has_value && name == "serve") {  // the one switch: takes no value
        value = "1";
        has_value = true;
      }
      if (!has_value) {
        if (i + 1 >= argc) {
          error = "--" + name + ": needs a value";
          return false;
        }
        value = argv[++i];
      }
      out.values[name] = value;
      continue;
    }
    if (out.positional.size() >= max_positional) {
      error = "unexpected argument '" + a + "'";
      return false;
    }
    out.positional.push_back(a);
  }
  return true;
}

int cmd_version() {
  std::printf("%s", version_text().c_str());
  return 0;
}

int cmd_normalize(const Flags& f) {
  std::optional<core::Venue> venue;
  if (auto it = f.values.find("venue"); it != f.values.end()) {
    core::Venue v;
    if (!core::parse_venue(it->second, v)) {
      return usage_error("--venue: unknown venue '" + it->second +
                         "' (binance, bybit, okx, deribit, bitmex, hyperliquid)");
    }
    venue = v;
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (!f.positional.empty() && f.positional[0] != "-") {
    file.open(f.positional[0], std::ios::binary);
    if (!file) return usage_error("cannot open '" + f.positional[0] + "'");
    in = &file;
  }
  std::ios::sync_with_stdio(false);
  const auto stats = normalize_stream(*in, std::cout, std::cerr, venue);
  std::cout.flush();
  std::fprintf(stderr, "normalize: %llu frames, %llu events, %llu rejected\n",
               static_cast<unsigned long long>(stats.frames),
               static_cast<unsigned long long>(stats.events),
               static_cast<unsigned long long>(stats.errors));
  return 0;
}

/// --config, else $LEVDYN_CONFIG, else empty (the defaults).
std::string config_path(const Flags& f) {
  if (auto it = f.values.find("config"); it != f.values.end()) return it->second;
  if (const char* env = std::getenv("LEVDYN_CONFIG"); env != nullptr && *env != '\0') return env;
  return {};
}

/// The config file, the environment and the flags; `recorded` (replay's recorded settings,
/// when no config file is given) stands in for the file.
Config load(const Flags& f, const std::string* recorded = nullptr,
            const std::string& recorded_from = {}) {
  Config c = recorded != nullptr ? parse_config(*recorded, environ, recorded_from)
                                 : load_config(config_path(f), environ);
  if (auto it = f.values.find("listen"); it != f.values.end()) {
    check_listen("--listen", it->second);
    c.http.listen = it->second;
  }
  if (auto it = f.values.find("record"); it != f.values.end()) c.capture.dir = it->second;
  log::Level lvl;
  if (log::parse_level(c.log_level, lvl)) log::set_level(lvl);
  return c;
}

constexpr std::size_t kManyFiles = 1u << 20;

int cmd_replay(const Flags& f) {
  ReplayOptions o;
  o.files = f.positional;
  if (o.files.empty()) return usage_error("replay: give at least one FILE");
  if (auto it = f.values.find("format"); it != f.values.end()) {
    if (!capture::parse_file_format(it->second, o.format)) {
      return usage_error("--format: expected capture or jsonl, got '" + it->second + "'");
    }
  }
  if (auto it = f.values.find("speed"); it != f.values.end()) {
    if (it->second == "max") {
      o.speed = 0;
    } else {
      char* end = nullptr;
      const double v = std::strtod(it->second.c_str(), &end);
      if (it->second.empty() || *end != '\0' || !(v > 0) || v > 1e9) {
        return usage_error("--speed: expected a positive number or 'max', got '" + it->second +
                           "'");
      }
      o.speed = v;
    }
  }
  // Without a config file, the settings the recording ran with (its settings frame).
  std::string recorded, recorded_in;
  bool use_recorded = false;
  std::string recorded_digest;
  if (config_path(f).empty() && recorded_settings(o.files, o.format, recorded, recorded_in)) {
    try {
      recorded_digest = config_digest(parse_config(recorded, nullptr, recorded_in));
      use_recorded = true;
    } catch (const ConfigError& e) {
      LOG_WARN(
          "replay: %s: the recorded settings are not readable (%s); replaying with the "
          "defaults",
          recorded_in.c_str(), e.what());
    }
  }
  Config config = use_recorded ? load(f, &recorded, recorded_in + " (recorded settings)") : load(f);
  if (use_recorded) {
    LOG_INFO("replay: the settings recorded in %s (no --config given)", recorded_in.c_str());
    o.settings = SettingsOrigin::kRecorded;
    if (config_digest(config) != recorded_digest) {  // the replayer names the difference
      config.source = recorded_in + " (recorded settings, overridden by LEVDYN_* variables)";
      o.settings = SettingsOrigin::kRecordedOverridden;
    }
  }
  if (f.values.count("serve")) return run_replay_serve(config, o);  // load() applied --listen
  if (f.values.count("listen")) return usage_error("--listen: only with --serve");
  std::ios::sync_with_stdio(false);
  return run_replay(config, o, std::cout);
}

int cmd_export(const Flags& f) {
  if (f.positional.empty()) return usage_error("export: give at least one FILE");
  // --format names the output (jsonl on stdout, or capture into --out FILE); --input-format
  // the input when detection is not wanted.
  const std::string out_format = f.values.count("format") ? f.values.at("format") : "jsonl";
  if (out_format != "jsonl" && out_format != "capture") {
    return usage_error("--format: export writes jsonl or capture, got '" + out_format + "'");
  }
  if (out_format == "capture" && !f.values.count("out")) {
    return usage_error("--out: export --format capture needs an output FILE");
  }
  if (out_format == "jsonl" && f.values.count("out")) {
    return usage_error("--out: only with --format capture (jsonl goes to stdout)");
  }
  capture::FileFormat in = capture::FileFormat::kAuto;
  if (auto it = f.values.find("input-format"); it != f.values.end()) {
    if (!capture::parse_file_format(it->second, in)) {
      return usage_error("--input-format: expected capture or jsonl, got '" + it->second + "'");
    }
  }
  if (out_format == "capture") return run_export_capture(f.positional, in, f.values.at("out"));
  std::ios::sync_with_stdio(false);
  return run_export(f.positional, in, std::cout);
}

}  // namespace

int run_cli(int argc, char** argv) {
  std::string cmd = argc > 1 ? argv[1] : "serve";
  int first = 2;
  if (cmd.rfind("--", 0) == 0) {  // `levdyn --config x` = `levdyn serve --config x`
    cmd = "serve";
    first = 1;
  }
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  static const std::map<std::string, std::pair<std::set<std::string>, std::size_t>> kCommands = {
      {"serve", {{"config", "listen", "record"}, 0}},
      {"demo", {{"config", "listen", "scenario", "record", "faults"}, 0}},
      {"sim", {{"scenario", "port", "listen", "faults"}, 0}},
      {"normalize", {{"venue"}, 1}},
      {"record", {{"config", "out"}, 0}},
      {"replay", {{"config", "format", "speed", "serve", "listen"}, kManyFiles}},
      {"export", {{"format", "input-format", "out"}, kManyFiles}},
      {"healthcheck", {{"url"}, 0}},
      {"version", {{}, 0}},
  };
  const auto it = kCommands.find(cmd);
  if (it == kCommands.end()) {
    std::fputs(kUsage, stderr);
    return usage_error("unknown command '" + cmd + "'");
  }
  Flags flags;
  std::string error;
  if (!parse_flags(argc, argv, first, it->second.first, it->second.second, flags, error)) {
    return usage_error(cmd + ": " + error);
  }
  if (flags.values.count("help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  try {
    if (cmd == "version") return cmd_version();
    if (cmd == "normalize") return cmd_normalize(flags);
    if (cmd == "replay") return cmd_replay(flags);
    if (cmd == "export") return cmd_export(flags);
    if (cmd == "record") {
      if (!flags.values.count("out")) return usage_error("record: --out DIR is required");
      Config config = load(flags);
      config.capture.dir = flags.values.at("out");
      return run_record(config);
    }
    if (cmd == "healthcheck") {
      const auto url = flags.values.count("url") ? flags.values.at("url")
                                                 : std::string("http://127.0.0.1:8080/healthz");
      return run_healthcheck(url);
    }
    if (cmd == "sim") {
      SimOptions o;
      if (flags.values.count("scenario")) o.scenario = flags.values.at("scenario");
      if (flags.values.count("faults")) o.faults = flags.values.at("faults");
      if (flags.values.count("listen")) {
        check_listen("--listen", flags.values.at("listen"));
        o.listen = flags.values.at("listen");
      }
      if (flags.values.count("port")) {
        const std::string& p = flags.values.at("port");
        char* end = nullptr;
        const long v = std::strtol(p.c_str(), &end, 10);
        if (p.empty() || *end != '\0' || v < 0 || v > 65535) {
          return usage_error("--port: expected 0..65535, got '" + p + "'");
        }
        o.port = static_cast<int>(v);
      }
      return run_sim(o);
    }
    Config config = load(flags);
    if (cmd == "demo") {
      DemoOptions o;
      if (flags.values.count("scenario")) o.scenario = flags.values.at("scenario");
      o.config_given = flags.values.count("config") > 0;
      if (flags.values.count("faults")) o.faults = flags.values.at("faults");
      return run_demo(config, o);
    }
    return run_serve(config);
  } catch (const ConfigError& e) {
    return usage_error(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "levdyn: %s\n", e.what());
    return 1;
  }
}

}  // namespace levdyn::app
