// The store suite (store_suite.h) on SQLite files in a scratch folder, and what is SQLite's
// own: the file's journal mode and an unwritable path.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "store/measurement_id.h"
#include "store/measurement_store.h"
#include "store_suite.h"
#include "support/scratch_dir.h"

namespace colotrace::store {
namespace {

testing_support::ScratchDir& Dir() {
  static testing_support::ScratchDir dir("colotrace-sqlite-test");
  return dir;
}

std::string NextPath() {
  static std::atomic<int> n{0};
  return Dir().path() + "/store-" + std::to_string(++n) + ".db";
}

std::string current_path;

StoreBackend Sqlite() {
  return StoreBackend{"SQLite", [] { return std::string(); },
                      [] {
                        current_path = NextPath();
                        auto s = OpenSqliteStore(current_path);
                        EXPECT_TRUE(s.ok()) << s.error();
                        return s.ok() ? std::move(*s) : nullptr;
                      },
                      [] {
                        auto s = OpenSqliteStore(current_path);
                        EXPECT_TRUE(s.ok()) << s.error();
                        return s.ok() ? std::move(*s) : nullptr;
                      }};
}

INSTANTIATE_TEST_SUITE_P(SqliteStore, StoreSuite, ::testing::Values(Sqlite()), PrintBackend);

TEST(SqliteStoreTest, AnUnwritablePathIsAnError) {
  auto s = OpenSqliteStore("/nonexistent/dir/colotrace.db");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("/nonexistent/dir/colotrace.db"), std::string::npos) << s.error();
}

TEST(SqliteStoreTest, OpenStoreTellsTheKindsApart) {
  std::string path = NextPath();
  auto s = OpenStore("sqlite:" + path);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ((*s)->Describe(), "sqlite:" + path);
}

}  // namespace
}  // namespace colotrace::store
