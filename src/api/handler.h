// The API's request handler: routing, authentication, validation, colo selection, limits,
// dispatch and the envelope. No sockets: http_server.h feeds it; tests call it directly.
//
// Threads: Handle() may run on any number of threads at once; `respond` is called exactly
// once, on the handler's thread or on a colo's.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api/auth.h"
#include "api/http_types.h"
#include "api/metrics.h"
#include "api/rate_limiter.h"
#include "dispatch/dispatcher.h"

namespace colotrace::api {

struct ApiOptions {
  // A request whose targets x colos x max_ttl x packets_per_ttl exceeds it is refused (1013).
  int64_t max_probes_per_request = 100'000;
  // A colo that has not answered within 2 x wait_time + this gets Code 3.
  std::chrono::milliseconds deadline_margin{5'000};
  // Traceroute requests one credential may have running at once; more are refused (429,
  // 10100, Retry-After: 1) without consuming its rate budget.
  int max_concurrent_per_credential = 32;
};

class ApiHandler {
 public:
  // Every reference must outlive the handler.
  ApiHandler(const Authenticator& auth, dispatch::Dispatcher& dispatcher, RateLimiter& limiter,
             Metrics& metrics, ApiOptions options = {});
  void Handle(HttpRequest request, Respond respond);

 private:
  // For an authenticated request; `principal` names the credential (rate limits).
  void Traceroute(const HttpRequest& request, const std::string& principal, Respond respond);
  void ListColos(Respond respond);
  const Authenticator& auth_;
  dispatch::Dispatcher& dispatcher_;
  RateLimiter& limiter_;
  Metrics& metrics_;
  ApiOptions options_;
  std::mutex running_mu_;
  std::unordered_map<std::string, int> running_;  // principal -> traceroute requests running
};

// An error response in the envelope, with the headers every error carries.
HttpResponse ErrorResponse(int status, const std::vector<ApiError>& errors);
HttpResponse ErrorResponse(int status, int code, const std::string& message);

// How long a colo may take for these options before it gets Code 3.
std::chrono::milliseconds ColoDeadline(const model::TraceOptions& options,
                                       std::chrono::milliseconds margin);

}  // namespace colotrace::api
