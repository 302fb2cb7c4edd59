// The one test suite every MeasurementStore passes: sqlite_store_test.cc runs it on SQLite
// files (no root), postgres_store_test.cc on a PostgreSQL server the test starts itself.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "store/measurement_id.h"
#include "store/measurement_store.h"

namespace colotrace::store {

// How a suite instance opens stores: `open` a fresh empty store, `reopen` the same one again
// (a server restart).
struct StoreBackend {
  std::string name;
  // Why this backend cannot run here ("" when it can): its tests skip, saying so.
  std::function<std::string()> unavailable = [] { return std::string(); };
  std::function<std::unique_ptr<MeasurementStore>()> open;
  std::function<std::unique_ptr<MeasurementStore>()> reopen;
};

// gtest prints a parameter in test listings; the backend's name says all there is to say.
inline void PrintTo(const StoreBackend& backend, std::ostream* out) {
  *out << backend.name;
}

inline std::string PrintBackend(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

class StoreSuite : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    if (std::string why = GetParam().unavailable(); !why.empty()) GTEST_SKIP() << why;
    store_ = GetParam().open();
    ASSERT_TRUE(store_ != nullptr);
  }

  static MeasurementRecord Record(const std::string& account, int64_t created_ms,
                                  std::vector<std::string> targets,
                                  MeasurementStatus status = MeasurementStatus::kFinished,
                                  std::vector<std::string> colos = {"den01"}) {
    MeasurementRecord m;
    m.id = NewMeasurementId(created_ms);
    m.account_id = account;
    m.status = status;
    m.created_at_ms = created_ms;
    m.finished_at_ms = status == MeasurementStatus::kFinished ? created_ms + 900 : 0;
    m.request_json = R"({"targets":["x"]})";
    m.result_json = "[]";
    m.targets = std::move(targets);
    m.colos = std::move(colos);
    return m;
  }

  void Put(const std::vector<MeasurementRecord>& records) {
    auto s = store_->Put(records);
    ASSERT_TRUE(s.ok()) << s.error();
  }

  std::vector<std::string> Ids(const ListQuery& q, int64_t* total = nullptr) {
    auto page = store_->List(q);
    EXPECT_TRUE(page.ok()) << page.error();
    std::vector<std::string> out;
    if (!page.ok()) return out;
    for (const auto& m : page->items) out.push_back(m.id);
    if (total != nullptr) *total = page->total_count;
    return out;
  }

  std::unique_ptr<MeasurementStore> store_;
};

TEST_P(StoreSuite, WhatIsPutComesBackForItsAccountOnly) {
  MeasurementRecord m = Record("acc1", 1'700'000'000'000, {"203.0.113.1", "name.example"},
                               MeasurementStatus::kFinished, {"den01", "AMS01"});
  m.result_json = R"([{"target":"203.0.113.1","colos":[]}])";
  Put({m});
  auto got = store_->Get("acc1", m.id);
  ASSERT_TRUE(got.ok()) << got.error();
  ASSERT_TRUE(got->has_value());
  const MeasurementRecord& g = **got;
  EXPECT_EQ(g.id, m.id);
  EXPECT_EQ(g.status, MeasurementStatus::kFinished);
  EXPECT_EQ(g.created_at_ms, m.created_at_ms);
  EXPECT_EQ(g.finished_at_ms, m.finished_at_ms);
  EXPECT_EQ(g.request_json, m.request_json);
  EXPECT_EQ(g.result_json, m.result_json);
  EXPECT_EQ(g.targets, (std::vector<std::string>{"203.0.113.1", "name.example"}));
  EXPECT_EQ(g.colos, (std::vector<std::string>{"ams01", "den01"}));  // lower-cased, sorted
  // Another account's id is no different from an id that never existed.
  auto other = store_->Get("acc2", m.id);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  auto none = store_->Get("acc1", NewMeasurementId(1'700'000'000'000));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreSuite, RunningThenFinishedAndNeverBack) {
  MeasurementRecord m =
      Record("acc1", 1'700'000'000'000, {"203.0.113.1"}, MeasurementStatus::kRunning);
  m.result_json = "[partial]";
  Put({m});
  EXPECT_EQ((*store_->Get("acc1", m.id))->status, MeasurementStatus::kRunning);
  MeasurementRecord done = m;
  done.status = MeasurementStatus::kFinished;
  done.finished_at_ms = m.created_at_ms + 1234;
  done.result_json = "[final]";
  done.colos = {"den01", "fra01"};
  Put({done});
  Put({m});     // a late running snapshot: ignored
  Put({done});  // the same again: nothing changes
  auto g = **store_->Get("acc1", m.id);
  EXPECT_EQ(g.status, MeasurementStatus::kFinished);
  EXPECT_EQ(g.result_json, "[final]");
  EXPECT_EQ(g.finished_at_ms, m.created_at_ms + 1234);
  EXPECT_EQ(g.colos, (std::vector<std::string>{"den01", "fra01"}));
  ListQuery by_colo;
  by_colo.account_id = "acc1";
  by_colo.colo = "fra01";
  int64_t fra01 = 0;
  EXPECT_EQ(Ids(by_colo, &fra01), std::vector<std::string>{m.id});
  EXPECT_EQ(fra01, 1);
  by_colo.colo = "den01";  // in both snapshots: counted once
  EXPECT_EQ(Ids(by_colo, &fra01).size(), 1u);
  EXPECT_EQ(fra01, 1);
  ListQuery q;
  q.account_id = "acc1";
  int64_t total = 0;
  EXPECT_EQ(Ids(q, &total).size(), 1u);
  EXPECT_EQ(total, 1);  // counted once, whatever was written twice
  q.status = MeasurementStatus::kRunning;
  EXPECT_TRUE(Ids(q, &total).empty());
  EXPECT_EQ(total, 0);
}

TEST_P(StoreSuite, ListsNewestFirstInPagesWithTheTotal) {
  std::vector<MeasurementRecord> all;
  for (int i = 0; i < 25; ++i) all.push_back(Record("acc1", 1'700'000'000'000 + i * 1000, {"t"}));
  Put(all);
  Put({Record("acc2", 1'700'000'000'000, {"t"})});
  ListQuery q;
  q.account_id = "acc1";
  q.per_page = 10;
  int64_t total = 0;
  auto first = Ids(q, &total);
  EXPECT_EQ(total, 25);
  ASSERT_EQ(first.size(), 10u);
  EXPECT_EQ(first[0], all[24].id);  // newest first
  EXPECT_EQ(first[9], all[15].id);
  q.page = 3;
  auto last = Ids(q, &total);
  ASSERT_EQ(last.size(), 5u);
  EXPECT_EQ(last[4], all[0].id);
  q.page = 4;
  EXPECT_TRUE(Ids(q, &total).empty());  // past the end: empty, with the total
  EXPECT_EQ(total, 25);
}

TEST_P(StoreSuite, FiltersCombine) {
  const int64_t t0 = 1'700'000'000'000;
  auto a = Record("acc1", t0, {"203.0.113.1"}, MeasurementStatus::kFinished, {"den01"});
  auto b = Record("acc1", t0 + 1000, {"203.0.113.1", "203.0.113.2"}, MeasurementStatus::kFinished,
                  {"ams01", "den01"});
  auto c = Record("acc1", t0 + 2000, {"203.0.113.2"}, MeasurementStatus::kRunning, {"ams01"});
  auto d = Record("acc2", t0 + 3000, {"203.0.113.1"}, MeasurementStatus::kFinished, {"den01"});
  Put({a, b, c, d});
  ListQuery q;
  q.account_id = "acc1";
  int64_t total = 0;
  q.target = "203.0.113.1";
  EXPECT_EQ(Ids(q, &total), (std::vector<std::string>{b.id, a.id}));
  EXPECT_EQ(total, 2);
  q.colo = "AMS01";  // case-insensitive
  EXPECT_EQ(Ids(q, &total), (std::vector<std::string>{b.id}));
  EXPECT_EQ(total, 1);
  q.target.reset();
  EXPECT_EQ(Ids(q, &total), (std::vector<std::string>{c.id, b.id}));
  q.status = MeasurementStatus::kRunning;
  EXPECT_EQ(Ids(q, &total), (std::vector<std::string>{c.id}));
  EXPECT_EQ(total, 1);
  q = ListQuery{};
  q.account_id = "acc1";
  q.since_ms = t0 + 1000;
  q.until_ms = t0 + 2000;  // [since, until)
  EXPECT_EQ(Ids(q, &total), (std::vector<std::string>{b.id}));
  EXPECT_EQ(total, 1);
  q.since_ms.reset();
  q.until_ms.reset();
  q.status = MeasurementStatus::kFinished;
  EXPECT_EQ(Ids(q, &total), (std::vector<std::string>{b.id, a.id}));
  EXPECT_EQ(total, 2);
  q.target = "198.51.100.1";
  EXPECT_TRUE(Ids(q, &total).empty());
  EXPECT_EQ(total, 0);
}

TEST_P(StoreSuite, TheTargetFilterIgnoresCase) {
  auto m = Record("acc1", 1'700'000'000'000, {"Host.Example", "2001:DB8::1"},
                  MeasurementStatus::kFinished);
  Put({m});
  ListQuery q;
  q.account_id = "acc1";
  for (const char* target : {"host.example", "HOST.EXAMPLE", "2001:db8::1"}) {
    q.target = target;
    EXPECT_EQ(Ids(q), std::vector<std::string>{m.id}) << target;
  }
}

TEST_P(StoreSuite, DeletedIsGoneAndStaysGone) {
  auto m = Record("acc1", 1'700'000'000'000, {"t"}, MeasurementStatus::kRunning);
  Put({m});
  auto wrong_account = store_->Delete("acc2", m.id);
  ASSERT_TRUE(wrong_account.ok());
  EXPECT_FALSE(*wrong_account);
  auto deleted = store_->Delete("acc1", m.id);
  ASSERT_TRUE(deleted.ok()) << deleted.error();
  EXPECT_TRUE(*deleted);
  EXPECT_FALSE((*store_->Get("acc1", m.id)).has_value());
  // The server still running it writes its final snapshot: it does not come back.
  m.status = MeasurementStatus::kFinished;
  Put({m});
  EXPECT_FALSE((*store_->Get("acc1", m.id)).has_value());
  ListQuery q;
  q.account_id = "acc1";
  int64_t total = -1;
  EXPECT_TRUE(Ids(q, &total).empty());
  EXPECT_EQ(total, 0);
  EXPECT_FALSE(*store_->Delete("acc1", m.id));
}

TEST_P(StoreSuite, PruneRemovesTheOldAndFinishesTheAbandoned) {
  const int64_t t0 = 1'700'000'000'000;
  auto old = Record("acc1", t0, {"t"});
  auto abandoned = Record("acc1", t0 + 10'000, {"t"}, MeasurementStatus::kRunning);
  auto fresh = Record("acc1", t0 + 20'000, {"t"}, MeasurementStatus::kRunning);
  Put({old, abandoned, fresh});
  auto removed = store_->Prune(t0 + 5'000, t0 + 15'000);
  ASSERT_TRUE(removed.ok()) << removed.error();
  EXPECT_EQ(*removed, 1);
  EXPECT_FALSE((*store_->Get("acc1", old.id)).has_value());
  EXPECT_EQ((*store_->Get("acc1", abandoned.id))->status, MeasurementStatus::kFinished);
  EXPECT_EQ((*store_->Get("acc1", fresh.id))->status, MeasurementStatus::kRunning);
  ListQuery q;
  q.account_id = "acc1";
  int64_t total = 0;
  q.status = MeasurementStatus::kRunning;
  EXPECT_EQ(Ids(q, &total).size(), 1u);
  EXPECT_EQ(total, 1);
  q.status = MeasurementStatus::kFinished;
  EXPECT_EQ(Ids(q, &total).size(), 1u);
  EXPECT_EQ(total, 1);
}

TEST_P(StoreSuite, HistorySurvivesReopening) {
  auto m = Record("acc1", 1'700'000'000'000, {"203.0.113.1"});
  Put({m});
  store_.reset();
  store_ = GetParam().reopen();
  ASSERT_TRUE(store_ != nullptr);
  auto g = store_->Get("acc1", m.id);
  ASSERT_TRUE(g.ok()) << g.error();
  ASSERT_TRUE(g->has_value());
  EXPECT_EQ((*g)->targets, std::vector<std::string>{"203.0.113.1"});
}

TEST_P(StoreSuite, ManyInOneBatch) {
  // More than one multi-row statement holds (500 rows each), new and stored ones mixed.
  std::vector<MeasurementRecord> batch;
  for (int i = 0; i < 700; ++i) {
    batch.push_back(Record("acc1", 1'700'000'000'000 + i, {"t", "u"}, MeasurementStatus::kRunning,
                           {"c1", "c2"}));
  }
  Put({batch[3], batch[650]});
  Put(batch);
  ListQuery q;
  q.account_id = "acc1";
  q.target = "t";
  q.per_page = 100;
  int64_t total = 0;
  std::vector<std::string> newest = Ids(q, &total);
  ASSERT_EQ(newest.size(), 100u);
  EXPECT_EQ(newest.front(), batch.back().id);
  EXPECT_EQ(total, 700);
  q.target = "u";
  q.colo = "c2";
  q.page = 7;
  std::vector<std::string> oldest = Ids(q, &total);
  ASSERT_EQ(oldest.size(), 100u);
  EXPECT_EQ(oldest.back(), batch.front().id);
  EXPECT_EQ(total, 700);
  q = ListQuery{};
  q.account_id = "acc1";
  q.status = MeasurementStatus::kRunning;
  Ids(q, &total);
  EXPECT_EQ(total, 700);
}

TEST_P(StoreSuite, FilteredCountsFollowWritesDeletesAndPruning) {
  const int64_t t0 = 1'700'000'000'000;
  std::vector<MeasurementRecord> all;
  for (int i = 0; i < 6; ++i) {
    all.push_back(Record("acc1", t0 + i * 1000, {"Host.Example", "host.example", "203.0.113.9"},
                         MeasurementStatus::kRunning, {"AMS01", i % 2 == 0 ? "den01" : "ams01"}));
  }
  Put(all);
  auto finished = all[5];
  finished.status = MeasurementStatus::kFinished;
  finished.finished_at_ms = finished.created_at_ms + 900;
  Put({finished});  // an update: counted once
  auto total = [&](std::optional<std::string> target, std::optional<std::string> colo) {
    ListQuery q;
    q.account_id = "acc1";
    q.target = target;
    q.colo = colo;
    int64_t n = -1;
    Ids(q, &n);
    return n;
  };
  EXPECT_EQ(total("host.example", std::nullopt), 6);
  EXPECT_EQ(total("203.0.113.9", std::nullopt), 6);
  EXPECT_EQ(total(std::nullopt, "ams01"), 6);
  EXPECT_EQ(total(std::nullopt, "den01"), 3);
  EXPECT_EQ(total(std::nullopt, "lax01"), 0);
  auto deleted = store_->Delete("acc1", all[0].id);
  ASSERT_TRUE(deleted.ok() && *deleted);
  EXPECT_EQ(total("host.example", std::nullopt), 5);
  EXPECT_EQ(total(std::nullopt, "den01"), 2);
  // Pruning removes the two oldest left (t0 + 1000, t0 + 2000).
  auto pruned = store_->Prune(t0 + 2500, 0);
  ASSERT_TRUE(pruned.ok()) << pruned.error();
  EXPECT_EQ(*pruned, 2);
  EXPECT_EQ(total("HOST.EXAMPLE", std::nullopt), 3);
  EXPECT_EQ(total(std::nullopt, "AMS01"), 3);
  EXPECT_EQ(total(std::nullopt, "den01"), 1);
  EXPECT_EQ(total("host.example", "den01"), 1);
}

TEST_P(StoreSuite, OneBatchWithSeveralSnapshotsOfAMeasurementKeepsTheFinalOne) {
  auto running = Record("acc1", 1'700'000'000'000, {"t"}, MeasurementStatus::kRunning);
  auto finished = running;
  finished.status = MeasurementStatus::kFinished;
  finished.finished_at_ms = running.created_at_ms + 900;
  finished.result_json = R"([{"target":"t","colos":[]}])";
  Put({running, finished, running});
  auto g = store_->Get("acc1", running.id);
  ASSERT_TRUE(g.ok()) << g.error();
  ASSERT_TRUE(g->has_value());
  EXPECT_EQ((*g)->status, MeasurementStatus::kFinished);
  EXPECT_EQ((*g)->result_json, finished.result_json);
  ListQuery q;
  q.account_id = "acc1";
  q.status = MeasurementStatus::kFinished;
  int64_t total = 0;
  EXPECT_EQ(Ids(q, &total), std::vector<std::string>{running.id});
  EXPECT_EQ(total, 1);
  q.status = MeasurementStatus::kRunning;
  EXPECT_TRUE(Ids(q, &total).empty());
  EXPECT_EQ(total, 0);
}

// Schedules, in the same database.

inline ScheduleRecord Schedule(const std::string& account, int64_t created_ms, int64_t next_ms,
                               bool paused = false) {
  ScheduleRecord r;
  r.id = NewMeasurementId(created_ms);
  r.account_id = account;
  r.name = "every minute " + r.id.substr(20);
  r.request_json = R"({"targets":["203.0.113.1"],"colos":[],"options":{}})";
  r.interval_s = 60;
  r.paused = paused;
  r.webhook_url = "http://192.0.2.10:8080/hook";
  r.webhook_secret = "s3cret";
  r.created_at_ms = created_ms;
  r.updated_at_ms = created_ms;
  r.next_run_at_ms = next_ms;
  return r;
}

TEST_P(StoreSuite, SchedulesBelongToTheirAccount) {
  ScheduleStore& schedules = store_->schedules();
  auto a = Schedule("acc1", 1'700'000'000'000, 1'700'000'060'000);
  auto b = Schedule("acc1", 1'700'000'001'000, 1'700'000'061'000);
  auto c = Schedule("acc2", 1'700'000'002'000, 1'700'000'062'000);
  for (const auto& s : {a, b, c}) ASSERT_TRUE(schedules.CreateSchedule(s).ok());
  auto got = schedules.GetSchedule("acc1", a.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->name, a.name);
  EXPECT_EQ((*got)->request_json, a.request_json);
  EXPECT_EQ((*got)->webhook_secret, "s3cret");
  EXPECT_EQ((*got)->next_run_at_ms, a.next_run_at_ms);
  EXPECT_FALSE(schedules.GetSchedule("acc2", a.id)->has_value());
  auto page = schedules.ListSchedules("acc1", 1, 10);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, b.id);  // newest first
  EXPECT_EQ(page->total_count, 2);
  EXPECT_EQ(*schedules.CountSchedules("acc2"), 1);
  ScheduleUpdate u;
  u.paused = true;
  u.interval_s = 300;
  u.updated_at_ms = 1'700'000'100'000;
  auto changed = schedules.UpdateSchedule("acc1", a.id, u);
  ASSERT_TRUE(changed.ok() && changed->has_value());
  EXPECT_TRUE((*changed)->paused);
  EXPECT_EQ((*changed)->interval_s, 300);
  EXPECT_EQ((*changed)->name, a.name);  // untouched
  EXPECT_FALSE(schedules.UpdateSchedule("acc2", a.id, u)->has_value());
  EXPECT_FALSE(*schedules.DeleteSchedule("acc2", a.id));
  EXPECT_TRUE(*schedules.DeleteSchedule("acc1", a.id));
  EXPECT_FALSE(schedules.GetSchedule("acc1", a.id)->has_value());
  EXPECT_FALSE(*schedules.DeleteSchedule("acc1", a.id));
}

TEST_P(StoreSuite, ADueRunIsClaimedOnceAndMovesToItsNextSlot) {
  ScheduleStore& schedules = store_->schedules();
  const int64_t now = 1'700'000'100'000;
  auto due = Schedule("acc1", 1, now - 5);
  auto later = Schedule("acc1", 2, now + 5);
  auto paused = Schedule("acc1", 3, now - 5, /*paused=*/true);
  for (const auto& s : {due, later, paused}) ASSERT_TRUE(schedules.CreateSchedule(s).ok());
  auto next = [](const ScheduleRecord& s) { return s.next_run_at_ms + s.interval_s * 1000; };
  EXPECT_EQ(**schedules.NextDue(), now - 5);  // the due one (the paused one does not count)
  auto claimed = schedules.ClaimDue(now, 100, next);
  ASSERT_TRUE(claimed.ok()) << claimed.error();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, due.id);
  EXPECT_EQ((*claimed)[0].next_run_at_ms, now - 5);  // as it was when claimed
  EXPECT_TRUE(schedules.ClaimDue(now, 100, next)->empty());
  EXPECT_EQ(**schedules.NextDue(), now + 5);  // the later one is next now
  auto moved = **schedules.GetSchedule("acc1", due.id);
  EXPECT_EQ(moved.next_run_at_ms, now - 5 + 60'000);
  EXPECT_EQ(moved.last_run_at_ms, now);
  EXPECT_EQ(schedules.ClaimDue(now + 60'000, 100, next)->size(), 2u);  // due and later
}

TEST_P(StoreSuite, TwoServersClaimEveryDueRunExactlyOnce) {
  auto other = GetParam().reopen();  // a second server on the same database
  ASSERT_TRUE(other != nullptr);
  const int64_t t0 = 1'700'000'000'000;
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(store_->schedules().CreateSchedule(Schedule("acc1", t0 + i, t0 + i * 10)).ok());
  }
  auto next = [](const ScheduleRecord& s) { return s.next_run_at_ms + 60'000; };
  std::vector<std::string> first, second;
  for (int round = 0; round < 3; ++round) {
    int64_t now = t0 + 1000 + round * 60'000;
    std::thread a([&] {
      for (int k = 0; k < 8; ++k) {
        auto c = store_->schedules().ClaimDue(now, 5, next);
        ASSERT_TRUE(c.ok()) << c.error();
        for (auto& s : *c) first.push_back(s.id + "@" + std::to_string(round));
      }
    });
    std::thread b([&] {
      for (int k = 0; k < 8; ++k) {
        auto c = other->schedules().ClaimDue(now, 5, next);
        ASSERT_TRUE(c.ok()) << c.error();
        for (auto& s : *c) second.push_back(s.id + "@" + std::to_string(round));
      }
    });
    a.join();
    b.join();
  }
  std::vector<std::string> all = first;
  all.insert(all.end(), second.begin(), second.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), 120u);  // 40 schedules, 3 rounds
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a run claimed twice";
}

TEST_P(StoreSuite, PathStateAndChangesAreKeptPerScheduleTargetAndColo) {
  ScheduleStore& schedules = store_->schedules();
  auto s = Schedule("acc1", 1'700'000'000'000, 1'700'000'060'000);
  ASSERT_TRUE(schedules.CreateSchedule(s).ok());
  bool first_empty = false;
  ASSERT_TRUE(schedules
                  .UpdatePath(s.id, "203.0.113.1", "den01",
                              [&](PathStateRecord& st) -> std::optional<PathChangeRecord> {
                                first_empty = st.confirmed.empty() && st.candidate.empty();
                                st.confirmed = "a b t";
                                return std::nullopt;
                              })
                  .ok());
  EXPECT_TRUE(first_empty);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(schedules
                    .UpdatePath(s.id, "203.0.113.1", "den01",
                                [&](PathStateRecord& st) -> std::optional<PathChangeRecord> {
                                  EXPECT_EQ(st.confirmed, i == 0 ? "a b t" : "a c t");
                                  PathChangeRecord ch;
                                  ch.id = NewMeasurementId(1'700'000'100'000 + i);
                                  ch.account_id = "acc1";
                                  ch.at_ms = 1'700'000'100'000 + i;
                                  ch.confirmed_at_ms = ch.at_ms + 60'000;
                                  ch.before = st.confirmed;
                                  ch.after = i == 0 ? "a c t" : "a d t";
                                  ch.changed_ttls = {2};
                                  ch.measurement_id = "M" + std::to_string(i);
                                  st.confirmed = ch.after;
                                  return ch;
                                })
                    .ok());
  }
  auto other_colo = schedules.UpdatePath(
      s.id, "203.0.113.1", "ams01", [&](PathStateRecord& st) -> std::optional<PathChangeRecord> {
        EXPECT_TRUE(st.confirmed.empty());
        return std::nullopt;
      });
  ASSERT_TRUE(other_colo.ok());
  auto changes = schedules.ListChanges("acc1", s.id, 1, 10);
  ASSERT_TRUE(changes.ok()) << changes.error();
  ASSERT_EQ(changes->items.size(), 2u);
  EXPECT_EQ(changes->total_count, 2);
  EXPECT_EQ(changes->items[0].after, "a d t");  // newest first
  EXPECT_EQ(changes->items[1].before, "a b t");
  EXPECT_EQ(changes->items[1].changed_ttls, std::vector<int>{2});
  EXPECT_EQ(changes->items[1].colo, "den01");
  EXPECT_EQ(changes->items[1].measurement_id, "M0");
  EXPECT_TRUE(schedules.ListChanges("acc2", s.id, 1, 10)->items.empty());
  ASSERT_TRUE(*schedules.DeleteSchedule("acc1", s.id));
  EXPECT_EQ(schedules.ListChanges("acc1", s.id, 1, 10)->total_count, 0);
  // A run that ends after its schedule was deleted keeps nothing and reports no change.
  bool decided = false;
  ASSERT_TRUE(schedules
                  .UpdatePath(s.id, "203.0.113.1", "den01",
                              [&](PathStateRecord&) -> std::optional<PathChangeRecord> {
                                decided = true;
                                PathChangeRecord ch;
                                ch.id = NewMeasurementId(1'700'000'300'000);
                                ch.account_id = "acc1";
                                return ch;
                              })
                  .ok());
  EXPECT_FALSE(decided);
  EXPECT_EQ(schedules.ListChanges("acc1", s.id, 1, 10)->total_count, 0);
}

TEST_P(StoreSuite, MeasurementsOfAScheduleAreListedByIt) {
  auto run = Record("acc1", 1'700'000'000'000, {"t"});
  run.schedule_id = "SCHEDULE1";
  auto other = Record("acc1", 1'700'000'001'000, {"t"});
  Put({run, other});
  ListQuery q;
  q.account_id = "acc1";
  q.schedule_id = "SCHEDULE1";
  int64_t total = 0;
  EXPECT_EQ(Ids(q, &total), std::vector<std::string>{run.id});
  EXPECT_EQ(total, 1);
  q.target = "t";  // through the targets' table
  EXPECT_EQ(Ids(q, &total), std::vector<std::string>{run.id});
  EXPECT_EQ(total, 1);
  EXPECT_EQ((*store_->Get("acc1", run.id))->schedule_id, "SCHEDULE1");
  EXPECT_EQ((*store_->Get("acc1", other.id))->schedule_id, "");
}

}  // namespace colotrace::store
