#include "api/request_parser.h"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "model/limits.h"
#include "net/ip_address.h"

namespace colotrace::api {

namespace json = boost::json;

namespace {

// Messages: the legacy Cloudflare texts for these codes, then what was expected.
constexpr const char* kMsgEmptyBody = "Empty request body";
constexpr const char* kMsgInvalidJson = "Invalid request: the body must be a JSON object";
constexpr const char* kMsgNoTargets = "No targets were specified";
constexpr const char* kMsgTooManyTargets = "Too many targets specified: at most 10";
constexpr const char* kMsgInvalidTarget =
    "Target is not a valid address: want a host name, an IPv4 or an IPv6 address";
constexpr const char* kMsgColosNotArray = "Colo is not a valid colo: colos must be an array";
constexpr const char* kMsgInvalidColo =
    "Colo is not a valid colo: want 1 to 32 letters, digits, '-' or '_'";
constexpr const char* kMsgInvalidIpVersion =
    "Invalid ip_version: want \"auto\", \"ipv4\" or \"ipv6\" (a colotrace option)";
constexpr const char* kMsgOptionsNotObject = "Invalid request: options must be an object";
constexpr const char* kMsgInvalidPacketType =
    "Invalid packet_type: want icmp, tcp, udp, gre or gre+icmp";

bool IsJsonWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool IsAsciiDigit(char c) {
  return c >= '0' && c <= '9';
}

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsAsciiDigit(c);
}

class Errors {
 public:
  void Add(int code, std::string message, std::string pointer) {
    if (errors_.size() >= kMaxReportedErrors) return;
    errors_.push_back(ApiError{code, std::move(message), std::move(pointer), {}, ""});
  }
  bool empty() const { return errors_.empty(); }
  std::vector<ApiError> Take() { return std::move(errors_); }

 private:
  std::vector<ApiError> errors_;
};

// The value of a JSON number that is an integer (15, 15.0, 1.5e1, -0.0), within int64;
// nullopt for everything else (fractions, non-finite, huge, non-numbers).
std::optional<int64_t> IntegerValue(const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64:
      return v.get_int64();
    case json::kind::uint64:
      if (v.get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return std::nullopt;
      }
      return static_cast<int64_t>(v.get_uint64());
    case json::kind::double_: {
      double d = v.get_double();
      // 2^53: beyond it a double is not an exact integer of the text any more; every range
      // here is far smaller anyway.
      constexpr double kMaxExact = 9007199254740992.0;
      if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > kMaxExact) {
        return std::nullopt;
      }
      return static_cast<int64_t>(d);
    }
    default:
      return std::nullopt;
  }
}

// The API's error code of each integer option (its rule is model::IntOptionRules()).
int CodeOf(model::IntOption option) {
  switch (option) {
    case model::IntOption::kMaxTtl:
      return kInvalidMaxTtl;
    case model::IntOption::kPacketsPerTtl:
      return kInvalidPacketsPerTtl;
    case model::IntOption::kPort:
      return kInvalidPort;
    case model::IntOption::kWaitTime:
      return kInvalidWaitTime;
  }
  return kInvalidJson;
}

// `body_index[i]` is where request.targets[i] stands in the body's array (for pointers).
void ParseTargets(const json::value& v, TracerouteRequest& request, std::vector<size_t>& body_index,
                  Errors& errors) {
  request.targets.clear();  // of duplicate members the last one counts
  body_index.clear();
  const json::array* items = v.if_array();
  if (items == nullptr || items->empty()) {
    errors.Add(kNoTargets, kMsgNoTargets, "/targets");
    return;
  }
  if (items->size() > static_cast<size_t>(model::kMaxTargets)) {
    errors.Add(kTooManyTargets, kMsgTooManyTargets, "/targets");
  }
  for (size_t i = 0; i < items->size(); ++i) {
    const json::string* s = (*items)[i].if_string();
    if (s == nullptr || !IsValidTarget(std::string_view(s->data(), s->size()))) {
      errors.Add(kInvalidTarget, kMsgInvalidTarget, "/targets/" + std::to_string(i));
      continue;
    }
    request.targets.emplace_back(s->data(), s->size());
    body_index.push_back(i);
  }
}

void ParseColos(const json::value& v, TracerouteRequest& request, Errors& errors) {
  request.colos.clear();  // of duplicate members the last one counts
  const json::array* items = v.if_array();
  if (items == nullptr) {
    errors.Add(kUnknownColo, kMsgColosNotArray, "/colos");
    return;
  }
  for (size_t i = 0; i < items->size(); ++i) {
    const json::string* s = (*items)[i].if_string();
    if (s == nullptr || !model::IsValidColoName(std::string_view(s->data(), s->size()))) {
      errors.Add(kUnknownColo, kMsgInvalidColo, "/colos/" + std::to_string(i));
      continue;
    }
    request.colos.emplace_back(s->data(), s->size());
  }
}

void ParseOptions(const json::value& v, model::TraceOptions& options, Errors& errors) {
  const json::object* members = v.if_object();
  if (members == nullptr) {
    errors.Add(kInvalidJson, kMsgOptionsNotObject, "/options");
    return;
  }
  for (const auto& member : *members) {
    std::string_view key(member.key().data(), member.key().size());
    if (key == "packet_type") {
      const json::string* s = member.value().if_string();
      std::optional<model::PacketType> type;
      if (s != nullptr) type = model::ParsePacketType(std::string_view(s->data(), s->size()));
      if (!type) {
        errors.Add(kInvalidPacketType, kMsgInvalidPacketType, "/options/packet_type");
      } else {
        options.packet_type = *type;
      }
      continue;
    }
    if (key == "ip_version") {
      const json::string* s = member.value().if_string();
      std::optional<model::IpVersion> version;
      if (s != nullptr) version = model::ParseIpVersion(std::string_view(s->data(), s->size()));
      if (!version) {
        errors.Add(kInvalidIpVersion, kMsgInvalidIpVersion, "/options/ip_version");
      } else {
        options.ip_version = *version;
      }
      continue;
    }
    if (key == "multipath") {
      if (!member.value().is_bool()) {
        errors.Add(kInvalidMultipath, "Invalid multipath: want true or false (a colotrace option)",
                   "/options/multipath");
      } else {
        options.multipath = member.value().as_bool();
      }
      continue;
    }
    if (key == "confidence") {
      std::optional<int64_t> n = IntegerValue(member.value());
      if (!n || !model::IsValidConfidence(*n)) {
        errors.Add(kInvalidConfidence,
                   "Invalid confidence: want " + std::to_string(model::kConfidenceDefault) +
                       " or " + std::to_string(model::kConfidenceHigh) + " (a colotrace option)",
                   "/options/confidence");
      } else {
        options.confidence = static_cast<int>(*n);
      }
      continue;
    }
    for (const model::IntOptionRule& rule : model::IntOptionRules()) {
      if (key != rule.name) continue;
      std::optional<int64_t> n = IntegerValue(member.value());
      if (!n || !rule.Accepts(*n)) {
        errors.Add(CodeOf(rule.option),
                   "Invalid " + std::string(rule.name) + ": want an integer from " +
                       std::to_string(rule.lowest()) + " to " + std::to_string(rule.max),
                   "/options/" + std::string(rule.name));
      } else {
        options.*rule.field = static_cast<int>(*n);
      }
      break;
    }
  }
  // Reported with the options, where the members' own errors are (document order).
  if (options.multipath && (options.packet_type == model::PacketType::kGre ||
                            options.packet_type == model::PacketType::kGreIcmp)) {
    errors.Add(kMultipathPacketType, "Invalid packet_type with multipath: want icmp, tcp or udp",
               "/options/packet_type");
  }
}

}  // namespace

ParseOutcome ParseTracerouteRequest(std::string_view body) {
  bool blank = true;
  for (char c : body) {
    if (!IsJsonWhitespace(c)) {
      blank = false;
      break;
    }
  }
  if (blank) return std::vector<ApiError>{ApiError{kEmptyBody, kMsgEmptyBody, "", {}, ""}};

  json::parse_options opts;
  opts.max_depth = kMaxJsonDepth;
  opts.allow_comments = false;
  opts.allow_trailing_commas = false;
  opts.allow_invalid_utf8 = false;
  json::error_code ec;
  json::value root = json::parse(json::string_view(body.data(), body.size()), ec, {}, opts);
  if (ec || !root.is_object()) {
    return std::vector<ApiError>{ApiError{kInvalidJson, kMsgInvalidJson, "", {}, ""}};
  }

  TracerouteRequest request;
  std::vector<size_t> target_body_index;
  Errors errors;
  bool saw_targets = false;
  for (const auto& member : root.get_object()) {
    std::string_view key(member.key().data(), member.key().size());
    if (key == "targets") {
      saw_targets = true;
      ParseTargets(member.value(), request, target_body_index, errors);
    } else if (key == "colos") {
      ParseColos(member.value(), request, errors);
    } else if (key == "options") {
      ParseOptions(member.value(), request.options, errors);
    }
  }
  if (!saw_targets) errors.Add(kNoTargets, kMsgNoTargets, "/targets");
  if (request.options.ip_version != model::IpVersion::kAuto) {
    bool want_v4 = request.options.ip_version == model::IpVersion::kV4;
    for (size_t i = 0; i < request.targets.size(); ++i) {
      auto literal = net::IpAddress::Parse(request.targets[i]);
      if (literal && literal->is_v4() != want_v4) {
        errors.Add(kTargetFamilyMismatch,
                   want_v4 ? "Target is an IPv6 address but ip_version is \"ipv4\""
                           : "Target is an IPv4 address but ip_version is \"ipv6\"",
                   "/targets/" + std::to_string(target_body_index[i]));
      }
    }
  }
  if (!errors.empty()) return errors.Take();
  // Every value is in its range (checked above); this applies what 0 stands for.
  [[maybe_unused]] auto out_of_range = model::NormalizeTraceOptions(request.options);
  return request;
}

bool IsValidHostName(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  size_t label_start = 0;
  bool label_all_digits = true;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      size_t length = i - label_start;
      if (length == 0 || length > 63) return false;
      if (name[label_start] == '-' || name[i - 1] == '-') return false;
      if (i == name.size() && label_all_digits) return false;  // "1.2.3", "256.0.0.1"
      label_start = i + 1;
      label_all_digits = true;
      continue;
    }
    char c = name[i];
    if (!IsAsciiAlnum(c) && c != '-') return false;
    if (!IsAsciiDigit(c)) label_all_digits = false;
  }
  return true;
}

bool IsValidTarget(std::string_view target) {
  return net::IpAddress::Parse(target).has_value() || IsValidHostName(target);
}

}  // namespace colotrace::api
