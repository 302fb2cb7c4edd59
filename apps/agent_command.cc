#include "agent_command.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>
#include <string>

#include "agent/agent.h"
#include "dispatch/local_colo.h"
#include "dispatch/target_policy.h"
#include "enrich_flags.h"
#include "net/system.h"
#include "probe/engine.h"

namespace colotrace::apps {

namespace {

struct AgentFlags {
  agent::AgentOptions options;
  std::vector<std::string> nats;
  std::string netns;
  std::string user = "nobody";
  int max_pps = 20000;
  std::vector<std::string> allow_targets;
  EnrichFlags enrich;
  LogFlags log;
};

int RunAgent(AgentFlags& f) {
  agent::AgentOptions& options = f.options;
  options.version = Version();
  for (const auto& v : f.nats) {
    for (size_t start = 0; start <= v.size();) {
      size_t comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      if (comma > start) options.nats.urls.push_back(v.substr(start, comma - start));
      start = comma + 1;
    }
  }
  if (options.nats.urls.empty()) return UsageError("agent", "--nats names no server");
  auto policy = std::make_shared<dispatch::TargetPolicy>();
  for (const auto& cidr : f.allow_targets) {
    if (auto s = policy->Allow(cidr); !s) return UsageError("agent", s.error());
  }
  // Read now: the files may be readable by root only, and reconnects happen as --user.
  if (auto s = dispatch::LoadNatsCredentials(&options.nats); !s) {
    return UsageError("agent", s.error());
  }

  TerminationSignals signals;
  signals.Block();

  probe::EngineOptions engine_options;
  engine_options.netns = f.netns;
  engine_options.max_packets_per_second = f.max_pps;
  auto engine = probe::Engine::Create(engine_options);
  if (!engine) {
    std::cerr << "colotrace: " << engine.error() << "\n";
    return kExitFailed;
  }
  dispatch::LocalColoOptions local;
  local.policy = policy;
  if (auto s = MakeEnrichment(f.enrich, f.netns, &local); !s) return UsageError("agent", s.error());
  auto runner = std::make_unique<dispatch::LocalColoRunner>(**engine, local);
  auto the_agent = std::make_unique<agent::Agent>(options, *runner);
  if (auto s = net::DropPrivileges(f.user); !s) {
    std::cerr << "colotrace: cannot drop privileges: " << s.error() << "\n";
    return kExitFailed;
  }
  if (auto s = the_agent->Start(); !s) {
    std::cerr << "colotrace: " << s.error() << "\n";
    return kExitFailed;
  }
  std::cout << "colotrace agent " << the_agent->id() << ": colo \"" << options.colo << "\" on "
            << options.nats.urls.front() << "\n";
  std::cout.flush();
  if (auto s = net::NotifyServiceManager("READY=1"); !s)
    std::cerr << "colotrace: " << s.error() << "\n";
  signals.Wait();
  (void)net::NotifyServiceManager("STOPPING=1");
  std::cerr << "colotrace agent: stopping\n";
  // Stop taking jobs, let the engine answer the running ones (as failures), then disconnect.
  the_agent->Stop();
  runner.reset();   // finishes name lookups still queued
  engine->reset();  // answers the traces still running
  the_agent.reset();
  return kExitOk;
}

}  // namespace

CommandRun AddAgentCommand(CLI::App& app) {
  auto f = std::make_shared<AgentFlags>();
  CLI::App* cmd = app.add_subcommand("agent", "run a remote colo that takes jobs over NATS");
  cmd->footer(
      "Runs this machine (or a network namespace) as a remote colo: connects out to NATS, "
      "announces the colo, takes its traceroute jobs and answers them (docs/wire.md).");
  cmd->add_option("--nats", f->nats, "NATS servers (nats://host:4222; tls://... with --tls-ca)")
      ->option_text("URL[,URL...]")
      ->allow_extra_args(false)
      ->required();
  cmd->add_option("--colo", f->options.colo,
                  "the colo's name (1..32 of [A-Za-z0-9_-]); agents of one name share its jobs")
      ->option_text("NAME")
      ->required()
      ->check([](const std::string& v) {
        return model::IsValidColoName(v) ? "" : "--colo wants 1..32 of [A-Za-z0-9_-]";
      });
  cmd->add_option("--city", f->options.city, "the colo's city, as the API shows it")
      ->option_text("CITY");
  cmd->add_option("--netns", f->netns, "probe from network namespace NAME")->option_text("NAME");
  CLI::Option* creds = cmd->add_option("--creds", f->options.nats.creds_file,
                                       "NATS user credentials (JWT and NKey seed, operator mode)")
                           ->option_text("FILE");
  cmd->add_option("--nkey", f->options.nats.nkey_file,
                  "NATS NKey authentication with this user seed (\"SU...\")")
      ->option_text("FILE")
      ->excludes(creds);
  cmd->add_option("--tls-ca", f->options.nats.tls_ca_file, "require TLS and trust these CAs")
      ->option_text("FILE");
  cmd->add_option("--allow-target", f->allow_targets,
                  "admit targets in this range despite the target policy (repeatable)")
      ->option_text("CIDR")
      ->allow_extra_args(false);
  cmd->add_option("--capacity", f->options.capacity, "traceroutes at once (default 256)")
      ->check(CLI::Range(1, 100000))
      ->option_text("N");
  cmd->add_option("--max-pps", f->max_pps,
                  "probes per second this colo sends, all traces together (default 20000; the "
                  "engine paces to it)")
      ->check(CLI::Range(1, 10'000'000))
      ->option_text("N");
  cmd->add_option("--user", f->user, "run as this user once the sockets are open (default nobody)")
      ->option_text("NAME");
  cmd->add_flag_callback(
      "--unavailable", [f] { f->options.available = false; },
      "announce the colo as unavailable: it is listed but never selected");
  AddEnrichFlags(*cmd, &f->enrich);
  AddLogFlags(*cmd, &f->log);
  return [f] {
    ApplyLogFlags(f->log);
    return RunAgent(*f);
  };
}

}  // namespace colotrace::apps
