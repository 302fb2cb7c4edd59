// The in-process colo: resolves the target inside the engine's network namespace (c-ares,
// enrich::HostResolver), checks it against the target policy, runs the probe engine, and fills
// in names and ASNs.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "dispatch/colo_runner.h"
#include "enrich/asn_db.h"
#include "enrich/cymru.h"
#include "enrich/host_resolver.h"
#include "enrich/reverse_dns.h"
#include "probe/engine.h"
#include "net/ip_address.h"

namespace colotrace::dispatch {

struct LocalColoOptions {
  // Resolves host-name targets (in the engine's namespace); null: only address literals are
  // traced, names get Code 1.
  std::shared_ptr<enrich::HostResolver> resolver;
  // Called with every resolved address; false refuses the target (Code 1). Empty: allow all.
  std::function<bool(const net::IpAddress&)> allow_target;
  // Enrichment of every answering node and of the target summary; null: none (asn "", name =
  // the address). `asn` (a database, synchronous) wins over `cymru` (DNS, asynchronous).
  // Lookups start while probing goes on (the first time an address answers); the result waits
  // for those not done when the trace ends, each bounded by the DNS client's timeout, which
  // bounds what names and Cymru ASNs add to a result's time.
  std::shared_ptr<enrich::AsnDatabase> asn;
  std::shared_ptr<enrich::CymruAsn> cymru;
  std::shared_ptr<enrich::ReverseDns> reverse_dns;
};

class LocalColoRunner final : public ColoRunner {
 public:
  // `engine` must outlive this runner.
  LocalColoRunner(probe::Engine& engine, LocalColoOptions options);
  ~LocalColoRunner() override;
  void Trace(const std::string& target, const model::TraceOptions& options, Callback done) override;

 private:
  void Probe(const net::IpAddress& address, const model::TraceOptions& options, Callback done);
  void Enrich(model::ColoResult result, Callback done);
  probe::Engine& engine_;
  LocalColoOptions options_;
};

}  // namespace colotrace::dispatch
