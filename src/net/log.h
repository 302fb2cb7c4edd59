// The process's log: one line per event on stderr, as text for a person (the default) or as
// JSON lines for a log pipeline; events below the configured level are dropped. Under systemd
// stderr goes to the journal. Never log a credential: callers pass only what may be kept.
//
// Threads: every function may be called from any thread; a line is written with one write(2),
// so lines of different threads never interleave.
#pragma once

#include <cstdio>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace colotrace::net {

enum class LogLevel { kDebug, kInfo, kWarning, kError };
enum class LogFormat { kText, kJson };

// "debug", "info", "warning", "error"; "text", "json".
std::string_view LogLevelName(LogLevel level);
std::optional<LogLevel> ParseLogLevel(std::string_view name);
std::optional<LogFormat> ParseLogFormat(std::string_view name);

// Set once at start-up (defaults: info, text). Later calls take effect for later events.
void ConfigureLog(LogLevel min_level, LogFormat format);
bool LogEnabled(LogLevel level);

// A named value of an event: written `name=value` in text (quoted when it has spaces or
// quotes), `"name":"value"` in JSON. Numbers are passed as text too (JSON keeps them strings
// only when `number` is false).
struct LogField {
  std::string_view name;
  std::string value;
  bool number = false;
};
inline LogField LogNumber(std::string_view name, double value, int decimals = 0) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return LogField{name, text, true};
}

// Writes one event: `component` says who ("http", "storage", "schedules", ...).
// Text:  2026-11-27T21:10:57.123Z info http: GET /path status=200 account=acc1 ...
// JSON:  {"time":"2026-11-27T21:10:57.123Z","level":"info","component":"http","msg":"...",...}
void Log(LogLevel level, std::string_view component, std::string_view message,
         std::initializer_list<LogField> fields = {});

// Tests: lines go to `sink` instead of stderr (nullptr: back to stderr).
void SetLogSinkForTesting(std::function<void(std::string_view line)> sink);

}  // namespace colotrace::net
