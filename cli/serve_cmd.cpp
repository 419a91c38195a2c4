#include "cli/serve_cmd.h"

#include <iostream>
#include <memory>

#include "server/server.h"

namespace keydesk::cli {

void add_serve_command(CLI::App& app, Context& ctx, int& exit_code) {
  auto options = std::make_shared<server::ServeOptions>();
  auto* serve = app.add_subcommand("serve", "the web counter: pages and JSON API over HTTP");
  serve->add_option("--address", options->address, "address to listen on (default 127.0.0.1)");
  serve->add_option("--port", options->port, "port (default 8080; 0: any free port)");
  serve->add_option("--body-limit", options->app.body_limit,
                    "largest request accepted, in bytes (default 16 MiB)");
  auto mail_seconds = std::make_shared<long>(60);
  serve->add_option("--mail-every", *mail_seconds,
                    "seconds between sending the e-mails due and checking for the morning digest "
                    "(default 60; 0: this server sends no mail)");
  serve
      ->add_option("--threads", options->threads,
                   "threads that handle requests, each with its own database connection "
                   "(default: one per core)")
      ->check(CLI::Range(1, 256));
  serve
      ->add_option("--max-batches", options->app.max_batches,
                   "batch checks from the pages running on this server at once, each on a thread "
                   "and a database connection of its own; one more is refused until one finishes "
                   "(default 2)")
      ->check(CLI::Range(1, 64));
  auto no_queue_cache = std::make_shared<bool>(false);
  serve->add_flag("--no-queue-cache", *no_queue_cache,
                  "build every queue page afresh rather than keep it while the database does not "
                  "change (for comparing; the pages are the same)");
  serve->add_flag("--checks-by-workers", options->app.checks_by_workers,
                  "batch checks started from the pages are enqueued for `keydesk worker` "
                  "processes on this database, not run by this server");
  serve->add_option("--trusted-proxy", options->app.trusted_proxies,
                    "address of a reverse proxy in front (nginx; repeatable): its requests are "
                    "counted by the client address in X-Forwarded-For");
  serve->callback([=, &ctx, &exit_code] {
    options->mail_interval = std::chrono::seconds(*mail_seconds);
    options->app.keep_queue_pages = !*no_queue_cache;
    auto counter = ctx.counter();
    if (!counter) {
      print_error(ctx, counter.error());
      exit_code = kUsage;
      return;
    }
    options->app.db = ctx.db;
    options->app.rules_dir = ctx.rules();
    options->app.counter = *counter;
    auto server = server::Server::start(*options);
    if (!server) {
      print_error(ctx, server.error());
      exit_code = kUsage;
      return;
    }
    std::cout << "keydesk serve: http://" << options->address << ":" << (*server)->port()
              << "/ (database " << database_shown(ctx.db) << "; " << (*server)->threads()
              << " threads; Ctrl-C stops)" << std::endl;
    (*server)->run(true);
    exit_code = kOk;
  });
}

}  // namespace keydesk::cli
