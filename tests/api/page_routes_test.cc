// The web page's paths: files, validators, methods, security headers, and the option rules
// the form reads (they must be the model's, the one place the rules live).
#include "api/page.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <optional>
#include <string>

#include "model/traceroute.h"

namespace colotrace::api {
namespace {

using detail::IsPagePath;
using detail::PageResponse;

HttpResponse Get(const std::string& path, const std::string& method = "GET",
                 std::optional<std::string> if_none_match = std::nullopt) {
  HttpRequest r;
  r.method = method;
  r.target = path;
  if (if_none_match) r.headers.emplace_back("if-none-match", *if_none_match);
  return PageResponse(r, path);
}

std::optional<std::string> Header(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

void ExpectSecurityHeaders(const HttpResponse& r) {
  std::string csp = Header(r, "Content-Security-Policy").value_or("");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(r, "Referrer-Policy"), "no-referrer");
}

TEST(PageRoutesTest, PathsOfThePage) {
  EXPECT_TRUE(IsPagePath("/"));
  EXPECT_TRUE(IsPagePath("/assets/app.js"));
  EXPECT_FALSE(IsPagePath("/client/v4/accounts"));
  EXPECT_FALSE(IsPagePath("/healthz"));
  EXPECT_FALSE(IsPagePath("/assets"));
}

TEST(PageRoutesTest, TheIndexLoadsOnlyItsOwnFiles) {
  HttpResponse r = Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Header(r, "Content-Type"), "text/html; charset=utf-8");
  ExpectSecurityHeaders(r);
  EXPECT_NE(r.body.find("<script src=\"/assets/app.js\" defer></script>"), std::string::npos);
  // No inline script: every <script> has a src.
  for (size_t at = r.body.find("<script"); at != std::string::npos;
       at = r.body.find("<script", at + 1)) {
    EXPECT_EQ(r.body.compare(at, 12, "<script src="), 0) << r.body.substr(at, 40);
  }
  for (const char* asset : {"/assets/app.js", "/assets/app.css", "/assets/icon.svg"}) {
    HttpResponse a = Get(asset);
    EXPECT_EQ(a.status, 200) << asset;
    EXPECT_GT(a.body.size(), 100u) << asset;
    ExpectSecurityHeaders(a);
  }
  EXPECT_EQ(Header(Get("/assets/app.js"), "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(Get("/assets/app.css"), "Content-Type"), "text/css; charset=utf-8");
}

TEST(PageRoutesTest, AnUnchangedFileIsNotSentAgain) {
  HttpResponse first = Get("/assets/app.js");
  std::string etag = Header(first, "ETag").value_or("");
  ASSERT_EQ(etag.size(), 18u) << etag;
  HttpResponse again = Get("/assets/app.js", "GET", etag);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(Get("/assets/app.js", "GET", "\"0000000000000000\"").status, 200);
  EXPECT_NE(Header(Get("/"), "ETag"), etag);  // each file its own validator
}

TEST(PageRoutesTest, UnknownFilesAndOtherMethods) {
  HttpResponse missing = Get("/assets/../../etc/passwd");
  EXPECT_EQ(missing.status, 404);
  ExpectSecurityHeaders(missing);
  EXPECT_EQ(Get("/assets/").status, 404);
  EXPECT_EQ(Header(missing, "Content-Type"), "application/json");  // the API's envelope
  EXPECT_EQ(boost::json::parse(missing.body).at("errors").at(0).at("code").as_int64(), 7000);
  HttpResponse post = Get("/", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(boost::json::parse(post.body).at("errors").at(0).at("code").as_int64(), 7001);
  EXPECT_EQ(Header(post, "Allow"), "GET, HEAD");
  EXPECT_EQ(Get("/", "HEAD").status, 200);
}

TEST(PageRoutesTest, TheFormsRulesAreTheModels) {
  HttpResponse r = Get("/assets/options.json");
  ASSERT_EQ(r.status, 200);
  boost::json::object o = boost::json::parse(r.body).as_object();
  const auto& ints = o.at("int_options").as_array();
  ASSERT_EQ(ints.size(), 4u);
  const model::TraceOptions defaults;
  for (size_t i = 0; i < ints.size(); ++i) {
    const model::IntOptionRule& rule = model::IntOptionRules()[i];
    EXPECT_EQ(ints[i].at("name").as_string(), rule.name);
    EXPECT_EQ(ints[i].at("min").as_int64(), rule.lowest());
    EXPECT_EQ(ints[i].at("max").as_int64(), rule.max);
    EXPECT_EQ(ints[i].at("default").as_int64(), defaults.*rule.field);
  }
  EXPECT_EQ(ints[0].at("name").as_string(), "max_ttl");
  EXPECT_EQ(ints[0].at("max").as_int64(), 64);
  const auto& types = o.at("packet_types").as_array();
  ASSERT_EQ(types.size(), 5u);
  for (const auto& t : types) {
    EXPECT_TRUE(model::ParsePacketType(std::string(t.as_string())).has_value()) << t;
  }
  EXPECT_EQ(o.at("default_packet_type").as_string(), "icmp");
  EXPECT_EQ(o.at("max_targets").as_int64(), model::kMaxTargets);
  const auto& confidences = o.at("confidences").as_array();
  ASSERT_EQ(confidences.size(), 2u);
  for (const auto& c : confidences) EXPECT_TRUE(model::IsValidConfidence(c.as_int64()));
}

}  // namespace
}  // namespace colotrace::api
