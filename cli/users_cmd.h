// keydesk users add|passwd|disable|enable|list|token: the accounts of the web counter
// (keydesk serve), managed from the shell.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace keydesk::cli {

void add_users_commands(CLI::App& app, Context& ctx, int& exit_code);

}  // namespace keydesk::cli
