// keydesk: the back office of an e-key (电子钥匙) counter. Every job is a sub-command.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/batch_cmd.h"
#include "cli/calendar_cmd.h"
#include "cli/case_cmd.h"
#include "cli/context.h"
#include "cli/db_cmd.h"
#include "cli/docs_cmd.h"
#include "cli/outbox_cmd.h"
#include "cli/rules_cmd.h"
#include "cli/serve_cmd.h"
#include "cli/users_cmd.h"
#include "cli/worker_cmd.h"

int main(int argc, char** argv) {
  using namespace keydesk::cli;
  CLI::App app{"keydesk — back office of an e-key (电子钥匙) counter", "keydesk"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "keydesk 0.1.0");

  Context ctx;
  app.add_option("--rules", ctx.rules_dir,
                 "rules directory (default: $KEYDESK_RULES, ./rules, the source tree's rules/)");
  app.add_option("--config", ctx.config, "counter configuration (default: <rules>/counter.yaml)");
  app.add_option("--calendar", ctx.calendar,
                 "calendar id or file, overriding the counter configuration's");
  app.add_flag("--json", ctx.json, "machine-readable output, one JSON value per line");
  // The options above are valid after any verb too: every sub-command, added below, inherits
  // this and passes options it does not know up to here.
  app.fallthrough();

  int exit_code = kOk;
  add_calendar_commands(app, ctx, exit_code);
  add_rules_commands(app, ctx, exit_code);
  add_case_commands(app, ctx, exit_code);
  add_batch_commands(app, ctx, exit_code);
  add_docs_commands(app, ctx, exit_code);
  add_users_commands(app, ctx, exit_code);
  add_outbox_commands(app, ctx, exit_code);
  add_serve_command(app, ctx, exit_code);
  add_worker_command(app, ctx, exit_code);
  add_db_commands(app, ctx, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    std::cerr << "run 'keydesk --help' (or 'keydesk VERB --help') for usage\n";
    return kUsage;
  } catch (const std::exception& e) {
    // The last catch: a bug is reported, never an abort.
    std::cerr << "keydesk: 内部错误，请将此信息报告给管理员 (internal error: " << e.what() << ")\n";
    return kUsage;
  }
  return exit_code;
}
