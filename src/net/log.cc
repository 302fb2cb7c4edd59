#include "net/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>

#include "model/json_writer.h"
#include "model/time_text.h"

namespace colotrace::net {
namespace {

std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<int> g_format{static_cast<int>(LogFormat::kText)};
std::mutex g_sink_mutex;
std::function<void(std::string_view)> g_sink;  // guarded by g_sink_mutex

bool NeedsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

// A text value: as it is, or quoted with \" \\ and control characters escaped (a line is one
// line whatever the value holds).
void AppendTextValue(std::string& out, std::string_view value) {
  if (!NeedsQuotes(value)) {
    out += value;
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\x%02x", static_cast<unsigned char>(c));
      out += esc;
    } else {
      out += c;
    }
  }
  out += '"';
}

void AppendTextMessage(std::string& out, std::string_view message) {
  for (char c : message) out += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
}

void Write(const std::string& line) {
  {
    std::lock_guard lock(g_sink_mutex);
    if (g_sink) {
      g_sink(line);
      return;
    }
  }
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log: drop the line, never block the caller on it
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (auto level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (LogLevelName(level) == name) return level;
  }
  return std::nullopt;
}

std::optional<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return std::nullopt;
}

void ConfigureLog(LogLevel min_level, LogFormat format) {
  g_min_level = static_cast<int>(min_level);
  g_format = static_cast<int>(format);
}

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= g_min_level.load();
}

void Log(LogLevel level, std::string_view component, std::string_view message,
         std::initializer_list<LogField> fields) {
  if (!LogEnabled(level)) return;
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::string line;
  if (static_cast<LogFormat>(g_format.load()) == LogFormat::kJson) {
    model::JsonWriter w;
    w.BeginObject();
    w.Key("time").String(model::Rfc3339Ms(now_ms));
    w.Key("level").String(LogLevelName(level));
    w.Key("component").String(component);
    w.Key("msg").String(message);
    for (const LogField& f : fields) {
      w.Key(f.name);
      if (f.number) {
        w.Raw(f.value);
      } else {
        w.String(f.value);
      }
    }
    w.EndObject();
    line = w.Take();
  } else {
    line = model::Rfc3339Ms(now_ms);
    line += ' ';
    line += LogLevelName(level);
    line += ' ';
    line += component;
    line += ": ";
    AppendTextMessage(line, message);
    for (const LogField& f : fields) {
      if (f.value.empty()) continue;  // JSON keeps "", text says nothing
      line += ' ';
      line += f.name;
      line += '=';
      AppendTextValue(line, f.value);
    }
  }
  line += '\n';
  Write(line);
}

void SetLogSinkForTesting(std::function<void(std::string_view line)> sink) {
  std::lock_guard lock(g_sink_mutex);
  g_sink = std::move(sink);
}

}  // namespace colotrace::net
