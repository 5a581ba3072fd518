#pragma once

// Invariant checks shared by the fuzz targets. A failed check prints what broke and aborts,
// so libFuzzer records the input as a crash and the replay test (replay_main.cc) fails on it.

#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#define LEVDYN_FUZZ_CHECK(cond)                                                   \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                        \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

namespace levdyn::fuzz {

/// True when `text` is one complete, valid JSON document (UTF-8 included).
[[nodiscard]] inline bool is_valid_json(std::string_view text) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(text.data(), text.size()).get(doc) == simdjson::SUCCESS;
}

}  // namespace levdyn::fuzz
