// Validates the network lab with the system's own tools (ping, traceroute) run inside the colo
// namespace: every topology must give exactly the hops it promises. Needs root; skips without.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "lab.h"
#include "topologies.h"

namespace colotrace::lab {
namespace {

#define REQUIRE_LAB()                                    \
  do {                                                   \
    std::string why_not;                                 \
    if (!Lab::CanRun(&why_not)) GTEST_SKIP() << why_not; \
  } while (0)

bool IsAddress(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// One line of `traceroute -n` output.
struct HopLine {
  int ttl = 0;
  std::vector<std::string> responders;  // addresses in order of appearance, kNoReply for "*"
  std::vector<std::string> notes;       // "!H", "!X", "!N", ...
  int answered = 0;                     // probes with an RTT
  int unanswered = 0;                   // probes shown as "*"
};

std::vector<HopLine> ParseTraceroute(const std::string& out) {
  std::vector<HopLine> hops;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string w;
    if (!(words >> w) || w.find_first_not_of("0123456789") != std::string::npos) continue;
    HopLine hop;
    hop.ttl = std::stoi(w);
    while (words >> w) {
      if (w == "*") {
        ++hop.unanswered;
        hop.responders.push_back(kNoReply);
      } else if (w == "ms") {
        ++hop.answered;
      } else if (w[0] == '!') {
        hop.notes.push_back(w);
      } else if (IsAddress(w)) {
        hop.responders.push_back(w);
      }
    }
    hops.push_back(hop);
  }
  return hops;
}

// Runs traceroute -n -q 1 -w 1 inside ns; extra options go before the target.
std::vector<HopLine> Trace(Lab& lab, const std::string& ns, const std::string& target,
                           std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {"traceroute", "-n", "-q", "1", "-w", "1"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(target);
  ExecOptions opts;
  opts.check = false;
  const ExecResult r = lab.Exec(ns, argv, opts);
  EXPECT_EQ(r.status, 0) << r.err;
  const std::vector<HopLine> hops = ParseTraceroute(r.out);
  EXPECT_FALSE(hops.empty()) << r.out << r.err;
  return hops;
}

// First responder of each hop.
std::vector<std::string> Responders(const std::vector<HopLine>& hops) {
  std::vector<std::string> out;
  for (const HopLine& h : hops) out.push_back(h.responders.empty() ? "" : h.responders[0]);
  return out;
}

std::string Joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += x + " ";
  return s;
}

// The number right after the first occurrence of key in text, or -1 (no std::regex: GCC 12
// warns inside it under the sanitizers).
double NumberAfter(const std::string& text, const std::string& key) {
  const std::size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  try {
    return std::stod(text.substr(at + key.size()));
  } catch (const std::exception&) {
    return -1;
  }
}

// RTT in ms of a single successful ping from ns to dst.
double PingRttMs(Lab& lab, const std::string& ns, const std::string& dst) {
  const ExecResult r = lab.Exec(ns, {"ping", "-n", "-c", "1", "-W", "2", dst});
  const double rtt = NumberAfter(r.out, "time=");
  if (rtt < 0) ADD_FAILURE() << "no RTT in ping output: " << r.out;
  return rtt;
}

// Connects to addr:port from the calling thread's namespace; returns 0 or the errno.
int ConnectErrno(const std::string& addr, std::uint16_t port) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  if (addr.find(':') != std::string::npos) {
    family = AF_INET6;
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    inet_pton(AF_INET6, addr.c_str(), &sin6->sin6_addr);
    len = sizeof(sockaddr_in6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    inet_pton(AF_INET, addr.c_str(), &sin->sin_addr);
    len = sizeof(sockaddr_in);
  }
  const int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  timeval tv{2, 0};
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  const int rc = connect(s, reinterpret_cast<const sockaddr*>(&ss), len);
  const int err = rc == 0 ? 0 : errno;
  close(s);
  return err;
}

// Starts a connection to addr:port from the calling thread's namespace, gives the answer
// 200 ms to arrive, and drops the socket.
void SendSyn(const std::string& addr, std::uint16_t port) {
  const bool v6 = addr.find(':') != std::string::npos;
  const int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ASSERT_GE(s, 0);
  sockaddr_in sin{};
  sockaddr_in6 sin6{};
  int rc = 0;
  if (v6) {
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    inet_pton(AF_INET6, addr.c_str(), &sin6.sin6_addr);
    rc = connect(s, reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6);
  } else {
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    inet_pton(AF_INET, addr.c_str(), &sin.sin_addr);
    rc = connect(s, reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
  }
  EXPECT_TRUE(rc == 0 || errno == EINPROGRESS) << std::strerror(errno);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  close(s);
}

// A counter of the "Tcp:" lines of /proc/net/snmp inside ns (shared by IPv4 and IPv6).
std::uint64_t TcpCounter(Lab& lab, const std::string& ns, const std::string& name) {
  const std::string snmp = lab.Exec(ns, {"cat", "/proc/net/snmp"}).out;
  std::istringstream lines(snmp);
  std::string header;
  std::string values;
  while (std::getline(lines, header)) {
    if (header.rfind("Tcp: ", 0) == 0 && std::getline(lines, values)) break;
  }
  std::istringstream names(header);
  std::istringstream numbers(values);
  std::string n;
  std::string v;
  while (names >> n && numbers >> v) {
    if (n == name) return std::stoull(v);
  }
  ADD_FAILURE() << "no Tcp counter " << name << " in " << snmp;
  return 0;
}

std::vector<std::string> NetnsList() {
  const ExecResult r = RunCommand({"ip", "netns", "list"});
  std::vector<std::string> names;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string name;
    if (words >> name) names.push_back(name);
  }
  return names;
}

bool Contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// ---------------------------------------------------------------------------------------------
// The Lab itself.

TEST(LabTest, BuildsLinksAndRemovesNamespacesOnDestruction) {
  REQUIRE_LAB();
  std::vector<std::string> made;
  {
    Lab lab("basic");
    const std::string a = lab.AddNode("a");
    const std::string b = lab.AddNode("b");
    EXPECT_EQ(a, Lab::ProcessPrefix() + "basic-a");
    lab.Link(a, "to-b", {"198.51.100.1/30", "2001:db8:0:1::1/64"}, b, "to-a",
             {"198.51.100.2/30", "2001:db8:0:1::2/64"});
    lab.AddAddress(b, "lo", "192.0.2.7/32");
    lab.Route(a, "192.0.2.0/24", "via 198.51.100.2");
    EXPECT_GE(PingRttMs(lab, a, "198.51.100.2"), 0);
    EXPECT_GE(PingRttMs(lab, a, "2001:db8:0:1::2"), 0);
    EXPECT_GE(PingRttMs(lab, a, "192.0.2.7"), 0);
    made = lab.namespaces();
    const std::vector<std::string> listed = NetnsList();
    for (const std::string& ns : made) EXPECT_TRUE(Contains(listed, ns)) << ns;
  }
  ASSERT_EQ(made.size(), 2u);
  const std::vector<std::string> listed = NetnsList();
  for (const std::string& ns : made) EXPECT_FALSE(Contains(listed, ns)) << ns;
}

TEST(LabTest, ExecCapturesOutputAndThrowsOnFailure) {
  REQUIRE_LAB();
  Lab lab("exec");
  const std::string a = lab.AddNode("a");
  EXPECT_EQ(lab.Exec(a, {"echo", "hello"}).out, "hello\n");
  ExecOptions feed;
  feed.stdin_text = "from stdin";
  EXPECT_EQ(lab.Exec(a, {"cat"}, feed).out, "from stdin");
  try {
    lab.Exec(a, {"sh", "-c", "echo oops >&2; exit 3"});
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("oops"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("status 3"), std::string::npos) << e.what();
  }
  ExecOptions lenient;
  lenient.check = false;
  EXPECT_EQ(lab.Exec(a, {"sh", "-c", "exit 3"}, lenient).status, 3);
  ExecOptions quick;
  quick.timeout = std::chrono::milliseconds(200);
  EXPECT_THROW(lab.Exec(a, {"sleep", "5"}, quick), std::runtime_error);
  EXPECT_THROW(lab.Nft(a, "this is not nft syntax"), std::runtime_error);
}

TEST(LabTest, NodeSysctls) {
  REQUIRE_LAB();
  Lab lab("sysctl");
  NodeOptions router;
  router.router = true;
  NodeOptions limited;
  limited.keep_icmp_ratelimit = true;
  const std::string host = lab.AddNode("host");
  const std::string r = lab.AddNode("r", router);
  const std::string keep = lab.AddNode("keep", limited);
  EXPECT_EQ(lab.ReadSysctl(host, "net.ipv4.ip_forward"), "0");
  EXPECT_EQ(lab.ReadSysctl(host, "net.ipv4.icmp_ratelimit"), "0");
  EXPECT_EQ(lab.ReadSysctl(host, "net.ipv6.icmp.ratelimit"), "0");
  EXPECT_EQ(lab.ReadSysctl(r, "net.ipv4.ip_forward"), "1");
  EXPECT_EQ(lab.ReadSysctl(r, "net.ipv6.conf.all.forwarding"), "1");
  EXPECT_EQ(lab.ReadSysctl(r, "net.ipv4.icmp_errors_use_inbound_ifaddr"), "1");
  EXPECT_EQ(lab.ReadSysctl(keep, "net.ipv4.icmp_ratelimit"), "1000");
  EXPECT_NE(lab.ReadSysctl(keep, "net.ipv6.icmp.ratelimit"), "0");
  lab.Sysctl(host, "net.ipv4.ip_forward", "1");
  EXPECT_EQ(lab.ReadSysctl(host, "net.ipv4.ip_forward"), "1");
  EXPECT_EQ(lab.ReadSysctl(r, "net.ipv4.icmp_ratelimit"), "0");  // per namespace
}

TEST(LabTest, RemoveStaleDeletesNamespacesOfDeadProcesses) {
  REQUIRE_LAB();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  const std::string stale = "ct" + std::to_string(child) + "-stale-x";
  RunCommand({"ip", "netns", "add", stale});

  Lab lab("alive");
  const std::string mine = lab.AddNode("a");
  Lab::RemoveStale();
  const std::vector<std::string> listed = NetnsList();
  EXPECT_FALSE(Contains(listed, stale));
  EXPECT_TRUE(Contains(listed, mine));
  if (Contains(listed, stale)) RunCommand({"ip", "netns", "del", stale});
}

TEST(LabTest, TcpListenAndRunInNetns) {
  REQUIRE_LAB();
  Lab lab("tcp");
  const std::string a = lab.AddNode("a");
  const std::string b = lab.AddNode("b");
  lab.Link(a, "to-b", {"198.51.100.1/30", "2001:db8:0:1::1/64"}, b, "to-a",
           {"198.51.100.2/30", "2001:db8:0:1::2/64"});
  lab.TcpListen(b, 8080);
  lab.RunInNetns(a, [] {
    EXPECT_EQ(ConnectErrno("198.51.100.2", 8080), 0);
    EXPECT_EQ(ConnectErrno("2001:db8:0:1::2", 8080), 0);
    EXPECT_EQ(ConnectErrno("198.51.100.2", 8081), ECONNREFUSED);
  });
  EXPECT_THROW(lab.RunInNetns(a, [] { throw std::runtime_error("inside"); }), std::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// Chain.

TEST(ChainTest, HopsAreExactV4AndV6) {
  REQUIRE_LAB();
  Lab lab("chain");
  const Topology t = Chain(lab, 3);
  ASSERT_EQ(t.hop_v4.size(), 4u);
  EXPECT_EQ(t.hop_v4, (std::vector<std::string>{"198.51.100.2", "198.51.100.6", "198.51.100.10",
                                                "203.0.113.1"}));
  EXPECT_EQ(Responders(Trace(lab, t.colo, t.target_v4)), t.hop_v4);
  EXPECT_EQ(Responders(Trace(lab, t.colo, t.target_v6)), t.hop_v6);
}

TEST(ChainTest, SilentRouterShowsAStar) {
  REQUIRE_LAB();
  Lab lab("silent");
  ChainOptions o;
  o.silent_router = 2;
  const Topology t = Chain(lab, 3, o);
  EXPECT_EQ(t.hop_v4[1], kNoReply);
  EXPECT_EQ(Responders(Trace(lab, t.colo, t.target_v4)), t.hop_v4);
  EXPECT_EQ(Responders(Trace(lab, t.colo, t.target_v6)), t.hop_v6);
  // It still forwards.
  EXPECT_GE(PingRttMs(lab, t.colo, t.target_v4), 0);
}

TEST(ChainTest, DelayRouterAddsTwiceTheDelayBehindIt) {
  REQUIRE_LAB();
  Lab lab("delay");
  ChainOptions o;
  o.delay_router = 2;
  o.delay_ms = 100;
  const Topology t = Chain(lab, 3, o);
  const double floor_ms = 2 * o.delay_ms * 0.9;
  EXPECT_GE(PingRttMs(lab, t.colo, t.target_v4), floor_ms);
  EXPECT_GE(PingRttMs(lab, t.colo, t.target_v6), floor_ms);
  EXPECT_GE(PingRttMs(lab, t.colo, t.hop_v4[2]), floor_ms);  // r3, behind r2
  // r2 itself answers without forwarding, so without the delay.
  EXPECT_LT(PingRttMs(lab, t.colo, t.hop_v4[1]), floor_ms);
  EXPECT_EQ(Responders(Trace(lab, t.colo, t.target_v4)), t.hop_v4);
  EXPECT_EQ(Responders(Trace(lab, t.colo, t.target_v6)), t.hop_v6);
}

TEST(ChainTest, LossyRouterDropsTowardTheTargetAndCountsIt) {
  REQUIRE_LAB();
  Lab lab("lossy");
  ChainOptions o;
  o.lossy_router = 2;
  o.loss_percent = 50;
  const Topology t = Chain(lab, 2, o);
  ASSERT_FALSE(t.lossy_ns.empty());
  EXPECT_EQ(lab.ReadNftCounter(t.lossy_ns, t.lossy_table, t.lossy_counter), 0u);
  std::uint64_t lost = 0;
  for (const std::string& dst : {t.target_v4, t.target_v6}) {
    ExecOptions lenient;
    lenient.check = false;  // ping exits 1 when replies are missing
    const ExecResult r =
        lab.Exec(t.colo, {"ping", "-n", "-q", "-c", "40", "-i", "0.01", "-W", "1", dst}, lenient);
    // "40 packets transmitted, 23 received, ..."
    const std::size_t at = r.out.find(" packets transmitted, ");
    ASSERT_NE(at, std::string::npos) << r.out;
    const std::size_t line = r.out.rfind('\n', at);
    const double sent = std::stod(r.out.substr(line == std::string::npos ? 0 : line + 1));
    const double received = NumberAfter(r.out, " packets transmitted, ");
    ASSERT_GT(sent, 0) << r.out;
    ASSERT_GE(received, 0) << r.out;
    lost += static_cast<std::uint64_t>(sent - received);
  }
  // Echo requests are dropped, replies never: every lost ping is one counted drop.
  const std::uint64_t dropped = lab.ReadNftCounter(t.lossy_ns, t.lossy_table, t.lossy_counter);
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(dropped, lost);
}

struct UnreachableCase {
  Unreachable kind;
  const char* name;
  const char* note;  // traceroute's mark for the error
};

void PrintTo(const UnreachableCase& c, std::ostream* os) {
  *os << c.name;
}

class UnreachableTest : public ::testing::TestWithParam<UnreachableCase> {};

TEST_P(UnreachableTest, RouterAnswersWithTheError) {
  REQUIRE_LAB();
  Lab lab("unreach");
  ChainOptions o;
  o.unreachable_router = 2;
  o.unreachable_kind = GetParam().kind;
  const Topology t = Chain(lab, 3, o);
  EXPECT_EQ(t.unreachable_ttl, 2);
  ASSERT_EQ(t.hop_v4.size(), 2u);
  for (const auto& [dst, expected] :
       {std::pair{t.target_v4, t.hop_v4}, std::pair{t.target_v6, t.hop_v6}}) {
    const std::vector<HopLine> hops = Trace(lab, t.colo, dst, {"-m", "5"});
    EXPECT_EQ(Responders(hops), expected) << dst;
    ASSERT_EQ(hops.size(), 2u) << dst;
    EXPECT_EQ(hops[1].notes, std::vector<std::string>{GetParam().note}) << dst;
  }
}

INSTANTIATE_TEST_SUITE_P(Kinds, UnreachableTest,
                         ::testing::Values(UnreachableCase{Unreachable::kHost, "Host", "!H"},
                                           UnreachableCase{Unreachable::kProhibit, "Prohibit",
                                                           "!X"},
                                           UnreachableCase{Unreachable::kNet, "Net", "!N"}),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(ChainTest, TargetAliasAnswersFromTheOtherAddress) {
  REQUIRE_LAB();
  Lab lab("alias");
  ChainOptions o;
  o.target_alias = true;
  const Topology t = Chain(lab, 2, o);
  EXPECT_EQ(t.hop_v4.back(), "203.0.113.2");
  EXPECT_EQ(t.hop_v6.back(), "2001:db8:ff::2");
  for (const auto& [dst, alias] :
       {std::pair{t.target_v4, t.alias_v4}, std::pair{t.target_v6, t.alias_v6}}) {
    const ExecResult r = lab.Exec(t.colo, {"ping", "-n", "-c", "1", "-W", "2", dst});
    EXPECT_NE(r.out.find("bytes from " + alias + ":"), std::string::npos) << r.out;
  }
  EXPECT_EQ(Responders(Trace(lab, t.colo, t.target_v4)), t.hop_v4);
  EXPECT_EQ(Responders(Trace(lab, t.colo, t.target_v6)), t.hop_v6);

  // TCP checksums survive the rewrite. With transmit offload off, the target's SYN-ACKs (sent
  // from the alias) carry complete checksums that the colo verifies. They match no socket of
  // the colo, which answers each with a RST, but only when its checksum is right.
  lab.DisableTxChecksumOffload(t.target);
  const std::uint64_t rsts_before = TcpCounter(lab, t.colo, "OutRsts");
  lab.RunInNetns(t.colo, [&] {
    SendSyn(t.target_v4, t.tcp_open_port);
    SendSyn(t.target_v6, t.tcp_open_port);
  });
  EXPECT_GE(TcpCounter(lab, t.colo, "OutRsts") - rsts_before, 2u);
  EXPECT_EQ(TcpCounter(lab, t.colo, "InCsumErrors"), 0u);
}

TEST(ChainTest, TcpOpenAndClosedPorts) {
  REQUIRE_LAB();
  Lab lab("tcp");
  const Topology t = Chain(lab, 2);
  ASSERT_EQ(t.tcp_open_port, 80);
  ASSERT_EQ(t.tcp_closed_port, 81);
  lab.RunInNetns(t.colo, [&] {
    EXPECT_EQ(ConnectErrno(t.target_v4, t.tcp_open_port), 0);
    EXPECT_EQ(ConnectErrno(t.target_v6, t.tcp_open_port), 0);
    EXPECT_EQ(ConnectErrno(t.target_v4, t.tcp_closed_port), ECONNREFUSED);
    EXPECT_EQ(ConnectErrno(t.target_v6, t.tcp_closed_port), ECONNREFUSED);
  });
  for (const auto& [dst, expected] :
       {std::pair{t.target_v4, t.hop_v4}, std::pair{t.target_v6, t.hop_v6}}) {
    EXPECT_EQ(Responders(Trace(lab, t.colo, dst, {"-T", "-p", "80"})), expected) << dst;
    EXPECT_EQ(Responders(Trace(lab, t.colo, dst, {"-T", "-p", "81"})), expected) << dst;
  }
}

// Ten simultaneous probes at one TTL: all answered without rate limit, at most Linux's burst
// of six (plus refill) with it.
int AnsweredOfTen(Lab& lab, const std::string& ns, const std::string& dst, int ttl) {
  const std::string ttl_text = std::to_string(ttl);
  std::vector<std::string> argv = {"traceroute", "-n", "-q",     "10", "-N",     "10", "-w",
                                   "1",          "-f", ttl_text, "-m", ttl_text, dst};
  const ExecResult r = lab.Exec(ns, argv);
  const std::vector<HopLine> hops = ParseTraceroute(r.out);
  if (hops.size() != 1) {
    ADD_FAILURE() << r.out;
    return -1;
  }
  return hops[0].answered;
}

TEST(ChainTest, RatelimitedRouterAndTarget) {
  REQUIRE_LAB();
  Lab lab("ratelim");
  ChainOptions o;
  o.ratelimited_router = 1;
  o.target_keeps_ratelimit = true;
  const Topology t = Chain(lab, 2, o);
  EXPECT_EQ(lab.ReadSysctl(t.routers[0], "net.ipv4.icmp_ratelimit"), "1000");
  EXPECT_EQ(lab.ReadSysctl(t.routers[1], "net.ipv4.icmp_ratelimit"), "0");
  for (const std::string& dst : {t.target_v4, t.target_v6}) {
    EXPECT_LT(AnsweredOfTen(lab, t.colo, dst, 1), 10) << dst;  // r1: limited
    EXPECT_EQ(AnsweredOfTen(lab, t.colo, dst, 2), 10) << dst;  // r2: not limited
    EXPECT_LT(AnsweredOfTen(lab, t.colo, dst, 3), 10) << dst;  // target: limited
  }
}

// ---------------------------------------------------------------------------------------------
// ECMP diamond.

TEST(EcmpDiamondTest, BothBranchesAnswerAndHopsAreAmongTheChoices) {
  REQUIRE_LAB();
  Lab lab("ecmp");
  const Topology t = EcmpDiamond(lab);
  ASSERT_EQ(t.hop_choices_v4.size(), 4u);
  ASSERT_EQ(t.hop_choices_v4[1].size(), 2u);
  for (const auto& [dst, choices] :
       {std::pair{t.target_v4, t.hop_choices_v4}, std::pair{t.target_v6, t.hop_choices_v6}}) {
    const std::vector<std::string> hops = Responders(Trace(lab, t.colo, dst));
    ASSERT_EQ(hops.size(), choices.size()) << Joined(hops);
    for (std::size_t i = 0; i < hops.size(); ++i) {
      EXPECT_TRUE(Contains(choices[i], hops[i])) << "TTL " << i + 1 << ": " << hops[i];
    }
    // Many flows (each probe has its own ports) reach both branches at TTL 2.
    std::set<std::string> seen;
    for (int round = 0; round < 6 && seen.size() < 2; ++round) {
      const ExecResult r = lab.Exec(t.colo, {"traceroute", "-n", "-q", "10", "-N", "10", "-w", "1",
                                             "-f", "2", "-m", "2", dst});
      for (const HopLine& h : ParseTraceroute(r.out)) {
        for (const std::string& who : h.responders) {
          EXPECT_TRUE(Contains(choices[1], who)) << who;
          seen.insert(who);
        }
      }
    }
    EXPECT_EQ(seen.size(), 2u) << dst;
  }
}

}  // namespace
}  // namespace colotrace::lab
