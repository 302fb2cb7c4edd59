// Internal to the store module: one database connection, as the SQL store (sql_store.h) needs
// it, with an implementation per database (sqlite_connection.cc, postgres_connection.cc).
// Statements use PostgreSQL's positional parameters ($1, $2, ...); the SQLite connection
// rewrites them to its own (?1, ?2, ...). Values travel as text or integers.
//
// Threads: a connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/result.h"

namespace colotrace::store {

// A parameter or a column value: NULL, an integer or text.
using SqlValue = std::variant<std::monostate, int64_t, std::string>;

struct SqlRows {
  std::vector<std::vector<std::optional<std::string>>> rows;  // every column as text, or NULL
  int64_t changed = 0;  // rows inserted, updated or deleted by the statement
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // Runs one statement with parameters; returns its rows (as text) and the changed count.
  virtual model::Result<SqlRows> Run(std::string_view sql, const std::vector<SqlValue>& params) = 0;
  // Runs several statements without parameters (migrations, BEGIN, COMMIT).
  virtual model::Status Script(std::string_view sql) = 0;
  // True while the connection is usable; false after an error that broke it (reconnect).
  virtual bool healthy() const = 0;
};

// The database's own dialect where the two differ.
struct SqlDialect {
  std::string name;  // "sqlite", "postgresql"
  // Statements that make the next migrations one server's at a time (PostgreSQL: an advisory
  // lock held until the transaction ends); empty for SQLite (one writer anyway).
  std::string lock_migrations;
  // BEGIN for a write transaction.
  std::string begin_write;
  // Appended to a SELECT whose rows the transaction will change: " FOR UPDATE" (PostgreSQL;
  // SQLite's write transaction holds the whole database already), and the same that passes
  // over rows another transaction holds (" FOR UPDATE SKIP LOCKED").
  std::string for_update;
  std::string for_update_skip_locked;
};

}  // namespace colotrace::store
