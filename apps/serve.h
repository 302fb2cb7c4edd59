// `colotrace serve`: the API server with its local colo.
#pragma once

#include <string_view>
#include <vector>

namespace colotrace::apps {

// Runs the server until SIGINT/SIGTERM; returns the process exit status (2: bad flags or
// configuration, 1: could not start).
int RunServe(const std::vector<std::string_view>& args);

}  // namespace colotrace::apps
