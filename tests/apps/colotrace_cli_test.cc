// `colotrace trace` as a user runs it: flags, exit statuses, text and JSON output. The probing
// cases run inside lab namespaces (root); the usage cases run anywhere.
#include <gtest/gtest.h>

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "enrich/dnsmasq.h"
#include "lab/lab.h"
#include "lab/topologies.h"
#include "support/scratch_dir.h"

namespace {

using colotrace::lab::ExecOptions;
using colotrace::lab::ExecResult;
using colotrace::lab::RunCommand;

ExecResult Colotrace(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {COLOTRACE_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  ExecOptions opts;
  opts.check = false;
  return RunCommand(argv, opts);
}

int CountLines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(ColotraceCliTest, BadInputIsOneLineAndStatus2) {
  const std::vector<std::vector<std::string>> cases = {
      {"trace"},
      {"trace", "--max-ttl", "0", "192.0.2.1"},
      {"trace", "--max-ttl", "65", "192.0.2.1"},
      {"trace", "--max-ttl", "12abc", "192.0.2.1"},
      {"trace", "--packets-per-ttl", "11", "192.0.2.1"},
      {"trace", "--wait-time", "6", "192.0.2.1"},
      {"trace", "--wait-time=0", "192.0.2.1"},
      {"trace", "--port", "65536", "192.0.2.1"},
      {"trace", "--port", "-1", "192.0.2.1"},
      {"trace", "--packet-type", "sctp", "192.0.2.1"},
      {"trace", "--packet-type", "GRE", "192.0.2.1"},
      {"trace", "--frobnicate", "192.0.2.1"},
      {"trace", "--max-ttl"},
      {"trace", "256.1.1.1"},
      {"trace", "bad_name!"},
      {"trace", "2001:db8::g"},
      {"trace", "-bad.example"},
      {"trace", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"},
      {"frobnicate"},
  };
  for (const auto& args : cases) {
    std::string line;
    for (const auto& a : args) line += a + " ";
    SCOPED_TRACE(line);
    ExecResult r = Colotrace(args);
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(r.err.rfind("colotrace: ", 0), 0u) << r.err;
    EXPECT_LE(CountLines(r.err), 2) << r.err;  // the error, and where help is
  }
}

TEST(ColotraceCliTest, HelpAndVersion) {
  ExecResult help = Colotrace({"trace", "--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--packet-type"), std::string::npos);
  EXPECT_NE(help.out.find("exit status"), std::string::npos);
  ExecResult version = Colotrace({"version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.out.rfind("colotrace ", 0), 0u);
}

class ColotraceCliLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string reason;
    if (!colotrace::lab::Lab::CanRun(&reason)) GTEST_SKIP() << "lab unavailable: " << reason;
    lab_ = std::make_unique<colotrace::lab::Lab>("cli");
  }
  std::unique_ptr<colotrace::lab::Lab> lab_;
};

TEST_F(ColotraceCliLabTest, JsonIsTheApiResultArray) {
  auto topo = colotrace::lab::Chain(*lab_, 2);
  ExecResult r =
      Colotrace({"trace", "--netns", topo.colo, "--json", "--packet-type", "udp", "--max-ttl", "8",
                 "--packets-per-ttl", "2", topo.target_v4, topo.target_v6});
  ASSERT_EQ(r.status, 0) << r.err;
  boost::json::value doc = boost::json::parse(r.out);
  const auto& targets = doc.as_array();
  ASSERT_EQ(targets.size(), 2u);
  for (size_t t = 0; t < 2; ++t) {
    const auto& target = targets[t].as_object();
    EXPECT_EQ(target.at("target").as_string(), t == 0 ? topo.target_v4 : topo.target_v6);
    const auto& colos = target.at("colos").as_array();
    ASSERT_EQ(colos.size(), 1u);
    const auto& colo = colos[0].as_object();
    EXPECT_EQ(colo.at("colo").at("name").as_string(), "local");
    EXPECT_EQ(colo.at("colo").at("city").as_string(), "");
    EXPECT_EQ(colo.at("error").as_string(), "");
    EXPECT_TRUE(colo.at("traceroute_time_ms").is_int64());
    const auto& hops = colo.at("hops").as_array();
    const auto& expected = t == 0 ? topo.hop_v4 : topo.hop_v6;
    ASSERT_EQ(hops.size(), expected.size());
    for (size_t h = 0; h < hops.size(); ++h) {
      const auto& hop = hops[h].as_object();
      EXPECT_EQ(hop.at("packets_ttl").as_int64(), static_cast<int64_t>(h + 1));
      EXPECT_EQ(hop.at("packets_sent").as_int64(), 2);
      EXPECT_EQ(hop.at("packets_lost").as_int64(), 0);
      const auto& node = hop.at("nodes").as_array().at(0).as_object();
      EXPECT_EQ(node.at("ip").as_string(), expected[h]);
      EXPECT_EQ(node.at("name").as_string(), expected[h]);
      EXPECT_EQ(node.at("asn").as_string(), "");
      EXPECT_TRUE(node.at("labels").as_array().empty());
      EXPECT_EQ(node.at("packet_count").as_int64(), 2);
      for (const char* key : {"min_rtt_ms", "mean_rtt_ms", "max_rtt_ms", "std_dev_rtt_ms"}) {
        EXPECT_TRUE(node.at(key).is_number()) << key;
      }
    }
    const auto& summary = colo.at("target_summary").as_object();
    EXPECT_EQ(summary.at("packet_count").as_int64(), 2);
    EXPECT_EQ(summary.at("ip").as_string(), t == 0 ? topo.target_v4 : topo.target_v6);
    EXPECT_EQ(summary.at("min_latency_ms"), summary.at("min_rtt_ms"));
    EXPECT_EQ(summary.at("std_dev_latency_ms"), summary.at("std_dev_rtt_ms"));
  }
}

TEST_F(ColotraceCliLabTest, MultipathPrintsEveryBranchAndTheDiamond) {
  auto topo = colotrace::lab::EcmpDiamond(*lab_);
  // What the CLI prints of what the engine found; the engine itself may miss a branch about
  // once in a hundred runs at 99 % (multipath_lab_test judges that), so up to three runs.
  ExecResult r;
  auto found_all = [&] {
    for (const auto& hop : topo.hop_choices_v4) {
      for (const auto& a : hop) {
        if (r.out.find(a) == std::string::npos) return false;
      }
    }
    return true;
  };
  for (int run = 0; run < 3; ++run) {
    r = Colotrace({"trace", "--netns", topo.colo, "-n", "--multipath", "--confidence", "99",
                   "--packet-type", "tcp", topo.target_v4});
    ASSERT_EQ(r.status, 0) << r.err;
    if (found_all()) break;
  }
  EXPECT_TRUE(found_all()) << r.out;
  EXPECT_NE(r.out.find("multipath at 99 % confidence"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("diamond: splits after " + topo.hop_v4[0] + " (TTL 1), joins at " +
                       topo.target_v4 + " (TTL 4): width 2, length 2"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("multipath enumeration complete"), std::string::npos) << r.out;
  ExecResult gre = Colotrace(
      {"trace", "--netns", topo.colo, "--multipath", "--packet-type", "gre", topo.target_v4});
  EXPECT_EQ(gre.status, 2);
  ExecResult orphan =
      Colotrace({"trace", "--netns", topo.colo, "--confidence", "99", topo.target_v4});
  EXPECT_EQ(orphan.status, 2);  // --confidence needs --multipath
  ExecResult odd = Colotrace(
      {"trace", "--netns", topo.colo, "--multipath", "--confidence", "90", topo.target_v4});
  EXPECT_EQ(odd.status, 2);
}

TEST_F(ColotraceCliLabTest, TextTableFitsEightyColumns) {
  colotrace::lab::ChainOptions opts;
  opts.silent_router = 2;
  auto topo = colotrace::lab::Chain(*lab_, 3, opts);
  ExecResult r = Colotrace(
      {"trace", "--netns", topo.colo, "--packet-type", "tcp", topo.target_v4, topo.target_v6});
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) EXPECT_LE(line.size(), 80u) << line;
  for (const auto& addr : {topo.hop_v4[0], topo.hop_v4[2], topo.target_v4, topo.hop_v6[0]}) {
    EXPECT_NE(r.out.find(addr), std::string::npos) << addr << " missing in\n" << r.out;
  }
  EXPECT_NE(r.out.find("  2 *"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("100.0%"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "piped output is printed once";
}

// Runs colotrace on a pseudo-terminal of `rows` x `columns` (TERM=xterm); returns all it wrote,
// with the terminal's \r\n as it came, and its exit status.
std::pair<std::string, int> ColotraceOnTerminal(const std::vector<std::string>& args, int rows,
                                                int columns) {
  winsize size{};
  size.ws_row = static_cast<unsigned short>(rows);
  size.ws_col = static_cast<unsigned short>(columns);
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) return {"forkpty failed", -1};
  if (pid == 0) {
    std::vector<char*> argv;
    std::string bin = COLOTRACE_BIN;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    setenv("TERM", "xterm", 1);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  // The read fails with EIO once the child is gone and the terminal is drained.
  while ((n = read(master, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

TEST_F(ColotraceCliLabTest, OnATerminalTheTableIsRedrawnAsHopsComplete) {
  // Router 2 is silent: its TTL waits the full second while hop 1 is long done.
  colotrace::lab::ChainOptions opts;
  opts.silent_router = 2;
  auto topo = colotrace::lab::Chain(*lab_, 3, opts);
  auto [out, status] =
      ColotraceOnTerminal({"trace", "--netns", topo.colo, "--max-ttl", "8", "--wait-time", "1",
                           "--packets-per-ttl", "2", topo.target_v4},
                          40, 100);
  ASSERT_EQ(status, 0) << out;
  // The first frame came while hop 2 still waited: hop 1 only. (Hops 2 to 4 are final
  // together, when hop 2's second ends: hops are reported in TTL order.)
  size_t second_frame = out.find("\x1b[J", out.find("\x1b[J") + 1);
  ASSERT_NE(second_frame, std::string::npos) << out;
  std::string first = out.substr(0, second_frame);
  EXPECT_NE(first.find("tracing: 1 of at most 8 TTLs done"), std::string::npos) << out;
  EXPECT_EQ(first.find(topo.hop_v4[2]), std::string::npos) << out;
  // Each frame replaces the one before: back up over its rows and clear below.
  EXPECT_NE(out.find("\r\x1b[5A\x1b[J"), std::string::npos) << out;
  // After the last clear comes the final table, as it would be printed to a pipe.
  size_t last_clear = out.rfind("\x1b[J");
  ASSERT_NE(last_clear, std::string::npos);
  std::string final_text = out.substr(last_clear + 3);
  EXPECT_EQ(final_text.find("tracing:"), std::string::npos) << final_text;
  EXPECT_NE(final_text.find("reached " + topo.target_v4 + " at TTL 4"), std::string::npos)
      << final_text;
  EXPECT_EQ(final_text.find('\x1b'), std::string::npos) << final_text;
}

TEST_F(ColotraceCliLabTest, OnATerminalJsonIsPrintedOnce) {
  auto topo = colotrace::lab::Chain(*lab_, 1);
  auto [out, status] =
      ColotraceOnTerminal({"trace", "--netns", topo.colo, "--json", topo.target_v4}, 40, 100);
  ASSERT_EQ(status, 0) << out;
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_NO_THROW(boost::json::parse(out)) << out;
}

TEST_F(ColotraceCliLabTest, NoRouteExits1AndUnresolvableExits2) {
  std::string bare = lab_->AddNode("bare");  // only lo: nothing is reachable, no DNS either
  ExecResult no_route = Colotrace({"trace", "--netns", bare, "203.0.113.1"});
  EXPECT_EQ(no_route.status, 1) << no_route.out << no_route.err;
  EXPECT_NE(no_route.err.find("cannot send probes"), std::string::npos) << no_route.err;
  ExecResult unresolvable = Colotrace({"trace", "--netns", bare, "no-such-host.invalid"});
  EXPECT_EQ(unresolvable.status, 2) << unresolvable.err;
  EXPECT_NE(unresolvable.err.find("cannot resolve"), std::string::npos) << unresolvable.err;
  ExecResult missing_ns = Colotrace({"trace", "--netns", "ct-no-such-ns", "203.0.113.1"});
  EXPECT_EQ(missing_ns.status, 1);
  EXPECT_NE(missing_ns.err.find("ip netns list"), std::string::npos) << missing_ns.err;
}

TEST_F(ColotraceCliLabTest, DropsPrivilegesAfterOpeningSockets) {
  // A trace long enough to look at the running process: a silent target with 2 s waits.
  colotrace::lab::ChainOptions opts;
  auto topo = colotrace::lab::Chain(*lab_, 1, opts);
  ExecResult r =
      RunCommand({"/bin/sh", "-c",
                  std::string(COLOTRACE_BIN) + " trace --netns " + topo.colo +
                      " --wait-time 2 --max-ttl 3 192.0.2.200 >/dev/null & pid=$!; sleep 0.5; "
                      "grep -E '^(Uid|CapEff|CapPrm):' /proc/$pid/status; wait $pid"},
                 ExecOptions{false, "", std::chrono::milliseconds(10000)});
  // 192.0.2.200 is routed towards the target namespace, which does not have it: silent.
  EXPECT_NE(r.out.find("CapEff:\t0000000000000000"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("CapPrm:\t0000000000000000"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Uid:\t0\t"), std::string::npos) << "still root: " << r.out;
}

}  // namespace

namespace {

TEST(ColotraceCliPrivilegeTest, WithoutCapNetRawSaysHowToGrantIt) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch to an unprivileged user";
  // As nobody, with no capabilities: raw sockets are refused before any packet is sent.
  ExecResult r =
      RunCommand({"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                  "--inh-caps=-all", "--bounding-set=-all", COLOTRACE_BIN, "trace", "127.0.0.1"},
                 ExecOptions{false, "", std::chrono::milliseconds(10000)});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("CAP_NET_RAW"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("setcap cap_net_raw+ep"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

}  // namespace

namespace {

TEST_F(ColotraceCliLabTest, GreAndIcmpTogetherLabelEachNode) {
  colotrace::lab::ChainOptions opts;
  opts.gre_endpoint = colotrace::lab::GreEndpoint::kHealthy;
  auto topo = colotrace::lab::Chain(*lab_, 2, opts);
  ExecResult r = Colotrace(
      {"trace", "--netns", topo.colo, "--json", "--packet-type", "gre+icmp", topo.target_v4});
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = boost::json::parse(r.out);
  const auto& hops = doc.at(0).at("colos").at(0).at("hops").as_array();
  ASSERT_EQ(hops.size(), topo.hop_v4.size()) << r.out;
  for (size_t h = 0; h < hops.size(); ++h) {
    const auto& nodes = hops[h].at("nodes").as_array();
    ASSERT_EQ(nodes.size(), 2u) << r.out;
    EXPECT_EQ(nodes[0].at("ip").as_string(), topo.hop_v4[h]);
    EXPECT_EQ(nodes[0].at("labels").at(0).as_string(), "gre");
    EXPECT_EQ(nodes[1].at("ip").as_string(), topo.hop_v4[h]);
    EXPECT_EQ(nodes[1].at("labels").at(0).as_string(), "icmp");
    EXPECT_EQ(hops[h].at("packets_sent").as_int64(), 6);
  }
  EXPECT_EQ(doc.at(0).at("colos").at(0).at("target_summary").at("packet_count").as_int64(), 6);
  // The table shows the labels under each node.
  ExecResult text =
      Colotrace({"trace", "--netns", topo.colo, "--packet-type", "gre", topo.target_v4});
  ASSERT_EQ(text.status, 0) << text.err;
  EXPECT_NE(text.out.find("gre, max TTL 15"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("reached " + topo.target_v4), std::string::npos) << text.out;
}

}  // namespace

namespace {

TEST_F(ColotraceCliLabTest, AsnsFromADatabaseAndAResolverThatNeverAnswers) {
  auto topo = colotrace::lab::Chain(*lab_, 2);
  std::string db = "/tmp/colotrace-cli-test-" + std::to_string(getpid()) + ".mmdb";
  ExecResult written = RunCommand({"perl", WRITE_LAB_ASN_DB, db, "198.51.100.0/24=64500:Lab-Links",
                                   "203.0.113.0/24=64501:Lab-Target"},
                                  ExecOptions{false, "", std::chrono::milliseconds(30000)});
  ASSERT_EQ(written.status, 0) << written.err;
  // 192.0.2.53 is routed into the lab but nothing answers there: names stay the addresses,
  // and the trace still ends (each lookup gives up after its 1 s budget).
  ExecResult r = Colotrace({"trace", "--netns", topo.colo, "--json", "--asn-db", db, "--dns-server",
                            "192.0.2.53", topo.target_v4});
  unlink(db.c_str());
  ASSERT_EQ(r.status, 0) << r.err;
  auto doc = boost::json::parse(r.out);
  const auto& colo = doc.at(0).at("colos").at(0);
  const auto& hops = colo.at("hops").as_array();
  ASSERT_EQ(hops.size(), topo.hop_v4.size());
  for (size_t h = 0; h < hops.size(); ++h) {
    const auto& node = hops[h].at("nodes").at(0);
    EXPECT_EQ(node.at("asn").as_string(), h + 1 == hops.size() ? "AS64501" : "AS64500");
    EXPECT_EQ(node.at("name").as_string(), node.at("ip").as_string());
  }
  EXPECT_EQ(colo.at("target_summary").at("asn").as_string(), "AS64501");
  ExecResult missing =
      Colotrace({"trace", "--netns", topo.colo, "--asn-db", "/nonexistent.mmdb", topo.target_v4});
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("--asn-db"), std::string::npos) << missing.err;
}

// Host names, reverse names and Cymru ASNs from dnsmasq on the first router (198.51.100.2,
// 2001:db8:0:1::2 — the lab's DNS address): names by default, -n, -4/-6, NXDOMAIN.
TEST_F(ColotraceCliLabTest, HostNamesReverseNamesAndCymruFromALabDnsServer) {
  auto topo = colotrace::lab::Chain(*lab_, 2);
  colotrace::testing_support::ScratchDir dir("colotrace-cli-dns");
  ASSERT_FALSE(dir.path().empty());
  colotrace::enrich::Dnsmasq dns(*lab_, topo.routers[0], 53, 300, dir.path() + "/dns.log");
  auto trace = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"trace",  "--netns",      topo.colo,
                                     "--json", "--dns-server", colotrace::enrich::kDnsV4};
    args.insert(args.end(), extra.begin(), extra.end());
    return Colotrace(args);
  };
  auto colo_of = [](const ExecResult& r) {
    return boost::json::parse(r.out).at(0).at("colos").at(0);
  };

  // both.lab.example has A and AAAA: IPv4 by default; names looked up by default.
  ExecResult r = trace({"--asn-cymru", "both.lab.example"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto colo = colo_of(r);
  EXPECT_EQ(colo.at("target_summary").at("ip").as_string(), "203.0.113.1");
  EXPECT_EQ(colo.at("target_summary").at("name").as_string(), "target.lab.example");
  EXPECT_EQ(colo.at("target_summary").at("asn").as_string(), "AS64501");
  const auto& hops = colo.at("hops").as_array();
  ASSERT_EQ(hops.size(), topo.hop_v4.size());
  EXPECT_EQ(hops[0].at("nodes").at(0).at("name").as_string(), "r1.lab.example");
  // A router without a PTR record keeps its address as name.
  const auto& r2 = hops[1].at("nodes").at(0);
  EXPECT_EQ(r2.at("name").as_string(), r2.at("ip").as_string());

  // -n: no names; -6 over IPv6 through a CNAME chain.
  r = trace({"-n", "-6", "alias.lab.example"});
  ASSERT_EQ(r.status, 0) << r.err;
  colo = colo_of(r);
  EXPECT_EQ(colo.at("target_summary").at("ip").as_string(), topo.target_v6);
  EXPECT_EQ(colo.at("target_summary").at("name").as_string(), topo.target_v6);
  EXPECT_EQ(colo.at("hops").as_array().size(), topo.hop_v6.size());

  // AAAA only, asked for IPv4; NXDOMAIN; a v6 literal with -4: exit 2, one clear line.
  r = trace({"-4", "v6only.lab.example"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "colotrace: cannot resolve 'v6only.lab.example': no IPv4 address\n");
  r = trace({"nosuch.lab.example"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "colotrace: cannot resolve 'nosuch.lab.example': no such name (NXDOMAIN)\n");
  r = trace({"-4", topo.target_v6});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("is not an IPv4 address"), std::string::npos) << r.err;

  // Several addresses: the first is traced and stderr says so.
  r = trace({"-n", "--max-ttl", "4", "many.lab.example"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("many.lab.example has 2 IPv4 addresses; tracing 203.0.113."),
            std::string::npos)
      << r.err;
}

}  // namespace
