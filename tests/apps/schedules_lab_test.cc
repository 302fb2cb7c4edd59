// Schedules through real `colotrace serve` processes whose colo probes a lab diamond: a route
// that changes between runs is reported once two runs confirm it (before and after hops, the
// webhook signed and retried after a failure), a route that flaps for one run is not, webhooks
// to refused addresses are refused at creation, and two servers on one PostgreSQL run each
// due run exactly once. Intervals are 1-2 s ([schedules] min_interval_s = 1). Needs root.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "lab/lab.h"
#include "lab/topologies.h"
#include "model/time_text.h"
#include "net/crypto.h"
#include "support/child_process.h"
#include "support/http_receiver.h"
#include "support/postgres_cluster.h"
#include "support/scratch_dir.h"

namespace {

using colotrace::testing_support::BodyOf;
using colotrace::testing_support::ChildProcess;
using colotrace::testing_support::HttpExchange;
using colotrace::testing_support::HttpReceiver;
using colotrace::testing_support::PostgresCluster;
using colotrace::testing_support::ScratchDir;
using namespace std::chrono_literals;
namespace json = boost::json;

const std::string kBase = "/client/v4/accounts/acc1/diagnostics/traceroute";
const std::string kR2a = "198.51.100.6";   // r2a on its link to r1
const std::string kR2b = "198.51.100.10";  // r2b on its link to r1

std::string Hex(const colotrace::net::Sha256Digest& d) {
  std::string out;
  char buf[3];
  for (uint8_t b : d) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    out += buf;
  }
  return out;
}

int64_t CreatedMs(const json::value& run) {
  return colotrace::model::ParseRfc3339(std::string(run.at("created_at").as_string())).value_or(0);
}

json::value Call(int port, const std::string& method, const std::string& path,
                 const std::string& body = "") {
  std::string request = method + " " + path +
                        " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k\r\nContent-Type: "
                        "application/json\r\nConnection: close\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string response = HttpExchange(port, request);
  json::error_code ec;
  json::value v = json::parse(BodyOf(response), ec);
  if (ec) return json::value(response);
  return v;
}

class SchedulesLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    if (!colotrace::lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
    lab_ = std::make_unique<colotrace::lab::Lab>("sch");
    topo_ = colotrace::lab::EcmpDiamond(*lab_);
    Via(kR2a);
    chmod(dir_.path().c_str(), 0755);  // colotrace makes history/ in it for nobody
  }

  // r1 sends everything for the target through `next_hop` (r2a or r2b).
  void Via(const std::string& next_hop) {
    lab_->Ip(topo_.routers[0], "route replace 203.0.113.0/24 via " + next_hop);
  }

  std::unique_ptr<ChildProcess> Serve(const std::string& db) {
    auto digest = colotrace::net::Sha256("t0k");
    EXPECT_TRUE(digest.ok());
    std::string config = dir_.path() + "/serve-" + std::to_string(++servers_) + ".toml";
    std::ofstream f(config);
    f << "allow_targets = [\"203.0.113.0/24\"]\n[[tokens]]\nsha256 = \"" << Hex(*digest)
      << "\"\naccounts = [\"acc1\"]\n[storage]\ndb = \"" << db
      << "\"\n[schedules]\nmin_interval_s = 1\nwebhook_first_backoff_ms = 200\n"
      << "webhook_allow = [\"127.0.0.1/32\"]\n";
    f.close();
    auto server = std::make_unique<ChildProcess>(
        std::vector<std::string>{COLOTRACE_BIN, "serve", "--config", config, "--listen",
                                 "127.0.0.1:0", "--netns", topo_.colo, "--no-names"});
    EXPECT_GT(server->port(), 0) << server->first_line();
    return server;
  }

  std::string Create(int port, int interval_s, const std::string& extra = "") {
    json::value created =
        Call(port, "POST", kBase + "/schedules",
             R"({"name":"diamond","targets":["203.0.113.1"],"options":{"packets_per_ttl":2,)"
             R"("max_ttl":8},"interval_s":)" +
                 std::to_string(interval_s) + extra + "}");
    EXPECT_EQ(created.at("success"), true) << json::serialize(created);
    return std::string(created.at("result").at("id").as_string());
  }

  // The finished runs of a schedule, oldest first.
  json::array Runs(int port, const std::string& id) {
    json::value page =
        Call(port, "GET", kBase + "/measurements?status=finished&per_page=100&schedule=" + id);
    json::array runs = page.at("result").as_array();
    std::reverse(runs.begin(), runs.end());
    return runs;
  }

  // Waits until the schedule has at least `n` finished runs; returns them.
  json::array WaitForRuns(int port, const std::string& id, size_t n) {
    json::array runs;
    for (int i = 0; i < 300; ++i) {
      runs = Runs(port, id);
      if (runs.size() >= n) break;
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_GE(runs.size(), n);
    return runs;
  }

  json::array Changes(int port, const std::string& id) {
    return Call(port, "GET", kBase + "/schedules/" + id + "/changes").at("result").as_array();
  }

  ScratchDir dir_{"colotrace-schedules-lab"};
  std::unique_ptr<colotrace::lab::Lab> lab_;
  colotrace::lab::Topology topo_;
  int servers_ = 0;
};

TEST_F(SchedulesLabTest, ARouteChangeIsReportedOnceTwoRunsConfirmItWithItsWebhook) {
  HttpReceiver receiver({500, 204});  // the first delivery fails, the retry succeeds
  auto server = Serve(dir_.path() + "/history/history.db");
  std::string secret = "0123456789abcdef0123";
  std::string id =
      Create(server->port(), 1,
             R"(,"webhook":{"url":"http://127.0.0.1:)" + std::to_string(receiver.port()) +
                 R"(/hook","secret":")" + secret + R"("})");
  size_t before = WaitForRuns(server->port(), id, 2).size();
  Via(kR2b);  // between two runs: a run takes a few ms, they come a second apart
  json::array runs = WaitForRuns(server->port(), id, before + 3);
  json::array changes;
  for (int i = 0; i < 100 && changes.empty(); ++i) {
    changes = Changes(server->port(), id);
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(changes.size(), 1u);
  const auto& change = changes[0].as_object();
  EXPECT_EQ(change.at("target").as_string(), "203.0.113.1");
  EXPECT_EQ(change.at("colo").as_string(), "local");
  json::array before_hops = change.at("before").at("hops").as_array();
  json::array after_hops = change.at("after").at("hops").as_array();
  ASSERT_EQ(before_hops.size(), 4u);
  ASSERT_EQ(after_hops.size(), 4u);
  EXPECT_EQ(before_hops[1].as_string(), kR2a);
  EXPECT_EQ(after_hops[1].as_string(), kR2b);
  EXPECT_EQ(after_hops[3].as_string(), "203.0.113.1");
  EXPECT_EQ(change.at("changed_ttls"), json::parse("[2,3]"));
  EXPECT_NE(change.at("before").at("hash"), change.at("after").at("hash"));
  // Confirmed by the second run after the change: the first on the new path is `at`.
  size_t first_new = before;  // runs[before] is the first run after Via(kR2b)
  ASSERT_GT(runs.size(), first_new + 1);
  EXPECT_EQ(change.at("measurement_id"), runs[first_new + 1].at("id"));
  // The webhook: a failed first delivery, then the same one again, signed.
  ASSERT_TRUE(receiver.WaitFor(2, 10s));
  auto requests = receiver.requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[0].headers.at("colotrace-delivery"),
            requests[1].headers.at("colotrace-delivery"));
  for (size_t i = 0; i < 2; ++i) {
    const auto& r = requests[i];
    EXPECT_EQ(r.target, "/hook");
    json::value body = json::parse(r.body);
    EXPECT_EQ(body.at("event").as_string(), "path_change");
    EXPECT_EQ(body.at("schedule").at("id").as_string(), id);
    EXPECT_EQ(body.at("change").at("id"), change.at("id"));
    EXPECT_EQ(body.at("change").at("after"), change.at("after"));
    std::string sig = r.headers.at("colotrace-signature");
    size_t comma = sig.find(",v1=");
    ASSERT_NE(comma, std::string::npos) << sig;
    auto mac = colotrace::net::HmacSha256(secret, sig.substr(2, comma - 2) + "." + r.body);
    ASSERT_TRUE(mac.ok());
    EXPECT_EQ(sig.substr(comma + 4), Hex(*mac));
  }
  // Metrics per schedule, target and colo.
  std::string metrics = BodyOf(HttpExchange(
      server->port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string labels = "{schedule=\"" + id + "\",target=\"203.0.113.1\",colo=\"local\"}";
  EXPECT_NE(metrics.find("colotrace_schedule_path_changes_total" + labels + " 1"),
            std::string::npos);
  EXPECT_NE(metrics.find("colotrace_schedule_hops" + labels + " 4"), std::string::npos);
  EXPECT_NE(metrics.find("colotrace_webhooks_delivered_total 1"), std::string::npos);
}

TEST_F(SchedulesLabTest, ARouteThatFlapsForOneRunIsNotAChange) {
  auto server = Serve(dir_.path() + "/history/history.db");
  std::string id = Create(server->port(), 1);
  size_t n = WaitForRuns(server->port(), id, 2).size();
  Via(kR2b);
  n = WaitForRuns(server->port(), id, n + 1).size();  // one run on the other path
  Via(kR2a);
  WaitForRuns(server->port(), id, n + 3);
  EXPECT_TRUE(Changes(server->port(), id).empty());
  // The run on the other path was seen: its result went through r2b.
  json::array runs = Runs(server->port(), id);
  bool saw_r2b = false;
  for (const auto& r : runs) {
    json::value full =
        Call(server->port(), "GET", kBase + "/measurements/" + std::string(r.at("id").as_string()));
    std::string text = json::serialize(full.at("result").at("result"));
    saw_r2b = saw_r2b || text.find(kR2b) != std::string::npos;
  }
  EXPECT_TRUE(saw_r2b);
}

TEST_F(SchedulesLabTest, WebhooksToRefusedAddressesAreRefusedAtCreation) {
  auto server = Serve(dir_.path() + "/history/history.db");
  for (const char* url : {"http://10.0.0.1/hook", "http://169.254.169.254/latest",
                          "http://[::1]:8080/", "http://127.0.0.2/"}) {
    json::value r =
        Call(server->port(), "POST", kBase + "/schedules",
             R"({"name":"n","targets":["203.0.113.1"],"interval_s":60,"webhook":{"url":")" +
                 std::string(url) + R"("}})");
    ASSERT_EQ(r.at("success"), false) << url;
    EXPECT_EQ(r.at("errors").at(0).at("code"), 1033) << url << json::serialize(r);
    EXPECT_EQ(r.at("errors").at(0).at("source").at("pointer"), "/webhook/url");
  }
  json::value listed = Call(server->port(), "GET", kBase + "/schedules");
  EXPECT_EQ(listed.at("result_info").at("total_count"), 0);
}

TEST_F(SchedulesLabTest, TwoServersOnOnePostgresqlRunEachDueRunExactlyOnce) {
  std::string why;
  if (PostgresCluster::BinDir(&why).empty()) GTEST_SKIP() << why;
  PostgresCluster pg;
  auto a = Serve(pg.Url());
  auto b = Serve(pg.Url());
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(Create(i % 2 == 0 ? a->port() : b->port(), 1));
  for (const auto& id : ids) WaitForRuns(a->port(), id, 6);
  for (const auto& id : ids) {
    json::array runs = Runs(b->port(), id);
    ASSERT_GE(runs.size(), 6u);
    // One run per one-second slot: a run claimed twice would come a few ms after the other.
    // (The first run comes at creation, the next at the schedule's slot: from there on.)
    for (size_t i = 2; i < runs.size(); ++i) {
      int64_t t0 = CreatedMs(runs[i - 1]);
      int64_t t1 = CreatedMs(runs[i]);
      EXPECT_GE(t1 - t0, 500) << id << " runs " << i - 1 << " and " << i;
    }
  }
}

}  // namespace
