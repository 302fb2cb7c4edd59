#include "api/rate_limiter.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace colotrace::api {

RateLimiter::RateLimiter(RateLimits limits, size_t max_keys, std::function<int64_t()> now_ms)
    : limits_(limits), max_keys_(std::max<size_t>(1, max_keys)), now_ms_(std::move(now_ms)) {
  limits_.requests_per_window = std::max(1, limits_.requests_per_window);
  limits_.probes_per_window = std::max<int64_t>(1, limits_.probes_per_window);
  limits_.window_s = std::max(1, limits_.window_s);
  window_ms_ = int64_t{limits_.window_s} * 1000;
}

void RateLimiter::ForgetExpired(int64_t now_ms) {
  while (!windows_.empty() && windows_.front().start_ms + window_ms_ <= now_ms) {
    by_key_.erase(windows_.front().key);
    windows_.pop_front();
  }
}

RateDecision RateLimiter::Take(std::string_view key, int64_t probes) {
  probes = std::max<int64_t>(0, probes);
  std::lock_guard<std::mutex> lock(mu_);
  int64_t now = now_ms_();
  ForgetExpired(now);

  auto found = by_key_.find(std::string(key));
  Window* window;
  if (found != by_key_.end()) {
    window = &*found->second;
  } else {
    if (by_key_.size() >= max_keys_) {
      by_key_.erase(windows_.front().key);
      windows_.pop_front();
    }
    // Appending keeps the list ordered by start as long as the clock does not go back; if it
    // does, the window is still correct, only forgotten a little late or early.
    windows_.push_back(Window{std::string(key), now, 0, 0});
    by_key_.emplace(windows_.back().key, std::prev(windows_.end()));
    window = &windows_.back();
  }

  RateDecision d;
  int64_t until_end_ms = std::max<int64_t>(1, window->start_ms + window_ms_ - now);
  d.reset_s = static_cast<int>((until_end_ms + 999) / 1000);
  d.exceeds_limit = probes > limits_.probes_per_window;
  d.allowed = !d.exceeds_limit && window->requests < limits_.requests_per_window &&
              probes <= limits_.probes_per_window - window->probes;
  if (d.allowed) {
    window->requests += 1;
    window->probes += probes;
    d.remaining_requests = limits_.requests_per_window - window->requests;
    d.remaining_probes = limits_.probes_per_window - window->probes;
  } else {
    d.retry_after_s = d.reset_s;
  }
  d.ratelimit =
      "\"default\";r=" + std::to_string(d.remaining_requests) + ";t=" + std::to_string(d.reset_s);
  d.ratelimit_policy = "\"default\";q=" + std::to_string(limits_.requests_per_window) +
                       ";w=" + std::to_string(limits_.window_s);
  return d;
}

size_t RateLimiter::key_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_key_.size();
}

}  // namespace colotrace::api
