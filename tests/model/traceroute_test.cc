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

}  // namespace
}  // namespace colotrace::model
