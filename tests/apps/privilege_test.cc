// Least privilege, proved on running processes: colotrace installed with `cmake --install`
// carries CAP_NET_RAW as a file capability, and then runs as nobody: `trace`, `serve` with its
// local colo, an `agent`, and `serve --no-local-colo` (which needs no capability at all). Once
// started, no thread of any of them holds a capability (/proc/<pid>/task/*/status).
// Everything runs inside a lab namespace (nats-server too, on that namespace's loopback).
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "lab/lab.h"
#include "lab/topologies.h"
#include "net/system.h"
#include "support/child_process.h"
#include "support/hops.h"

namespace {

using namespace std::chrono_literals;
using colotrace::lab::ExecOptions;
using colotrace::lab::ExecResult;
using colotrace::lab::RunCommand;
using colotrace::testing_support::BodyOf;
using colotrace::testing_support::ChildProcess;
using colotrace::testing_support::Hops;
using colotrace::testing_support::HttpExchange;

constexpr const char* kNobody = "65534";

// argv that runs `program args...` inside namespace `ns` as nobody, with no other privilege.
std::vector<std::string> AsNobodyIn(const std::string& ns, const std::string& program,
                                    std::vector<std::string> args) {
  std::vector<std::string> argv = {"ip",
                                   "netns",
                                   "exec",
                                   ns,
                                   "setpriv",
                                   std::string("--reuid=") + kNobody,
                                   std::string("--regid=") + kNobody,
                                   "--clear-groups",
                                   "--inh-caps=-all",
                                   program};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// "Uid", "CapEff" and "CapPrm" of every thread of `pid`, one string per thread.
std::vector<std::string> ThreadPrivileges(pid_t pid) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream status(task.path() / "status");
    std::string line, summary;
    while (std::getline(status, line)) {
      if (line.rfind("Uid:", 0) == 0 || line.rfind("CapEff:", 0) == 0 ||
          line.rfind("CapPrm:", 0) == 0) {
        summary += line + " ";
      }
    }
    out.push_back(summary);
  }
  return out;
}

void ExpectUnprivileged(pid_t pid, const std::string& what) {
  auto threads = ThreadPrivileges(pid);
  EXPECT_FALSE(threads.empty()) << what;
  for (const std::string& t : threads) {
    EXPECT_NE(t.find(std::string("Uid:\t") + kNobody + "\t" + kNobody), std::string::npos)
        << what << ": " << t;
    EXPECT_NE(t.find("CapEff:\t0000000000000000"), std::string::npos) << what << ": " << t;
    EXPECT_NE(t.find("CapPrm:\t0000000000000000"), std::string::npos) << what << ": " << t;
  }
}

std::string HttpIn(const std::string& ns, int port, const std::string& request) {
  std::string response;
  auto s = colotrace::net::RunInNetns(ns, [&] { response = HttpExchange(port, request); });
  EXPECT_TRUE(s.ok()) << s.error();
  return BodyOf(response);
}

std::string Post(const std::string& body) {
  return "POST /client/v4/accounts/acc1/diagnostics/traceroute HTTP/1.1\r\nHost: x\r\n"
         "Authorization: Bearer t0k\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

class PrivilegeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    prefix_ = "/tmp/colotrace-install-" + std::to_string(getpid());
    ExecOptions opts;
    opts.check = false;
    install_ = RunCommand({CMAKE_COMMAND, "--install", COLOTRACE_BUILD_DIR, "--component",
                           "Unspecified", "--prefix", prefix_},
                          opts);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    if (!prefix_.empty()) std::filesystem::remove_all(prefix_, ec);
  }
  void SetUp() override {
    std::string reason;
    if (!colotrace::lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
    ASSERT_EQ(install_.status, 0) << install_.out << install_.err;
    installed_ = prefix_ + "/bin/colotrace";
    lab_ = std::make_unique<colotrace::lab::Lab>("priv");
  }
  static std::string prefix_;
  static ExecResult install_;
  std::string installed_;
  std::unique_ptr<colotrace::lab::Lab> lab_;
};
std::string PrivilegeTest::prefix_;
ExecResult PrivilegeTest::install_;

TEST_F(PrivilegeTest, InstallSetsCapNetRawAndNobodyCanTrace) {
  ExecResult caps = RunCommand({"getcap", installed_});
  EXPECT_NE(caps.out.find("cap_net_raw=ep"), std::string::npos) << caps.out << caps.err;

  auto topo = colotrace::lab::Chain(*lab_, 2);
  ExecOptions opts;
  opts.check = false;
  ExecResult r = RunCommand(
      AsNobodyIn(topo.colo, installed_, {"trace", "--json", "-n", topo.target_v4}), opts);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(Hops(boost::json::parse(r.out).at(0).at("colos").at(0)), topo.hop_v4);
  // The build's own binary has no file capability: as nobody it cannot probe, and says how.
  ExecResult plain =
      RunCommand(AsNobodyIn(topo.colo, COLOTRACE_BIN, {"trace", "-n", topo.target_v4}), opts);
  EXPECT_EQ(plain.status, 1);
  EXPECT_NE(plain.err.find("setcap cap_net_raw+ep"), std::string::npos) << plain.err;
}

TEST_F(PrivilegeTest, ServeAgentAndNatsSideRunWithoutAnyPrivilege) {
#if defined(__SANITIZE_THREAD__)
  // ThreadSanitizer's runtime starts a thread of its own before main(), which keeps the file
  // capability; the product has no such thread (the other builds run this test).
  GTEST_SKIP() << "not meaningful under ThreadSanitizer";
#endif
  auto topo = colotrace::lab::Chain(*lab_, 1);
  const int nats_port = 14222;  // inside the lab namespace: nothing else listens there
  const std::string url = "nats://127.0.0.1:" + std::to_string(nats_port);
  ChildProcess nats(
      AsNobodyIn(topo.colo, "nats-server", {"-a", "127.0.0.1", "-p", std::to_string(nats_port)}),
      false, "/dev/null");
  // The agent probes (the installed binary, with its file capability); the API server without
  // a local colo needs nothing (the build's binary, no capability at all).
  ChildProcess agent(AsNobodyIn(topo.colo, installed_,
                                {"agent", "--nats", url, "--colo", "fra01", "--no-names",
                                 "--allow-target", "203.0.113.0/24"}),
                     true, "/dev/null");
  ChildProcess api(AsNobodyIn(topo.colo, COLOTRACE_BIN,
                              {"serve", "--no-local-colo", "--no-db", "--nats", url, "--listen",
                               "127.0.0.1:0", "--token", "t0k:acc1"}),
                   true, "/dev/null");
  // And a server with its own colo, as nobody with the file capability.
  ChildProcess local(AsNobodyIn(topo.colo, installed_,
                                {"serve", "--listen", "127.0.0.1:0", "--token", "t0k:acc1",
                                 "--allow-target", "203.0.113.0/24", "--no-names", "--no-db"}),
                     true, "/dev/null");
  ASSERT_NE(agent.first_line().find("colo \"fra01\""), std::string::npos) << agent.first_line();
  ASSERT_GT(api.port(), 0) << api.first_line();
  ASSERT_GT(local.port(), 0) << local.first_line();

  boost::json::value remote;
  for (int i = 0; i < 50; ++i) {  // until the agent's announcement has arrived
    boost::json::error_code ec;
    remote = boost::json::parse(
        HttpIn(topo.colo, api.port(), Post(R"({"targets":[")" + topo.target_v4 + R"("]})")), ec);
    if (!ec && remote.is_object() && remote.at("success").as_bool()) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(remote.is_object() && remote.at("success").as_bool()) << remote;
  EXPECT_EQ(Hops(remote.at("result").at(0).at("colos").at(0)), topo.hop_v4);
  auto own = boost::json::parse(
      HttpIn(topo.colo, local.port(), Post(R"({"targets":[")" + topo.target_v4 + R"("]})")));
  EXPECT_EQ(Hops(own.at("result").at(0).at("colos").at(0)), topo.hop_v4);

  ExpectUnprivileged(agent.pid(), "agent");
  ExpectUnprivileged(api.pid(), "serve --no-local-colo");
  ExpectUnprivileged(local.pid(), "serve with its own colo");
}

}  // namespace
