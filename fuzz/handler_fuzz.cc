// Fuzzes the HTTP request path of `colotrace serve`. Raw bytes go through Boost.Beast's request
// parser with HttpServer's default limits (8 KiB of headers, 64 KiB of body), several pipelined
// requests on one connection, each turned into an api::HttpRequest by the server's own code
// (api/beast_request.h: limits, read errors, conversion) and
// handed to api::ApiHandler: routing, authentication, body validation, colo selection, the
// probe ceiling, rate limits, dispatch and the envelope. Or the input is split into a request
// that goes to the handler directly, with bytes Beast would refuse. The colos are fakes that
// answer at once. Every response must be well formed: a status, header names that are tokens
// and values without CR, LF or NUL, and every error in the JSON envelope (valid UTF-8, success
// false and at least one error with a code and a message).
//
// Input: byte 0 picks the mode. Bit 0 clear: raw HTTP/1.1 bytes from a client (pipelined
// requests are answered in turn while the connection is kept alive). Set: "METHOD\nTARGET\n"
// then header lines "name: value\n", an empty line and the body.

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "api/auth.h"
#include "api/beast_request.h"
#include "api/handler.h"
#include "api/http_types.h"
#include "api/measurements.h"
#include "api/metrics.h"
#include "api/rate_limiter.h"
#include "dispatch/colo_runner.h"
#include "dispatch/dispatcher.h"
#include "fuzz/fuzz_support.h"
#include "net/log.h"

namespace colotrace::fuzz {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

const api::HttpReadLimits kLimits;  // HttpServerOptions' defaults: 8 KiB headers, 64 KiB body
constexpr int kMaxRequestsPerInput = 8;

// A colo that answers at once: a short path to the target, or Code 1 for targets starting
// with "refused".
class FakeColo : public dispatch::ColoRunner {
 public:
  void Trace(const std::string& target, const model::TraceOptions& options, HopCallback,
             Callback done) override {
    model::ColoResult r;
    if (target.rfind("refused", 0) == 0) {
      r.error = model::ColoError::kTargetRefused;
      done(std::move(r));
      return;
    }
    int hops = options.max_ttl < 3 ? options.max_ttl : 3;
    for (int ttl = 1; ttl <= hops; ++ttl) {
      model::Hop hop;
      hop.packets_ttl = ttl;
      hop.packets_sent = options.packets_per_ttl;
      hop.packets_lost = ttl == 2 ? 1 : 0;
      model::Node node;
      node.ip = ttl == hops ? target : "198.51.100." + std::to_string(ttl);
      node.name = node.ip;
      node.asn = "AS64500";
      if (ttl == 1) node.labels.push_back("MPLS L=24001 TC=0 S=1 TTL=1");
      node.rtt = {options.packets_per_ttl, 1.25, 2.5, 3.75, 0.5};
      hop.nodes.push_back(std::move(node));
      r.hops.push_back(std::move(hop));
    }
    r.target_summary.ip = target;
    r.target_summary.latency = {options.packets_per_ttl, 3.0, 3.5, 4.0, 0.25};
    r.traceroute_time_ms = 12;
    done(std::move(r));
  }
};

// Credentials: checked by every request, configured once.
const api::Authenticator& Credentials() {
  static const api::Authenticator* auth = [] {
    auto* a = new api::Authenticator();
    FUZZ_CHECK(a->AddToken(api::Authenticator::HashSecret("tok-a"), {"acc1"}).ok());
    FUZZ_CHECK(
        a->AddKey("user@example.com", api::Authenticator::HashSecret("key-b"), {"acc1", "acc2"})
            .ok());
    return a;
  }();
  return *auth;
}

// What is made anew for each input, so that an input's outcome depends on it alone and
// nothing it allocated outlives it (libFuzzer runs a leak check after every input that
// allocated more than it freed: the deadlines a dispatcher keeps would make that every input).
struct Api {
  // Measurements in memory only (no store): outlives the dispatcher that feeds it.
  api::Measurements measurements{nullptr, nullptr, api::MeasurementsOptions{}};
  dispatch::Dispatcher dispatcher;
  api::RateLimiter limiter{{3, 5'000, 60}, 4, [] { return int64_t{1'000'000}; }};
  api::Metrics metrics;
  api::ApiHandler handler{Credentials(), dispatcher, limiter, metrics, measurements, Options()};

  Api() {
    auto colo = std::make_shared<FakeColo>();
    dispatcher.AddColo({"den01", "Denver, CO, US", true}, colo);
    dispatcher.AddColo({"den02", "Denver, CO, US", true}, colo);
    dispatcher.AddColo({"ams01", "Amsterdam, NL", true}, colo);
    dispatcher.AddColo({"off01", "Nowhere", false}, colo);  // listed, never selected
    dispatcher.AddColo({"gone1", "Gone", true}, nullptr);   // its slots get Code 4
  }
  static api::ApiOptions Options() {
    api::ApiOptions o;
    o.max_probes_per_request = 20'000;
    // Deadlines of 0.5 to 8.5 s: the fakes always answer first.
    o.deadline_margin = std::chrono::milliseconds(-1500);
    return o;
  }
};

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void CheckErrorEntry(const boost::json::value& e) {
  FUZZ_CHECK(e.is_object());
  const auto* code = e.as_object().if_contains("code");
  const auto* message = e.as_object().if_contains("message");
  FUZZ_CHECK(code != nullptr && code->is_int64());
  FUZZ_CHECK(message != nullptr && message->is_string() && !message->as_string().empty());
}

// COLOTRACE_FUZZ_VERBOSE=1 prints every response's status and body (for writing seeds).
bool Verbose() {
  static const bool verbose = std::getenv("COLOTRACE_FUZZ_VERBOSE") != nullptr;
  return verbose;
}

void CheckResponse(const api::HttpResponse& r) {
  if (Verbose()) std::fprintf(stderr, "%d %s\n", r.status, r.body.substr(0, 300).c_str());
  FUZZ_CHECK(r.status >= 200 && r.status <= 599);
  std::optional<std::string> content_type;
  for (const auto& [name, value] : r.headers) {
    FUZZ_CHECK(!name.empty());
    for (char c : name) FUZZ_CHECK(IsTokenChar(c));
    for (char c : value) FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');
    if (beast::iequals(name, "content-type")) content_type = value;
  }
  if (content_type != "application/json") {
    FUZZ_CHECK(r.status < 400);  // every error is an envelope
    return;
  }
  boost::json::parse_options opts;
  opts.max_depth = 64;
  boost::json::error_code ec;
  boost::json::value body = boost::json::parse(r.body, ec, {}, opts);
  FUZZ_CHECK(!ec && body.is_object());
  const auto* success = body.as_object().if_contains("success");
  if (success == nullptr) {
    FUZZ_CHECK(r.status < 400);
    return;
  }
  FUZZ_CHECK(success->is_bool() && success->as_bool() == (r.status < 400));
  const auto* errors = body.as_object().if_contains("errors");
  FUZZ_CHECK(errors != nullptr && errors->is_array());
  if (r.status >= 400) FUZZ_CHECK(!errors->as_array().empty());
  for (const auto& e : errors->as_array()) {
    CheckErrorEntry(e);
    const auto* chain = e.as_object().if_contains("error_chain");
    if (chain == nullptr) continue;
    FUZZ_CHECK(chain->is_array());
    for (const auto& c : chain->as_array()) CheckErrorEntry(c);
  }
}

// Hands `request` to the handler and checks that it answers exactly once, with a well-formed
// response.
void Handle(Api& api, api::HttpRequest request) {
  struct Answer {
    std::mutex mu;
    std::condition_variable cv;
    int calls = 0;
    api::HttpResponse response;
  };
  auto answer = std::make_shared<Answer>();
  api.handler.Handle(std::move(request), [answer](api::HttpResponse r) {
    std::lock_guard lock(answer->mu);
    FUZZ_CHECK(++answer->calls == 1);
    answer->response = std::move(r);
    answer->cv.notify_all();
  });
  std::unique_lock lock(answer->mu);
  FUZZ_CHECK(answer->cv.wait_for(lock, std::chrono::seconds(30), [&] { return answer->calls; }));
  CheckResponse(answer->response);
}

// What HttpServer answers by itself (limits, malformed HTTP).
void ShellError(Api& api, int status, int code, const std::string& message) {
  api.metrics.RequestStarted();
  api.metrics.RequestFinished(status, 0);
  CheckResponse(api::ErrorResponse(status, code, message));
}

// Reads requests from `bytes` as one kept-alive connection would deliver them.
void ServeRaw(Api& api, std::string_view bytes) {
  size_t off = 0;
  for (int n = 0; n < kMaxRequestsPerInput && off < bytes.size(); ++n) {
    api::BeastRequestParser parser;
    api::ApplyLimits(parser, kLimits);
    parser.eager(true);
    beast::error_code ec;
    while (!parser.is_done()) {
      size_t used =
          parser.put(boost::asio::const_buffer(bytes.data() + off, bytes.size() - off), ec);
      off += used;
      if (ec == http::error::need_more || (!ec && used == 0)) {
        if (used > 0 && off < bytes.size()) {
          ec = {};
          continue;
        }
        parser.put_eof(ec);  // the client closed the connection
        if (!ec && !parser.is_done()) ec = http::error::partial_message;
      }
      if (ec) break;
    }
    if (ec) {
      // What HttpServer answers by itself (limits, malformed HTTP), or nothing (closed).
      if (auto error = api::ReadErrorResponse(ec, kLimits)) {
        ShellError(api, error->status, error->code, error->message);
      }
      return;
    }
    auto msg = parser.release();
    bool keep_alive = msg.keep_alive();
    api::HttpRequest request = api::ToHttpRequest(std::move(msg), "192.0.2.7");
    Handle(api, std::move(request));
    if (!keep_alive) return;
  }
}

// "METHOD\nTARGET\nname: value\n...\n\nBODY", no validation at all.
void ServeSplit(Api& api, std::string_view bytes) {
  auto line = [&bytes]() {
    size_t end = bytes.find('\n');
    std::string_view l = bytes.substr(0, end);
    bytes.remove_prefix(end == std::string_view::npos ? bytes.size() : end + 1);
    return l;
  };
  api::HttpRequest request;
  request.method = std::string(line());
  request.target = std::string(line());
  while (!bytes.empty()) {
    std::string_view header = line();
    if (header.empty()) break;
    size_t colon = header.find(':');
    std::string name(header.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : header.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.emplace_back(std::move(name), std::string(value));
  }
  request.body = std::string(bytes);
  request.peer = "192.0.2.7";
  Handle(api, std::move(request));
}

}  // namespace
}  // namespace colotrace::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace colotrace;
  if (size < 1) return 0;
  // Every request's access-log line is formatted (the formatting is fuzzed too) and dropped:
  // a line per execution on stderr would slow fuzzing and flood its output.
  static const bool quiet = [] {
    net::SetLogSinkForTesting([](std::string_view line) { FUZZ_CHECK(!line.empty()); });
    return true;
  }();
  (void)quiet;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  fuzz::Api api;
  if ((data[0] & 1) == 0) {
    fuzz::ServeRaw(api, bytes);
  } else {
    fuzz::ServeSplit(api, bytes);
  }
  // The metrics page renders whatever the requests counted.
  FUZZ_CHECK(!api.metrics.Render().empty());
  return 0;
}
