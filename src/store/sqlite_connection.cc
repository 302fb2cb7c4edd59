// MeasurementStore on SQLite: one file, WAL mode (readers do not wait for the writer), prepared
// statements cached per connection.
#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>

#include "store/sql_connection.h"
#include "store/sql_store.h"

namespace colotrace::store {

namespace {

using model::Result;
using model::Status;

// PostgreSQL's $N parameters as SQLite's ?N (the statements never hold a '$' otherwise).
std::string ToSqliteParameters(std::string_view sql) {
  std::string out(sql);
  for (char& c : out) {
    if (c == '$') c = '?';
  }
  return out;
}

class SqliteConnection final : public SqlConnection {
 public:
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    if (db_ != nullptr) sqlite3_close(db_);
  }

  Status Open(const std::string& path) {
    int rc =
        sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      return Status::Error("SQLite " + path + ": " + why);
    }
    // A writer waits for another up to 5 s instead of failing at once.
    sqlite3_busy_timeout(db_, 5000);
    return Script("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL");
  }

  Result<SqlRows> Run(std::string_view sql, const std::vector<SqlValue>& params) override {
    using R = Result<SqlRows>;
    sqlite3_stmt* stmt = Prepared(sql);
    if (stmt == nullptr) return R::Error(std::string("SQLite: ") + sqlite3_errmsg(db_));
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < params.size(); ++i) {
      int index = static_cast<int>(i) + 1;
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        sqlite3_bind_int64(stmt, index, *n);
      } else if (const auto* text = std::get_if<std::string>(&params[i])) {
        sqlite3_bind_text(stmt, index, text->data(), static_cast<int>(text->size()),
                          SQLITE_TRANSIENT);
      } else {
        sqlite3_bind_null(stmt, index);
      }
    }
    SqlRows out;
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        std::string why = sqlite3_errmsg(db_);
        sqlite3_reset(stmt);
        return R::Error("SQLite: " + why);
      }
      std::vector<std::optional<std::string>> row;
      int columns = sqlite3_column_count(stmt);
      for (int c = 0; c < columns; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          row.emplace_back();
          continue;
        }
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        row.emplace_back(std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
      }
      out.rows.push_back(std::move(row));
    }
    out.changed = sqlite3_changes64(db_);
    sqlite3_reset(stmt);
    return out;
  }

  Status Script(std::string_view sql) override {
    char* error = nullptr;
    std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      std::string why = error != nullptr ? error : sqlite3_errmsg(db_);
      sqlite3_free(error);
      return Status::Error("SQLite: " + why);
    }
    return Status::Ok();
  }

  bool healthy() const override { return db_ != nullptr; }

 private:
  sqlite3_stmt* Prepared(std::string_view sql) {
    std::string key(sql);
    if (auto it = statements_.find(key); it != statements_.end()) return it->second;
    if (statements_.size() >= kMaxCachedStatements) {
      // Multi-row statements come in many sizes: start the cache over rather than grow it.
      for (auto& [text, stmt] : statements_) sqlite3_finalize(stmt);
      statements_.clear();
    }
    std::string text = ToSqliteParameters(sql);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      return nullptr;
    }
    statements_.emplace(std::move(key), stmt);
    return stmt;
  }

  static constexpr size_t kMaxCachedStatements = 64;
  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*> statements_;
};

}  // namespace

Result<std::unique_ptr<MeasurementStore>> OpenSqliteStore(const std::string& path) {
  using R = Result<std::unique_ptr<MeasurementStore>>;
  if (path.empty()) return R::Error("SQLite: no database path");
  ConnectFn connect = [path]() -> Result<std::unique_ptr<SqlConnection>> {
    auto c = std::make_unique<SqliteConnection>();
    if (auto s = c->Open(path); !s) return Result<std::unique_ptr<SqlConnection>>::Error(s.error());
    return std::unique_ptr<SqlConnection>(std::move(c));
  };
  // One writer at a time anyway; a few readers alongside it (WAL).
  return SqlMeasurementStore::Open(connect, SqlDialect{"sqlite", "", "BEGIN IMMEDIATE", "", ""},
                                   "sqlite:" + path, 4);
}

}  // namespace colotrace::store
