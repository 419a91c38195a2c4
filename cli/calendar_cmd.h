#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace keydesk::cli {

// Registers `keydesk calendar add|between|accept|show|status|lint`; `exit_code` receives the
// result of whichever runs.
void add_calendar_commands(CLI::App& app, Context& context, int& exit_code);

}  // namespace keydesk::cli
