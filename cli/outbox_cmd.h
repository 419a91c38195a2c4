#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace keydesk::cli {

// Registers `keydesk outbox [send]` (the notices and their delivery) and
// `keydesk digest send --today DATE` (the morning digest of overdue and due-today cases).
void add_outbox_commands(CLI::App& app, Context& context, int& exit_code);

}  // namespace keydesk::cli
