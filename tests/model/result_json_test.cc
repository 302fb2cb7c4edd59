#include "model/result_json.h"

#include <gtest/gtest.h>

namespace colotrace::model {
namespace {

Node MakeNode(std::string asn, std::string ip, std::string name, std::vector<std::string> labels,
              RttStats rtt) {
  Node n;
  n.asn = std::move(asn);
  n.ip = std::move(ip);
  n.name = std::move(name);
  n.labels = std::move(labels);
  n.rtt = rtt;
  return n;
}

ColoResult ReachedColo() {
  ColoResult c;
  c.colo = {"ams", "Amsterdam"};
  Hop h1;
  h1.packets_ttl = 1;
  h1.packets_sent = 3;
  h1.packets_lost = 0;
  h1.nodes.push_back(MakeNode("AS64500", "192.0.2.1", "r1.example.net",
                              {"MPLS L=24001 TC=0 S=1 TTL=1"}, {3, 1.25, 1.5, 1.75, 0.204124}));
  Hop h2;
  h2.packets_ttl = 2;
  h2.packets_sent = 3;
  h2.packets_lost = 3;
  Hop h3;
  h3.packets_ttl = 3;
  h3.packets_sent = 3;
  h3.packets_lost = 0;
  h3.nodes.push_back(MakeNode("", "198.51.100.7", "198.51.100.7", {}, {2, 10, 10.5, 11, 0.5}));
  h3.nodes.push_back(MakeNode("AS64501", "203.0.113.9", "203.0.113.9", {"!H", "gre"},
                              {1, 12.3456, 12.3456, 12.3456, 0}));
  c.hops = {h1, h2, h3};
  c.target_summary.asn = "AS64501";
  c.target_summary.ip = "203.0.113.9";
  c.target_summary.name = "target.example";
  c.target_summary.latency = {3, 12.1, 12.2, 12.3, 0.08165};
  c.traceroute_time_ms = 1234;
  return c;
}

ColoResult TimedOutColo() {
  ColoResult c;
  c.colo = {"sin", "Singapore"};
  c.error = ColoError::kTimeout;
  c.traceroute_time_ms = 5000;
  return c;
}

const char kReachedColoJson[] =
    R"({"colo":{"name":"ams","city":"Amsterdam"},"error":"","hops":[)"
    R"({"packets_ttl":1,"packets_sent":3,"packets_lost":0,"nodes":[)"
    R"({"asn":"AS64500","ip":"192.0.2.1","name":"r1.example.net",)"
    R"("labels":["MPLS L=24001 TC=0 S=1 TTL=1"],"packet_count":3,)"
    R"("min_rtt_ms":1.25,"mean_rtt_ms":1.5,"max_rtt_ms":1.75,"std_dev_rtt_ms":0.204}]},)"
    R"({"packets_ttl":2,"packets_sent":3,"packets_lost":3,"nodes":[]},)"
    R"({"packets_ttl":3,"packets_sent":3,"packets_lost":0,"nodes":[)"
    R"({"asn":"","ip":"198.51.100.7","name":"198.51.100.7","labels":[],"packet_count":2,)"
    R"("min_rtt_ms":10,"mean_rtt_ms":10.5,"max_rtt_ms":11,"std_dev_rtt_ms":0.5},)"
    R"({"asn":"AS64501","ip":"203.0.113.9","name":"203.0.113.9","labels":["!H","gre"],)"
    R"("packet_count":1,"min_rtt_ms":12.346,"mean_rtt_ms":12.346,"max_rtt_ms":12.346,)"
    R"("std_dev_rtt_ms":0}]}],)"
    R"("target_summary":{"asn":"AS64501","ip":"203.0.113.9","name":"target.example",)"
    R"("packet_count":3,"min_latency_ms":12.1,"mean_latency_ms":12.2,"max_latency_ms":12.3,)"
    R"("std_dev_latency_ms":0.082,"min_rtt_ms":12.1,"mean_rtt_ms":12.2,"max_rtt_ms":12.3,)"
    R"("std_dev_rtt_ms":0.082},"traceroute_time_ms":1234})";

const char kTimedOutColoJson[] =
    R"({"colo":{"name":"sin","city":"Singapore"},)"
    R"("error":"Could not gather traceroute data: Code 3","hops":[],)"
    R"("target_summary":{"asn":"","ip":"","name":"","packet_count":0,)"
    R"("min_latency_ms":0,"mean_latency_ms":0,"max_latency_ms":0,"std_dev_latency_ms":0,)"
    R"("min_rtt_ms":0,"mean_rtt_ms":0,"max_rtt_ms":0,"std_dev_rtt_ms":0},)"
    R"("traceroute_time_ms":5000})";

TEST(ResultJsonTest, ColoResultExactly) {
  JsonWriter w;
  WriteColoResult(w, ReachedColo());
  EXPECT_EQ(w.str(), kReachedColoJson);
}

TEST(ResultJsonTest, ErrorColoExactly) {
  JsonWriter w;
  WriteColoResult(w, TimedOutColo());
  EXPECT_EQ(w.str(), kTimedOutColoJson);
}

TEST(ResultJsonTest, TargetResultExactly) {
  TargetResult t;
  t.target = "example.com";
  t.colos = {ReachedColo(), TimedOutColo()};
  JsonWriter w;
  WriteTargetResult(w, t);
  EXPECT_EQ(w.str(), std::string(R"({"target":"example.com","colos":[)") + kReachedColoJson + "," +
                         kTimedOutColoJson + "]}");
}

TEST(ResultJsonTest, ResultArray) {
  EXPECT_EQ(ResultArrayJson({}), "[]");

  TargetResult a;
  a.target = "example.com";
  a.colos = {ReachedColo()};
  TargetResult b;
  b.target = "2001:db8::1";
  b.colos = {TimedOutColo()};
  TargetResult c;
  c.target = "no-colos.example";
  EXPECT_EQ(ResultArrayJson({a, b, c}),
            std::string(R"([{"target":"example.com","colos":[)") + kReachedColoJson +
                R"(]},{"target":"2001:db8::1","colos":[)" + kTimedOutColoJson +
                R"(]},{"target":"no-colos.example","colos":[]}])");
}

TEST(ResultJsonTest, EveryErrorCodeIsSpelled) {
  for (auto [error, text] :
       {std::pair{ColoError::kTargetRefused, "Code 1"},
        std::pair{ColoError::kCannotProbe, "Code 2"}, std::pair{ColoError::kInternal, "Code 4"}}) {
    ColoResult c;
    c.error = error;
    JsonWriter w;
    WriteColoResult(w, c);
    EXPECT_NE(
        w.str().find(std::string(R"("error":"Could not gather traceroute data: )") + text + "\""),
        std::string::npos)
        << w.str();
  }
}

TEST(ResultJsonTest, UserTextIsEscaped) {
  TargetResult t;
  t.target = "bad\"target\\\x01";
  ColoResult c = TimedOutColo();
  c.colo.city = "S\xC3\xA3o Paulo";  // valid UTF-8 stays
  c.colo.name = "x\xFF";             // invalid byte replaced
  t.colos = {c};
  std::string json = ResultArrayJson({t});
  EXPECT_EQ(json.rfind(R"([{"target":"bad\"target\\\u0001","colos":[{"colo":{"name":"x)"
                       "\xEF\xBF\xBD"
                       R"(","city":"S)"
                       "\xC3\xA3"
                       R"(o Paulo"},)",
                       0),
            0u)
      << json;
}

TEST(ResultJsonTest, ParsingWhatWasWrittenGivesItBack) {
  std::vector<TargetResult> written = {TargetResult{"203.0.113.1", {ReachedColo(), TimedOutColo()}},
                                       TargetResult{"name.example", {}}};
  std::string text = ResultArrayJson(written);
  auto read = ParseResultArrayJson(text);
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(ResultArrayJson(*read), text);  // every field survives the round trip
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].colos[1].error, TimedOutColo().error);
  auto hop = ParseHopJson(text.substr(text.find("{\"packets_ttl\"")));
  EXPECT_FALSE(hop.ok());  // trailing text: not one JSON object
  JsonWriter w;
  WriteHop(w, ReachedColo().hops.at(0));
  auto one = ParseHopJson(w.Take());
  ASSERT_TRUE(one.ok()) << one.error();
  EXPECT_EQ(one->nodes.size(), ReachedColo().hops.at(0).nodes.size());
}

TEST(ResultJsonTest, ParsingIsLenientAboutMembersButNotAboutShapes) {
  EXPECT_FALSE(ParseResultArrayJson("{}").ok());
  EXPECT_FALSE(ParseResultArrayJson("[1]").ok());
  EXPECT_FALSE(ParseColoResultJson("[]").ok());
  EXPECT_FALSE(ParseHopJson("not json").ok());
  auto colo = ParseColoResultJson(R"({"error":"something new","hops":[{"packets_ttl":"x"}]})");
  ASSERT_TRUE(colo.ok()) << colo.error();
  EXPECT_EQ(colo->error, ColoError::kInternal);  // an unknown error text is Code 4
  ASSERT_EQ(colo->hops.size(), 1u);
  EXPECT_EQ(colo->hops[0].packets_ttl, 0);
}

}  // namespace
}  // namespace colotrace::model
