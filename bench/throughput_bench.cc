// The highest sustained probe rate of one engine: a lab chain (colo - r1 - r2 - target, no
// delay, no ICMP rate limits), one engine with max_packets_per_second raised to each rate in
// turn, and enough traces kept in flight that the engine's send budget is the limit. For each
// rate: probes sent and replies matched per second, false loss (probes lost at TTLs that
// answer: the lab drops nothing), and the CPU time of the process per probe sent. Needs root.
//
//   throughput_bench [--seconds S] [--rates 20000,50000,...] [--window N] [--cpu N]
//
// --cpu N pins the whole process (so the engine thread) to CPU N; the kernel's forwarding in
// the lab's routers runs wherever the kernel puts it.
#include <sched.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lab.h"
#include "probe/engine.h"
#include "topologies.h"

namespace {

using colotrace::model::ColoResult;

struct Cpu {
  double user_s = 0;
  double system_s = 0;
};

Cpu CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return {static_cast<double>(u.ru_utime.tv_sec) + static_cast<double>(u.ru_utime.tv_usec) / 1e6,
          static_cast<double>(u.ru_stime.tv_sec) + static_cast<double>(u.ru_stime.tv_usec) / 1e6};
}

struct Tally {
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  uint64_t traces = 0;
  uint64_t probes = 0;     // sent, as the results count them
  uint64_t lost = 0;       // lost at a TTL the result reports (all of them answer here)
  uint64_t unreached = 0;  // traces that did not reach the target
  uint64_t errors = 0;     // traces with a colo error
};

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  int window = 2000;
  int cpu = -1;
  std::vector<int> rates = {20'000, 50'000, 100'000, 150'000, 200'000, 300'000};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    if (a == "--window") window = std::atoi(argv[i + 1]);
    if (a == "--cpu") cpu = std::atoi(argv[i + 1]);
    if (a == "--rates") {
      rates.clear();
      std::stringstream in(argv[i + 1]);
      std::string item;
      while (std::getline(in, item, ',')) rates.push_back(std::atoi(item.c_str()));
    }
  }
  std::string reason;
  if (!colotrace::lab::Lab::CanRun(&reason)) {
    std::fprintf(stderr, "throughput_bench: %s\n", reason.c_str());
    return 1;
  }
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  colotrace::lab::Lab lab("tput");
  auto topo = colotrace::lab::Chain(lab, 2);

  std::printf(
      "| rate asked (probes/s) | sent/s | matched/s | traces/s | false loss | "
      "CPU us/probe (user + system) |\n|---:|---:|---:|---:|---:|---:|\n");
  for (int rate : rates) {
    colotrace::probe::EngineOptions options;
    options.netns = topo.colo;
    options.max_packets_per_second = rate;
    options.max_traces = window + 100;
    auto created = colotrace::probe::Engine::Create(options);
    if (!created) {
      std::fprintf(stderr, "throughput_bench: %s\n", created.error().c_str());
      return 1;
    }
    auto& engine = **created;
    // The first trace finds the target's distance; later ones send 3 TTLs x 3 probes.
    colotrace::probe::TraceRequest request;
    request.target = *colotrace::net::IpAddress::Parse(topo.target_v4);
    request.options.max_ttl = 10;
    engine.Run(request);

    Tally tally;
    std::atomic<bool> running{true};
    std::function<void()> start_one;
    start_one = [&] {
      engine.Start(request, [&](ColoResult r) {
        {
          std::lock_guard lock(tally.mu);
          --tally.in_flight;
          ++tally.traces;
          if (r.error != colotrace::model::ColoError::kNone) ++tally.errors;
          if (r.target_summary.latency.count == 0) ++tally.unreached;
          for (const auto& h : r.hops) {
            tally.probes += static_cast<uint64_t>(h.packets_sent);
            tally.lost += static_cast<uint64_t>(h.packets_lost);
          }
          if (running.load()) ++tally.in_flight;
        }
        if (running.load()) {
          start_one();
        } else {
          tally.cv.notify_all();
        }
      });
    };
    auto before = engine.counters();
    Cpu cpu_before = CpuSeconds();
    auto start = std::chrono::steady_clock::now();
    {
      std::lock_guard lock(tally.mu);
      tally.in_flight = window;
    }
    for (int i = 0; i < window; ++i) start_one();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    running.store(false);
    {
      std::unique_lock lock(tally.mu);
      tally.cv.wait(lock, [&] { return tally.in_flight == 0; });
    }
    double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    Cpu cpu_after = CpuSeconds();
    double user = cpu_after.user_s - cpu_before.user_s;
    double system = cpu_after.system_s - cpu_before.system_s;
    auto after = engine.counters();
    double sent = static_cast<double>(after.probes_sent - before.probes_sent);
    double matched = static_cast<double>(after.replies_matched - before.replies_matched);
    std::printf(
        "| %d | %.0f | %.0f | %.0f | %llu of %llu (%.3f%%)%s | %.2f (%.2f + %.2f) |\n", rate,
        sent / elapsed, matched / elapsed, static_cast<double>(tally.traces) / elapsed,
        static_cast<unsigned long long>(tally.lost), static_cast<unsigned long long>(tally.probes),
        tally.probes ? 100.0 * static_cast<double>(tally.lost) / static_cast<double>(tally.probes)
                     : 0.0,
        tally.errors || tally.unreached ? (" [" + std::to_string(tally.unreached) + " unreached, " +
                                           std::to_string(tally.errors) + " errors]")
                                              .c_str()
                                        : "",
        sent > 0 ? (user + system) / sent * 1e6 : 0.0, sent > 0 ? user / sent * 1e6 : 0.0,
        sent > 0 ? system / sent * 1e6 : 0.0);
    std::fflush(stdout);
  }
  return 0;
}
