// The web page's paths (GET/HEAD "/", "/assets/..."): the embedded files of src/web, and
// /assets/options.json, the option rules of model/traceroute.h as the page's form uses them
// (ranges and defaults stay in one place). Every page response carries the page's security
// headers.
#include <cctype>
#include <string>
#include <string_view>

#include "api/api_error.h"
#include "api/handler.h"
#include "api/handler_util.h"
#include "api/page.h"
#include "api/schedule_request.h"
#include "model/traceroute.h"
#include "web/web_assets.h"

namespace colotrace::api::detail {
namespace {

std::string OptionsJson(const ScheduleRules* schedules, bool webhooks) {
  model::JsonWriter w;
  w.BeginObject();
  w.Key("int_options").BeginArray();
  const model::TraceOptions defaults;
  for (const model::IntOptionRule& rule : model::IntOptionRules()) {
    w.BeginObject();
    w.Key("name").String(rule.name);
    w.Key("min").Int(rule.lowest());
    w.Key("max").Int(rule.max);
    w.Key("default").Int(defaults.*rule.field);
    w.EndObject();
  }
  w.EndArray();
  w.Key("packet_types").BeginArray();
  for (auto type : {model::PacketType::kIcmp, model::PacketType::kTcp, model::PacketType::kUdp,
                    model::PacketType::kGre, model::PacketType::kGreIcmp}) {
    w.String(model::PacketTypeName(type));
  }
  w.EndArray();
  w.Key("default_packet_type").String(model::PacketTypeName(defaults.packet_type));
  w.Key("confidences").BeginArray().Int(model::kConfidenceDefault).Int(model::kConfidenceHigh);
  w.EndArray();
  w.Key("max_targets").Int(model::kMaxTargets);
  w.Key("schedules");
  if (schedules == nullptr) {
    w.Null();
  } else {
    w.BeginObject();
    w.Key("min_interval_s").Int(schedules->min_interval_s);
    w.Key("max_interval_s").Int(schedules->max_interval_s);
    w.Key("max_name_length").Int(static_cast<int64_t>(kMaxScheduleNameLength));
    w.Key("webhooks");
    if (!webhooks) {
      w.Null();
    } else {
      w.BeginObject();
      w.Key("max_url_length").Int(static_cast<int64_t>(kMaxWebhookUrlLength));
      w.Key("min_secret_length").Int(static_cast<int64_t>(kMinWebhookSecretLength));
      w.Key("max_secret_length").Int(static_cast<int64_t>(kMaxWebhookSecretLength));
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

void AddPageHeaders(HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy", std::string(web::ContentSecurityPolicy()));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

// The weight of one Accept-Encoding element ("gzip;q=0.5"): false only for q=0 (0, 0.0, ...).
bool WeightIsNonZero(std::string_view params) {
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string_view p = TrimOws(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() < 2 || std::tolower(static_cast<unsigned char>(p[0])) != 'q' || p[1] != '=') {
      continue;
    }
    std::string_view q = p.substr(2);
    if (q.empty() || q[0] != '0') return true;
    return q.find_first_of("123456789") != std::string_view::npos;
  }
  return true;
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  bool gzip_listed = false, gzip_ok = false, any_ok = false;
  while (!accept_encoding.empty()) {
    size_t comma = accept_encoding.find(',');
    std::string_view element = accept_encoding.substr(0, comma);
    accept_encoding =
        comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    size_t semi = element.find(';');
    std::string_view coding = TrimOws(element.substr(0, semi));
    std::string_view params =
        semi == std::string_view::npos ? std::string_view() : element.substr(semi + 1);
    if (EqualsIgnoringCase(coding, "gzip") || EqualsIgnoringCase(coding, "x-gzip")) {
      gzip_listed = true;
      gzip_ok = gzip_ok || WeightIsNonZero(params);
    } else if (coding == "*") {
      any_ok = WeightIsNonZero(params);
    }
  }
  return gzip_listed ? gzip_ok : any_ok;
}

bool IsPagePath(const std::string& path) {
  return path == "/" || path.rfind("/assets/", 0) == 0;
}

HttpResponse PageResponse(const HttpRequest& request, const std::string& path,
                          const ScheduleRules* schedules, bool webhooks) {
  HttpResponse r;
  if (request.method != "GET" && request.method != "HEAD") {
    // Errors are the API's envelope, here too.
    r = ErrorResponse(405, kMethodNotAllowed,
                      "method " + request.method + " not allowed; use GET, HEAD");
    r.headers.emplace_back("Allow", "GET, HEAD");
  } else if (path == "/assets/options.json") {
    r.headers.emplace_back("Content-Type", "application/json");
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.body = OptionsJson(schedules, webhooks);
  } else if (auto asset = web::FindAsset(path)) {
    std::string accept_encoding;
    for (const auto& [name, value] : request.headers) {
      if (name == "accept-encoding") accept_encoding += value + ",";
    }
    bool gzip = !asset->gzip_body.empty() && AcceptsGzip(accept_encoding);
    std::string_view etag = gzip ? asset->gzip_etag : asset->etag;
    r.headers.emplace_back("ETag", std::string(etag));
    // Revalidated on every load: a new build's page is seen at once, an unchanged one costs
    // a 304.
    r.headers.emplace_back("Cache-Control", "no-cache");
    if (!asset->gzip_body.empty()) r.headers.emplace_back("Vary", "Accept-Encoding");
    if (request.Header("if-none-match") == etag) {
      r.status = 304;
    } else {
      r.headers.emplace_back("Content-Type", std::string(asset->content_type));
      if (gzip) r.headers.emplace_back("Content-Encoding", "gzip");
      r.body = std::string(gzip ? asset->gzip_body : asset->body);
    }
  } else {
    r = ErrorResponse(404, kNoRoute, "No route for that URI");
  }
  AddPageHeaders(r);
  return r;
}

}  // namespace colotrace::api::detail
