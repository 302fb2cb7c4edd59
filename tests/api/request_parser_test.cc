#include "api/request_parser.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/limits.h"

namespace colotrace::api {
namespace {

std::vector<ApiError> Errors(std::string_view body) {
  ParseOutcome outcome = ParseTracerouteRequest(body);
  if (auto* errors = std::get_if<std::vector<ApiError>>(&outcome)) return *errors;
  return {};
}

TracerouteRequest Request(std::string_view body) {
  ParseOutcome outcome = ParseTracerouteRequest(body);
  if (auto* errors = std::get_if<std::vector<ApiError>>(&outcome)) {
    ADD_FAILURE() << body << " was refused: " << errors->front().code << " "
                  << errors->front().pointer;
    return {};
  }
  return std::get<TracerouteRequest>(outcome);
}

std::string WithOptions(std::string_view options) {
  return R"({"targets":["192.0.2.1"],"options":)" + std::string(options) + "}";
}

std::string Nested(int depth) {
  std::string s = R"({"targets":["192.0.2.1"],"x":)";
  for (int i = 0; i < depth; ++i) s += "[";
  for (int i = 0; i < depth; ++i) s += "]";
  return s + "}";
}

std::string ElevenTargets() {
  std::string s = R"({"targets":[)";
  for (int i = 0; i < 11; ++i)
    s += std::string(i ? "," : "") + "\"192.0.2." + std::to_string(i) + "\"";
  return s + "]}";
}

struct Malformed {
  std::string name;
  std::string body;
  int code;
  std::string pointer;
};

class MalformedBodyTest : public testing::TestWithParam<Malformed> {};

TEST_P(MalformedBodyTest, IsRefusedWithItsCodeAndPointer) {
  const Malformed& m = GetParam();
  std::vector<ApiError> errors = Errors(m.body);
  ASSERT_EQ(errors.size(), 1u) << m.body;
  EXPECT_EQ(errors[0].code, m.code) << m.body;
  EXPECT_EQ(errors[0].pointer, m.pointer) << m.body;
  EXPECT_FALSE(errors[0].message.empty());
}

const std::string kLongLabel(64, 'a');

const std::vector<Malformed>& MalformedBodies() {
  static const std::vector<Malformed> kBodies = {
      // Empty and not JSON.
      Malformed{"empty", "", kEmptyBody, ""},
      Malformed{"spaces", "   ", kEmptyBody, ""},
      Malformed{"whitespace", " \t\r\n ", kEmptyBody, ""},
      Malformed{"garbage", "targets=1.2.3.4", kInvalidJson, ""},
      Malformed{"truncated", R"({"targets":["192.0.2.1"])", kInvalidJson, ""},
      Malformed{"trailing_comma", R"({"targets":["192.0.2.1"],})", kInvalidJson, ""},
      Malformed{"comment", R"({"targets":["192.0.2.1"]} // c)", kInvalidJson, ""},
      Malformed{"two_values", R"({"targets":["192.0.2.1"]} {})", kInvalidJson, ""},
      Malformed{"single_quotes", R"({'targets':['192.0.2.1']})", kInvalidJson, ""},
      Malformed{"array_body", R"([{"targets":["192.0.2.1"]}])", kInvalidJson, ""},
      Malformed{"string_body", R"("192.0.2.1")", kInvalidJson, ""},
      Malformed{"null_body", "null", kInvalidJson, ""},
      Malformed{"number_body", "42", kInvalidJson, ""},
      Malformed{"deep_nesting_100", Nested(100), kInvalidJson, ""},
      Malformed{"invalid_utf8_in_string", "{\"targets\":[\"192.0.2.1\"],\"x\":\"\xC3\x28\"}",
                kInvalidJson, ""},
      Malformed{"invalid_utf8_lone_continuation", "{\"targets\":[\"\x80\"]}", kInvalidJson, ""},
      Malformed{"overlong_utf8", "{\"targets\":[\"192.0.2.1\"],\"x\":\"\xC0\xAF\"}", kInvalidJson,
                ""},
      Malformed{"bom", "\xEF\xBB\xBF{\"targets\":[\"192.0.2.1\"]}", kInvalidJson, ""},
      // targets.
      Malformed{"no_targets", R"({"colos":["den"]})", kNoTargets, "/targets"},
      Malformed{"empty_object", "{}", kNoTargets, "/targets"},
      Malformed{"targets_empty", R"({"targets":[]})", kNoTargets, "/targets"},
      Malformed{"targets_string", R"({"targets":"192.0.2.1"})", kNoTargets, "/targets"},
      Malformed{"targets_null", R"({"targets":null})", kNoTargets, "/targets"},
      Malformed{"targets_object", R"({"targets":{"0":"192.0.2.1"}})", kNoTargets, "/targets"},
      Malformed{"eleven_targets", ElevenTargets(), kTooManyTargets, "/targets"},
      Malformed{"target_number", R"({"targets":[1]})", kInvalidTarget, "/targets/0"},
      Malformed{"target_null", R"({"targets":["192.0.2.1",null]})", kInvalidTarget, "/targets/1"},
      Malformed{"target_empty", R"({"targets":[""]})", kInvalidTarget, "/targets/0"},
      Malformed{"target_space", R"({"targets":["exa mple.com"]})", kInvalidTarget, "/targets/0"},
      Malformed{"target_underscore", R"({"targets":["my_host.example"]})", kInvalidTarget,
                "/targets/0"},
      Malformed{"target_long_label", R"({"targets":[")" + kLongLabel + R"(.com"]})", kInvalidTarget,
                "/targets/0"},
      Malformed{"target_leading_hyphen", R"({"targets":["-a.example"]})", kInvalidTarget,
                "/targets/0"},
      Malformed{"target_empty_label", R"({"targets":["a..example"]})", kInvalidTarget,
                "/targets/0"},
      Malformed{"target_bad_ipv4", R"({"targets":["256.1.1.1"]})", kInvalidTarget, "/targets/0"},
      Malformed{"target_url", R"({"targets":["http://example.com/"]})", kInvalidTarget,
                "/targets/0"},
      Malformed{"target_bracketed_v6", R"({"targets":["[2001:db8::1]"]})", kInvalidTarget,
                "/targets/0"},
      Malformed{"target_zone", R"({"targets":["fe80::1%eth0"]})", kInvalidTarget, "/targets/0"},
      Malformed{"target_nul", "{\"targets\":[\"a\\u0000b\"]}", kInvalidTarget, "/targets/0"},
      // colos.
      Malformed{"colos_string", R"({"targets":["192.0.2.1"],"colos":"den"})", kUnknownColo,
                "/colos"},
      Malformed{"colos_object", R"({"targets":["192.0.2.1"],"colos":{}})", kUnknownColo, "/colos"},
      Malformed{"colo_number", R"({"targets":["192.0.2.1"],"colos":["den",7]})", kUnknownColo,
                "/colos/1"},
      Malformed{"colo_empty", R"({"targets":["192.0.2.1"],"colos":[""]})", kUnknownColo,
                "/colos/0"},
      Malformed{"colo_dot", R"({"targets":["192.0.2.1"],"colos":["den.01"]})", kUnknownColo,
                "/colos/0"},
      Malformed{"colo_too_long",
                R"({"targets":["192.0.2.1"],"colos":[")" + std::string(33, 'a') + R"("]})",
                kUnknownColo, "/colos/0"},
      // options.
      Malformed{"options_array", WithOptions("[]"), kInvalidJson, "/options"},
      Malformed{"options_string", WithOptions(R"("icmp")"), kInvalidJson, "/options"},
      Malformed{"options_null", WithOptions("null"), kInvalidJson, "/options"},
      Malformed{"max_ttl_65", WithOptions(R"({"max_ttl":65})"), kInvalidMaxTtl, "/options/max_ttl"},
      Malformed{"max_ttl_negative", WithOptions(R"({"max_ttl":-1})"), kInvalidMaxTtl,
                "/options/max_ttl"},
      Malformed{"max_ttl_fraction", WithOptions(R"({"max_ttl":15.5})"), kInvalidMaxTtl,
                "/options/max_ttl"},
      Malformed{"max_ttl_string", WithOptions(R"({"max_ttl":"15"})"), kInvalidMaxTtl,
                "/options/max_ttl"},
      Malformed{"max_ttl_bool", WithOptions(R"({"max_ttl":true})"), kInvalidMaxTtl,
                "/options/max_ttl"},
      Malformed{"max_ttl_null", WithOptions(R"({"max_ttl":null})"), kInvalidMaxTtl,
                "/options/max_ttl"},
      Malformed{"max_ttl_1e300", WithOptions(R"({"max_ttl":1e300})"), kInvalidMaxTtl,
                "/options/max_ttl"},
      Malformed{"max_ttl_1e400_infinite", WithOptions(R"({"max_ttl":1e400})"), kInvalidMaxTtl,
                "/options/max_ttl"},
      Malformed{"exponent_overflow", WithOptions(R"({"max_ttl":1e99999999999})"), kInvalidJson, ""},
      Malformed{"lone_surrogate", R"({"targets":["\ud800"]})", kInvalidJson, ""},
      Malformed{"max_ttl_2_pow_64", WithOptions(R"({"max_ttl":18446744073709551616})"),
                kInvalidMaxTtl, "/options/max_ttl"},
      Malformed{"max_ttl_uint64_max", WithOptions(R"({"max_ttl":18446744073709551615})"),
                kInvalidMaxTtl, "/options/max_ttl"},
      Malformed{"max_ttl_wraps_int32", WithOptions(R"({"max_ttl":4294967311})"), kInvalidMaxTtl,
                "/options/max_ttl"},
      Malformed{"max_ttl_array", WithOptions(R"({"max_ttl":[15]})"), kInvalidMaxTtl,
                "/options/max_ttl"},
      Malformed{"packets_per_ttl_11", WithOptions(R"({"packets_per_ttl":11})"),
                kInvalidPacketsPerTtl, "/options/packets_per_ttl"},
      Malformed{"packets_per_ttl_negative", WithOptions(R"({"packets_per_ttl":-3})"),
                kInvalidPacketsPerTtl, "/options/packets_per_ttl"},
      Malformed{"packets_per_ttl_fraction", WithOptions(R"({"packets_per_ttl":0.5})"),
                kInvalidPacketsPerTtl, "/options/packets_per_ttl"},
      Malformed{"port_65536", WithOptions(R"({"port":65536})"), kInvalidPort, "/options/port"},
      Malformed{"port_negative", WithOptions(R"({"port":-1})"), kInvalidPort, "/options/port"},
      Malformed{"port_string", WithOptions(R"({"port":"443"})"), kInvalidPort, "/options/port"},
      Malformed{"port_huge_negative", WithOptions(R"({"port":-1e300})"), kInvalidPort,
                "/options/port"},
      Malformed{"wait_time_0", WithOptions(R"({"wait_time":0})"), kInvalidWaitTime,
                "/options/wait_time"},
      Malformed{"wait_time_6", WithOptions(R"({"wait_time":6})"), kInvalidWaitTime,
                "/options/wait_time"},
      Malformed{"wait_time_fraction", WithOptions(R"({"wait_time":1.5})"), kInvalidWaitTime,
                "/options/wait_time"},
      Malformed{"wait_time_false", WithOptions(R"({"wait_time":false})"), kInvalidWaitTime,
                "/options/wait_time"},
      Malformed{"packet_type_upper", WithOptions(R"({"packet_type":"ICMP"})"), kInvalidPacketType,
                "/options/packet_type"},
      Malformed{"packet_type_unknown", WithOptions(R"({"packet_type":"sctp"})"), kInvalidPacketType,
                "/options/packet_type"},
      Malformed{"packet_type_number", WithOptions(R"({"packet_type":1})"), kInvalidPacketType,
                "/options/packet_type"},
      Malformed{"packet_type_null", WithOptions(R"({"packet_type":null})"), kInvalidPacketType,
                "/options/packet_type"},
      Malformed{"packet_type_gre_space_icmp", WithOptions(R"({"packet_type":"gre icmp"})"),
                kInvalidPacketType, "/options/packet_type"},
  };
  return kBodies;
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedBodyTest, testing::ValuesIn(MalformedBodies()),
                         [](const testing::TestParamInfo<Malformed>& param_info) {
                           return param_info.param.name;
                         });

TEST(RequestParserTest, TableHasAtLeastFortyDistinctBodies) {
  std::set<std::string> bodies;
  for (const Malformed& m : MalformedBodies()) bodies.insert(m.body);
  EXPECT_GE(bodies.size(), 40u);
  EXPECT_EQ(bodies.size(), MalformedBodies().size());
}

TEST(RequestParserTest, DepthUpToTheLimitIsAccepted) {
  // The top-level object is one level: 31 nested arrays inside it make 32.
  EXPECT_EQ(Request(Nested(static_cast<int>(kMaxJsonDepth) - 1)).targets.size(), 1u);
  EXPECT_EQ(Errors(Nested(static_cast<int>(kMaxJsonDepth))).at(0).code, kInvalidJson);
}

TEST(RequestParserTest, CollectsEveryErrorInDocumentOrder) {
  std::vector<ApiError> errors =
      Errors(R"({"options":{"wait_time":9,"max_ttl":"x","packet_type":"raw","port":1e9,)"
             R"("packets_per_ttl":-1},"colos":["ok",1],"targets":["a_b","192.0.2.1",false]})");
  std::vector<std::pair<int, std::string>> got;
  for (const auto& e : errors) got.emplace_back(e.code, e.pointer);
  std::vector<std::pair<int, std::string>> want = {
      {kInvalidWaitTime, "/options/wait_time"},
      {kInvalidMaxTtl, "/options/max_ttl"},
      {kInvalidPacketType, "/options/packet_type"},
      {kInvalidPort, "/options/port"},
      {kInvalidPacketsPerTtl, "/options/packets_per_ttl"},
      {kUnknownColo, "/colos/1"},
      {kInvalidTarget, "/targets/0"},
      {kInvalidTarget, "/targets/2"},
  };
  EXPECT_EQ(got, want);
}

TEST(RequestParserTest, MissingTargetsComesAfterTheOtherErrors) {
  std::vector<ApiError> errors = Errors(R"({"options":{"max_ttl":99}})");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].code, kInvalidMaxTtl);
  EXPECT_EQ(errors[1].code, kNoTargets);
}

TEST(RequestParserTest, ElevenBadTargetsReportTheCountAndEachTarget) {
  std::string body = R"({"targets":[)";
  for (int i = 0; i < 11; ++i)
    body += std::string(i ? "," : "") + "\"bad_" + std::to_string(i) + "\"";
  body += "]}";
  std::vector<ApiError> errors = Errors(body);
  ASSERT_EQ(errors.size(), 12u);
  EXPECT_EQ(errors[0].code, kTooManyTargets);
  EXPECT_EQ(errors[11].pointer, "/targets/10");
}

TEST(RequestParserTest, ErrorCountIsBounded) {
  std::string body = R"({"targets":["192.0.2.1"],"colos":[)";
  for (int i = 0; i < 1000; ++i) body += std::string(i ? "," : "") + "1";
  body += "]}";
  std::vector<ApiError> errors = Errors(body);
  EXPECT_EQ(errors.size(), kMaxReportedErrors);
  EXPECT_EQ(errors.back().pointer, "/colos/" + std::to_string(kMaxReportedErrors - 1));
}

TEST(RequestParserTest, SdkTestBodySucceeds) {
  TracerouteRequest r =
      Request(R"({"targets":["203.0.113.1"],"colos":["den"],"options":{"max_ttl":15,)"
              R"("packet_type":"icmp","packets_per_ttl":0,"port":0,"wait_time":1}})");
  EXPECT_EQ(r.targets, std::vector<std::string>{"203.0.113.1"});
  EXPECT_EQ(r.colos, std::vector<std::string>{"den"});
  EXPECT_EQ(r.options.max_ttl, 15);
  EXPECT_EQ(r.options.packet_type, model::PacketType::kIcmp);
  EXPECT_EQ(r.options.packets_per_ttl, model::kPacketsPerTtlDefault);
  EXPECT_EQ(r.options.port, 0);
  EXPECT_EQ(r.options.wait_time_s, 1);
}

TEST(RequestParserTest, DefaultsWhenOptionsAreAbsent) {
  TracerouteRequest r = Request(R"({"targets":["example.com"]})");
  EXPECT_TRUE(r.colos.empty());
  EXPECT_EQ(r.options.max_ttl, model::kMaxTtlDefault);
  EXPECT_EQ(r.options.packet_type, model::PacketType::kIcmp);
  EXPECT_EQ(r.options.packets_per_ttl, model::kPacketsPerTtlDefault);
  EXPECT_EQ(r.options.port, 0);
  EXPECT_EQ(r.options.wait_time_s, model::kWaitTimeDefaultS);
}

TEST(RequestParserTest, MultipathOptions) {
  TracerouteRequest plain = Request(R"({"targets":["192.0.2.1"]})");
  EXPECT_FALSE(plain.options.multipath);
  EXPECT_EQ(plain.options.confidence, model::kConfidenceDefault);
  TracerouteRequest mp = Request(WithOptions(R"({"multipath":true,"packet_type":"udp"})"));
  EXPECT_TRUE(mp.options.multipath);
  EXPECT_EQ(mp.options.confidence, 95);
  EXPECT_EQ(Request(WithOptions(R"({"multipath":true,"confidence":99})")).options.confidence, 99);
  EXPECT_FALSE(Request(WithOptions(R"({"multipath":false})")).options.multipath);
  for (const char* bad : {"1", R"("true")", "null", "[]"}) {
    auto errors = Errors(WithOptions(std::string(R"({"multipath":)") + bad + "}"));
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].code, kInvalidMultipath) << bad;
    EXPECT_EQ(errors[0].pointer, "/options/multipath");
  }
  for (const char* bad : {"90", "100", "95.5", R"("95")", "0", "null"}) {
    auto errors =
        Errors(WithOptions(std::string(R"({"multipath":true,"confidence":)") + bad + "}"));
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].code, kInvalidConfidence) << bad;
    EXPECT_EQ(errors[0].pointer, "/options/confidence");
  }
  for (const char* type : {"gre", "gre+icmp"}) {
    std::string options = R"({"multipath":true,"packet_type":")" + std::string(type) + R"("})";
    auto errors = Errors(WithOptions(options));
    ASSERT_EQ(errors.size(), 1u) << type;
    EXPECT_EQ(errors[0].code, kMultipathPacketType) << type;
    EXPECT_EQ(errors[0].pointer, "/options/packet_type");
  }
  // In document order with the other members' errors: options first, then targets.
  auto ordered = Errors(R"({"options":{"multipath":true,"packet_type":"gre"},"targets":[1]})");
  ASSERT_EQ(ordered.size(), 2u);
  EXPECT_EQ(ordered[0].code, kMultipathPacketType);
  EXPECT_EQ(ordered[1].pointer, "/targets/0");
  auto missing = Errors(R"({"options":{"multipath":true,"packet_type":"gre+icmp"}})");
  ASSERT_EQ(missing.size(), 2u);
  EXPECT_EQ(missing[0].code, kMultipathPacketType);
  EXPECT_EQ(missing[1].code, kNoTargets);  // a missing `targets` comes last
  // gre without multipath stays valid.
  EXPECT_TRUE(Errors(WithOptions(R"({"packet_type":"gre","multipath":false})")).empty());
}

TEST(RequestParserTest, IpVersionOption) {
  EXPECT_EQ(Request(R"({"targets":["example.com"]})").options.ip_version, model::IpVersion::kAuto);
  EXPECT_EQ(Request(WithOptions(R"({"ip_version":"ipv4"})")).options.ip_version,
            model::IpVersion::kV4);
  EXPECT_EQ(Request(R"({"targets":["example.com","2001:db8::1"],"options":{"ip_version":"ipv6"}})")
                .options.ip_version,
            model::IpVersion::kV6);
  EXPECT_EQ(Request(WithOptions(R"({"ip_version":"auto"})")).options.ip_version,
            model::IpVersion::kAuto);
  for (const char* bad : {R"("IPv6")", "6", "null", R"("")", R"("ipv5")"}) {
    auto errors = Errors(WithOptions(std::string(R"({"ip_version":)") + bad + "}"));
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].code, kInvalidIpVersion) << bad;
    EXPECT_EQ(errors[0].pointer, "/options/ip_version");
  }
  // Literals of the other family, each reported; host names are judged at the colo.
  auto errors = Errors(R"({"targets":["192.0.2.1","example.com","2001:db8::1","198.51.100.1"],)"
                       R"("options":{"ip_version":"ipv6"}})");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].code, kTargetFamilyMismatch);
  EXPECT_EQ(errors[0].pointer, "/targets/0");
  EXPECT_EQ(errors[1].pointer, "/targets/3");
  EXPECT_EQ(HttpStatusForCode(kTargetFamilyMismatch), 400);
  EXPECT_EQ(HttpStatusForCode(kInvalidIpVersion), 400);
}

TEST(RequestParserTest, ZerosMeanDefaults) {
  TracerouteRequest r =
      Request(WithOptions(R"({"max_ttl":0,"packets_per_ttl":0,"port":0,"wait_time":5})"));
  EXPECT_EQ(r.options.max_ttl, model::kMaxTtlDefault);
  EXPECT_EQ(r.options.packets_per_ttl, model::kPacketsPerTtlDefault);
  EXPECT_EQ(r.options.port, 0);
  EXPECT_EQ(r.options.wait_time_s, 5);
}

TEST(RequestParserTest, BoundariesAndIntegralDoublesAreAccepted) {
  TracerouteRequest r = Request(WithOptions(
      R"({"max_ttl":64.0,"packets_per_ttl":1e1,"port":65535,"wait_time":1,"packet_type":"udp"})"));
  EXPECT_EQ(r.options.max_ttl, 64);
  EXPECT_EQ(r.options.packets_per_ttl, 10);
  EXPECT_EQ(r.options.port, 65535);
  EXPECT_EQ(r.options.packet_type, model::PacketType::kUdp);
  EXPECT_EQ(Request(WithOptions(R"({"max_ttl":1})")).options.max_ttl, 1);
  EXPECT_EQ(Request(WithOptions(R"({"port":-0.0})")).options.port, 0);
}

TEST(RequestParserTest, EveryPacketTypeIsAccepted) {
  const std::pair<const char*, model::PacketType> kTypes[] = {
      {"icmp", model::PacketType::kIcmp},
      {"tcp", model::PacketType::kTcp},
      {"udp", model::PacketType::kUdp},
      {"gre", model::PacketType::kGre},
      {"gre+icmp", model::PacketType::kGreIcmp}};
  for (const auto& [name, type] : kTypes) {
    std::string body = WithOptions(std::string(R"({"packet_type":")") + name + "\"}");
    EXPECT_EQ(Request(body).options.packet_type, type) << name;
  }
}

TEST(RequestParserTest, UnknownFieldsAreIgnored) {
  TracerouteRequest r =
      Request(R"({"extra":{"deep":[1,2,{"x":null}]},"targets":["2001:db8::1","example.com."],)"
              R"("options":{"max_ttl":20,"colour":"blue"},"account":"x"})");
  EXPECT_EQ(r.targets, (std::vector<std::string>{"2001:db8::1", "example.com."}));
  EXPECT_EQ(r.options.max_ttl, 20);
}

TEST(RequestParserTest, TenTargetsAndEmptyColosAreAccepted) {
  std::string body = R"({"targets":[)";
  for (int i = 0; i < 10; ++i)
    body += std::string(i ? "," : "") + "\"h" + std::to_string(i) + ".example\"";
  body += R"(],"colos":[]})";
  TracerouteRequest r = Request(body);
  EXPECT_EQ(r.targets.size(), 10u);
  EXPECT_EQ(r.targets[9], "h9.example");
  EXPECT_TRUE(r.colos.empty());
}

TEST(RequestParserTest, ColosKeepTheirSpelling) {
  TracerouteRequest r = Request(R"({"targets":["192.0.2.1"],"colos":["DEN01","ams_2","fra-1"]})");
  EXPECT_EQ(r.colos, (std::vector<std::string>{"DEN01", "ams_2", "fra-1"}));
}

TEST(RequestParserTest, LastDuplicateMemberCounts) {
  EXPECT_EQ(Request(WithOptions(R"({"max_ttl":99,"max_ttl":7})")).options.max_ttl, 7);
  auto r =
      Request(R"({"targets":["192.0.2.1"],"colos":["a"],"targets":["192.0.2.2"],"colos":["b"]})");
  EXPECT_EQ(r.targets, std::vector<std::string>{"192.0.2.2"});
  EXPECT_EQ(r.colos, std::vector<std::string>{"b"});
}

// Found by fuzz/request_parser_fuzz.cc: the pointer of a 1020 names the target's place in the
// body, also after an invalid target (fuzz/regressions/request_parser/).
TEST(RequestParserTest, FamilyMismatchPointsIntoTheBody) {
  auto errors = Errors(R"({"targets":[1,"2001:db8::1"],"options":{"ip_version":"ipv4"}})");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].code, kInvalidTarget);
  EXPECT_EQ(errors[0].pointer, "/targets/0");
  EXPECT_EQ(errors[1].code, kTargetFamilyMismatch);
  EXPECT_EQ(errors[1].pointer, "/targets/1");
}

TEST(RequestParserTest, SurroundingWhitespaceIsFine) {
  EXPECT_EQ(Request("\n  {\"targets\":[\"192.0.2.1\"]}\r\n ").targets.size(), 1u);
}

TEST(IsValidHostNameTest, Accepts) {
  for (const char* name : {"example.com", "example.com.", "a", "localhost", "xn--bcher-kva.example",
                           "a-b.c-d.e", "1.example", "host1", "0x7f.example"}) {
    EXPECT_TRUE(IsValidHostName(name)) << name;
  }
  std::string longest = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                        std::string(63, 'c') + "." + std::string(61, 'd');
  ASSERT_EQ(longest.size(), 253u);
  EXPECT_TRUE(IsValidHostName(longest));
  EXPECT_TRUE(IsValidHostName(longest + "."));
  EXPECT_FALSE(IsValidHostName(longest + "d"));
}

TEST(IsValidHostNameTest, Refuses) {
  for (const char* name :
       {"",    ".",   "..",    "a..b",      ".a",  "a-",    "-a",  "a.-b",      "a.b-", "a_b",
        "a b", "a:b", "1.2.3", "256.1.1.1", "123", "a.123", "a..", "é.example", "a/b",  "a@b"}) {
    EXPECT_FALSE(IsValidHostName(name)) << name;
  }
  EXPECT_FALSE(IsValidHostName(std::string(64, 'a')));
  EXPECT_TRUE(IsValidHostName(std::string(63, 'a')));
}

TEST(IsValidTargetTest, AddressesAndNames) {
  EXPECT_TRUE(IsValidTarget("192.0.2.1"));
  EXPECT_TRUE(IsValidTarget("::1"));
  EXPECT_TRUE(IsValidTarget("::ffff:192.0.2.1"));
  EXPECT_TRUE(IsValidTarget("example.org"));
  EXPECT_FALSE(IsValidTarget("192.0.2.1 "));
  EXPECT_FALSE(IsValidTarget("1.2.3.4.5"));
  EXPECT_FALSE(IsValidTarget("2001:db8::1::2"));
}

}  // namespace
}  // namespace colotrace::api
