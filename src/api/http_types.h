// HTTP requests and responses as plain values, between the I/O shell (http_server.h) and the
// request handler (handler.h).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace colotrace::api {

// A header value, or an element of one, without its optional whitespace (RFC 9110 OWS: spaces
// and tabs) at either end.
inline std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string target;                                        // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string peer;  // the client's address, for logs and per-IP limits

  // The first header of that (lower-case) name.
  std::optional<std::string> Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return std::nullopt;
  }
};

// The body of a streamed response (text/event-stream), written while the request lasts.
//
// Threads: every method may be called from any thread.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Queues `bytes` to be sent after what is queued already. False once the stream is closed
  // (the client went away, a write timed out, the server is stopping, or End() was called);
  // Write("") sends nothing and just tells whether the stream is open.
  virtual bool Write(std::string bytes) = 0;
  // Ends the response once what is queued is written. Idempotent.
  virtual void End() = 0;
  // `on_close` runs exactly once when the stream closes, whatever the reason (also when it is
  // closed already: then at once). It must not block.
  virtual void SetOnClose(std::function<void()> on_close) = 0;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Length
  std::string body;
  // When set, the body is streamed instead: the server sends the status and headers (chunked
  // transfer encoding; the connection closes at the end) and hands the stream to this function
  // once, on an I/O thread.
  std::function<void(std::shared_ptr<ResponseStream>)> stream;
};

using Respond = std::function<void(HttpResponse)>;

}  // namespace colotrace::api
