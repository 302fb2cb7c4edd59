// Remote colos over a real nats-server: agents in lab namespaces, API servers without a local
// colo, results from every colo through either server, an agent killed, a late agent, and
// nats-server restarted. Needs root (namespaces) and nats-server; everything on 127.0.0.1 or
// inside the lab.
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <fstream>
#include <iterator>

#include "dispatch/nats_bus.h"
#include "dispatch/nkey.h"
#include "dispatch/wire.h"
#include "lab/lab.h"
#include "lab/topologies.h"
#include "support/child_process.h"
#include "support/hops.h"
#include "support/scratch_dir.h"

namespace {

using namespace std::chrono_literals;

using colotrace::testing_support::BodyOf;
using colotrace::testing_support::ChildProcess;
using colotrace::testing_support::Hops;
using colotrace::testing_support::HttpExchange;
using colotrace::testing_support::ScratchDir;

// Children here write their stderr to a file of their own, shown only when the test failed
// (several agents, a server and a nats-server would otherwise interleave their lines).
class Child : public ChildProcess {
 public:
  explicit Child(std::vector<std::string> argv, bool read_line = true)
      : Child(std::move(argv), read_line, NextErrPath()) {}
  ~Child() {
    std::optional<int> ended = Ended();
    Kill(SIGKILL);
    if (::testing::Test::HasFailure()) {
      std::ifstream in(err_path_);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (text.size() > 4000) text = "[...]" + text.substr(text.size() - 4000);
      std::string how = ended ? "it had ended, status " + std::to_string(*ended) : "it was running";
      std::fprintf(stderr, "--- stderr of %s (%s)\n%s--- end\n", command_.c_str(), how.c_str(),
                   text.c_str());
    }
    unlink(err_path_.c_str());
  }
  int Port() const { return port(); }

 private:
  Child(std::vector<std::string> argv, bool read_line, std::string err_path)
      : ChildProcess(argv, read_line, err_path),
        command_(Join(argv)),
        err_path_(std::move(err_path)) {}
  static std::string NextErrPath() {
    static int count = 0;
    return "/tmp/colotrace-agent-test-" + std::to_string(getpid()) + "-" + std::to_string(count++) +
           ".err";
  }
  static std::string Join(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) s += (s.empty() ? "" : " ") + a;
    return s;
  }
  std::string command_;
  std::string err_path_;
};

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// Runs a shell command; its stdout and stderr in *output, its exit status returned.
int RunShell(const std::string& command, std::string* output) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[512];
  while (fgets(buf, sizeof buf, p) != nullptr) *output += buf;
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

std::string Http(int port, const std::string& request) {
  return BodyOf(HttpExchange(port, request));
}

boost::json::value Trace(int port, const std::string& body) {
  std::string req =
      "POST /client/v4/accounts/acc1/diagnostics/traceroute HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Bearer t0k\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string out = Http(port, req);
  boost::json::error_code ec;
  auto v = boost::json::parse(out, ec);
  return ec ? boost::json::value() : v;
}

std::vector<std::string> ColoNames(int port) {
  std::string out = Http(port,
                         "GET /client/v4/accounts/acc1/diagnostics/traceroute/colos HTTP/1.1\r\n"
                         "Host: x\r\nAuthorization: Bearer t0k\r\nConnection: close\r\n\r\n");
  std::vector<std::string> names;
  boost::json::error_code ec;
  auto v = boost::json::parse(out, ec);
  if (ec || !v.is_object()) return names;
  for (const auto& c : v.at("result").as_array()) names.emplace_back(c.at("name").as_string());
  std::sort(names.begin(), names.end());
  return names;
}

bool WaitFor(const std::function<bool()>& ok, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (ok()) return true;
    std::this_thread::sleep_for(100ms);
  }
  return ok();
}

TEST(AgentIntegrationTest, RemoteColosThroughNats) {
  std::string reason;
  if (!colotrace::lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
  ASSERT_EQ(system("command -v nats-server >/dev/null"), 0) << "nats-server is not installed";
  // Three colos with different paths to the same target address.
  colotrace::lab::Lab lab_a("aga"), lab_b("agb"), lab_c("agc");
  auto a = colotrace::lab::Chain(lab_a, 1);
  auto b = colotrace::lab::Chain(lab_b, 2);
  auto c = colotrace::lab::Chain(lab_c, 3);
  int nats_port = FreePort();
  std::string nats_url = "nats://127.0.0.1:" + std::to_string(nats_port);
  auto nats = std::make_unique<Child>(
      std::vector<std::string>{"nats-server", "-a", "127.0.0.1", "-p", std::to_string(nats_port)},
      false);
  ASSERT_TRUE(WaitFor([&] { return Accepts(nats_port); }, 5s));

  auto agent = [&](const std::string& colo, const colotrace::lab::Topology& t) {
    return std::make_unique<Child>(std::vector<std::string>{
        COLOTRACE_BIN, "agent", "--nats", nats_url, "--colo", colo, "--city", colo + " city",
        "--netns", t.colo, "--allow-target", "203.0.113.0/24"});
  };
  auto den01 = agent("den01", a);
  auto den02 = agent("den02", b);
  auto ams01 = agent("ams01", c);
  ASSERT_NE(den01->first_line().find("colotrace agent"), std::string::npos);
  auto server = [&] {
    return std::make_unique<Child>(
        std::vector<std::string>{COLOTRACE_BIN, "serve", "--no-local-colo", "--no-db", "--nats",
                                 nats_url, "--listen", "127.0.0.1:0", "--token", "t0k:acc1"});
  };
  auto s1 = server();
  auto s2 = server();
  ASSERT_GT(s1->Port(), 0) << s1->first_line();
  ASSERT_GT(s2->Port(), 0) << s2->first_line();
  const std::vector<std::string> all = {"ams01", "den01", "den02"};
  ASSERT_TRUE(WaitFor([&] { return ColoNames(s1->Port()) == all; }, 10s));
  ASSERT_TRUE(WaitFor([&] { return ColoNames(s2->Port()) == all; }, 10s));

  // Every colo through either server, each with its own path.
  for (int port : {s1->Port(), s2->Port()}) {
    auto r = Trace(port, R"({"targets":["203.0.113.1"]})");
    ASSERT_TRUE(r.is_object());
    const auto& colos = r.at("result").at(0).at("colos").as_array();
    ASSERT_EQ(colos.size(), 3u) << boost::json::serialize(r);
    for (const auto& colo : colos) {
      std::string name(colo.at("colo").at("name").as_string());
      const auto& topo = name == "den01" ? a : name == "den02" ? b : c;
      EXPECT_EQ(colo.at("error").as_string(), "") << name;
      EXPECT_EQ(colo.at("colo").at("city").as_string(), name + " city");
      EXPECT_EQ(Hops(colo), topo.hop_v4) << name;
    }
  }
  // By three-letter prefix, in colo order.
  auto den = Trace(s1->Port(), R"({"targets":["203.0.113.1"],"colos":["den"]})");
  const auto& den_colos = den.at("result").at(0).at("colos").as_array();
  ASSERT_EQ(den_colos.size(), 2u);
  EXPECT_EQ(Hops(den_colos[0]).size() + Hops(den_colos[1]).size(),
            a.hop_v4.size() + b.hop_v4.size());

  // A colo marked unavailable is listed but never selected.
  auto pek01 = std::make_unique<Child>(
      std::vector<std::string>{COLOTRACE_BIN, "agent", "--nats", nats_url, "--colo", "pek01",
                               "--netns", c.colo, "--unavailable"});
  ASSERT_TRUE(WaitFor([&] { return ColoNames(s1->Port()).size() == 4; }, 6s));
  auto pek = Trace(s1->Port(), R"({"targets":["203.0.113.1"],"colos":["pek01"]})");
  EXPECT_EQ(pek.at("errors").at(0).at("code").as_int64(), 1005);
  auto without_pek = Trace(s1->Port(), R"({"targets":["203.0.113.1"]})");
  EXPECT_EQ(without_pek.at("result").at(0).at("colos").as_array().size(), 3u);
  pek01->Kill(SIGKILL);

  // A second agent of den01: when one of the two dies, the other takes its jobs.
  auto den01_b = agent("den01", a);
  std::this_thread::sleep_for(1500ms);
  den01->Kill(SIGKILL);
  for (int i = 0; i < 3; ++i) {
    auto r = Trace(s2->Port(), R"({"targets":["203.0.113.1"],"colos":["den01"]})");
    const auto& colo = r.at("result").at(0).at("colos").at(0);
    // Right after the kill a job may still go to the dead agent (Code 3); then the live one.
    if (colo.at("error").as_string() != "") continue;
    EXPECT_EQ(Hops(colo), a.hop_v4);
    break;
  }
  auto den01_after = Trace(s2->Port(), R"({"targets":["203.0.113.1"],"colos":["den01"]})");
  EXPECT_EQ(den01_after.at("result").at(0).at("colos").at(0).at("error").as_string(), "");

  // An agent killed in the middle of a trace costs only that trace: its colo gets Code 3
  // (after the deadline, 2 x wait_time + 5 s) while the others answer.
  auto slow = std::async(std::launch::async, [&] {
    return Trace(
        s1->Port(),
        R"({"targets":["203.0.113.99"],"colos":["ams01","den02"],"options":{"max_ttl":4}})");
  });
  std::this_thread::sleep_for(300ms);  // 203.0.113.99 never answers: each trace waits 1 s
  ams01->Kill(SIGKILL);
  auto mid = slow.get();
  const auto& mid_colos = mid.at("result").at(0).at("colos").as_array();
  ASSERT_EQ(mid_colos.size(), 2u) << boost::json::serialize(mid);
  EXPECT_EQ(mid_colos[0].at("error").as_string(), "Could not gather traceroute data: Code 3");
  EXPECT_EQ(mid_colos[1].at("error").as_string(), "");
  EXPECT_EQ(mid_colos[1].at("hops").as_array().size(), 4u);

  // The killed agent's colo disappears within a few seconds; the others go on.
  ASSERT_TRUE(WaitFor(
      [&] {
        return ColoNames(s1->Port()) == std::vector<std::string>{"den01", "den02"};
      },
      6s));
  auto gone = Trace(s1->Port(), R"({"targets":["203.0.113.1"],"colos":["ams01"]})");
  EXPECT_EQ(gone.at("errors").at(0).at("code").as_int64(), 1005);

  // An agent that joins late.
  auto fra01 = agent("fra01", c);
  ASSERT_TRUE(WaitFor([&] { return ColoNames(s2->Port()).size() == 3; }, 6s));
  auto fra = Trace(s2->Port(), R"({"targets":["203.0.113.1"],"colos":["FRA01"]})");
  EXPECT_EQ(Hops(fra.at("result").at(0).at("colos").at(0)), c.hop_v4);

  // nats-server restarted: agents and servers reconnect by themselves.
  nats->Kill(SIGKILL);
  nats = std::make_unique<Child>(
      std::vector<std::string>{"nats-server", "-a", "127.0.0.1", "-p", std::to_string(nats_port)},
      false);
  ASSERT_TRUE(WaitFor([&] { return Accepts(nats_port); }, 5s));
  bool recovered = WaitFor(
      [&] {
        auto r = Trace(s1->Port(), R"({"targets":["203.0.113.1"],"colos":["den01"]})");
        return r.is_object() && r.at("success").as_bool() &&
               r.at("result").at(0).at("colos").at(0).at("error").as_string() == "";
      },
      15s);
  EXPECT_TRUE(recovered) << "no answer through NATS after its restart";
}

TEST(AgentIntegrationTest, TlsToNats) {
  std::string reason;
  if (!colotrace::lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
  ASSERT_EQ(system("command -v nats-server >/dev/null && command -v openssl >/dev/null"), 0);
  // A CA, a server certificate for 127.0.0.1 signed by it, and an unrelated second CA.
  ScratchDir scratch("colotrace-tls");
  ASSERT_FALSE(scratch.path().empty());
  const std::string& dir = scratch.path();
  std::string script =
      "set -e; mkdir -p " + dir + "; cd " + dir +
      "; openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=lab-ca -keyout ca.key "
      "-out ca.pem 2>/dev/null"
      "; openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=other-ca -keyout o.key "
      "-out other.pem 2>/dev/null"
      "; openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out s.csr "
      "2>/dev/null"
      "; printf 'subjectAltName=IP:127.0.0.1' > ext"
      "; openssl x509 -req -in s.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 "
      "-extfile ext -out server.pem 2>/dev/null";
  ASSERT_EQ(system(("/bin/sh -c \"" + script + "\"").c_str()), 0);
  colotrace::lab::Lab lab("tls");
  auto topo = colotrace::lab::Chain(lab, 1);
  int nats_port = FreePort();
  std::string url = "tls://127.0.0.1:" + std::to_string(nats_port);
  Child nats({"nats-server", "-a", "127.0.0.1", "-p", std::to_string(nats_port), "--tls",
              "--tlscert", dir + "/server.pem", "--tlskey", dir + "/server.key"},
             false);
  ASSERT_TRUE(WaitFor([&] { return Accepts(nats_port); }, 5s));
  Child trusted({COLOTRACE_BIN, "agent", "--nats", url, "--tls-ca", dir + "/ca.pem", "--colo",
                 "sec01", "--netns", topo.colo, "--allow-target", "203.0.113.0/24"});
  Child untrusting({COLOTRACE_BIN, "agent", "--nats", url, "--tls-ca", dir + "/other.pem", "--colo",
                    "bad01", "--netns", topo.colo});
  Child server({COLOTRACE_BIN, "serve", "--no-local-colo", "--no-db", "--nats", url,
                "--nats-tls-ca", dir + "/ca.pem", "--listen", "127.0.0.1:0", "--token",
                "t0k:acc1"});
  ASSERT_GT(server.Port(), 0) << server.first_line();
  ASSERT_TRUE(
      WaitFor([&] { return ColoNames(server.Port()) == std::vector<std::string>{"sec01"}; }, 8s));
  auto r = Trace(server.Port(), R"({"targets":["203.0.113.1"],"colos":["sec01"]})");
  EXPECT_EQ(Hops(r.at("result").at(0).at("colos").at(0)), topo.hop_v4);
  // The agent that does not trust the server's certificate never joined.
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(ColoNames(server.Port()), std::vector<std::string>{"sec01"});
}

namespace nkey = colotrace::dispatch::nkey;

nkey::Seed NewSeed(uint8_t type) {
  nkey::Seed s;
  s.type = type;
  EXPECT_EQ(RAND_bytes(s.raw.data(), static_cast<int>(s.raw.size())), 1);
  return s;
}

std::string Public(const nkey::Seed& s) {
  return *nkey::PublicKey(s);
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::string Base64Url(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

// A NATS JWT (v2): `nats` claims of `subject`, issued and signed by `issuer`.
std::string Jwt(const nkey::Seed& issuer, const std::string& subject, const std::string& nats) {
  std::string claims = R"({"jti":"LAB)" + std::to_string(getpid()) + R"(","iat":)" +
                       std::to_string(time(nullptr)) + R"(,"iss":")" + Public(issuer) +
                       R"(","name":"lab","sub":")" + subject + R"(","nats":)" + nats + "}";
  std::string signing_input =
      Base64Url(R"({"typ":"JWT","alg":"ed25519-nkey"})") + "." + Base64Url(claims);
  return signing_input + "." + Base64Url(*nkey::Sign(issuer, signing_input));
}

// A .creds file as NATS tooling writes it: the user's JWT and the user's seed.
std::string Creds(const std::string& jwt, const nkey::Seed& user) {
  return "-----BEGIN NATS USER JWT-----\n" + jwt +
         "\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n" +
         nkey::EncodeSeed(user) + "\n------END USER NKEY SEED------\n";
}

// Per-agent NKeys: nats-server admits the agent and the API server by their public keys; an
// agent with an unknown seed and one without credentials never join.
TEST(AgentIntegrationTest, NkeyAuthentication) {
  std::string reason;
  if (!colotrace::lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
  ScratchDir scratch("colotrace-nkey");
  ASSERT_FALSE(scratch.path().empty());
  const std::string& dir = scratch.path();
  ASSERT_EQ(system(("mkdir -p " + dir).c_str()), 0);
  nkey::Seed agent = NewSeed(nkey::kUser), api = NewSeed(nkey::kUser),
             stranger = NewSeed(nkey::kUser);
  WriteFile(dir + "/agent.nk", "# lab agent\n" + nkey::EncodeSeed(agent) + "\n");
  WriteFile(dir + "/api.nk", nkey::EncodeSeed(api) + "\n");
  WriteFile(dir + "/stranger.nk", nkey::EncodeSeed(stranger) + "\n");
  WriteFile(dir + "/account.nk", nkey::EncodeSeed(NewSeed(nkey::kAccount)) + "\n");
  // Readable by root only, as seeds should be: the processes read them before they become
  // nobody, and never again.
  ASSERT_EQ(system(("chmod 600 " + dir + "/*.nk").c_str()), 0);
  int nats_port = FreePort();
  WriteFile(dir + "/nats.conf", "listen: 127.0.0.1:" + std::to_string(nats_port) +
                                    "\nauthorization { users = [ {nkey: " + Public(agent) +
                                    "}, {nkey: " + Public(api) + "} ] }\n");
  colotrace::lab::Lab lab("nkey");
  auto topo = colotrace::lab::Chain(lab, 1);
  std::string url = "nats://127.0.0.1:" + std::to_string(nats_port);
  Child nats({"nats-server", "-c", dir + "/nats.conf"}, false);
  ASSERT_TRUE(WaitFor([&] { return Accepts(nats_port); }, 5s));

  // A seed of the wrong type is refused before any connection, with a clear line.
  std::string wrong;
  int wrong_status = RunShell(std::string(COLOTRACE_BIN) + " agent --nats " + url + " --nkey " +
                                  dir + "/account.nk --colo bad00",
                              &wrong);
  EXPECT_EQ(wrong_status, 2) << wrong;
  EXPECT_NE(wrong.find("user seed starts with SU"), std::string::npos) << wrong;

  Child good({COLOTRACE_BIN, "agent", "--nats", url, "--nkey", dir + "/agent.nk", "--colo", "key01",
              "--netns", topo.colo, "--allow-target", "203.0.113.0/24"});
  Child unknown({COLOTRACE_BIN, "agent", "--nats", url, "--nkey", dir + "/stranger.nk", "--colo",
                 "bad01", "--netns", topo.colo});
  Child anonymous({COLOTRACE_BIN, "agent", "--nats", url, "--colo", "bad02", "--netns", topo.colo});
  Child server({COLOTRACE_BIN, "serve", "--no-local-colo", "--no-db", "--nats", url, "--nats-nkey",
                dir + "/api.nk", "--listen", "127.0.0.1:0", "--token", "t0k:acc1"});
  ASSERT_GT(server.Port(), 0) << server.first_line();
  ASSERT_TRUE(
      WaitFor([&] { return ColoNames(server.Port()) == std::vector<std::string>{"key01"}; }, 8s));
  auto r = Trace(server.Port(), R"({"targets":["203.0.113.1"],"colos":["key01"]})");
  EXPECT_EQ(Hops(r.at("result").at(0).at("colos").at(0)), topo.hop_v4);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(ColoNames(server.Port()), std::vector<std::string>{"key01"});
}

// An agent refused at its first connection (its key not yet admitted) keeps trying, and joins
// once the server admits it. (nats.c 3.4.1 gives up on a connection whose first attempt fails
// after the TCP handshake; NatsBus connects again itself.)
TEST(AgentIntegrationTest, AnAgentRefusedAtFirstJoinsOnceAdmitted) {
  std::string reason;
  if (!colotrace::lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
  ScratchDir scratch("colotrace-admit");
  ASSERT_FALSE(scratch.path().empty());
  const std::string& dir = scratch.path();
  nkey::Seed agent = NewSeed(nkey::kUser), api = NewSeed(nkey::kUser);
  WriteFile(dir + "/agent.nk", nkey::EncodeSeed(agent) + "\n");
  WriteFile(dir + "/api.nk", nkey::EncodeSeed(api) + "\n");
  int nats_port = FreePort();
  auto config = [&](const std::vector<std::string>& admitted) {
    std::string users;
    for (const auto& key : admitted) users += (users.empty() ? "" : ", ") + ("{nkey: " + key + "}");
    WriteFile(dir + "/nats.conf", "listen: 127.0.0.1:" + std::to_string(nats_port) +
                                      "\nauthorization { users = [ " + users + " ] }\n");
  };
  config({Public(api)});
  colotrace::lab::Lab lab("admit");
  auto topo = colotrace::lab::Chain(lab, 1);
  std::string url = "nats://127.0.0.1:" + std::to_string(nats_port);
  auto nats = std::make_unique<Child>(
      std::vector<std::string>{"nats-server", "-c", dir + "/nats.conf"}, false);
  ASSERT_TRUE(WaitFor([&] { return Accepts(nats_port); }, 5s));
  Child good({COLOTRACE_BIN, "agent", "--nats", url, "--nkey", dir + "/agent.nk", "--colo",
              "late01", "--netns", topo.colo, "--allow-target", "203.0.113.0/24"});
  Child server({COLOTRACE_BIN, "serve", "--no-local-colo", "--no-db", "--nats", url, "--nats-nkey",
                dir + "/api.nk", "--listen", "127.0.0.1:0", "--token", "t0k:acc1"});
  ASSERT_GT(server.Port(), 0) << server.first_line();
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(ColoNames(server.Port()), std::vector<std::string>{});  // refused so far
  // The same server, now admitting the agent too.
  nats.reset();
  config({Public(api), Public(agent)});
  nats = std::make_unique<Child>(std::vector<std::string>{"nats-server", "-c", dir + "/nats.conf"},
                                 false);
  ASSERT_TRUE(WaitFor([&] { return Accepts(nats_port); }, 5s));
  ASSERT_TRUE(
      WaitFor([&] { return ColoNames(server.Port()) == std::vector<std::string>{"late01"}; }, 10s));
  auto r = Trace(server.Port(), R"({"targets":["203.0.113.1"],"colos":["late01"]})");
  EXPECT_EQ(Hops(r.at("result").at(0).at("colos").at(0)), topo.hop_v4);
}

// Operator mode (decentralised JWT auth): an operator, an account and user JWTs written here,
// handed to agents as .creds files. A user signed by an account the server does not know
// never joins.
TEST(AgentIntegrationTest, CredsFilesInOperatorMode) {
  std::string reason;
  if (!colotrace::lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
  ScratchDir scratch("colotrace-creds");
  ASSERT_FALSE(scratch.path().empty());
  const std::string& dir = scratch.path();
  ASSERT_EQ(system(("mkdir -p " + dir).c_str()), 0);
  nkey::Seed op = NewSeed(nkey::kOperator), account = NewSeed(nkey::kAccount),
             rogue_account = NewSeed(nkey::kAccount);
  nkey::Seed agent = NewSeed(nkey::kUser), api = NewSeed(nkey::kUser),
             stranger = NewSeed(nkey::kUser);
  const std::string user_claims =
      R"({"pub":{},"sub":{},"subs":-1,"data":-1,"payload":-1,"type":"user","version":2})";
  const std::string account_claims =
      R"({"limits":{"subs":-1,"data":-1,"payload":-1,"imports":-1,"exports":-1,)"
      R"("wildcards":true,"conn":-1,"leaf":-1},"type":"account","version":2})";
  std::string account_jwt = Jwt(op, Public(account), account_claims);
  WriteFile(dir + "/operator.jwt", Jwt(op, Public(op), R"({"type":"operator","version":2})"));
  WriteFile(dir + "/agent.creds", Creds(Jwt(account, Public(agent), user_claims), agent));
  WriteFile(dir + "/api.creds", Creds(Jwt(account, Public(api), user_claims), api));
  WriteFile(dir + "/stranger.creds",
            Creds(Jwt(rogue_account, Public(stranger), user_claims), stranger));
  ASSERT_EQ(system(("chmod 600 " + dir + "/*.creds").c_str()), 0);
  int nats_port = FreePort();
  WriteFile(dir + "/nats.conf", "listen: 127.0.0.1:" + std::to_string(nats_port) +
                                    "\noperator: " + dir + "/operator.jwt\nresolver: MEMORY\n" +
                                    "resolver_preload: { " + Public(account) + ": \"" +
                                    account_jwt + "\" }\n");
  colotrace::lab::Lab lab("creds");
  auto topo = colotrace::lab::Chain(lab, 1);
  std::string url = "nats://127.0.0.1:" + std::to_string(nats_port);
  Child nats({"nats-server", "-c", dir + "/nats.conf"}, false);
  ASSERT_TRUE(WaitFor([&] { return Accepts(nats_port); }, 5s));
  Child good({COLOTRACE_BIN, "agent", "--nats", url, "--creds", dir + "/agent.creds", "--colo",
              "jwt01", "--netns", topo.colo, "--allow-target", "203.0.113.0/24"});
  Child unknown({COLOTRACE_BIN, "agent", "--nats", url, "--creds", dir + "/stranger.creds",
                 "--colo", "bad01", "--netns", topo.colo});
  Child server({COLOTRACE_BIN, "serve", "--no-local-colo", "--no-db", "--nats", url, "--nats-creds",
                dir + "/api.creds", "--listen", "127.0.0.1:0", "--token", "t0k:acc1"});
  ASSERT_GT(server.Port(), 0) << server.first_line();
  ASSERT_TRUE(
      WaitFor([&] { return ColoNames(server.Port()) == std::vector<std::string>{"jwt01"}; }, 8s));
  auto r = Trace(server.Port(), R"({"targets":["203.0.113.1"],"colos":["jwt01"]})");
  EXPECT_EQ(Hops(r.at("result").at(0).at("colos").at(0)), topo.hop_v4);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(ColoNames(server.Port()), std::vector<std::string>{"jwt01"});
}

// Live progress through NATS (wire version 2), and an agent of version 1 beside it: the server
// sends that colo version-1 jobs and shows its result without progress.
TEST(AgentIntegrationTest, ProgressFromAgentsAndAnAgentOfVersionOne) {
  std::string reason;
  if (!colotrace::lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
  ASSERT_EQ(system("command -v nats-server >/dev/null"), 0) << "nats-server is not installed";
  colotrace::lab::Lab lab("agp");
  colotrace::lab::ChainOptions opts;
  opts.silent_router = 3;  // hops 1 and 2 are final at once; hop 3 only after the wait
  auto topo = colotrace::lab::Chain(lab, 4, opts);
  int nats_port = FreePort();
  std::string nats_url = "nats://127.0.0.1:" + std::to_string(nats_port);
  Child nats({"nats-server", "-a", "127.0.0.1", "-p", std::to_string(nats_port)}, false);
  ASSERT_TRUE(WaitFor([&] { return Accepts(nats_port); }, 5s));
  Child agent({COLOTRACE_BIN, "agent", "--nats", nats_url, "--colo", "den01", "--netns", topo.colo,
               "--allow-target", "203.0.113.0/24", "--no-names"});
  ASSERT_NE(agent.first_line().find("colotrace agent"), std::string::npos);

  // An agent as version 1 wrote it: its announcements say nothing of progress, it reads jobs
  // of version 1 only and answers them in version 1.
  colotrace::dispatch::NatsOptions old_options;
  old_options.urls = {nats_url};
  auto old_bus = colotrace::dispatch::NatsBus::Connect(old_options);
  ASSERT_TRUE(old_bus.ok()) << old_bus.error();
  std::mutex mu;
  std::vector<int64_t> job_versions;
  ASSERT_TRUE((*old_bus)
                  ->Subscribe(colotrace::dispatch::TraceSubject("old01"),
                              colotrace::dispatch::QueueGroup("old01"),
                              [&](std::string_view data, const std::string& reply) {
                                int64_t v = colotrace::dispatch::WireVersionOf(data).value_or(0);
                                {
                                  std::lock_guard lock(mu);
                                  job_versions.push_back(v);
                                }
                                colotrace::model::ColoResult r;
                                r.colo = {"old01", "Old Town"};
                                colotrace::model::Hop hop;
                                hop.packets_ttl = 1;
                                hop.packets_sent = 3;
                                hop.packets_lost = 3;
                                r.hops.push_back(hop);
                                if (v != 1) r.error = colotrace::model::ColoError::kInternal;
                                (*old_bus)->Publish(reply, colotrace::dispatch::EncodeReply(r, 1));
                              })
                  .ok());
  struct Announcer {  // stopped and joined whatever way the test ends
    std::atomic<bool> on{true};
    std::thread thread;
    ~Announcer() {
      on = false;
      if (thread.joinable()) thread.join();
    }
  } announcer;
  announcer.thread = std::thread([&] {
    while (announcer.on) {
      (*old_bus)->Publish(colotrace::dispatch::kAnnounceSubject,
                          R"({"v":1,"colo":"old01","city":"Old Town","agent":"old01/x/1/1",)"
                          R"("version":"0.1.0","capacity":8,"available":true})");
      std::this_thread::sleep_for(300ms);
    }
  });

  Child server({COLOTRACE_BIN, "serve", "--no-local-colo", "--no-db", "--nats", nats_url,
                "--listen", "127.0.0.1:0", "--token", "t0k:acc1"});
  ASSERT_GT(server.Port(), 0) << server.first_line();
  ASSERT_TRUE(WaitFor(
      [&] {
        return ColoNames(server.Port()) == std::vector<std::string>{"den01", "old01"};
      },
      10s));
  std::string body = R"({"targets":["203.0.113.1"]})";
  std::string started = Http(
      server.Port(),
      "POST /client/v4/accounts/acc1/diagnostics/traceroute/measurements HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Bearer t0k\r\nConnection: close\r\nContent-Length: " +
          std::to_string(body.size()) + "\r\n\r\n" + body);
  auto id = std::string(boost::json::parse(started).at("result").at("id").as_string());

  // Read the event stream as it comes, noting when each event arrives.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server.Port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string request = "GET /client/v4/accounts/acc1/diagnostics/traceroute/measurements/" + id +
                        "/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k\r\n\r\n";
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string text;
  std::chrono::steady_clock::time_point first_hop{}, den01_done{};
  char buf[4096];
  ssize_t n;
  auto start = std::chrono::steady_clock::now();
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    text.append(buf, static_cast<size_t>(n));
    auto now = std::chrono::steady_clock::now();
    if (first_hop == std::chrono::steady_clock::time_point{} &&
        text.find("event: hop") != std::string::npos) {
      first_hop = now;
    }
    if (den01_done == std::chrono::steady_clock::time_point{} &&
        text.find(R"("result":{"colo":{"name":"den01")") != std::string::npos) {
      den01_done = now;
    }
  }
  close(fd);
  (*old_bus)->Close();
  ASSERT_NE(first_hop, std::chrono::steady_clock::time_point{}) << text;
  ASSERT_NE(den01_done, std::chrono::steady_clock::time_point{}) << text;
  // The agent's first hops came while its trace still waited for hop 3 (1 s).
  EXPECT_GE(den01_done - first_hop, 500ms) << text;
  EXPECT_LT(first_hop - start, den01_done - start);
  // Every hop event is den01's: the version-1 colo sends none, only its result.
  size_t hops = 0;
  for (size_t at = 0; (at = text.find("event: hop", at)) != std::string::npos; ++at) {
    ++hops;
    size_t end = text.find("\n\n", at);
    std::string event = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    EXPECT_NE(event.find(R"("name":"den01")"), std::string::npos) << event;
    EXPECT_EQ(event.find("old01"), std::string::npos) << event;
  }
  EXPECT_EQ(hops, topo.hop_v4.size());
  EXPECT_NE(text.find(R"("result":{"colo":{"name":"old01")"), std::string::npos);
  EXPECT_NE(text.find("event: done"), std::string::npos);
  std::lock_guard lock(mu);
  EXPECT_EQ(job_versions, std::vector<int64_t>{1});  // the old agent got a job it could read
}

}  // namespace
