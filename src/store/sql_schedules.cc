// ScheduleStore on the SQL store (sql_store.h): the same SQL on SQLite and PostgreSQL, rows
// locked where PostgreSQL needs it (SqlDialect::for_update*).
#include <algorithm>
#include <sstream>

#include "store/sql_store.h"

namespace colotrace::store {

using model::Result;
using model::Status;
using namespace sql_detail;

namespace {

constexpr const char* kScheduleColumns =
    "id, account_id, name, request_json, interval_s, paused, webhook_url, webhook_secret, "
    "created_at_ms, updated_at_ms, next_run_at_ms, last_run_at_ms";

ScheduleRecord ScheduleFromRow(const std::vector<std::optional<std::string>>& row) {
  ScheduleRecord s;
  s.id = row[0].value_or("");
  s.account_id = row[1].value_or("");
  s.name = row[2].value_or("");
  s.request_json = row[3].value_or("");
  s.interval_s = ToInt(row[4]);
  s.paused = ToInt(row[5]) != 0;
  s.webhook_url = row[6].value_or("");
  s.webhook_secret = row[7].value_or("");
  s.created_at_ms = ToInt(row[8]);
  s.updated_at_ms = ToInt(row[9]);
  s.next_run_at_ms = ToInt(row[10]);
  s.last_run_at_ms = ToInt(row[11]);
  return s;
}

std::string TtlsText(const std::vector<int>& ttls) {
  std::string out;
  for (int t : ttls) out += (out.empty() ? "" : ",") + std::to_string(t);
  return out;
}

std::vector<int> ParseTtls(const std::string& text) {
  std::vector<int> out;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) out.push_back(static_cast<int>(ToInt(part)));
  }
  return out;
}

}  // namespace

Status SqlMeasurementStore::CreateSchedule(const ScheduleRecord& s) {
  return InTransaction([&](SqlConnection& c) -> Status {
    auto r = c.Run(std::string("INSERT INTO schedules (") + kScheduleColumns +
                       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                   {s.id, s.account_id, s.name, s.request_json, s.interval_s,
                    int64_t{s.paused ? 1 : 0}, s.webhook_url, s.webhook_secret, s.created_at_ms,
                    s.updated_at_ms, s.next_run_at_ms, s.last_run_at_ms});
    return r ? Status::Ok() : Status::Error(r.error());
  });
}

Result<std::optional<ScheduleRecord>> SqlMeasurementStore::GetSchedule(
    const std::string& account_id, const std::string& id) {
  using R = Result<std::optional<ScheduleRecord>>;
  auto lease = Acquire();
  if (!lease) return R::Error(lease.error());
  auto rows = (*lease)->Run(std::string("SELECT ") + kScheduleColumns +
                                " FROM schedules WHERE id = $1 AND account_id = $2",
                            {id, account_id});
  if (!rows) return R::Error(rows.error());
  if (rows->rows.empty()) return std::optional<ScheduleRecord>();
  return std::optional<ScheduleRecord>(ScheduleFromRow(rows->rows[0]));
}

Result<SchedulePage> SqlMeasurementStore::ListSchedules(const std::string& account_id, int64_t page,
                                                        int64_t per_page) {
  using R = Result<SchedulePage>;
  auto lease = Acquire();
  if (!lease) return R::Error(lease.error());
  SchedulePage out;
  auto n = (*lease)->Run("SELECT COUNT(*) FROM schedules WHERE account_id = $1", {account_id});
  if (!n) return R::Error(n.error());
  out.total_count = n->rows.empty() ? 0 : ToInt(n->rows[0][0]);
  auto rows = (*lease)->Run(std::string("SELECT ") + kScheduleColumns +
                                " FROM schedules WHERE account_id = $1 ORDER BY created_at_ms "
                                "DESC, id DESC LIMIT $2 OFFSET $3",
                            {account_id, per_page, (page - 1) * per_page});
  if (!rows) return R::Error(rows.error());
  for (const auto& row : rows->rows) out.items.push_back(ScheduleFromRow(row));
  return out;
}

Result<int64_t> SqlMeasurementStore::CountSchedules(const std::string& account_id) {
  auto lease = Acquire();
  if (!lease) return Result<int64_t>::Error(lease.error());
  auto n = (*lease)->Run("SELECT COUNT(*) FROM schedules WHERE account_id = $1", {account_id});
  if (!n) return Result<int64_t>::Error(n.error());
  return n->rows.empty() ? int64_t{0} : ToInt(n->rows[0][0]);
}

Result<std::optional<ScheduleRecord>> SqlMeasurementStore::UpdateSchedule(
    const std::string& account_id, const std::string& id, const ScheduleUpdate& u) {
  using R = Result<std::optional<ScheduleRecord>>;
  std::optional<ScheduleRecord> updated;
  Status s = InTransaction([&](SqlConnection& c) -> Status {
    std::vector<SqlValue> params{id, account_id, u.updated_at_ms};
    std::string set = "updated_at_ms = $3";
    auto add = [&](const char* column, SqlValue v) {
      params.push_back(std::move(v));
      set += std::string(", ") + column + " = $" + std::to_string(params.size());
    };
    if (u.name) add("name", *u.name);
    if (u.interval_s) add("interval_s", *u.interval_s);
    if (u.paused) add("paused", int64_t{*u.paused ? 1 : 0});
    if (u.webhook_url) add("webhook_url", *u.webhook_url);
    if (u.webhook_secret) add("webhook_secret", *u.webhook_secret);
    if (u.next_run_at_ms) add("next_run_at_ms", *u.next_run_at_ms);
    auto r = c.Run("UPDATE schedules SET " + set + " WHERE id = $1 AND account_id = $2", params);
    if (!r) return Status::Error(r.error());
    if (r->changed == 0) return Status::Ok();
    auto rows = c.Run(std::string("SELECT ") + kScheduleColumns +
                          " FROM schedules WHERE id = $1 AND account_id = $2",
                      {id, account_id});
    if (!rows) return Status::Error(rows.error());
    if (!rows->rows.empty()) updated = ScheduleFromRow(rows->rows[0]);
    return Status::Ok();
  });
  if (!s) return R::Error(s.error());
  return updated;
}

Result<bool> SqlMeasurementStore::DeleteSchedule(const std::string& account_id,
                                                 const std::string& id) {
  bool found = false;
  Status s = InTransaction([&](SqlConnection& c) -> Status {
    auto r = c.Run("DELETE FROM schedules WHERE id = $1 AND account_id = $2", {id, account_id});
    if (!r) return Status::Error(r.error());
    found = r->changed > 0;
    if (!found) return Status::Ok();
    for (const char* sql : {"DELETE FROM schedule_paths WHERE schedule_id = $1",
                            "DELETE FROM path_changes WHERE schedule_id = $1"}) {
      if (auto d = c.Run(sql, {id}); !d) return Status::Error(d.error());
    }
    return Status::Ok();
  });
  if (!s) return Result<bool>::Error(s.error());
  return found;
}

Result<std::vector<ScheduleRecord>> SqlMeasurementStore::ClaimDue(
    int64_t now_ms, size_t limit, const std::function<int64_t(const ScheduleRecord&)>& next_run) {
  using R = Result<std::vector<ScheduleRecord>>;
  std::vector<ScheduleRecord> claimed;
  Status s = InTransaction([&](SqlConnection& c) -> Status {
    claimed.clear();
    auto rows = c.Run(std::string("SELECT ") + kScheduleColumns +
                          " FROM schedules WHERE paused = 0 AND next_run_at_ms <= $1 "
                          "ORDER BY next_run_at_ms LIMIT $2" +
                          dialect_.for_update_skip_locked,
                      {now_ms, static_cast<int64_t>(limit)});
    if (!rows) return Status::Error(rows.error());
    for (const auto& row : rows->rows) {
      ScheduleRecord schedule = ScheduleFromRow(row);
      auto r = c.Run("UPDATE schedules SET next_run_at_ms = $2, last_run_at_ms = $3 WHERE id = $1",
                     {schedule.id, next_run(schedule), now_ms});
      if (!r) return Status::Error(r.error());
      claimed.push_back(std::move(schedule));
    }
    return Status::Ok();
  });
  if (!s) return R::Error(s.error());
  return claimed;
}

Result<std::optional<int64_t>> SqlMeasurementStore::NextDue() {
  using R = Result<std::optional<int64_t>>;
  auto lease = Acquire();
  if (!lease) return R::Error(lease.error());
  auto rows = (*lease)->Run("SELECT MIN(next_run_at_ms) FROM schedules WHERE paused = 0", {});
  if (!rows) return R::Error(rows.error());
  if (rows->rows.empty() || !rows->rows[0][0]) return std::optional<int64_t>();
  return std::optional<int64_t>(ToInt(rows->rows[0][0]));
}

Status SqlMeasurementStore::UpdatePath(
    const std::string& schedule_id, const std::string& target, const std::string& colo,
    const std::function<std::optional<PathChangeRecord>(PathStateRecord&)>& decide) {
  return InTransaction([&](SqlConnection& c) -> Status {
    // A schedule deleted meanwhile keeps no path (and reports no change).
    auto exists = c.Run("SELECT 1 FROM schedules WHERE id = $1", {schedule_id});
    if (!exists) return Status::Error(exists.error());
    if (exists->rows.empty()) return Status::Ok();
    auto rows = c.Run(
        "SELECT confirmed, candidate, candidate_runs, candidate_since_ms FROM schedule_paths "
        "WHERE schedule_id = $1 AND target = $2 AND colo = $3" +
            dialect_.for_update,
        {schedule_id, target, colo});
    if (!rows) return Status::Error(rows.error());
    PathStateRecord state;
    if (!rows->rows.empty()) {
      const auto& row = rows->rows[0];
      state.confirmed = row[0].value_or("");
      state.candidate = row[1].value_or("");
      state.candidate_runs = ToInt(row[2]);
      state.candidate_since_ms = ToInt(row[3]);
    }
    std::optional<PathChangeRecord> change = decide(state);
    auto w = c.Run(
        "INSERT INTO schedule_paths (schedule_id, target, colo, confirmed, candidate, "
        "candidate_runs, candidate_since_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (schedule_id, target, colo) DO UPDATE SET confirmed = $4, candidate = $5, "
        "candidate_runs = $6, candidate_since_ms = $7",
        {schedule_id, target, colo, state.confirmed, state.candidate, state.candidate_runs,
         state.candidate_since_ms});
    if (!w) return Status::Error(w.error());
    if (!change) return Status::Ok();
    auto r = c.Run(
        "INSERT INTO path_changes (id, schedule_id, account_id, target, colo, at_ms, "
        "confirmed_at_ms, before_path, after_path, changed_ttls, measurement_id) VALUES ($1, $2, "
        "$3, $4, $5, $6, $7, $8, $9, $10, $11)",
        {change->id, schedule_id, change->account_id, target, colo, change->at_ms,
         change->confirmed_at_ms, change->before, change->after, TtlsText(change->changed_ttls),
         change->measurement_id});
    return r ? Status::Ok() : Status::Error(r.error());
  });
}

Result<ChangePage> SqlMeasurementStore::ListChanges(const std::string& account_id,
                                                    const std::string& schedule_id, int64_t page,
                                                    int64_t per_page) {
  using R = Result<ChangePage>;
  auto lease = Acquire();
  if (!lease) return R::Error(lease.error());
  ChangePage out;
  auto n =
      (*lease)->Run("SELECT COUNT(*) FROM path_changes WHERE schedule_id = $1 AND account_id = $2",
                    {schedule_id, account_id});
  if (!n) return R::Error(n.error());
  out.total_count = n->rows.empty() ? 0 : ToInt(n->rows[0][0]);
  auto rows = (*lease)->Run(
      "SELECT id, schedule_id, account_id, target, colo, at_ms, confirmed_at_ms, before_path, "
      "after_path, changed_ttls, measurement_id FROM path_changes WHERE schedule_id = $1 AND "
      "account_id = $2 ORDER BY at_ms DESC, id DESC LIMIT $3 OFFSET $4",
      {schedule_id, account_id, per_page, (page - 1) * per_page});
  if (!rows) return R::Error(rows.error());
  for (const auto& row : rows->rows) {
    PathChangeRecord ch;
    ch.id = row[0].value_or("");
    ch.schedule_id = row[1].value_or("");
    ch.account_id = row[2].value_or("");
    ch.target = row[3].value_or("");
    ch.colo = row[4].value_or("");
    ch.at_ms = ToInt(row[5]);
    ch.confirmed_at_ms = ToInt(row[6]);
    ch.before = row[7].value_or("");
    ch.after = row[8].value_or("");
    ch.changed_ttls = ParseTtls(row[9].value_or(""));
    ch.measurement_id = row[10].value_or("");
    out.items.push_back(std::move(ch));
  }
  return out;
}

}  // namespace colotrace::store
