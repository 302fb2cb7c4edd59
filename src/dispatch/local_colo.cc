#include "dispatch/local_colo.h"

#include <utility>

#include "dispatch/in_order.h"

namespace colotrace::dispatch {

using model::ColoError;
using model::ColoResult;
using net::IpAddress;

namespace {

ColoResult Failed(ColoError error, const std::string& target) {
  ColoResult r;
  r.error = error;
  r.target_summary.name = target;
  return r;
}

}  // namespace

LocalColoRunner::LocalColoRunner(probe::Engine& engine, LocalColoOptions options)
    : engine_(engine), options_(std::move(options)) {}

LocalColoRunner::~LocalColoRunner() = default;

void LocalColoRunner::Trace(const std::string& target, const model::TraceOptions& options,
                            HopCallback on_hop, Callback done) {
  auto literal = IpAddress::Parse(target);
  if (literal || !options_.resolver) {
    if (!literal) {
      done(Failed(ColoError::kTargetRefused, target));
      return;
    }
    Probe(*literal, options, std::move(on_hop), std::move(done));
    return;
  }
  struct Callbacks {
    HopCallback on_hop;
    Callback done;
  };
  auto callbacks = std::make_shared<Callbacks>(Callbacks{std::move(on_hop), std::move(done)});
  options_.resolver->Resolve(
      target, options.ip_version,
      [this, target, options, callbacks](model::Result<enrich::Resolution> resolved) {
        if (!resolved) {
          callbacks->done(Failed(ColoError::kTargetRefused, target));
          return;
        }
        Probe(resolved->address, options, std::move(callbacks->on_hop), std::move(callbacks->done));
      });
}

void LocalColoRunner::Probe(const IpAddress& address, const model::TraceOptions& options,
                            HopCallback on_hop, Callback done) {
  if (options_.policy && !options_.policy->IsAllowed(address)) {
    ColoResult r = Failed(ColoError::kTargetRefused, address.ToString());
    r.target_summary.ip = address.ToString();
    done(std::move(r));
    return;
  }
  probe::TraceRequest request{address, options, nullptr, nullptr};
  auto enricher = options_.enricher;
  if (!enricher || !enricher->active()) {
    // Hops and the result come from the engine thread, in order, as they are.
    if (on_hop) request.on_hop = [on_hop](const model::Hop& hop) { on_hop(hop); };
    engine_.Start(request, std::move(done));
    return;
  }
  // Lookups start as soon as an address answers; Enrich then finds them cached or running.
  request.on_new_address = [enricher](const IpAddress& from) { enricher->Prefetch(from); };
  // Hops and the result are enriched each at their own pace and delivered in engine order.
  bool progress = static_cast<bool>(on_hop);
  auto in_order = std::make_shared<InOrder>(std::move(on_hop), std::move(done));
  if (progress) {
    request.on_hop = [enricher, in_order](const model::Hop& hop) {
      uint64_t position = in_order->Reserve();
      enricher->EnrichHop(hop, [in_order, position](model::Hop named) {
        in_order->Hop(position, std::move(named));
      });
    };
  }
  engine_.Start(request, [enricher, in_order](model::ColoResult r) {
    uint64_t position = in_order->Reserve();
    enricher->Enrich(std::move(r), [in_order, position](model::ColoResult named) {
      in_order->Done(position, std::move(named));
    });
  });
}

}  // namespace colotrace::dispatch
