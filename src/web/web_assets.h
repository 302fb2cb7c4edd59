// The web page colotrace serve serves at "/" (sources in web/, bundled at build time by
// esbuild and embedded in the binary; docs/web.md). No I/O: the files are constants.
#pragma once

#include <optional>
#include <string_view>

namespace colotrace::web {

struct Asset {
  std::string_view content_type;  // with charset where it is text
  std::string_view body;          // static storage: valid for the life of the process
  std::string_view etag;          // a strong validator, quoted: "\"<16 hex digits>\""
  // The same file gzipped at build time, and its own validator; both empty when the file has
  // no gzipped form (the small ones).
  std::string_view gzip_body;
  std::string_view gzip_etag;
};

// The file served at `path` (the request's path without the query): "/" is index.html, and
// "/assets/<name>" the bundled files (a built "<name>.gz" is that file's gzip_body, not a path
// of its own). nullopt for any other path.
std::optional<Asset> FindAsset(std::string_view path);

// The Content-Security-Policy of the page: its own scripts, styles and API only; no inline
// script or style, no other host, never framed.
std::string_view ContentSecurityPolicy();

}  // namespace colotrace::web
