// MeasurementStore on PostgreSQL through libpq, which is loaded when a PostgreSQL store is first
// opened (net/dynamic_library.h): a server with SQLite, or a trace, never maps it.
#include <libpq-fe.h>

#include <memory>
#include <string>

#include "net/dynamic_library.h"
#include "store/sql_connection.h"
#include "store/sql_store.h"

namespace colotrace::store {

namespace {

using model::Result;
using model::Status;

#define COLOTRACE_PQ_FUNCTIONS(X)                                                              \
  X(PQconnectdb)                                                                               \
  X(PQstatus)                                                                                  \
  X(PQerrorMessage)                                                                            \
  X(PQfinish)                                                                                  \
  X(PQexec)                                                                                    \
  X(PQexecParams)                                                                              \
  X(PQresultStatus) X(PQresultErrorMessage) X(PQclear) X(PQntuples) X(PQnfields) X(PQgetvalue) \
      X(PQgetisnull) X(PQgetlength) X(PQcmdTuples)

struct Pq {
  COLOTRACE_PQ_FUNCTIONS(COLOTRACE_DECLARE_FUNCTION)
};

const Pq* LoadPq(std::string* error) {
  static Pq lib;
  static const Status status = net::LoadLibrary(COLOTRACE_PQ_SONAME, "PostgreSQL client", "libpq5",
                                                {COLOTRACE_PQ_FUNCTIONS(COLOTRACE_FUNCTION_SLOT)});
  if (!status) {
    *error = status.error();
    return nullptr;
  }
  return &lib;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// "postgresql://user:secret@host/db" -> "postgresql://user@host/db": what logs may show.
std::string WithoutPassword(const std::string& conninfo) {
  size_t scheme = conninfo.find("://");
  if (scheme == std::string::npos) {
    size_t at = conninfo.find("password=");
    if (at == std::string::npos) return conninfo;
    size_t end = conninfo.find(' ', at);
    return conninfo.substr(0, at) + "password=..." +
           (end == std::string::npos ? "" : conninfo.substr(end));
  }
  size_t at = conninfo.find('@', scheme);
  size_t colon = conninfo.find(':', scheme + 3);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return conninfo;
  return conninfo.substr(0, colon) + conninfo.substr(at);
}

class PgConnection final : public SqlConnection {
 public:
  explicit PgConnection(const Pq& pq) : pq_(pq) {}
  ~PgConnection() override {
    if (conn_ != nullptr) pq_.PQfinish(conn_);
  }

  Status Open(const std::string& conninfo) {
    conn_ = pq_.PQconnectdb(conninfo.c_str());
    if (conn_ == nullptr || pq_.PQstatus(conn_) != CONNECTION_OK) {
      std::string why = conn_ != nullptr ? Trim(pq_.PQerrorMessage(conn_)) : "out of memory";
      return Status::Error("PostgreSQL: " + why);
    }
    // A statement that waits on a lock (or a database in trouble) fails instead of hanging.
    return Script("SET statement_timeout = 10000; SET client_min_messages = warning");
  }

  Result<SqlRows> Run(std::string_view sql, const std::vector<SqlValue>& params) override {
    using R = Result<SqlRows>;
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        texts[i] = std::to_string(*n);
        values[i] = texts[i].c_str();
      } else if (const auto* text = std::get_if<std::string>(&params[i])) {
        values[i] = text->c_str();
      }
    }
    std::string statement(sql);
    PGresult* result = pq_.PQexecParams(conn_, statement.c_str(), static_cast<int>(params.size()),
                                        nullptr, values.data(), nullptr, nullptr, 0);
    ExecStatusType status = result != nullptr ? pq_.PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      std::string why = result != nullptr ? Trim(pq_.PQresultErrorMessage(result))
                                          : Trim(pq_.PQerrorMessage(conn_));
      if (result != nullptr) pq_.PQclear(result);
      return R::Error("PostgreSQL: " + why);
    }
    SqlRows out;
    int rows = pq_.PQntuples(result);
    int columns = pq_.PQnfields(result);
    for (int r = 0; r < rows; ++r) {
      std::vector<std::optional<std::string>> row;
      for (int c = 0; c < columns; ++c) {
        if (pq_.PQgetisnull(result, r, c)) {
          row.emplace_back();
        } else {
          row.emplace_back(std::string(pq_.PQgetvalue(result, r, c),
                                       static_cast<size_t>(pq_.PQgetlength(result, r, c))));
        }
      }
      out.rows.push_back(std::move(row));
    }
    const char* changed = pq_.PQcmdTuples(result);
    if (changed != nullptr && *changed != '\0') out.changed = std::stoll(changed);
    pq_.PQclear(result);
    return out;
  }

  Status Script(std::string_view sql) override {
    std::string text(sql);
    PGresult* result = pq_.PQexec(conn_, text.c_str());
    ExecStatusType status = result != nullptr ? pq_.PQresultStatus(result) : PGRES_FATAL_ERROR;
    Status out = Status::Ok();
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      out =
          Status::Error("PostgreSQL: " + (result != nullptr ? Trim(pq_.PQresultErrorMessage(result))
                                                            : Trim(pq_.PQerrorMessage(conn_))));
    }
    if (result != nullptr) pq_.PQclear(result);
    return out;
  }

  bool healthy() const override { return conn_ != nullptr && pq_.PQstatus(conn_) == CONNECTION_OK; }

 private:
  const Pq& pq_;
  PGconn* conn_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<MeasurementStore>> OpenPostgresStore(const std::string& conninfo) {
  using R = Result<std::unique_ptr<MeasurementStore>>;
  std::string error;
  const Pq* pq = LoadPq(&error);
  if (pq == nullptr) return R::Error(error);
  // Without a connect_timeout, libpq may wait minutes for a host that does not answer.
  std::string info = conninfo;
  if (info.find("connect_timeout") == std::string::npos) {
    info +=
        info.find("://") != std::string::npos
            ? (info.find('?') == std::string::npos ? "?" : "&") + std::string("connect_timeout=3")
            : " connect_timeout=3";
  }
  ConnectFn connect = [pq, info]() -> Result<std::unique_ptr<SqlConnection>> {
    auto c = std::make_unique<PgConnection>(*pq);
    if (auto s = c->Open(info); !s) return Result<std::unique_ptr<SqlConnection>>::Error(s.error());
    return std::unique_ptr<SqlConnection>(std::move(c));
  };
  return SqlMeasurementStore::Open(connect,
                                   SqlDialect{"postgresql", "SELECT pg_advisory_xact_lock(7346118)",
                                              "BEGIN", " FOR UPDATE", " FOR UPDATE SKIP LOCKED"},
                                   WithoutPassword(conninfo), 8);
}

}  // namespace colotrace::store
