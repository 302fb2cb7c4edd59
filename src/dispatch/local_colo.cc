#include "dispatch/local_colo.h"

#include <utility>

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
                            Callback done) {
  auto literal = IpAddress::Parse(target);
  if (literal || !options_.resolver) {
    if (!literal) {
      done(Failed(ColoError::kTargetRefused, target));
      return;
    }
    Probe(*literal, options, std::move(done));
    return;
  }
  auto shared_done = std::make_shared<Callback>(std::move(done));
  options_.resolver->Resolve(
      target, options.ip_version,
      [this, target, options, shared_done](model::Result<enrich::Resolution> resolved) {
        if (!resolved) {
          (*shared_done)(Failed(ColoError::kTargetRefused, target));
          return;
        }
        Probe(resolved->address, options, std::move(*shared_done));
      });
}

void LocalColoRunner::Probe(const IpAddress& address, const model::TraceOptions& options,
                            Callback done) {
  if (options_.policy && !options_.policy->IsAllowed(address)) {
    ColoResult r = Failed(ColoError::kTargetRefused, address.ToString());
    r.target_summary.ip = address.ToString();
    done(std::move(r));
    return;
  }
  probe::TraceRequest request{address, options, nullptr, nullptr};
  auto enricher = options_.enricher;
  if (!enricher || !enricher->active()) {
    engine_.Start(request, std::move(done));
    return;
  }
  // Lookups start as soon as an address answers; Enrich then finds them cached or running.
  request.on_new_address = [enricher](const IpAddress& from) { enricher->Prefetch(from); };
  engine_.Start(request, [enricher, done = std::move(done)](model::ColoResult r) mutable {
    enricher->Enrich(std::move(r), std::move(done));
  });
}

}  // namespace colotrace::dispatch
