// The /metrics text writer: the exact text of each metric type, label escaping, absent values
// and families with no samples (HELP/TYPE only, as prometheus-cpp writes them).

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "service/http/prom_exposition.h"

namespace levdyn::http {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

TEST(PromText, EveryTypeEscapingAndEmptyFamilies) {
  std::vector<MetricFamily> f;
  f.push_back({"levdyn_x_total", "Counts \\ things\nacross lines.", MetricType::Counter, {}});
  ClientMetric c;
  c.label = {{"venue", "bin\"an\\ce\n"}, {"symbol", "BTCUSDT"}};
  c.counter.value = 42;
  f.back().metric.push_back(c);
  f.push_back({"levdyn_g", "A gauge.", MetricType::Gauge, {}});
  ClientMetric g;
  g.gauge.value = 0.125;
  f.back().metric.push_back(g);
  f.push_back({"levdyn_empty", "No samples yet.", MetricType::Gauge, {}});
  f.push_back({"levdyn_h_seconds", "A histogram.", MetricType::Histogram, {}});
  ClientMetric h;
  h.histogram.sample_count = 3;
  h.histogram.sample_sum = 1.5;
  h.histogram.bucket = {{1, 0.001}, {3, std::numeric_limits<double>::infinity()}};
  f.back().metric.push_back(h);

  std::string out = "keep:";
  write_text_exposition(out, f);
  EXPECT_EQ(out,
            "keep:"
            "# HELP levdyn_x_total Counts \\\\ things\\nacross lines.\n"
            "# TYPE levdyn_x_total counter\n"
            "levdyn_x_total{venue=\"bin\\\"an\\\\ce\\n\",symbol=\"BTCUSDT\"} 42\n"
            "# HELP levdyn_g A gauge.\n"
            "# TYPE levdyn_g gauge\n"
            "levdyn_g 0.125\n"
            "# HELP levdyn_empty No samples yet.\n"
            "# TYPE levdyn_empty gauge\n"
            "# HELP levdyn_h_seconds A histogram.\n"
            "# TYPE levdyn_h_seconds histogram\n"
            "levdyn_h_seconds_bucket{le=\"0.001\"} 1\n"
            "levdyn_h_seconds_bucket{le=\"+Inf\"} 3\n"
            "levdyn_h_seconds_sum 1.5\n"
            "levdyn_h_seconds_count 3\n");
}

}  // namespace
}  // namespace levdyn::http
