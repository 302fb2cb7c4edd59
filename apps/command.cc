#include "command.h"

#include <pthread.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "net/log.h"

namespace colotrace::apps {

const char* Version() {
  return COLOTRACE_VERSION;
}

void AddLogFlags(CLI::App& app, LogFlags* flags) {
  auto known = [](auto parse, const char* want) {
    return CLI::Validator(
        [parse, want](std::string& value) -> std::string {
          return parse(value) ? "" : std::string("want ") + want;
        },
        "", "");
  };
  app.add_option(
         "--log-level", flags->level,
         "the least severe events logged (default info: an access-log line per API request)")
      ->option_text("debug|info|warning|error")
      ->check(known(net::ParseLogLevel, "debug, info, warning or error"));
  app.add_option("--log-format", flags->format,
                 "the log on stderr: text for a person (default) or json (one object per line)")
      ->option_text("text|json")
      ->check(known(net::ParseLogFormat, "text or json"));
}

void ApplyLogFlags(const LogFlags& flags) {
  net::ConfigureLog(net::ParseLogLevel(flags.level).value_or(net::LogLevel::kInfo),
                    net::ParseLogFormat(flags.format).value_or(net::LogFormat::kText));
}

int UsageError(const std::string& command, const std::string& message) {
  std::cerr << "colotrace: " << message << "\nTry 'colotrace " << command
            << (command.empty() ? "" : " ") << "--help'.\n";
  return kExitUsage;
}

void TerminationSignals::Block() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int TerminationSignals::Wait() {
  int sig = 0;
  sigwait(&set_, &sig);
  return sig;
}

const char* TerminationSignals::Name(int signal) {
  return signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : "a signal";
}

}  // namespace colotrace::apps
