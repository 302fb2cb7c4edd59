#include "dispatch/in_order.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace colotrace::dispatch {
namespace {

model::Hop HopAt(int ttl) {
  model::Hop h;
  h.packets_ttl = ttl;
  return h;
}

TEST(InOrderTest, DeliversInProductionOrderWhateverOrderItemsBecomeReady) {
  std::vector<std::string> seen;
  InOrder in_order(
      [&](model::Hop h) { seen.push_back("hop " + std::to_string(h.packets_ttl)); },
      [&](model::ColoResult r) { seen.push_back("done " + std::to_string(r.traceroute_time_ms)); });
  uint64_t a = in_order.Reserve();
  uint64_t b = in_order.Reserve();
  uint64_t c = in_order.Reserve();
  model::ColoResult result;
  result.traceroute_time_ms = 42;
  in_order.Done(c, result);  // the result is ready first: held back
  EXPECT_TRUE(seen.empty());
  in_order.Hop(b, HopAt(2));
  EXPECT_TRUE(seen.empty());
  in_order.Hop(a, HopAt(1));  // releases everything, in order
  EXPECT_EQ(seen, (std::vector<std::string>{"hop 1", "hop 2", "done 42"}));
}

TEST(InOrderTest, ConcurrentCompletionsKeepTheOrder) {
  constexpr int kHops = 200;
  std::vector<int> ttls;
  bool done = false;
  InOrder in_order([&](model::Hop h) { ttls.push_back(h.packets_ttl); },
                   [&](model::ColoResult) { done = true; });
  std::vector<uint64_t> positions;
  for (int i = 0; i <= kHops; ++i) positions.push_back(in_order.Reserve());
  std::vector<std::thread> threads;
  for (int i = 0; i < kHops; ++i) {
    threads.emplace_back([&, i] { in_order.Hop(positions[i], HopAt(i + 1)); });
  }
  threads.emplace_back([&] { in_order.Done(positions[kHops], model::ColoResult{}); });
  for (auto& t : threads) t.join();
  ASSERT_EQ(ttls.size(), static_cast<size_t>(kHops));
  for (int i = 0; i < kHops; ++i) EXPECT_EQ(ttls[i], i + 1);
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace colotrace::dispatch
