// The in-process colo: resolves the target inside the engine's network namespace (c-ares,
// enrich::HostResolver), checks it against the target policy, runs the probe engine, and fills
// in names and ASNs (enrich::Enricher).
#pragma once

#include <memory>
#include <string>

#include "dispatch/colo_runner.h"
#include "dispatch/target_policy.h"
#include "enrich/enricher.h"
#include "enrich/host_resolver.h"
#include "net/ip_address.h"
#include "probe/engine.h"

namespace colotrace::dispatch {

struct LocalColoOptions {
  // Resolves host-name targets (in the engine's namespace); null: only address literals are
  // traced, names get Code 1.
  std::shared_ptr<enrich::HostResolver> resolver;
  // Every resolved address must pass it (else Code 1). Null: every address may be traced.
  std::shared_ptr<const TargetPolicy> policy;
  // Names and ASNs of every answering node and of the target summary; null: none (asn "",
  // name = the address). Lookups start while probing goes on (the first time an address
  // answers); the result waits for those not done when the trace ends.
  std::shared_ptr<enrich::Enricher> enricher;
};

class LocalColoRunner final : public ColoRunner {
 public:
  // `engine` must outlive this runner.
  LocalColoRunner(probe::Engine& engine, LocalColoOptions options);
  ~LocalColoRunner() override;
  void Trace(const std::string& target, const model::TraceOptions& options, HopCallback on_hop,
             Callback done) override;

 private:
  void Probe(const net::IpAddress& address, const model::TraceOptions& options, HopCallback on_hop,
             Callback done);
  probe::Engine& engine_;
  LocalColoOptions options_;
};

}  // namespace colotrace::dispatch
