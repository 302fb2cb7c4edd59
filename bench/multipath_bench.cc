// Multipath enumeration against scamper's tracelb on kernel ECMP fans (tests/lab EcmpFan:
// colo - r1 - {m1..mN} - r3 - target, layer-4 hashing). Needs root (docs/benchmarks.md,
// "Multipath").
//
//   multipath_bench [--runs R] [--widths 2,4,8] [--confidence 95|99]
//
// For each width, R runs of each tool in the colo's namespace, in turn: `colotrace trace
// --multipath --packet-type udp --json -n` and `scamper -O json -c 'tracelb -P udp-dport -c C'`.
// Per tool: wall time (process start included), probes sent (colotrace: multipath_probes, which
// counts the probes past the target too; scamper: its probec), and whether every interface of
// the fan was found.
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "bench_support.h"
#include "lab.h"
#include "run_command.h"
#include "topologies.h"

namespace {

using namespace colotrace::bench;
namespace json = boost::json;

struct Outcome {
  double wall_ms = 0;
  int probes = 0;
  bool found_all = false;
  bool ok = false;
};

void CollectAddresses(const json::value& v, std::set<std::string>* out) {
  if (v.is_object()) {
    for (const auto& kv : v.as_object()) {
      if ((kv.key() == "addr" || kv.key() == "ip") && kv.value().is_string()) {
        out->insert(std::string(kv.value().as_string()));
      } else {
        CollectAddresses(kv.value(), out);
      }
    }
  } else if (v.is_array()) {
    for (const auto& e : v.as_array()) CollectAddresses(e, out);
  }
}

bool HasAll(const std::set<std::string>& found, const colotrace::lab::Topology& t) {
  for (const auto& hop : t.hop_choices_v4) {
    for (const auto& a : hop) {
      if (found.count(a) == 0) return false;
    }
  }
  return true;
}

Outcome RunColotrace(const colotrace::lab::Topology& t, int confidence) {
  RunResult r = RunInNetns(
      t.colo, {COLOTRACE_BIN, "trace", "--multipath", "--confidence", std::to_string(confidence),
               "--packet-type", "udp", "--json", "-n", t.target_v4});
  Outcome o;
  o.wall_ms = r.wall_ms;
  if (r.status != 0) return o;
  json::value v = json::parse(r.out);
  const auto& colo = v.as_array().at(0).at("colos").as_array().at(0).as_object();
  o.probes = static_cast<int>(colo.at("multipath_probes").as_int64());
  std::set<std::string> found;
  for (const auto& h : colo.at("hops").as_array()) CollectAddresses(h.at("nodes"), &found);
  o.found_all = HasAll(found, t) && colo.at("multipath_complete").as_bool();
  o.ok = true;
  return o;
}

Outcome RunScamper(const colotrace::lab::Topology& t, int confidence) {
  RunResult r = RunInNetns(
      t.colo, {"scamper", "-O", "json", "-c",
               "tracelb -P udp-dport -c " + std::to_string(confidence), "-i", t.target_v4});
  Outcome o;
  o.wall_ms = r.wall_ms;
  if (r.status != 0) return o;
  size_t at = r.out.find("{\"type\":\"tracelb\"");
  if (at == std::string::npos) return o;
  json::value v = json::parse(r.out.substr(at, r.out.find('\n', at) - at));
  o.probes = static_cast<int>(v.at("probec").as_int64());
  std::set<std::string> found;
  CollectAddresses(v.at("nodes"), &found);
  o.found_all = HasAll(found, t);
  o.ok = true;
  return o;
}

void Report(const char* tool, int width, const std::vector<Outcome>& runs) {
  std::vector<double> wall, probes;
  int found = 0, ok = 0;
  for (const auto& o : runs) {
    if (!o.ok) continue;
    ++ok;
    wall.push_back(o.wall_ms);
    probes.push_back(o.probes);
    if (o.found_all) ++found;
  }
  if (ok == 0) {
    std::printf("width %d  %-9s every run failed\n", width, tool);
    return;
  }
  std::printf(
      "width %d  %-9s wall ms p50 %8.1f max %8.1f   probes p50 %5.0f max %5.0f   found all "
      "%d/%d\n",
      width, tool, Quantile(wall, 0.5), Quantile(wall, 1.0), Quantile(probes, 0.5),
      Quantile(probes, 1.0), found, ok);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 10;
  int confidence = 95;
  std::vector<int> widths = {2, 4, 8};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--runs") {
      runs = std::atoi(argv[i + 1]);
    } else if (flag == "--confidence") {
      confidence = std::atoi(argv[i + 1]);
    } else if (flag == "--widths") {
      widths.clear();
      std::string list = argv[i + 1];
      for (size_t p = 0; p < list.size();) {
        size_t comma = list.find(',', p);
        widths.push_back(std::atoi(list.substr(p, comma - p).c_str()));
        p = comma == std::string::npos ? list.size() : comma + 1;
      }
    } else {
      std::fprintf(stderr,
                   "usage: multipath_bench [--runs R] [--widths 2,4,8] [--confidence 95|99]\n");
      return 2;
    }
  }
  std::string reason;
  if (!colotrace::lab::Lab::CanRun(&reason)) {
    std::fprintf(stderr, "multipath_bench: needs the lab: %s\n", reason.c_str());
    return 1;
  }
  try {
    for (int width : widths) {
      colotrace::lab::Lab lab("mpb");
      colotrace::lab::Topology t = colotrace::lab::EcmpFan(lab, {width, 0}, nullptr);
      std::vector<Outcome> ours, theirs;
      for (int r = 0; r < runs; ++r) {
        ours.push_back(RunColotrace(t, confidence));
        theirs.push_back(RunScamper(t, confidence));
      }
      Report("colotrace", width, ours);
      Report("scamper", width, theirs);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "multipath_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
