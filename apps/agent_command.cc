#include "agent_command.h"

#include <signal.h>

#include <iostream>
#include <memory>
#include <string>

#include "agent/agent.h"
#include "api/target_policy.h"
#include "dispatch/local_colo.h"
#include "enrich_flags.h"
#include "probe/engine.h"
#include "net/system.h"

namespace colotrace::apps {

namespace {

constexpr const char* kAgentUsage =
    R"(usage: colotrace agent --nats URL[,URL...] --colo NAME [options]

Runs this machine (or a network namespace) as a remote colo: connects out to NATS, announces
the colo, takes its traceroute jobs and answers them (docs/wire.md).

options:
  --nats URL[,URL...]     NATS servers (nats://host:4222; tls://... with --tls-ca)
  --colo NAME             the colo's name (1..32 of [A-Za-z0-9_-]); agents of one name share
                          its jobs
  --city CITY             the colo's city, as the API shows it
  --netns NAME            probe from network namespace NAME
  --creds FILE            NATS user credentials (JWT and NKey seed, operator mode)
  --nkey FILE             NATS NKey authentication with this user seed ("SU...")
  --tls-ca FILE           require TLS and trust these CAs
  --allow-target CIDR     admit targets in this range despite the target policy (repeatable)
  --capacity N            traceroutes at once (default 256)
  --max-pps N             probes per second this colo sends, all traces together (default
                          20000; the engine paces to it)
  --user NAME             run as this user once the sockets are open (default nobody)
  --unavailable           announce the colo as unavailable: it is listed but never selected
  --asn-db FILE           ASNs from a MaxMind-format ASN database (reloaded on change)
  --asn-cymru             ASNs from Team Cymru's DNS service (origin.asn.cymru.com)
  --no-names              no reverse-DNS names (looked up by default)
  --dns-server IP[:PORT]  DNS server for host names, reverse names and Cymru (repeatable);
                          default: the namespace's resolv.conf
)";

constexpr const char* kVersion = "0.1.0";

}  // namespace

int RunAgent(const std::vector<std::string_view>& args) {
  agent::AgentOptions options;
  options.version = kVersion;
  std::string netns, user = "nobody";
  int max_pps = 20000;
  EnrichFlags enrich;
  api::TargetPolicy policy;
  auto usage = [](const std::string& message) {
    std::cerr << "colotrace agent: " << message << "\nTry 'colotrace agent --help'.\n";
    return 2;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kAgentUsage;
      return 0;
    }
    if (a == "--unavailable") {
      options.available = false;
      continue;
    }
    if (a == "--no-names" || a == "--asn-cymru") {
      ParseEnrichFlag(a, &enrich, [] { return std::string(); });
      continue;
    }
    if (i + 1 >= args.size()) return usage(std::string(a) + " needs a value");
    std::string v(args[++i]);
    if (a == "--nats") {
      for (size_t start = 0; start <= v.size();) {
        size_t comma = v.find(',', start);
        if (comma == std::string::npos) comma = v.size();
        if (comma > start) options.nats.urls.push_back(v.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (a == "--colo") {
      options.colo = v;
    } else if (a == "--city") {
      options.city = v;
    } else if (a == "--netns") {
      netns = v;
    } else if (a == "--creds") {
      options.nats.creds_file = v;
    } else if (a == "--nkey") {
      options.nats.nkey_file = v;
    } else if (a == "--tls-ca") {
      options.nats.tls_ca_file = v;
    } else if (a == "--user") {
      user = v;
    } else if (a == "--max-pps") {
      max_pps = std::atoi(v.c_str());
      if (max_pps < 1 || max_pps > 10'000'000) return usage("--max-pps wants 1..10000000");
    } else if (a == "--capacity") {
      options.capacity = std::atoi(v.c_str());
      if (options.capacity < 1 || options.capacity > 100000) {
        return usage("--capacity wants 1..100000");
      }
    } else if (ParseEnrichFlag(a, &enrich, [&] { return v; })) {
    } else if (a == "--allow-target") {
      if (auto s = policy.Allow(v); !s) return usage(s.error());
    } else {
      return usage("unknown option '" + std::string(a) + "'");
    }
  }
  if (options.nats.urls.empty()) return usage("--nats is required");
  if (!options.nats.creds_file.empty() && !options.nats.nkey_file.empty()) {
    return usage("--creds and --nkey exclude each other");
  }
  bool name_ok = !options.colo.empty() && options.colo.size() <= 32;
  for (char c : options.colo) {
    name_ok = name_ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  }
  if (!name_ok) return usage("--colo wants 1..32 of [A-Za-z0-9_-]");
  // Read now: the files may be readable by root only, and reconnects happen as --user.
  if (auto s = dispatch::LoadNatsCredentials(&options.nats); !s) {
    std::cerr << "colotrace agent: " << s.error() << "\n";
    return 2;
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  probe::EngineOptions engine_options;
  engine_options.netns = netns;
  engine_options.max_packets_per_second = max_pps;
  auto engine = probe::Engine::Create(engine_options);
  if (!engine) {
    std::cerr << "colotrace agent: " << engine.error() << "\n";
    return 1;
  }
  dispatch::LocalColoOptions local;
  local.allow_target = [&policy](const net::IpAddress& a) { return policy.IsAllowed(a); };
  if (auto s = MakeEnrichment(enrich, netns, &local); !s) {
    std::cerr << "colotrace agent: " << s.error() << "\n";
    return 2;
  }
  auto runner = std::make_unique<dispatch::LocalColoRunner>(**engine, local);
  auto the_agent = std::make_unique<agent::Agent>(options, *runner);
  if (auto s = net::DropPrivileges(user); !s) {
    std::cerr << "colotrace agent: cannot drop privileges: " << s.error() << "\n";
    return 1;
  }
  if (auto s = the_agent->Start(); !s) {
    std::cerr << "colotrace agent: " << s.error() << "\n";
    return 1;
  }
  std::cout << "colotrace agent " << the_agent->id() << ": colo \"" << options.colo << "\" on "
            << options.nats.urls.front() << "\n";
  std::cout.flush();
  int sig = 0;
  sigwait(&signals, &sig);
  std::cerr << "colotrace agent: stopping\n";
  // Stop taking jobs, let the engine answer the running ones (as failures), then disconnect.
  the_agent->Stop();
  runner.reset();   // finishes name lookups still queued
  engine->reset();  // answers the traces still running
  the_agent.reset();
  return 0;
}

}  // namespace colotrace::apps
