#include "schedule/path.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace colotrace::schedule {

namespace {

constexpr const char* kNotReached = " (not reached)";

}  // namespace

std::optional<Path> PathOf(const model::ColoResult& result) {
  if (result.error != model::ColoError::kNone) return std::nullopt;
  Path path;
  for (const auto& hop : result.hops) {
    std::vector<std::string> addresses;
    for (const auto& node : hop.nodes) addresses.push_back(node.ip);
    std::sort(addresses.begin(), addresses.end());
    addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
    std::string text;
    for (const auto& a : addresses) text += (text.empty() ? "" : ",") + a;
    path.hops.push_back(text.empty() ? "*" : text);
    if (!result.target_summary.ip.empty() &&
        std::find(addresses.begin(), addresses.end(), result.target_summary.ip) !=
            addresses.end()) {
      path.reached = true;
      break;
    }
  }
  if (!path.reached) {
    while (!path.hops.empty() && path.hops.back() == "*") path.hops.pop_back();
  }
  return path;
}

std::string PathText(const Path& path) {
  std::string out;
  for (const auto& hop : path.hops) out += (out.empty() ? "" : " ") + hop;
  if (!path.reached) out += kNotReached;
  return out;
}

std::optional<Path> ParsePathText(const std::string& text) {
  Path path;
  std::string rest = text;
  std::string suffix = kNotReached;
  if (rest.size() >= suffix.size() &&
      rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) == 0) {
    rest.resize(rest.size() - suffix.size());
  } else {
    path.reached = true;
  }
  std::istringstream in(rest);
  for (std::string hop; in >> hop;) path.hops.push_back(hop);
  if (path.reached && path.hops.empty()) return std::nullopt;
  return path;
}

std::string PathHash(const Path& path) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : PathText(path)) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::vector<int> ChangedTtls(const Path& before, const Path& after) {
  std::vector<int> out;
  size_t n = std::max(before.hops.size(), after.hops.size());
  for (size_t i = 0; i < n; ++i) {
    bool same = i < before.hops.size() && i < after.hops.size() && before.hops[i] == after.hops[i];
    if (!same) out.push_back(static_cast<int>(i) + 1);
  }
  return out;
}

}  // namespace colotrace::schedule
