// The web counter's state and request handlers (internal to server/): App::Impl, declared here
// and defined by area — app.cpp (routing, sign-in, start-up), cases_api.cpp, intake_api.cpp,
// batches_api.cpp, rules_api.cpp. Each handler parses, calls one engine operation (Engine,
// engine/engine.h) and formats; the rules are the engine's.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "docs_gen/documents.h"
#include "engine/accounts.h"
#include "engine/case_store.h"
#include "engine/engine.h"
#include "engine/rules.h"
#include "engine/web_batches.h"
#include "server/app.h"
#include "server/http_util.h"
#include "server/multipart.h"
#include "server/queue_pages.h"

namespace keydesk::server {

// What the connections of one App share: the options, the batch checks started from the pages
// (kept in the database, any server's), the queue pages kept, and the edition of the rule files (an
// activation through one connection makes the others read the rules again).
struct AppShared {
  AppOptions options;
  std::unique_ptr<WebBatches> batches;  // made with the app (it knows the folders)
  QueuePages queue_pages;
  std::atomic<std::uint64_t> rules_edition{0};
  std::vector<boost::asio::ip::address> trusted_proxies;  // options.trusted_proxies, parsed
  // The rule files as last looked at (rules_fingerprint), at most once a second: an edit
  // activated through another server process on the same folder moves rules_edition too.
  std::mutex rules_watch;
  std::chrono::steady_clock::time_point rules_looked_at;
  std::string rules_seen;
  // Held while a submission's folder under the intake directory is written and its case opened
  // or acted on: a double click on two threads must not write the same folder at once (the
  // loser's clean-up would remove the winner's files).
  std::mutex intake_folders;

  explicit AppShared(AppOptions o)
      : options(std::move(o)),
        queue_pages(options.keep_queue_pages),
        rules_looked_at(std::chrono::steady_clock::now()),
        rules_seen(rules_fingerprint(options.rules_dir)) {}

  // Moves rules_edition when the rule files changed since last looked at (not more than once a
  // second; a request that finds another looking goes on).
  void look_at_rules();
};

// One database connection of the app (its accounts, its case store, the engine over it) with the
// handlers; App::handle gives each request one to itself, so none is used by two threads at once.
struct App::Impl {
  AppShared& shared;
  const AppOptions& options;
  Accounts accounts;
  CaseStore store;
  std::optional<docs::Generator> generator;  // opened at the first PDF (reads the font)
  // store.generation() when this connection last looked at the queue pages (QueuePages::look).
  std::int64_t queue_generation = -1;
  // shared.rules_edition when this connection's engine last read the rules.
  std::uint64_t rules_edition = 0;

  // The operations this front shares with the CLI (engine/engine.h), over `store`.
  Engine engine;

  Impl(AppShared& s, Accounts a, CaseStore st)
      : shared(s),
        options(s.options),
        accounts(std::move(a)),
        store(std::move(st)),
        rules_edition(s.rules_edition),
        engine(store, options.rules_dir, options.counter) {}

  // Reads the rules again when another connection activated an edit since this one read them.
  void follow_rules() {
    shared.look_at_rules();
    if (const std::uint64_t now = shared.rules_edition; now != rules_edition) {
      engine.forget_rules();
      rules_edition = now;
    }
  }
  // After an activation through this connection: every other reads the rules again.
  void rules_changed() { rules_edition = ++shared.rules_edition; }

  std::int64_t now() const { return options.clock(); }
  std::string now_text() const { return counter_time_text(now(), options.counter.hours); }
  Date today() const { return parse_date(now_text().substr(0, 10)).value_or(Date()); }

  // --- who is asking ---------------------------------------------------------------------------

  struct Caller {
    std::optional<Session> session;  // nullopt: nobody logged in
    const Account* account() const { return session ? &session->account : nullptr; }
  };

  Response refuse(const Request& req, const Caller& who, http::status status,
                  const std::string& reason);

  void log(const std::string& line) const;

  // Logs each deadline a re-projection moved, or why it could not run.
  void log_reprojection(const Result<ReprojectReport>& report) const;

  // The calendar coverage warnings of `cal` today, with how many open cases wait on the year
  // (without the count when the database cannot say).
  std::vector<std::string> warnings_of(const WorkingCalendar& cal,
                                       CalendarEditor editor = CalendarEditor::file);

  // Case `id` if `who` may see it (Engine::visible_case). Otherwise nullopt, with *answer the
  // response to send: 404 naming `field`, or a 403 with the reason (audited).
  std::optional<LoadedCase> visible_case(const Request& req, const Caller& who,
                                         const std::string& id, const std::string& field,
                                         Response* answer);

  // The actor of a signed-in person: a clerk acts for their authority, others for none.
  static Actor actor_of(const Account& a) {
    return {a.name, a.role, a.role == "authority_clerk" ? a.authority : ""};
  }

  // --- routing, sign-in (app.cpp) ----------------------------------------------------------------

  Response login(const Request& req, const std::string& peer);

  Response logout(const Request& req, const Caller& who);

  Response api(const Request& req, const Target& t, const std::string& peer);

  Response handle(const Request& req, const std::string& peer);

  // --- cases: the queue, a case, actions, documents, scans (cases_api.cpp) -----------------------

  Response queue(const Request& req, const Caller& who, const Target& t);

  Response show_case(const Request& req, const Caller& who, const std::string& id);

  Response act(const Request& req, const Caller& who, const std::string& id);
  // Auditors read and administrators decide no case: a refusal of `what` (办理案件) for them.
  std::optional<Response> refuse_readers(const Request& req, const Caller& who,
                                         const std::string& what);

  // POST /api/cases/{id}/notices/{n}/resend: a failed notice of the case sent again by the
  // server's mail round (Engine::resend_notice); answers the notice with its new status.
  Response resend_notice(const Request& req, const Caller& who, const std::string& id,
                         const std::string& notice);

  // A document of the cases `ids` (each of which the caller must be able to see) as a PDF.
  Response document(const Request& req, const Caller& who, const std::string& kind,
                    const std::vector<std::string>& ids, const Target& t);

  // GET /api/cases/{id}/scans/{n}: the n-th material file of a case taken in under the intake
  // folder; GET /api/cases/{id}/previews/{n}: the normalised page of the n-th material of its
  // latest document check (the findings' boxes are in its coordinates). Only paths the server
  // itself wrote are ever opened.
  Response case_image(const Request& req, const Caller& who, const std::string& id,
                      const std::string& kind, const std::string& index);

  // --- intake: submissions taken in (intake_api.cpp) ---------------------------------------------

  std::filesystem::path intake_dir() const;

  // POST /api/submissions: a submission (DESIGN.md's folder format) as multipart/form-data, a
  // `submission` part holding submission.json and one part per material file, matched by the
  // file name submission.json gives it. Kept under the intake folder by case number and
  // material type (no client file name reaches the file system), then opened as a case of
  // `authority`, taken in by `by`.
  Response take_submission(const Request& req, const std::string& by, const std::string& authority);
  // The material files of `typed` out of `parts` (`json_part` the submission's own), written
  // into `folder` (made anew) as NN-type.ext with submission.json naming them; `typed` and
  // `submission` then name the stored files. An error response names the part at fault.
  std::optional<Response> write_submission_folder(const Request& req,
                                                  const std::vector<FormPart>& parts,
                                                  const FormPart* json_part, Submission& typed,
                                                  nlohmann::json& submission,
                                                  const std::filesystem::path& folder);
  Response resubmit(const Request& req, const Caller& who, const std::string& id, const Target& t);
  // The resubmission of case `id` by `actor` (a clerk at the counter, or the enterprise through
  // the online filing system's API token), once the caller may act on it.
  Response take_resubmission(const Request& req, const Actor& actor, const std::string& id,
                             const Target& t);

  // --- batches: document checks started from the page (batches_api.cpp) --------------------------

  // POST /api/batches {"cases": [ids]} or {"pending": true}: the document check of those cases'
  // submissions (taken in under the intake folder), run in the background.
  Response start_batch(const Request& req, const Caller& who);

  // GET /api/batches/{id}: a batch's progress and verdicts, from whichever server started it.
  Response batch_status(const Request& req, const Caller& who, const std::string& id);
  // POST /api/batches/ID/resume: an interrupted or failed batch continued under its number
  // (WebBatches::resume), answered as POST /api/batches is.
  Response resume_batch(const Request& req, const Caller& who, const std::string& id);

  // The answer to a batch request the engine refused: a 403 (audited) when `who` may not see
  // it, else the status of the error's kind (404 none, 409 not done).
  Response batch_refused(const Request& req, const Caller& who, const Error& error);

  // POST /api/batches/{id}/pass: every case of a finished batch whose check passed, passed in
  // one step (the action its rule file guards with the check). Each case's outcome is listed;
  // one refused does not stop the others.
  Response pass_clean(const Request& req, const Caller& who, const std::string& id);

  // --- rules and calendars (administrators; rules_api.cpp) ---------------------------------------

  // GET /api/rules: every procedure, the lint of the whole rules folder, calendar coverage.
  Response rules_overview(const Request& req);

  // POST /api/rules/{id}: an edited rule file (YAML text) is linted and, when clean, activated
  // as the procedure's new version; cases in flight stay on the version they were opened with.
  Response activate_rules(const Request& req, const std::string& id);

  // POST /api/rules/calendars/{id}: an edited calendar file (YAML text) is linted and, when clean,
  // activated; then every open case's deadline is computed again on it (a year entered, an
  // arrangement amended), each change an event in the case's history.
  Response activate_calendar(const Request& req, const Caller& who, const std::string& id);

  // An edit that was not activated: 422 with the file's problems at line and column (404 for an
  // unknown id, 500 when it could not be written).
  Response diagnostics_response(const Request& req, const Error& error, const std::string& field);

  Response calendar_api(const Request& req, const Caller& who, const std::vector<std::string>& s);

  Response rules_api(const Request& req, const Caller& who, const std::vector<std::string>& s);
};

}  // namespace keydesk::server
