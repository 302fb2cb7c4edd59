// The HTTP/1.1 I/O shell (Boost.Beast, asynchronous): accepts connections, reads requests
// within limits, hands each to a handler and writes its response. A request that waits
// seconds for traceroutes holds no thread.
//
// Threads: Run() blocks on `threads` I/O threads until Stop() has drained. Stop() may be
// called from any thread (a signal handler should post it, not call it).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/http_types.h"
#include "model/result.h"

namespace colotrace::api {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0: any free port (see port())
  int threads = 2;
  size_t max_header_bytes = 8 * 1024;
  size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds read_timeout{10'000};   // a whole request, once its first byte came
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive connection with no request
  int max_connections = 1024;                       // more are closed at once
  std::chrono::milliseconds drain_timeout{30'000};  // Stop() waits this long for requests
  // Streamed responses open at once; more are answered 503 (code 1031). A write to a stream
  // that does not complete within write_timeout closes it (a client that stopped reading).
  int max_streams = 256;
  std::chrono::milliseconds write_timeout{30'000};
};

class HttpServer {
 public:
  // What the shell itself answers (limits, draining) is built by this function, so that every
  // response is the API's envelope: (status, code, message) -> response.
  using ErrorResponse = std::function<HttpResponse(int status, int code, const std::string&)>;
  using Handler = std::function<void(HttpRequest, Respond)>;

  // Binds and listens; errors (address in use, bad address) are returned, not thrown.
  static model::Result<std::unique_ptr<HttpServer>> Create(const HttpServerOptions& options,
                                                           Handler handler,
                                                           ErrorResponse error_response);
  virtual ~HttpServer() = default;
  virtual uint16_t port() const = 0;
  // Serves until Stop() and the drain are over.
  virtual void Run() = 0;
  // Stops accepting; requests in progress may finish within drain_timeout; new requests on
  // open connections get 503; streamed responses are ended. Then Run() returns.
  virtual void Stop() = 0;
  virtual int in_flight() const = 0;
  virtual int open_streams() const = 0;
};

}  // namespace colotrace::api
