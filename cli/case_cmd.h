#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace keydesk::cli {

// Registers `keydesk case open|act|show|list|overdue|history|verify-audit|outbox` and
// `keydesk registry import|show|pin`.
void add_case_commands(CLI::App& app, Context& context, int& exit_code);

}  // namespace keydesk::cli
