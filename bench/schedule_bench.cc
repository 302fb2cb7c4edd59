// Many schedules on one server (docs/benchmarks.md, "Schedules"). Needs root.
//
//   schedule_bench [--schedules N] [--interval S] [--minutes M] [--backend sqlite|postgresql]
//
// `colotrace serve` with its colo in a lab chain (one router, the target behind it) gets N
// schedules of S seconds (each run: one target, udp, max_ttl 4, one probe per TTL). After one
// interval (the first runs all come at creation), for M minutes: the CPU of the scheduler's
// thread and of the whole server (from /proc), the runs started, how late each started after
// its slot (from the stored measurements: created_at against the schedule's offset), and, on
// PostgreSQL, the rows written per run (pg_stat_database).
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "lab.h"
#include "schedule/timing.h"
#include "store/measurement_store.h"
#include "support/postgres_cluster.h"
#include "topologies.h"

namespace {

using namespace colotrace::bench;
using Clock = std::chrono::steady_clock;

// CPU seconds (user + system) of each thread of `pid`, by thread name; several threads of one
// name are added up.
std::map<std::string, double> ThreadCpu(pid_t pid) {
  std::map<std::string, double> out;
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream stat(dir + "/" + e->d_name + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    size_t open = text.find('(');
    size_t close = text.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::string name = text.substr(open + 1, close - open - 1);
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    std::vector<std::string> fields;
    while (rest >> field) fields.push_back(field);
    if (fields.size() < 13) continue;
    // After the name: state(0) ... utime(11) stime(12).
    out[name] += (std::stod(fields[11]) + std::stod(fields[12])) / tick;
  }
  closedir(d);
  return out;
}

double RunsStarted(int port) {
  Connection c(port);
  std::string body;
  c.Exchange("GET", "/metrics", "", &body);
  size_t at = body.find("\ncolotrace_schedule_runs_total ");
  if (at == std::string::npos) Die("no colotrace_schedule_runs_total in /metrics");
  return std::stod(body.substr(at + 31));
}

}  // namespace

int main(int argc, char** argv) {
  int schedules = 10'000;
  int interval_s = 60;
  int minutes = 3;
  std::string backend = "sqlite";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--schedules") schedules = std::atoi(argv[i + 1]);
    if (a == "--interval") interval_s = std::atoi(argv[i + 1]);
    if (a == "--minutes") minutes = std::atoi(argv[i + 1]);
    if (a == "--backend") backend = argv[i + 1];
  }
  if (geteuid() != 0) {
    std::fputs("schedule_bench: needs root (the lab, and PostgreSQL runs as nobody)\n", stderr);
    return 1;
  }
  try {
    colotrace::lab::Lab lab("scb");
    auto topo = colotrace::lab::Chain(lab, 1);
    auto dir = WritableDir("colotrace-schedule-bench");
    std::unique_ptr<colotrace::testing_support::PostgresCluster> pg;
    std::string db = dir->path() + "/history.db";
    if (backend == "postgresql") {
      pg = std::make_unique<colotrace::testing_support::PostgresCluster>(
          colotrace::testing_support::PostgresCluster::Options{.durable = true});
      pg->Sql("CREATE DATABASE bench");
      db = pg->Url("bench");
    } else if (backend != "sqlite") {
      Die("--backend sqlite or postgresql");
    }
    auto server = Serve(dir->path(), topo.colo, db,
                        "[schedules]\nmax_per_account = 1000000\nmin_interval_s = 1\n");
    // The schedules.
    auto created_start = Clock::now();
    {
      Connection c(server->port());
      const std::string body_head = R"({"name":"bench","targets":["203.0.113.1"],)"
                                    R"("options":{"packet_type":"udp","max_ttl":4,)"
                                    R"("packets_per_ttl":1},"interval_s":)";
      for (int i = 0; i < schedules; ++i) {
        std::string answer;
        int status = c.Exchange("POST", "/client/v4/accounts/acc1/diagnostics/traceroute/schedules",
                                body_head + std::to_string(interval_s) + "}", &answer);
        if (status != 200) Die("creating a schedule: " + std::to_string(status) + " " + answer);
      }
    }
    double create_s = std::chrono::duration<double>(Clock::now() - created_start).count();
    std::printf("%d schedules of %d s created in %.1f s (%s)\n", schedules, interval_s, create_s,
                backend.c_str());
    // One interval for the first runs (all at creation) to pass, then the window.
    std::this_thread::sleep_for(std::chrono::seconds(interval_s + 5));
    auto cpu0 = ThreadCpu(server->pid());
    double runs0 = RunsStarted(server->port());
    int64_t tuples0 = 0;
    const std::string tuples_sql =
        "SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = "
        "'bench'";
    if (pg) tuples0 = std::stoll(pg->Query(tuples_sql));
    int64_t window_start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
    auto t0 = Clock::now();
    std::this_thread::sleep_for(std::chrono::minutes(minutes));
    double window_s = std::chrono::duration<double>(Clock::now() - t0).count();
    int64_t window_end_ms = window_start_ms + static_cast<int64_t>(window_s * 1000);
    auto cpu1 = ThreadCpu(server->pid());
    double runs = RunsStarted(server->port()) - runs0;
    int64_t tuples = pg ? std::stoll(pg->Query(tuples_sql)) - tuples0 : 0;
    server->Terminate(std::chrono::seconds(30));

    double total0 = 0, total1 = 0;
    for (const auto& [name, s] : cpu0) total0 += s;
    for (const auto& [name, s] : cpu1) total1 += s;
    std::printf("window %.0f s: %.0f runs started (%.1f per s; %.1f expected)\n", window_s, runs,
                runs / window_s, static_cast<double>(schedules) / interval_s);
    std::printf("server CPU %.2f s (%.1f %% of one core); by thread:\n", total1 - total0,
                100 * (total1 - total0) / window_s);
    for (const auto& [name, s] : cpu1) {
      double used = s - (cpu0.count(name) ? cpu0[name] : 0);
      if (used >= 0.01) {
        std::printf("  %-16s %7.2f s  %5.1f %%  %6.1f us per run\n", name.c_str(), used,
                    100 * used / window_s, 1e6 * used / runs);
      }
    }
    if (pg) {
      std::printf("PostgreSQL rows written (inserted + updated + deleted): %lld, %.1f per run\n",
                  static_cast<long long>(tuples), static_cast<double>(tuples) / runs);
    }
    // Lateness of every run of the window, from the stored measurements.
    auto store = colotrace::store::OpenStore(db);
    if (!store) Die(store.error());
    std::vector<double> late_ms;
    const int64_t interval_ms = int64_t{interval_s} * 1000;
    for (int64_t page = 1;; ++page) {
      colotrace::store::ListQuery q;
      q.account_id = "acc1";
      q.since_ms = window_start_ms;
      q.until_ms = window_end_ms;
      q.page = page;
      q.per_page = 100;
      auto listed = (*store)->List(q);
      if (!listed) Die(listed.error());
      for (const auto& m : listed->items) {
        int64_t offset = colotrace::schedule::RunOffsetMs(m.schedule_id, interval_ms);
        int64_t late = ((m.created_at_ms - offset) % interval_ms + interval_ms) % interval_ms;
        late_ms.push_back(static_cast<double>(late));
      }
      if (listed->items.size() < 100) break;
    }
    std::printf("lateness of %zu runs (ms): p50 %.0f, p90 %.0f, p99 %.0f, max %.0f\n",
                late_ms.size(), Quantile(late_ms, 0.5), Quantile(late_ms, 0.9),
                Quantile(late_ms, 0.99), Quantile(late_ms, 1.0));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "schedule_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
