// The hops of one colo's result as the API returns it (boost::json): the first node's address
// per TTL, "*" where nothing answered. Header-only; for tests only.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace colotrace::testing_support {

inline std::vector<std::string> Hops(const boost::json::value& colo) {
  std::vector<std::string> out;
  for (const auto& h : colo.at("hops").as_array()) {
    const auto& nodes = h.at("nodes").as_array();
    out.push_back(nodes.empty() ? "*" : std::string(nodes[0].at("ip").as_string()));
  }
  return out;
}

}  // namespace colotrace::testing_support
