// The NATS wire format (docs/wire.md): every message round-trips; other versions and malformed
// messages are refused with a reason, never guessed at.
#include "dispatch/wire.h"

#include <gtest/gtest.h>

namespace colotrace::dispatch {
namespace {

TEST(WireTest, SubjectsAreLowerCased) {
  EXPECT_EQ(TraceSubject("FRA01"), "colotrace.v1.trace.fra01");
  EXPECT_EQ(QueueGroup("FRA01"), QueueGroup("fra01"));
}

TEST(WireTest, AnnouncementRoundTrips) {
  Announcement a{"fra01", "Frankfurt, DE", "agent-7", "0.1.0", 64, false, true};
  auto back = DecodeAnnouncement(EncodeAnnouncement(a));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->colo, "fra01");
  EXPECT_EQ(back->city, "Frankfurt, DE");
  EXPECT_EQ(back->agent, "agent-7");
  EXPECT_EQ(back->version, "0.1.0");
  EXPECT_EQ(back->capacity, 64);
  EXPECT_FALSE(back->available);
  EXPECT_TRUE(back->progress);
  // Announcements stay version 1, so that servers of version 1 still see new agents; one
  // without the field (an agent of version 1) reports no progress.
  EXPECT_EQ(WireVersionOf(EncodeAnnouncement(a)), 1);
  auto old = DecodeAnnouncement(R"({"v":1,"colo":"fra01","agent":"a1","capacity":4})");
  ASSERT_TRUE(old.ok()) << old.error();
  EXPECT_FALSE(old->progress);
}

TEST(WireTest, JobRoundTripsWithEveryOption) {
  Job job;
  job.target = "both.lab.example";
  job.options.max_ttl = 20;
  job.options.packet_type = model::PacketType::kGreIcmp;
  job.options.packets_per_ttl = 5;
  job.options.port = 443;
  job.options.wait_time_s = 4;
  job.options.ip_version = model::IpVersion::kV6;
  auto back = DecodeJob(EncodeJob(job));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->target, job.target);
  EXPECT_EQ(back->options.max_ttl, 20);
  EXPECT_EQ(back->options.packet_type, model::PacketType::kGreIcmp);
  EXPECT_EQ(back->options.packets_per_ttl, 5);
  EXPECT_EQ(back->options.port, 443);
  EXPECT_EQ(back->options.wait_time_s, 4);
  EXPECT_EQ(back->options.ip_version, model::IpVersion::kV6);
}

TEST(WireTest, MultipathJobsAndResultsRoundTrip) {
  Job job;
  job.target = "203.0.113.1";
  job.options.packet_type = model::PacketType::kUdp;
  job.options.multipath = true;
  job.options.confidence = 99;
  auto back = DecodeJob(EncodeJob(job));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_TRUE(back->options.multipath);
  EXPECT_EQ(back->options.confidence, 99);
  Job plain;
  plain.target = "203.0.113.1";
  EXPECT_EQ(EncodeJob(plain).find("multipath"), std::string::npos);  // as before multipath
  auto plain_back = DecodeJob(EncodeJob(plain));
  ASSERT_TRUE(plain_back.ok());
  EXPECT_FALSE(plain_back->options.multipath);
  for (const char* bad : {R"("multipath":1)", R"("confidence":90)", R"("confidence":"99")"}) {
    std::string text = R"({"v":2,"target":"203.0.113.1","options":{)" + std::string(bad) + "}}";
    EXPECT_FALSE(DecodeJob(text).ok()) << bad;
  }
  model::ColoResult r;
  r.hops.resize(2);
  r.hops[1].nodes.resize(1);
  r.hops[1].nodes[0].ip = "198.51.100.6";
  r.hops[0].links.emplace();
  r.hops[1].links = std::vector<model::Link>{{"198.51.100.2", "198.51.100.6"}};
  r.multipath_complete = false;
  r.multipath_probes = 3000;
  auto reply = DecodeReplyMessage(EncodeReply(r, 2));
  ASSERT_TRUE(reply.ok()) << reply.error();
  ASSERT_TRUE(reply->result.has_value());
  const model::ColoResult& got = *reply->result;
  ASSERT_TRUE(got.multipath_complete.has_value());
  EXPECT_FALSE(*got.multipath_complete);
  EXPECT_EQ(got.multipath_probes, 3000);
  ASSERT_EQ(got.hops.size(), 2u);
  ASSERT_TRUE(got.hops[0].links.has_value());
  EXPECT_TRUE(got.hops[0].links->empty());
  EXPECT_EQ(*got.hops[1].links, *r.hops[1].links);
}

TEST(WireTest, JobWithoutIpVersionIsAutoAndAnUnknownOneIsRefused) {
  std::string job = EncodeJob(Job{"203.0.113.1", {}});
  auto at = job.find(R"(,"ip_version":"auto")");
  ASSERT_NE(at, std::string::npos) << job;
  std::string without = job;
  without.erase(at, std::string(R"(,"ip_version":"auto")").size());
  auto back = DecodeJob(without);
  ASSERT_TRUE(back.ok()) << back.error() << " " << without;
  EXPECT_EQ(back->options.ip_version, model::IpVersion::kAuto);
  std::string odd = job;
  odd.replace(at, std::string(R"(,"ip_version":"auto")").size(), R"(,"ip_version":"ipv9")");
  EXPECT_FALSE(DecodeJob(odd).ok());
}

TEST(WireTest, JobOptionsFollowTheSameRulesAsTheApi) {
  auto with = [](const std::string& options) {
    return R"({"v":1,"target":"203.0.113.1","options":{"packet_type":"udp",)" + options + "}}";
  };
  // Absent options are the defaults; 0 means the default where the API says so.
  auto job = DecodeJob(with(R"("max_ttl":0,"packets_per_ttl":0)"));
  ASSERT_TRUE(job.ok()) << job.error();
  EXPECT_EQ(job->options.max_ttl, 15);
  EXPECT_EQ(job->options.packets_per_ttl, 3);
  EXPECT_EQ(job->options.wait_time_s, 1);
  EXPECT_EQ(job->options.port, 0);
  for (const char* bad :
       {R"("wait_time":0)", R"("wait_time":6)", R"("wait_time":"1")", R"("max_ttl":65)",
        R"("packets_per_ttl":11)", R"("port":65536)", R"("port":-1)", R"("max_ttl":1.5)"}) {
    auto refused = DecodeJob(with(bad));
    EXPECT_FALSE(refused.ok()) << bad;
    if (!refused.ok()) {
      EXPECT_NE(refused.error().find("invalid"), std::string::npos) << bad;
    }
  }
}

TEST(WireTest, ReplyRoundTrips) {
  model::ColoResult r;
  r.colo = {"fra01", "Frankfurt, DE"};
  r.error = model::ColoError::kTimeout;
  model::Hop hop;
  hop.packets_ttl = 1;
  hop.packets_sent = 3;
  hop.packets_lost = 1;
  hop.nodes.push_back(model::Node{"AS64500",
                                  "198.51.100.2",
                                  "r1.lab.example",
                                  {"!H"},
                                  model::RttStats{2, 0.5, 0.75, 1.0, 0.25}});
  r.hops.push_back(hop);
  r.target_summary = {"AS64501", "203.0.113.1", "target.lab.example", {3, 1, 2, 3, 0.8}};
  r.traceroute_time_ms = 1234;
  auto back = DecodeReply(EncodeReply(r));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->colo.name, "fra01");
  EXPECT_EQ(back->error, model::ColoError::kTimeout);
  ASSERT_EQ(back->hops.size(), 1u);
  ASSERT_EQ(back->hops[0].nodes.size(), 1u);
  const auto& n = back->hops[0].nodes[0];
  EXPECT_EQ(n.asn, "AS64500");
  EXPECT_EQ(n.name, "r1.lab.example");
  EXPECT_EQ(n.labels, std::vector<std::string>{"!H"});
  EXPECT_EQ(n.rtt.count, 2);
  EXPECT_DOUBLE_EQ(n.rtt.max_ms, 1.0);
  EXPECT_EQ(back->hops[0].packets_lost, 1);
  EXPECT_EQ(back->target_summary.name, "target.lab.example");
  EXPECT_EQ(back->target_summary.latency.count, 3);
  EXPECT_EQ(back->traceroute_time_ms, 1234);
}

TEST(WireTest, VersionOneJobsAndRepliesStillWork) {
  // A server of version 1 sends this; the agent answers in version 1, without progress.
  auto job =
      DecodeJob(R"({"v":1,"target":"203.0.113.1","options":{"max_ttl":15,"packet_type":"icmp",)"
                R"("packets_per_ttl":3,"port":0,"wait_time":1}})");
  ASSERT_TRUE(job.ok()) << job.error();
  EXPECT_EQ(job->version, 1);
  EXPECT_FALSE(job->progress);
  model::ColoResult r;
  r.traceroute_time_ms = 7;
  std::string reply = EncodeReply(r, job->version);
  EXPECT_EQ(WireVersionOf(reply), 1);
  EXPECT_EQ(DecodeReply(reply)->traceroute_time_ms, 7);
  // And a job this server sends to a colo of version-1 agents.
  Job old{"203.0.113.1", {}, 1, false};
  EXPECT_EQ(WireVersionOf(EncodeJob(old)), 1);
  EXPECT_EQ(EncodeJob(old).find("progress"), std::string::npos);
}

TEST(WireTest, ProgressHopsThenTheResult) {
  Job job{"203.0.113.1", {}, 2, true};
  auto back = DecodeJob(EncodeJob(job));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->version, 2);
  EXPECT_TRUE(back->progress);
  model::Hop hop;
  hop.packets_ttl = 4;
  hop.packets_sent = 3;
  hop.nodes.push_back(model::Node{"AS64500",
                                  "198.51.100.2",
                                  "r1",
                                  {"MPLS L=16 TC=0 S=1 TTL=1"},
                                  model::RttStats{3, 1, 2, 3, 0.5}});
  auto message = DecodeReplyMessage(EncodeHop(hop));
  ASSERT_TRUE(message.ok()) << message.error();
  ASSERT_TRUE(message->hop.has_value());
  EXPECT_FALSE(message->result.has_value());
  EXPECT_EQ(message->hop->packets_ttl, 4);
  EXPECT_EQ(message->hop->nodes.at(0).labels.at(0), "MPLS L=16 TC=0 S=1 TTL=1");
  EXPECT_DOUBLE_EQ(message->hop->nodes.at(0).rtt.mean_ms, 2.0);
  EXPECT_FALSE(DecodeReply(EncodeHop(hop)).ok());  // a hop where the result was due
  auto result = DecodeReplyMessage(EncodeReply(model::ColoResult{}, 2));
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_TRUE(result->result.has_value());
  EXPECT_FALSE(result->hop.has_value());
}

TEST(WireTest, OtherVersionsAndGarbageAreRefused) {
  std::string a = EncodeAnnouncement(Announcement{"fra01", "", "x", "0.1.0", 1, true, true});
  std::string v3 = a;
  v3.replace(v3.find(R"("v":1)"), 5, R"("v":3)");
  EXPECT_EQ(WireVersionOf(v3), 3);
  auto refused = DecodeAnnouncement(v3);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("3"), std::string::npos) << refused.error();
  std::string v0 = a;
  v0.replace(v0.find(R"("v":1)"), 5, R"("v":0)");
  EXPECT_FALSE(DecodeAnnouncement(v0).ok());
  EXPECT_FALSE(WireVersionOf("not json").has_value());
  EXPECT_FALSE(DecodeJob("").ok());
  EXPECT_FALSE(DecodeJob(R"({"v":1})").ok());
  EXPECT_FALSE(DecodeReply(R"({"v":1,"result":[]})").ok());
  EXPECT_FALSE(DecodeReplyMessage(R"({"v":2,"hop":7})").ok());
  EXPECT_FALSE(DecodeAnnouncement(R"([1,2,3])").ok());
}

}  // namespace
}  // namespace colotrace::dispatch
