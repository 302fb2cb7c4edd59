// Internal to the api module: what the handler's files share (handler.cc, schedule_routes.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/api_error.h"
#include "api/http_types.h"
#include "api/request_parser.h"
#include "model/json_writer.h"

namespace colotrace::api::detail {

// The query parameters of a target ("a=1&b=x%20y"), percent-decoded ('+' is a space); of
// repeated names the last counts. nullopt for a malformed escape.
std::optional<std::vector<std::pair<std::string, std::string>>> QueryParameters(
    const std::string& target);

// A response of `status` with a JSON body.
HttpResponse Json(int status, std::string body);

// An RFC 3339 time with milliseconds, or null for 0.
void WriteTime(model::JsonWriter& w, int64_t unix_ms);

// A bad query parameter (1021, with source.parameter).
ApiError BadParameter(const std::string& name, const std::string& message);

// Probes a request sends at most: targets x colos x max_ttl x packets_per_ttl (x2 for gre+icmp;
// a multipath trace counts model::kMultipathMaxProbes).
int64_t ProbeCount(const TracerouteRequest& req, size_t colos);

// {"success":true,"errors":[],"messages":[],"result": <what `result` writes>}
template <typename WriteResult>
std::string Success(WriteResult write_result) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("success").Bool(true);
  w.Key("errors").BeginArray().EndArray();
  w.Key("messages").BeginArray().EndArray();
  w.Key("result");
  write_result(w);
  w.EndObject();
  return w.Take();
}

}  // namespace colotrace::api::detail
