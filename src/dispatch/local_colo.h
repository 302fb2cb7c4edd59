// The in-process colo: resolves the target inside the engine's network namespace, checks it
// against the target policy, and runs the probe engine.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "dispatch/colo_runner.h"
#include "enrich/asn_db.h"
#include "enrich/reverse_dns.h"
#include "probe/engine.h"
#include "probe/packet/address.h"

namespace colotrace::dispatch {

struct LocalColoOptions {
  std::string netns;  // where names are resolved (the engine's namespace); empty: ours
  // Called with every resolved address; false refuses the target (Code 1). Empty: allow all.
  std::function<bool(const packet::IpAddress&)> allow_target;
  // Enrichment of every answering node and of the target summary; null: none (asn "", name =
  // the address). Reverse-DNS lookups all run at once after the trace; each ends within the
  // DNS client's timeout, which bounds what names add to a result's time.
  std::shared_ptr<enrich::AsnDatabase> asn;
  std::shared_ptr<enrich::ReverseDns> reverse_dns;
  int resolver_threads = 4;        // concurrent name lookups
  int max_pending_lookups = 1024;  // beyond it, a lookup fails at once (Code 4)
};

class LocalColoRunner final : public ColoRunner {
 public:
  // `engine` must outlive this runner.
  LocalColoRunner(probe::Engine& engine, LocalColoOptions options);
  ~LocalColoRunner() override;
  void Trace(const std::string& target, const model::TraceOptions& options, Callback done) override;

 private:
  class Resolver;
  void Probe(const packet::IpAddress& address, const model::TraceOptions& options, Callback done);
  void Enrich(model::ColoResult result, Callback done);
  probe::Engine& engine_;
  LocalColoOptions options_;
  std::unique_ptr<Resolver> resolver_;
};

// Resolves a host name with the system resolver on the calling thread: an address literal as
// it is, else the first address (IPv4 or IPv6, in the resolver's order). Error text on failure.
model::Result<packet::IpAddress> ResolveHost(const std::string& name);

}  // namespace colotrace::dispatch
