#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace keydesk::cli {

// Registers `keydesk rules lint|graph|simulate`.
void add_rules_commands(CLI::App& app, Context& context, int& exit_code);

}  // namespace keydesk::cli
