// Stored measurements: every traceroute the API runs, with its request and its (partial, then
// final) result, kept for `retention_days`. One small interface, two implementations with the
// same schema and versioned migrations: SQLite (embedded, the default of `colotrace serve`) and
// PostgreSQL (several API servers sharing one history). docs/api.md, "Measurements".
//
// Threads: every method may be called from any thread at once. Methods block on the database
// (never call them on a request's path: StoreWriter writes in the background, readers run on a
// pool of their own). Errors are values: the database is down, full, or refuses.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/result.h"
#include "store/schedule_store.h"

namespace colotrace::store {

enum class MeasurementStatus { kRunning, kFinished };
std::string_view StatusName(MeasurementStatus status);  // "running", "finished"
std::optional<MeasurementStatus> ParseStatus(std::string_view name);

struct MeasurementRecord {
  std::string id;  // measurement_id.h
  std::string account_id;
  MeasurementStatus status = MeasurementStatus::kRunning;
  int64_t created_at_ms = 0;   // Unix time
  int64_t finished_at_ms = 0;  // 0 while running
  std::string request_json;    // the request as it runs (targets, colos, options)
  std::string result_json;     // the Cloudflare result array so far
  // The requested targets: what the `target` filter matches (read back in lower case, sorted).
  std::vector<std::string> targets;
  std::vector<std::string> colos;  // the colos of the result: what `colo` matches
  std::string schedule_id;         // the schedule it is a run of; "" for none
};

// A page of history, newest first. Filters are ANDed; absent ones match everything.
struct ListQuery {
  std::string account_id;
  std::optional<std::string> target;  // one of the requested targets (case-insensitive)
  std::optional<std::string> colo;    // one of the result's colos (case-insensitive)
  std::optional<int64_t> since_ms;    // created at or after
  std::optional<int64_t> until_ms;    // created before
  std::optional<MeasurementStatus> status;
  std::optional<std::string> schedule_id;  // runs of this schedule only
  int64_t page = 1;                        // 1-based
  int64_t per_page = 20;
};

struct ListPage {
  std::vector<MeasurementRecord> items;  // without result_json (GET one for it)
  int64_t total_count = 0;               // every match, all pages
};

class MeasurementStore {
 public:
  virtual ~MeasurementStore() = default;

  // Inserts or updates each record by id, all in one transaction. A finished measurement is
  // never turned back into a running one (a late snapshot is ignored), and a deleted one is
  // not brought back. Idempotent: writing the same record again changes nothing.
  virtual model::Status Put(const std::vector<MeasurementRecord>& records) = 0;
  // The measurement `id` of `account_id`; nullopt when there is none (or it is another
  // account's, or deleted).
  virtual model::Result<std::optional<MeasurementRecord>> Get(const std::string& account_id,
                                                              const std::string& id) = 0;
  virtual model::Result<ListPage> List(const ListQuery& query) = 0;
  // Forgets it; false when there was none for that account.
  virtual model::Result<bool> Delete(const std::string& account_id, const std::string& id) = 0;
  // Removes every measurement created before `created_before_ms`, and marks running ones
  // created before `abandoned_before_ms` finished (their server died). Returns how many were
  // removed.
  virtual model::Result<int64_t> Prune(int64_t created_before_ms, int64_t abandoned_before_ms) = 0;
  // "sqlite:/var/lib/colotrace/colotrace.db", "postgresql://host/db" (no password).
  virtual std::string Describe() const = 0;
  // The schedules kept in the same database; lives as long as this store.
  virtual ScheduleStore& schedules() = 0;
};

// Opens (creating it if needed) the SQLite database at `path` in WAL mode and applies the
// schema migrations it lacks.
model::Result<std::unique_ptr<MeasurementStore>> OpenSqliteStore(const std::string& path);
// Connects to PostgreSQL (`postgresql://...` or a libpq key=value string; libpq is loaded when
// first used) and applies the migrations it lacks, one server at a time.
model::Result<std::unique_ptr<MeasurementStore>> OpenPostgresStore(const std::string& conninfo);
// "postgresql://..." or "postgres://..." opens PostgreSQL, anything else is a SQLite path
// (an optional "sqlite:" prefix is dropped).
model::Result<std::unique_ptr<MeasurementStore>> OpenStore(const std::string& location);

}  // namespace colotrace::store
