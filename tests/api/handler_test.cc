#include "api/handler.h"
#include "net/log.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "store/measurement_id.h"
#include "store/measurement_store.h"
#include "store/store_writer.h"
#include "support/scratch_dir.h"

namespace colotrace::api {
namespace {

// A colo that answers at once with one hop, or never.
class FakeColo : public dispatch::ColoRunner {
 public:
  explicit FakeColo(bool answers) : answers_(answers) {}
  void Trace(const std::string& target, const model::TraceOptions& options, HopCallback on_hop,
             Callback done) override {
    last_options = options;
    ++traces;
    if (!answers_) {
      parked_.push_back(std::move(done));
      return;
    }
    // Two hops: a router, then the target; each reported as final before the result.
    model::ColoResult r;
    for (int ttl = 1; ttl <= 2; ++ttl) {
      model::Hop hop;
      hop.packets_ttl = ttl;
      hop.packets_sent = 3;
      model::Node node;
      node.ip = node.name = ttl == 1 ? std::string("198.51.100.1") : target;
      node.rtt.count = 3;
      hop.nodes.push_back(node);
      if (on_hop) on_hop(hop);
      r.hops.push_back(hop);
    }
    r.target_summary.ip = target;
    r.target_summary.latency.count = 3;
    done(r);
  }
  model::TraceOptions last_options;
  int traces = 0;

 private:
  bool answers_;
  std::vector<Callback> parked_;
};

// A stored measurements' history in a scratch SQLite file, for the handler's tests.
struct History {
  testing_support::ScratchDir dir{"colotrace-handler-test"};
  std::unique_ptr<store::MeasurementStore> store = [this] {
    auto s = store::OpenSqliteStore(dir.path() + "/history.db");
    EXPECT_TRUE(s.ok()) << s.error();
    return std::move(*s);
  }();
  store::StoreWriter writer{*store, store::StoreWriterOptions{}};
};

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest()
      : limiter_({3, 1'000'000, 60}, 100, [this] { return now_ms_; }),
        measurements_(&history_.store.operator*(), &history_.writer, MeasurementsOptions{}),
        handler_(auth_, dispatcher_, limiter_, metrics_, measurements_, Options()) {
    EXPECT_TRUE(auth_.AddToken(Authenticator::HashSecret("tok-a"), {"acc1"}).ok());
    EXPECT_TRUE(auth_.AddToken(Authenticator::HashSecret("tok-b"), {"acc2", "acc3"}).ok());
    dispatcher_.AddColo({"den01", "Denver, CO, US", true}, colo_);
    dispatcher_.AddColo({"den02", "Denver, CO, US", true}, colo_);
    dispatcher_.AddColo({"ams01", "Amsterdam, NL", true}, silent_);
  }
  static ApiOptions Options() {
    ApiOptions o;
    o.max_probes_per_request = 2000;
    o.max_concurrent_per_credential = 2;
    o.deadline_margin = std::chrono::milliseconds(-1900);  // 2 s x wait_time 1 - 1.9 s = 100 ms
    return o;
  }

  HttpResponse Call(std::string method, std::string target, std::string body = "",
                    std::string token = "tok-a") {
    HttpRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    std::promise<HttpResponse> p;
    handler_.Handle(r, [&p](HttpResponse resp) { p.set_value(std::move(resp)); });
    return p.get_future().get();
  }
  HttpResponse Post(std::string body, std::string account = "acc1", std::string token = "tok-a") {
    return Call("POST", "/client/v4/accounts/" + account + "/diagnostics/traceroute",
                std::move(body), std::move(token));
  }
  static boost::json::value Body(const HttpResponse& r) { return boost::json::parse(r.body); }
  static int Code(const HttpResponse& r) {
    return static_cast<int>(Body(r).at("errors").at(0).at("code").as_int64());
  }
  static std::optional<std::string> Header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return std::nullopt;
  }

  int64_t now_ms_ = 1'000'000;
  Authenticator auth_;
  RateLimiter limiter_;
  Metrics metrics_;
  History history_;
  Measurements measurements_;  // outlives the dispatcher whose runs feed it
  dispatch::Dispatcher dispatcher_;
  std::shared_ptr<FakeColo> colo_ = std::make_shared<FakeColo>(true);
  std::shared_ptr<FakeColo> silent_ = std::make_shared<FakeColo>(false);
  ApiHandler handler_;
};

TEST_F(HandlerTest, HealthAndMetrics) {
  HttpResponse h = Call("GET", "/healthz");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(Body(h).at("status").as_string(), "ok");
  Post(R"({"targets":["192.0.2.1"],"colos":["den01"]})");
  HttpResponse m = Call("GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(Header(m, "Content-Type").value().rfind("text/plain; version=0.0.4", 0), 0u);
  EXPECT_NE(m.body.find("colotrace_http_requests_total{status=\"200\"} 2"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("colotrace_probes_sent_total 6"), std::string::npos) << m.body;
}

TEST_F(HandlerTest, EveryRequestIsOneAccessLogLineWithoutItsCredential) {
  std::vector<std::string> lines;
  net::SetLogSinkForTesting([&](std::string_view line) { lines.emplace_back(line); });
  net::ConfigureLog(net::LogLevel::kInfo, net::LogFormat::kJson);
  HttpResponse ok = Post(R"({"targets":["192.0.2.1"],"colos":["den01"]})");
  Call("GET", "/client/v4/accounts/acc1/diagnostics/traceroute/colos?token=tok-a", "", "tok-a");
  Call("GET", "/client/v4/accounts/acc2/diagnostics/traceroute/colos", "", "wrong-token");
  net::SetLogSinkForTesting(nullptr);
  net::ConfigureLog(net::LogLevel::kInfo, net::LogFormat::kText);
  ASSERT_EQ(lines.size(), 3u);
  auto first = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(first.at("component").as_string(), "http");
  EXPECT_EQ(first.at("msg").as_string(), "POST /client/v4/accounts/acc1/diagnostics/traceroute");
  EXPECT_EQ(first.at("status").as_int64(), ok.status);
  EXPECT_EQ(first.at("account").as_string(), "acc1");
  EXPECT_EQ(first.at("id").as_string(), Header(ok, "Colotrace-Measurement-Id").value_or("?"));
  EXPECT_GE(first.at("duration_ms").to_number<double>(), 0.0);
  auto second = boost::json::parse(lines[1]).as_object();
  EXPECT_EQ(second.at("msg").as_string(),
            "GET /client/v4/accounts/acc1/diagnostics/traceroute/colos");
  auto third = boost::json::parse(lines[2]).as_object();
  EXPECT_EQ(third.at("status").as_int64(), 403);
  EXPECT_EQ(third.at("account").as_string(), "acc2");
  for (const auto& line : lines) {
    EXPECT_EQ(line.find("tok-a"), std::string::npos) << line;
    EXPECT_EQ(line.find("wrong-token"), std::string::npos) << line;
  }
}

TEST_F(HandlerTest, HealthChecksAndScrapesAreLoggedOnlyAtDebugLevel) {
  std::vector<std::string> lines;
  net::SetLogSinkForTesting([&](std::string_view line) { lines.emplace_back(line); });
  net::ConfigureLog(net::LogLevel::kInfo, net::LogFormat::kText);
  Call("GET", "/healthz");
  Call("GET", "/metrics");
  Call("POST", "/healthz");  // refused: that is worth a line
  size_t at_info = lines.size();
  net::ConfigureLog(net::LogLevel::kDebug, net::LogFormat::kText);
  Call("GET", "/healthz");
  net::SetLogSinkForTesting(nullptr);
  net::ConfigureLog(net::LogLevel::kInfo, net::LogFormat::kText);
  ASSERT_EQ(at_info, 1u);
  EXPECT_NE(lines[0].find("POST /healthz"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("status=405"), std::string::npos) << lines[0];
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("debug http: GET /healthz status=200"), std::string::npos) << lines[1];
}

TEST_F(HandlerTest, UnknownRoutesAndMethods) {
  HttpResponse r = Call("GET", "/client/v4/accounts/acc1/diagnostics/traceroutes");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Code(r), kNoRoute);
  EXPECT_EQ(Header(r, "x-should-retry"), "false");
  r = Call("GET", "/client/v4/accounts/acc1/diagnostics/traceroute");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Code(r), kMethodNotAllowed);
  EXPECT_EQ(Header(r, "Allow"), "POST");
  r = Call("POST", "/healthz");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Call("GET", "/").status, 200);  // the web page (page_routes_test.cc)
  EXPECT_EQ(Call("GET", "/assets/nothing.js").status, 404);
  EXPECT_EQ(Call("GET", "").status, 404);
  EXPECT_EQ(Call("GET", "/client/v4/accounts//diagnostics/traceroute").status, 405);
}

TEST_F(HandlerTest, RunsEveryTargetAtEverySelectedColoInOrder) {
  HttpResponse r = Post(
      R"({"targets":["192.0.2.1","2001:db8::1"],"colos":["den"],"options":{"max_ttl":0,"packets_per_ttl":0,"port":0,"wait_time":1,"packet_type":"udp"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  auto body = Body(r);
  EXPECT_EQ(body.at("success").as_bool(), true);
  EXPECT_TRUE(body.at("errors").as_array().empty());
  const auto& result = body.at("result").as_array();
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0].at("target").as_string(), "192.0.2.1");
  EXPECT_EQ(result[1].at("target").as_string(), "2001:db8::1");
  const auto& colos = result[1].at("colos").as_array();
  ASSERT_EQ(colos.size(), 2u);
  EXPECT_EQ(colos[0].at("colo").at("name").as_string(), "den01");
  EXPECT_EQ(colos[1].at("colo").at("name").as_string(), "den02");
  EXPECT_EQ(colos[1].at("colo").at("city").as_string(), "Denver, CO, US");
  EXPECT_EQ(colos[1].at("hops").at(1).at("nodes").at(0).at("ip").as_string(), "2001:db8::1");
  // Zeros meant the defaults.
  EXPECT_EQ(colo_->last_options.max_ttl, 15);
  EXPECT_EQ(colo_->last_options.packets_per_ttl, 3);
  EXPECT_EQ(colo_->last_options.packet_type, model::PacketType::kUdp);
  EXPECT_EQ(colo_->traces, 4);
}

TEST_F(HandlerTest, AColoThatNeverAnswersGetsCode3) {
  HttpResponse r = Post(R"({"targets":["192.0.2.1"],"colos":["ams01","den01"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = Body(r);
  const auto& colos = body.at("result").at(0).at("colos").as_array();
  EXPECT_EQ(colos[0].at("error").as_string(), "Could not gather traceroute data: Code 3");
  EXPECT_EQ(colos[1].at("error").as_string(), "");
  EXPECT_NE(
      Call("GET", "/metrics").body.find("colotrace_colo_errors_total{colo=\"ams01\",code=\"3\"} 1"),
      std::string::npos);
}

TEST_F(HandlerTest, UnknownColoPointsAtIt) {
  HttpResponse r = Post(R"({"targets":["192.0.2.1"],"colos":["den01","xyz01"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), kUnknownColo);
  EXPECT_EQ(Body(r).at("errors").at(0).at("source").at("pointer").as_string(), "/colos/1");
  EXPECT_EQ(colo_->traces, 0);
}

TEST_F(HandlerTest, AuthenticationComesFirst) {
  HttpResponse r = Post(R"({"targets":["192.0.2.1"]})", "acc2");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Code(r), kAuthenticationError);
  r = Post("not even json", "acc1", "wrong");
  EXPECT_EQ(r.status, 403);
  r = Post(R"({"targets":["192.0.2.1"]})", "acc1", "");
  EXPECT_EQ(r.status, 403);
  r = Post(R"({"targets":["192.0.2.1"]})", "not-valid!");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), kInvalidObjectIdentifier);
  EXPECT_EQ(colo_->traces, 0);
}

TEST_F(HandlerTest, ValidationErrorsAreTheEnvelope) {
  HttpResponse r = Post(R"({"targets":[],"options":{"max_ttl":65}})");
  EXPECT_EQ(r.status, 400);
  auto body = Body(r);
  EXPECT_EQ(body.at("success").as_bool(), false);
  EXPECT_TRUE(body.at("result").is_null());
  EXPECT_EQ(body.at("errors").as_array().size(), 2u);
  EXPECT_EQ(Header(r, "x-should-retry"), "false");
  EXPECT_EQ(Post("").status, 400);
  EXPECT_EQ(Code(Post("")), kEmptyBody);
}

TEST_F(HandlerTest, ProbeCeiling) {
  // 10 targets x 2 colos x 64 TTLs x 10 packets = 12800 > 2000.
  std::string targets;
  for (int i = 1; i <= 10; ++i)
    targets += std::string(i > 1 ? "," : "") + "\"192.0.2." + std::to_string(i) + "\"";
  HttpResponse r = Post(R"({"targets":[)" + targets +
                        R"(],"colos":["den"],"options":{"max_ttl":64,"packets_per_ttl":10}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Code(r), kTooManyProbes);
  EXPECT_EQ(colo_->traces, 0);
}

TEST_F(HandlerTest, RateLimitAnswers429WithRetryAfter) {
  for (int i = 0; i < 3; ++i) {
    HttpResponse ok = Post(R"({"targets":["192.0.2.1"],"colos":["den01"]})");
    ASSERT_EQ(ok.status, 200);
    EXPECT_TRUE(Header(ok, "Ratelimit").has_value());
    EXPECT_TRUE(Header(ok, "Ratelimit-Policy").has_value());
  }
  HttpResponse r = Post(R"({"targets":["192.0.2.1"],"colos":["den01"]})");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(Code(r), kRateLimited);
  ASSERT_TRUE(Header(r, "Retry-After").has_value());
  EXPECT_GE(std::stoi(*Header(r, "Retry-After")), 1);
  EXPECT_EQ(Header(r, "x-should-retry"), "true");
  EXPECT_EQ(colo_->traces, 3);
  now_ms_ += 61'000;  // the next window
  EXPECT_EQ(Post(R"({"targets":["192.0.2.1"],"colos":["den01"]})").status, 200);
}

TEST_F(HandlerTest, ConcurrentRequestsPerCredentialAreBounded) {
  // Two requests to the silent colo stay running until their 100 ms deadline.
  std::vector<std::future<HttpResponse>> running;
  for (int i = 0; i < 2; ++i) {
    auto p = std::make_shared<std::promise<HttpResponse>>();
    running.push_back(p->get_future());
    HttpRequest r;
    r.method = "POST";
    r.target = "/client/v4/accounts/acc1/diagnostics/traceroute";
    r.body = R"({"targets":["192.0.2.1"],"colos":["ams01"]})";
    r.headers.emplace_back("authorization", "Bearer tok-a");
    handler_.Handle(r, [p](HttpResponse resp) { p->set_value(std::move(resp)); });
  }
  HttpResponse third = Post(R"({"targets":["192.0.2.1"],"colos":["den01"]})");
  EXPECT_EQ(third.status, 429);
  EXPECT_EQ(Code(third), kRateLimited);
  EXPECT_EQ(Header(third, "Retry-After"), "1");
  EXPECT_NE(Body(third).at("errors").at(0).at("message").as_string().find("2 traceroute"),
            std::string::npos);
  EXPECT_EQ(colo_->traces, 0);
  for (auto& f : running) EXPECT_EQ(f.get().status, 200);
  // Both ended: the credential may run requests again, and the refusal consumed no budget
  // (3 requests per window: the two above and this one).
  EXPECT_EQ(Post(R"({"targets":["192.0.2.1"],"colos":["den01"]})").status, 200);
}

TEST_F(HandlerTest, ColosAreListedForTheAccountsCredentialsOnly) {
  HttpResponse r = Call("GET", "/client/v4/accounts/acc1/diagnostics/traceroute/colos");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = Body(r);
  const auto& colos = body.at("result").as_array();
  ASSERT_EQ(colos.size(), 3u);
  EXPECT_EQ(colos[0].at("name").as_string(), "den01");
  EXPECT_EQ(colos[0].at("city").as_string(), "Denver, CO, US");
  EXPECT_EQ(colos[0].at("status").as_string(), "available");
  EXPECT_EQ(colos[0].at("remote").as_bool(), false);
  EXPECT_TRUE(colos[0].at("last_seen_unix_ms").is_null());
  EXPECT_EQ(Call("GET", "/client/v4/accounts/acc2/diagnostics/traceroute/colos").status, 403);
  EXPECT_EQ(Call("GET", "/client/v4/accounts/acc1/diagnostics/traceroute/colos", "", "").status,
            403);
  HttpResponse post = Call("POST", "/client/v4/accounts/acc1/diagnostics/traceroute/colos");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(Header(post, "Allow"), "GET");
}

// A stream that keeps what was written, for the events endpoint.
class RecordingStream : public ResponseStream {
 public:
  bool Write(std::string bytes) override {
    std::lock_guard lock(mu_);
    if (ended_) return false;
    text_ += bytes;
    return true;
  }
  void End() override {
    std::function<void()> close;
    {
      std::lock_guard lock(mu_);
      if (ended_) return;
      ended_ = true;
      close = std::move(on_close_);
    }
    cv_.notify_all();
    if (close) close();
  }
  void SetOnClose(std::function<void()> on_close) override {
    std::unique_lock lock(mu_);
    if (ended_) {
      lock.unlock();
      on_close();
      return;
    }
    on_close_ = std::move(on_close);
  }
  // Waits until the stream ended; returns everything written.
  std::string WaitForEnd() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [this] { return ended_; });
    return text_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string text_;
  bool ended_ = false;
  std::function<void()> on_close_;
};

// The event names of a text/event-stream, in order, and their data.
std::vector<std::pair<std::string, boost::json::value>> Events(const std::string& text) {
  std::vector<std::pair<std::string, boost::json::value>> out;
  size_t at = 0;
  while ((at = text.find("event: ", at)) != std::string::npos) {
    size_t end = text.find('\n', at);
    std::string name = text.substr(at + 7, end - at - 7);
    size_t data = text.find("data: ", end);
    size_t data_end = text.find('\n', data);
    out.emplace_back(name, boost::json::parse(text.substr(data + 6, data_end - data - 6)));
    at = data_end;
  }
  return out;
}

class MeasurementsTest : public HandlerTest {
 protected:
  std::string Path(const std::string& rest = "", const std::string& account = "acc1") {
    return "/client/v4/accounts/" + account + "/diagnostics/traceroute/measurements" + rest;
  }
  // Waits until the measurement is stored as finished (the writer works in the background).
  void Settle() { ASSERT_TRUE(history_.writer.Flush(std::chrono::seconds(10))); }
};

TEST_F(MeasurementsTest, TheSynchronousCallIsStoredAndSaysItsId) {
  HttpResponse r = Post(R"({"targets":["192.0.2.1"],"colos":["den01"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto id = Header(r, "Colotrace-Measurement-Id");
  ASSERT_TRUE(id.has_value());
  EXPECT_TRUE(store::IsMeasurementId(*id));
  // The envelope is exactly Cloudflare's: nothing of ours in it.
  EXPECT_EQ(Body(r).as_object().size(), 4u);
  HttpResponse got = Call("GET", Path("/" + *id));
  ASSERT_EQ(got.status, 200) << got.body;
  auto m = Body(got).at("result");
  EXPECT_EQ(m.at("id").as_string(), *id);
  EXPECT_EQ(m.at("status").as_string(), "finished");
  EXPECT_TRUE(m.at("finished_at").is_string());
  EXPECT_EQ(m.at("request").at("targets").at(0).as_string(), "192.0.2.1");
  EXPECT_EQ(m.at("request").at("options").at("max_ttl").as_int64(), 15);
  EXPECT_EQ(m.at("result"), Body(r).at("result"));  // the same result as the call's
  // And from the store, once written (a server restarted would read it there).
  Settle();
  auto stored = history_.store->Get("acc1", *id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(boost::json::parse((*stored)->result_json), Body(r).at("result"));
}

TEST_F(MeasurementsTest, ABackgroundMeasurementAnswers202AtOnce) {
  HttpResponse r = Call("POST", Path(), R"({"targets":["192.0.2.1","192.0.2.2"],"colos":["den"]})");
  ASSERT_EQ(r.status, 202) << r.body;
  auto result = Body(r).at("result");
  std::string id(result.at("id").as_string());
  EXPECT_EQ(result.at("status").as_string(), "running");
  EXPECT_TRUE(result.at("created_at").is_string());
  EXPECT_EQ(Header(r, "Location"), Path("/" + id));
  HttpResponse got = Call("GET", Path("/" + id));
  ASSERT_EQ(got.status, 200);
  auto m = Body(got).at("result");
  EXPECT_EQ(m.at("status").as_string(), "finished");  // the fakes answer at once
  ASSERT_EQ(m.at("result").as_array().size(), 2u);
  EXPECT_EQ(m.at("result").at(1).at("colos").as_array().size(), 2u);  // den01, den02
}

TEST_F(MeasurementsTest, TheEventStreamEqualsTheResult) {
  HttpResponse r = Post(R"({"targets":["192.0.2.1"],"colos":["den01","den02"]})");
  std::string id = *Header(r, "Colotrace-Measurement-Id");
  HttpResponse events = Call("GET", Path("/" + id + "/events"));
  ASSERT_EQ(events.status, 200);
  EXPECT_EQ(Header(events, "Content-Type"), "text/event-stream");
  ASSERT_TRUE(static_cast<bool>(events.stream));
  auto out = std::make_shared<RecordingStream>();
  events.stream(out);
  auto list = Events(out->WaitForEnd());
  // Per colo: hop 1, hop 2, then the colo; done last.
  ASSERT_EQ(list.size(), 7u);
  EXPECT_EQ(list.back().first, "done");
  EXPECT_EQ(list.back().second.at("id").as_string(), id);
  auto result = Body(r).at("result").at(0);
  for (size_t c = 0; c < 2; ++c) {
    std::string colo(result.at("colos").at(c).at("colo").at("name").as_string());
    std::vector<boost::json::value> hops;
    boost::json::value colo_event;
    for (const auto& [name, data] : list) {
      if (name == "hop" && data.at("colo").at("name").as_string() == colo) {
        EXPECT_TRUE(colo_event.is_null()) << "a hop after its colo's result";
        hops.push_back(data.at("hop"));
      }
      if (name == "colo" && data.at("result").at("colo").at("name").as_string() == colo) {
        colo_event = data.at("result");
      }
    }
    EXPECT_EQ(boost::json::value(boost::json::array(hops.begin(), hops.end())),
              result.at("colos").at(c).at("hops"));
    EXPECT_EQ(colo_event, result.at("colos").at(c));
  }
  // A client that connects after the end gets the same events, from the store.
  Settle();
  Measurements fresh(history_.store.get(), &history_.writer, MeasurementsOptions{});
  auto late = std::make_shared<RecordingStream>();
  fresh.Stream("acc1", id, late);
  auto again = Events(late->WaitForEnd());
  ASSERT_EQ(again.size(), list.size());
  EXPECT_EQ(again.back().first, "done");
}

TEST_F(MeasurementsTest, AnotherAccountsIdIsNotFoundLikeAnUnknownOne) {
  HttpResponse r = Post(R"({"targets":["192.0.2.1"],"colos":["den01"]})");
  std::string id = *Header(r, "Colotrace-Measurement-Id");
  HttpResponse other = Call("GET", Path("/" + id, "acc2"), "", "tok-b");
  HttpResponse unknown =
      Call("GET", Path("/" + store::NewMeasurementId(1'700'000'000'000), "acc2"), "", "tok-b");
  ASSERT_EQ(other.status, 404);
  EXPECT_EQ(Code(other), kMeasurementNotFound);
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Code(unknown), kMeasurementNotFound);
  // Deleting or streaming it from there: the same.
  EXPECT_EQ(Call("DELETE", Path("/" + id, "acc2"), "", "tok-b").status, 404);
  EXPECT_EQ(Call("GET", Path("/" + id + "/events", "acc2"), "", "tok-b").status, 404);
  // And the other account's token cannot reach acc1's at all.
  EXPECT_EQ(Call("GET", Path("/" + id), "", "tok-b").status, 403);
  EXPECT_EQ(Call("GET", Path("/../../etc/passwd")).status, 404);  // no such route at all
  for (const char* bad : {"/x", "/0123456789ABCDEFGHJKMNPQRS", "/01234567890123456789012345678",
                          "/%2e%2e%2fetc%2fpasswd"}) {
    HttpResponse b = Call("GET", Path(bad));
    EXPECT_EQ(b.status, 400) << bad;
    if (b.status == 400) {
      EXPECT_EQ(Code(b), kInvalidObjectIdentifier);
    }
  }
}

TEST_F(MeasurementsTest, DeleteForgets) {
  HttpResponse r = Post(R"({"targets":["192.0.2.1"],"colos":["den01"]})");
  std::string id = *Header(r, "Colotrace-Measurement-Id");
  Settle();
  HttpResponse d = Call("DELETE", Path("/" + id));
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_EQ(Body(d).at("result").at("id").as_string(), id);
  EXPECT_EQ(Call("GET", Path("/" + id)).status, 404);
  EXPECT_EQ(Call("DELETE", Path("/" + id)).status, 404);
  Settle();
  EXPECT_FALSE((*history_.store->Get("acc1", id)).has_value());
}

TEST_F(MeasurementsTest, ListNewestFirstWithFiltersAndPages) {
  std::vector<std::string> ids;
  for (const char* body : {R"({"targets":["192.0.2.1"],"colos":["den01"]})",
                           R"({"targets":["192.0.2.2"],"colos":["den02"]})",
                           R"({"targets":["192.0.2.1"],"colos":["den02"]})"}) {
    now_ms_ += 60'000;  // the rate limiter's window
    // Ids sort by creation time to the millisecond; within one millisecond in no set order.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    HttpResponse r = Post(body);
    ASSERT_EQ(r.status, 200) << r.body;
    ids.push_back(*Header(r, "Colotrace-Measurement-Id"));
  }
  Settle();
  HttpResponse all = Call("GET", Path());
  ASSERT_EQ(all.status, 200) << all.body;
  auto body = Body(all);
  ASSERT_EQ(body.at("result").as_array().size(), 3u);
  EXPECT_EQ(body.at("result").at(0).at("id").as_string(), ids[2]);  // newest first
  EXPECT_FALSE(body.at("result").at(0).as_object().contains("result"));
  EXPECT_EQ(body.at("result_info").at("total_count").as_int64(), 3);
  EXPECT_EQ(body.at("result_info").at("per_page").as_int64(), kDefaultPerPage);
  auto ids_of = [&](const std::string& query) {
    HttpResponse r = Call("GET", Path(query));
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    std::vector<std::string> out;
    if (r.status != 200) return out;
    auto page = Body(r);
    for (const auto& m : page.at("result").as_array()) out.emplace_back(m.at("id").as_string());
    return out;
  };
  EXPECT_EQ(ids_of("?target=192.0.2.1"), (std::vector<std::string>{ids[2], ids[0]}));
  EXPECT_EQ(ids_of("?colo=DEN02"), (std::vector<std::string>{ids[2], ids[1]}));
  EXPECT_EQ(ids_of("?target=192.0.2.1&colo=den02"), (std::vector<std::string>{ids[2]}));
  EXPECT_EQ(ids_of("?status=running"), std::vector<std::string>{});
  EXPECT_EQ(ids_of("?per_page=2&page=2"), (std::vector<std::string>{ids[0]}));
  EXPECT_EQ(ids_of("?per_page=2&page=3"), std::vector<std::string>{});
  EXPECT_EQ(ids_of("?since=2100-01-01T00:00:00Z"), std::vector<std::string>{});
  EXPECT_EQ(ids_of("?until=2100-01-01T00:00:00%2B01:00").size(), 3u);  // %2B: '+'
  // Bad filters: every one reported, each naming its parameter.
  HttpResponse bad = Call("GET", Path("?page=0&per_page=101&status=done&since=yesterday&"
                                      "colo=a/b&target=-x-"));
  ASSERT_EQ(bad.status, 400);
  std::set<std::string> named;
  auto bad_body = Body(bad);
  for (const auto& e : bad_body.at("errors").as_array()) {
    EXPECT_EQ(e.at("code").as_int64(), kInvalidQueryParameter);
    named.insert(std::string(e.at("source").at("parameter").as_string()));
  }
  EXPECT_EQ(named,
            (std::set<std::string>{"page", "per_page", "status", "since", "colo", "target"}));
  EXPECT_EQ(Call("GET", Path("?page=%zz")).status, 400);
  EXPECT_EQ(Call("GET", Path("?page=99999999999999999999")).status, 400);
}

TEST_F(MeasurementsTest, MethodsAndTheAccountsList) {
  HttpResponse put = Call("PUT", Path());
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(Header(put, "Allow"), "GET, POST");
  EXPECT_EQ(Call("POST", Path("/" + store::NewMeasurementId(1))).status, 405);
  EXPECT_EQ(Call("DELETE", Path("/" + store::NewMeasurementId(1) + "/events")).status, 405);
  HttpResponse accounts = Call("GET", "/client/v4/accounts", "", "tok-b");
  ASSERT_EQ(accounts.status, 200) << accounts.body;
  auto accounts_body = Body(accounts);
  const auto& list = accounts_body.at("result").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("id").as_string(), "acc2");
  EXPECT_EQ(list[1].at("id").as_string(), "acc3");
  EXPECT_EQ(Call("GET", "/client/v4/accounts", "", "").status, 403);
  EXPECT_EQ(Call("GET", "/client/v4/accounts", "", "nope").status, 403);
}

}  // namespace
}  // namespace colotrace::api

namespace colotrace::api {
namespace {

// The schedule routes through the handler; the runner is not started (runs are the lab's).
class SchedulesRoutesTest : public HandlerTest {
 protected:
  SchedulesRoutesTest() {
    SchedulesOptions o;
    o.max_per_account = 3;
    schedules_ = std::make_unique<Schedules>(
        history_.store->schedules(),
        [](const store::ScheduleRecord&, const TracerouteRequest&, Schedules::RunDone) {
          return false;
        },
        nullptr, o);
    handler_.SetSchedules(schedules_.get());
  }
  std::string Path(const std::string& rest = "", const std::string& account = "acc1") {
    return "/client/v4/accounts/" + account + "/diagnostics/traceroute/schedules" + rest;
  }
  std::unique_ptr<Schedules> schedules_;
};

TEST_F(SchedulesRoutesTest, CreateReadChangeAndDelete) {
  HttpResponse created = Call("POST", Path(),
                              R"({"name":"to origin","targets":["192.0.2.1"],"colos":["den01"],)"
                              R"("options":{"max_ttl":10},"interval_s":300})");
  ASSERT_EQ(created.status, 200) << created.body;
  auto s = Body(created).at("result");
  std::string id(s.at("id").as_string());
  EXPECT_TRUE(store::IsMeasurementId(id));
  EXPECT_EQ(Header(created, "Location"), Path("/" + id));
  EXPECT_EQ(s.at("name").as_string(), "to origin");
  EXPECT_EQ(s.at("targets").at(0).as_string(), "192.0.2.1");
  EXPECT_EQ(s.at("options").at("max_ttl").as_int64(), 10);
  EXPECT_EQ(s.at("options").at("packets_per_ttl").as_int64(), 3);
  EXPECT_EQ(s.at("interval_s").as_int64(), 300);
  EXPECT_EQ(s.at("paused"), false);
  EXPECT_TRUE(s.at("webhook").is_null());
  EXPECT_TRUE(s.at("next_run_at").is_string());
  EXPECT_TRUE(s.at("last_run_at").is_null());

  HttpResponse got = Call("GET", Path("/" + id));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(Body(got).at("result"), s);
  // Another account's id is not found, exactly like an unknown one.
  HttpResponse other = Call("GET", Path("/" + id, "acc2"), "", "tok-b");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(Code(other), kScheduleNotFound);
  HttpResponse unknown = Call("GET", Path("/" + store::NewMeasurementId(1)));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(Code(unknown), kScheduleNotFound);
  EXPECT_EQ(Code(Call("GET", Path("/not-an-id"))), kInvalidObjectIdentifier);

  HttpResponse paused = Call("PATCH", Path("/" + id), R"({"paused":true,"name":"renamed"})");
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(Body(paused).at("result").at("paused"), true);
  EXPECT_EQ(Body(paused).at("result").at("name").as_string(), "renamed");
  EXPECT_TRUE(Body(paused).at("result").at("next_run_at").is_null());
  HttpResponse refused = Call("PATCH", Path("/" + id), R"({"colos":["ams01"]})");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(Code(refused), kInvalidJson);
  HttpResponse resumed = Call("PATCH", Path("/" + id), R"({"paused":false,"interval_s":600})");
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_EQ(Body(resumed).at("result").at("interval_s").as_int64(), 600);
  EXPECT_TRUE(Body(resumed).at("result").at("next_run_at").is_string());

  EXPECT_EQ(Call("GET", Path("/" + id + "/changes")).status, 200);
  EXPECT_EQ(Call("DELETE", Path("/" + id, "acc2"), "", "tok-b").status, 404);
  HttpResponse deleted = Call("DELETE", Path("/" + id));
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(Body(deleted).at("result").at("id").as_string(), id);
  EXPECT_EQ(Call("GET", Path("/" + id)).status, 404);
  EXPECT_EQ(Call("GET", Path("/" + id + "/changes")).status, 404);
}

TEST_F(SchedulesRoutesTest, BadBodiesUnknownColosAndTheAccountsLimit) {
  HttpResponse bad = Call("POST", Path(), R"({"targets":["192.0.2.1"],"interval_s":5})");
  ASSERT_EQ(bad.status, 400);
  auto errors = Body(bad).at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);  // interval and the missing name
  HttpResponse colo = Call(
      "POST", Path(), R"({"name":"n","targets":["192.0.2.1"],"colos":["lax99"],"interval_s":60})");
  EXPECT_EQ(colo.status, 400) << colo.body;
  EXPECT_EQ(Code(colo), kUnknownColo);
  HttpResponse probes =
      Call("POST", Path(),
           R"({"name":"n","targets":["192.0.2.1","192.0.2.2"],"options":{"max_ttl":64,)"
           R"("packets_per_ttl":10},"interval_s":60})");
  EXPECT_EQ(Code(probes), kTooManyProbes);
  HttpResponse hook = Call("POST", Path(),
                           R"({"name":"n","targets":["192.0.2.1"],"interval_s":60,)"
                           R"("webhook":{"url":"http://192.0.2.9/"}})");
  EXPECT_EQ(Code(hook), kInvalidWebhook);  // this handler's Schedules sends no webhooks
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        Call("POST", Path(), R"({"name":"n","targets":["192.0.2.1"],"interval_s":60})").status,
        200);
  }
  HttpResponse fourth =
      Call("POST", Path(), R"({"name":"n","targets":["192.0.2.1"],"interval_s":60})");
  EXPECT_EQ(fourth.status, 400);
  EXPECT_EQ(Code(fourth), kTooManySchedules);
  HttpResponse page = Call("GET", Path("?per_page=2&page=2"));
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(Body(page).at("result").as_array().size(), 1u);
  EXPECT_EQ(Body(page).at("result_info").at("total_count").as_int64(), 3);
  HttpResponse bad_page = Call("GET", Path("?per_page=0"));
  EXPECT_EQ(bad_page.status, 400);
  EXPECT_EQ(Body(bad_page).at("errors").at(0).at("source").at("parameter").as_string(), "per_page");
  EXPECT_EQ(Call("PUT", Path()).status, 405);
}

TEST_F(HandlerTest, WithoutHistoryThereAreNoSchedules) {
  HttpResponse r = Call("GET", "/client/v4/accounts/acc1/diagnostics/traceroute/schedules");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Code(r), kStorageOff);
}

}  // namespace
}  // namespace colotrace::api
