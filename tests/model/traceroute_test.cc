#include "model/traceroute.h"

#include <gtest/gtest.h>

#include "model/limits.h"

namespace colotrace::model {
namespace {

TEST(PacketTypeTest, NamesAreTheApiSpellings) {
  EXPECT_EQ(PacketTypeName(PacketType::kIcmp), "icmp");
  EXPECT_EQ(PacketTypeName(PacketType::kTcp), "tcp");
  EXPECT_EQ(PacketTypeName(PacketType::kUdp), "udp");
  EXPECT_EQ(PacketTypeName(PacketType::kGre), "gre");
  EXPECT_EQ(PacketTypeName(PacketType::kGreIcmp), "gre+icmp");
}

TEST(PacketTypeTest, ParseInvertsName) {
  for (PacketType t : {PacketType::kIcmp, PacketType::kTcp, PacketType::kUdp, PacketType::kGre,
                       PacketType::kGreIcmp}) {
    std::optional<PacketType> parsed = ParsePacketType(PacketTypeName(t));
    ASSERT_TRUE(parsed.has_value()) << PacketTypeName(t);
    EXPECT_EQ(*parsed, t);
  }
}

TEST(PacketTypeTest, ParseRejectsOtherSpellings) {
  for (std::string_view bad : {"ICMP", "Udp", "TCP", "gre ", " gre", "gre+ICMP", "gre+", "icmp6",
                               "", "g", "udp\n", "gre icmp", "gre-icmp"}) {
    EXPECT_FALSE(ParsePacketType(bad).has_value()) << '"' << bad << '"';
  }
  // An embedded NUL must not make "icmp\0" look like "icmp".
  EXPECT_FALSE(ParsePacketType(std::string_view("icmp\0", 5)).has_value());
}

TEST(EffectivePortTest, DefaultsPerProtocol) {
  TraceOptions o;
  o.packet_type = PacketType::kUdp;
  EXPECT_EQ(EffectivePort(o), 33434);
  EXPECT_EQ(EffectivePort(o), kDefaultUdpPort);
  o.packet_type = PacketType::kTcp;
  EXPECT_EQ(EffectivePort(o), 80);
  o.packet_type = PacketType::kIcmp;
  EXPECT_EQ(EffectivePort(o), 1);
}

TEST(EffectivePortTest, ExplicitPortWins) {
  TraceOptions o;
  o.port = 5353;
  for (PacketType t : {PacketType::kIcmp, PacketType::kTcp, PacketType::kUdp}) {
    o.packet_type = t;
    EXPECT_EQ(EffectivePort(o), 5353) << PacketTypeName(t);
  }
  o.packet_type = PacketType::kTcp;
  o.port = 65535;
  EXPECT_EQ(EffectivePort(o), 65535);
  o.port = 1;
  o.packet_type = PacketType::kUdp;
  EXPECT_EQ(EffectivePort(o), 1);
}

TEST(TraceOptionsTest, DefaultsMatchLimits) {
  TraceOptions o;
  EXPECT_EQ(o.max_ttl, kMaxTtlDefault);
  EXPECT_EQ(o.packets_per_ttl, kPacketsPerTtlDefault);
  EXPECT_EQ(o.wait_time_s, kWaitTimeDefaultS);
  EXPECT_EQ(o.packet_type, PacketType::kIcmp);
  EXPECT_EQ(o.port, 0);
}

TEST(ColoErrorTextTest, ExactStrings) {
  EXPECT_EQ(ColoErrorText(ColoError::kNone), "");
  EXPECT_EQ(ColoErrorText(ColoError::kTargetRefused), "Could not gather traceroute data: Code 1");
  EXPECT_EQ(ColoErrorText(ColoError::kCannotProbe), "Could not gather traceroute data: Code 2");
  EXPECT_EQ(ColoErrorText(ColoError::kTimeout), "Could not gather traceroute data: Code 3");
  EXPECT_EQ(ColoErrorText(ColoError::kInternal), "Could not gather traceroute data: Code 4");
}

TEST(NormalizeTraceOptionsTest, ZeroMeansTheDefaultWhereTheRuleSaysSo) {
  TraceOptions o;
  o.max_ttl = 0;
  o.packets_per_ttl = 0;
  o.port = 0;
  EXPECT_EQ(NormalizeTraceOptions(o), std::nullopt);
  EXPECT_EQ(o.max_ttl, kMaxTtlDefault);
  EXPECT_EQ(o.packets_per_ttl, kPacketsPerTtlDefault);
  EXPECT_EQ(o.port, 0);  // 0 is a port value of its own (the protocol's default)
}

TEST(NormalizeTraceOptionsTest, EveryBoundIsChecked) {
  struct Case {
    int TraceOptions::*field;
    int value;
    std::optional<IntOption> want;
  };
  const Case cases[] = {
      {&TraceOptions::max_ttl, 64, std::nullopt},
      {&TraceOptions::max_ttl, 65, IntOption::kMaxTtl},
      {&TraceOptions::max_ttl, -1, IntOption::kMaxTtl},
      {&TraceOptions::packets_per_ttl, 10, std::nullopt},
      {&TraceOptions::packets_per_ttl, 11, IntOption::kPacketsPerTtl},
      {&TraceOptions::port, 65535, std::nullopt},
      {&TraceOptions::port, 65536, IntOption::kPort},
      {&TraceOptions::port, -1, IntOption::kPort},
      {&TraceOptions::wait_time_s, 1, std::nullopt},
      {&TraceOptions::wait_time_s, 5, std::nullopt},
      {&TraceOptions::wait_time_s, 0, IntOption::kWaitTime},
      {&TraceOptions::wait_time_s, 6, IntOption::kWaitTime},
  };
  for (const Case& c : cases) {
    TraceOptions o;
    o.*c.field = c.value;
    EXPECT_EQ(NormalizeTraceOptions(o), c.want) << c.value;
  }
  EXPECT_EQ(RuleOf(IntOption::kWaitTime).name, "wait_time");
  EXPECT_EQ(RuleOf(IntOption::kMaxTtl).zero_means, kMaxTtlDefault);
}

TEST(IsValidColoNameTest, Spelling) {
  EXPECT_TRUE(IsValidColoName("den"));
  EXPECT_TRUE(IsValidColoName("DEN-01_b"));
  EXPECT_TRUE(IsValidColoName(std::string(32, 'x')));
  EXPECT_FALSE(IsValidColoName(std::string(33, 'x')));
  EXPECT_FALSE(IsValidColoName(""));
  EXPECT_FALSE(IsValidColoName("den 01"));
  EXPECT_FALSE(IsValidColoName("den/01"));
}

}  // namespace
}  // namespace colotrace::model
