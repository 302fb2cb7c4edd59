#include "dispatch/dispatcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <thread>

namespace colotrace::dispatch {
namespace {

using model::ColoError;
using model::ColoResult;

// A colo that answers after `delay` with one hop naming itself, or never (delay < 0).
class FakeColo : public ColoRunner {
 public:
  FakeColo(std::string name, std::chrono::milliseconds delay)
      : name_(std::move(name)), delay_(delay) {}
  ~FakeColo() override {
    for (auto& t : threads_) t.join();
  }
  void Trace(const std::string& target, const model::TraceOptions&, HopCallback on_hop,
             Callback done) override {
    if (delay_.count() < 0) {
      // Answers only when Release() is called (a hop, then the result).
      parked_.push_back({std::move(on_hop), std::move(done)});
      return;
    }
    std::lock_guard lock(mu_);
    threads_.emplace_back([this, target, on_hop = std::move(on_hop), done = std::move(done)] {
      std::this_thread::sleep_for(delay_);
      ColoResult r;
      model::Hop hop;
      hop.packets_ttl = 1;
      model::Node node;
      node.ip = name_ + ":" + target;
      hop.nodes.push_back(node);
      r.hops.push_back(hop);
      if (on_hop) on_hop(hop);
      done(r);
    });
  }
  void Release() {
    for (auto& [on_hop, done] : parked_) {
      if (on_hop) on_hop(model::Hop{});
      done(ColoResult{});
    }
    parked_.clear();
  }

 private:
  std::string name_;
  std::chrono::milliseconds delay_;
  std::mutex mu_;
  std::vector<std::thread> threads_;
  std::vector<std::pair<HopCallback, Callback>> parked_;
};

std::vector<std::string> Names(const Dispatcher::Selection& s) {
  std::vector<std::string> out;
  for (const auto& c : s.colos) out.push_back(c.name);
  return out;
}

TEST(DispatcherTest, SelectsByNamePrefixAndAvailability) {
  Dispatcher d;
  auto colo = std::make_shared<FakeColo>("x", std::chrono::milliseconds(0));
  d.AddColo({"den01", "Denver", true}, colo);
  d.AddColo({"den02", "Denver", true}, colo);
  d.AddColo({"ams01", "Amsterdam", true}, colo);
  d.AddColo({"pek01", "Beijing", false}, colo);
  EXPECT_EQ(Names(d.Select({})), (std::vector<std::string>{"den01", "den02", "ams01"}));
  EXPECT_EQ(Names(d.Select({"den"})), (std::vector<std::string>{"den01", "den02"}));
  EXPECT_EQ(Names(d.Select({"DEN02", "ams01", "den"})),
            (std::vector<std::string>{"den02", "ams01", "den01"}));
  EXPECT_EQ(d.Select({"de"}).unknown, "de");        // two letters are no prefix
  EXPECT_EQ(d.Select({"den0"}).unknown, "den0");    // neither are four
  EXPECT_EQ(d.Select({"pek01"}).unknown, "pek01");  // unavailable colos are never selected
  EXPECT_EQ(d.Select({"pek"}).unknown, "pek");
  EXPECT_EQ(d.Select({"ams01", "xyz", "zzz"}).unknown, "xyz");
}

TEST(DispatcherTest, AddingAColoOfTheSameNameReplacesIt) {
  Dispatcher d;
  auto colo = std::make_shared<FakeColo>("x", std::chrono::milliseconds(0));
  d.AddColo({"den01", "Denver", true}, colo);
  d.AddColo({"DEN01", "Denver, CO", false}, colo);
  ASSERT_EQ(d.Colos().size(), 1u);
  EXPECT_EQ(d.Colos()[0].city, "Denver, CO");
  EXPECT_TRUE(d.Select({}).colos.empty());
}

TEST(DispatcherTest, ResultsComeInRequestOrderWithColoNames) {
  Dispatcher d;
  auto slow = std::make_shared<FakeColo>("slow", std::chrono::milliseconds(50));
  auto fast = std::make_shared<FakeColo>("fast", std::chrono::milliseconds(0));
  d.AddColo({"slow1", "S", true}, slow);
  d.AddColo({"fast1", "F", true}, fast);
  std::promise<std::vector<model::TargetResult>> p;
  d.Run({"t1", "t2"}, d.Select({}).colos, {}, std::chrono::milliseconds(5000),
        [&p](std::vector<model::TargetResult> r) { p.set_value(std::move(r)); });
  auto results = p.get_future().get();
  ASSERT_EQ(results.size(), 2u);
  for (size_t t = 0; t < 2; ++t) {
    std::string target = t == 0 ? "t1" : "t2";
    EXPECT_EQ(results[t].target, target);
    ASSERT_EQ(results[t].colos.size(), 2u);
    EXPECT_EQ(results[t].colos[0].colo.name, "slow1");
    EXPECT_EQ(results[t].colos[0].colo.city, "S");
    EXPECT_EQ(results[t].colos[0].hops.at(0).nodes.at(0).ip, "slow:" + target);
    EXPECT_EQ(results[t].colos[1].colo.name, "fast1");
    EXPECT_EQ(results[t].colos[1].hops.at(0).nodes.at(0).ip, "fast:" + target);
    EXPECT_EQ(results[t].colos[1].error, ColoError::kNone);
  }
}

TEST(DispatcherTest, AColoPastTheDeadlineGetsCode3AndItsLateAnswerIsDropped) {
  Dispatcher d;
  auto silent = std::make_shared<FakeColo>("silent", std::chrono::milliseconds(-1));
  auto fast = std::make_shared<FakeColo>("fast", std::chrono::milliseconds(0));
  d.AddColo({"silent1", "", true}, silent);
  d.AddColo({"fast1", "", true}, fast);
  std::promise<std::vector<model::TargetResult>> p;
  int calls = 0;
  d.Run({"t1"}, d.Select({}).colos, {}, std::chrono::milliseconds(100),
        [&](std::vector<model::TargetResult> r) {
          ++calls;
          p.set_value(std::move(r));
        });
  auto results = p.get_future().get();
  ASSERT_EQ(results.at(0).colos.size(), 2u);
  EXPECT_EQ(results[0].colos[0].error, ColoError::kTimeout);
  EXPECT_EQ(results[0].colos[0].traceroute_time_ms, 100);
  EXPECT_EQ(results[0].colos[0].colo.name, "silent1");
  EXPECT_EQ(results[0].colos[1].error, ColoError::kNone);
  silent->Release();  // the late answer: no second callback
  EXPECT_EQ(calls, 1);
}

TEST(DispatcherTest, TheObserverSeesEachSlotsHopsThenItsResultAndNothingLate) {
  Dispatcher d;
  auto silent = std::make_shared<FakeColo>("silent", std::chrono::milliseconds(-1));
  auto fast = std::make_shared<FakeColo>("fast", std::chrono::milliseconds(0));
  d.AddColo({"silent1", "", true}, silent);
  d.AddColo({"fast1", "", true}, fast);
  std::mutex mu;
  std::vector<std::string> events;
  Dispatcher::Observer observer;
  observer.on_hop = [&](size_t t, size_t c, const model::Hop& hop) {
    std::lock_guard lock(mu);
    events.push_back("hop " + std::to_string(t) + "," + std::to_string(c) + " ttl " +
                     std::to_string(hop.packets_ttl));
  };
  observer.on_colo = [&](size_t t, size_t c, const ColoResult& r) {
    std::lock_guard lock(mu);
    events.push_back("colo " + std::to_string(t) + "," + std::to_string(c) + " " + r.colo.name +
                     " code " + std::to_string(static_cast<int>(r.error)));
  };
  std::promise<std::vector<model::TargetResult>> p;
  d.Run(
      {"t1", "t2"}, d.Select({}).colos, {}, std::chrono::milliseconds(100),
      [&](std::vector<model::TargetResult> r) { p.set_value(std::move(r)); }, observer);
  p.get_future().get();
  silent->Release();  // late: neither its hop nor its result is observed
  std::lock_guard lock(mu);
  ASSERT_EQ(events.size(), 6u);
  for (size_t t : {0u, 1u}) {
    std::string slot = std::to_string(t) + ",1";
    auto hop = std::find(events.begin(), events.end(), "hop " + slot + " ttl 1");
    auto colo = std::find(events.begin(), events.end(), "colo " + slot + " fast1 code 0");
    ASSERT_NE(hop, events.end());
    ASSERT_NE(colo, events.end());
    EXPECT_LT(hop, colo);  // the hop first
    EXPECT_NE(
        std::find(events.begin(), events.end(), "colo " + std::to_string(t) + ",0 silent1 code 3"),
        events.end());
  }
}

TEST(DispatcherTest, NoTargetsOrNoColosAnswerAtOnce) {
  Dispatcher d;
  bool called = false;
  d.Run({}, {}, {}, std::chrono::milliseconds(100), [&](std::vector<model::TargetResult> r) {
    called = true;
    EXPECT_TRUE(r.empty());
  });
  EXPECT_TRUE(called);
}

}  // namespace
}  // namespace colotrace::dispatch
