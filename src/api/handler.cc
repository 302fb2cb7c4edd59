#include "api/handler.h"
#include "api/handler_util.h"

#include <charconv>
#include <map>
#include <memory>

#include "api/envelope.h"
#include "api/page.h"
#include "api/request_parser.h"
#include "model/json_writer.h"
#include "model/result_json.h"
#include "model/time_text.h"
#include "net/log.h"
#include "store/measurement_id.h"

namespace colotrace::api {

using namespace detail;

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kJson = "application/json";

// Splits "/a/b/c?x" into {"a","b","c"}; empty segments are kept ("//" is not a route).
std::vector<std::string> PathSegments(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  std::vector<std::string> out;
  size_t start = 1;
  if (path.empty() || path[0] != '/') return out;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  if (!out.empty() && out.back().empty() && path.size() > 1) out.pop_back();  // trailing '/'
  return out;
}

// /healthz and /metrics: for load balancers and scrapers, without authentication.
bool IsProbePath(const std::vector<std::string>& seg) {
  return seg.size() == 1 && (seg[0] == "healthz" || seg[0] == "metrics");
}

// One access-log line per request (net/log.h): method, path without its query, status, time to
// the response's headers, the account and measurement the path or the answer names, the peer.
// Never a credential: no header is logged, and the query (which the API never reads a
// credential from, but a client might put one in) is left out. Health checks and metric
// scrapes that succeed are logged at debug level: they come every few seconds and say nothing.
void LogAccess(const std::string& method, const std::string& path,
               const std::vector<std::string>& seg, const std::string& peer, const HttpResponse& r,
               double seconds) {
  bool routine = IsProbePath(seg) && r.status == 200;
  net::LogLevel level = routine ? net::LogLevel::kDebug : net::LogLevel::kInfo;
  if (!net::LogEnabled(level)) return;
  // An absolute-form target ("http://user:pw@host/...") may carry credentials: not logged.
  std::string logged_path = !path.empty() && path[0] == '/' ? path : "(not a path)";
  bool accounts = seg.size() >= 4 && seg[0] == "client" && seg[1] == "v4" && seg[2] == "accounts";
  std::string account = accounts ? seg[3] : "";
  std::string id;
  if (accounts && seg.size() >= 8 && (seg[6] == "measurements" || seg[6] == "schedules")) {
    id = seg[7];
  }
  for (const auto& [name, value] : r.headers) {
    if (name == "Colotrace-Measurement-Id") id = value;
    if (name == "Location" && id.empty()) id = value.substr(value.rfind('/') + 1);
  }
  net::Log(level, "http", method + " " + logged_path,
           {{"status", std::to_string(r.status), true},
            net::LogNumber("duration_ms", seconds * 1000, 3),
            {"account", account},
            {"id", id},
            {"peer", peer}});
}

void AddRateHeaders(HttpResponse& r, const RateDecision& d) {
  if (!d.ratelimit.empty()) r.headers.emplace_back("Ratelimit", d.ratelimit);
  if (!d.ratelimit_policy.empty()) r.headers.emplace_back("Ratelimit-Policy", d.ratelimit_policy);
}

std::string MeasurementPath(const std::string& account, const std::string& id) {
  return "/client/v4/accounts/" + account + "/diagnostics/traceroute/measurements/" + id;
}

// {id, status, created_at, finished_at, request[, result]}
void WriteMeasurement(model::JsonWriter& w, const store::MeasurementRecord& m, bool with_result) {
  w.BeginObject();
  w.Key("id").String(m.id);
  w.Key("status").String(store::StatusName(m.status));
  w.Key("created_at");
  WriteTime(w, m.created_at_ms);
  w.Key("finished_at");
  WriteTime(w, m.finished_at_ms);
  w.Key("request").Raw(m.request_json.empty() ? "{}" : m.request_json);
  if (with_result) w.Key("result").Raw(m.result_json.empty() ? "[]" : m.result_json);
  w.EndObject();
}

HttpResponse NotFound(const std::string& id) {
  return ErrorResponse(404, kMeasurementNotFound, "no measurement " + id);
}

HttpResponse Unavailable(const std::string& why) {
  HttpResponse r =
      ErrorResponse(503, kHistoryUnavailable, "measurement history is not available now: " + why);
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

}  // namespace

namespace detail {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The query parameters of a target ("a=1&b=x%20y"), percent-decoded ('+' is a space); of
// repeated names the last counts. nullopt for a malformed escape.
std::optional<std::vector<std::pair<std::string, std::string>>> QueryParameters(
    const std::string& target) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t q = target.find('?');
  if (q == std::string::npos) return out;
  std::string_view query = std::string_view(target).substr(q + 1);
  auto decode = [](std::string_view text) -> std::optional<std::string> {
    std::string s;
    for (size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (c == '+') {
        s += ' ';
      } else if (c == '%') {
        if (i + 2 >= text.size()) return std::nullopt;
        int hi = HexValue(text[i + 1]);
        int lo = HexValue(text[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        s += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else {
        s += c;
      }
    }
    return s;
  };
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = decode(pair.substr(0, eq));
    auto value = decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", kJson);
  r.body = std::move(body);
  return r;
}

int64_t ProbeCount(const TracerouteRequest& req, size_t colos) {
  int64_t per_trace = req.options.multipath
                          ? model::kMultipathMaxProbes
                          : static_cast<int64_t>(req.options.max_ttl) * req.options.packets_per_ttl;
  if (req.options.packet_type == model::PacketType::kGreIcmp) per_trace *= 2;
  return static_cast<int64_t>(req.targets.size()) * static_cast<int64_t>(colos) * per_trace;
}

void WriteTime(model::JsonWriter& w, int64_t unix_ms) {
  if (unix_ms > 0) {
    w.String(model::Rfc3339Ms(unix_ms));
  } else {
    w.Null();
  }
}

ApiError BadParameter(const std::string& name, const std::string& message) {
  return ApiError{kInvalidQueryParameter, message, "", {}, name};
}

}  // namespace detail

HttpResponse ErrorResponse(int status, const std::vector<ApiError>& errors) {
  HttpResponse r = Json(status, ErrorEnvelope(errors));
  // The Go SDK retries up to 10 times: say which failures are worth it.
  bool retry = status == 408 || status == 409 || status == 429 || status >= 500;
  r.headers.emplace_back("x-should-retry", retry ? "true" : "false");
  return r;
}

HttpResponse ErrorResponse(int status, int code, const std::string& message) {
  return ErrorResponse(status, std::vector<ApiError>{ApiError{code, message, "", {}, ""}});
}

std::chrono::milliseconds ColoDeadline(const model::TraceOptions& options,
                                       std::chrono::milliseconds margin) {
  int64_t waits = options.multipath ? model::kMultipathMaxRounds + 1 : 2;
  return std::chrono::milliseconds(1000LL * waits * options.wait_time_s) + margin;
}

std::string RequestJson(const TracerouteRequest& request) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("targets").BeginArray();
  for (const auto& t : request.targets) w.String(t);
  w.EndArray();
  w.Key("colos").BeginArray();
  for (const auto& c : request.colos) w.String(c);
  w.EndArray();
  w.Key("options");
  model::WriteTraceOptions(w, request.options);
  w.EndObject();
  return w.Take();
}

ApiHandler::ApiHandler(const Authenticator& auth, dispatch::Dispatcher& dispatcher,
                       RateLimiter& limiter, Metrics& metrics, Measurements& measurements,
                       ApiOptions options)
    : auth_(auth),
      dispatcher_(dispatcher),
      limiter_(limiter),
      metrics_(metrics),
      measurements_(measurements),
      options_(options) {}

void ApiHandler::Handle(HttpRequest request, Respond respond) {
  metrics_.RequestStarted();
  auto start = Clock::now();
  std::vector<std::string> seg = PathSegments(request.target);
  std::string path = request.target.substr(0, request.target.find('?'));
  Respond finish = [this, start, method = request.method, peer = request.peer, path, seg,
                    respond = std::move(respond)](HttpResponse r) {
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    metrics_.RequestFinished(r.status, seconds);
    LogAccess(method, path, seg, peer, r, seconds);
    respond(std::move(r));
  };
  const std::string& method = request.method;
  auto method_not_allowed = [&](const char* allowed) {
    HttpResponse r =
        ErrorResponse(405, kMethodNotAllowed, "method " + method + " not allowed; use " + allowed);
    r.headers.emplace_back("Allow", allowed);
    finish(std::move(r));
  };
  if (detail::IsPagePath(path)) {
    const ScheduleRules* rules = schedules_ ? &schedules_->options().rules : nullptr;
    bool webhooks = schedules_ && schedules_->webhooks() != nullptr;
    return finish(detail::PageResponse(request, path, rules, webhooks));
  }
  if (IsProbePath(seg)) {
    if (method != "GET" && method != "HEAD") return method_not_allowed("GET");
    if (seg[0] == "healthz") return finish(Json(200, R"({"status":"ok"})"));
    HttpResponse r;
    r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    r.body = metrics_.Render();
    return finish(std::move(r));
  }
  AuthHeaders headers{request.Header("authorization"), request.Header("x-auth-email"),
                      request.Header("x-auth-key")};
  bool v4_accounts =
      seg.size() >= 3 && seg[0] == "client" && seg[1] == "v4" && seg[2] == "accounts";
  // GET /client/v4/accounts: the accounts of the credential (as Cloudflare's).
  if (v4_accounts && seg.size() == 3) {
    if (method != "GET") return method_not_allowed("GET");
    AuthOutcome auth = auth_.Identify(headers);
    if (!auth.ok()) {
      return finish(ErrorResponse(auth.http_status, std::vector<ApiError>{*auth.error}));
    }
    return ListAccounts(auth, std::move(finish));
  }
  // client/v4/accounts/{account_id}/diagnostics/traceroute[/colos | /measurements[/{id}[/events]]
  // | /schedules[/{id}[/changes]]]
  if (!v4_accounts || seg.size() < 6 || seg.size() > 9 || seg[4] != "diagnostics" ||
      seg[5] != "traceroute") {
    return finish(ErrorResponse(404, kNoRoute, "No route for that URI"));
  }
  enum class Route {
    kTraceroute,
    kColos,
    kMeasurements,
    kMeasurement,
    kEvents,
    kSchedules,
    kSchedule,
    kChanges,
    kNone
  };
  Route route = Route::kNone;
  if (seg.size() == 6) route = Route::kTraceroute;
  if (seg.size() == 7 && seg[6] == "colos") route = Route::kColos;
  if (seg.size() >= 7 && seg[6] == "measurements") {
    route = seg.size() == 7      ? Route::kMeasurements
            : seg.size() == 8    ? Route::kMeasurement
            : seg[8] == "events" ? Route::kEvents
                                 : Route::kNone;
  }
  if (seg.size() >= 7 && seg[6] == "schedules") {
    route = seg.size() == 7       ? Route::kSchedules
            : seg.size() == 8     ? Route::kSchedule
            : seg[8] == "changes" ? Route::kChanges
                                  : Route::kNone;
  }
  if (route == Route::kNone) return finish(ErrorResponse(404, kNoRoute, "No route for that URI"));
  const char* allowed = route == Route::kTraceroute                                   ? "POST"
                        : route == Route::kMeasurements || route == Route::kSchedules ? "GET, POST"
                        : route == Route::kMeasurement ? "GET, DELETE"
                        : route == Route::kSchedule    ? "GET, PATCH, DELETE"
                                                       : "GET";
  bool allows = method == "GET"    ? route != Route::kTraceroute
                : method == "POST" ? route == Route::kTraceroute || route == Route::kMeasurements ||
                                         route == Route::kSchedules
                : method == "DELETE" ? route == Route::kMeasurement || route == Route::kSchedule
                : method == "PATCH"  ? route == Route::kSchedule
                                     : false;
  if (!allows) return method_not_allowed(allowed);
  const std::string& account = seg[3];
  AuthOutcome auth = auth_.Check(headers, account);
  if (!auth.ok()) {
    return finish(ErrorResponse(auth.http_status, std::vector<ApiError>{*auth.error}));
  }
  switch (route) {
    case Route::kTraceroute:
      return Traceroute(request, account, *auth.principal_id, false, std::move(finish));
    case Route::kColos:
      return ListColos(std::move(finish));
    case Route::kMeasurements:
      if (method == "POST") {
        return Traceroute(request, account, *auth.principal_id, true, std::move(finish));
      }
      return ListMeasurements(request, account, std::move(finish));
    case Route::kMeasurement:
    case Route::kEvents: {
      const std::string& id = seg[7];
      if (!store::IsMeasurementId(id)) {
        return finish(ErrorResponse(400, kInvalidObjectIdentifier,
                                    "Invalid object identifier: not a measurement id"));
      }
      if (route == Route::kEvents) return StreamMeasurement(account, id, std::move(finish));
      if (method == "DELETE") return DeleteMeasurement(account, id, std::move(finish));
      return GetMeasurement(account, id, std::move(finish));
    }
    case Route::kSchedules:
      if (method == "POST") return CreateSchedule(request, account, std::move(finish));
      return ListSchedules(request, account, std::move(finish));
    case Route::kSchedule:
    case Route::kChanges: {
      const std::string& id = seg[7];
      if (!store::IsMeasurementId(id)) {
        return finish(ErrorResponse(400, kInvalidObjectIdentifier,
                                    "Invalid object identifier: not a schedule id"));
      }
      if (route == Route::kChanges) return ListChanges(request, account, id, std::move(finish));
      if (method == "PATCH") return ChangeSchedule(request, account, id, std::move(finish));
      if (method == "DELETE") return DeleteSchedule(account, id, std::move(finish));
      return GetSchedule(account, id, std::move(finish));
    }
    case Route::kNone:
      break;
  }
  finish(ErrorResponse(404, kNoRoute, "No route for that URI"));
}

void ApiHandler::ListAccounts(const AuthOutcome& auth, Respond respond) {
  respond(Json(200, Success([&](model::JsonWriter& w) {
                 w.BeginArray();
                 for (const auto& a : auth.accounts) {
                   w.BeginObject();
                   w.Key("id").String(a);
                   w.Key("name").String(a);
                   w.EndObject();
                 }
                 w.EndArray();
               })));
}

void ApiHandler::ListColos(Respond respond) {
  respond(Json(200, Success([&](model::JsonWriter& w) {
                 w.BeginArray();
                 for (const auto& c : dispatcher_.Status()) {
                   w.BeginObject();
                   w.Key("name").String(c.info.name);
                   w.Key("city").String(c.info.city);
                   w.Key("status").String(c.info.available ? "available" : "unavailable");
                   w.Key("remote").Bool(c.last_seen_unix_ms != 0);
                   w.Key("agents").BeginArray();
                   for (const auto& a : c.agents) w.String(a);
                   w.EndArray();
                   w.Key("last_seen_unix_ms");
                   if (c.last_seen_unix_ms != 0) {
                     w.Int(c.last_seen_unix_ms);
                   } else {
                     w.Null();
                   }
                   w.EndObject();
                 }
                 w.EndArray();
               })));
}

std::variant<ApiHandler::Admitted, HttpResponse> ApiHandler::Admit(const HttpRequest& request,
                                                                   const std::string& principal) {
  ParseOutcome parsed = ParseTracerouteRequest(request.body);
  if (auto* errors = std::get_if<std::vector<ApiError>>(&parsed)) {
    return ErrorResponse(HttpStatusFor(*errors), *errors);
  }
  Admitted a;
  a.request = std::move(std::get<TracerouteRequest>(parsed));
  const TracerouteRequest& req = a.request;
  dispatch::Dispatcher::Selection selection = dispatcher_.Select(req.colos);
  if (!selection.unknown.empty()) {
    size_t index = 0;
    while (index < req.colos.size() && req.colos[index] != selection.unknown) ++index;
    return ErrorResponse(400, {ApiError{kUnknownColo,
                                        "colo '" + selection.unknown + "' matches no colo",
                                        "/colos/" + std::to_string(index),
                                        {},
                                        ""}});
  }
  if (selection.colos.empty()) {
    return ErrorResponse(503, kNoColoAvailable, "no colo can run traceroutes now");
  }
  a.colos = std::move(selection.colos);
  int64_t probes = ProbeCount(req, a.colos.size());
  if (probes > options_.max_probes_per_request) {
    return ErrorResponse(400, kTooManyProbes,
                         "the request would send " + std::to_string(probes) + " probes; at most " +
                             std::to_string(options_.max_probes_per_request) +
                             " are allowed (targets x colos x max_ttl x packets_per_ttl, or x " +
                             std::to_string(model::kMultipathMaxProbes) + " with multipath)");
  }
  {
    std::lock_guard lock(running_mu_);
    int& running = running_[principal];
    if (running >= options_.max_concurrent_per_credential) {
      if (running == 0) running_.erase(principal);
      HttpResponse r = ErrorResponse(
          429, kRateLimited,
          "this credential already has " + std::to_string(running) +
              " traceroute requests running, the most allowed at once; try again when one ends");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    ++running;
  }
  // Ends the request's turn once it is over (or it was refused below).
  a.finished = [this, principal] {
    std::lock_guard lock(running_mu_);
    auto it = running_.find(principal);
    if (it != running_.end() && --it->second <= 0) running_.erase(it);
  };
  a.decision = limiter_.Take(principal, probes);
  if (!a.decision.allowed) {
    a.finished();
    const RateDecision& decision = a.decision;
    HttpResponse r = ErrorResponse(
        429, kRateLimited,
        decision.exceeds_limit
            ? "this request alone exceeds the rate limit of this credential"
            : "rate limited: try again in " + std::to_string(decision.retry_after_s) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(decision.retry_after_s));
    if (decision.exceeds_limit) {
      // Waiting cannot help a request larger than a whole window's budget.
      for (auto& [name, value] : r.headers) {
        if (name == "x-should-retry") value = "false";
      }
    }
    AddRateHeaders(r, decision);
    return r;
  }
  return a;
}

void ApiHandler::Traceroute(const HttpRequest& request, const std::string& account,
                            const std::string& principal, bool background, Respond respond) {
  auto admitted = Admit(request, principal);
  if (auto* refused = std::get_if<HttpResponse>(&admitted)) return respond(std::move(*refused));
  Admitted a = std::move(std::get<Admitted>(admitted));
  auto run = measurements_.Begin(account, RequestJson(a.request), a.request.targets, a.colos);
  if (!run) {
    a.finished();
    return respond(ErrorResponse(503, kTooManyMeasurements,
                                 "too many measurements are running; try again shortly"));
  }
  auto shared_respond = std::make_shared<Respond>(std::move(respond));
  if (background) {
    HttpResponse r = Json(202, Success([&](model::JsonWriter& w) {
                            w.BeginObject();
                            w.Key("id").String(run->id);
                            w.Key("status").String("running");
                            w.Key("created_at").String(model::Rfc3339Ms(run->created_at_ms));
                            w.EndObject();
                          }));
    r.headers.emplace_back("Location", MeasurementPath(account, run->id));
    AddRateHeaders(r, a.decision);
    (*shared_respond)(std::move(r));
    shared_respond.reset();
  }
  std::string id = run->id;
  Dispatch(a.request, a.colos, std::move(*run),
           [decision = a.decision, finished = a.finished, id,
            shared_respond](std::vector<model::TargetResult> results) {
             finished();
             if (!shared_respond) return;  // a background measurement: answered already
             HttpResponse r = Json(200, SuccessEnvelope(results));
             r.headers.emplace_back("Colotrace-Measurement-Id", id);
             AddRateHeaders(r, decision);
             (*shared_respond)(std::move(r));
           });
}

void ApiHandler::Dispatch(const TracerouteRequest& request,
                          const std::vector<dispatch::ColoInfo>& colos, Measurements::Run run,
                          std::function<void(std::vector<model::TargetResult>)> done) {
  metrics_.AddTraceroutes(static_cast<int64_t>(request.targets.size() * colos.size()));
  auto deadline = ColoDeadline(request.options, options_.deadline_margin);
  {
    std::lock_guard lock(idle_mu_);
    ++dispatching_;
  }
  dispatcher_.Run(
      request.targets, colos, request.options, deadline,
      [this, finish_run = run.finish,
       done = std::move(done)](std::vector<model::TargetResult> results) {
        int64_t sent = 0;
        int64_t replies = 0;
        for (const auto& t : results) {
          for (const auto& c : t.colos) {
            if (c.error != model::ColoError::kNone) {
              metrics_.AddColoError(c.colo.name, static_cast<int>(c.error));
            }
            for (const auto& h : c.hops) {
              sent += h.packets_sent;
              replies += h.packets_sent - h.packets_lost;
            }
          }
        }
        metrics_.AddProbesSent(sent);
        metrics_.AddRepliesMatched(replies);
        finish_run(results);
        done(std::move(results));
        std::lock_guard lock(idle_mu_);  // the last use of this handler by the run
        --dispatching_;
        idle_cv_.notify_all();
      },
      run.observer);
}

ApiHandler::~ApiHandler() {
  std::unique_lock lock(idle_mu_);
  idle_cv_.wait(lock, [&] { return dispatching_ == 0; });
}

int ApiHandler::WaitIdle(std::chrono::milliseconds limit) {
  std::unique_lock lock(idle_mu_);
  idle_cv_.wait_for(lock, limit, [&] { return dispatching_ == 0; });
  return dispatching_;
}

bool ApiHandler::StartScheduledRun(const store::ScheduleRecord& schedule,
                                   const TracerouteRequest& request, Schedules::RunDone done) {
  dispatch::Dispatcher::Selection selection = dispatcher_.Select(request.colos);
  if (!selection.unknown.empty() || selection.colos.empty()) return false;
  auto run = measurements_.Begin(schedule.account_id, RequestJson(request), request.targets,
                                 selection.colos, schedule.id);
  if (!run) return false;
  std::string id = run->id;
  Dispatch(request, selection.colos, std::move(*run),
           [id, done = std::move(done)](std::vector<model::TargetResult> results) {
             done(id, results);
           });
  return true;
}

void ApiHandler::ListMeasurements(const HttpRequest& request, const std::string& account,
                                  Respond respond) {
  if (!measurements_.storing()) {
    return respond(ErrorResponse(
        404, kStorageOff, "this server keeps no measurement history (started with --no-db)"));
  }
  auto params = QueryParameters(request.target);
  if (!params) {
    return respond(ErrorResponse(400, kInvalidQueryParameter, "malformed query string"));
  }
  store::ListQuery q;
  q.account_id = account;
  q.per_page = kDefaultPerPage;
  std::vector<ApiError> errors;
  auto integer = [&](const std::string& name, const std::string& text, int64_t min, int64_t max,
                     int64_t* out) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
      errors.push_back(BadParameter(name, "Invalid " + name + ": want an integer from " +
                                              std::to_string(min) + " to " + std::to_string(max)));
      return;
    }
    *out = v;
  };
  std::map<std::string, std::string> last;  // of repeated names the last counts
  for (auto& [name, value] : *params) last[name] = value;
  for (const auto& [name, value] : last) {
    if (name == "page") {
      integer(name, value, 1, kMaxPage, &q.page);
    } else if (name == "per_page") {
      integer(name, value, 1, kMaxPerPage, &q.per_page);
    } else if (name == "status") {
      q.status = store::ParseStatus(value);
      if (!q.status) {
        errors.push_back(BadParameter(name, "Invalid status: want running or finished"));
      }
    } else if (name == "target") {
      if (!IsValidTarget(value)) {
        errors.push_back(BadParameter(name, "Invalid target: want an IP address or a host name"));
      } else {
        q.target = value;
      }
    } else if (name == "colo") {
      if (!model::IsValidColoName(value)) {
        errors.push_back(BadParameter(name, "Invalid colo: want 1 to 32 of [A-Za-z0-9_-]"));
      } else {
        q.colo = value;
      }
    } else if (name == "schedule") {
      if (!store::IsMeasurementId(value)) {
        errors.push_back(BadParameter(name, "Invalid schedule: want a schedule id"));
      } else {
        q.schedule_id = value;
      }
    } else if (name == "since" || name == "until") {
      auto t = model::ParseRfc3339(value);
      if (!t) {
        errors.push_back(BadParameter(
            name, "Invalid " + name + ": want an RFC 3339 time such as 2026-11-27T14:00:00Z"));
      } else {
        (name == "since" ? q.since_ms : q.until_ms) = *t;
      }
    }
  }
  if (!errors.empty()) return respond(ErrorResponse(400, errors));
  measurements_.List(q, [q, respond = std::move(respond)](model::Result<store::ListPage> page) {
    if (!page) return respond(Unavailable(page.error()));
    model::JsonWriter w;
    w.BeginObject();
    w.Key("success").Bool(true);
    w.Key("errors").BeginArray().EndArray();
    w.Key("messages").BeginArray().EndArray();
    w.Key("result").BeginArray();
    for (const auto& m : page->items) WriteMeasurement(w, m, false);
    w.EndArray();
    w.Key("result_info").BeginObject();
    w.Key("page").Int(q.page);
    w.Key("per_page").Int(q.per_page);
    w.Key("count").Int(static_cast<int64_t>(page->items.size()));
    w.Key("total_count").Int(page->total_count);
    w.EndObject();
    w.EndObject();
    respond(Json(200, w.Take()));
  });
}

void ApiHandler::GetMeasurement(const std::string& account, const std::string& id,
                                Respond respond) {
  measurements_.Get(account, id, [id, respond = std::move(respond)](Measurements::Found found) {
    if (!found) return respond(Unavailable(found.error()));
    if (!found->has_value()) return respond(NotFound(id));
    respond(Json(200, Success([&](model::JsonWriter& w) { WriteMeasurement(w, **found, true); })));
  });
}

void ApiHandler::DeleteMeasurement(const std::string& account, const std::string& id,
                                   Respond respond) {
  measurements_.Delete(account, id, [id, respond = std::move(respond)](model::Result<bool> gone) {
    if (!gone) return respond(Unavailable(gone.error()));
    if (!*gone) return respond(NotFound(id));
    respond(Json(200, Success([&](model::JsonWriter& w) {
                   w.BeginObject();
                   w.Key("id").String(id);
                   w.EndObject();
                 })));
  });
}

void ApiHandler::StreamMeasurement(const std::string& account, const std::string& id,
                                   Respond respond) {
  measurements_.Get(account, id,
                    [this, account, id, respond = std::move(respond)](Measurements::Found found) {
                      if (!found) return respond(Unavailable(found.error()));
                      if (!found->has_value()) return respond(NotFound(id));
                      HttpResponse r;
                      r.headers.emplace_back("Content-Type", "text/event-stream");
                      r.headers.emplace_back("Cache-Control", "no-store");
                      r.headers.emplace_back("X-Accel-Buffering", "no");  // proxies: no buffering
                      r.stream = [this, account, id](std::shared_ptr<ResponseStream> out) {
                        measurements_.Stream(account, id, std::move(out));
                      };
                      respond(std::move(r));
                    });
}

}  // namespace colotrace::api
