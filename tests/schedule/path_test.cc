#include "schedule/path.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace colotrace::schedule {
namespace {

model::Hop HopOf(int ttl, std::vector<std::string> ips) {
  model::Hop h;
  h.packets_ttl = ttl;
  h.packets_sent = 3;
  for (auto& ip : ips) {
    model::Node n;
    n.ip = ip;
    h.nodes.push_back(n);
  }
  h.packets_lost = ips.empty() ? 3 : 0;
  return h;
}

model::ColoResult Result(std::vector<std::vector<std::string>> hops, std::string target) {
  model::ColoResult r;
  r.target_summary.ip = std::move(target);
  for (size_t i = 0; i < hops.size(); ++i)
    r.hops.push_back(HopOf(static_cast<int>(i) + 1, hops[i]));
  return r;
}

TEST(PathTest, EndsAtTheTargetWithSilenceAndLoadBalancersWritten) {
  auto path = PathOf(Result(
      {{"198.51.100.2"}, {}, {"198.51.100.10", "198.51.100.6"}, {"203.0.113.1"}, {"203.0.113.1"}},
      "203.0.113.1"));
  ASSERT_TRUE(path.has_value());
  EXPECT_TRUE(path->reached);
  EXPECT_EQ(path->hops, (std::vector<std::string>{"198.51.100.2", "*", "198.51.100.10,198.51.100.6",
                                                  "203.0.113.1"}));
  EXPECT_EQ(PathText(*path), "198.51.100.2 * 198.51.100.10,198.51.100.6 203.0.113.1");
}

TEST(PathTest, AnUnreachedTargetDropsTheTrailingSilence) {
  auto path = PathOf(Result({{"198.51.100.2"}, {}, {"198.51.100.6"}, {}, {}}, "203.0.113.1"));
  ASSERT_TRUE(path.has_value());
  EXPECT_FALSE(path->reached);
  EXPECT_EQ(path->hops, (std::vector<std::string>{"198.51.100.2", "*", "198.51.100.6"}));
  EXPECT_EQ(PathText(*path), "198.51.100.2 * 198.51.100.6 (not reached)");
}

TEST(PathTest, AnErrorSaysNothingOfThePath) {
  auto r = Result({{"198.51.100.2"}}, "203.0.113.1");
  r.error = model::ColoError::kTimeout;
  EXPECT_FALSE(PathOf(r).has_value());
}

TEST(PathTest, TextRoundTripsAndHashesTellPathsApart) {
  Path a{{"198.51.100.2", "*", "203.0.113.1"}, true};
  Path b{{"198.51.100.2", "*", "203.0.113.1"}, false};
  Path c{{"198.51.100.2", "198.51.100.9", "203.0.113.1"}, true};
  for (const Path& p : {a, b, c}) {
    auto back = ParsePathText(PathText(p));
    ASSERT_TRUE(back.has_value()) << PathText(p);
    EXPECT_EQ(*back, p);
  }
  EXPECT_EQ(PathHash(a), PathHash(Path{a.hops, true}));
  EXPECT_EQ(PathHash(a).size(), 16u);
  EXPECT_NE(PathHash(a), PathHash(b));
  EXPECT_NE(PathHash(a), PathHash(c));
  EXPECT_EQ(ParsePathText(" (not reached)")->hops.size(), 0u);
  EXPECT_FALSE(ParsePathText("").has_value());
}

TEST(PathTest, ChangedTtlsNameEveryDifferenceAndEveryExtraTtl) {
  Path before{{"a", "b", "c"}, true};
  Path after{{"a", "x", "c", "d"}, true};
  EXPECT_EQ(ChangedTtls(before, after), (std::vector<int>{2, 4}));
  EXPECT_EQ(ChangedTtls(after, before), (std::vector<int>{2, 4}));
  EXPECT_TRUE(ChangedTtls(before, before).empty());
}

}  // namespace
}  // namespace colotrace::schedule
