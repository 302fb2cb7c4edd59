#include "api/handler.h"

#include <memory>

#include "api/envelope.h"
#include "api/request_parser.h"
#include "model/json_writer.h"

namespace colotrace::api {

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

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", kJson);
  r.body = std::move(body);
  return r;
}

int64_t ProbeCount(const TracerouteRequest& req, size_t colos) {
  int64_t per_trace = static_cast<int64_t>(req.options.max_ttl) * req.options.packets_per_ttl;
  if (req.options.packet_type == model::PacketType::kGreIcmp) per_trace *= 2;
  return static_cast<int64_t>(req.targets.size()) * static_cast<int64_t>(colos) * per_trace;
}

void AddRateHeaders(HttpResponse& r, const RateDecision& d) {
  if (!d.ratelimit.empty()) r.headers.emplace_back("Ratelimit", d.ratelimit);
  if (!d.ratelimit_policy.empty()) r.headers.emplace_back("Ratelimit-Policy", d.ratelimit_policy);
}

}  // namespace

HttpResponse ErrorResponse(int status, const std::vector<ApiError>& errors) {
  HttpResponse r = Json(status, ErrorEnvelope(errors));
  // The Go SDK retries up to 10 times: say which failures are worth it.
  bool retry = status == 408 || status == 409 || status == 429 || status >= 500;
  r.headers.emplace_back("x-should-retry", retry ? "true" : "false");
  return r;
}

HttpResponse ErrorResponse(int status, int code, const std::string& message) {
  return ErrorResponse(status, std::vector<ApiError>{ApiError{code, message, "", {}}});
}

std::chrono::milliseconds ColoDeadline(const model::TraceOptions& options,
                                       std::chrono::milliseconds margin) {
  return std::chrono::milliseconds(2000LL * options.wait_time_s) + margin;
}

ApiHandler::ApiHandler(const Authenticator& auth, dispatch::Dispatcher& dispatcher,
                       RateLimiter& limiter, Metrics& metrics, ApiOptions options)
    : auth_(auth),
      dispatcher_(dispatcher),
      limiter_(limiter),
      metrics_(metrics),
      options_(options) {}

void ApiHandler::Handle(HttpRequest request, Respond respond) {
  metrics_.RequestStarted();
  auto start = Clock::now();
  Respond finish = [this, start, respond = std::move(respond)](HttpResponse r) {
    metrics_.RequestFinished(r.status, std::chrono::duration<double>(Clock::now() - start).count());
    respond(std::move(r));
  };
  std::vector<std::string> seg = PathSegments(request.target);
  auto method_not_allowed = [&](const char* allowed) {
    HttpResponse r = ErrorResponse(405, kMethodNotAllowed,
                                   "method " + request.method + " not allowed; use " + allowed);
    r.headers.emplace_back("Allow", allowed);
    finish(std::move(r));
  };
  if (seg.size() == 1 && (seg[0] == "healthz" || seg[0] == "metrics")) {
    if (request.method != "GET" && request.method != "HEAD") return method_not_allowed("GET");
    if (seg[0] == "healthz") return finish(Json(200, R"({"status":"ok"})"));
    HttpResponse r;
    r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    r.body = metrics_.Render();
    return finish(std::move(r));
  }
  // client/v4/accounts/{account_id}/diagnostics/traceroute, and .../colos (a colotrace
  // extension): both for the account's credentials only.
  bool traceroute = seg.size() == 6;
  bool colos = seg.size() == 7 && seg[6] == "colos";
  if ((traceroute || colos) && seg[0] == "client" && seg[1] == "v4" && seg[2] == "accounts" &&
      seg[4] == "diagnostics" && seg[5] == "traceroute") {
    const char* allowed = traceroute ? "POST" : "GET";
    if (request.method != allowed) return method_not_allowed(allowed);
    AuthHeaders headers{request.Header("authorization"), request.Header("x-auth-email"),
                        request.Header("x-auth-key")};
    AuthOutcome auth = auth_.Check(headers, seg[3]);
    if (!auth.ok()) {
      return finish(ErrorResponse(auth.http_status, std::vector<ApiError>{*auth.error}));
    }
    if (colos) return ListColos(std::move(finish));
    return Traceroute(request, *auth.principal_id, std::move(finish));
  }
  finish(ErrorResponse(404, kNoRoute, "No route for that URI"));
}

void ApiHandler::ListColos(Respond respond) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("success").Bool(true);
  w.Key("errors").BeginArray().EndArray();
  w.Key("messages").BeginArray().EndArray();
  w.Key("result").BeginArray();
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
  w.EndObject();
  respond(Json(200, w.Take()));
}

void ApiHandler::Traceroute(const HttpRequest& request, const std::string& principal,
                            Respond respond) {
  ParseOutcome parsed = ParseTracerouteRequest(request.body);
  if (auto* errors = std::get_if<std::vector<ApiError>>(&parsed)) {
    return respond(ErrorResponse(HttpStatusFor(*errors), *errors));
  }
  auto& req = std::get<TracerouteRequest>(parsed);
  dispatch::Dispatcher::Selection selection = dispatcher_.Select(req.colos);
  if (!selection.unknown.empty()) {
    size_t index = 0;
    while (index < req.colos.size() && req.colos[index] != selection.unknown) ++index;
    return respond(ErrorResponse(400, {ApiError{kUnknownColo,
                                                "colo '" + selection.unknown + "' matches no colo",
                                                "/colos/" + std::to_string(index),
                                                {}}}));
  }
  if (selection.colos.empty()) {
    return respond(ErrorResponse(503, kNoColoAvailable, "no colo can run traceroutes now"));
  }
  int64_t probes = ProbeCount(req, selection.colos.size());
  if (probes > options_.max_probes_per_request) {
    return respond(ErrorResponse(400, kTooManyProbes,
                                 "the request would send " + std::to_string(probes) +
                                     " probes; at most " +
                                     std::to_string(options_.max_probes_per_request) +
                                     " are allowed (targets x colos x max_ttl x packets_per_ttl)"));
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
      return respond(std::move(r));
    }
    ++running;
  }
  // Ends the request's turn once its response is out (or it was refused below).
  auto finished = [this, principal] {
    std::lock_guard lock(running_mu_);
    auto it = running_.find(principal);
    if (it != running_.end() && --it->second <= 0) running_.erase(it);
  };
  RateDecision decision = limiter_.Take(principal, probes);
  if (!decision.allowed) {
    finished();
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
    return respond(std::move(r));
  }
  metrics_.AddTraceroutes(static_cast<int64_t>(req.targets.size() * selection.colos.size()));
  auto deadline = ColoDeadline(req.options, options_.deadline_margin);
  dispatcher_.Run(req.targets, selection.colos, req.options, deadline,
                  [this, decision, finished,
                   respond = std::move(respond)](std::vector<model::TargetResult> results) {
                    finished();
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
                    HttpResponse r = Json(200, SuccessEnvelope(results));
                    AddRateHeaders(r, decision);
                    respond(std::move(r));
                  });
}

}  // namespace colotrace::api
