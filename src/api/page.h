// Internal to the api module: the web page's paths (page_routes.cc), served by ApiHandler.
#pragma once

#include <string>

#include "api/http_types.h"

namespace colotrace::api::detail {

// True for "/" and "/assets/...": the page's paths, answered by PageResponse.
bool IsPagePath(const std::string& path);

// The answer to a request for a page path (`path`: the target without its query): the file
// (200, or 304 when If-None-Match names it), 404 (7000) for an unknown asset, 405 (7001) for a
// method other than GET and HEAD, both as the API's error envelope; always with the page's
// security headers (CSP, nosniff, no framing).
HttpResponse PageResponse(const HttpRequest& request, const std::string& path);

}  // namespace colotrace::api::detail
