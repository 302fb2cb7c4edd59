// `colotrace trace`: traceroutes from this machine, printed as a table or as the API's JSON.
#pragma once

#include "command.h"

namespace colotrace::apps {

// Adds the `trace` subcommand to `app`; the returned function runs it once parsing succeeded.
CommandRun AddTraceCommand(CLI::App& app);

}  // namespace colotrace::apps
