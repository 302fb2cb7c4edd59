// What every `colotrace` command shares: how it is added to the command line (CLI11, inside
// the .cc files), exit statuses, usage errors, and the termination signals of the long-running
// commands.
#pragma once

#include <signal.h>

#include <functional>
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace colotrace::apps {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // could not start, or could not probe at all
inline constexpr int kExitUsage = 2;   // bad flags, configuration or input

// The version CMake's project(VERSION) gives.
const char* Version();

// Runs a command once the command line parsed; returns the exit status.
using CommandRun = std::function<int()>;

// A usage error found after parsing (a bad combination, a file that cannot be read): writes
// "colotrace: MESSAGE" and "Try 'colotrace COMMAND --help'." to stderr (COMMAND "": the top
// level); returns kExitUsage.
int UsageError(const std::string& command, const std::string& message);

// --log-level debug|info|warning|error and --log-format text|json for the long-running
// commands (net/log.h; names from net::ParseLogLevel/ParseLogFormat). AddLogFlags writes into
// *flags, which must outlive the parse; ApplyLogFlags configures the log once parsed.
struct LogFlags {
  std::string level = "info";
  std::string format = "text";
};
void AddLogFlags(CLI::App& app, LogFlags* flags);
void ApplyLogFlags(const LogFlags& flags);

// SIGINT and SIGTERM for a long-running command: Block() before any thread starts (every
// thread inherits the mask), then Wait() on one thread returns the signal that came.
class TerminationSignals {
 public:
  void Block();
  int Wait();
  static const char* Name(int signal);

 private:
  sigset_t set_{};
};

}  // namespace colotrace::apps
