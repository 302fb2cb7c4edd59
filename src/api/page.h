// Internal to the api module: the web page's paths (page_routes.cc), served by ApiHandler.
#pragma once

#include <string>
#include <string_view>

#include "api/http_types.h"

namespace colotrace::api {
struct ScheduleRules;
}

namespace colotrace::api::detail {

// True for "/" and "/assets/...": the page's paths, answered by PageResponse.
bool IsPagePath(const std::string& path);

// Whether a response may be gzipped for a client that sent these Accept-Encoding values (all of
// them, joined by commas; "" when none was sent): gzip or x-gzip with a weight above zero, or
// "*" with one when gzip is not named (RFC 9110, 12.5.3). Case does not matter.
bool AcceptsGzip(std::string_view accept_encoding);

// The answer to a request for a page path (`path`: the target without its query): the file
// (200, or 304 when If-None-Match names that variant's ETag), gzipped when the file has a
// gzipped form and the client accepts gzip (then with its own ETag; Vary: Accept-Encoding on
// both variants), 404 (7000) for an unknown asset, 405 (7001) for a method other than GET and
// HEAD, both as the API's error envelope; always with the page's security headers (CSP,
// nosniff, no framing). /assets/options.json holds the option rules of model/traceroute.h and
// `schedules`, this server's schedule rules (null there when it keeps no history: nullptr),
// with `webhooks`, the webhook rules of schedule_request.h (null there when `webhooks` is
// false: the server sends none).
HttpResponse PageResponse(const HttpRequest& request, const std::string& path,
                          const ScheduleRules* schedules, bool webhooks);

}  // namespace colotrace::api::detail
