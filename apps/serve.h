// `colotrace serve`: the API server with its local colo.
#pragma once

#include "command.h"

namespace colotrace::apps {

// Adds the `serve` subcommand to `app`; the returned function runs the server until SIGINT or
// SIGTERM and returns the exit status (2: bad flags or configuration, 1: could not start).
CommandRun AddServeCommand(CLI::App& app);

}  // namespace colotrace::apps
