// Enrichment benchmark: ASN lookups per second (MaxMind-format database, and Team Cymru answers
// from the cache), and the time names and ASNs add to a traceroute's result beyond its probing
// time, with a warm cache and a responsive resolver (dnsmasq in the lab). Needs root.
//
//   enrich_bench [--db FILE] [--lookups N] [--traces N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "dispatch/local_colo.h"
#include "enrich/asn_db.h"
#include "enrich/dnsmasq.h"
#include "enrich/reverse_dns.h"
#include "lab.h"
#include "probe/engine.h"
#include "topologies.h"

namespace {

using Clock = std::chrono::steady_clock;
using colotrace::net::IpAddress;

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

std::vector<IpAddress> RandomAddresses(size_t n) {
  std::mt19937 rng(42);
  std::vector<IpAddress> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    uint8_t b[16];
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    if (i % 4 == 3) {
      b[0] = 0x20;  // IPv6 in 2000::/8, where the test database has networks
      b[1] = 0x01;
      out.push_back(IpAddress::V6(b));
    } else {
      out.push_back(IpAddress::V4(b));
    }
  }
  return out;
}

void AsnLookups(const std::string& db_path, size_t lookups) {
  auto db = colotrace::enrich::MaxMindAsnDb::Create(db_path);
  if (!db) {
    std::fprintf(stderr, "enrich_bench: %s\n", db.error().c_str());
    std::exit(1);
  }
  auto addresses = RandomAddresses(lookups);
  for (int threads : {1, 2}) {
    std::vector<std::thread> workers;
    std::vector<size_t> found(static_cast<size_t>(threads));
    auto start = Clock::now();
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (size_t i = static_cast<size_t>(t); i < addresses.size();
             i += static_cast<size_t>(threads)) {
          if ((*db)->Lookup(addresses[i])) ++found[static_cast<size_t>(t)];
        }
      });
    }
    for (auto& w : workers) w.join();
    double s = std::chrono::duration<double>(Clock::now() - start).count();
    size_t hits = 0;
    for (size_t f : found) hits += f;
    std::printf("MaxMind ASN lookups, %d thread(s): %zu in %.3f s = %.0f lookups/s (%zu found)\n",
                threads, addresses.size(), s, static_cast<double>(addresses.size()) / s, hits);
  }
}

struct Overheads {
  std::vector<double> beyond_ms;  // result time minus the trace's own traceroute_time_ms
};

Overheads RunTraces(colotrace::dispatch::LocalColoRunner& runner, const std::string& target,
                    int traces, int warmup) {
  Overheads o;
  colotrace::model::TraceOptions options;
  options.packets_per_ttl = 1;
  for (int i = 0; i < traces + warmup; ++i) {
    std::promise<colotrace::model::ColoResult> done;
    auto start = Clock::now();
    runner.Trace(target, options, nullptr,
                 [&done](colotrace::model::ColoResult r) { done.set_value(std::move(r)); });
    auto r = done.get_future().get();
    double wall_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (i >= warmup) o.beyond_ms.push_back(wall_ms - static_cast<double>(r.traceroute_time_ms));
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::string db_path = COLOTRACE_TEST_DATA "/GeoLite2-ASN-Test.mmdb";
  size_t lookups = 2000000;
  int traces = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--db") db_path = argv[i + 1];
    if (a == "--lookups") lookups = std::strtoul(argv[i + 1], nullptr, 10);
    if (a == "--traces") traces = std::atoi(argv[i + 1]);
  }
  AsnLookups(db_path, lookups);

  std::string reason;
  if (!colotrace::lab::Lab::CanRun(&reason)) {
    std::fprintf(stderr, "enrich_bench: %s\n", reason.c_str());
    return 1;
  }
  colotrace::lab::Lab lab("enrb");
  auto topo = colotrace::lab::Chain(lab, 3);
  colotrace::enrich::Dnsmasq dns(lab, topo.routers[0], 53, 3600, "/tmp/enrich_bench_dnsmasq.log");
  colotrace::probe::EngineOptions engine_options;
  engine_options.netns = topo.colo;
  auto engine = colotrace::probe::Engine::Create(engine_options);
  if (!engine) {
    std::fprintf(stderr, "enrich_bench: %s\n", engine.error().c_str());
    return 1;
  }
  colotrace::dispatch::LocalColoRunner plain(**engine, {});
  colotrace::dispatch::LocalColoOptions enriched_options;
  auto db = colotrace::enrich::MaxMindAsnDb::Create(db_path);
  colotrace::enrich::EnricherOptions enrichment;
  enrichment.asn = std::shared_ptr<colotrace::enrich::AsnDatabase>(std::move(*db));
  colotrace::enrich::ReverseDnsOptions rdns;
  rdns.dns.netns = topo.colo;
  rdns.dns.servers = {colotrace::enrich::kDnsV4};
  rdns.dns.tries = 1;
  auto reverse = colotrace::enrich::ReverseDns::Create(rdns);
  if (!reverse) {
    std::fprintf(stderr, "enrich_bench: %s\n", reverse.error().c_str());
    return 1;
  }
  enrichment.reverse_dns = std::shared_ptr<colotrace::enrich::ReverseDns>(std::move(*reverse));
  auto* reverse_dns = enrichment.reverse_dns.get();
  enriched_options.enricher = std::make_shared<colotrace::enrich::Enricher>(enrichment);
  colotrace::dispatch::LocalColoRunner enriched(**engine, enriched_options);

  // Cold: the first enriched trace asks the resolver for every hop.
  auto cold = RunTraces(enriched, topo.target_v4, 1, 0);
  auto base = RunTraces(plain, topo.target_v4, traces, 5);
  auto warm = RunTraces(enriched, topo.target_v4, traces, 5);
  auto stats = reverse_dns->stats();
  std::printf("traces of %zu hops, %d each, beyond traceroute_time_ms (ms):\n", topo.hop_v4.size(),
              traces);
  std::printf("  no enrichment:          p50 %.3f  p99 %.3f  max %.3f\n",
              Quantile(base.beyond_ms, 0.5), Quantile(base.beyond_ms, 0.99),
              Quantile(base.beyond_ms, 1.0));
  std::printf("  names + ASNs, warm:     p50 %.3f  p99 %.3f  max %.3f\n",
              Quantile(warm.beyond_ms, 0.5), Quantile(warm.beyond_ms, 0.99),
              Quantile(warm.beyond_ms, 1.0));
  std::printf("  names + ASNs, cold (first trace): %.3f\n", cold.beyond_ms[0]);
  std::printf("  enrichment adds at p99: %.3f ms\n",
              Quantile(warm.beyond_ms, 0.99) - Quantile(base.beyond_ms, 0.99));
  std::printf("reverse DNS: %llu lookups, %llu cache hits, %llu queries\n",
              static_cast<unsigned long long>(stats.lookups),
              static_cast<unsigned long long>(stats.cache_hits),
              static_cast<unsigned long long>(stats.queries));
  return 0;
}
