// Fuzzes the validation of a traceroute request body (api::ParseTracerouteRequest) and the
// validators it uses on strings from the body (api::IsValidTarget, IsValidHostName,
// IsValidColoName, net::IpAddress::Parse), checking the promises of request_parser.h: the
// error list is never empty and never longer than kMaxReportedErrors, blank and non-JSON bodies
// give exactly one error, errors come in the order of the body's members (family mismatches
// last, each pointing at the body's target), and an accepted request holds only valid targets,
// colos and options.
//
// Input: the raw HTTP body.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json.hpp>

#include "api/request_parser.h"
#include "fuzz/fuzz_support.h"
#include "model/limits.h"
#include "net/ip_address.h"

namespace colotrace::fuzz {
namespace {

bool IsHostNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.';
}

void CheckValidators(std::string_view text) {
  if (api::IsValidHostName(text)) {
    FUZZ_CHECK(!text.empty() && text.size() <= 254 && text.front() != '.');
    for (char c : text) FUZZ_CHECK(IsHostNameChar(c));
    FUZZ_CHECK(text.find("..") == std::string_view::npos);
    FUZZ_CHECK(api::IsValidTarget(text));
  }
  if (model::IsValidColoName(text)) {
    FUZZ_CHECK(!text.empty() && text.size() <= model::kMaxColoNameLength);
  }
  if (auto address = net::IpAddress::Parse(text)) {
    FUZZ_CHECK(api::IsValidTarget(text));
    // The canonical text names the same address and is its own canonical form.
    std::string canonical = address->ToString();
    auto again = net::IpAddress::Parse(canonical);
    FUZZ_CHECK(again && *again == *address);
    FUZZ_CHECK(again->ToString() == canonical);
  }
}

bool Blank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The body as request_parser.h describes what it accepts as JSON; nullopt when it is not a
// JSON object.
std::optional<boost::json::object> AsJsonObject(std::string_view body) {
  boost::json::parse_options opts;
  opts.max_depth = api::kMaxJsonDepth;
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(body, ec, {}, opts);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

// Which member an error is about: its place among the members the parser reads, in `order`.
size_t MemberRank(const api::ApiError& e, const std::vector<std::string>& order) {
  for (size_t i = 0; i < order.size(); ++i) {
    std::string prefix = "/" + order[i];
    if (e.pointer == prefix || e.pointer.rfind(prefix + "/", 0) == 0) return i;
  }
  return order.size();  // a missing `targets` comes last
}

// A 1020 error points at an address literal of the family ip_version does not ask for.
void CheckFamilyMismatch(const boost::json::object& body, const api::ApiError& e) {
  const std::string prefix = "/targets/";
  FUZZ_CHECK(e.pointer.rfind(prefix, 0) == 0);
  std::string digits = e.pointer.substr(prefix.size());
  FUZZ_CHECK(!digits.empty() && digits.size() < 4 &&
             digits.find_first_not_of("0123456789") == std::string::npos);
  size_t index = std::stoul(digits);
  const boost::json::value* targets = body.if_contains("targets");
  const boost::json::value* options = body.if_contains("options");
  FUZZ_CHECK(targets != nullptr && targets->is_array() && options != nullptr &&
             options->is_object());
  const boost::json::value* version = options->as_object().if_contains("ip_version");
  FUZZ_CHECK(version != nullptr && version->is_string());
  bool want_v4 = version->as_string() == "ipv4";
  FUZZ_CHECK(want_v4 || version->as_string() == "ipv6");
  FUZZ_CHECK(index < targets->as_array().size());
  const boost::json::value& item = targets->as_array()[index];
  FUZZ_CHECK(item.is_string());
  auto address = net::IpAddress::Parse(std::string_view(item.as_string()));
  FUZZ_CHECK(address && address->is_v4() != want_v4);
}

// "every problem is reported, in the order the members appear in the body (a missing
// `targets` last)"; non-JSON and non-objects get exactly one error, 1001 with pointer "".
void CheckErrorOrder(std::string_view body, const std::vector<api::ApiError>& errors) {
  if (Blank(body)) return;
  auto object = AsJsonObject(body);
  bool not_json =
      errors.size() == 1 && errors[0].code == api::kInvalidJson && errors[0].pointer.empty();
  FUZZ_CHECK(not_json == !object.has_value());
  if (!object) return;
  std::vector<std::string> order;
  for (const auto& member : *object) {
    std::string key(member.key());
    if ((key == "targets" || key == "colos" || key == "options") &&
        std::find(order.begin(), order.end(), key) == order.end()) {
      order.push_back(key);
    }
  }
  // "then, last, an address literal of the other family than ip_version 1020 /targets/<i>":
  // <i> indexes the body's targets array.
  size_t last = 0;
  bool family_errors = false;
  for (const api::ApiError& e : errors) {
    if (e.code == api::kTargetFamilyMismatch) {
      family_errors = true;
      CheckFamilyMismatch(*object, e);
      continue;
    }
    FUZZ_CHECK(!family_errors);
    size_t rank = MemberRank(e, order);
    FUZZ_CHECK(rank >= last);
    last = rank;
  }
}

}  // namespace
}  // namespace colotrace::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace colotrace;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  fuzz::CheckValidators(body);

  api::ParseOutcome outcome = api::ParseTracerouteRequest(body);
  if (const auto* errors = std::get_if<std::vector<api::ApiError>>(&outcome)) {
    FUZZ_CHECK(!errors->empty() && errors->size() <= api::kMaxReportedErrors);
    if (fuzz::Blank(body)) {
      FUZZ_CHECK(errors->size() == 1 && (*errors)[0].code == api::kEmptyBody);
    }
    for (const api::ApiError& e : *errors) {
      FUZZ_CHECK(e.code != api::kEmptyBody || errors->size() == 1);
      FUZZ_CHECK(e.pointer.empty() || e.pointer[0] == '/');
      FUZZ_CHECK(!e.message.empty());
      if (e.code == api::kInvalidJson && e.pointer.empty()) FUZZ_CHECK(errors->size() == 1);
    }
    fuzz::CheckErrorOrder(body, *errors);
    return 0;
  }
  const auto& request = std::get<api::TracerouteRequest>(outcome);
  FUZZ_CHECK(!fuzz::Blank(body));
  FUZZ_CHECK(!request.targets.empty() &&
             request.targets.size() <= static_cast<size_t>(model::kMaxTargets));
  for (const std::string& target : request.targets) {
    FUZZ_CHECK(api::IsValidTarget(target));
    fuzz::CheckValidators(target);
  }
  for (const std::string& colo : request.colos) FUZZ_CHECK(model::IsValidColoName(colo));
  const model::TraceOptions& o = request.options;
  FUZZ_CHECK(o.max_ttl >= model::kMaxTtlMin && o.max_ttl <= model::kMaxTtlMax);
  FUZZ_CHECK(o.packets_per_ttl >= model::kPacketsPerTtlMin &&
             o.packets_per_ttl <= model::kPacketsPerTtlMax);
  FUZZ_CHECK(o.wait_time_s >= model::kWaitTimeMinS && o.wait_time_s <= model::kWaitTimeMaxS);
  FUZZ_CHECK(o.port >= model::kPortMin && o.port <= model::kPortMax);
  return 0;
}
