// colotrace: the command line. `colotrace trace` runs traceroutes from this machine.

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <future>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "agent_command.h"
#include "api/request_parser.h"
#include "dispatch/local_colo.h"
#include "enrich_flags.h"
#include "model/limits.h"
#include "model/result_json.h"
#include "model/text_report.h"
#include "model/traceroute.h"
#include "probe/engine.h"
#include "net/system.h"
#include "serve.h"

namespace {

using colotrace::model::ColoError;
using colotrace::model::ColoResult;
using colotrace::model::TargetResult;
using colotrace::model::TraceOptions;
using colotrace::net::IpAddress;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;  // could not probe at all
constexpr int kExitUsage = 2;   // bad input

constexpr const char* kVersion = "0.1.0";

constexpr const char* kTraceUsage = R"(usage: colotrace trace [options] TARGET...

Traces the route to each TARGET (an IPv4 or IPv6 address or a host name) from this machine.

options:
  --packet-type T      icmp, udp, tcp, gre or gre+icmp (default icmp); gre sends IPv4 GRE
                       packets to a tunnel endpoint (docs/api.md, "GRE")
  --max-ttl N          1..64, the last TTL probed (default 15)
  --packets-per-ttl N  1..10 probes per TTL (default 3)
  --port N             0..65535: UDP/TCP destination port, ICMP (and GRE's inner ICMP)
                       first sequence number; 0 picks UDP 33434, TCP 80, ICMP/GRE 1
  --wait-time S        1..5 seconds to wait for each probe's reply (default 1)
  --netns NAME         send from network namespace NAME (as `ip netns` names it)
  --json               print the API's result array instead of a table
  -4, --ipv4           trace host names over IPv4 (their first A record)
  -6, --ipv6           trace host names over IPv6 (their first AAAA record); without either,
                       IPv4 when the name has an A record, else IPv6
  -n, --no-names       no reverse-DNS names (looked up by default)
  --asn-db FILE        ASNs from a MaxMind-format ASN database
  --asn-cymru          ASNs from Team Cymru's DNS service (origin.asn.cymru.com)
  --dns-server IP[:PORT]  DNS server for host names, reverse names and Cymru (repeatable);
                       default: the namespace's resolv.conf
  -h, --help           this text

exit status: 0 done, 1 could not probe at all, 2 bad input.
)";

struct TraceFlags {
  TraceOptions options;
  std::string netns;
  colotrace::apps::EnrichFlags enrich;
  bool json = false;
  std::vector<std::string> targets;
};

struct UsageError {
  std::string message;
};

int ParseInt(std::string_view flag, std::string_view text, int min, int max) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < min || value > max) {
    throw UsageError{std::string(flag) + " wants an integer from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", not '" + std::string(text) + "'"};
  }
  return value;
}

TraceFlags ParseTraceFlags(const std::vector<std::string_view>& args) {
  TraceFlags f;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--") {
      for (++i; i < args.size(); ++i) f.targets.emplace_back(args[i]);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      f.targets.emplace_back(arg);
      continue;
    }
    if (arg == "-4" || arg == "--ipv4" || arg == "-6" || arg == "--ipv6") {
      auto v = arg.find('4') != std::string_view::npos ? colotrace::model::IpVersion::kV4
                                                       : colotrace::model::IpVersion::kV6;
      if (f.options.ip_version != colotrace::model::IpVersion::kAuto && f.options.ip_version != v) {
        throw UsageError{"-4 and -6 exclude each other"};
      }
      f.options.ip_version = v;
      continue;
    }
    if (arg == "-n") {
      f.enrich.names = false;
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    auto value = [&]() -> std::string_view {
      if (inline_value) return *inline_value;
      if (i + 1 >= args.size()) throw UsageError{std::string(name) + " needs a value"};
      return args[++i];
    };
    namespace m = colotrace::model;
    if (name == "--packet-type") {
      std::string_view v = value();
      auto type = m::ParsePacketType(v);
      if (!type) {
        throw UsageError{"--packet-type wants icmp, udp, tcp, gre or gre+icmp, not '" +
                         std::string(v) + "'"};
      }
      f.options.packet_type = *type;
    } else if (name == "--max-ttl") {
      f.options.max_ttl = ParseInt(name, value(), m::kMaxTtlMin, m::kMaxTtlMax);
    } else if (name == "--packets-per-ttl") {
      f.options.packets_per_ttl =
          ParseInt(name, value(), m::kPacketsPerTtlMin, m::kPacketsPerTtlMax);
    } else if (name == "--port") {
      f.options.port = ParseInt(name, value(), m::kPortMin, m::kPortMax);
    } else if (name == "--wait-time") {
      f.options.wait_time_s = ParseInt(name, value(), m::kWaitTimeMinS, m::kWaitTimeMaxS);
    } else if (name == "--netns") {
      f.netns = std::string(value());
      if (f.netns.empty()) throw UsageError{"--netns needs a name"};
    } else if (name == "--json" && !inline_value) {
      f.json = true;
    } else if (colotrace::apps::ParseEnrichFlag(name, &f.enrich, value)) {
    } else {
      throw UsageError{"unknown option '" + std::string(arg) + "'"};
    }
  }
  if (f.targets.empty()) throw UsageError{"no target given"};
  for (const auto& t : f.targets) {
    if (!colotrace::api::IsValidTarget(t)) {
      throw UsageError{"'" + t + "' is neither an IP address nor a valid host name"};
    }
  }
  if (f.targets.size() > static_cast<size_t>(colotrace::model::kMaxTargets)) {
    throw UsageError{"at most " + std::to_string(colotrace::model::kMaxTargets) +
                     " targets at once"};
  }
  return f;
}

}  // namespace

namespace {

int RunTrace(const TraceFlags& flags) {
  colotrace::probe::EngineOptions engine_options;
  engine_options.netns = flags.netns;
  auto engine = colotrace::probe::Engine::Create(engine_options);
  if (!engine) {
    std::cerr << "colotrace: " << engine.error() << "\n";
    return kExitFailed;
  }
  colotrace::dispatch::LocalColoOptions local;
  if (auto s = colotrace::apps::MakeEnrichment(flags.enrich, flags.netns, &local); !s) {
    std::cerr << "colotrace: " << s.error() << "\n";
    return kExitUsage;
  }
  // Names are resolved first (inside the namespace, with its resolver), so that a name that
  // does not resolve stops the run before anything is sent.
  std::vector<IpAddress> addresses;
  for (const auto& target : flags.targets) {
    auto resolved = local.resolver->ResolveNow(target, flags.options.ip_version);
    if (!resolved) {
      std::cerr << "colotrace: " << resolved.error() << "\n";
      return kExitUsage;
    }
    if (resolved->candidates > 1) {
      std::cerr << "colotrace: " << target << " has " << resolved->candidates << " "
                << (resolved->address.is_v4() ? "IPv4" : "IPv6") << " addresses; tracing "
                << resolved->address.ToString() << "\n";
    }
    addresses.push_back(resolved->address);
  }
  colotrace::dispatch::LocalColoRunner runner(**engine, local);
  if (auto s = colotrace::net::DropPrivileges(); !s) {
    std::cerr << "colotrace: cannot drop privileges: " << s.error() << "\n";
    return kExitFailed;
  }

  std::vector<std::promise<ColoResult>> promises(addresses.size());
  for (size_t i = 0; i < addresses.size(); ++i) {
    runner.Trace(addresses[i].ToString(), flags.options,
                 [&promises, i](ColoResult r) { promises[i].set_value(std::move(r)); });
  }
  std::vector<TargetResult> results;
  int cannot_probe = 0;
  for (size_t i = 0; i < addresses.size(); ++i) {
    ColoResult r = promises[i].get_future().get();
    r.colo.name = "local";
    if (r.error == ColoError::kCannotProbe) {
      ++cannot_probe;
      std::cerr << "colotrace: cannot send probes to " << addresses[i].ToString()
                << " (no route, or this packet type is not available here)\n";
    }
    if (!flags.json) {
      if (i > 0) std::cout << "\n";
      std::cout << colotrace::model::TextReport(flags.targets[i], flags.options, r);
    }
    results.push_back(TargetResult{flags.targets[i], {std::move(r)}});
  }
  if (flags.json) std::cout << colotrace::model::ResultArrayJson(results) << "\n";
  std::cout.flush();
  return cannot_probe == static_cast<int>(addresses.size()) ? kExitFailed : kExitOk;
}

constexpr const char* kUsage = R"(usage: colotrace COMMAND [options]

commands:
  trace TARGET...   run traceroutes from this machine (colotrace trace --help)
  serve             serve the traceroute API with this machine as a colo (colotrace serve --help)
  agent             run a remote colo that takes jobs over NATS (colotrace agent --help)
  version           print the version
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  std::string_view command = args[0];
  args.erase(args.begin());
  if (command == "version" || command == "--version") {
    std::cout << "colotrace " << kVersion << "\n";
    return kExitOk;
  }
  if (command == "serve") return colotrace::apps::RunServe(args);
  if (command == "agent") return colotrace::apps::RunAgent(args);
  if (command != "trace") {
    std::cerr << "colotrace: unknown command '" << command << "'\nTry 'colotrace --help'.\n";
    return kExitUsage;
  }
  for (auto a : args) {
    if (a == "-h" || a == "--help") {
      std::cout << kTraceUsage;
      return kExitOk;
    }
  }
  try {
    return RunTrace(ParseTraceFlags(args));
  } catch (const UsageError& e) {
    std::cerr << "colotrace: " << e.message << "\nTry 'colotrace trace --help'.\n";
    return kExitUsage;
  }
}
