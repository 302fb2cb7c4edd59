// The store suite (store_suite.h) on a real PostgreSQL server that this test starts itself
// (tests/support/postgres_cluster.h): one database per test. And what only a server shows: two
// stores (two API servers) on one database, migrations run once, a server killed and restarted.
// Needs root (the cluster runs as nobody) and Debian's postgresql; skips without them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "store/measurement_id.h"
#include "store/measurement_store.h"
#include "store/store_writer.h"
#include "store_suite.h"
#include "support/postgres_cluster.h"

namespace colotrace::store {
namespace {

using testing_support::PostgresCluster;

// One server for the whole binary, started by the first test that needs it.
PostgresCluster* Cluster(std::string* why) {
  static std::unique_ptr<PostgresCluster> cluster;
  static std::string failure;
  static bool tried = false;
  if (!tried) {
    tried = true;
    if (geteuid() != 0) {
      failure = "needs root (the test's PostgreSQL runs as nobody)";
    } else if (PostgresCluster::BinDir(&failure).empty()) {
      // failure says why
    } else {
      try {
        cluster = std::make_unique<PostgresCluster>();
      } catch (const std::exception& e) {
        failure = e.what();
      }
    }
  }
  *why = failure;
  return cluster.get();
}

std::string current_db;

std::unique_ptr<MeasurementStore> OpenDb(const std::string& db) {
  std::string why;
  PostgresCluster* c = Cluster(&why);
  if (c == nullptr) return nullptr;
  auto s = OpenPostgresStore(c->Url(db));
  EXPECT_TRUE(s.ok()) << s.error();
  return s.ok() ? std::move(*s) : nullptr;
}

std::string NewDatabase() {
  static std::atomic<int> n{0};
  std::string why;
  PostgresCluster* c = Cluster(&why);
  std::string db = "t" + std::to_string(++n);
  c->Sql("CREATE DATABASE " + db);
  return db;
}

StoreBackend Postgres() {
  StoreBackend b{"PostgreSQL", [] { return std::string(); },
                 [] {
                   current_db = NewDatabase();
                   return OpenDb(current_db);
                 },
                 [] { return OpenDb(current_db); }};
  b.unavailable = [] {
    std::string why;
    Cluster(&why);
    return why;
  };
  return b;
}

INSTANTIATE_TEST_SUITE_P(PostgresStore, StoreSuite, ::testing::Values(Postgres()), PrintBackend);

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    cluster_ = Cluster(&why);
    if (cluster_ == nullptr) GTEST_SKIP() << why;
  }
  PostgresCluster* cluster_ = nullptr;
};

TEST_F(PostgresStoreTest, TwoServersOnOneDatabaseShareTheHistory) {
  std::string db = NewDatabase();
  // Both open at once: the migrations run once (an advisory lock), neither fails.
  std::unique_ptr<MeasurementStore> a, b;
  std::thread ta([&] { a = OpenDb(db); });
  std::thread tb([&] { b = OpenDb(db); });
  ta.join();
  tb.join();
  ASSERT_TRUE(a && b);
  MeasurementRecord m;
  m.id = NewMeasurementId(1'700'000'000'000);
  m.account_id = "acc1";
  m.status = MeasurementStatus::kRunning;
  m.created_at_ms = 1'700'000'000'000;
  m.request_json = "{}";
  m.result_json = "[partial]";
  m.targets = {"203.0.113.1"};
  ASSERT_TRUE(a->Put({m}).ok());
  // Started on one server, read with its partial result on the other.
  auto seen = b->Get("acc1", m.id);
  ASSERT_TRUE(seen.ok()) << seen.error();
  ASSERT_TRUE(seen->has_value());
  EXPECT_EQ((*seen)->status, MeasurementStatus::kRunning);
  EXPECT_EQ((*seen)->result_json, "[partial]");
}

TEST_F(PostgresStoreTest, KilledAndRestartedMidLoadLosesAndDuplicatesNothing) {
  std::string db = NewDatabase();
  auto store = OpenDb(db);
  ASSERT_TRUE(store);
  constexpr int kMeasurements = 600;
  std::vector<std::string> ids;
  {
    StoreWriterOptions options;
    options.max_backoff = std::chrono::milliseconds(200);
    options.flush_timeout = std::chrono::seconds(30);
    StoreWriter writer(*store, options);
    for (int i = 0; i < kMeasurements; ++i) {
      MeasurementRecord m;
      m.id = NewMeasurementId(1'700'000'000'000 + i);
      m.account_id = "acc1";
      m.created_at_ms = 1'700'000'000'000 + i;
      m.request_json = "{}";
      m.targets = {"203.0.113.1"};
      m.result_json = "[running]";
      writer.Write(m);  // running, then finished: two snapshots of each
      m.status = MeasurementStatus::kFinished;
      m.finished_at_ms = m.created_at_ms + 10;
      m.result_json = "[final]";
      writer.Write(m);
      ids.push_back(m.id);
      if (i == kMeasurements / 3) cluster_->Kill();
      if (i == 2 * kMeasurements / 3) cluster_->Start();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(writer.Flush(std::chrono::seconds(30)));
    auto counters = writer.counters();
    EXPECT_EQ(counters.dropped, 0u);
    EXPECT_GT(counters.write_errors, 0u);  // it did fail while the server was down
    EXPECT_TRUE(counters.up);
  }
  ListQuery q;
  q.account_id = "acc1";
  q.per_page = 1000;
  auto page = store->List(q);
  ASSERT_TRUE(page.ok()) << page.error();
  EXPECT_EQ(page->total_count, kMeasurements);
  ASSERT_EQ(page->items.size(), static_cast<size_t>(kMeasurements));  // nothing duplicated
  for (const auto& id : ids) {
    auto g = store->Get("acc1", id);
    ASSERT_TRUE(g.ok() && g->has_value()) << id;  // nothing lost
    EXPECT_EQ((*g)->status, MeasurementStatus::kFinished);
    EXPECT_EQ((*g)->result_json, "[final]");
  }
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsAnErrorNotAHang) {
  auto s = OpenPostgresStore("postgresql://colotrace@127.0.0.1:1/none");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("PostgreSQL"), std::string::npos) << s.error();
}

}  // namespace
}  // namespace colotrace::store
