#include "api/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace colotrace::api {
namespace {

bool Has(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

size_t CountPrefix(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  size_t n = 0;
  for (std::string l; std::getline(in, l);) {
    if (l.rfind(prefix, 0) == 0) ++n;
  }
  return n;
}

TEST(MetricsTest, EmptyRegistryRendersEveryFamily) {
  Metrics m;
  std::string text = m.Render();
  for (const char* family :
       {"colotrace_http_requests_total", "colotrace_http_request_duration_seconds",
        "colotrace_http_requests_in_flight", "colotrace_traceroutes_total",
        "colotrace_probes_sent_total", "colotrace_replies_matched_total",
        "colotrace_colo_errors_total"}) {
    EXPECT_EQ(CountPrefix(text, std::string("# HELP ") + family + " "), 1u) << family;
    EXPECT_EQ(CountPrefix(text, std::string("# TYPE ") + family + " "), 1u) << family;
  }
  EXPECT_TRUE(Has(text, "# TYPE colotrace_http_request_duration_seconds histogram"));
  EXPECT_TRUE(Has(text, "# TYPE colotrace_http_requests_in_flight gauge"));
  EXPECT_TRUE(Has(text, "# TYPE colotrace_colo_errors_total counter"));
  EXPECT_TRUE(Has(text, "colotrace_http_requests_in_flight 0"));
  EXPECT_TRUE(Has(text, "colotrace_http_request_duration_seconds_bucket{le=\"+Inf\"} 0"));
  EXPECT_TRUE(Has(text, "colotrace_traceroutes_total 0"));
  EXPECT_EQ(text.back(), '\n');
}

TEST(MetricsTest, RequestsByStatusAndInFlight) {
  Metrics m;
  m.RequestStarted();
  m.RequestStarted();
  m.RequestStarted();
  m.RequestFinished(200, 0.1);
  m.RequestFinished(429, 0.1);
  std::string text = m.Render();
  EXPECT_TRUE(Has(text, "colotrace_http_requests_in_flight 1"));
  EXPECT_TRUE(Has(text, "colotrace_http_requests_total{status=\"200\"} 1"));
  EXPECT_TRUE(Has(text, "colotrace_http_requests_total{status=\"429\"} 1"));
  m.RequestFinished(200, 0.1);
  m.RequestFinished(200, 0.1);  // more finishes than starts: the gauge stays at 0
  text = m.Render();
  EXPECT_TRUE(Has(text, "colotrace_http_requests_in_flight 0"));
  EXPECT_TRUE(Has(text, "colotrace_http_requests_total{status=\"200\"} 3"));
  // Statuses are in numeric order.
  EXPECT_LT(text.find("status=\"200\""), text.find("status=\"429\""));
}

TEST(MetricsTest, ImpossibleStatusesShareOneLabel) {
  Metrics m;
  m.RequestFinished(0, 0);
  m.RequestFinished(1000, 0);
  m.RequestFinished(-5, 0);
  EXPECT_TRUE(Has(m.Render(), "colotrace_http_requests_total{status=\"other\"} 3"));
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  Metrics m;
  m.RequestFinished(200, 0.005);  // on a bucket's bound: counted in it (le)
  m.RequestFinished(200, 0.2);
  m.RequestFinished(200, 3);
  m.RequestFinished(200, 100);  // only +Inf
  m.RequestFinished(200, -1);   // counts as 0
  m.RequestFinished(200, std::numeric_limits<double>::quiet_NaN());
  std::string text = m.Render();
  const std::string b = "colotrace_http_request_duration_seconds_bucket{le=\"";
  EXPECT_TRUE(Has(text, b + "0.005\"} 3"));
  EXPECT_TRUE(Has(text, b + "0.01\"} 3"));
  EXPECT_TRUE(Has(text, b + "0.1\"} 3"));
  EXPECT_TRUE(Has(text, b + "0.25\"} 4"));
  EXPECT_TRUE(Has(text, b + "2.5\"} 4"));
  EXPECT_TRUE(Has(text, b + "5\"} 5"));
  EXPECT_TRUE(Has(text, b + "60\"} 5"));
  EXPECT_TRUE(Has(text, b + "+Inf\"} 6"));
  EXPECT_EQ(CountPrefix(text, b), kDurationBucketsS.size() + 1);
  EXPECT_TRUE(Has(text, "colotrace_http_request_duration_seconds_count 6"));
  const std::string sum = "colotrace_http_request_duration_seconds_sum ";
  size_t at = text.find("\n" + sum);
  ASSERT_NE(at, std::string::npos);
  EXPECT_NEAR(std::stod(text.substr(at + 1 + sum.size())), 103.205, 1e-9);
}

TEST(MetricsTest, Counters) {
  Metrics m;
  m.AddTraceroutes(4);
  m.AddProbesSent(180);
  m.AddProbesSent(-3);  // ignored
  m.AddRepliesMatched(170);
  std::string text = m.Render();
  EXPECT_TRUE(Has(text, "colotrace_traceroutes_total 4"));
  EXPECT_TRUE(Has(text, "colotrace_probes_sent_total 180"));
  EXPECT_TRUE(Has(text, "colotrace_replies_matched_total 170"));
}

TEST(MetricsTest, ColoErrorsWithEscapedLabels) {
  Metrics m;
  m.AddColoError("den01", 3);
  m.AddColoError("den01", 3);
  m.AddColoError("den01", 1);
  m.AddColoError("we\"ird\\\nname", 4);
  m.AddColoError("ams01", 12345);
  std::string text = m.Render();
  EXPECT_TRUE(Has(text, "colotrace_colo_errors_total{colo=\"den01\",code=\"3\"} 2"));
  EXPECT_TRUE(Has(text, "colotrace_colo_errors_total{colo=\"den01\",code=\"1\"} 1"));
  EXPECT_TRUE(Has(text, "colotrace_colo_errors_total{colo=\"we\\\"ird\\\\\\nname\",code=\"4\"} 1"));
  EXPECT_TRUE(Has(text, "colotrace_colo_errors_total{colo=\"ams01\",code=\"other\"} 1"));
  EXPECT_LT(text.find("colo=\"ams01\""), text.find("colo=\"den01\""));
}

TEST(MetricsTest, ColoCardinalityIsBounded) {
  Metrics m;
  for (size_t i = 0; i < kMaxColoLabels + 50; ++i) m.AddColoError("c" + std::to_string(i), 2);
  m.AddColoError("c0", 2);  // a known name keeps its own series
  std::string text = m.Render();
  EXPECT_EQ(CountPrefix(text, "colotrace_colo_errors_total{"), kMaxColoLabels + 1);
  EXPECT_TRUE(Has(text, "colotrace_colo_errors_total{colo=\"other\",code=\"2\"} 50"));
  EXPECT_TRUE(Has(text, "colotrace_colo_errors_total{colo=\"c0\",code=\"2\"} 2"));
}

TEST(MetricsTest, ConcurrentUpdatesAreAllCounted) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&m] {
      for (int i = 0; i < 1000; ++i) {
        m.RequestStarted();
        m.AddProbesSent(2);
        m.RequestFinished(200, 0.01);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::string text = m.Render();
  EXPECT_TRUE(Has(text, "colotrace_http_requests_total{status=\"200\"} 4000"));
  EXPECT_TRUE(Has(text, "colotrace_probes_sent_total 8000"));
  EXPECT_TRUE(Has(text, "colotrace_http_requests_in_flight 0"));
}

}  // namespace
}  // namespace colotrace::api
