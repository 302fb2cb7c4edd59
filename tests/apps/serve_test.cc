// `colotrace serve` as an operator runs it: start-up banner, a traceroute through the lab, the
// drain on SIGTERM, and privileges dropped. The server's colo probes inside lab namespaces;
// HTTP stays on 127.0.0.1.
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <string>
#include <thread>

#include "lab/lab.h"
#include "lab/topologies.h"

namespace {

// A `colotrace serve` child process with its stdout captured.
class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args) {
    int out[2];
    EXPECT_EQ(pipe(out), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      std::vector<std::string> all = {COLOTRACE_BIN, "serve"};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    out_ = fdopen(out[0], "r");
    char line[512];
    if (fgets(line, sizeof line, out_) != nullptr) banner_ = line;
    auto colon = banner_.find("127.0.0.1:");
    if (colon != std::string::npos) port_ = std::atoi(banner_.c_str() + colon + 10);
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) fclose(out_);
  }
  // SIGTERM and the exit status (-1 if it did not exit within `limit`).
  int Terminate(std::chrono::milliseconds limit) {
    kill(pid_, SIGTERM);
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  std::string RestOfOutput() {
    std::string s;
    char line[512];
    while (fgets(line, sizeof line, out_) != nullptr) s += line;
    return s;
  }
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  const std::string& banner() const { return banner_; }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::string banner_;
  int port_ = 0;
};

// One HTTP/1.1 request on a new connection; the whole response, or "" if none came.
std::string HttpExchange(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  [[maybe_unused]] ssize_t w = write(fd, request.data(), request.size());
  std::string response;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) response.append(buf, static_cast<size_t>(n));
  close(fd);
  return response;
}

std::string Post(const std::string& token, const std::string& body) {
  return "POST /client/v4/accounts/acc1/diagnostics/traceroute HTTP/1.1\r\nHost: x\r\n"
         "Authorization: Bearer " +
         token + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string BodyOf(const std::string& response) {
  auto pos = response.find("\r\n\r\n");
  return pos == std::string::npos ? "" : response.substr(pos + 4);
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    if (!colotrace::lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
    lab_ = std::make_unique<colotrace::lab::Lab>("srv");
  }
  std::unique_ptr<colotrace::lab::Lab> lab_;
};

TEST(ServeBannerTest, WithoutConfigurationItPrintsAWorkingCurlCommand) {
  // Port 0: any free port. The banner names it and a generated token for account "local".
  ServeProcess server({"--listen", "127.0.0.1:0", "--user", "nobody"});
  ASSERT_GT(server.port(), 0) << server.banner();
  EXPECT_NE(server.banner().find("colotrace: listening on http://127.0.0.1:"), std::string::npos);
  ASSERT_EQ(server.Terminate(std::chrono::seconds(5)), 0);
  std::string rest = server.RestOfOutput();
  EXPECT_NE(rest.find("admits the token "), std::string::npos) << rest;
  EXPECT_NE(rest.find("curl -s -X POST http://127.0.0.1:" + std::to_string(server.port()) +
                      "/client/v4/accounts/local/diagnostics/traceroute"),
            std::string::npos)
      << rest;
}

TEST(ServeBannerTest, BadFlagsAndConfigurationExit2) {
  for (std::vector<std::string> args : {std::vector<std::string>{"--listen", "nonsense"},
                                        {"--frobnicate"},
                                        {"--token", "no-colon"},
                                        {"--allow-target", "300.0.0.0/8"},
                                        {"--config", "/nonexistent/colotrace.toml"}}) {
    ServeProcess server(args);
    int status = server.Terminate(std::chrono::seconds(5));
    EXPECT_EQ(status, 2) << args[0];
  }
}

TEST_F(ServeTest, TracesThroughTheLabAndDrainsOnSigterm) {
  colotrace::lab::ChainOptions opts;
  opts.silent_router = 1;  // every trace waits 1 s for hop 1: time to send SIGTERM meanwhile
  auto topo = colotrace::lab::Chain(*lab_, 2, opts);
  ServeProcess server({"--listen", "127.0.0.1:0", "--netns", topo.colo, "--token", "t0k:acc1",
                       "--allow-target", "203.0.113.0/24", "--colo-name", "lab01"});
  ASSERT_GT(server.port(), 0) << server.banner();

  // Privileges are gone once it listens.
  std::ifstream status("/proc/" + std::to_string(server.pid()) + "/status");
  std::string line, caps, uid;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) caps = line;
    if (line.rfind("Uid:", 0) == 0) uid = line;
  }
  EXPECT_EQ(caps, "CapEff:\t0000000000000000");
  EXPECT_EQ(uid.find("Uid:\t0\t"), std::string::npos) << uid;

  auto in_flight = std::async(std::launch::async, [&] {
    return HttpExchange(
        server.port(), Post("t0k", R"({"targets":[")" + topo.target_v4 + R"("],"colos":["lab"]})"));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  int exit_status = -2;
  auto terminated = std::async(std::launch::async,
                               [&] { exit_status = server.Terminate(std::chrono::seconds(10)); });
  std::string response = in_flight.get();
  terminated.get();
  EXPECT_EQ(exit_status, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
  auto body = boost::json::parse(BodyOf(response));
  const auto& colo = body.at("result").at(0).at("colos").at(0);
  EXPECT_EQ(colo.at("colo").at("name").as_string(), "lab01");
  const auto& hops = colo.at("hops").as_array();
  ASSERT_EQ(hops.size(), topo.hop_v4.size());
  EXPECT_TRUE(hops[0].at("nodes").as_array().empty());
  EXPECT_EQ(hops.back().at("nodes").at(0).at("ip").as_string(), topo.target_v4);
  // After the drain nothing listens any more.
  EXPECT_EQ(HttpExchange(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"), "");
}

TEST_F(ServeTest, RefusesTargetsOutsideThePolicyWithCode1) {
  auto topo = colotrace::lab::Chain(*lab_, 1);
  // No --allow-target: the documentation ranges of the lab are refused like any reserved range.
  ServeProcess server({"--listen", "127.0.0.1:0", "--netns", topo.colo, "--token", "t0k:acc1"});
  ASSERT_GT(server.port(), 0);
  std::string response =
      HttpExchange(server.port(), Post("t0k", R"({"targets":[")" + topo.target_v4 + R"("]})"));
  auto body = boost::json::parse(BodyOf(response));
  EXPECT_EQ(body.at("result").at(0).at("colos").at(0).at("error").as_string(),
            "Could not gather traceroute data: Code 1");
  EXPECT_TRUE(body.at("result").at(0).at("colos").at(0).at("hops").as_array().empty());
}

TEST_F(ServeTest, GreThroughTheApi) {
  colotrace::lab::ChainOptions opts;
  opts.gre_endpoint = colotrace::lab::GreEndpoint::kHealthy;
  auto topo = colotrace::lab::Chain(*lab_, 2, opts);
  ServeProcess server({"--listen", "127.0.0.1:0", "--netns", topo.colo, "--token", "t0k:acc1",
                       "--allow-target", "203.0.113.0/24"});
  ASSERT_GT(server.port(), 0);
  std::string response = HttpExchange(
      server.port(), Post("t0k", R"({"targets":[")" + topo.target_v4 +
                                     R"("],"options":{"packet_type":"gre","port":100}})"));
  auto body = boost::json::parse(BodyOf(response));
  const auto& colo = body.at("result").at(0).at("colos").at(0);
  EXPECT_EQ(colo.at("error").as_string(), "") << response;
  const auto& hops = colo.at("hops").as_array();
  ASSERT_EQ(hops.size(), topo.hop_v4.size()) << response;
  EXPECT_EQ(hops.back().at("nodes").at(0).at("ip").as_string(), topo.target_v4);
  EXPECT_EQ(colo.at("target_summary").at("packet_count").as_int64(), 3);
}

}  // namespace
