// The schedule routes of ApiHandler (docs/api.md, "Schedules"): validation on the I/O thread,
// everything that touches the database on a reader thread.
#include <sys/random.h>

#include <charconv>
#include <map>

#include "api/handler.h"
#include "api/handler_util.h"
#include "model/result_json.h"
#include "model/time_text.h"
#include "store/measurement_id.h"

namespace colotrace::api {

using namespace detail;

namespace {

// 32 random bytes as hex: a webhook secret the server makes when none is given.
std::string RandomSecret() {
  uint8_t bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

// The schedule as the API shows it; the webhook's secret only when `secret` (at creation,
// when the server made it).
void WriteSchedule(model::JsonWriter& w, const store::ScheduleRecord& s, bool secret) {
  w.BeginObject();
  w.Key("id").String(s.id);
  w.Key("name").String(s.name);
  // The request's members (targets, colos, options) as stored.
  ParseOutcome parsed = ParseTracerouteRequest(s.request_json);
  if (auto* r = std::get_if<TracerouteRequest>(&parsed)) {
    w.Key("targets").BeginArray();
    for (const auto& t : r->targets) w.String(t);
    w.EndArray();
    w.Key("colos").BeginArray();
    for (const auto& c : r->colos) w.String(c);
    w.EndArray();
    w.Key("options");
    model::WriteTraceOptions(w, r->options);
  }
  w.Key("interval_s").Int(s.interval_s);
  w.Key("paused").Bool(s.paused);
  w.Key("webhook");
  if (s.webhook_url.empty()) {
    w.Null();
  } else {
    w.BeginObject();
    w.Key("url").String(s.webhook_url);
    if (secret) w.Key("secret").String(s.webhook_secret);
    w.EndObject();
  }
  w.Key("created_at");
  WriteTime(w, s.created_at_ms);
  w.Key("updated_at");
  WriteTime(w, s.updated_at_ms);
  w.Key("next_run_at");
  if (s.paused) {
    w.Null();
  } else {
    WriteTime(w, s.next_run_at_ms);
  }
  w.Key("last_run_at");
  WriteTime(w, s.last_run_at_ms);
  w.EndObject();
}

HttpResponse ScheduleNotFound(const std::string& id) {
  return ErrorResponse(404, kScheduleNotFound, "no schedule " + id);
}

HttpResponse StoreUnavailable(const std::string& why) {
  HttpResponse r =
      ErrorResponse(503, kHistoryUnavailable, "schedules are not available now: " + why);
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

// page (1..kMaxPage, default 1) and per_page (1..kMaxPerPage, default kDefaultPerPage) of a
// query string; errors go to `errors`.
void PageOf(const std::string& target, int64_t* page, int64_t* per_page,
            std::vector<ApiError>& errors) {
  *page = 1;
  *per_page = kDefaultPerPage;
  auto params = QueryParameters(target);
  if (!params) {
    errors.push_back(ApiError{kInvalidQueryParameter, "malformed query string", "", {}, ""});
    return;
  }
  std::map<std::string, std::string> last;  // a repeated parameter: the last one counts
  for (const auto& [name, value] : *params) last[name] = value;
  for (const auto& [name, value] : last) {
    int64_t max = name == "page" ? kMaxPage : kMaxPerPage;
    if (name != "page" && name != "per_page") continue;
    int64_t v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size() || v < 1 || v > max) {
      errors.push_back(BadParameter(
          name, "Invalid " + name + ": want an integer from 1 to " + std::to_string(max)));
      continue;
    }
    (name == "page" ? *page : *per_page) = v;
  }
}

template <typename Item, typename WriteItem>
std::string PageJson(const std::vector<Item>& items, int64_t page, int64_t per_page, int64_t total,
                     WriteItem write_item) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("success").Bool(true);
  w.Key("errors").BeginArray().EndArray();
  w.Key("messages").BeginArray().EndArray();
  w.Key("result").BeginArray();
  for (const auto& item : items) write_item(w, item);
  w.EndArray();
  w.Key("result_info").BeginObject();
  w.Key("page").Int(page);
  w.Key("per_page").Int(per_page);
  w.Key("count").Int(static_cast<int64_t>(items.size()));
  w.Key("total_count").Int(total);
  w.EndObject();
  w.EndObject();
  return w.Take();
}

}  // namespace

void ApiHandler::OnReader(Respond& respond, std::function<void(Respond)> work) {
  if (schedules_ == nullptr) {
    return respond(ErrorResponse(
        404, kStorageOff, "this server keeps no history (started with --no-db): no schedules"));
  }
  auto shared = std::make_shared<Respond>(std::move(respond));
  if (!measurements_.Submit([shared, work = std::move(work)] { work(std::move(*shared)); })) {
    (*shared)(StoreUnavailable("too many requests wait for the database"));
  }
}

void ApiHandler::CreateSchedule(const HttpRequest& request, const std::string& account,
                                Respond respond) {
  if (schedules_ == nullptr) return OnReader(respond, nullptr);
  auto parsed = ParseScheduleRequest(request.body, schedules_->options().rules);
  if (auto* errors = std::get_if<std::vector<ApiError>>(&parsed)) {
    return respond(ErrorResponse(HttpStatusFor(*errors), *errors));
  }
  ScheduleRequest req = std::move(std::get<ScheduleRequest>(parsed));
  dispatch::Dispatcher::Selection selection = dispatcher_.Select(req.trace.colos);
  if (!selection.unknown.empty()) {
    size_t index = 0;
    while (index < req.trace.colos.size() && req.trace.colos[index] != selection.unknown) ++index;
    return respond(ErrorResponse(400, {ApiError{kUnknownColo,
                                                "colo '" + selection.unknown + "' matches no colo",
                                                "/colos/" + std::to_string(index),
                                                {},
                                                ""}}));
  }
  int64_t probes = ProbeCount(req.trace, std::max<size_t>(1, selection.colos.size()));
  if (probes > options_.max_probes_per_request) {
    return respond(
        ErrorResponse(400, kTooManyProbes,
                      "each run would send " + std::to_string(probes) + " probes; at most " +
                          std::to_string(options_.max_probes_per_request) +
                          " are allowed (targets x colos x max_ttl x packets_per_ttl, or x " +
                          std::to_string(model::kMultipathMaxProbes) + " with multipath)"));
  }
  OnReader(respond, [this, account, req = std::move(req)](Respond answer) {
    Schedules& schedules = *schedules_;
    auto count = schedules.store().CountSchedules(account);
    if (!count) return answer(StoreUnavailable(count.error()));
    if (*count >= schedules.options().max_per_account) {
      return answer(ErrorResponse(
          400, kTooManySchedules,
          "this account has " + std::to_string(*count) + " schedules, the most allowed"));
    }
    store::ScheduleRecord s;
    bool made_secret = false;
    if (req.webhook) {
      if (schedules.webhooks() == nullptr) {
        return answer(ErrorResponse(
            400, {ApiError{kInvalidWebhook, "this server sends no webhooks", "/webhook", {}, ""}}));
      }
      auto checked = schedules.webhooks()->Check(req.webhook->url);
      if (!checked) {
        return answer(ErrorResponse(
            400,
            {ApiError{
                kWebhookRefused, "webhook refused: " + checked.error(), "/webhook/url", {}, ""}}));
      }
      s.webhook_url = req.webhook->url;
      s.webhook_secret = req.webhook->secret;
      if (s.webhook_secret.empty()) {
        s.webhook_secret = RandomSecret();
        made_secret = true;
      }
    }
    int64_t now = schedules.Now();
    s.id = store::NewMeasurementId(now);
    s.account_id = account;
    s.name = req.name;
    s.request_json = RequestJson(req.trace);
    s.interval_s = req.interval_s;
    s.paused = req.paused;
    s.created_at_ms = now;
    s.updated_at_ms = now;
    s.next_run_at_ms = now;  // the first run at once, then at the schedule's slots
    if (auto created = schedules.store().CreateSchedule(s); !created) {
      return answer(StoreUnavailable(created.error()));
    }
    schedules.Wake();  // its first run is due now
    HttpResponse r =
        Json(200, Success([&](model::JsonWriter& w) { WriteSchedule(w, s, made_secret); }));
    r.headers.emplace_back(
        "Location", "/client/v4/accounts/" + account + "/diagnostics/traceroute/schedules/" + s.id);
    answer(std::move(r));
  });
}

void ApiHandler::ListSchedules(const HttpRequest& request, const std::string& account,
                               Respond respond) {
  int64_t page = 1, per_page = kDefaultPerPage;
  std::vector<ApiError> errors;
  PageOf(request.target, &page, &per_page, errors);
  if (!errors.empty()) return respond(ErrorResponse(400, errors));
  OnReader(respond, [this, account, page, per_page](Respond answer) {
    auto listed = schedules_->store().ListSchedules(account, page, per_page);
    if (!listed) return answer(StoreUnavailable(listed.error()));
    answer(Json(200, PageJson(listed->items, page, per_page, listed->total_count,
                              [](model::JsonWriter& w, const store::ScheduleRecord& s) {
                                WriteSchedule(w, s, false);
                              })));
  });
}

void ApiHandler::GetSchedule(const std::string& account, const std::string& id, Respond respond) {
  OnReader(respond, [this, account, id](Respond answer) {
    auto got = schedules_->store().GetSchedule(account, id);
    if (!got) return answer(StoreUnavailable(got.error()));
    if (!got->has_value()) return answer(ScheduleNotFound(id));
    answer(Json(200, Success([&](model::JsonWriter& w) { WriteSchedule(w, **got, false); })));
  });
}

void ApiHandler::ChangeSchedule(const HttpRequest& request, const std::string& account,
                                const std::string& id, Respond respond) {
  if (schedules_ == nullptr) return OnReader(respond, nullptr);
  auto parsed = ParseScheduleChange(request.body, schedules_->options().rules);
  if (auto* errors = std::get_if<std::vector<ApiError>>(&parsed)) {
    return respond(ErrorResponse(HttpStatusFor(*errors), *errors));
  }
  ScheduleChange change = std::move(std::get<ScheduleChange>(parsed));
  OnReader(respond, [this, account, id, change = std::move(change)](Respond answer) {
    Schedules& schedules = *schedules_;
    auto got = schedules.store().GetSchedule(account, id);
    if (!got) return answer(StoreUnavailable(got.error()));
    if (!got->has_value()) return answer(ScheduleNotFound(id));
    store::ScheduleRecord current = **got;
    int64_t now = schedules.Now();
    store::ScheduleUpdate u;
    u.updated_at_ms = now;
    u.name = change.name;
    u.interval_s = change.interval_s;
    u.paused = change.paused;
    bool made_secret = false;
    if (change.webhook) {
      if (!*change.webhook) {
        u.webhook_url = "";
        u.webhook_secret = "";
      } else {
        if (schedules.webhooks() == nullptr) {
          return answer(ErrorResponse(
              400,
              {ApiError{kInvalidWebhook, "this server sends no webhooks", "/webhook", {}, ""}}));
        }
        auto checked = schedules.webhooks()->Check((*change.webhook)->url);
        if (!checked) {
          return answer(ErrorResponse(400, {ApiError{kWebhookRefused,
                                                     "webhook refused: " + checked.error(),
                                                     "/webhook/url",
                                                     {},
                                                     ""}}));
        }
        u.webhook_url = (*change.webhook)->url;
        u.webhook_secret = (*change.webhook)->secret;
        if (u.webhook_secret->empty()) {
          u.webhook_secret = RandomSecret();
          made_secret = true;
        }
      }
    }
    // A new interval, or a schedule resumed: its next run at its next slot from now.
    bool resumed = change.paused && !*change.paused && current.paused;
    if (change.interval_s || resumed) {
      store::ScheduleRecord next = current;
      if (change.interval_s) next.interval_s = *change.interval_s;
      u.next_run_at_ms = Schedules::NextRun(next, now);
    }
    auto updated = schedules.store().UpdateSchedule(account, id, u);
    if (!updated) return answer(StoreUnavailable(updated.error()));
    if (!updated->has_value()) return answer(ScheduleNotFound(id));
    schedules.Wake();
    answer(Json(200,
                Success([&](model::JsonWriter& w) { WriteSchedule(w, **updated, made_secret); })));
  });
}

void ApiHandler::DeleteSchedule(const std::string& account, const std::string& id,
                                Respond respond) {
  OnReader(respond, [this, account, id](Respond answer) {
    auto gone = schedules_->store().DeleteSchedule(account, id);
    if (!gone) return answer(StoreUnavailable(gone.error()));
    if (!*gone) return answer(ScheduleNotFound(id));
    schedules_->Forget(id);
    answer(Json(200, Success([&](model::JsonWriter& w) {
                  w.BeginObject();
                  w.Key("id").String(id);
                  w.EndObject();
                })));
  });
}

void ApiHandler::ListChanges(const HttpRequest& request, const std::string& account,
                             const std::string& id, Respond respond) {
  int64_t page = 1, per_page = kDefaultPerPage;
  std::vector<ApiError> errors;
  PageOf(request.target, &page, &per_page, errors);
  if (!errors.empty()) return respond(ErrorResponse(400, errors));
  OnReader(respond, [this, account, id, page, per_page](Respond answer) {
    auto schedule = schedules_->store().GetSchedule(account, id);
    if (!schedule) return answer(StoreUnavailable(schedule.error()));
    if (!schedule->has_value()) return answer(ScheduleNotFound(id));
    auto changes = schedules_->store().ListChanges(account, id, page, per_page);
    if (!changes) return answer(StoreUnavailable(changes.error()));
    answer(
        Json(200, PageJson(changes->items, page, per_page, changes->total_count, WriteChangeJson)));
  });
}

}  // namespace colotrace::api
