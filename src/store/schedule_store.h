// Schedules, kept in the same database as measurements (measurement_store.h): what runs every
// interval, the path each (schedule, target, colo) last confirmed, and the path changes found.
// docs/api.md, "Schedules". Paths travel as text (schedule/path.h, PathText): the store does
// not read them.
//
// Threads: every method may be called from any thread at once; each blocks on the database.
// Errors are values.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/result.h"

namespace colotrace::store {

struct ScheduleRecord {
  std::string id;  // measurement_id.h's format
  std::string account_id;
  std::string name;
  // What each run runs: {"targets":[...],"colos":[...],"options":{...}}, as validated.
  std::string request_json;
  int64_t interval_s = 0;
  bool paused = false;
  std::string webhook_url;     // "" when none
  std::string webhook_secret;  // the HMAC key of webhook signatures
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  int64_t next_run_at_ms = 0;  // Unix ms; a paused schedule keeps it
  int64_t last_run_at_ms = 0;  // 0 before the first run
};

// A change to a schedule: the fields given are set.
struct ScheduleUpdate {
  std::optional<std::string> name;
  std::optional<int64_t> interval_s;
  std::optional<bool> paused;
  std::optional<std::string> webhook_url;
  std::optional<std::string> webhook_secret;
  std::optional<int64_t> next_run_at_ms;
  int64_t updated_at_ms = 0;
};

struct SchedulePage {
  std::vector<ScheduleRecord> items;  // newest first
  int64_t total_count = 0;
};

// The path state of one (schedule, target, colo): texts, "" for none.
struct PathStateRecord {
  std::string confirmed;
  std::string candidate;
  int64_t candidate_runs = 0;
  int64_t candidate_since_ms = 0;
};

struct PathChangeRecord {
  std::string id;
  std::string schedule_id;
  std::string account_id;
  std::string target;
  std::string colo;
  int64_t at_ms = 0;            // the first run on the new path
  int64_t confirmed_at_ms = 0;  // the run that confirmed it
  std::string before;           // path texts
  std::string after;
  std::vector<int> changed_ttls;
  std::string measurement_id;  // the run that confirmed it
};

struct ChangePage {
  std::vector<PathChangeRecord> items;  // newest first
  int64_t total_count = 0;
};

class ScheduleStore {
 public:
  virtual ~ScheduleStore() = default;

  virtual model::Status CreateSchedule(const ScheduleRecord& schedule) = 0;
  // nullopt when `account_id` has no schedule `id`.
  virtual model::Result<std::optional<ScheduleRecord>> GetSchedule(const std::string& account_id,
                                                                   const std::string& id) = 0;
  virtual model::Result<SchedulePage> ListSchedules(const std::string& account_id, int64_t page,
                                                    int64_t per_page) = 0;
  virtual model::Result<int64_t> CountSchedules(const std::string& account_id) = 0;
  // The schedule as changed; nullopt when there is none.
  virtual model::Result<std::optional<ScheduleRecord>> UpdateSchedule(
      const std::string& account_id, const std::string& id, const ScheduleUpdate& update) = 0;
  // Forgets the schedule, its paths and its changes (its measurements stay, as any). False when
  // there was none.
  virtual model::Result<bool> DeleteSchedule(const std::string& account_id,
                                             const std::string& id) = 0;

  // Claims at most `limit` schedules due at `now_ms` (not paused, next run at or before now):
  // in one transaction each moves to `next_run(schedule)` with its last run at `now_ms`, so that
  // of several servers on one database exactly one claims each due run (PostgreSQL: rows
  // locked, SKIP LOCKED). Returns them as they were before the claim, oldest due first.
  virtual model::Result<std::vector<ScheduleRecord>> ClaimDue(
      int64_t now_ms, size_t limit,
      const std::function<int64_t(const ScheduleRecord&)>& next_run) = 0;

  // When the earliest schedule not paused is due (Unix ms); nullopt when there is none.
  virtual model::Result<std::optional<int64_t>> NextDue() = 0;

  // Runs `decide` on the path state of (schedule, target, colo) (empty the first time) with its
  // row locked, then writes the state back and the change `decide` returns, if any, in the
  // same transaction. A schedule that no longer exists: nothing is written, `decide` is not
  // called.
  virtual model::Status UpdatePath(
      const std::string& schedule_id, const std::string& target, const std::string& colo,
      const std::function<std::optional<PathChangeRecord>(PathStateRecord&)>& decide) = 0;
  virtual model::Result<ChangePage> ListChanges(const std::string& account_id,
                                                const std::string& schedule_id, int64_t page,
                                                int64_t per_page) = 0;
};

}  // namespace colotrace::store
