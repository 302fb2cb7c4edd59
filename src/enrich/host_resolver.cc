#include "enrich/host_resolver.h"

#include <atomic>
#include <future>
#include <mutex>

#include "enrich/dns_message.h"

namespace colotrace::enrich {

using model::IpVersion;
using net::IpAddress;

std::optional<IpAddress> ChooseAddress(const HostAddresses& addresses, IpVersion version) {
  if (version != IpVersion::kV6 && !addresses.v4.empty()) return addresses.v4.front();
  if (version != IpVersion::kV4 && !addresses.v6.empty()) return addresses.v6.front();
  return std::nullopt;
}

struct HostResolver::State {
  explicit State(int max) : max_pending(max) {}
  const int max_pending;
  std::atomic<int> pending{0};
};

namespace {

// One name being resolved: one or two queries; the callback runs when the last has answered.
struct Lookup {
  std::string name;
  IpVersion version = IpVersion::kAuto;
  HostResolver::Callback done;
  std::mutex mu;
  int outstanding = 0;
  HostAddresses addresses;
  bool nxdomain = false;
  std::string failure;  // the first failure's text
  bool timed_out = false;
};

model::Result<Resolution> Finish(const Lookup& l, int timeout_ms) {
  using R = model::Result<Resolution>;
  std::string prefix = "cannot resolve '" + l.name + "': ";
  if (auto chosen = ChooseAddress(l.addresses, l.version)) {
    Resolution r;
    r.address = *chosen;
    r.candidates = chosen->is_v4() ? l.addresses.v4.size() : l.addresses.v6.size();
    return r;
  }
  if (!l.failure.empty()) return R::Error(prefix + l.failure);
  if (l.timed_out) {
    return R::Error(prefix + "no answer from the DNS server within " + std::to_string(timeout_ms) +
                    " ms");
  }
  if (l.nxdomain) return R::Error(prefix + "no such name (NXDOMAIN)");
  switch (l.version) {
    case IpVersion::kV4:
      return R::Error(prefix + "no IPv4 address");
    case IpVersion::kV6:
      return R::Error(prefix + "no IPv6 address");
    case IpVersion::kAuto:
      break;
  }
  return R::Error(prefix + "no IPv4 or IPv6 address");
}

}  // namespace

HostResolver::HostResolver(std::shared_ptr<DnsClient> client, int max_pending)
    : client_(std::move(client)), state_(std::make_shared<State>(max_pending)) {}

HostResolver::~HostResolver() = default;

std::optional<std::string> LiteralFamilyError(const std::string& text, const IpAddress& literal,
                                              IpVersion version) {
  if ((version == IpVersion::kV4 && !literal.is_v4()) ||
      (version == IpVersion::kV6 && literal.is_v4())) {
    return "'" + text + "' is not an " + (version == IpVersion::kV4 ? "IPv4" : "IPv6") + " address";
  }
  return std::nullopt;
}

void HostResolver::Resolve(const std::string& name, IpVersion version, Callback done) {
  using R = model::Result<Resolution>;
  if (auto literal = IpAddress::Parse(name)) {
    if (auto wrong = LiteralFamilyError(name, *literal, version)) return done(R::Error(*wrong));
    done(Resolution{*literal, 1});
    return;
  }
  if (!client_) {
    done(R::Error("cannot resolve '" + name + "': no DNS resolver configured"));
    return;
  }
  if (state_->pending.fetch_add(1) >= state_->max_pending) {
    state_->pending.fetch_sub(1);
    done(R::Error("cannot resolve '" + name + "': too many names being resolved at once"));
    return;
  }
  auto lookup = std::make_shared<Lookup>();
  lookup->name = name;
  if (!lookup->name.empty() && lookup->name.back() == '.') lookup->name.pop_back();
  lookup->version = version;
  lookup->done = std::move(done);
  std::vector<uint16_t> types;
  if (version != IpVersion::kV6) types.push_back(kDnsTypeA);
  if (version != IpVersion::kV4) types.push_back(kDnsTypeAaaa);
  lookup->outstanding = static_cast<int>(types.size());
  std::string qname = lookup->name;
  std::shared_ptr<State> state = state_;
  int timeout_ms = client_->max_query_ms();
  for (uint16_t type : types) {
    client_->Query(qname, type, [lookup, state, type, timeout_ms](DnsReply reply) {
      std::unique_lock lock(lookup->mu);
      switch (reply.status) {
        case DnsReply::Status::kOk: {
          auto parsed = ParseDnsResponse(reply.message.data(), reply.message.size());
          if (!parsed) {
            if (lookup->failure.empty()) lookup->failure = "bad DNS response: " + parsed.error();
            break;
          }
          for (const IpAddress& a : parsed->addresses) {
            // Only records of the type asked (an A query answers with A records).
            if (a.is_v4() == (type == kDnsTypeA)) {
              (a.is_v4() ? lookup->addresses.v4 : lookup->addresses.v6).push_back(a);
            }
          }
          break;
        }
        case DnsReply::Status::kNotFound:
          if (!reply.message.empty()) {
            auto parsed = ParseDnsResponse(reply.message.data(), reply.message.size());
            if (parsed && parsed->rcode == 3) lookup->nxdomain = true;
          }
          break;
        case DnsReply::Status::kTimeout:
          lookup->timed_out = true;
          break;
        case DnsReply::Status::kFailed:
        case DnsReply::Status::kCancelled:
          if (lookup->failure.empty()) lookup->failure = reply.error;
          break;
      }
      if (--lookup->outstanding > 0) return;
      auto result = Finish(*lookup, timeout_ms);
      Callback cb = std::move(lookup->done);
      lock.unlock();
      state->pending.fetch_sub(1);
      cb(std::move(result));
    });
  }
}

model::Result<Resolution> HostResolver::ResolveNow(const std::string& name, IpVersion version) {
  std::promise<model::Result<Resolution>> promise;
  auto future = promise.get_future();
  Resolve(name, version,
          [&promise](model::Result<Resolution> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace colotrace::enrich
