// The server's metrics, rendered in the Prometheus text exposition format 0.0.4:
//   colotrace_http_requests_total{status="200"}        counter, by HTTP status
//   colotrace_http_request_duration_seconds             histogram (kDurationBucketsS)
//   colotrace_http_requests_in_flight                   gauge
//   colotrace_traceroutes_total                         counter (target x colo traceroutes)
//   colotrace_probes_sent_total                         counter
//   colotrace_replies_matched_total                     counter
//   colotrace_colo_errors_total{colo="den01",code="3"}  counter, by colo and ColoError code
// Label cardinality is bounded: statuses outside 100..599 count as status="other", codes
// outside 0..99 as code="other", and colo names beyond the first kMaxColoLabels distinct ones
// as colo="other".
//
// Threads: every member may be called from any number of threads at once (one mutex).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace colotrace::api {

inline constexpr std::array<double, 13> kDurationBucketsS = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};  // and +Inf
inline constexpr size_t kMaxColoLabels = 1000;

class Metrics {
 public:
  // A request was accepted: in_flight + 1.
  void RequestStarted();
  // A request was answered with `http_status` after `duration_s` seconds (negative or NaN counts
  // as 0): in_flight - 1 (never below 0), its status counter and the histogram.
  void RequestFinished(int http_status, double duration_s);
  // Counters; a negative n is ignored.
  void AddTraceroutes(int64_t n);
  void AddProbesSent(int64_t n);
  void AddRepliesMatched(int64_t n);
  // One colo result carried error `code` (model::ColoError, 1..4).
  void AddColoError(std::string_view colo, int code);

  // Every metric, `# HELP` and `# TYPE` first; label values escaped (\\, \", \n); series in a
  // stable order (statuses and codes numerically, colos by name); then what each source adds.
  std::string Render() const;

  // More series, rendered after the built-in ones by `render` (with WriteSeries), for parts
  // that keep counters of their own: stored measurements, schedules. Called under the metrics'
  // lock: it must not call back into Metrics.
  void AddSource(std::function<void(std::string& out)> render);
  // One sample of `name` (its HELP and TYPE lines first, once per rendering); `labels` is ""
  // or `key="value",...` with values escaped already.
  static void WriteSeries(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help, std::string_view labels, double value);

 private:
  mutable std::mutex mu_;
  std::map<int, uint64_t> requests_by_status_;                             // -1: "other"
  std::array<uint64_t, kDurationBucketsS.size() + 1> duration_buckets_{};  // not cumulative
  double duration_sum_s_ = 0;
  uint64_t duration_count_ = 0;
  int64_t in_flight_ = 0;
  uint64_t traceroutes_ = 0;
  uint64_t probes_sent_ = 0;
  uint64_t replies_matched_ = 0;
  std::set<std::string, std::less<>> colo_labels_;               // at most kMaxColoLabels
  std::map<std::pair<std::string, int>, uint64_t> colo_errors_;  // code -1: "other"
  std::vector<std::function<void(std::string&)>> sources_;
};

}  // namespace colotrace::api
