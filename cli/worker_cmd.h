// keydesk worker: drains the check-job queue of the case database (engine/check_worker.h).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace keydesk::cli {

void add_worker_command(CLI::App& app, Context& ctx, int& exit_code);

}  // namespace keydesk::cli
