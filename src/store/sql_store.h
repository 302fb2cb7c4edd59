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
#include <string>
#include <vector>

#include "store/measurement_store.h"
#include "store/sql_connection.h"

namespace colotrace::store {

using ConnectFn = std::function<model::Result<std::unique_ptr<SqlConnection>>()>;

class SqlMeasurementStore final : public MeasurementStore {
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

 private:
  SqlMeasurementStore(ConnectFn connect, SqlDialect dialect, std::string description,
                      size_t max_connections);

  // A pooled connection, returned to the pool (if still healthy) when it goes out of scope.
  class Lease;
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
