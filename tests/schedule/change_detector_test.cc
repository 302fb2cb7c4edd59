#include "schedule/change_detector.h"

#include <gtest/gtest.h>

namespace colotrace::schedule {
namespace {

Path P(std::vector<std::string> hops, bool reached = true) {
  return Path{std::move(hops), reached};
}

TEST(ChangeDetectorTest, TheFirstPathIsTheBaselineAndNoChange) {
  PathState s;
  EXPECT_FALSE(ObservePath(s, P({"a", "b", "t"}), 1000, 2));
  ASSERT_TRUE(s.confirmed.has_value());
  EXPECT_EQ(*s.confirmed, P({"a", "b", "t"}));
  EXPECT_FALSE(ObservePath(s, P({"a", "b", "t"}), 2000, 2));
}

TEST(ChangeDetectorTest, AChangeIsConfirmedAfterTwoRunsWithBeforeAndAfter) {
  PathState s;
  ObservePath(s, P({"a", "b", "t"}), 1000, 2);
  EXPECT_FALSE(ObservePath(s, P({"a", "c", "t"}), 2000, 2));
  auto change = ObservePath(s, P({"a", "c", "t"}), 3000, 2);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->at_ms, 2000);
  EXPECT_EQ(change->confirmed_at_ms, 3000);
  EXPECT_EQ(change->before, P({"a", "b", "t"}));
  EXPECT_EQ(change->after, P({"a", "c", "t"}));
  EXPECT_EQ(change->changed_ttls, std::vector<int>{2});
  EXPECT_EQ(*s.confirmed, P({"a", "c", "t"}));
  EXPECT_FALSE(s.candidate.has_value());
  EXPECT_FALSE(ObservePath(s, P({"a", "c", "t"}), 4000, 2));  // reported once
}

TEST(ChangeDetectorTest, AFlapIsNotAChange) {
  PathState s;
  ObservePath(s, P({"a", "b", "t"}), 1000, 2);
  EXPECT_FALSE(ObservePath(s, P({"a", "c", "t"}), 2000, 2));
  EXPECT_FALSE(ObservePath(s, P({"a", "b", "t"}), 3000, 2));
  EXPECT_FALSE(s.candidate.has_value());
  EXPECT_FALSE(ObservePath(s, P({"a", "c", "t"}), 4000, 2));  // counting starts over
  EXPECT_EQ(s.candidate_runs, 1);
}

TEST(ChangeDetectorTest, TwoDifferentNewPathsInARowAreNotOneChange) {
  PathState s;
  ObservePath(s, P({"a", "b", "t"}), 1000, 2);
  EXPECT_FALSE(ObservePath(s, P({"a", "c", "t"}), 2000, 2));
  EXPECT_FALSE(ObservePath(s, P({"a", "d", "t"}), 3000, 2));
  auto change = ObservePath(s, P({"a", "d", "t"}), 4000, 2);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->at_ms, 3000);
  EXPECT_EQ(change->after, P({"a", "d", "t"}));
}

TEST(ChangeDetectorTest, SilenceMatchesAnyAddressAndIsFilledIn) {
  PathState s;
  ObservePath(s, P({"a", "*", "t"}), 1000, 2);
  EXPECT_FALSE(ObservePath(s, P({"a", "b", "t"}), 2000, 2));
  EXPECT_EQ(*s.confirmed, P({"a", "b", "t"}));                // learnt
  EXPECT_FALSE(ObservePath(s, P({"*", "b", "t"}), 3000, 2));  // a lost reply
  EXPECT_FALSE(s.candidate.has_value());
  EXPECT_EQ(*s.confirmed, P({"a", "b", "t"}));
}

TEST(ChangeDetectorTest, ReachingOrNotAndTheLengthAreChanges) {
  PathState s;
  ObservePath(s, P({"a", "b", "t"}), 1000, 1);
  auto lost = ObservePath(s, P({"a", "b"}, false), 2000, 1);
  ASSERT_TRUE(lost.has_value());
  EXPECT_EQ(lost->changed_ttls, std::vector<int>{3});
  auto longer = ObservePath(s, P({"a", "b", "c", "t"}), 3000, 1);
  ASSERT_TRUE(longer.has_value());
  EXPECT_EQ(longer->changed_ttls, (std::vector<int>{3, 4}));
}

TEST(ChangeDetectorTest, ConfirmRunsOfThreeNeedsThree) {
  PathState s;
  ObservePath(s, P({"a", "t"}), 0, 3);
  EXPECT_FALSE(ObservePath(s, P({"b", "t"}), 1, 3));
  EXPECT_FALSE(ObservePath(s, P({"b", "t"}), 2, 3));
  EXPECT_TRUE(ObservePath(s, P({"b", "t"}), 3, 3).has_value());
}

}  // namespace
}  // namespace colotrace::schedule
