// Validation of the bodies of POST and PATCH .../traceroute/schedules[/{id}] (docs/api.md,
// "Schedules"). Pure: no I/O, thread-safe. Only std::bad_alloc can escape.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/api_error.h"
#include "api/request_parser.h"

namespace colotrace::api {

// The one place of a schedule's rules (the minimum interval may be lowered by configuration,
// for tests; users keep 60 s).
struct ScheduleRules {
  int64_t min_interval_s = 60;
  int64_t max_interval_s = 86'400;
};
inline constexpr size_t kMaxScheduleNameLength = 100;
inline constexpr size_t kMaxWebhookUrlLength = 2048;
inline constexpr size_t kMinWebhookSecretLength = 16;
inline constexpr size_t kMaxWebhookSecretLength = 256;

struct WebhookSpec {
  std::string url;     // http://HOST[:PORT][/PATH]
  std::string secret;  // "" when the server is to make one
};

struct ScheduleRequest {
  TracerouteRequest trace;  // targets, colos, options: what every run runs
  std::string name;
  int64_t interval_s = 0;
  bool paused = false;
  std::optional<WebhookSpec> webhook;
};

// A PATCH: the members given. `webhook` holding nullopt means `"webhook": null` (remove it).
struct ScheduleChange {
  std::optional<std::string> name;
  std::optional<int64_t> interval_s;
  std::optional<bool> paused;
  std::optional<std::optional<WebhookSpec>> webhook;
};

// POST: the traceroute body's members (ParseTracerouteRequest, same codes and pointers) and
// `name` (required, 1..100 characters, no control characters: 1027 /name), `interval_s`
// (required, an integer within the rules: 1028 /interval_s), `paused` (a boolean, default
// false: 1030 /paused), `webhook` (optional, {"url": "http://...", "secret": "..."}: 1029
// /webhook, /webhook/url or /webhook/secret). Every error is reported.
std::variant<ScheduleRequest, std::vector<ApiError>> ParseScheduleRequest(
    std::string_view body, const ScheduleRules& rules);

// PATCH: only `name`, `interval_s`, `paused` and `webhook` (null removes it), each as above;
// at least one of them (else 1001); `targets`, `colos` and `options` cannot change (1001 at
// their pointer: delete the schedule and create another).
std::variant<ScheduleChange, std::vector<ApiError>> ParseScheduleChange(std::string_view body,
                                                                        const ScheduleRules& rules);

// The parts of a webhook URL: "http://" HOST [":" PORT] [PATH], HOST an IPv4 address, an IPv6
// address in brackets or a host name (IsValidHostName), at most kMaxWebhookUrlLength
// characters, no user info, no fragment. nullopt for anything else (https among them).
struct WebhookUrl {
  std::string host;  // without brackets
  uint16_t port = 80;
  std::string target;  // the path and query, "/" when empty
};
std::optional<WebhookUrl> ParseWebhookUrl(std::string_view url);

}  // namespace colotrace::api
