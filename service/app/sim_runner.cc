#include "service/app/sim_runner.h"

#include <stdexcept>

#include "service/venues/metadata.h"

namespace levdyn::app {

SimRunner::SimRunner(const std::string& scenario, const std::string& listen, int port,
                     const std::string& faults_file) {
  sim::SimulatorConfig c;
  c.scenario = scenario;
  if (!listen.empty()) {
    const auto colon = listen.rfind(':');
    c.host = listen.substr(0, colon);
    c.port = static_cast<std::uint16_t>(std::stoi(listen.substr(colon + 1)));
  } else {
    c.port = static_cast<std::uint16_t>(port);
  }
  sim::ScenarioSpec spec;
  if (!sim::scenario_by_name(scenario, spec)) {
    throw ConfigError("--scenario", "unknown scenario '" + scenario + "' (cascade, calm, fast)");
  }
  if (!faults_file.empty()) {
    try {
      c.faults = sim::load_fault_plan(faults_file);
    } catch (const std::invalid_argument& e) {
      throw ConfigError("--faults", e.what());
    }
  }
  sim_ = std::make_unique<sim::ExchangeSimulator>(c);
}

void SimRunner::start() { sim_->start(); }
void SimRunner::stop() { sim_->stop(); }

void SimRunner::point_config_at(Config& config) const {
  config.tls.ca_file = sim_->ca_file();
  config.tls.verify = true;
  for (int v = 0; v < core::kVenueCount; ++v) {
    auto& vs = config.venues[v];
    const auto venue = static_cast<core::Venue>(v);
    vs.venue = venue;
    if (!sim_->supports(venue)) {
      vs.enabled = false;
      continue;
    }
    vs.enabled = true;
    vs.ws_url = sim_->ws_url(venue);
    vs.rest_url = sim_->rest_url(venue);
    if (vs.symbols.empty()) vs.symbols = venues::default_settings(venue).symbols;
  }
}

void SimRunner::print_urls(std::FILE* out) const {
  for (int v = 0; v < core::kVenueCount; ++v) {
    const auto venue = static_cast<core::Venue>(v);
    if (!sim_->supports(venue)) continue;
    std::fprintf(out, "  %-12s ws_url: %s  rest_url: %s\n",
                 std::string(core::to_string(venue)).c_str(), sim_->ws_url(venue).c_str(),
                 sim_->rest_url(venue).c_str());
  }
}

}  // namespace levdyn::app
