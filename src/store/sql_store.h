// Internal to the store module: MeasurementStore on any SqlConnection. The schema, its
// migrations, the upserts, filters, counters and pruning are written once here, in the SQL both
// databases speak; the implementations differ only in their connection and dialect.
//
// Threads: as MeasurementStore. Connections come from a pool (one per concurrent call, created
// on demand up to `max_connections`, replaced when broken).
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/measurement_store.h"
#include "store/schedule_store.h"
#include "store/sql_connection.h"

namespace colotrace::store {

using ConnectFn = std::function<model::Result<std::unique_ptr<SqlConnection>>()>;

// Small helpers of the SQL written here (sql_store.cc, sql_schedules.cc).
namespace sql_detail {
int64_t NowMs();                                        // Unix ms
std::string Lower(std::string s);                       // ASCII lower case
int64_t ToInt(const std::optional<std::string>& text);  // 0 for NULL or not a number
// "$first, $first+step, ..." for `n` parameters.
std::string Placeholders(size_t first, size_t n, size_t step);
}  // namespace sql_detail

class SqlMeasurementStore final : public MeasurementStore, public ScheduleStore {
 public:
  // Connects once and applies the migrations the database lacks (errors: cannot connect, a
  // migration failed, the database was written by a newer colotrace).
  static model::Result<std::unique_ptr<MeasurementStore>> Open(ConnectFn connect,
                                                               SqlDialect dialect,
                                                               std::string description,
                                                               size_t max_connections);

  model::Status Put(const std::vector<MeasurementRecord>& records) override;
  model::Result<std::optional<MeasurementRecord>> Get(const std::string& account_id,
                                                      const std::string& id) override;
  model::Result<ListPage> List(const ListQuery& query) override;
  model::Result<bool> Delete(const std::string& account_id, const std::string& id) override;
  model::Result<int64_t> Prune(int64_t created_before_ms, int64_t abandoned_before_ms) override;
  std::string Describe() const override { return description_; }
  ScheduleStore& schedules() override { return *this; }

  // ScheduleStore (sql_schedules.cc).
  model::Status CreateSchedule(const ScheduleRecord& schedule) override;
  model::Result<std::optional<ScheduleRecord>> GetSchedule(const std::string& account_id,
                                                           const std::string& id) override;
  model::Result<SchedulePage> ListSchedules(const std::string& account_id, int64_t page,
                                            int64_t per_page) override;
  model::Result<int64_t> CountSchedules(const std::string& account_id) override;
  model::Result<std::optional<ScheduleRecord>> UpdateSchedule(
      const std::string& account_id, const std::string& id, const ScheduleUpdate& update) override;
  model::Result<bool> DeleteSchedule(const std::string& account_id, const std::string& id) override;
  model::Result<std::vector<ScheduleRecord>> ClaimDue(
      int64_t now_ms, size_t limit,
      const std::function<int64_t(const ScheduleRecord&)>& next_run) override;
  model::Result<std::optional<int64_t>> NextDue() override;
  model::Status UpdatePath(
      const std::string& schedule_id, const std::string& target, const std::string& colo,
      const std::function<std::optional<PathChangeRecord>(PathStateRecord&)>& decide) override;
  model::Result<ChangePage> ListChanges(const std::string& account_id,
                                        const std::string& schedule_id, int64_t page,
                                        int64_t per_page) override;

 private:
  SqlMeasurementStore(ConnectFn connect, SqlDialect dialect, std::string description,
                      size_t max_connections);

  // A pooled connection, returned to the pool (if still healthy) when it goes out of scope.
  class Lease {
   public:
    Lease(SqlMeasurementStore* store, std::unique_ptr<SqlConnection> c)
        : store_(store), c_(std::move(c)) {}
    Lease(Lease&& o) noexcept : store_(o.store_), c_(std::move(o.c_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (c_) store_->Release(std::move(c_));
    }
    SqlConnection& operator*() { return *c_; }
    SqlConnection* operator->() { return c_.get(); }

   private:
    SqlMeasurementStore* store_;
    std::unique_ptr<SqlConnection> c_;
  };
  model::Result<Lease> Acquire();
  void Release(std::unique_ptr<SqlConnection> connection);
  // Runs `fn` in a transaction on one connection: COMMIT when it succeeds, ROLLBACK otherwise.
  model::Status InTransaction(const std::function<model::Status(SqlConnection&)>& fn);
  model::Status Migrate();

  ConnectFn connect_;
  SqlDialect dialect_;
  std::string description_;
  size_t max_connections_;
  std::mutex mu_;
  std::condition_variable cv_;                        // a connection was released
  std::vector<std::unique_ptr<SqlConnection>> idle_;  // guarded by mu_
  size_t open_ = 0;                                   // guarded by mu_
};

// The schema version this build writes (the number of migrations it knows).
int SchemaVersion();

}  // namespace colotrace::store
