#pragma once

// Start-up instrument metadata: for each enabled venue, fetch its instruments endpoint, fall
// back to the on-disk cache of the last good answer, then to the bundled table; add the
// configured symbols to the instrument table with their contract specs.

#include <string>

#include "core/instrument_table.h"
#include "service/app/config.h"

namespace levdyn::app {

struct MetadataReport {
  std::string source[core::kVenueCount];  // "venue", "cache", "bundled"
};

/// Populates `table` with every configured symbol of every enabled venue. `fetch` = false
/// skips the network (normalize, replay, tests).
MetadataReport load_instruments(const Config& config, core::InstrumentTable& table, bool fetch);

/// The cache folder in use ($XDG_CACHE_HOME/levdyn, ~/.cache/levdyn or /tmp/levdyn-cache).
[[nodiscard]] std::string metadata_cache_dir(const Config& config);

}  // namespace levdyn::app
