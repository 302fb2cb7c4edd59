#include "store/sql_store.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "store/measurement_id.h"

namespace colotrace::store {

namespace sql_detail {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int64_t ToInt(const std::optional<std::string>& text) {
  int64_t value = 0;
  if (text) std::from_chars(text->data(), text->data() + text->size(), value);
  return value;
}

std::string Placeholders(size_t first, size_t n, size_t step) {
  std::string out;
  for (size_t k = 0; k < n; ++k) {
    if (k > 0) out += ", ";
    out += "$" + std::to_string(first + k * step);
  }
  return out;
}

}  // namespace sql_detail

using namespace sql_detail;

namespace {

using model::Result;
using model::Status;

// The migrations, in order; never edit one that has shipped: add the next. Statements are
// separated by ";\n" and run in one transaction with the row in schema_migrations.
const char* const kMigrations[] = {
    // 1: measurements, their targets and colos (for the filters), per-account counters and
    // per-account counters of each target and colo (total_count without a scan), tombstones of
    // deleted measurements (a late write of a
    // running measurement must not bring it back).
    R"(CREATE TABLE measurements (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  finished_at_ms BIGINT,
  request_json TEXT NOT NULL,
  result_json TEXT NOT NULL
);
CREATE INDEX measurements_by_account ON measurements (account_id, created_at_ms DESC, id DESC);
CREATE INDEX measurements_by_status ON measurements (status, created_at_ms);
CREATE INDEX measurements_by_account_status ON measurements
  (account_id, status, created_at_ms DESC, id DESC);
CREATE TABLE measurement_targets (
  measurement_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  target TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (measurement_id, target)
);
CREATE INDEX measurement_targets_by_target ON measurement_targets
  (account_id, target, created_at_ms DESC, measurement_id DESC);
CREATE TABLE measurement_colos (
  measurement_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  colo TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (measurement_id, colo)
);
CREATE INDEX measurement_colos_by_colo ON measurement_colos
  (account_id, colo, created_at_ms DESC, measurement_id DESC);
CREATE TABLE account_counts (
  account_id TEXT NOT NULL,
  status TEXT NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (account_id, status)
);
CREATE TABLE filter_counts (
  account_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (account_id, kind, value)
);
CREATE TABLE deleted_measurements (
  id TEXT PRIMARY KEY,
  deleted_at_ms BIGINT NOT NULL
))",
    // 2: schedules (docs/api.md, "Schedules"): measurements name the schedule they are a run
    // of; the schedules, the path state of each (schedule, target, colo), the changes found.
    R"(ALTER TABLE measurements ADD COLUMN schedule_id TEXT;
CREATE INDEX measurements_by_schedule ON measurements
  (account_id, schedule_id, created_at_ms DESC, id DESC);
CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  request_json TEXT NOT NULL,
  interval_s BIGINT NOT NULL,
  paused BIGINT NOT NULL,
  webhook_url TEXT NOT NULL,
  webhook_secret TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  next_run_at_ms BIGINT NOT NULL,
  last_run_at_ms BIGINT NOT NULL
);
CREATE INDEX schedules_due ON schedules (paused, next_run_at_ms);
CREATE INDEX schedules_by_account ON schedules (account_id, created_at_ms DESC, id DESC);
CREATE TABLE schedule_paths (
  schedule_id TEXT NOT NULL,
  target TEXT NOT NULL,
  colo TEXT NOT NULL,
  confirmed TEXT NOT NULL,
  candidate TEXT NOT NULL,
  candidate_runs BIGINT NOT NULL,
  candidate_since_ms BIGINT NOT NULL,
  PRIMARY KEY (schedule_id, target, colo)
);
CREATE TABLE path_changes (
  id TEXT PRIMARY KEY,
  schedule_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  target TEXT NOT NULL,
  colo TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  confirmed_at_ms BIGINT NOT NULL,
  before_path TEXT NOT NULL,
  after_path TEXT NOT NULL,
  changed_ttls TEXT NOT NULL,
  measurement_id TEXT NOT NULL
);
CREATE INDEX path_changes_by_schedule ON path_changes (schedule_id, at_ms DESC, id DESC))",
};

// Measurements removed per transaction (at most kRowsPerStatement).
constexpr int kPruneBatch = 500;
// Rows per multi-row statement: 8 columns x 500 stays far under SQLite's 32,766 parameters.
constexpr size_t kRowsPerStatement = 500;

std::vector<std::string> SplitStatements(std::string_view script) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < script.size()) {
    size_t end = script.find(";\n", start);
    if (end == std::string_view::npos) end = script.size();
    std::string statement(script.substr(start, end - start));
    if (statement.find_first_not_of(" \n") != std::string::npos) out.push_back(statement);
    start = end + 2;
  }
  return out;
}

// Adds `delta` to the counter of (account, status).
Status Count(SqlConnection& c, const std::string& account, std::string_view status, int64_t delta) {
  auto r = c.Run(
      "INSERT INTO account_counts (account_id, status, count) VALUES ($1, $2, $3) "
      "ON CONFLICT (account_id, status) DO UPDATE SET count = account_counts.count + $3",
      {account, std::string(status), delta});
  return r ? Status::Ok() : Status::Error(r.error());
}

// Adds `delta` to the counter of (account, kind, value); kind is "target" or "colo".
Status FilterCount(SqlConnection& c, const std::string& account, std::string_view kind,
                   const std::string& value, int64_t delta) {
  auto r = c.Run(
      "INSERT INTO filter_counts (account_id, kind, value, count) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (account_id, kind, value) DO UPDATE SET count = filter_counts.count + $4",
      {account, std::string(kind), value, delta});
  return r ? Status::Ok() : Status::Error(r.error());
}

// Removes the measurements `ids` (at most kRowsPerStatement) with their targets and colos,
// and takes them off every counter.
Status RemoveMeasurements(SqlConnection& c, const std::vector<std::string>& ids) {
  if (ids.empty()) return Status::Ok();
  std::vector<SqlValue> params(ids.begin(), ids.end());
  std::string in = "(" + Placeholders(1, ids.size(), 1) + ")";
  auto by_status = c.Run("SELECT account_id, status, COUNT(*) FROM measurements WHERE id IN " + in +
                             " GROUP BY account_id, status",
                         params);
  if (!by_status) return Status::Error(by_status.error());
  for (const auto& row : by_status->rows) {
    if (auto s = Count(c, row[0].value_or(""), row[1].value_or(""), -ToInt(row[2])); !s) return s;
  }
  for (const std::string kind : {"target", "colo"}) {
    std::string table = "measurement_" + kind + "s";
    auto by_value = c.Run("SELECT account_id, " + kind + ", COUNT(*) FROM " + table +
                              " WHERE measurement_id IN " + in + " GROUP BY account_id, " + kind,
                          params);
    if (!by_value) return Status::Error(by_value.error());
    for (const auto& row : by_value->rows) {
      auto s = FilterCount(c, row[0].value_or(""), kind, row[1].value_or(""), -ToInt(row[2]));
      if (!s) return s;
    }
    if (auto r = c.Run("DELETE FROM " + table + " WHERE measurement_id IN " + in, params); !r) {
      return Status::Error(r.error());
    }
  }
  auto r = c.Run("DELETE FROM measurements WHERE id IN " + in, params);
  return r ? Status::Ok() : Status::Error(r.error());
}

MeasurementRecord FromRow(const std::vector<std::optional<std::string>>& row, bool with_result) {
  // id, account_id, status, created_at_ms, finished_at_ms, request_json, schedule_id
  // [, result_json]
  MeasurementRecord m;
  m.id = row[0].value_or("");
  m.account_id = row[1].value_or("");
  m.status = ParseStatus(row[2].value_or("")).value_or(MeasurementStatus::kRunning);
  m.created_at_ms = ToInt(row[3]);
  m.finished_at_ms = ToInt(row[4]);
  m.request_json = row[5].value_or("");
  m.schedule_id = row[6].value_or("");
  if (with_result) m.result_json = row[7].value_or("");
  return m;
}

}  // namespace

std::string_view StatusName(MeasurementStatus status) {
  return status == MeasurementStatus::kFinished ? "finished" : "running";
}

std::optional<MeasurementStatus> ParseStatus(std::string_view name) {
  if (name == "running") return MeasurementStatus::kRunning;
  if (name == "finished") return MeasurementStatus::kFinished;
  return std::nullopt;
}

int SchemaVersion() {
  return static_cast<int>(std::size(kMigrations));
}

SqlMeasurementStore::SqlMeasurementStore(ConnectFn connect, SqlDialect dialect,
                                         std::string description, size_t max_connections)
    : connect_(std::move(connect)),
      dialect_(std::move(dialect)),
      description_(std::move(description)),
      max_connections_(std::max<size_t>(1, max_connections)) {}

Result<std::unique_ptr<MeasurementStore>> SqlMeasurementStore::Open(ConnectFn connect,
                                                                    SqlDialect dialect,
                                                                    std::string description,
                                                                    size_t max_connections) {
  using R = Result<std::unique_ptr<MeasurementStore>>;
  std::unique_ptr<SqlMeasurementStore> store(new SqlMeasurementStore(
      std::move(connect), std::move(dialect), std::move(description), max_connections));
  if (auto s = store->Migrate(); !s) return R::Error(s.error());
  return std::unique_ptr<MeasurementStore>(std::move(store));
}

Result<SqlMeasurementStore::Lease> SqlMeasurementStore::Acquire() {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_connections_; });
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(c));
    }
    ++open_;
  }
  auto c = connect_();
  if (!c) {
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    cv_.notify_one();
    return Result<Lease>::Error(c.error());
  }
  return Lease(this, std::move(*c));
}

void SqlMeasurementStore::Release(std::unique_ptr<SqlConnection> connection) {
  {
    std::lock_guard lock(mu_);
    if (connection->healthy()) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;  // broken: dropped, a new one is made when needed
    }
  }
  cv_.notify_one();
}

Status SqlMeasurementStore::InTransaction(const std::function<Status(SqlConnection&)>& fn) {
  auto lease = Acquire();
  if (!lease) return Status::Error(lease.error());
  SqlConnection& c = **lease;
  if (auto s = c.Script(dialect_.begin_write); !s) return s;
  Status s = fn(c);
  if (s) s = c.Script("COMMIT");
  if (!s) (void)c.Script("ROLLBACK");
  return s;
}

Status SqlMeasurementStore::Migrate() {
  return InTransaction([&](SqlConnection& c) -> Status {
    if (!dialect_.lock_migrations.empty()) {
      if (auto s = c.Script(dialect_.lock_migrations); !s) return s;
    }
    if (auto s = c.Script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
                          "PRIMARY KEY, applied_at_ms BIGINT NOT NULL)");
        !s) {
      return s;
    }
    auto current = c.Run("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
    if (!current) return Status::Error(current.error());
    int64_t have = current->rows.empty() ? 0 : ToInt(current->rows[0][0]);
    if (have > SchemaVersion()) {
      return Status::Error("the database has schema version " + std::to_string(have) +
                           "; this colotrace knows up to " + std::to_string(SchemaVersion()));
    }
    for (int64_t v = have + 1; v <= SchemaVersion(); ++v) {
      for (const auto& statement : SplitStatements(kMigrations[v - 1])) {
        if (auto s = c.Script(statement); !s) {
          return Status::Error("schema migration " + std::to_string(v) + ": " + s.error());
        }
      }
      auto r = c.Run("INSERT INTO schema_migrations (version, applied_at_ms) VALUES ($1, $2)",
                     {v, NowMs()});
      if (!r) return Status::Error(r.error());
    }
    return Status::Ok();
  });
}

namespace {

// Appends one row's values.
template <typename... Values>
void Append(std::vector<SqlValue>& row_values, Values&&... values) {
  (row_values.emplace_back(std::forward<Values>(values)), ...);
}

// NULL while running.
SqlValue FinishedAt(const MeasurementRecord& m) {
  if (m.finished_at_ms > 0) return SqlValue(m.finished_at_ms);
  return SqlValue();
}

// Writes a chunk of distinct measurements (Put's rules) in the transaction of `c`.
Status PutChunk(SqlConnection& c, const std::vector<const MeasurementRecord*>& chunk) {
  // What the database has of these ids: deleted ones, and the status of stored ones.
  std::vector<SqlValue> ids;
  for (const auto* m : chunk) ids.emplace_back(m->id);
  std::string in = "(" + Placeholders(1, ids.size(), 1) + ")";
  auto deleted = c.Run("SELECT id FROM deleted_measurements WHERE id IN " + in, ids);
  if (!deleted) return Status::Error(deleted.error());
  std::set<std::string> gone;
  for (const auto& row : deleted->rows) gone.insert(row[0].value_or(""));
  auto stored = c.Run("SELECT id, status FROM measurements WHERE id IN " + in, ids);
  if (!stored) return Status::Error(stored.error());
  std::map<std::string, std::string> status_of;
  for (const auto& row : stored->rows) status_of[row[0].value_or("")] = row[1].value_or("");

  std::vector<SqlValue> insert_rows, target_rows, colo_rows;
  size_t inserts = 0, targets = 0, colos = 0;
  std::map<std::pair<std::string, std::string>, int64_t> counts;  // (account, status): delta
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> filter_counts;
  for (const auto* m : chunk) {
    if (gone.count(m->id) != 0) continue;  // deleted: never brought back
    std::string status(StatusName(m->status));
    auto before = status_of.find(m->id);
    if (before == status_of.end()) {
      Append(insert_rows, m->id, m->account_id, status, m->created_at_ms, FinishedAt(*m),
             m->request_json, m->result_json,
             m->schedule_id.empty() ? SqlValue() : SqlValue(m->schedule_id));
      ++inserts;
      // Targets are the request's, known from the first snapshot on; so are colos, mostly.
      std::set<std::string> lower_targets, lower_colos;
      for (const auto& t : m->targets) lower_targets.insert(Lower(t));
      for (const auto& colo : m->colos) lower_colos.insert(Lower(colo));
      for (const auto& t : lower_targets) {
        Append(target_rows, m->id, m->account_id, t, m->created_at_ms);
        ++targets;
        ++filter_counts[{m->account_id, "target", t}];
      }
      for (const auto& colo : lower_colos) {
        Append(colo_rows, m->id, m->account_id, colo, m->created_at_ms);
        ++colos;
        ++filter_counts[{m->account_id, "colo", colo}];
      }
      ++counts[{m->account_id, status}];
    } else {
      if (before->second == "finished") continue;  // final already: a late or repeated write
      auto r = c.Run(
          "UPDATE measurements SET status = $2, finished_at_ms = $3, result_json = $4 "
          "WHERE id = $1",
          {m->id, status, FinishedAt(*m), m->result_json});
      if (!r) return Status::Error(r.error());
      if (status != before->second) {
        --counts[{m->account_id, before->second}];
        ++counts[{m->account_id, status}];
        // The final snapshot may name colos the first did not have.
        std::set<std::string> lower_colos;
        for (const auto& colo : m->colos) lower_colos.insert(Lower(colo));
        for (const auto& colo : lower_colos) {
          auto added = c.Run(
              "INSERT INTO measurement_colos (measurement_id, account_id, colo, created_at_ms) "
              "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
              {m->id, m->account_id, colo, m->created_at_ms});
          if (!added) return Status::Error(added.error());
          if (added->changed > 0) ++filter_counts[{m->account_id, "colo", colo}];
        }
      }
    }
  }
  struct Insert {
    const char* head;
    const char* tail;
    size_t rows;
    size_t columns;
    const std::vector<SqlValue>* values;
  };
  for (const Insert& ins : {
           Insert{"INSERT INTO measurements (id, account_id, status, created_at_ms, "
                  "finished_at_ms, request_json, result_json, schedule_id) VALUES ",
                  "", inserts, 8, &insert_rows},
           Insert{"INSERT INTO measurement_targets (measurement_id, account_id, target, "
                  "created_at_ms) VALUES ",
                  " ON CONFLICT DO NOTHING", targets, 4, &target_rows},
           Insert{"INSERT INTO measurement_colos (measurement_id, account_id, colo, "
                  "created_at_ms) VALUES ",
                  " ON CONFLICT DO NOTHING", colos, 4, &colo_rows},
       }) {
    // At most kRowsPerStatement rows per statement: parameters stay under SQLite's limit.
    for (size_t first = 0; first < ins.rows; first += kRowsPerStatement) {
      size_t n = std::min(kRowsPerStatement, ins.rows - first);
      std::string sql = ins.head;
      for (size_t r = 0; r < n; ++r) {
        sql += (r == 0 ? "(" : ", (") + Placeholders(r * ins.columns + 1, ins.columns, 1) + ")";
      }
      sql += ins.tail;
      std::vector<SqlValue> values(
          ins.values->begin() + static_cast<long>(first * ins.columns),
          ins.values->begin() + static_cast<long>((first + n) * ins.columns));
      auto r = c.Run(sql, values);
      if (!r) return Status::Error(r.error());
    }
  }
  for (const auto& [key, delta] : counts) {
    if (delta == 0) continue;
    if (auto s = Count(c, key.first, key.second, delta); !s) return s;
  }
  for (const auto& [key, delta] : filter_counts) {
    const auto& [account, kind, value] = key;
    if (auto s = FilterCount(c, account, kind, value, delta); !s) return s;
  }
  return Status::Ok();
}

}  // namespace

Status SqlMeasurementStore::Put(const std::vector<MeasurementRecord>& records) {
  if (records.empty()) return Status::Ok();
  // One snapshot per id: the last one given, unless that would turn a finished one back.
  std::map<std::string, const MeasurementRecord*> newest;
  for (const MeasurementRecord& m : records) {
    auto [it, added] = newest.emplace(m.id, &m);
    if (!added && !(it->second->status == MeasurementStatus::kFinished &&
                    m.status == MeasurementStatus::kRunning)) {
      it->second = &m;
    }
  }
  std::vector<const MeasurementRecord*> batch;
  for (const auto& [id, m] : newest) batch.push_back(m);
  return InTransaction([&](SqlConnection& c) -> Status {
    for (size_t at = 0; at < batch.size(); at += kRowsPerStatement) {
      size_t end = std::min(batch.size(), at + kRowsPerStatement);
      std::vector<const MeasurementRecord*> chunk(batch.begin() + static_cast<long>(at),
                                                  batch.begin() + static_cast<long>(end));
      if (auto s = PutChunk(c, chunk); !s) return s;
    }
    return Status::Ok();
  });
}

Result<std::optional<MeasurementRecord>> SqlMeasurementStore::Get(const std::string& account_id,
                                                                  const std::string& id) {
  using R = Result<std::optional<MeasurementRecord>>;
  auto lease = Acquire();
  if (!lease) return R::Error(lease.error());
  auto rows = (*lease)->Run(
      "SELECT id, account_id, status, created_at_ms, finished_at_ms, request_json, "
      "COALESCE(schedule_id, ''), result_json "
      "FROM measurements WHERE id = $1 AND account_id = $2",
      {id, account_id});
  if (!rows) return R::Error(rows.error());
  if (rows->rows.empty()) return std::optional<MeasurementRecord>();
  MeasurementRecord m = FromRow(rows->rows[0], true);
  auto targets = (*lease)->Run(
      "SELECT target FROM measurement_targets WHERE measurement_id = $1 ORDER BY target", {id});
  if (!targets) return R::Error(targets.error());
  for (const auto& row : targets->rows) m.targets.push_back(row[0].value_or(""));
  auto colos = (*lease)->Run(
      "SELECT colo FROM measurement_colos WHERE measurement_id = $1 ORDER BY colo", {id});
  if (!colos) return R::Error(colos.error());
  for (const auto& row : colos->rows) m.colos.push_back(row[0].value_or(""));
  return std::optional<MeasurementRecord>(std::move(m));
}

Result<ListPage> SqlMeasurementStore::List(const ListQuery& q) {
  using R = Result<ListPage>;
  // Driven by the narrowest index there is for the filters (the targets' or the colos' table
  // when one of them filters, else the measurements' own), which alone decides the count and
  // the page's ids: the measurement rows are read for the page only.
  std::vector<SqlValue> params{q.account_id};
  auto param = [&](SqlValue v) {
    params.push_back(std::move(v));
    return "$" + std::to_string(params.size());
  };
  std::string from;
  std::string where = "x.account_id = $1";
  std::string id_column = "x.measurement_id";
  if (q.target) {
    from = "measurement_targets x";
    where += " AND x.target = " + param(Lower(*q.target));
    if (q.colo) {
      where +=
          " AND EXISTS (SELECT 1 FROM measurement_colos c WHERE c.measurement_id = "
          "x.measurement_id AND c.colo = " +
          param(Lower(*q.colo)) + ")";
    }
  } else if (q.colo) {
    from = "measurement_colos x";
    where += " AND x.colo = " + param(Lower(*q.colo));
  } else {
    from = "measurements x";
    id_column = "x.id";
  }
  if (q.since_ms) where += " AND x.created_at_ms >= " + param(*q.since_ms);
  if (q.until_ms) where += " AND x.created_at_ms < " + param(*q.until_ms);
  // Status and schedule are the measurement row's: joined when another table drives.
  std::string row_alias = q.target || q.colo ? "s" : "x";
  if ((q.status || q.schedule_id) && (q.target || q.colo)) {
    from += " JOIN measurements s ON s.id = x.measurement_id";
  }
  if (q.status)
    where += " AND " + row_alias + ".status = " + param(std::string(StatusName(*q.status)));
  if (q.schedule_id) where += " AND " + row_alias + ".schedule_id = " + param(*q.schedule_id);
  size_t filter_params = params.size();

  auto lease = Acquire();
  if (!lease) return R::Error(lease.error());
  ListPage page;
  bool counted_by_account = !q.target && !q.colo && !q.since_ms && !q.until_ms && !q.schedule_id;
  bool counted_by_filter = q.target.has_value() != q.colo.has_value() && !q.since_ms &&
                           !q.until_ms && !q.status && !q.schedule_id;
  if (counted_by_filter) {
    auto n = (*lease)->Run(
        "SELECT COALESCE(SUM(count), 0) FROM filter_counts WHERE account_id = $1 AND kind = $2 "
        "AND value = $3",
        {q.account_id, std::string(q.target ? "target" : "colo"),
         Lower(q.target ? *q.target : *q.colo)});
    if (!n) return R::Error(n.error());
    page.total_count = n->rows.empty() ? 0 : ToInt(n->rows[0][0]);
  } else if (counted_by_account) {
    std::string sql = "SELECT COALESCE(SUM(count), 0) FROM account_counts WHERE account_id = $1";
    std::vector<SqlValue> count_params{q.account_id};
    if (q.status) {
      sql += " AND status = $2";
      count_params.emplace_back(std::string(StatusName(*q.status)));
    }
    auto n = (*lease)->Run(sql, count_params);
    if (!n) return R::Error(n.error());
    page.total_count = n->rows.empty() ? 0 : ToInt(n->rows[0][0]);
  } else {
    auto n = (*lease)->Run("SELECT COUNT(*) FROM " + from + " WHERE " + where, params);
    if (!n) return R::Error(n.error());
    page.total_count = n->rows.empty() ? 0 : ToInt(n->rows[0][0]);
  }
  params.resize(filter_params);
  std::string limit = param(q.per_page);
  std::string offset = param((q.page - 1) * q.per_page);
  auto rows = (*lease)->Run(
      "SELECT m.id, m.account_id, m.status, m.created_at_ms, m.finished_at_ms, m.request_json, "
      "COALESCE(m.schedule_id, '') "
      "FROM (SELECT " +
          id_column + " AS id, x.created_at_ms AS t FROM " + from + " WHERE " + where +
          " ORDER BY x.created_at_ms DESC, " + id_column + " DESC LIMIT " + limit + " OFFSET " +
          offset + ") p JOIN measurements m ON m.id = p.id ORDER BY p.t DESC, p.id DESC",
      params);
  if (!rows) return R::Error(rows.error());
  for (const auto& row : rows->rows) page.items.push_back(FromRow(row, false));
  return page;
}

Result<bool> SqlMeasurementStore::Delete(const std::string& account_id, const std::string& id) {
  bool found = false;
  Status s = InTransaction([&](SqlConnection& c) -> Status {
    auto previous = c.Run("SELECT status FROM measurements WHERE id = $1 AND account_id = $2",
                          {id, account_id});
    if (!previous) return Status::Error(previous.error());
    if (previous->rows.empty()) return Status::Ok();
    found = true;
    if (auto s2 = RemoveMeasurements(c, {id}); !s2) return s2;
    auto t = c.Run(
        "INSERT INTO deleted_measurements (id, deleted_at_ms) VALUES ($1, $2) "
        "ON CONFLICT DO NOTHING",
        {id, NowMs()});
    return t ? Status::Ok() : Status::Error(t.error());
  });
  if (!s) return Result<bool>::Error(s.error());
  return found;
}

Result<int64_t> SqlMeasurementStore::Prune(int64_t created_before_ms, int64_t abandoned_before_ms) {
  int64_t removed = 0;
  // In batches, so that pruning a large history never holds one long transaction.
  for (;;) {
    int64_t batch = 0;
    Status s = InTransaction([&](SqlConnection& c) -> Status {
      auto old = c.Run("SELECT id FROM measurements WHERE created_at_ms < $1 LIMIT $2",
                       {created_before_ms, int64_t{kPruneBatch}});
      if (!old) return Status::Error(old.error());
      std::vector<std::string> ids;
      for (const auto& row : old->rows) ids.push_back(row[0].value_or(""));
      batch = static_cast<int64_t>(ids.size());
      return RemoveMeasurements(c, ids);
    });
    if (!s) return Result<int64_t>::Error(s.error());
    removed += batch;
    if (batch < kPruneBatch) break;
  }
  Status s = InTransaction([&](SqlConnection& c) -> Status {
    auto gone =
        c.Run("DELETE FROM deleted_measurements WHERE deleted_at_ms < $1", {created_before_ms});
    if (!gone) return Status::Error(gone.error());
    auto unused = c.Run("DELETE FROM filter_counts WHERE count = 0", {});
    if (!unused) return Status::Error(unused.error());
    auto changes = c.Run("DELETE FROM path_changes WHERE at_ms < $1", {created_before_ms});
    if (!changes) return Status::Error(changes.error());
    // Running measurements whose server never finished them.
    auto abandoned = c.Run(
        "SELECT id, account_id FROM measurements WHERE status = 'running' AND created_at_ms < $1",
        {abandoned_before_ms});
    if (!abandoned) return Status::Error(abandoned.error());
    for (const auto& row : abandoned->rows) {
      auto r =
          c.Run("UPDATE measurements SET status = 'finished', finished_at_ms = $2 WHERE id = $1",
                {row[0].value_or(""), NowMs()});
      if (!r) return Status::Error(r.error());
      if (auto s2 = Count(c, row[1].value_or(""), "running", -1); !s2) return s2;
      if (auto s2 = Count(c, row[1].value_or(""), "finished", 1); !s2) return s2;
    }
    return Status::Ok();
  });
  if (!s) return Result<int64_t>::Error(s.error());
  return removed;
}

Result<std::unique_ptr<MeasurementStore>> OpenStore(const std::string& location) {
  if (location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0) {
    return OpenPostgresStore(location);
  }
  std::string path = location.rfind("sqlite:", 0) == 0 ? location.substr(7) : location;
  return OpenSqliteStore(path);
}

}  // namespace colotrace::store
