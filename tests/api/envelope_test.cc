#include "api/envelope.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <string>
#include <vector>

namespace colotrace::api {
namespace {

namespace json = boost::json;

json::object ParseObject(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  EXPECT_FALSE(ec) << text;
  EXPECT_TRUE(v.is_object()) << text;
  return v.is_object() ? v.get_object() : json::object{};
}

model::TargetResult OneTarget() {
  model::Node node;
  node.asn = "AS64500";
  node.ip = "198.51.100.2";
  node.name = "r1.example";
  node.rtt = {3, 0.1, 0.2, 0.3, 0.1};
  model::Hop hop;
  hop.packets_ttl = 1;
  hop.packets_sent = 3;
  hop.nodes.push_back(node);
  model::ColoResult colo;
  colo.colo = {"den01", "Denver, CO, US"};
  colo.hops.push_back(hop);
  colo.target_summary.ip = "203.0.113.1";
  colo.traceroute_time_ms = 969;
  model::ColoResult failed;
  failed.colo = {"ams01", "Amsterdam, NL"};
  failed.error = model::ColoError::kTimeout;
  model::TargetResult target;
  target.target = "203.0.113.1";
  target.colos = {colo, failed};
  return target;
}

TEST(SuccessEnvelopeTest, HasTheEnvelopeAndOneResultPerTarget) {
  model::TargetResult second = OneTarget();
  second.target = "example.com";
  json::object o = ParseObject(SuccessEnvelope({OneTarget(), second}));
  EXPECT_EQ(o.at("success"), json::value(true));
  EXPECT_TRUE(o.at("errors").as_array().empty());
  EXPECT_TRUE(o.at("messages").as_array().empty());
  const json::array& result = o.at("result").as_array();
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0].at("target").as_string(), "203.0.113.1");
  EXPECT_EQ(result[1].at("target").as_string(), "example.com");
  const json::array& colos = result[0].at("colos").as_array();
  ASSERT_EQ(colos.size(), 2u);
  EXPECT_EQ(colos[0].at("colo").at("name").as_string(), "den01");
  EXPECT_EQ(colos[0].at("hops").at(0).at("nodes").at(0).at("asn").as_string(), "AS64500");
  EXPECT_EQ(colos[0].at("traceroute_time_ms").to_number<int64_t>(), 969);
  EXPECT_EQ(colos[1].at("error").as_string(), "Could not gather traceroute data: Code 3");
}

TEST(SuccessEnvelopeTest, EmptyResultIsAnEmptyArray) {
  EXPECT_EQ(SuccessEnvelope({}), R"({"success":true,"errors":[],"messages":[],"result":[]})");
}

TEST(ErrorEnvelopeTest, ExactShapeWithAndWithoutPointer) {
  std::vector<ApiError> errors = {
      {kInvalidMaxTtl, "Invalid max_ttl", "/options/max_ttl", {}, ""},
      {kAuthenticationError, "Authentication error", "", {}, ""},
  };
  EXPECT_EQ(ErrorEnvelope(errors),
            R"({"success":false,"errors":[)"
            R"({"code":1007,"message":"Invalid max_ttl","source":{"pointer":"/options/max_ttl"}},)"
            R"({"code":10000,"message":"Authentication error"}],)"
            R"("messages":[],"result":null})");
}

TEST(ErrorEnvelopeTest, AQueryParameterIsNamedAsTheSource) {
  EXPECT_EQ(ErrorEnvelope({{kInvalidQueryParameter, "Invalid page", "", {}, "page"}}),
            R"({"success":false,"errors":[{"code":1021,"message":"Invalid page",)"
            R"("source":{"parameter":"page"}}],"messages":[],"result":null})");
}

TEST(ErrorEnvelopeTest, ErrorChainIsWritten) {
  ApiError error{kMalformedAuthHeaders, "Invalid request headers", "", {}, ""};
  error.error_chain.push_back(
      {kInvalidAuthEmailHeader, "Invalid format for X-Auth-Email header", "", {}, ""});
  error.error_chain.push_back(
      {kInvalidAuthorizationHeader, "Invalid format for Authorization header", "", {}, ""});
  json::object o = ParseObject(ErrorEnvelope({error}));
  EXPECT_EQ(o.at("success"), json::value(false));
  EXPECT_TRUE(o.at("result").is_null());
  const json::object& e = o.at("errors").at(0).as_object();
  EXPECT_EQ(e.at("code").to_number<int>(), 6003);
  EXPECT_FALSE(e.contains("source"));
  const json::array& chain = e.at("error_chain").as_array();
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].at("code").to_number<int>(), 6102);
  EXPECT_EQ(chain[1].at("code").to_number<int>(), 6111);
  EXPECT_EQ(chain[1].at("message").as_string(), "Invalid format for Authorization header");
  EXPECT_FALSE(chain[0].as_object().contains("error_chain"));
}

TEST(ErrorEnvelopeTest, MessagesAreEscaped) {
  json::object o =
      ParseObject(ErrorEnvelope({{kInvalidJson, "quote \" backslash \\ nl \n", "/a~1b", {}, ""}}));
  EXPECT_EQ(o.at("errors").at(0).at("message").as_string(), "quote \" backslash \\ nl \n");
  EXPECT_EQ(o.at("errors").at(0).at("source").at("pointer").as_string(), "/a~1b");
}

TEST(HttpStatusTest, EachCodeHasItsStatus) {
  EXPECT_EQ(HttpStatusForCode(kEmptyBody), 400);
  EXPECT_EQ(HttpStatusForCode(kInvalidPort), 400);
  EXPECT_EQ(HttpStatusForCode(kAccountNotAllowed), 403);
  EXPECT_EQ(HttpStatusForCode(kMalformedAuthHeaders), 400);
  EXPECT_EQ(HttpStatusForCode(kNoRoute), 404);
  EXPECT_EQ(HttpStatusForCode(kInvalidObjectIdentifier), 400);
  EXPECT_EQ(HttpStatusForCode(kAuthenticationError), 403);
  EXPECT_EQ(HttpStatusForCode(kRateLimited), 429);
  EXPECT_EQ(HttpStatusForCode(4242), 500);
  EXPECT_EQ(HttpStatusFor({{kRateLimited, "x", "", {}, ""}, {kEmptyBody, "y", "", {}, ""}}), 429);
  EXPECT_EQ(HttpStatusFor({}), 500);
}

}  // namespace
}  // namespace colotrace::api
