#include "api/metrics.h"

#include <cstdio>

#include <charconv>
#include <cmath>

namespace colotrace::api {

namespace {

constexpr int kOtherLabel = -1;
constexpr std::string_view kOther = "other";

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return "0";
  return std::string(buf, end);
}

// A label value in the exposition format: backslash, double quote and newline escaped.
std::string EscapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string IntLabel(int value) {
  return value == kOtherLabel ? std::string(kOther) : std::to_string(value);
}

void Header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string& out, std::string_view name, std::string_view labels,
            std::string_view value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(value).append("\n");
}

}  // namespace

void Metrics::RequestStarted() {
  std::lock_guard<std::mutex> lock(mu_);
  ++in_flight_;
}

void Metrics::RequestFinished(int http_status, double duration_s) {
  if (!(duration_s > 0)) duration_s = 0;  // also NaN
  std::lock_guard<std::mutex> lock(mu_);
  if (in_flight_ > 0) --in_flight_;
  ++requests_by_status_[http_status >= 100 && http_status <= 599 ? http_status : kOtherLabel];
  size_t bucket = 0;
  while (bucket < kDurationBucketsS.size() && duration_s > kDurationBucketsS[bucket]) ++bucket;
  ++duration_buckets_[bucket];
  duration_sum_s_ += duration_s;
  ++duration_count_;
}

void Metrics::AddTraceroutes(int64_t n) {
  if (n <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  traceroutes_ += static_cast<uint64_t>(n);
}

void Metrics::AddProbesSent(int64_t n) {
  if (n <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  probes_sent_ += static_cast<uint64_t>(n);
}

void Metrics::AddRepliesMatched(int64_t n) {
  if (n <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  replies_matched_ += static_cast<uint64_t>(n);
}

void Metrics::AddColoError(std::string_view colo, int code) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string label(kOther);
  if (colo_labels_.count(colo) > 0) {
    label = std::string(colo);
  } else if (colo_labels_.size() < kMaxColoLabels) {
    colo_labels_.emplace(colo);
    label = std::string(colo);
  }
  ++colo_errors_[{std::move(label), code >= 0 && code <= 99 ? code : kOtherLabel}];
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;

  constexpr std::string_view kRequests = "colotrace_http_requests_total";
  Header(out, kRequests, "HTTP requests answered, by status code.", "counter");
  for (const auto& [status, count] : requests_by_status_) {
    Sample(out, kRequests, "status=\"" + IntLabel(status) + "\"", std::to_string(count));
  }

  constexpr std::string_view kDuration = "colotrace_http_request_duration_seconds";
  Header(out, kDuration, "Time from a request's arrival to its answer, in seconds.", "histogram");
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kDurationBucketsS.size(); ++i) {
    cumulative += duration_buckets_[i];
    std::string le = i < kDurationBucketsS.size() ? FormatDouble(kDurationBucketsS[i]) : "+Inf";
    Sample(out, std::string(kDuration) + "_bucket", "le=\"" + le + "\"",
           std::to_string(cumulative));
  }
  Sample(out, std::string(kDuration) + "_sum", "", FormatDouble(duration_sum_s_));
  Sample(out, std::string(kDuration) + "_count", "", std::to_string(duration_count_));

  constexpr std::string_view kInFlight = "colotrace_http_requests_in_flight";
  Header(out, kInFlight, "HTTP requests being handled now.", "gauge");
  Sample(out, kInFlight, "", std::to_string(in_flight_));

  constexpr std::string_view kTraceroutes = "colotrace_traceroutes_total";
  Header(out, kTraceroutes, "Traceroutes run (one per target and colo).", "counter");
  Sample(out, kTraceroutes, "", std::to_string(traceroutes_));

  constexpr std::string_view kProbes = "colotrace_probes_sent_total";
  Header(out, kProbes, "Probe packets sent.", "counter");
  Sample(out, kProbes, "", std::to_string(probes_sent_));

  constexpr std::string_view kReplies = "colotrace_replies_matched_total";
  Header(out, kReplies, "Replies matched to a probe.", "counter");
  Sample(out, kReplies, "", std::to_string(replies_matched_));

  constexpr std::string_view kColoErrors = "colotrace_colo_errors_total";
  Header(out, kColoErrors, "Colo results that carried an error, by colo and error code.",
         "counter");
  for (const auto& [key, count] : colo_errors_) {
    Sample(out, kColoErrors,
           "colo=\"" + EscapeLabel(key.first) + "\",code=\"" + IntLabel(key.second) + "\"",
           std::to_string(count));
  }
  for (const auto& source : sources_) source(out);
  return out;
}

void Metrics::AddSource(std::function<void(std::string& out)> render) {
  std::lock_guard<std::mutex> lock(mu_);
  sources_.push_back(std::move(render));
}

void Metrics::WriteSeries(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help, std::string_view labels, double value) {
  if (out.find("# TYPE " + std::string(name) + " ") == std::string::npos) {
    Header(out, name, help, type);
  }
  char number[64];
  std::snprintf(number, sizeof number, "%.17g", value);
  Sample(out, name, std::string(labels), number);
}

}  // namespace colotrace::api
