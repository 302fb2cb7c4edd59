// DnsClient against a resolver that refuses: a lab namespace whose own loopback has nothing
// listening on port 53, so every query comes back as an ICMP port unreachable. Needs root;
// skips without it. (Answers from a real server: reverse_dns_test.cc, host_resolver_test.cc.)

#include "enrich/dns_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "enrich/dns_message.h"
#include "lab/lab.h"

namespace colotrace::enrich {
namespace {

TEST(DnsClientLabTest, ARefusingServerFailsEveryQueryInsteadOfTimingOut) {
  std::string why_not;
  if (!lab::Lab::CanRun(&why_not)) GTEST_SKIP() << why_not;
  lab::Lab lab("dnsc");
  std::string colo = lab.AddNode("colo");
  DnsClientOptions options;
  options.netns = colo;
  options.servers = {"127.0.0.1"};  // the namespace's own loopback: nothing listens there
  options.timeout_ms = 2000;
  options.tries = 1;
  auto client = DnsClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.error();

  // Several queries at once, as the reverse names of a trace's hops are asked for: the
  // refusal of the first must not be taken by the send of the second while the first waits
  // for its timeout.
  constexpr int kQueries = 6;
  std::vector<std::promise<DnsReply>> replies(kQueries);
  for (int i = 0; i < kQueries; ++i) {
    std::string name = std::to_string(i + 1) + ".100.51.198.in-addr.arpa";
    (*client)->Query(name, kDnsTypePtr,
                     [&replies, i](DnsReply reply) { replies[i].set_value(std::move(reply)); });
  }
  for (int i = 0; i < kQueries; ++i) {
    DnsReply reply = replies[i].get_future().get();
    EXPECT_EQ(reply.status, DnsReply::Status::kFailed) << "query " << i << ": " << reply.error;
    EXPECT_NE(reply.error.find("refused"), std::string::npos) << reply.error;
  }
}

}  // namespace
}  // namespace colotrace::enrich
