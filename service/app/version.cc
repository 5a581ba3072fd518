#include "service/app/version.h"

#include <openssl/opensslv.h>
#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <boost/version.hpp>

#ifndef LEVDYN_VERSION
#define LEVDYN_VERSION "0.0.0"
#endif
#ifndef LEVDYN_BUILD_TYPE
#define LEVDYN_BUILD_TYPE "unknown"
#endif

namespace levdyn::app {

const char* version() noexcept { return LEVDYN_VERSION; }

std::string version_text() {
  std::string s = "levdyn " LEVDYN_VERSION "\n";
  s += "build: " LEVDYN_BUILD_TYPE ", g++ " __VERSION__ ", C++" + std::to_string(__cplusplus) +
       "\n";
  s += "boost " + std::to_string(BOOST_VERSION / 100000) + "." +
       std::to_string(BOOST_VERSION / 100 % 1000) + "." + std::to_string(BOOST_VERSION % 100) +
       "\n";
  s += std::string("openssl ") + OPENSSL_VERSION_STR + "\n";
#define LEVDYN_STR2(x) #x
#define LEVDYN_STR(x) LEVDYN_STR2(x)
  s += "simdjson " LEVDYN_STR(SIMDJSON_VERSION) "\n";
  s += "prometheus-cpp 1.0\nyaml-cpp 0.7\n";
  return s;
}

}  // namespace levdyn::app
