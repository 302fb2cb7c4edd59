// Runs colotrace and its peers (traceroute, mtr --report, scamper, tracepath) on the same lab
// topologies in one run and prints a Markdown table: wall time, hops found, false loss, RTT
// error against the configured delay, peak memory. Needs root (network namespaces).
//
//   peers_bench [--runs N] [--only TOPOLOGY] [--tool NAME] [--hold] [--colotrace PATH]
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "lab.h"
#include "run_command.h"
#include "topologies.h"

namespace {

using colotrace::bench::RunInNetns;
using colotrace::bench::RunResult;
using colotrace::lab::Lab;
using colotrace::lab::Topology;

struct HopObs {
  int ttl = 0;
  std::string addr;  // first address that answered, "" if none
  int replies = 0;
  int lost = 0;
  double rtt_sum_ms = 0;
};

bool IsAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::vector<std::string> Tokens(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> t;
  std::string w;
  while (in >> w) t.push_back(w);
  return t;
}

std::vector<HopObs> ParseColotrace(const std::string& out) {
  std::vector<HopObs> hops;
  boost::json::value doc = boost::json::parse(out);
  const auto& colo = doc.as_array().at(0).at("colos").as_array().at(0);
  for (const auto& h : colo.at("hops").as_array()) {
    HopObs o;
    o.ttl = static_cast<int>(h.at("packets_ttl").as_int64());
    o.lost = static_cast<int>(h.at("packets_lost").as_int64());
    for (const auto& node : h.at("nodes").as_array()) {
      if (o.addr.empty()) o.addr = node.at("ip").as_string().c_str();
      int count = static_cast<int>(node.at("packet_count").as_int64());
      o.replies += count;
      o.rtt_sum_ms += node.at("mean_rtt_ms").to_number<double>() * count;
    }
    hops.push_back(o);
  }
  return hops;
}

// Linux traceroute and scamper: " 3  198.51.100.9  0.051 ms  *  0.049 ms".
std::vector<HopObs> ParseTraceroute(const std::string& out) {
  std::vector<HopObs> hops;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto t = Tokens(line);
    if (t.empty() || !std::all_of(t[0].begin(), t[0].end(), ::isdigit)) continue;
    HopObs o;
    o.ttl = std::stoi(t[0]);
    for (size_t i = 1; i < t.size(); ++i) {
      if (t[i] == "*") {
        ++o.lost;
      } else if (IsAddress(t[i])) {
        if (o.addr.empty()) o.addr = t[i];
      } else if (t[i] == "ms" && i > 0) {
        ++o.replies;
        o.rtt_sum_ms += std::atof(t[i - 1].c_str());
      }
    }
    hops.push_back(o);
  }
  return hops;
}

// mtr --report: "  2.|-- 198.51.100.6   0.0%     3    0.1   0.1   0.1   0.1   0.0".
std::vector<HopObs> ParseMtr(const std::string& out) {
  std::vector<HopObs> hops;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto t = Tokens(line);
    if (t.size() < 9 || t[0].find(".|--") == std::string::npos) continue;
    HopObs o;
    o.ttl = std::stoi(t[0]);
    if (IsAddress(t[1])) o.addr = t[1];
    int sent = std::stoi(t[3]);
    o.lost = static_cast<int>(std::lround(std::atof(t[2].c_str()) * sent / 100.0));
    o.replies = sent - o.lost;
    o.rtt_sum_ms = std::atof(t[5].c_str()) * o.replies;
    hops.push_back(o);
  }
  return hops;
}

// tracepath: " 2:  203.0.113.1   0.021ms reached", several lines per TTL, "no reply".
std::vector<HopObs> ParseTracepath(const std::string& out) {
  std::map<int, HopObs> by_ttl;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    auto t = Tokens(line);
    if (t.size() < 2 || t[0].back() != ':' || t[0].find('?') != std::string::npos) continue;
    int ttl = std::atoi(t[0].c_str());
    if (ttl <= 0) continue;
    HopObs& o = by_ttl[ttl];
    o.ttl = ttl;
    if (t[1] == "no") {
      ++o.lost;
      continue;
    }
    if (!IsAddress(t[1])) continue;
    if (o.addr.empty()) o.addr = t[1];
    ++o.replies;
    if (t.size() > 2) o.rtt_sum_ms += std::atof(t[2].c_str());
  }
  std::vector<HopObs> hops;
  for (auto& [ttl, o] : by_ttl) hops.push_back(o);
  return hops;
}

struct Tool {
  std::string name;
  std::vector<std::string> argv;  // target appended
  std::vector<HopObs> (*parse)(const std::string&);
};

std::vector<Tool> Tools(const std::string& type, const std::string& colotrace) {
  std::vector<Tool> tools;
  // -n like every peer here: names are looked up by default, the peers print addresses.
  std::vector<std::string> ct = {colotrace, "trace", "-n", "--json", "--packet-type", type};
  tools.push_back({"colotrace", ct, ParseColotrace});
  if (type == "icmp") {
    tools.push_back(
        {"traceroute -I", {"traceroute", "-n", "-q", "3", "-w", "1", "-I"}, ParseTraceroute});
    tools.push_back({"mtr", {"mtr", "-n", "-r", "-c", "3"}, ParseMtr});
    tools.push_back({"scamper icmp-paris",
                     {"scamper", "-O", "text", "-c", "trace -P icmp-paris -q 3 -w 1", "-i"},
                     ParseTraceroute});
  } else if (type == "udp") {
    tools.push_back({"traceroute", {"traceroute", "-n", "-q", "3", "-w", "1"}, ParseTraceroute});
    tools.push_back({"mtr -u", {"mtr", "-n", "-r", "-c", "3", "-u"}, ParseMtr});
    tools.push_back({"scamper udp-paris",
                     {"scamper", "-O", "text", "-c", "trace -P udp-paris -q 3 -w 1", "-i"},
                     ParseTraceroute});
    tools.push_back({"tracepath", {"tracepath", "-n"}, ParseTracepath});
  } else {
    tools.push_back({"traceroute -T",
                     {"traceroute", "-n", "-q", "3", "-w", "1", "-T", "-p", "80"},
                     ParseTraceroute});
    tools.push_back({"mtr -T", {"mtr", "-n", "-r", "-c", "3", "-T", "-P", "80"}, ParseMtr});
    tools.push_back({"scamper tcp",
                     {"scamper", "-O", "text", "-c", "trace -P tcp -d 80 -q 3 -w 1", "-i"},
                     ParseTraceroute});
  }
  return tools;
}

struct Scenario {
  std::string name;
  std::string note;
  colotrace::lab::ChainOptions opts;
  int routers = 5;
  bool ecmp = false;
  bool v6 = false;
};

struct Score {
  int hops_found = 0;  // TTLs up to the target's with a reply
  bool reached = false;
  int false_loss = 0;  // probes lost at TTLs that do answer (no loss is configured)
  double rtt_error_ms = 0;
};

Score Evaluate(const std::vector<HopObs>& hops, const Topology& topo, bool v6,
               double delay_rtt_ms) {
  const auto& expected = v6 ? topo.hop_v6 : topo.hop_v4;
  const std::string& target = v6 ? topo.target_v6 : topo.target_v4;
  Score s;
  for (const auto& h : hops) {
    if (h.ttl < 1 || h.ttl > static_cast<int>(expected.size())) continue;
    bool silent = expected[static_cast<size_t>(h.ttl - 1)] == colotrace::lab::kNoReply;
    if (h.replies > 0) ++s.hops_found;
    if (!silent) s.false_loss += h.lost;
    if (h.addr == target && h.replies > 0) {
      s.reached = true;
      s.rtt_error_ms = std::fabs(h.rtt_sum_ms / h.replies - delay_rtt_ms);
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  std::string only;
  bool hold = false;        // build the topology, print its namespaces, wait for stdin to close
  std::string tool_filter;  // only colotrace and the peers whose name starts with it
  std::string colotrace = COLOTRACE_BIN;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc)
      runs = std::atoi(argv[++i]);
    else if (a == "--colotrace" && i + 1 < argc)
      colotrace = argv[++i];
    else if (a == "--only" && i + 1 < argc)
      only = argv[++i];
    else if (a == "--hold")
      hold = true;
    else if (a == "--tool" && i + 1 < argc)
      tool_filter = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: peers_bench [--runs N] [--only TOPOLOGY] [--tool NAME] [--hold] "
                   "[--colotrace PATH]\n");
      return 2;
    }
  }
  std::string reason;
  if (!Lab::CanRun(&reason)) {
    std::fprintf(stderr, "peers_bench: %s\n", reason.c_str());
    return 1;
  }
  std::vector<Scenario> scenarios;
  {
    Scenario s{"chain", "5 routers, 20 ms each way at r1 (path RTT 40 ms)", {}, 5};
    s.opts.delay_router = 1;
    s.opts.delay_ms = 20;
    scenarios.push_back(s);
    s.name = "chain-v6";
    s.v6 = true;
    scenarios.push_back(s);
    s = Scenario{"silent", "as chain, r3 never answers", {}, 5};
    s.opts.delay_router = 1;
    s.opts.delay_ms = 20;
    s.opts.silent_router = 3;
    scenarios.push_back(s);
    s = Scenario{"ratelimit", "as chain, r2 and target keep Linux's ICMP rate limit", {}, 5};
    s.opts.delay_router = 1;
    s.opts.delay_ms = 20;
    s.opts.ratelimited_router = 2;
    s.opts.target_keeps_ratelimit = true;
    scenarios.push_back(s);
  }
  std::printf(
      "| topology | type | tool | wall ms (median of %d) | hops found | reached | false loss | RTT "
      "error ms | peak RSS MB |\n",
      runs);
  std::printf("|---|---|---|---:|---:|---|---:|---:|---:|\n");
  for (const auto& sc : scenarios) {
    if (!only.empty() && sc.name != only) continue;
    Lab lab("bench");
    Topology topo = colotrace::lab::Chain(lab, sc.routers, sc.opts);
    if (hold) {
      // SIGINT/SIGTERM end the wait (read fails with EINTR) so the Lab is torn down.
      struct sigaction sa {};
      sa.sa_handler = [](int) {};
      sigaction(SIGINT, &sa, nullptr);
      sigaction(SIGTERM, &sa, nullptr);
      std::printf("colo %s target %s %s\n", topo.colo.c_str(), topo.target_v4.c_str(),
                  topo.target_v6.c_str());
      std::fflush(stdout);
      char c;
      while (read(0, &c, 1) > 0) {
      }
      continue;
    }
    double delay_rtt = 2.0 * sc.opts.delay_ms;
    const std::string& target = sc.v6 ? topo.target_v6 : topo.target_v4;
    for (std::string type : {"icmp", "udp", "tcp"}) {
      for (auto tool : Tools(type, colotrace)) {
        if (tool.name == "tracepath" && sc.v6) continue;
        if (!tool_filter.empty() && tool.name.rfind(tool_filter, 0) != 0 &&
            tool.name != "colotrace") {
          continue;
        }
        tool.argv.push_back(target);
        std::vector<double> walls;
        long rss = 0;
        Score score;
        bool all_ok = true;
        for (int r = 0; r < runs; ++r) {
          // Rate limits refill at 1/s: give every run a fresh bucket.
          if (sc.opts.target_keeps_ratelimit) sleep(3);
          RunResult rr = RunInNetns(topo.colo, tool.argv);
          if (rr.status != 0) all_ok = false;
          walls.push_back(rr.wall_ms);
          rss = std::max(rss, rr.max_rss_kb);
          Score s;
          try {
            s = Evaluate(tool.parse(rr.out), topo, sc.v6, delay_rtt);
          } catch (const std::exception& e) {
            all_ok = false;
          }
          if (r == 0 || s.false_loss > score.false_loss) score = s;  // report the worst run
        }
        std::sort(walls.begin(), walls.end());
        std::printf("| %s | %s | %s | %.0f | %d | %s | %d | %.1f | %.1f |%s\n", sc.name.c_str(),
                    type.c_str(), tool.name.c_str(), walls[walls.size() / 2], score.hops_found,
                    score.reached ? "yes" : "no", score.false_loss, score.rtt_error_ms,
                    static_cast<double>(rss) / 1024.0, all_ok ? "" : " (exit status not 0)");
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
