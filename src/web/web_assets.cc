#include "web/web_assets.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "web/embedded.h"

namespace colotrace::web {
namespace {

struct Entry {
  std::string path;  // as requested: "/", "/assets/app.js"
  std::string_view content_type;
  std::string_view body;
  std::string etag;
  std::string_view gzip_body;
  std::string gzip_etag;
};

std::string_view TypeOf(std::string_view name) {
  auto ends = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

// FNV-1a, 64 bits: enough to tell one build's file from another's.
std::string EtagOf(std::string_view body) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : body) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char text[21];
  std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(h));
  return text;
}

const std::vector<Entry>& Entries() {
  static const std::vector<Entry> entries = [] {
    constexpr std::string_view kGz = ".gz";
    auto body_of = [](const detail::EmbeddedFile& f) {
      return std::string_view(reinterpret_cast<const char*>(f.data), f.size);
    };
    std::vector<Entry> out;
    for (int i = 0; i < detail::kEmbeddedAssetCount; ++i) {
      const detail::EmbeddedFile& f = detail::kEmbeddedAssets[i];
      std::string_view name = f.name;
      if (name.ends_with(kGz)) continue;
      std::string path = name == "index.html" ? "/" : "/assets/" + std::string(name);
      out.push_back(Entry{std::move(path), TypeOf(name), body_of(f), EtagOf(body_of(f)), {}, {}});
    }
    for (int i = 0; i < detail::kEmbeddedAssetCount; ++i) {
      const detail::EmbeddedFile& f = detail::kEmbeddedAssets[i];
      std::string_view name = f.name;
      if (!name.ends_with(kGz)) continue;
      std::string path = "/assets/" + std::string(name.substr(0, name.size() - kGz.size()));
      for (Entry& e : out) {
        if (e.path == path) {
          e.gzip_body = body_of(f);
          e.gzip_etag = EtagOf(e.gzip_body);
        }
      }
    }
    return out;
  }();
  return entries;
}

}  // namespace

std::optional<Asset> FindAsset(std::string_view path) {
  for (const Entry& e : Entries()) {
    if (e.path == path) return Asset{e.content_type, e.body, e.etag, e.gzip_body, e.gzip_etag};
  }
  return std::nullopt;
}

std::string_view ContentSecurityPolicy() {
  return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
         "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

}  // namespace colotrace::web
