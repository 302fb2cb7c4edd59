// Scheduled traceroutes (docs/api.md, "Schedules"): the runner that claims due schedules from
// the store and starts their runs, the judging of each run's paths (schedule/change_detector.h)
// with the changes it confirms, their webhooks, and the per-schedule metrics.
//
// Threads: one thread of its own ("ct-schedule") claims due runs when they are due; runs end on
// the colos' threads, which only queue them: another thread of its own ("ct-judge") judges
// their paths (blocking on the store). The destructor waits for the runs in progress. Everything
// else may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "api/request_parser.h"
#include "api/schedule_request.h"
#include "api/webhooks.h"
#include "model/json_writer.h"
#include "model/traceroute.h"
#include "store/schedule_store.h"

namespace colotrace::api {

struct SchedulesOptions {
  ScheduleRules rules;
  int confirm_runs = 2;             // consecutive runs that confirm a new path
  int64_t max_per_account = 1'000;  // schedules one account may have
  // The runner claims due runs when the earliest is due, at least `min_gap` after its last
  // claim (runs due within it start together) and at least every `max_tick` (another server
  // may have added schedules).
  std::chrono::milliseconds min_gap{25};
  std::chrono::milliseconds max_tick{1000};
  size_t claim_batch = 500;         // due runs claimed per transaction
  size_t max_series = 10'000;       // (schedule, target, colo) series exported in /metrics
  std::function<int64_t()> now_ms;  // Unix ms; default: the system clock
};

// What a run did, for /metrics and the benchmark.
struct ScheduleCounters {
  uint64_t runs_started = 0;
  uint64_t runs_not_started = 0;  // no colo, or too many measurements running
  uint64_t changes = 0;
  uint64_t judge_errors = 0;                 // a path that could not be written (the store failed)
  int64_t lateness_ms_max = 0;               // since start
  std::vector<int64_t> lateness_buckets_ms;  // upper bounds of lateness_counts
  std::vector<uint64_t> lateness_counts;     // runs started with lateness <= each bound
  uint64_t series_dropped = 0;               // series beyond max_series
};

class Schedules {
 public:
  using RunDone = std::function<void(const std::string& measurement_id,
                                     const std::vector<model::TargetResult>& results)>;
  // Starts a run of `schedule` (a measurement of its account with its id): `done` once when it
  // ends. False when it cannot start (no colo matches now, too many measurements running);
  // then `done` is never called.
  using StartRun = std::function<bool(const store::ScheduleRecord& schedule,
                                      const TracerouteRequest& request, RunDone done)>;

  // `store` must outlive this object; `webhooks` may be null (none are sent).
  Schedules(store::ScheduleStore& store, StartRun start, WebhookSender* webhooks,
            SchedulesOptions options);
  ~Schedules();
  Schedules(const Schedules&) = delete;
  Schedules& operator=(const Schedules&) = delete;

  // Starts the runner thread (not in the constructor: StartRun may need objects made later).
  void Start();
  // Drops the metric series of a deleted schedule.
  void Forget(const std::string& id);
  // Makes the runner look for due runs now (a schedule was created or resumed here).
  void Wake();

  const SchedulesOptions& options() const { return options_; }
  WebhookSender* webhooks() const { return webhooks_; }
  store::ScheduleStore& store() const { return store_; }
  int64_t Now() const { return options_.now_ms(); }
  // When `schedule` runs next after `after_ms` (schedule/timing.h).
  static int64_t NextRun(const store::ScheduleRecord& schedule, int64_t after_ms);

  // Judges the paths of a run of `schedule` started at `run_at_ms`: writes each (target, colo)
  // path state, records the changes it confirms, sends their webhooks, updates the metrics.
  // Public for tests; the runner calls it when a run ends.
  void Judge(const store::ScheduleRecord& schedule, int64_t run_at_ms,
             const std::string& measurement_id, const std::vector<model::TargetResult>& results);

  ScheduleCounters counters() const;
  // colotrace_schedule_* series for /metrics.
  void RenderMetrics(std::string& out) const;

 private:
  void Loop();
  void JudgeLoop();
  void StartOne(const store::ScheduleRecord& schedule, int64_t now_ms);

  struct Ended {  // a run to judge
    store::ScheduleRecord schedule;
    int64_t run_at_ms = 0;
    std::string measurement_id;
    std::vector<model::TargetResult> results;
  };

  store::ScheduleStore& store_;
  StartRun start_;
  WebhookSender* webhooks_;
  SchedulesOptions options_;

  struct Series {
    double rtt_ms = 0;     // mean RTT to the target in the last run (NaN: no answer)
    double loss = 0;       // share of the probes to the target's TTL that got no answer
    int64_t hops = 0;      // the path's length
    uint64_t changes = 0;  // confirmed path changes
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;  // stopping, or a run ended
  bool stop_ = false;
  bool wake_ = false;
  int in_flight_ = 0;  // runs started and not judged yet
  ScheduleCounters counters_;
  std::map<std::tuple<std::string, std::string, std::string>, Series> series_;
  std::thread thread_;
  std::deque<Ended> ended_;  // guarded by mu_
  bool judge_stop_ = false;
  std::condition_variable judge_cv_;  // a run ended, or stopping
  std::thread judge_thread_;
};

// A path as the API writes it: {"hops": [...], "reached": bool, "hash": "..."}, from its text.
void WritePathJson(model::JsonWriter& w, const std::string& path_text);
// A confirmed change as the API and the webhook write it (docs/api.md, "Schedules").
void WriteChangeJson(model::JsonWriter& w, const store::PathChangeRecord& c);

}  // namespace colotrace::api
