// keydesk db copy: a counter's case database moved into another, empty one (engine/store_copy.h).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace keydesk::cli {

void add_db_commands(CLI::App& app, Context& ctx, int& exit_code);

}  // namespace keydesk::cli
