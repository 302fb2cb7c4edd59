// The page's built files as byte arrays, written at build time by embed_assets.cmake.
// Internal to src/web: use web_assets.h.
#pragma once

#include <cstddef>

namespace colotrace::web::detail {

struct EmbeddedFile {
  const char* name;  // "index.html", "app.js", ...
  const unsigned char* data;
  size_t size;
};
extern const EmbeddedFile kEmbeddedAssets[];
extern const int kEmbeddedAssetCount;

}  // namespace colotrace::web::detail
