// keydesk docs coversheet|manifest|receipt|notice: the counter's documents as PDF, from a JSON
// description (--from, schemas/docs-*.schema.json) or from cases in the database (--case).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace keydesk::cli {

void add_docs_commands(CLI::App& app, Context& ctx, int& exit_code);

}  // namespace keydesk::cli
