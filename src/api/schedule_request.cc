#include "api/schedule_request.h"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cmath>
#include <string>

#include "net/ip_address.h"

namespace colotrace::api {

namespace json = boost::json;

namespace {

std::optional<json::object> ParseObject(std::string_view body) {
  json::parse_options opts;
  opts.max_depth = kMaxJsonDepth;
  json::error_code ec;
  json::value root = json::parse(json::string_view(body.data(), body.size()), ec, {}, opts);
  if (ec || !root.is_object()) return std::nullopt;
  return std::move(root.get_object());
}

std::optional<std::string> Name(const json::value& v) {
  const json::string* s = v.if_string();
  if (s == nullptr || s->empty() || s->size() > kMaxScheduleNameLength) return std::nullopt;
  for (unsigned char c : *s) {
    if (c < 0x20 || c == 0x7f) return std::nullopt;
  }
  return std::string(s->data(), s->size());
}

std::optional<int64_t> Interval(const json::value& v, const ScheduleRules& rules) {
  std::optional<int64_t> n;
  if (v.is_int64()) n = v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= 86'400'000ULL) n = static_cast<int64_t>(v.get_uint64());
  // A whole number written as a double (60.0), range-checked before it is converted.
  if (v.is_double() && v.get_double() >= 0 && v.get_double() <= 86'400'000.0 &&
      v.get_double() == std::floor(v.get_double())) {
    n = static_cast<int64_t>(v.get_double());
  }
  if (!n || *n < rules.min_interval_s || *n > rules.max_interval_s) return std::nullopt;
  return n;
}

std::string IntervalMessage(const ScheduleRules& rules) {
  return "Invalid interval_s: want an integer number of seconds from " +
         std::to_string(rules.min_interval_s) + " to " + std::to_string(rules.max_interval_s);
}

// `webhook`: {"url": ..., "secret": ...}; errors go to `errors`.
std::optional<WebhookSpec> Webhook(const json::value& v, std::vector<ApiError>& errors) {
  const json::object* o = v.if_object();
  if (o == nullptr) {
    errors.push_back({kInvalidWebhook,
                      "Invalid webhook: want an object {\"url\": \"http://...\"}",
                      "/webhook",
                      {},
                      ""});
    return std::nullopt;
  }
  WebhookSpec spec;
  bool ok = true;
  const json::value* url = o->if_contains("url");
  const json::string* url_text = url != nullptr ? url->if_string() : nullptr;
  if (url_text == nullptr ||
      !ParseWebhookUrl(std::string_view(url_text->data(), url_text->size()))) {
    errors.push_back({kInvalidWebhook,
                      "Invalid webhook url: want http://HOST[:PORT]/PATH (at most " +
                          std::to_string(kMaxWebhookUrlLength) +
                          " characters; https is not supported, see docs/api.md)",
                      "/webhook/url",
                      {},
                      ""});
    ok = false;
  } else {
    spec.url.assign(url_text->data(), url_text->size());
  }
  if (const json::value* secret = o->if_contains("secret")) {
    const json::string* s = secret->if_string();
    if (s == nullptr || s->size() < kMinWebhookSecretLength ||
        s->size() > kMaxWebhookSecretLength) {
      errors.push_back({kInvalidWebhook,
                        "Invalid webhook secret: want a string of " +
                            std::to_string(kMinWebhookSecretLength) + " to " +
                            std::to_string(kMaxWebhookSecretLength) + " characters",
                        "/webhook/secret",
                        {},
                        ""});
      ok = false;
    } else {
      spec.secret.assign(s->data(), s->size());
    }
  }
  if (!ok) return std::nullopt;
  return spec;
}

}  // namespace

std::variant<ScheduleRequest, std::vector<ApiError>> ParseScheduleRequest(
    std::string_view body, const ScheduleRules& rules) {
  ParseOutcome trace = ParseTracerouteRequest(body);
  std::vector<ApiError> errors;
  if (auto* e = std::get_if<std::vector<ApiError>>(&trace)) {
    errors = std::move(*e);
    // An empty or malformed body says all there is to say.
    if (!errors.empty() && (errors[0].code == kEmptyBody ||
                            (errors[0].code == kInvalidJson && errors[0].pointer.empty()))) {
      return errors;
    }
  }
  std::optional<json::object> root = ParseObject(body);
  if (!root)
    return std::vector<ApiError>{
        {kInvalidJson, "Invalid request: the body must be a JSON object", "", {}, ""}};
  ScheduleRequest request;
  bool saw_name = false;
  bool saw_interval = false;
  for (const auto& member : *root) {
    std::string_view key(member.key().data(), member.key().size());
    if (key == "name") {
      saw_name = true;
      if (auto n = Name(member.value())) {
        request.name = *n;
      } else {
        errors.push_back({kInvalidScheduleName,
                          "Invalid name: want 1 to 100 characters, no control characters",
                          "/name",
                          {},
                          ""});
      }
    } else if (key == "interval_s") {
      saw_interval = true;
      if (auto i = Interval(member.value(), rules)) {
        request.interval_s = *i;
      } else {
        errors.push_back({kInvalidInterval, IntervalMessage(rules), "/interval_s", {}, ""});
      }
    } else if (key == "paused") {
      if (!member.value().is_bool()) {
        errors.push_back({kInvalidPaused, "Invalid paused: want true or false", "/paused", {}, ""});
      } else {
        request.paused = member.value().get_bool();
      }
    } else if (key == "webhook") {
      if (!member.value().is_null()) request.webhook = Webhook(member.value(), errors);
    }
  }
  if (!saw_name) {
    errors.push_back(
        {kInvalidScheduleName, "No name was given: want 1 to 100 characters", "/name", {}, ""});
  }
  if (!saw_interval) {
    errors.push_back({kInvalidInterval, IntervalMessage(rules), "/interval_s", {}, ""});
  }
  if (!errors.empty()) {
    if (errors.size() > kMaxReportedErrors) errors.resize(kMaxReportedErrors);
    return errors;
  }
  request.trace = std::move(std::get<TracerouteRequest>(trace));
  return request;
}

std::variant<ScheduleChange, std::vector<ApiError>> ParseScheduleChange(
    std::string_view body, const ScheduleRules& rules) {
  std::optional<json::object> root = ParseObject(body);
  if (!root) {
    return std::vector<ApiError>{
        {kInvalidJson, "Invalid request: the body must be a JSON object", "", {}, ""}};
  }
  ScheduleChange change;
  std::vector<ApiError> errors;
  for (const auto& member : *root) {
    std::string_view key(member.key().data(), member.key().size());
    if (key == "name") {
      if (auto n = Name(member.value())) {
        change.name = *n;
      } else {
        errors.push_back({kInvalidScheduleName,
                          "Invalid name: want 1 to 100 characters, no control characters",
                          "/name",
                          {},
                          ""});
      }
    } else if (key == "interval_s") {
      if (auto i = Interval(member.value(), rules)) {
        change.interval_s = *i;
      } else {
        errors.push_back({kInvalidInterval, IntervalMessage(rules), "/interval_s", {}, ""});
      }
    } else if (key == "paused") {
      if (!member.value().is_bool()) {
        errors.push_back({kInvalidPaused, "Invalid paused: want true or false", "/paused", {}, ""});
      } else {
        change.paused = member.value().get_bool();
      }
    } else if (key == "webhook") {
      if (member.value().is_null()) {
        change.webhook = std::optional<WebhookSpec>();
      } else if (auto w = Webhook(member.value(), errors)) {
        change.webhook = std::optional<WebhookSpec>(*w);
      }
    } else if (key == "targets" || key == "colos" || key == "options") {
      errors.push_back(
          {kInvalidJson,
           "A schedule's " + std::string(key) + " cannot change: delete it and create another",
           "/" + std::string(key),
           {},
           ""});
    }
  }
  if (errors.empty() && !change.name && !change.interval_s && !change.paused && !change.webhook) {
    errors.push_back(
        {kInvalidJson, "Nothing to change: give name, interval_s, paused or webhook", "", {}, ""});
  }
  if (!errors.empty()) return errors;
  return change;
}

std::optional<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() > kMaxWebhookUrlLength || url.substr(0, kScheme.size()) != kScheme) {
    return std::nullopt;
  }
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7f) return std::nullopt;  // spaces, controls, raw non-ASCII
  }
  std::string_view rest = url.substr(kScheme.size());
  size_t path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  std::string_view target = path_at == std::string_view::npos ? "" : rest.substr(path_at);
  if (authority.find('@') != std::string_view::npos || target.find('#') != std::string_view::npos) {
    return std::nullopt;
  }
  WebhookUrl out;
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return std::nullopt;
      port = after.substr(1);
    }
    auto a = net::IpAddress::Parse(std::string(host));
    if (!a || a->is_v4()) return std::nullopt;
  } else {
    size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    auto a = net::IpAddress::Parse(std::string(host));
    if (a ? !a->is_v4() : !IsValidHostName(host)) return std::nullopt;
  }
  if (host.empty()) return std::nullopt;
  if (!authority.empty() && authority.back() == ':') return std::nullopt;
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return std::nullopt;
    }
    out.port = static_cast<uint16_t>(value);
  }
  out.host.assign(host.data(), host.size());
  out.target = target.empty() ? "/" : std::string(target);
  if (out.target[0] == '?') out.target = "/" + out.target;
  return out;
}

}  // namespace colotrace::api
