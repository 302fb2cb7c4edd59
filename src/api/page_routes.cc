// The web page's paths (GET/HEAD "/", "/assets/..."): the embedded files of src/web, and
// /assets/options.json, the option rules of model/traceroute.h as the page's form uses them
// (ranges and defaults stay in one place). Every page response carries the page's security
// headers.
#include <string>

#include "api/api_error.h"
#include "api/handler.h"
#include "api/handler_util.h"
#include "api/page.h"
#include "model/traceroute.h"
#include "web/web_assets.h"

namespace colotrace::api::detail {
namespace {

std::string OptionsJson() {
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

}  // namespace

bool IsPagePath(const std::string& path) {
  return path == "/" || path.rfind("/assets/", 0) == 0;
}

HttpResponse PageResponse(const HttpRequest& request, const std::string& path) {
  HttpResponse r;
  if (request.method != "GET" && request.method != "HEAD") {
    // Errors are the API's envelope, here too.
    r = ErrorResponse(405, kMethodNotAllowed,
                      "method " + request.method + " not allowed; use GET, HEAD");
    r.headers.emplace_back("Allow", "GET, HEAD");
  } else if (path == "/assets/options.json") {
    static const std::string options = OptionsJson();
    r.headers.emplace_back("Content-Type", "application/json");
    r.headers.emplace_back("Cache-Control", "no-cache");
    r.body = options;
  } else if (auto asset = web::FindAsset(path)) {
    r.headers.emplace_back("ETag", std::string(asset->etag));
    // Revalidated on every load: a new build's page is seen at once, an unchanged one costs
    // a 304.
    r.headers.emplace_back("Cache-Control", "no-cache");
    if (request.Header("if-none-match") == asset->etag) {
      r.status = 304;
    } else {
      r.headers.emplace_back("Content-Type", std::string(asset->content_type));
      r.body = std::string(asset->body);
    }
  } else {
    r = ErrorResponse(404, kNoRoute, "No route for that URI");
  }
  AddPageHeaders(r);
  return r;
}

}  // namespace colotrace::api::detail
