// WebhookSender against a receiver of the test's own on 127.0.0.1: signatures a receiver can
// check, retries with backoff, the target policy at creation and at delivery.
#include "api/webhooks.h"

#include <gtest/gtest.h>

#include <atomic>

#include "net/crypto.h"
#include "support/http_receiver.h"

namespace colotrace::api {
namespace {

using namespace std::chrono_literals;
using testing_support::HttpReceiver;

WebhookOptions Fast() {
  WebhookOptions o;
  o.first_backoff = 50ms;
  o.timeout = 2000ms;
  o.now_s = [] { return int64_t{1'800'000'000}; };
  return o;
}

WebhookSender::Resolve NoNames() {
  return [](const std::string& host) -> model::Result<std::vector<net::IpAddress>> {
    return model::Result<std::vector<net::IpAddress>>::Error("no DNS here: " + host);
  };
}

// What a receiver does to check a delivery: HMAC-SHA256 of "<t>.<body>" with the secret.
bool SignatureHolds(const std::string& header, const std::string& secret, const std::string& body) {
  size_t comma = header.find(",v1=");
  if (header.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
  std::string t = header.substr(2, comma - 2);
  auto mac = net::HmacSha256(secret, t + "." + body);
  if (!mac) return false;
  std::string hex;
  char buf[3];
  for (uint8_t b : *mac) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    hex += buf;
  }
  return header.substr(comma + 4) == hex;
}

TEST(WebhooksTest, ADeliveryIsSignedAndRetriedAfterAFailure) {
  HttpReceiver receiver({500, 204});
  WebhookSender sender(
      NoNames(), [](const net::IpAddress&) { return true; }, Fast());
  std::string url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hooks/colotrace";
  sender.Send(url, "0123456789abcdef", "CHANGE1", R"({"event":"path_change"})");
  ASSERT_TRUE(receiver.WaitFor(2, 5s));
  auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/hooks/colotrace");
    EXPECT_EQ(r.headers.at("content-type"), "application/json");
    EXPECT_EQ(r.headers.at("colotrace-delivery"), "CHANGE1");
    EXPECT_EQ(r.body, R"({"event":"path_change"})");
    EXPECT_TRUE(SignatureHolds(r.headers.at("colotrace-signature"), "0123456789abcdef", r.body))
        << r.headers.at("colotrace-signature");
    EXPECT_FALSE(SignatureHolds(r.headers.at("colotrace-signature"), "another secret!!", r.body));
  }
  for (int i = 0; i < 100 && sender.counters().delivered == 0; ++i)
    std::this_thread::sleep_for(10ms);
  WebhookCounters c = sender.counters();
  EXPECT_EQ(c.delivered, 1u);
  EXPECT_EQ(c.failed_attempts, 1u);
  EXPECT_EQ(c.given_up, 0u);
}

TEST(WebhooksTest, AReceiverThatNeverAcceptsIsGivenUpAfterEveryAttempt) {
  HttpReceiver receiver({503});
  WebhookOptions o = Fast();
  o.max_attempts = 3;
  WebhookSender sender(
      NoNames(), [](const net::IpAddress&) { return true; }, o);
  sender.Send("http://127.0.0.1:" + std::to_string(receiver.port()) + "/", "0123456789abcdef", "C2",
              "{}");
  ASSERT_TRUE(receiver.WaitFor(3, 5s));
  for (int i = 0; i < 200 && sender.counters().given_up == 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(sender.counters().given_up, 1u);
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(receiver.requests().size(), 3u);  // no fourth attempt
}

TEST(WebhooksTest, ThePolicyIsAskedAtCreationAndAtEveryDelivery) {
  HttpReceiver receiver({204});
  std::atomic<bool> allowed{true};
  WebhookSender sender(
      NoNames(), [&](const net::IpAddress&) { return allowed.load(); }, Fast());
  std::string url = "http://127.0.0.1:" + std::to_string(receiver.port()) + "/";
  auto ok = sender.Check(url);
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(ok->ToString(), "127.0.0.1");
  allowed = false;  // the allow list changed after the webhook was made
  auto refused = sender.Check(url);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("127.0.0.1"), std::string::npos) << refused.error();
  sender.Send(url, "0123456789abcdef", "C3", "{}");
  for (int i = 0; i < 200 && sender.counters().refused == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(sender.counters().refused, 1u);
  EXPECT_TRUE(receiver.requests().empty()) << "nothing may reach a refused address";
  EXPECT_FALSE(sender.Check("http://hooks.example/").ok());  // a name that does not resolve
  EXPECT_FALSE(sender.Check("https://127.0.0.1/").ok());
}

TEST(WebhooksTest, ASilentReceiverCostsOneTimeoutPerAttempt) {
  HttpReceiver receiver({0});  // reads the request, answers nothing, closes
  WebhookOptions o = Fast();
  o.max_attempts = 1;
  WebhookSender sender(
      NoNames(), [](const net::IpAddress&) { return true; }, o);
  sender.Send("http://127.0.0.1:" + std::to_string(receiver.port()) + "/", "0123456789abcdef", "C4",
              "{}");
  for (int i = 0; i < 500 && sender.counters().given_up == 0; ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(sender.counters().given_up, 1u);
  EXPECT_EQ(sender.counters().delivered, 0u);
}

TEST(WebhooksTest, SignatureFormat) {
  auto s = WebhookSignature("key", 1700000000, "{}");
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->rfind("t=1700000000,v1=", 0), 0u);
  EXPECT_EQ(s->size(), std::string("t=1700000000,v1=").size() + 64);
  EXPECT_TRUE(SignatureHolds(*s, "key", "{}"));
}

}  // namespace
}  // namespace colotrace::api
