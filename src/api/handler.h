// The API's request handler: routing, authentication, validation, colo selection, limits,
// dispatch, stored measurements and the envelope. No sockets: http_server.h feeds it; tests
// call it directly.
//
// Threads: Handle() may run on any number of threads at once; `respond` is called exactly
// once, on the handler's thread, a colo's, or a database reader's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "api/auth.h"
#include "api/http_types.h"
#include "api/measurements.h"
#include "api/metrics.h"
#include "api/rate_limiter.h"
#include "api/request_parser.h"
#include "api/schedules.h"
#include "dispatch/dispatcher.h"

namespace colotrace::api {

struct ApiOptions {
  // A request whose targets x colos x max_ttl x packets_per_ttl exceeds it is refused (1013).
  int64_t max_probes_per_request = 100'000;
  // A colo that has not answered within 2 x wait_time + this gets Code 3 (multipath: 13 x
  // wait_time + this, kMultipathMaxRounds + 1 waits).
  std::chrono::milliseconds deadline_margin{5'000};
  // Traceroute requests (synchronous or measurements) one credential may have running at once;
  // more are refused (429, 10100, Retry-After: 1) without consuming its rate budget.
  int max_concurrent_per_credential = 32;
};

// The page size of GET .../measurements: `per_page` 1..kMaxPerPage, default kDefaultPerPage;
// `page` 1..kMaxPage.
inline constexpr int64_t kDefaultPerPage = 20;
inline constexpr int64_t kMaxPerPage = 100;
inline constexpr int64_t kMaxPage = 100'000;

class ApiHandler {
 public:
  // Every reference must outlive the handler; `measurements` too, and it must outlive every
  // traceroute the dispatcher still runs.
  ApiHandler(const Authenticator& auth, dispatch::Dispatcher& dispatcher, RateLimiter& limiter,
             Metrics& metrics, Measurements& measurements, ApiOptions options = {});
  // Waits for the traceroutes it started to call back for the last time (each ends within its
  // colos' deadline while the dispatcher lives): nothing touches the handler once it is gone.
  ~ApiHandler();
  ApiHandler(const ApiHandler&) = delete;
  ApiHandler& operator=(const ApiHandler&) = delete;
  void Handle(HttpRequest request, Respond respond);

  // Schedules (docs/api.md, "Schedules"), when the server keeps a history: set once, before
  // the first request. Without it the schedule routes answer 404 (1024).
  void SetSchedules(Schedules* schedules) { schedules_ = schedules; }
  // Starts a run of a schedule: a measurement of its account with its id, through the same
  // colos, limits of the dispatcher and metrics as a request (Schedules::StartRun).
  bool StartScheduledRun(const store::ScheduleRecord& schedule, const TracerouteRequest& request,
                         Schedules::RunDone done);
  // Waits until no traceroute this handler started is running (background measurements and
  // schedule runs included), at most `limit`; returns how many still run. For shutdown: the
  // handler must outlive every run it started.
  int WaitIdle(std::chrono::milliseconds limit);

 private:
  struct Admitted {
    TracerouteRequest request;
    std::vector<dispatch::ColoInfo> colos;
    RateDecision decision;
    std::function<void()> finished;  // ends the credential's turn
  };
  // The checks every traceroute passes (body, colos, probe ceiling, concurrency, rate limit):
  // the admitted request, or the response refusing it.
  std::variant<Admitted, HttpResponse> Admit(const HttpRequest& request,
                                             const std::string& principal);
  // For an authenticated request; `principal` names the credential (rate limits).
  void Traceroute(const HttpRequest& request, const std::string& account,
                  const std::string& principal, bool background, Respond respond);
  void ListColos(Respond respond);
  void ListAccounts(const AuthOutcome& auth, Respond respond);
  void ListMeasurements(const HttpRequest& request, const std::string& account, Respond respond);
  void GetMeasurement(const std::string& account, const std::string& id, Respond respond);
  void DeleteMeasurement(const std::string& account, const std::string& id, Respond respond);
  void StreamMeasurement(const std::string& account, const std::string& id, Respond respond);
  // Runs a traceroute of `request` from `colos` as the measurement `run`; `done` gets the
  // results once it is over (after the measurement's own bookkeeping).
  void Dispatch(const TracerouteRequest& request, const std::vector<dispatch::ColoInfo>& colos,
                Measurements::Run run, std::function<void(std::vector<model::TargetResult>)> done);
  // schedule_routes.cc
  void CreateSchedule(const HttpRequest& request, const std::string& account, Respond respond);
  void ListSchedules(const HttpRequest& request, const std::string& account, Respond respond);
  void GetSchedule(const std::string& account, const std::string& id, Respond respond);
  void ChangeSchedule(const HttpRequest& request, const std::string& account, const std::string& id,
                      Respond respond);
  void DeleteSchedule(const std::string& account, const std::string& id, Respond respond);
  void ListChanges(const HttpRequest& request, const std::string& account, const std::string& id,
                   Respond respond);
  // Runs `work` on a database reader (Measurements::Submit); answers 503 when it cannot.
  void OnReader(Respond& respond, std::function<void(Respond)> work);

  const Authenticator& auth_;
  dispatch::Dispatcher& dispatcher_;
  RateLimiter& limiter_;
  Metrics& metrics_;
  Measurements& measurements_;
  ApiOptions options_;
  Schedules* schedules_ = nullptr;
  std::mutex idle_mu_;
  std::condition_variable idle_cv_;
  int dispatching_ = 0;  // traceroutes running, guarded by idle_mu_
  std::mutex running_mu_;
  std::unordered_map<std::string, int> running_;  // principal -> traceroute requests running
};

// An error response in the envelope, with the headers every error carries.
HttpResponse ErrorResponse(int status, const std::vector<ApiError>& errors);
HttpResponse ErrorResponse(int status, int code, const std::string& message);

// How long a colo may take for these options before it gets Code 3.
std::chrono::milliseconds ColoDeadline(const model::TraceOptions& options,
                                       std::chrono::milliseconds margin);

// The request as a measurement stores it: {"targets":[...],"colos":[...],"options":{...}}
// with the options as they run.
std::string RequestJson(const TracerouteRequest& request);

}  // namespace colotrace::api
