#pragma once

// The simulator as `levdyn demo` and `levdyn sim` use it: start it, and point a config's
// venues (URLs, CA file) at it.

#include <cstdio>
#include <memory>
#include <string>

#include "service/app/config.h"
#include "service/sim/exchange_sim.h"

namespace levdyn::app {

class SimRunner {
 public:
  /// Throws ConfigError("--scenario") for an unknown scenario and ConfigError("--faults") for
  /// a fault file that cannot be read or names anything unknown.
  explicit SimRunner(const std::string& scenario, const std::string& listen = "", int port = 0,
                     const std::string& faults_file = "");
  void start();
  void stop();
  [[nodiscard]] std::uint16_t port() const noexcept { return sim_->port(); }
  [[nodiscard]] const std::string& ca_file() const noexcept { return sim_->ca_file(); }
  /// Enables the venues the simulator speaks (with their default symbols unless the config
  /// names its own), disables the others, and trusts the simulator's certificate.
  void point_config_at(Config& config) const;
  void print_urls(std::FILE* out) const;
  [[nodiscard]] sim::ExchangeSimulator& simulator() noexcept { return *sim_; }

 private:
  std::unique_ptr<sim::ExchangeSimulator> sim_;
};

}  // namespace levdyn::app
