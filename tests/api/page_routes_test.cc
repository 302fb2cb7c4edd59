// The web page's paths: files, validators, methods, security headers, and the option rules
// the form reads (they must be the model's, the one place the rules live).
#include "api/page.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <boost/json.hpp>

#include <optional>
#include <string>

#include "api/schedule_request.h"
#include "model/traceroute.h"

namespace colotrace::api {
namespace {

using detail::AcceptsGzip;
using detail::IsPagePath;
using detail::PageResponse;

// A server whose schedules may run every 30 s.
const ScheduleRules kRules{30, 86'400};

HttpResponse Get(const std::string& path, const std::string& method = "GET",
                 std::optional<std::string> if_none_match = std::nullopt,
                 std::optional<std::string> accept_encoding = std::nullopt) {
  HttpRequest r;
  r.method = method;
  r.target = path;
  if (if_none_match) r.headers.emplace_back("if-none-match", *if_none_match);
  if (accept_encoding) r.headers.emplace_back("accept-encoding", *accept_encoding);
  return PageResponse(r, path, &kRules, /*webhooks=*/true);
}

// The gzip member `in` inflated, or nullopt when zlib finds it damaged.
std::optional<std::string> Gunzip(const std::string& in) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return std::nullopt;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
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

TEST(PageRoutesTest, AcceptEncodingIsReadAsRfc9110Says) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip, deflate, br, zstd"));  // what chromium sends
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, GZip;q=0.5"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("gzip;q=0.001"));
  EXPECT_TRUE(AcceptsGzip(" gzip ; q=1 ,"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("deflate, br"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.000"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, *"));  // named and refused: the wildcard does not apply
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzipped"));
}

TEST(PageRoutesTest, TheBigFilesAreSentGzippedToWhoAcceptsIt) {
  for (const char* asset : {"/assets/app.js", "/assets/app.css"}) {
    HttpResponse plain = Get(asset);
    HttpResponse gz = Get(asset, "GET", std::nullopt, "gzip, deflate, br");
    ASSERT_EQ(plain.status, 200) << asset;
    ASSERT_EQ(gz.status, 200) << asset;
    EXPECT_EQ(Header(plain, "Content-Encoding"), std::nullopt) << asset;
    EXPECT_EQ(Header(gz, "Content-Encoding"), "gzip") << asset;
    EXPECT_EQ(Header(plain, "Vary"), "Accept-Encoding") << asset;
    EXPECT_EQ(Header(gz, "Vary"), "Accept-Encoding") << asset;
    EXPECT_EQ(Header(gz, "Content-Type"), Header(plain, "Content-Type")) << asset;
    ExpectSecurityHeaders(gz);
    EXPECT_LT(gz.body.size() * 2, plain.body.size()) << asset;
    EXPECT_EQ(Gunzip(gz.body), plain.body) << asset;
    // Each variant has its own validator, and a cache's copy of one is never taken for the
    // other.
    std::string plain_etag = Header(plain, "ETag").value_or("");
    std::string gz_etag = Header(gz, "ETag").value_or("");
    EXPECT_NE(plain_etag, gz_etag) << asset;
    EXPECT_EQ(Get(asset, "GET", gz_etag, "gzip").status, 304) << asset;
    EXPECT_EQ(Get(asset, "GET", plain_etag, "gzip").status, 200) << asset;
    EXPECT_EQ(Get(asset, "GET", plain_etag).status, 304) << asset;
    EXPECT_EQ(Get(asset, "GET", gz_etag).status, 200) << asset;
  }
  // The small files have no gzipped form, and a .gz file is no path of its own.
  HttpResponse index = Get("/", "GET", std::nullopt, "gzip");
  EXPECT_EQ(Header(index, "Content-Encoding"), std::nullopt);
  EXPECT_EQ(Header(index, "Vary"), std::nullopt);
  EXPECT_EQ(Get("/assets/app.js.gz").status, 404);
  // Several Accept-Encoding fields count together.
  HttpRequest two;
  two.method = "GET";
  two.target = "/assets/app.js";
  two.headers = {{"accept-encoding", "br"}, {"accept-encoding", "gzip"}};
  EXPECT_EQ(Header(PageResponse(two, two.target, &kRules, true), "Content-Encoding"), "gzip");
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
  // The schedule form's rules are this server's (its minimum interval is configured).
  const auto& schedules = o.at("schedules").as_object();
  EXPECT_EQ(schedules.at("min_interval_s").as_int64(), 30);
  EXPECT_EQ(schedules.at("max_interval_s").as_int64(), 86'400);
  EXPECT_EQ(schedules.at("max_name_length").as_int64(),
            static_cast<int64_t>(kMaxScheduleNameLength));
  const auto& webhooks = schedules.at("webhooks").as_object();
  EXPECT_EQ(webhooks.at("max_url_length").as_int64(), static_cast<int64_t>(kMaxWebhookUrlLength));
  EXPECT_EQ(webhooks.at("min_secret_length").as_int64(),
            static_cast<int64_t>(kMinWebhookSecretLength));
  EXPECT_EQ(webhooks.at("max_secret_length").as_int64(),
            static_cast<int64_t>(kMaxWebhookSecretLength));
  // A server without a history has no schedules: the page offers none.
  HttpRequest request;
  request.method = "GET";
  request.target = "/assets/options.json";
  HttpResponse without = PageResponse(request, request.target, nullptr, false);
  EXPECT_TRUE(boost::json::parse(without.body).at("schedules").is_null()) << without.body;
  // A server that sends no webhooks: schedules without them.
  HttpResponse silent = PageResponse(request, request.target, &kRules, false);
  EXPECT_TRUE(boost::json::parse(silent.body).at("schedules").at("webhooks").is_null())
      << silent.body;
}

}  // namespace
}  // namespace colotrace::api
