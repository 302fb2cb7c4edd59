// `colotrace agent`: a remote colo that takes jobs over NATS.
#pragma once

#include <string_view>
#include <vector>

namespace colotrace::apps {

// Runs until SIGINT/SIGTERM; returns the exit status (2: bad flags, 1: could not start).
int RunAgent(const std::vector<std::string_view>& args);

}  // namespace colotrace::apps
