// colotrace: the command line. Each command lives in its own file (trace_command.cc, serve.cc,
// agent_command.cc); this one parses the command line (CLI11) and runs the chosen command.

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "agent_command.h"
#include "command.h"
#include "serve.h"
#include "trace_command.h"

namespace {

using colotrace::apps::kExitOk;
using colotrace::apps::kExitUsage;

// The deepest subcommand the parse reached ("" for the top level).
std::string CommandOf(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) return sub->get_name();
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "colotrace: traceroutes from many vantage points (\"colos\") at once, as a "
      "command and as a Cloudflare-compatible API.",
      "colotrace");
  app.set_version_flag("--version", std::string("colotrace ") + colotrace::apps::Version());
  app.require_subcommand(1);
  app.footer("Run 'colotrace COMMAND --help' for a command's options.");
  auto trace = colotrace::apps::AddTraceCommand(app);
  auto serve = colotrace::apps::AddServeCommand(app);
  auto agent = colotrace::apps::AddAgentCommand(app);
  app.add_subcommand("version", "print the version");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();  // the chosen command's help, if one was named
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    if (argc < 2) {  // no command at all: say what there is
      std::cerr << app.help();
      return kExitUsage;
    }
    std::string command = CommandOf(app);
    if (command.empty() && argv[1][0] != '-') {
      return colotrace::apps::UsageError("", std::string("unknown command '") + argv[1] + "'");
    }
    return colotrace::apps::UsageError(command, e.what());
  }
  if (app.got_subcommand("trace")) return trace();
  if (app.got_subcommand("serve")) return serve();
  if (app.got_subcommand("agent")) return agent();
  std::cout << "colotrace " << colotrace::apps::Version() << "\n";
  return kExitOk;
}
