#include "api/beast_request.h"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <cctype>

#include "api/api_error.h"

namespace colotrace::api {

namespace http = boost::beast::http;

void ApplyLimits(BeastRequestParser& parser, const HttpReadLimits& limits) {
  parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
}

std::optional<ShellError> ReadErrorResponse(const boost::beast::error_code& ec,
                                            const HttpReadLimits& limits) {
  if (ec == http::error::body_limit) {
    return ShellError{
        413, kBodyTooLarge,
        "request body larger than " + std::to_string(limits.max_body_bytes) + " bytes"};
  }
  if (ec == http::error::header_limit) {
    return ShellError{
        431, kHeadersTooLarge,
        "request headers larger than " + std::to_string(limits.max_header_bytes) + " bytes"};
  }
  if (ec == http::error::end_of_stream || ec == boost::beast::error::timeout ||
      ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset) {
    return std::nullopt;
  }
  return ShellError{400, kMalformedHttp, "malformed HTTP request"};
}

HttpRequest ToHttpRequest(BeastRequest&& message, std::string peer) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.peer = std::move(peer);
  return request;
}

}  // namespace colotrace::api
