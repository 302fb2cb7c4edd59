#include "api/schedule_request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace colotrace::api {
namespace {

std::vector<ApiError> Errors(const std::variant<ScheduleRequest, std::vector<ApiError>>& v) {
  if (auto* e = std::get_if<std::vector<ApiError>>(&v)) return *e;
  return {};
}

bool Has(const std::vector<ApiError>& errors, int code, const std::string& pointer) {
  for (const auto& e : errors) {
    if (e.code == code && e.pointer == pointer) return true;
  }
  return false;
}

TEST(ScheduleRequestTest, AFullBodyIsRead) {
  auto parsed = ParseScheduleRequest(
      R"({"name":"edge to origin","targets":["203.0.113.1","example.com"],"colos":["den01"],)"
      R"("options":{"packet_type":"udp","max_ttl":20},"interval_s":300,"paused":true,)"
      R"("webhook":{"url":"http://192.0.2.10:8080/hooks?x=1","secret":"0123456789abcdef"}})",
      ScheduleRules{});
  ASSERT_TRUE(std::holds_alternative<ScheduleRequest>(parsed)) << Errors(parsed)[0].message;
  const auto& r = std::get<ScheduleRequest>(parsed);
  EXPECT_EQ(r.name, "edge to origin");
  EXPECT_EQ(r.trace.targets.size(), 2u);
  EXPECT_EQ(r.trace.options.max_ttl, 20);
  EXPECT_EQ(r.trace.options.packets_per_ttl, 3);  // defaults applied
  EXPECT_EQ(r.interval_s, 300);
  EXPECT_TRUE(r.paused);
  ASSERT_TRUE(r.webhook.has_value());
  EXPECT_EQ(r.webhook->url, "http://192.0.2.10:8080/hooks?x=1");
  EXPECT_EQ(r.webhook->secret, "0123456789abcdef");
}

TEST(ScheduleRequestTest, EveryProblemIsReportedAtItsPointer) {
  auto errors = Errors(ParseScheduleRequest(
      R"({"targets":["not a host!"],"options":{"max_ttl":99},"interval_s":59,"paused":"yes",)"
      R"("webhook":{"url":"https://192.0.2.10/","secret":"short"}})",
      ScheduleRules{}));
  EXPECT_TRUE(Has(errors, kInvalidTarget, "/targets/0"));
  EXPECT_TRUE(Has(errors, kInvalidMaxTtl, "/options/max_ttl"));
  EXPECT_TRUE(Has(errors, kInvalidInterval, "/interval_s"));
  EXPECT_TRUE(Has(errors, kInvalidPaused, "/paused"));
  EXPECT_TRUE(Has(errors, kInvalidWebhook, "/webhook/url"));
  EXPECT_TRUE(Has(errors, kInvalidWebhook, "/webhook/secret"));
  EXPECT_TRUE(Has(errors, kInvalidScheduleName, "/name"));  // missing
}

TEST(ScheduleRequestTest, IntervalBoundsComeFromTheRules) {
  const char* body = R"({"name":"n","targets":["203.0.113.1"],"interval_s":%d})";
  auto with = [&](int interval, ScheduleRules rules) {
    char text[128];
    std::snprintf(text, sizeof text, body, interval);
    return ParseScheduleRequest(text, rules);
  };
  EXPECT_TRUE(std::holds_alternative<ScheduleRequest>(with(60, {})));
  EXPECT_TRUE(std::holds_alternative<ScheduleRequest>(with(86'400, {})));
  EXPECT_TRUE(Has(Errors(with(86'401, {})), kInvalidInterval, "/interval_s"));
  EXPECT_TRUE(Has(Errors(with(1, {})), kInvalidInterval, "/interval_s"));
  EXPECT_TRUE(std::holds_alternative<ScheduleRequest>(with(1, ScheduleRules{1, 86'400})));
  EXPECT_TRUE(Has(Errors(ParseScheduleRequest(
                      R"({"name":"n","targets":["203.0.113.1"],"interval_s":60.5})", {})),
                  kInvalidInterval, "/interval_s"));
}

TEST(ScheduleRequestTest, NamesAreShortAndPrintable) {
  std::string long_name(101, 'x');
  for (const std::string& name : {std::string(""), long_name, std::string("a\\nb")}) {
    auto errors = Errors(ParseScheduleRequest(
        R"({"name":")" + name + R"(","targets":["203.0.113.1"],"interval_s":60})", {}));
    EXPECT_TRUE(Has(errors, kInvalidScheduleName, "/name")) << name;
  }
}

TEST(ScheduleRequestTest, AnEmptyOrBrokenBodyIsOneError) {
  auto empty = Errors(ParseScheduleRequest("", {}));
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_EQ(empty[0].code, kEmptyBody);
  auto broken = Errors(ParseScheduleRequest("{", {}));
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken[0].code, kInvalidJson);
}

TEST(ScheduleRequestTest, AChangeTakesOnlyWhatMayChange) {
  auto ok = ParseScheduleChange(R"({"paused":false,"interval_s":120,"webhook":null})", {});
  ASSERT_TRUE(std::holds_alternative<ScheduleChange>(ok));
  const auto& c = std::get<ScheduleChange>(ok);
  EXPECT_EQ(c.paused, false);
  EXPECT_EQ(c.interval_s, 120);
  ASSERT_TRUE(c.webhook.has_value());
  EXPECT_FALSE(c.webhook->has_value());  // removed
  EXPECT_FALSE(c.name.has_value());
  auto refused = ParseScheduleChange(R"({"targets":["203.0.113.9"],"interval_s":1})", {});
  auto* errors = std::get_if<std::vector<ApiError>>(&refused);
  ASSERT_NE(errors, nullptr);
  EXPECT_TRUE(Has(*errors, kInvalidJson, "/targets"));
  EXPECT_TRUE(Has(*errors, kInvalidInterval, "/interval_s"));
  auto nothing = ParseScheduleChange("{}", {});
  ASSERT_TRUE(std::holds_alternative<std::vector<ApiError>>(nothing));
}

TEST(ScheduleRequestTest, WebhookUrls) {
  auto u = ParseWebhookUrl("http://192.0.2.10:8080/a/b?c=d");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->host, "192.0.2.10");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/a/b?c=d");
  auto v6 = ParseWebhookUrl("http://[2001:db8::1]/hook");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "2001:db8::1");
  EXPECT_EQ(v6->port, 80);
  auto name = ParseWebhookUrl("http://hooks.example.com");
  ASSERT_TRUE(name.has_value());
  EXPECT_EQ(name->target, "/");
  for (const char* bad :
       {"https://hooks.example.com/", "ftp://x/", "http://", "http://user@host/", "http://h/#f",
        "http://h:0/", "http://h:65536/", "http://h:/", "http://[192.0.2.1]/",
        "http://2001:db8::1/", "http://bad_host!/", "http://h/a b", "http://300.1.1.1/"}) {
    EXPECT_FALSE(ParseWebhookUrl(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseWebhookUrl("http://h/" + std::string(2048, 'a')).has_value());
}

}  // namespace
}  // namespace colotrace::api
