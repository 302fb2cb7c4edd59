#include "trace_command.h"

#include <CLI/CLI.hpp>

#include <sys/ioctl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/request_parser.h"
#include "dispatch/local_colo.h"
#include "enrich_flags.h"
#include "model/result_json.h"
#include "model/text_report.h"
#include "model/traceroute.h"
#include "net/system.h"
#include "probe/engine.h"

namespace colotrace::apps {

namespace {

using model::ColoError;
using model::ColoResult;
using model::TargetResult;

struct TraceFlags {
  model::TraceOptions options;
  std::string packet_type = "icmp";
  bool v4 = false;
  bool v6 = false;
  std::string netns;
  EnrichFlags enrich;
  bool json = false;
  std::vector<std::string> targets;
};

// Whether standard output is a terminal that understands cursor movement.
bool LiveTerminal() {
  if (isatty(STDOUT_FILENO) != 1) return false;
  const char* term = std::getenv("TERM");
  return term != nullptr && *term != '\0' && std::string_view(term) != "dumb";
}

// Replaces the `shown_rows` rows printed last (the cursor on the row below them) with as much
// of `frame` as the terminal shows; returns the rows it took.
int Redraw(const std::string& frame, int shown_rows) {
  winsize size{};
  int rows = 24;
  int columns = 80;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_row > 0 && size.ws_col > 0) {
    rows = size.ws_row;
    columns = size.ws_col;
  }
  model::ScreenFit fit = model::FitToScreen(frame, rows, columns);
  std::string out = "\r";
  if (shown_rows > 0) out += "\x1b[" + std::to_string(shown_rows) + "A";
  out += "\x1b[J" + fit.text;
  std::cout << out << std::flush;
  return fit.rows;
}

int RunTrace(TraceFlags& flags) {
  if (flags.targets.size() > static_cast<size_t>(model::kMaxTargets)) {
    return UsageError("trace",
                      "at most " + std::to_string(model::kMaxTargets) + " targets at once");
  }
  for (const auto& t : flags.targets) {
    if (!api::IsValidTarget(t)) {
      return UsageError("trace", "'" + t + "' is neither an IP address nor a valid host name");
    }
  }
  flags.options.packet_type = *model::ParsePacketType(flags.packet_type);
  if (flags.options.multipath && (flags.options.packet_type == model::PacketType::kGre ||
                                  flags.options.packet_type == model::PacketType::kGreIcmp)) {
    return UsageError("trace", "--multipath works with icmp, udp and tcp probes");
  }
  flags.options.ip_version = flags.v4   ? model::IpVersion::kV4
                             : flags.v6 ? model::IpVersion::kV6
                                        : model::IpVersion::kAuto;
  probe::EngineOptions engine_options;
  engine_options.netns = flags.netns;
  auto engine = probe::Engine::Create(engine_options);
  if (!engine) {
    std::cerr << "colotrace: " << engine.error() << "\n";
    return kExitFailed;
  }
  // Address literals need no resolver (nor its DNS thread).
  bool any_name = false;
  for (const auto& target : flags.targets) any_name = any_name || !net::IpAddress::Parse(target);
  dispatch::LocalColoOptions local;
  if (auto s = MakeEnrichment(flags.enrich, flags.netns, &local, any_name); !s) {
    std::cerr << "colotrace: " << s.error() << "\n";
    return kExitUsage;
  }
  // Names are resolved first (inside the namespace, with its resolver), so that a name that
  // does not resolve stops the run before anything is sent.
  std::vector<net::IpAddress> addresses;
  for (const auto& target : flags.targets) {
    if (auto literal = net::IpAddress::Parse(target)) {
      if (auto wrong = enrich::LiteralFamilyError(target, *literal, flags.options.ip_version)) {
        std::cerr << "colotrace: " << *wrong << "\n";
        return kExitUsage;
      }
      addresses.push_back(*literal);
      continue;
    }
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
  dispatch::LocalColoRunner runner(**engine, local);
  if (auto s = net::DropPrivileges(); !s) {
    std::cerr << "colotrace: cannot drop privileges: " << s.error() << "\n";
    return kExitFailed;
  }

  // Each target's hops so far and its result, filled from the engine's thread.
  struct Progress {
    std::mutex mu;
    std::condition_variable changed;
    std::vector<ColoResult> partial;
    std::vector<std::optional<ColoResult>> done;
    size_t finished = 0;
    bool dirty = false;
  } progress;
  progress.partial.resize(addresses.size());
  progress.done.resize(addresses.size());
  for (size_t i = 0; i < addresses.size(); ++i) {
    progress.partial[i].colo.name = "local";
    progress.partial[i].target_summary.ip = addresses[i].ToString();
    progress.partial[i].running = true;
  }
  const bool live = !flags.json && LiveTerminal();
  for (size_t i = 0; i < addresses.size(); ++i) {
    dispatch::ColoRunner::HopCallback on_hop;
    if (live) {
      on_hop = [&progress, i](model::Hop hop) {
        std::lock_guard lock(progress.mu);
        progress.partial[i].hops.push_back(std::move(hop));
        progress.dirty = true;
        progress.changed.notify_one();
      };
    }
    runner.Trace(addresses[i].ToString(), flags.options, std::move(on_hop),
                 [&progress, i](ColoResult r) {
                   r.colo.name = "local";
                   std::lock_guard lock(progress.mu);
                   progress.done[i] = std::move(r);
                   ++progress.finished;
                   progress.dirty = true;
                   progress.changed.notify_one();
                 });
  }
  if (live) {
    // Redraw every table as hops complete (like mtr), then leave the screen to the final
    // print below, which is the same as without a terminal.
    int shown_rows = 0;
    std::unique_lock lock(progress.mu);
    while (progress.finished < addresses.size()) {
      progress.changed.wait(lock, [&] { return progress.dirty; });
      progress.dirty = false;
      if (progress.finished == addresses.size()) break;
      std::string frame;
      for (size_t i = 0; i < addresses.size(); ++i) {
        if (i > 0) frame += "\n";
        frame += model::TextReport(flags.targets[i], flags.options,
                                   progress.done[i] ? *progress.done[i] : progress.partial[i]);
      }
      lock.unlock();
      shown_rows = Redraw(frame, shown_rows);
      lock.lock();
    }
    lock.unlock();
    Redraw("", shown_rows);
  }
  std::vector<TargetResult> results;
  int cannot_probe = 0;
  for (size_t i = 0; i < addresses.size(); ++i) {
    ColoResult r;
    {
      std::unique_lock lock(progress.mu);
      progress.changed.wait(lock, [&] { return progress.done[i].has_value(); });
      r = std::move(*progress.done[i]);
    }
    if (r.error == ColoError::kCannotProbe) {
      ++cannot_probe;
      std::cerr << "colotrace: cannot send probes to " << addresses[i].ToString()
                << " (no route, or this packet type is not available here)\n";
    }
    if (!flags.json) {
      if (i > 0) std::cout << "\n";
      std::cout << model::TextReport(flags.targets[i], flags.options, r) << std::flush;
    }
    results.push_back(TargetResult{flags.targets[i], {std::move(r)}});
  }
  if (flags.json) std::cout << model::ResultArrayJson(results) << "\n";
  std::cout.flush();
  return cannot_probe == static_cast<int>(addresses.size()) ? kExitFailed : kExitOk;
}

}  // namespace

CommandRun AddTraceCommand(CLI::App& app) {
  auto flags = std::make_shared<TraceFlags>();
  CLI::App* cmd = app.add_subcommand("trace", "run traceroutes from this machine");
  cmd->footer(
      "Traces the route to each TARGET (an IPv4 or IPv6 address or a host name) from this "
      "machine.\nOn a terminal the tables are redrawn as hops complete; piped or with --json "
      "the output is printed once, at the end.\nexit status: 0 done, 1 could not probe at all, 2 "
      "bad input.");
  cmd->add_option("--packet-type", flags->packet_type,
                  "icmp, udp, tcp, gre or gre+icmp (default icmp); gre sends IPv4 GRE packets "
                  "to a tunnel endpoint (docs/api.md, \"GRE\")")
      ->check(CLI::IsMember({"icmp", "udp", "tcp", "gre", "gre+icmp"}))
      ->option_text("TYPE");
  auto range = [&](model::IntOption option, const char* name, const std::string& what) {
    const model::IntOptionRule& rule = model::RuleOf(option);
    cmd->add_option(name, flags->options.*rule.field,
                    std::to_string(rule.min) + ".." + std::to_string(rule.max) + ": " + what)
        ->check(CLI::Range(rule.min, rule.max))
        ->option_text("N");
  };
  range(model::IntOption::kMaxTtl, "--max-ttl",
        "the last TTL probed (default " + std::to_string(model::kMaxTtlDefault) + ")");
  range(model::IntOption::kPacketsPerTtl, "--packets-per-ttl",
        "probes per TTL (default " + std::to_string(model::kPacketsPerTtlDefault) + ")");
  range(model::IntOption::kPort, "--port",
        "UDP/TCP destination port, ICMP (and GRE's inner ICMP) first sequence number; 0 picks "
        "UDP 33434, TCP 80, ICMP/GRE 1");
  range(model::IntOption::kWaitTime, "--wait-time",
        "seconds to wait for each probe's reply (default " +
            std::to_string(model::kWaitTimeDefaultS) + ")");
  CLI::Option* multipath = cmd->add_flag(
      "--multipath", flags->options.multipath,
      "find every path behind load balancers (MDA: flows differing in the UDP/TCP destination "
      "port or the ICMP checksum; icmp, udp or tcp); --packets-per-ttl does not apply");
  cmd->add_option("--confidence", flags->options.confidence,
                  std::to_string(model::kConfidenceDefault) + " or " +
                      std::to_string(model::kConfidenceHigh) +
                      ": how sure --multipath is to find every interface (default " +
                      std::to_string(model::kConfidenceDefault) + ")")
      ->check([](const std::string& v) {
        return model::IsValidConfidence(std::atoll(v.c_str()))
                   ? std::string()
                   : "--confidence is " + std::to_string(model::kConfidenceDefault) + " or " +
                         std::to_string(model::kConfidenceHigh);
      })
      ->needs(multipath)
      ->option_text("PERCENT");
  cmd->add_option("--netns", flags->netns,
                  "send from network namespace NAME (as `ip netns` names it)")
      ->option_text("NAME")
      ->check([](const std::string& v) { return v.empty() ? "--netns needs a name" : ""; });
  cmd->add_flag("--json", flags->json, "print the API's result array instead of a table");
  CLI::Option* v4 =
      cmd->add_flag("-4,--ipv4", flags->v4, "trace host names over IPv4 (their first A record)");
  cmd->add_flag("-6,--ipv6", flags->v6,
                "trace host names over IPv6 (their first AAAA record); without either, IPv4 "
                "when the name has an A record, else IPv6")
      ->excludes(v4);
  AddEnrichFlags(*cmd, &flags->enrich, /*short_no_names=*/true);
  cmd->add_option("targets", flags->targets, "IPv4 or IPv6 addresses or host names (at most 10)")
      ->required()
      ->option_text("TARGET...");
  return [flags] { return RunTrace(*flags); };
}

}  // namespace colotrace::apps
