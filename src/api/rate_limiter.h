// Per-key request and probe budgets over fixed windows (docs/api.md, "Limits"),
// with the values of the Ratelimit / Ratelimit-Policy headers
// (draft-ietf-httpapi-ratelimit-headers). A key is whatever the caller limits by: a credential's
// principal id, a client address.
//
// Each key's window starts with its first request and lasts window_s; the next request after
// it starts a new one. Fixed windows keep the arithmetic exact (a client may spend two budgets
// around a window's end: the price of that simplicity).
//
// Threads: Take may be called from any number of threads at once (one mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace colotrace::api {

struct RateLimits {
  int requests_per_window = 1200;
  // Probes: targets x colos x max_ttl x packets_per_ttl of each request, summed.
  int64_t probes_per_window = 1'000'000;
  int window_s = 300;
};

struct RateDecision {
  bool allowed = false;
  // Refused because this request alone needs more probes than a whole window allows: waiting
  // does not help (answer it without inviting a retry).
  bool exceeds_limit = false;
  // Refused: seconds until the key's window ends (>= 1). 0 when allowed.
  int retry_after_s = 0;
  // What is left of this window after this decision (0 and 0 when refused).
  int remaining_requests = 0;
  int64_t remaining_probes = 0;
  // Seconds until the window ends, rounded up (>= 1).
  int reset_s = 0;
  // Header values: `"default";r=<remaining_requests>;t=<reset_s>` and
  // `"default";q=<requests_per_window>;w=<window_s>`.
  std::string ratelimit;
  std::string ratelimit_policy;
};

class RateLimiter {
 public:
  using Decision = RateDecision;

  // `now_ms`: a monotonic clock in milliseconds (injected so tests can drive it).
  // Limits below 1 are raised to 1. At most max(1, max_keys) keys are remembered: when a new
  // key comes and none is free, expired windows are forgotten first, then the window that
  // started first (its key starts afresh next time).
  RateLimiter(RateLimits limits, size_t max_keys, std::function<int64_t()> now_ms);

  // Counts one request of `probes` probes (negative counts as 0) for `key`, if both budgets
  // of its window hold it; a refused request consumes nothing.
  RateDecision Take(std::string_view key, int64_t probes);

  // Keys remembered now (for tests and metrics).
  size_t key_count() const;

  const RateLimits& limits() const { return limits_; }

 private:
  struct Window {
    std::string key;
    int64_t start_ms = 0;
    int requests = 0;
    int64_t probes = 0;
  };
  using Windows = std::list<Window>;  // ordered by start_ms, oldest first

  void ForgetExpired(int64_t now_ms);

  RateLimits limits_;
  size_t max_keys_;
  std::function<int64_t()> now_ms_;
  int64_t window_ms_;

  mutable std::mutex mu_;
  Windows windows_;
  std::unordered_map<std::string, Windows::iterator> by_key_;
};

}  // namespace colotrace::api
