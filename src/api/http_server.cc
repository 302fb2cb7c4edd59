#include "api/http_server.h"

#include "api/api_error.h"
#include "api/beast_request.h"
#include "net/system.h"

#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace colotrace::api {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class ServerImpl;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerImpl& server);
  ~Session();
  void Start() { ReadHeader(); }

 private:
  void ReadHeader();
  void OnHeader(beast::error_code ec);
  void OnBody(beast::error_code ec);
  void FailRead(beast::error_code ec);
  void Fail(int status, int code, const std::string& message);
  void Write(HttpResponse response, bool keep_alive);
  template <class Body>
  void Send(std::shared_ptr<http::response<Body>> res, bool keep_alive);
  void WriteStream(HttpResponse response);
  void Close();
  friend class StreamImpl;

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  ServerImpl& server_;
  std::string peer_;
  bool first_request_ = true;
  bool in_flight_ = false;  // a dispatched request whose response is not written yet
  bool head_ = false;       // the request being answered is a HEAD: headers only
};

// A streamed response body on one connection: chunks written in order on the session's
// strand; the client going away (a read that ends), a write that times out, End() or the server
// stopping close it, once.
class StreamImpl final : public ResponseStream, public std::enable_shared_from_this<StreamImpl> {
 public:
  explicit StreamImpl(std::shared_ptr<Session> session) : session_(std::move(session)) {}

  // On the strand, once the header is out.
  void Start() {
    session_->stream_.expires_never();
    ReadForClose();
  }

  bool Write(std::string bytes) override {
    if (closed_.load()) return false;
    if (bytes.empty()) return true;  // an empty chunk would end the body: nothing to send
    net::post(session_->stream_.get_executor(),
              [self = shared_from_this(), data = std::move(bytes)]() mutable {
                if (self->closed_.load()) return;
                self->queue_.push_back(std::move(data));
                if (!self->writing_) self->WriteNext();
              });
    return true;
  }

  void End() override {
    net::post(session_->stream_.get_executor(), [self = shared_from_this()] {
      if (self->closed_.load() || self->ending_) return;
      self->ending_ = true;
      if (!self->writing_) self->WriteNext();
    });
  }

  void SetOnClose(std::function<void()> on_close) override {
    std::unique_lock lock(mu_);
    if (closed_.load()) {
      lock.unlock();
      on_close();
      return;
    }
    on_close_ = std::move(on_close);
  }

  // From any thread: closes now (the server stopping).
  void Shutdown() {
    net::post(session_->stream_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
  }

 private:
  void ReadForClose() {
    session_->stream_.async_read_some(
        net::buffer(scratch_), [self = shared_from_this()](beast::error_code ec, size_t) {
          if (ec) return self->CloseNow();  // the client went away (or the stream closed)
          self->ReadForClose();             // a client may send more; nothing to do with it
        });
  }

  void WriteNext();
  void CloseNow();

  std::shared_ptr<Session> session_;
  std::deque<std::string> queue_;  // strand only
  bool writing_ = false;           // strand only
  bool ending_ = false;            // strand only
  std::array<char, 512> scratch_{};
  std::atomic<bool> closed_{false};
  std::mutex mu_;
  std::function<void()> on_close_;  // guarded by mu_
};

class ServerImpl final : public HttpServer {
 public:
  ServerImpl(const HttpServerOptions& options, Handler handler, ErrorResponse error_response)
      : options_(options),
        handler_(std::move(handler)),
        error_response_(std::move(error_response)),
        ioc_(std::max(1, options.threads)),
        control_(net::make_strand(ioc_)),
        acceptor_(control_),
        drain_timer_(control_) {}

  model::Status Listen() {
    beast::error_code ec;
    auto address = net::ip::make_address(options_.address, ec);
    if (ec) return model::Status::Error("invalid listen address '" + options_.address + "'");
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return model::Status::Error("cannot listen on " + options_.address + ":" +
                                  std::to_string(options_.port) + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    Accept();
    return model::Status::Ok();
  }

  uint16_t port() const override { return port_; }

  void Run() override {
    std::vector<std::thread> threads;
    for (int i = 1; i < options_.threads; ++i) {
      threads.emplace_back([this] {
        colotrace::net::NameThisThread("ct-http");
        ioc_.run();
      });
    }
    colotrace::net::NameThisThread("ct-http");
    ioc_.run();
    for (auto& t : threads) t.join();
  }

  void Stop() override {
    // On the acceptor's strand: the close must not run while an accept is being started.
    net::post(control_, [this] {
      if (draining_.exchange(true)) return;
      beast::error_code ec;
      acceptor_.close(ec);
      drain_deadline_ = std::chrono::steady_clock::now() + options_.drain_timeout;
      std::vector<std::shared_ptr<StreamImpl>> open;
      {
        std::lock_guard lock(streams_mu_);
        for (auto& weak : streams_) {
          if (auto stream = weak.lock()) open.push_back(std::move(stream));
        }
      }
      for (auto& stream : open) stream->Shutdown();  // streams end with the server
      CheckDrained();
    });
  }

  int in_flight() const override { return in_flight_.load(); }
  int open_streams() const override { return open_streams_.load(); }

  // A stream may open: under max_streams and not draining.
  bool TryOpenStream() {
    if (draining()) return false;
    if (open_streams_.fetch_add(1) >= options_.max_streams) {
      --open_streams_;
      return false;
    }
    return true;
  }
  void Register(const std::shared_ptr<StreamImpl>& stream) {
    std::lock_guard lock(streams_mu_);
    std::erase_if(streams_, [](const std::weak_ptr<StreamImpl>& w) { return w.expired(); });
    streams_.push_back(stream);
  }
  void StreamClosed() { --open_streams_; }

  const HttpServerOptions& options() const { return options_; }
  HttpReadLimits limits() const { return {options_.max_header_bytes, options_.max_body_bytes}; }
  bool draining() const { return draining_.load(); }
  HttpResponse ErrorFor(int status, int code, const std::string& message) const {
    return error_response_(status, code, message);
  }
  // A request counts as in flight from here until its response is written (RequestDone), so
  // that the drain does not stop the I/O threads under a response being sent.
  void Dispatch(HttpRequest request, Respond respond) {
    ++in_flight_;
    handler_(std::move(request), std::move(respond));
  }
  void RequestDone() { --in_flight_; }
  std::atomic<int> connections{0};

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           [this](beast::error_code ec, tcp::socket socket) {
                             if (ec) {
                               if (!acceptor_.is_open()) return;
                             } else if (connections.load() >= options_.max_connections) {
                               beast::error_code ignored;
                               socket.close(ignored);  // over the limit: refuse at once
                             } else {
                               std::make_shared<Session>(std::move(socket), *this)->Start();
                             }
                             if (acceptor_.is_open()) Accept();
                           });
  }

  void CheckDrained() {
    if (in_flight_.load() == 0 || std::chrono::steady_clock::now() >= drain_deadline_) {
      ioc_.stop();
      return;
    }
    drain_timer_.expires_after(std::chrono::milliseconds(20));
    drain_timer_.async_wait([this](beast::error_code) { CheckDrained(); });
  }

  HttpServerOptions options_;
  Handler handler_;
  ErrorResponse error_response_;
  net::io_context ioc_;
  // Serialises the acceptor, the drain timer and Stop (any I/O thread may run them).
  net::strand<net::io_context::executor_type> control_;
  tcp::acceptor acceptor_;
  net::steady_timer drain_timer_;
  std::chrono::steady_clock::time_point drain_deadline_;
  std::atomic<bool> draining_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<int> open_streams_{0};
  std::mutex streams_mu_;
  std::vector<std::weak_ptr<StreamImpl>> streams_;  // guarded by streams_mu_
  uint16_t port_ = 0;
};

void StreamImpl::WriteNext() {
  if (closed_.load()) return;
  Session& s = *session_;
  if (queue_.empty()) {
    if (!ending_) return;
    writing_ = true;
    s.stream_.expires_after(s.server_.options().write_timeout);
    net::async_write(s.stream_, http::make_chunk_last(),
                     [self = shared_from_this()](beast::error_code, size_t) { self->CloseNow(); });
    return;
  }
  writing_ = true;
  auto data = std::make_shared<std::string>(std::move(queue_.front()));
  queue_.pop_front();
  s.stream_.expires_after(s.server_.options().write_timeout);
  net::async_write(s.stream_, http::make_chunk(net::buffer(*data)),
                   [self = shared_from_this(), data](beast::error_code ec, size_t) {
                     self->writing_ = false;
                     if (ec) return self->CloseNow();
                     if (self->queue_.empty() && !self->ending_) {
                       self->session_->stream_.expires_never();
                       return;
                     }
                     self->WriteNext();
                   });
}

void StreamImpl::CloseNow() {
  if (closed_.exchange(true)) return;
  Session& s = *session_;
  queue_.clear();
  s.Close();
  if (s.in_flight_) {
    s.in_flight_ = false;
    s.server_.RequestDone();
  }
  s.server_.StreamClosed();
  std::function<void()> on_close;
  {
    std::lock_guard lock(mu_);
    on_close = std::move(on_close_);
  }
  if (on_close) on_close();
}

Session::Session(tcp::socket socket, ServerImpl& server)
    : stream_(std::move(socket)), server_(server) {
  ++server_.connections;
  beast::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) peer_ = endpoint.address().to_string();
}

Session::~Session() {
  --server_.connections;
}

void Session::ReadHeader() {
  parser_.emplace();
  head_ = false;
  ApplyLimits(*parser_, server_.limits());
  // A new connection must send its request promptly; a kept-alive one may idle longer.
  stream_.expires_after(first_request_ ? server_.options().read_timeout
                                       : server_.options().idle_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(beast::error_code ec) {
  if (ec) return FailRead(ec);
  first_request_ = false;
  stream_.expires_after(server_.options().read_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code e, size_t) { self->OnBody(e); });
}

void Session::OnBody(beast::error_code ec) {
  if (ec) return FailRead(ec);
  stream_.expires_never();  // the handler may take seconds: no timer while it works
  auto msg = parser_->release();
  bool keep_alive = msg.keep_alive();
  head_ = msg.method() == http::verb::head;
  if (server_.draining()) {
    return Write(server_.ErrorFor(503, kShuttingDown, "server is shutting down"), false);
  }
  HttpRequest request = ToHttpRequest(std::move(msg), peer_);
  auto self = shared_from_this();
  in_flight_ = true;
  server_.Dispatch(std::move(request), [self, keep_alive](HttpResponse response) {
    net::post(self->stream_.get_executor(), [self, keep_alive, r = std::move(response)]() mutable {
      self->Write(std::move(r), keep_alive && !self->server_.draining());
    });
  });
}

void Session::FailRead(beast::error_code ec) {
  auto error = ReadErrorResponse(ec, server_.limits());
  if (!error) return Close();
  Fail(error->status, error->code, error->message);
}

void Session::Fail(int status, int code, const std::string& message) {
  Write(server_.ErrorFor(status, code, message), false);
}

void Session::Write(HttpResponse r, bool keep_alive) {
  if (r.stream) return WriteStream(std::move(r));
  auto res = std::make_shared<http::response<http::string_body>>();
  res->result(static_cast<unsigned>(r.status));
  res->version(11);
  res->set(http::field::server, "colotrace");
  for (const auto& [k, v] : r.headers) res->set(k, v);
  res->keep_alive(keep_alive);
  if (head_) {
    // HEAD: the headers GET would send (Content-Length included), never the body (RFC 9110
    // 9.3.2); a body here would be read as the next response on a kept-alive connection.
    auto head = std::make_shared<http::response<http::empty_body>>(std::move(res->base()));
    head->content_length(r.body.size());
    return Send(std::move(head), keep_alive);
  }
  res->body() = std::move(r.body);
  res->prepare_payload();
  Send(std::move(res), keep_alive);
}

template <class Body>
void Session::Send(std::shared_ptr<http::response<Body>> res, bool keep_alive) {
  stream_.expires_after(server_.options().read_timeout);
  http::async_write(stream_, *res,
                    [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
                      if (self->in_flight_) {
                        self->in_flight_ = false;
                        self->server_.RequestDone();
                      }
                      if (ec || !keep_alive) return self->Close();
                      self->ReadHeader();
                    });
}

void Session::WriteStream(HttpResponse r) {
  if (!server_.TryOpenStream()) {
    return Write(
        server_.ErrorFor(503, kTooManyStreams, "too many event streams open; try again later"),
        false);
  }
  auto res = std::make_shared<http::response<http::empty_body>>();
  res->result(static_cast<unsigned>(r.status));
  res->version(11);
  res->set(http::field::server, "colotrace");
  for (const auto& [k, v] : r.headers) res->set(k, v);
  res->keep_alive(false);
  res->chunked(true);
  auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*res);
  stream_.expires_after(server_.options().write_timeout);
  http::async_write_header(
      stream_, *serializer,
      [self = shared_from_this(), res, serializer, open = std::move(r.stream)](beast::error_code ec,
                                                                               size_t) {
        auto stream = std::make_shared<StreamImpl>(self);
        self->server_.Register(stream);
        if (ec) return stream->Shutdown();  // closes, counts, and calls nobody back yet
        stream->Start();
        open(stream);
      });
}

void Session::Close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.close();
}

}  // namespace

model::Result<std::unique_ptr<HttpServer>> HttpServer::Create(const HttpServerOptions& options,
                                                              Handler handler,
                                                              ErrorResponse error_response) {
  auto server =
      std::make_unique<ServerImpl>(options, std::move(handler), std::move(error_response));
  if (auto s = server->Listen(); !s) {
    return model::Result<std::unique_ptr<HttpServer>>::Error(s.error());
  }
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace colotrace::api
