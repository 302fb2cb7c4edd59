#include "api/schedules.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "model/time_text.h"
#include "net/log.h"
#include "net/system.h"
#include "schedule/change_detector.h"
#include "schedule/path.h"
#include "schedule/timing.h"
#include "store/measurement_id.h"

namespace colotrace::api {

namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr int64_t kLatenessBucketsMs[] = {10, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

schedule::PathState StateOf(const store::PathStateRecord& r) {
  schedule::PathState s;
  if (!r.confirmed.empty()) s.confirmed = schedule::ParsePathText(r.confirmed);
  if (!r.candidate.empty()) s.candidate = schedule::ParsePathText(r.candidate);
  s.candidate_runs = static_cast<int>(r.candidate_runs);
  s.candidate_since_ms = r.candidate_since_ms;
  return s;
}

store::PathStateRecord RecordOf(const schedule::PathState& s) {
  store::PathStateRecord r;
  if (s.confirmed) r.confirmed = schedule::PathText(*s.confirmed);
  if (s.candidate) r.candidate = schedule::PathText(*s.candidate);
  r.candidate_runs = s.candidate_runs;
  r.candidate_since_ms = s.candidate_since_ms;
  return r;
}

// The webhook's body for a confirmed change.
std::string ChangeJson(const store::ScheduleRecord& schedule, const store::PathChangeRecord& c) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("event").String("path_change");
  w.Key("schedule").BeginObject();
  w.Key("id").String(schedule.id);
  w.Key("name").String(schedule.name);
  w.EndObject();
  w.Key("change");
  WriteChangeJson(w, c);
  w.EndObject();
  return w.Take();
}

}  // namespace

void WriteChangeJson(model::JsonWriter& w, const store::PathChangeRecord& c) {
  w.BeginObject();
  w.Key("id").String(c.id);
  w.Key("at").String(model::Rfc3339Ms(c.at_ms));
  w.Key("confirmed_at").String(model::Rfc3339Ms(c.confirmed_at_ms));
  w.Key("target").String(c.target);
  w.Key("colo").String(c.colo);
  w.Key("before");
  WritePathJson(w, c.before);
  w.Key("after");
  WritePathJson(w, c.after);
  w.Key("changed_ttls").BeginArray();
  for (int t : c.changed_ttls) w.Int(t);
  w.EndArray();
  w.Key("measurement_id").String(c.measurement_id);
  w.EndObject();
}

void WritePathJson(model::JsonWriter& w, const std::string& path_text) {
  auto path = schedule::ParsePathText(path_text).value_or(schedule::Path{});
  w.BeginObject();
  w.Key("hops").BeginArray();
  for (const auto& hop : path.hops) w.String(hop);
  w.EndArray();
  w.Key("reached").Bool(path.reached);
  w.Key("hash").String(schedule::PathHash(path));
  w.EndObject();
}

Schedules::Schedules(store::ScheduleStore& store, StartRun start, WebhookSender* webhooks,
                     SchedulesOptions options)
    : store_(store), start_(std::move(start)), webhooks_(webhooks), options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = SystemNowMs;
  for (int64_t b : kLatenessBucketsMs) counters_.lateness_buckets_ms.push_back(b);
  counters_.lateness_counts.assign(counters_.lateness_buckets_ms.size(), 0);
}

Schedules::~Schedules() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  // The runner first: once it is gone no run can start (it may have been between a claim and
  // its starts, with nothing in flight yet).
  if (thread_.joinable()) thread_.join();
  std::unique_lock lock(mu_);
  // Runs in progress end within their colos' deadlines; each is judged, then counted out.
  cv_.wait(lock, [&] { return in_flight_ == 0; });
  judge_stop_ = true;
  judge_cv_.notify_all();
  lock.unlock();
  if (judge_thread_.joinable()) judge_thread_.join();
}

void Schedules::JudgeLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    judge_cv_.wait(lock, [&] { return judge_stop_ || !ended_.empty(); });
    if (ended_.empty()) return;  // stopping, nothing left
    Ended e = std::move(ended_.front());
    ended_.pop_front();
    lock.unlock();
    Judge(e.schedule, e.run_at_ms, e.measurement_id, e.results);
    lock.lock();
    --in_flight_;
    cv_.notify_all();
  }
}

void Schedules::Forget(const std::string& id) {
  std::lock_guard lock(mu_);
  for (auto it = series_.lower_bound(std::make_tuple(id, std::string(), std::string()));
       it != series_.end() && std::get<0>(it->first) == id;) {
    it = series_.erase(it);
  }
}

void Schedules::Wake() {
  {
    std::lock_guard lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void Schedules::Start() {
  judge_thread_ = std::thread([this] {
    net::NameThisThread("ct-judge");
    JudgeLoop();
  });
  thread_ = std::thread([this] {
    net::NameThisThread("ct-schedule");
    Loop();
  });
}

int64_t Schedules::NextRun(const store::ScheduleRecord& schedule, int64_t after_ms) {
  int64_t interval_ms = schedule.interval_s * 1000;
  return schedule::NextRunMs(after_ms, interval_ms,
                             schedule::RunOffsetMs(schedule.id, interval_ms));
}

void Schedules::Loop() {
  bool store_failing = false;
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    int64_t now = options_.now_ms();
    // A schedule that missed runs (the servers were down) runs once now, then at its slots.
    auto claimed =
        store_.ClaimDue(now, options_.claim_batch,
                        [now](const store::ScheduleRecord& s) { return NextRun(s, now); });
    if (!claimed) {
      if (!store_failing) {
        net::Log(net::LogLevel::kError, "schedules", "cannot claim due runs",
                 {{"error", claimed.error()}});
      }
      store_failing = true;
    } else {
      if (store_failing) net::Log(net::LogLevel::kInfo, "schedules", "claiming due runs again");
      store_failing = false;
      for (const auto& s : *claimed) {
        {
          std::lock_guard stopping(mu_);
          if (stop_) break;  // shutting down: claimed runs are skipped, the schedules stay
        }
        StartOne(s, now);
      }
    }
    if (claimed && claimed->size() == options_.claim_batch) {
      lock.lock();
      continue;  // more are due
    }
    // Sleep until the earliest due run, within [min_gap, max_tick].
    auto sleep = options_.max_tick;
    if (auto next = store_.NextDue(); next && *next) {
      int64_t until = **next - options_.now_ms();
      sleep = std::clamp(std::chrono::milliseconds(until), options_.min_gap, options_.max_tick);
    }
    lock.lock();
    cv_.wait_for(lock, sleep, [&] { return stop_ || wake_; });
    wake_ = false;
  }
}

void Schedules::StartOne(const store::ScheduleRecord& schedule, int64_t now_ms) {
  int64_t lateness = std::max<int64_t>(0, now_ms - schedule.next_run_at_ms);
  ParseOutcome parsed = ParseTracerouteRequest(schedule.request_json);
  bool started = false;
  if (auto* request = std::get_if<TracerouteRequest>(&parsed)) {
    {
      std::lock_guard lock(mu_);
      ++in_flight_;
    }
    started = start_(schedule, *request,
                     [this, schedule, now_ms](const std::string& measurement_id,
                                              const std::vector<model::TargetResult>& results) {
                       // On a colo's thread: only queued (judging blocks on the store).
                       std::lock_guard lock(mu_);
                       ended_.push_back(Ended{schedule, now_ms, measurement_id, results});
                       judge_cv_.notify_one();
                     });
    if (!started) {
      std::lock_guard lock(mu_);
      --in_flight_;
      cv_.notify_all();
    }
  }
  std::lock_guard lock(mu_);
  if (!started) {
    ++counters_.runs_not_started;
    return;
  }
  ++counters_.runs_started;
  counters_.lateness_ms_max = std::max(counters_.lateness_ms_max, lateness);
  for (size_t i = 0; i < counters_.lateness_buckets_ms.size(); ++i) {
    if (lateness <= counters_.lateness_buckets_ms[i]) ++counters_.lateness_counts[i];
  }
}

void Schedules::Judge(const store::ScheduleRecord& claimed, int64_t run_at_ms,
                      const std::string& measurement_id,
                      const std::vector<model::TargetResult>& results) {
  // The schedule as it is now: deleted during the run, it is not judged; its webhook may have
  // changed since the claim. (A deletion after this read is caught by UpdatePath.)
  store::ScheduleRecord schedule = claimed;
  auto now = store_.GetSchedule(claimed.account_id, claimed.id);
  if (now && !*now) return;
  if (now) {
    schedule.webhook_url = (*now)->webhook_url;
    schedule.webhook_secret = (*now)->webhook_secret;
  }
  for (const auto& target : results) {
    for (const auto& colo : target.colos) {
      std::optional<schedule::Path> path = schedule::PathOf(colo);
      if (!path) continue;  // an error says nothing of the path
      std::optional<store::PathChangeRecord> confirmed;
      model::Status s = store_.UpdatePath(
          schedule.id, target.target, colo.colo.name,
          [&](store::PathStateRecord& record) -> std::optional<store::PathChangeRecord> {
            confirmed.reset();
            schedule::PathState state = StateOf(record);
            auto change = schedule::ObservePath(state, *path, run_at_ms, options_.confirm_runs);
            record = RecordOf(state);
            if (!change) return std::nullopt;
            store::PathChangeRecord c;
            c.id = store::NewMeasurementId(options_.now_ms());
            c.schedule_id = schedule.id;
            c.account_id = schedule.account_id;
            c.target = target.target;
            c.colo = colo.colo.name;
            c.at_ms = change->at_ms;
            c.confirmed_at_ms = change->confirmed_at_ms;
            c.before = schedule::PathText(change->before);
            c.after = schedule::PathText(change->after);
            c.changed_ttls = change->changed_ttls;
            c.measurement_id = measurement_id;
            confirmed = c;
            return c;
          });
      // What the run saw, for /metrics.
      Series seen;
      const auto& latency = colo.target_summary.latency;
      seen.rtt_ms = latency.count > 0 ? latency.mean_ms : std::nan("");
      seen.hops = static_cast<int64_t>(path->hops.size());
      seen.loss = 1.0;
      if (path->reached && !colo.hops.empty()) {
        const model::Hop& last = colo.hops[path->hops.size() - 1];
        seen.loss = last.packets_sent > 0
                        ? static_cast<double>(last.packets_lost) / last.packets_sent
                        : 1.0;
      }
      std::lock_guard lock(mu_);
      if (!s) {
        ++counters_.judge_errors;
        net::Log(net::LogLevel::kError, "schedules", "a path not kept",
                 {{"schedule", schedule.id},
                  {"target", target.target},
                  {"colo", colo.colo.name},
                  {"error", s.error()}});
        continue;
      }
      auto key = std::make_tuple(schedule.id, target.target, colo.colo.name);
      auto it = series_.find(key);
      if (it == series_.end()) {
        if (series_.size() >= options_.max_series) {
          ++counters_.series_dropped;
        } else {
          it = series_.emplace(key, Series{}).first;
        }
      }
      if (it != series_.end()) {
        uint64_t changes = it->second.changes;
        it->second = seen;
        it->second.changes = changes + (confirmed ? 1 : 0);
      }
      if (!confirmed) continue;
      ++counters_.changes;
      if (webhooks_ != nullptr && !schedule.webhook_url.empty()) {
        webhooks_->Send(schedule.webhook_url, schedule.webhook_secret, confirmed->id,
                        ChangeJson(schedule, *confirmed));
      }
    }
  }
}

ScheduleCounters Schedules::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void Schedules::RenderMetrics(std::string& out) const {
  std::lock_guard lock(mu_);
  auto line = [&](const char* name, const std::tuple<std::string, std::string, std::string>& k,
                  double v) {
    char value[64];
    if (std::isnan(v)) {
      std::snprintf(value, sizeof value, "NaN");
    } else {
      std::snprintf(value, sizeof value, "%.6g", v);
    }
    out += std::string(name) + "{schedule=\"" + std::get<0>(k) + "\",target=\"" + std::get<1>(k) +
           "\",colo=\"" + std::get<2>(k) + "\"} " + value + "\n";
  };
  struct Family {
    const char* name;
    const char* type;
    const char* help;
    double Series::*field;
  };
  out += "# HELP colotrace_schedule_path_changes_total Confirmed path changes.\n";
  out += "# TYPE colotrace_schedule_path_changes_total counter\n";
  for (const auto& [k, s] : series_)
    line("colotrace_schedule_path_changes_total", k, static_cast<double>(s.changes));
  for (const Family& f :
       {Family{"colotrace_schedule_target_rtt_ms", "gauge",
               "Mean RTT to the target in the last run (NaN: no answer).", &Series::rtt_ms},
        Family{"colotrace_schedule_target_loss_ratio", "gauge",
               "Share of the probes at the target's TTL unanswered in the last run.",
               &Series::loss}}) {
    out +=
        std::string("# HELP ") + f.name + " " + f.help + "\n# TYPE " + f.name + " " + f.type + "\n";
    for (const auto& [k, s] : series_) line(f.name, k, s.*f.field);
  }
  out += "# HELP colotrace_schedule_hops Length of the path in the last run.\n";
  out += "# TYPE colotrace_schedule_hops gauge\n";
  for (const auto& [k, s] : series_)
    line("colotrace_schedule_hops", k, static_cast<double>(s.hops));
  out += "# HELP colotrace_schedule_runs_total Scheduled runs started here.\n";
  out += "# TYPE colotrace_schedule_runs_total counter\n";
  out += "colotrace_schedule_runs_total " + std::to_string(counters_.runs_started) + "\n";
  out +=
      "# HELP colotrace_schedule_runs_not_started_total Due runs that could not start (no colo, "
      "too many measurements).\n";
  out += "# TYPE colotrace_schedule_runs_not_started_total counter\n";
  out += "colotrace_schedule_runs_not_started_total " + std::to_string(counters_.runs_not_started) +
         "\n";
  out += "# HELP colotrace_schedule_run_lateness_seconds How late runs started after their time.\n";
  out += "# TYPE colotrace_schedule_run_lateness_seconds histogram\n";
  for (size_t i = 0; i < counters_.lateness_buckets_ms.size(); ++i) {
    char le[32];
    std::snprintf(le, sizeof le, "%g",
                  static_cast<double>(counters_.lateness_buckets_ms[i]) / 1000);
    out += "colotrace_schedule_run_lateness_seconds_bucket{le=\"" + std::string(le) + "\"} " +
           std::to_string(counters_.lateness_counts[i]) + "\n";
  }
  out += "colotrace_schedule_run_lateness_seconds_bucket{le=\"+Inf\"} " +
         std::to_string(counters_.runs_started) + "\n";
  out += "colotrace_schedule_run_lateness_seconds_count " + std::to_string(counters_.runs_started) +
         "\n";
}

}  // namespace colotrace::api
