// `colotrace agent`: a remote colo that takes jobs over NATS.
#pragma once

#include "command.h"

namespace colotrace::apps {

// Adds the `agent` subcommand to `app`; the returned function runs the agent until SIGINT or
// SIGTERM and returns the exit status (2: bad flags, 1: could not start).
CommandRun AddAgentCommand(CLI::App& app);

}  // namespace colotrace::apps
