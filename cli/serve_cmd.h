// keydesk serve: the web counter for clerks, vendor staff and administrators (server/).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace keydesk::cli {

void add_serve_command(CLI::App& app, Context& ctx, int& exit_code);

}  // namespace keydesk::cli
