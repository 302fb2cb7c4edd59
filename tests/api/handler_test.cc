#include "api/handler.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>

namespace colotrace::api {
namespace {

// A colo that answers at once with one hop, or never.
class FakeColo : public dispatch::ColoRunner {
 public:
  explicit FakeColo(bool answers) : answers_(answers) {}
  void Trace(const std::string& target, const model::TraceOptions& options, HopCallback,
             Callback done) override {
    last_options = options;
    ++traces;
    if (!answers_) {
      parked_.push_back(std::move(done));
      return;
    }
    model::ColoResult r;
    model::Hop hop;
    hop.packets_ttl = 1;
    hop.packets_sent = 3;
    model::Node node;
    node.ip = node.name = target;
    node.rtt.count = 3;
    hop.nodes.push_back(node);
    r.hops.push_back(hop);
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

class HandlerTest : public ::testing::Test {
 protected:
  HandlerTest()
      : limiter_({3, 1'000'000, 60}, 100, [this] { return now_ms_; }),
        handler_(auth_, dispatcher_, limiter_, metrics_, Options()) {
    EXPECT_TRUE(auth_.AddToken(Authenticator::HashSecret("tok-a"), {"acc1"}).ok());
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
  dispatch::Dispatcher dispatcher_;
  RateLimiter limiter_;
  Metrics metrics_;
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
  EXPECT_NE(m.body.find("colotrace_probes_sent_total 3"), std::string::npos) << m.body;
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
  EXPECT_EQ(Call("GET", "/").status, 404);
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
  EXPECT_EQ(colos[1].at("hops").at(0).at("nodes").at(0).at("ip").as_string(), "2001:db8::1");
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

}  // namespace
}  // namespace colotrace::api
