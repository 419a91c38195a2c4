// The web counter's requests and responses, without sockets: `App::handle` takes a parsed HTTP
// request and returns the response (Beast's example handle_request(), with keydesk's state).
// server.h puts it behind a listener; tests call it directly.
//
// Who sees what (every refusal is a 403 with a reason, recorded in the accounts' refusals):
//
//   role              cases                                          may act
//   ----------------  ---------------------------------------------  ------------------------
//   authority_clerk   of their own authority                          as the rule file allows
//   vendor_reviewer   at the vendor now (a state with a vendor        as the rule file allows
//                     action), of every authority
//   auditor           of their authority (all when they have none)    never
//   administrator     none: rules and accounts, never cases           never
//
// State-changing requests carry the session's CSRF token in X-CSRF-Token; machine intake
// (POST /api/submissions) carries an API token instead (Authorization: Bearer …).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <boost/beast/http.hpp>

#include "common/result.h"
#include "engine/counter.h"

namespace keydesk::server {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;

struct AppOptions {
  std::string db = "keydesk.db";  // the case database (accounts live in it too)
  std::filesystem::path rules_dir;
  CounterConfig counter;
  // Unix seconds now; injected so tests can move time (sessions, rate limits, deadlines).
  std::function<std::int64_t()> clock;
  // Largest request body accepted (submissions with their scans); larger ones are cut off
  // while reading, never buffered whole.
  std::uint64_t body_limit = 16 * 1024 * 1024;
  // Where submissions taken in over the API are kept (empty: <db's folder>/intake).
  std::filesystem::path intake_dir;
  // The server's log (start-up notes, calendar warnings, deadlines re-projected); empty: stderr.
  std::function<void(const std::string&)> log;
  // Batch checks from the pages enqueued for `keydesk worker` processes on the same database
  // rather than run on a thread of this server.
  bool checks_by_workers = false;
  // Batch checks from the pages running on this server at once, at most (each a thread and a
  // database connection of its own); one more is refused, busy (503), until one finishes.
  unsigned max_batches = 2;
  // Database connections, each with the engine over it: one for each thread that calls
  // App::handle at once (Server: --threads). A request has one to itself; with more threads than
  // connections a request waits for one. A ":memory:" database has one (a second connection would
  // be a database of its own).
  unsigned connections = 1;
  // Queue pages kept while the database does not change (server/queue_pages.h); false: every
  // page built afresh, as after each write (the benchmark's comparison).
  bool keep_queue_pages = true;
  // The addresses of the reverse proxies in front (nginx): a request from one of them is counted
  // (failed logins by address, the log) by the client address it forwards, the last one in
  // X-Forwarded-For that is not itself such a proxy. From any other peer X-Forwarded-For is
  // ignored: a client cannot choose the address it is counted by.
  std::vector<std::string> trusted_proxies;
};

class App {
 public:
  // Opens the database (migrating it) and reads the procedures. An Error when either fails.
  // Then brings deadlines up to date with the calendar files (deadlines.h) and logs what moved,
  // and warns when the calendar lacks next year; neither stops the server.
  static Result<std::unique_ptr<App>> create(AppOptions options);
  ~App();

  // One request from `peer` (its address, for rate limiting and the audit). Safe to call from
  // several threads at once: each call has a connection of its own (AppOptions::connections).
  Response handle(const Request& request, const std::string& peer);

  const AppOptions& options() const;

 private:
  struct Impl;  // one connection and the handlers (app_impl.h)
  struct Pool;  // the connections, and what they share
  explicit App(std::unique_ptr<Pool> pool);
  std::unique_ptr<Pool> pool_;
};

}  // namespace keydesk::server
