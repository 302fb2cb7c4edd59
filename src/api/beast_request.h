// The HTTP shell's reading of one request with Boost.Beast: the parser's limits, what a read
// error is answered with, and the conversion into the handler's HttpRequest. Internal to the
// api module's I/O shell: included by http_server.cc and by the fuzzer of the request path
// (fuzz/handler_fuzz.cc), so that both run the same code. Everything else uses http_types.h.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <optional>
#include <string>

#include "api/http_types.h"

namespace colotrace::api {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

struct HttpReadLimits {
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 64 * 1024;
};

// Sets the header and body limits of a fresh parser.
void ApplyLimits(BeastRequestParser& parser, const HttpReadLimits& limits);

// What the shell answers when reading a request failed with `ec`: 413 (1014) for a body over
// the limit, 431 (1015) for headers over it, 400 (1017) for anything malformed; nullopt when
// the connection just ended (closed, reset, timed out) and there is no one to answer.
struct ShellError {
  int status;
  int code;
  std::string message;
};
std::optional<ShellError> ReadErrorResponse(const boost::beast::error_code& ec,
                                            const HttpReadLimits& limits);

// The handler's view of a parsed request: method, target, header names lower-cased, body.
HttpRequest ToHttpRequest(BeastRequest&& message, std::string peer);

}  // namespace colotrace::api
