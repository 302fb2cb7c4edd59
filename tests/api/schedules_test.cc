// Schedules with a SQLite store in a scratch folder and runs faked (no probes): what a run's
// paths do to the path state and the changes, the runner's claiming, the metrics.
#include "api/schedules.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "store/measurement_id.h"
#include "store/measurement_store.h"
#include "support/scratch_dir.h"

namespace colotrace::api {
namespace {

using namespace std::chrono_literals;

model::TargetResult ResultVia(const std::string& second_hop) {
  model::TargetResult t;
  t.target = "203.0.113.1";
  model::ColoResult c;
  c.colo = {"den01", ""};
  c.target_summary.ip = "203.0.113.1";
  c.target_summary.latency = {2, 10.0, 10.5, 11.0, 0.5};
  for (const std::string& ip :
       {std::string("198.51.100.2"), second_hop, std::string("203.0.113.1")}) {
    model::Hop h;
    h.packets_ttl = static_cast<int>(c.hops.size()) + 1;
    h.packets_sent = 2;
    model::Node n;
    n.ip = ip;
    n.rtt = {2, 1, 1, 1, 0};
    h.nodes.push_back(n);
    c.hops.push_back(h);
  }
  t.colos.push_back(c);
  return t;
}

class SchedulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenSqliteStore(dir_.path() + "/history.db");
    ASSERT_TRUE(opened.ok()) << opened.error();
    store_ = std::move(*opened);
  }
  store::ScheduleRecord Schedule(int64_t next_run_ms, int64_t interval_s = 60) {
    store::ScheduleRecord s;
    s.id = store::NewMeasurementId(1'700'000'000'000);
    s.account_id = "acc1";
    s.name = "test";
    s.request_json = R"({"targets":["203.0.113.1"],"colos":["den01"],"options":{}})";
    s.interval_s = interval_s;
    s.next_run_at_ms = next_run_ms;
    s.created_at_ms = s.updated_at_ms = 1'700'000'000'000;
    EXPECT_TRUE(store_->schedules().CreateSchedule(s).ok());
    return s;
  }
  testing_support::ScratchDir dir_{"colotrace-schedules-test"};
  std::unique_ptr<store::MeasurementStore> store_;
};

TEST_F(SchedulesTest, AChangeIsRecordedAfterTwoRunsOnTheNewPath) {
  Schedules schedules(store_->schedules(), nullptr, nullptr, SchedulesOptions{});
  auto s = Schedule(0);
  schedules.Judge(s, 1000, "M1", {ResultVia("198.51.100.6")});
  schedules.Judge(s, 2000, "M2", {ResultVia("198.51.100.10")});  // a first run elsewhere
  EXPECT_EQ(store_->schedules().ListChanges("acc1", s.id, 1, 10)->total_count, 0);
  schedules.Judge(s, 3000, "M3", {ResultVia("198.51.100.10")});
  auto changes = store_->schedules().ListChanges("acc1", s.id, 1, 10);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->items.size(), 1u);
  const auto& c = changes->items[0];
  EXPECT_EQ(c.before, "198.51.100.2 198.51.100.6 203.0.113.1");
  EXPECT_EQ(c.after, "198.51.100.2 198.51.100.10 203.0.113.1");
  EXPECT_EQ(c.changed_ttls, std::vector<int>{2});
  EXPECT_EQ(c.at_ms, 2000);
  EXPECT_EQ(c.confirmed_at_ms, 3000);
  EXPECT_EQ(c.measurement_id, "M3");
  EXPECT_EQ(c.colo, "den01");
  EXPECT_EQ(schedules.counters().changes, 1u);
  std::string metrics;
  schedules.RenderMetrics(metrics);
  std::string labels = "{schedule=\"" + s.id + "\",target=\"203.0.113.1\",colo=\"den01\"}";
  EXPECT_NE(metrics.find("colotrace_schedule_path_changes_total" + labels + " 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("colotrace_schedule_hops" + labels + " 3"), std::string::npos);
  EXPECT_NE(metrics.find("colotrace_schedule_target_rtt_ms" + labels + " 10"), std::string::npos);
  EXPECT_NE(metrics.find("colotrace_schedule_target_loss_ratio" + labels + " 0"),
            std::string::npos);
}

TEST_F(SchedulesTest, AFlapIsNotAChangeAndAnErrorSaysNothing) {
  Schedules schedules(store_->schedules(), nullptr, nullptr, SchedulesOptions{});
  auto s = Schedule(0);
  schedules.Judge(s, 1000, "M1", {ResultVia("198.51.100.6")});
  schedules.Judge(s, 2000, "M2", {ResultVia("198.51.100.10")});
  schedules.Judge(s, 3000, "M3", {ResultVia("198.51.100.6")});
  auto failed = ResultVia("198.51.100.10");
  failed.colos[0].error = model::ColoError::kTimeout;
  schedules.Judge(s, 4000, "M4", {failed});
  schedules.Judge(s, 5000, "M5", {ResultVia("198.51.100.10")});
  EXPECT_EQ(store_->schedules().ListChanges("acc1", s.id, 1, 10)->total_count, 0);
}

TEST_F(SchedulesTest, TheRunnerStartsDueRunsAndCountsTheOnesThatCannotStart) {
  std::mutex mu;
  std::vector<std::string> started;
  std::atomic<bool> refuse{false};
  SchedulesOptions options;
  options.max_tick = 50ms;
  options.rules.min_interval_s = 1;
  Schedules schedules(
      store_->schedules(),
      [&](const store::ScheduleRecord& s, const TracerouteRequest& request,
          Schedules::RunDone done) {
        if (refuse) return false;
        EXPECT_EQ(request.targets, std::vector<std::string>{"203.0.113.1"});
        {
          std::lock_guard lock(mu);
          started.push_back(s.id);
        }
        std::thread([done] { done("M", {ResultVia("198.51.100.6")}); }).detach();
        return true;
      },
      nullptr, options);
  auto s = Schedule(0, /*interval_s=*/1);  // due long ago: runs at once, then every second
  schedules.Start();
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard lock(mu);
      if (started.size() >= 2) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  {
    std::lock_guard lock(mu);
    ASSERT_GE(started.size(), 2u);
    EXPECT_EQ(started[0], s.id);
  }
  auto moved = **store_->schedules().GetSchedule("acc1", s.id);
  EXPECT_GT(moved.next_run_at_ms, moved.last_run_at_ms);
  EXPECT_EQ(moved.next_run_at_ms % 1000,
            Schedules::NextRun(moved, moved.last_run_at_ms) % 1000);  // on its slot
  refuse = true;
  for (int i = 0; i < 300 && schedules.counters().runs_not_started == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GE(schedules.counters().runs_not_started, 1u);
  EXPECT_GE(schedules.counters().runs_started, 2u);
}

}  // namespace
}  // namespace colotrace::api
