// Many concurrent traces in one engine: wall time, probes per second and peak resident
// memory of the process. Runs inside a lab chain (needs root).
//
//   concurrency_bench [--traces N] [--routers N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "lab.h"
#include "probe/engine.h"
#include "topologies.h"

namespace {

// A line of /proc/self/status such as VmHWM, in kB.
long StatusKb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::atol(line.c_str() + key.size() + 1);
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  int traces = 1000;
  int routers = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--traces") traces = std::atoi(argv[i + 1]);
    if (a == "--routers") routers = std::atoi(argv[i + 1]);
  }
  std::string reason;
  if (!colotrace::lab::Lab::CanRun(&reason)) {
    std::fprintf(stderr, "concurrency_bench: %s\n", reason.c_str());
    return 1;
  }
  colotrace::lab::Lab lab("conc");
  colotrace::lab::ChainOptions opts;
  opts.delay_router = 1;
  opts.delay_ms = 20;
  auto topo = colotrace::lab::Chain(lab, routers, opts);
  long rss_before = StatusKb("VmRSS");

  colotrace::probe::EngineOptions engine_options;
  engine_options.netns = topo.colo;
  auto engine = colotrace::probe::Engine::Create(engine_options);
  if (!engine) {
    std::fprintf(stderr, "concurrency_bench: %s\n", engine.error().c_str());
    return 1;
  }
  const colotrace::model::PacketType types[] = {colotrace::model::PacketType::kIcmp,
                                                colotrace::model::PacketType::kUdp,
                                                colotrace::model::PacketType::kTcp};
  std::vector<std::promise<colotrace::model::ColoResult>> promises(static_cast<size_t>(traces));
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < traces; ++i) {
    colotrace::probe::TraceRequest request;
    bool v6 = i % 2 == 1;
    request.target = *colotrace::net::IpAddress::Parse(v6 ? topo.target_v6 : topo.target_v4);
    request.options.packet_type = types[(i / 2) % 3];
    (*engine)->Start(request, [&promises, i](colotrace::model::ColoResult r) {
      promises[static_cast<size_t>(i)].set_value(std::move(r));
    });
  }
  int complete = 0;
  int64_t max_time_ms = 0;
  int lost = 0;
  for (auto& p : promises) {
    auto r = p.get_future().get();
    if (r.error == colotrace::model::ColoError::kNone && r.hops.size() == topo.hop_v4.size() &&
        r.target_summary.latency.count == 3) {
      ++complete;
    }
    for (const auto& h : r.hops) lost += h.packets_lost;
    max_time_ms = std::max(max_time_ms, r.traceroute_time_ms);
  }
  double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto counters = (*engine)->counters();
  std::printf("traces %d, complete %d, probes lost %d\n", traces, complete, lost);
  std::printf("wall %.3f s, slowest trace %lld ms, probes sent %llu (%.0f/s), replies %llu\n",
              wall_s, static_cast<long long>(max_time_ms),
              static_cast<unsigned long long>(counters.probes_sent),
              static_cast<double>(counters.probes_sent) / wall_s,
              static_cast<unsigned long long>(counters.replies_matched));
  std::printf("resident memory: before the engine %ld kB, peak %ld kB\n", rss_before,
              StatusKb("VmHWM"));
  return complete == traces ? 0 : 1;
}
