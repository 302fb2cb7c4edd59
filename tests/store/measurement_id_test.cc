#include "store/measurement_id.h"

#include <gtest/gtest.h>

#include <string>

namespace colotrace::store {
namespace {

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
