#include "service/app/instruments_loader.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "service/feed/log.h"
#include "service/feed/rest_poller.h"
#include "service/feed/url.h"
#include "service/venues/metadata.h"

namespace levdyn::app {

namespace fs = std::filesystem;

std::string metadata_cache_dir(const Config& config) {
  if (!config.metadata_cache_dir.empty()) return config.metadata_cache_dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/levdyn";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return std::string(home) + "/.cache/levdyn";
  }
  return "/tmp/levdyn-cache";
}

namespace {

bool read_file(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

void write_file_atomic(const fs::path& p, const std::string& body) {
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;  // a read-only cache is not fatal
    out << body;
  }
  fs::rename(tmp, p, ec);
}

}  // namespace

MetadataReport load_instruments(const Config& config, core::InstrumentTable& table, bool fetch) {
  MetadataReport report;
  const fs::path cache = metadata_cache_dir(config);
  for (int v = 0; v < core::kVenueCount; ++v) {
    const auto& vs = config.venues[v];
    if (!vs.enabled) continue;
    const auto venue = static_cast<core::Venue>(v);
    const std::string name(core::to_string(venue));
    const auto targets = venues::metadata_targets(venue);
    std::vector<core::InstrumentSpec> specs;
    std::string source;
    if (!targets.empty()) {
      // 1. The venue, every target, all or nothing; 2. the cache of the last good answer.
      for (int attempt = 0; attempt < 2 && source.empty(); ++attempt) {
        if (attempt == 0 && !fetch) continue;
        specs.clear();
        bool ok = true;
        for (std::size_t i = 0; i < targets.size() && ok; ++i) {
          const fs::path file = cache / (name + "-" + std::to_string(i) + ".json");
          std::string body;
          if (attempt == 0) {
            const auto r = feed::https_get(feed::join_url(vs.rest_url, targets[i]), config.tls,
                                           config.metadata_timeout);
            if (!r.ok || r.status != 200) {
              LOG_WARN("metadata %s: %s%s: %s", name.c_str(), vs.rest_url.c_str(),
                       targets[i].c_str(),
                       r.ok ? ("HTTP " + std::to_string(r.status)).c_str() : r.error.c_str());
              ok = false;
              break;
            }
            body = r.body;
          } else if (!read_file(file, body)) {
            ok = false;
            break;
          }
          if (venues::parse_metadata(venue, i, body, specs) != venues::DecodeStatus::kOk) {
            LOG_WARN("metadata %s: response %zu does not parse", name.c_str(), i);
            ok = false;
            break;
          }
          if (attempt == 0) write_file_atomic(file, body);
        }
        if (ok) source = attempt == 0 ? "venue" : "cache";
      }
    }
    if (source.empty()) {
      specs = venues::bundled_instruments(venue);
      source = "bundled";
    }
    report.source[v] = source;
    int added = 0;
    for (const auto& sym : vs.symbols) {
      bool found = false;
      for (const auto& s : specs) {
        if (s.symbol == sym) {
          found = table.add(s) != core::kNoInstrument;
          break;
        }
      }
      if (!found && source != "bundled") {
        for (const auto& s : venues::bundled_instruments(venue)) {
          if (s.symbol == sym) {
            found = table.add(s) != core::kNoInstrument;
            break;
          }
        }
      }
      if (found) {
        ++added;
      } else {
        LOG_WARN("metadata %s: no contract spec for %s (source %s); the codec derives it",
                 name.c_str(), sym.c_str(), source.c_str());
      }
    }
    LOG_INFO("metadata %s: %d of %zu symbols from %s", name.c_str(), added, vs.symbols.size(),
             source.c_str());
  }
  return report;
}

}  // namespace levdyn::app
