// Stored measurements, measured (docs/benchmarks.md, "Stored measurements"). Needs root.
//
//   store_bench overhead [--requests N]
//     What storing adds to a synchronous traceroute request: three `colotrace serve` processes
//     on one lab chain (--no-db, SQLite, PostgreSQL), N requests to each, taken in turn over
//     one keep-alive connection per server; latency p50/p99 per server.
//   store_bench history --backend sqlite|postgresql [--count N] [--samples N]
//     Fills a store with N measurements (1 colo x 15 hops each, 750 targets, 10 colos, over
//     30 days), then times Get and List on the store and through `colotrace serve`; and the
//     bytes one measurement of 10 colos x 15 hops takes.
//
// PostgreSQL is a cluster of the bench's own (tests/support/postgres_cluster.h) with fsync on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.h"
#include "lab.h"
#include "model/result_json.h"
#include "model/traceroute.h"
#include "store/measurement_id.h"
#include "store/measurement_store.h"
#include "support/child_process.h"
#include "support/postgres_cluster.h"
#include "support/scratch_dir.h"
#include "topologies.h"

namespace {

using namespace colotrace::bench;
using Clock = std::chrono::steady_clock;
using colotrace::store::MeasurementRecord;
using colotrace::store::MeasurementStatus;
using colotrace::testing_support::ChildProcess;

constexpr int64_t kDayMs = 86'400'000;

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

void Overhead(int requests) {
  colotrace::lab::Lab lab("stb");
  auto topo = colotrace::lab::Chain(lab, 1);
  auto dir = WritableDir("colotrace-store-bench");
  colotrace::testing_support::PostgresCluster pg(
      colotrace::testing_support::PostgresCluster::Options{.durable = true});
  pg.Sql("CREATE DATABASE bench");
  struct Mode {
    std::string name;
    std::unique_ptr<ChildProcess> server;
    std::unique_ptr<Connection> connection;
    std::vector<double> ms;
  };
  std::vector<Mode> modes;
  modes.push_back({"no storage (--no-db)", Serve(dir->path(), topo.colo, ""), nullptr, {}});
  modes.push_back(
      {"SQLite", Serve(dir->path(), topo.colo, dir->path() + "/history.db"), nullptr, {}});
  modes.push_back({"PostgreSQL", Serve(dir->path(), topo.colo, pg.Url("bench")), nullptr, {}});
  const std::string body = R"({"targets":["203.0.113.1"],"options":{"packets_per_ttl":1,)"
                           R"("max_ttl":4,"packet_type":"udp"}})";
  const std::string path = "/client/v4/accounts/acc1/diagnostics/traceroute";
  for (auto& m : modes) {
    m.connection = std::make_unique<Connection>(m.server->port());
    for (int i = 0; i < 50; ++i) m.connection->Exchange("POST", path, body);  // warm up
  }
  for (int i = 0; i < requests; ++i) {
    for (auto& m : modes) {
      auto start = Clock::now();
      int status = m.connection->Exchange("POST", path, body);
      m.ms.push_back(Ms(Clock::now() - start));
      if (status != 200) Die(m.name + ": status " + std::to_string(status));
    }
  }
  std::printf("synchronous requests, %d per server, taken in turn (ms)\n", requests);
  std::printf("%-22s %8s %8s %8s %8s\n", "server", "p50", "p90", "p99", "mean");
  for (auto& m : modes) {
    double mean = 0;
    for (double v : m.ms) mean += v;
    mean /= static_cast<double>(m.ms.size());
    std::printf("%-22s %8.3f %8.3f %8.3f %8.3f\n", m.name.c_str(), Quantile(m.ms, 0.5),
                Quantile(m.ms, 0.9), Quantile(m.ms, 0.99), mean);
  }
  for (size_t i = 1; i < modes.size(); ++i) {
    std::printf("%s adds: p50 %+.3f ms, p99 %+.3f ms\n", modes[i].name.c_str(),
                Quantile(modes[i].ms, 0.5) - Quantile(modes[0].ms, 0.5),
                Quantile(modes[i].ms, 0.99) - Quantile(modes[0].ms, 0.99));
  }
  for (auto& m : modes) {
    m.connection.reset();
    m.server->Terminate(std::chrono::seconds(10));
  }
}

// A plausible finished result: `colos` colos, each 15 hops of 3 probes, named, with an ASN.
std::string ResultJson(const std::string& target, int colos, std::mt19937& rng) {
  std::uniform_real_distribution<double> rtt(1, 80);
  colotrace::model::TargetResult t;
  t.target = target;
  for (int c = 0; c < colos; ++c) {
    colotrace::model::ColoResult r;
    r.colo = {"c" + std::to_string(c + 1), "City " + std::to_string(c + 1) + ", XX"};
    for (int ttl = 1; ttl <= 15; ++ttl) {
      colotrace::model::Hop h;
      h.packets_ttl = ttl;
      h.packets_sent = 3;
      colotrace::model::Node n;
      n.ip = "198.51.100." + std::to_string(rng() % 250 + 1);
      n.name =
          "ae" + std::to_string(rng() % 20) + ".cr" + std::to_string(ttl) + ".fra1.example.net";
      n.asn = "AS" + std::to_string(64496 + rng() % 16);
      double base = rtt(rng);
      n.rtt = {3, base, base + 0.4, base + 1.1, 0.45};
      h.nodes.push_back(n);
      r.hops.push_back(h);
    }
    r.target_summary.ip = target;
    r.target_summary.name = target;
    r.target_summary.latency = {3, 20.1, 20.5, 21.0, 0.37};
    r.traceroute_time_ms = 1003;
    t.colos.push_back(r);
  }
  return colotrace::model::ResultArrayJson({t});
}

std::string RequestJson(const std::string& target, const std::string& colo) {
  return R"({"targets":[")" + target + R"("],"colos":[")" + colo +
         R"("],"options":{"max_ttl":15,"packet_type":"icmp","packets_per_ttl":3,"port":0,)"
         R"("wait_time":1,"ip_version":"auto"}})";
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void History(const std::string& backend, int64_t count, int samples) {
  auto dir = WritableDir("colotrace-store-bench");
  std::unique_ptr<colotrace::testing_support::PostgresCluster> pg;
  std::string location;
  std::function<int64_t()> size_bytes;
  if (backend == "sqlite") {
    location = dir->path() + "/history.db";
    size_bytes = [location] {
      int64_t total = 0;
      for (const char* suffix : {"", "-wal"}) {
        std::error_code ec;
        auto s = std::filesystem::file_size(location + suffix, ec);
        if (!ec) total += static_cast<int64_t>(s);
      }
      return total;
    };
  } else if (backend == "postgresql") {
    pg = std::make_unique<colotrace::testing_support::PostgresCluster>(
        colotrace::testing_support::PostgresCluster::Options{.durable = true});
    pg->Sql("CREATE DATABASE bench");
    location = pg->Url("bench");
    size_bytes = [&pg] {
      pg->Sql("CHECKPOINT", "bench");
      return std::stoll(pg->Query("SELECT pg_database_size('bench')", "bench"));
    };
  } else {
    Die("--backend sqlite or postgresql");
  }
  auto opened = colotrace::store::OpenStore(location);
  if (!opened) Die(opened.error());
  auto& store = **opened;

  // The bytes of a measurement of 10 colos x 15 hops: 1,000 of them into the empty store.
  std::mt19937 rng(7);
  {
    int64_t before = size_bytes();
    const int64_t t0 = NowMs() - 40 * kDayMs;  // pruned by nothing here, listed by nothing later
    std::vector<MeasurementRecord> batch;
    for (int i = 0; i < 1000; ++i) {
      MeasurementRecord m;
      m.created_at_ms = t0 + i;
      m.id = colotrace::store::NewMeasurementId(m.created_at_ms);
      m.account_id = "sizes";
      m.status = MeasurementStatus::kFinished;
      m.finished_at_ms = m.created_at_ms + 1100;
      m.targets = {"host-" + std::to_string(i) + ".example"};
      for (int c = 1; c <= 10; ++c) m.colos.push_back("c" + std::to_string(c));
      m.request_json = RequestJson(m.targets[0], "c1");
      m.result_json = ResultJson(m.targets[0], 10, rng);
      batch.push_back(std::move(m));
      if (batch.size() == 100) {
        if (auto s = store.Put(batch); !s) Die(s.error());
        batch.clear();
      }
    }
    int64_t after = size_bytes();
    std::printf(
        "%s: 1,000 measurements of 10 colos x 15 hops: %.0f bytes each on disk "
        "(result JSON %zu bytes)\n",
        backend.c_str(), static_cast<double>(after - before) / 1000.0,
        ResultJson("host-1.example", 10, rng).size());
  }

  // The history: `count` measurements over the last 30 days.
  const int64_t now = NowMs();
  const int64_t first = now - 30 * kDayMs;
  std::vector<std::string> sample_ids;
  std::vector<std::string> targets;
  // 750 targets: 500 host names and 250 addresses.
  for (int i = 0; i < 500; ++i) targets.push_back("host-" + std::to_string(i) + ".example");
  for (int i = 1; i <= 250; ++i) targets.push_back("203.0.113." + std::to_string(i));
  std::vector<std::string> one_colo_results;  // a few to rotate, 1 colo each
  for (int i = 0; i < 16; ++i) one_colo_results.push_back(ResultJson("x", 1, rng));
  auto fill_start = Clock::now();
  int64_t before = size_bytes();
  std::vector<MeasurementRecord> batch;
  for (int64_t i = 0; i < count; ++i) {
    MeasurementRecord m;
    m.created_at_ms = first + i * (30 * kDayMs) / count;
    m.id = colotrace::store::NewMeasurementId(m.created_at_ms);
    m.account_id = i % 10 == 9 ? "acc2" : "acc1";
    bool running = i >= count - 50;
    m.status = running ? MeasurementStatus::kRunning : MeasurementStatus::kFinished;
    m.finished_at_ms = running ? 0 : m.created_at_ms + 1100;
    m.targets = {targets[rng() % targets.size()]};
    m.colos = {"c" + std::to_string(rng() % 10 + 1)};
    m.request_json = RequestJson(m.targets[0], m.colos[0]);
    m.result_json = one_colo_results[i % one_colo_results.size()];
    if (i % (count / 1000 + 1) == 0 && m.account_id == "acc1") sample_ids.push_back(m.id);
    batch.push_back(std::move(m));
    if (batch.size() == 1000 || i == count - 1) {
      if (auto s = store.Put(batch); !s) Die(s.error());
      batch.clear();
    }
    if ((i + 1) % 100'000 == 0) {
      std::fprintf(stderr, "  %lld stored, %.0f s\n", static_cast<long long>(i + 1),
                   std::chrono::duration<double>(Clock::now() - fill_start).count());
    }
  }
  double fill_s = std::chrono::duration<double>(Clock::now() - fill_start).count();
  int64_t after = size_bytes();
  // The state autovacuum reaches on its own a while after such a fill (visibility map set,
  // statistics taken), which this bench's fill outruns.
  if (pg) pg->Sql("VACUUM ANALYZE", "bench");
  std::printf(
      "%s: %lld measurements (1 colo x 15 hops) stored in %.1f s (%.0f per s), %.0f MB, "
      "%.0f bytes each\n",
      backend.c_str(), static_cast<long long>(count), fill_s, static_cast<double>(count) / fill_s,
      static_cast<double>(after - before) / 1e6,
      static_cast<double>(after - before) / static_cast<double>(count));

  // The queries, on the store and through the API.
  struct Query {
    std::string name;
    std::function<colotrace::store::ListQuery()> list;  // empty: a Get
    std::function<std::string()> path;
  };
  auto day = [&] { return first + static_cast<int64_t>(rng() % 29) * kDayMs; };
  auto base = std::string("/client/v4/accounts/acc1/diagnostics/traceroute/measurements");
  std::string picked_id;
  std::string picked_target;
  std::string picked_colo;
  int64_t picked_day = 0;
  auto rfc3339 = [](int64_t ms) {
    time_t s = ms / 1000;
    tm t{};
    gmtime_r(&s, &t);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t);
    return std::string(buf);
  };
  std::vector<Query> queries = {
      {"get one", nullptr, [&] { return base + "/" + picked_id; }},
      {"list, newest 20",
       [] {
         colotrace::store::ListQuery q;
         return q;
       },
       [&] { return base; }},
      {"list, target filter",
       [&] {
         colotrace::store::ListQuery q;
         q.target = picked_target;
         return q;
       },
       [&] { return base + "?target=" + picked_target; }},
      {"list, colo filter",
       [&] {
         colotrace::store::ListQuery q;
         q.colo = picked_colo;
         return q;
       },
       [&] { return base + "?colo=" + picked_colo; }},
      {"list, one day",
       [&] {
         colotrace::store::ListQuery q;
         q.since_ms = picked_day;
         q.until_ms = picked_day + kDayMs;
         return q;
       },
       [&] {
         return base + "?since=" + rfc3339(picked_day) + "&until=" + rfc3339(picked_day + kDayMs);
       }},
      {"list, running",
       [] {
         colotrace::store::ListQuery q;
         q.status = MeasurementStatus::kRunning;
         return q;
       },
       [&] { return base + "?status=running"; }},
      {"list, page 100 of 100",
       [] {
         colotrace::store::ListQuery q;
         q.page = 100;
         q.per_page = 100;
         return q;
       },
       [&] { return base + "?page=100&per_page=100"; }},
  };
  auto pick = [&] {
    picked_id = sample_ids[rng() % sample_ids.size()];
    picked_target = targets[rng() % targets.size()];
    picked_colo = "c" + std::to_string(rng() % 10 + 1);
    picked_day = day();
  };

  colotrace::lab::Lab lab("stb");
  std::string node = lab.AddNode("bare");
  // The SQLite files were made by root: serve gives them to its user (nobody).
  auto server = Serve(dir->path(), node, location);
  Connection http(server->port());
  std::printf("%-24s %10s %10s %10s %10s   (ms; %d samples each)\n", "query", "store p50",
              "store p99", "API p50", "API p99", samples);
  for (auto& q : queries) {
    std::vector<double> direct, api;
    for (int i = 0; i < samples; ++i) {
      pick();
      auto start = Clock::now();
      if (q.list) {
        auto lq = q.list();
        lq.account_id = "acc1";
        auto page = store.List(lq);
        if (!page) Die(page.error());
      } else {
        auto got = store.Get("acc1", picked_id);
        if (!got || !got->has_value()) Die("get failed");
      }
      direct.push_back(Ms(Clock::now() - start));
      start = Clock::now();
      int status = http.Exchange("GET", q.path(), "");
      api.push_back(Ms(Clock::now() - start));
      if (status != 200) Die(q.name + ": status " + std::to_string(status));
    }
    std::printf("%-24s %10.2f %10.2f %10.2f %10.2f\n", q.name.c_str(), Quantile(direct, 0.5),
                Quantile(direct, 0.99), Quantile(api, 0.5), Quantile(api, 0.99));
  }
  server->Terminate(std::chrono::seconds(10));
}

}  // namespace

int main(int argc, char** argv) {
  const char* usage =
      "usage: store_bench overhead [--requests N] | history --backend "
      "sqlite|postgresql [--count N] [--samples N]\n";
  if (argc < 2) {
    std::fputs(usage, stderr);
    return 2;
  }
  std::string what = argv[1];
  int requests = 2000;
  int64_t count = 1'000'000;
  int samples = 500;
  std::string backend = "sqlite";
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--requests") requests = std::atoi(argv[i + 1]);
    if (a == "--count") count = std::atoll(argv[i + 1]);
    if (a == "--samples") samples = std::atoi(argv[i + 1]);
    if (a == "--backend") backend = argv[i + 1];
  }
  if (geteuid() != 0) {
    std::fputs("store_bench: needs root (the lab, and PostgreSQL run as nobody)\n", stderr);
    return 1;
  }
  try {
    if (what == "overhead") {
      Overhead(requests);
    } else if (what == "history") {
      History(backend, count, samples);
    } else {
      std::fputs(usage, stderr);
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
