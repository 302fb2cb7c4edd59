// StoreWriter against an in-memory store that can be made to fail or to hold a write: what it
// writes, in which batches, what it keeps while the database is down and what it drops.
#include "store/store_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace colotrace::store {
namespace {

using namespace std::chrono_literals;

class FakeStore : public MeasurementStore {
 public:
  model::Status Put(const std::vector<MeasurementRecord>& records) override {
    std::unique_lock lock(mu_);
    ++puts_started_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !held_; });
    if (failing_) return model::Status::Error("the database is down");
    std::vector<std::string> ids;
    for (const auto& r : records) {
      ids.push_back(r.id);
      auto it = rows_.find(r.id);
      if (it != rows_.end() && it->second.status == MeasurementStatus::kFinished) continue;
      rows_[r.id] = r;
    }
    batches_.push_back(ids);
    return model::Status::Ok();
  }
  model::Result<std::optional<MeasurementRecord>> Get(const std::string&,
                                                      const std::string&) override {
    return std::optional<MeasurementRecord>();
  }
  model::Result<ListPage> List(const ListQuery&) override { return ListPage{}; }
  model::Result<bool> Delete(const std::string&, const std::string&) override { return false; }
  model::Result<int64_t> Prune(int64_t created_before_ms, int64_t abandoned_before_ms) override {
    std::lock_guard lock(mu_);
    prunes_.emplace_back(created_before_ms, abandoned_before_ms);
    changed_.notify_all();
    return int64_t{7};
  }
  std::string Describe() const override { return "fake:"; }
  ScheduleStore& schedules() override {
    throw std::logic_error("the writer never touches schedules");
  }

  void Hold(bool held) {
    std::lock_guard lock(mu_);
    held_ = held;
    changed_.notify_all();
  }
  void Fail(bool failing) {
    std::lock_guard lock(mu_);
    failing_ = failing;
  }
  // Waits until `n` writes have started (true) or 5 s passed.
  bool WaitForPuts(int n) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, 5s, [&] { return puts_started_ >= n; });
  }
  bool WaitForPrune() {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, 5s, [&] { return !prunes_.empty(); });
  }
  std::map<std::string, MeasurementRecord> rows() {
    std::lock_guard lock(mu_);
    return rows_;
  }
  std::vector<std::vector<std::string>> batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }
  std::vector<std::pair<int64_t, int64_t>> prunes() {
    std::lock_guard lock(mu_);
    return prunes_;
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool held_ = false;
  bool failing_ = false;
  int puts_started_ = 0;
  std::map<std::string, MeasurementRecord> rows_;
  std::vector<std::vector<std::string>> batches_;
  std::vector<std::pair<int64_t, int64_t>> prunes_;
};

MeasurementRecord Record(const std::string& id,
                         MeasurementStatus status = MeasurementStatus::kRunning,
                         const std::string& result = "[]") {
  MeasurementRecord m;
  m.id = id;
  m.account_id = "acc1";
  m.status = status;
  m.created_at_ms = 1'700'000'000'000;
  m.result_json = result;
  return m;
}

StoreWriterOptions Fast() {
  StoreWriterOptions o;
  o.max_backoff = 20ms;
  o.flush_timeout = 200ms;
  return o;
}

// Polls `counters()` until `done` holds (true) or 5 s passed.
template <typename Predicate>
bool WaitFor(const StoreWriter& writer, Predicate done) {
  auto until = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < until) {
    if (done(writer.counters())) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

TEST(StoreWriterTest, TheNewestSnapshotWinsButNeverOverAFinishedOne) {
  FakeStore store;
  StoreWriter writer(store, Fast());
  store.Hold(true);
  writer.Write(Record("a"));
  ASSERT_TRUE(store.WaitForPuts(1));  // "a" is being written; the rest queue behind it
  writer.Write(Record("b", MeasurementStatus::kRunning, "[1]"));
  writer.Write(Record("b", MeasurementStatus::kRunning, "[1,2]"));
  writer.Write(Record("b", MeasurementStatus::kFinished, "[1,2,3]"));
  writer.Write(Record("b", MeasurementStatus::kRunning, "[1,2]"));  // a late running snapshot
  EXPECT_EQ(writer.counters().pending, 2u);                         // a in flight, b queued
  store.Hold(false);
  ASSERT_TRUE(writer.Flush(5s));
  auto rows = store.rows();
  ASSERT_EQ(rows.count("b"), 1u);
  EXPECT_EQ(rows["b"].status, MeasurementStatus::kFinished);
  EXPECT_EQ(rows["b"].result_json, "[1,2,3]");
  EXPECT_EQ(store.batches(), (std::vector<std::vector<std::string>>{{"a"}, {"b"}}));
  EXPECT_EQ(writer.counters().written, 2u);
  EXPECT_EQ(writer.counters().dropped, 0u);
}

TEST(StoreWriterTest, BatchesKeepTheOrderInWhichMeasurementsCame) {
  FakeStore store;
  StoreWriterOptions options = Fast();
  options.batch = 10;
  StoreWriter writer(store, options);
  store.Hold(true);
  writer.Write(Record("first"));
  ASSERT_TRUE(store.WaitForPuts(1));
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "m%02d", 24 - i);  // queued in an order unlike their names
    ids.push_back(id);
    writer.Write(Record(id));
  }
  store.Hold(false);
  ASSERT_TRUE(writer.Flush(5s));
  auto batches = store.batches();
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches[1], std::vector<std::string>(ids.begin(), ids.begin() + 10));
  EXPECT_EQ(batches[2], std::vector<std::string>(ids.begin() + 10, ids.begin() + 20));
  EXPECT_EQ(batches[3], std::vector<std::string>(ids.begin() + 20, ids.end()));
}

TEST(StoreWriterTest, WhileTheDatabaseIsDownEverythingWaitsAndIsWrittenWhenItIsBack) {
  FakeStore store;
  store.Fail(true);
  StoreWriter writer(store, Fast());
  for (int i = 0; i < 50; ++i) writer.Write(Record("m" + std::to_string(i)));
  ASSERT_TRUE(WaitFor(writer, [](const StoreCounters& c) { return c.write_errors >= 3; }));
  StoreCounters down = writer.counters();
  EXPECT_FALSE(down.up);
  EXPECT_EQ(down.pending, 50u);
  EXPECT_EQ(down.written, 0u);
  EXPECT_FALSE(writer.Flush(50ms));
  // A newer snapshot of a waiting measurement replaces it while it waits.
  writer.Write(Record("m7", MeasurementStatus::kFinished, "[7]"));
  store.Fail(false);
  ASSERT_TRUE(writer.Flush(5s));
  StoreCounters back = writer.counters();
  EXPECT_TRUE(back.up);
  EXPECT_EQ(back.written, 50u);
  EXPECT_EQ(back.dropped, 0u);
  EXPECT_EQ(back.pending, 0u);
  auto rows = store.rows();
  EXPECT_EQ(rows.size(), 50u);
  EXPECT_EQ(rows["m7"].status, MeasurementStatus::kFinished);
}

TEST(StoreWriterTest, AFullQueueDropsNewMeasurementsAndCountsThem) {
  FakeStore store;
  StoreWriterOptions options = Fast();
  options.max_pending = 3;
  StoreWriter writer(store, options);
  store.Hold(true);
  writer.Write(Record("in-flight"));
  ASSERT_TRUE(store.WaitForPuts(1));
  for (const char* id : {"q1", "q2", "q3", "x1", "x2"}) writer.Write(Record(id));
  writer.Write(Record("q2", MeasurementStatus::kFinished));  // an update takes no new place
  StoreCounters full = writer.counters();
  EXPECT_EQ(full.dropped, 2u);
  EXPECT_EQ(full.pending, 4u);  // three queued and one being written
  store.Hold(false);
  ASSERT_TRUE(writer.Flush(5s));
  auto rows = store.rows();
  EXPECT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows.count("x1"), 0u);
  EXPECT_EQ(rows["q2"].status, MeasurementStatus::kFinished);
}

TEST(StoreWriterTest, ItSaysWhichFinishedMeasurementsWereWritten) {
  FakeStore store;
  StoreWriter writer(store, Fast());
  std::mutex mu;
  std::vector<std::string> finished;
  writer.SetOnWritten([&](const std::vector<std::string>& ids) {
    std::lock_guard lock(mu);
    finished.insert(finished.end(), ids.begin(), ids.end());
  });
  writer.Write(Record("running"));
  writer.Write(Record("done", MeasurementStatus::kFinished));
  ASSERT_TRUE(writer.Flush(5s));
  std::lock_guard lock(mu);
  EXPECT_EQ(finished, std::vector<std::string>{"done"});
}

TEST(StoreWriterTest, ClearingTheCallbackWaitsForACallInProgress) {
  FakeStore store;
  StoreWriter writer(store, Fast());
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false;
  writer.SetOnWritten([&](const std::vector<std::string>&) {
    std::unique_lock lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  writer.Write(Record("m"));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return entered; }));
  }
  std::atomic<bool> cleared{false};
  std::thread clearing([&] {
    writer.SetOnWritten(nullptr);  // the owner of the callback is about to go
    cleared = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(cleared.load()) << "returned while the callback still ran";
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  clearing.join();
  EXPECT_TRUE(cleared.load());
  writer.Write(Record("n"));  // written without a callback
  EXPECT_TRUE(writer.Flush(5s));
}

TEST(StoreWriterTest, PrunesAtStartWithRetentionAndTheAbandonedCutOff) {
  FakeStore store;
  StoreWriterOptions options = Fast();
  options.now_ms = [] { return int64_t{2'000'000'000'000}; };
  options.retention = 86'400'000ms;
  options.abandon_after = 600'000ms;
  StoreWriter writer(store, options);
  ASSERT_TRUE(store.WaitForPrune());
  auto prunes = store.prunes();
  ASSERT_EQ(prunes.size(), 1u);
  EXPECT_EQ(prunes[0].first, 2'000'000'000'000 - 86'400'000);
  EXPECT_EQ(prunes[0].second, 2'000'000'000'000 - 600'000);
  EXPECT_TRUE(WaitFor(writer, [](const StoreCounters& c) { return c.pruned == 7; }));
}

TEST(StoreWriterTest, StoppingWhileTheDatabaseIsDownEndsWithinTheFlushTimeout) {
  FakeStore store;
  store.Fail(true);
  {
    StoreWriter writer(store, Fast());  // flush_timeout 200 ms
    writer.Write(Record("lost"));
    ASSERT_TRUE(WaitFor(writer, [](const StoreCounters& c) { return c.write_errors >= 1; }));
  }
  // Not a timing assertion: a writer that waited for the database for ever would hang here.
  EXPECT_TRUE(store.rows().empty());
}

}  // namespace
}  // namespace colotrace::store
