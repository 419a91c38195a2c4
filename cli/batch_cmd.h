// keydesk batch verify (document checks of whole batches of submissions) and keydesk scan (the
// analysis of one scan, for administrators tuning rules/documents.yaml).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace keydesk::cli {

void add_batch_commands(CLI::App& app, Context& ctx, int& exit_code);

}  // namespace keydesk::cli
