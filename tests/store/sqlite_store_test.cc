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

TEST(MeasurementIdTest, SortableUnguessableAndValidated) {
  std::string a = NewMeasurementId(1'700'000'000'000);
  std::string b = NewMeasurementId(1'700'000'000'001);
  std::string c = NewMeasurementId(1'700'000'000'001);
  EXPECT_EQ(a.size(), kMeasurementIdLength);
  EXPECT_LT(a, b);  // later ids sort later
  EXPECT_NE(b, c);  // the same millisecond: different random parts
  EXPECT_EQ(b.substr(0, 10), c.substr(0, 10));
  EXPECT_EQ(MeasurementIdTimeMs(b), 1'700'000'000'001);
  EXPECT_TRUE(IsMeasurementId(a));
  EXPECT_FALSE(IsMeasurementId(""));
  EXPECT_FALSE(IsMeasurementId(a.substr(1)));
  EXPECT_FALSE(IsMeasurementId(std::string(26, 'u')));  // u is not in the alphabet
  EXPECT_FALSE(IsMeasurementId("8" + a.substr(1)));     // more than 48 bits of time
  EXPECT_FALSE(IsMeasurementId("../../etc/passwd/xxxxxxxxx"));
}

}  // namespace
}  // namespace colotrace::store
