// The engine facade: the operations the CLI and the web counter both call.
//
// A front parses what it is given into typed values (Submission, ActionRequest), calls one
// operation here, and formats the result; a rule is enforced here once, for both. Engine holds no
// state of its own but the calendars it has read (a calendar edit or a new year: forget them).
//
//   operation            what                                             both fronts
//   -------------------  -----------------------------------------------  --------------------
//   open_case            a case from a typed submission, clock started    case open, intake
//   act                  an action on a case, on its procedure version    case act, POST actions
//   return_remark        the 备注 a failed check gives a return           --remark-from-check,
//                                                                         the case page's box
//   reproject            deadlines after a calendar change (deadlines.h)  calendar reproject,
//                                                                         serve start / edit
//   visible_case         a case and its procedure, if the viewer may see  every case request
//   view_case            a case as a viewer sees it: ID data whole or     case show, GET case
//                        masked, check, the viewer's actions, history
//   queue                one page of the cases a viewer may list: a tab,  case list, GET cases
//                        an order, every tab's count, those whose
//                        deadline waits on a year's calendar counted
//   verify_batch         document checks of submission folders, each      batch verify --db,
//                        verdict recorded on its case                     POST batches
//   pass_clean           the passing action on each case whose check      batch verify
//                        passed; one refused does not stop the others     --pass-clean, POST pass
//   (WebBatches)         batch checks started from the web counter, kept  POST batches, GET
//                        in the database so every server shows them: one  batches/ID, POST
//                        at a time, progress, heartbeat, an interrupted   batches/ID/pass,
//                        one resumed under its number (web_batches.h)     POST batches/ID/resume
//   activate_procedure   an edited rule file, linted, written, and its    rules activate,
//                        version remembered                               POST rules/ID
//   activate_calendar    an edited calendar, linted, written; deadlines   calendar activate,
//                        re-projected                                     POST rules/calendars/ID
//   send_notices         every e-mail of the outbox that is due, over     outbox send, serve
//                        the counter's SMTP server (outbox states:        (in the background)
//                        case_store.h OutboxItem)
//   resend_notice        a failed notice of a case made due again         POST cases/ID/notices/N
//   queue_digests        the day's digests of overdue and due-today       digest send, serve
//                        cases, one per authority and one for the vendor  (working mornings)
//   mail_round           serve's periodic job: the digest on a working    serve
//                        morning, then send_notices
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/batch.h"
#include "engine/case_store.h"
#include "engine/counter.h"
#include "engine/deadlines.h"
#include "engine/intake.h"
#include "engine/rules.h"
#include "engine/submission.h"
#include "engine/workflow.h"

namespace keydesk {

namespace internal {
class JsonWriter;
}

// A case and the procedure version it runs on (null when that version cannot be read).
struct LoadedCase {
  CaseRecord record;
  std::shared_ptr<const Procedure> procedure;
};

// A case as one person sees it (Engine::view_case).
struct CaseView {
  LoadedCase loaded;
  bool full_id = false;              // ID numbers and ID scans shown whole (else masked, not shown)
  nlohmann::json submission;         // the submission, ID numbers masked unless full_id
  std::optional<CheckRecord> check;  // the latest document check
  bool unchecked_resubmission = false;     // resubmitted materials no check has looked at yet
  std::vector<const ActionRule*> actions;  // what the viewer may do now (none when closed)
  std::vector<AuditEvent> history;         // oldest first, ID numbers in remarks masked
  std::vector<OutboxItem> notices;         // its notices with their delivery, oldest first
  bool may_resend = false;  // the viewer may send a failed notice again (clerks, vendor staff)
};

// What a queue page asks (Engine::queue): the filter (procedure, state, uscc, search), one tab,
// an order and a page. parse_queue_request() makes one from a page's query parameters.
struct QueueRequest {
  CaseFilter filter;
  // mine        open cases whose state the viewer's role acts in (我的待办)
  // enterprise  open cases waiting on the enterprise (等待企业)
  // vendor      open cases at the vendor (在服务商), for the authority's staff
  // open        every open case the viewer may list (全部在办)
  // closed      closed cases (已办结), most recently closed first unless sorted otherwise
  // ""          as the filter says (the command line: open cases, or all with include_closed),
  //             or with `first_tab` the viewer's first tab (a page that names none)
  std::string tab;
  bool first_tab = false;
  // The order; none: the tab's own (closed: most recently closed first; else soonest deadline).
  std::optional<CaseOrder> order;
  bool descending = false;
  int page = 1;       // from 1; past the last page: the last page
  int per_page = 50;  // 1..kMaxPerPage from a page; the fronts' own listings up to 1000
};
constexpr int kMaxPerPage = 200;

// One tab of a viewer's queue with how many cases it holds under the request's filter.
struct QueueTab {
  std::string id;     // mine | enterprise | vendor | open | closed
  std::string title;  // 我的待办 …
  long count = 0;
};

// The cases a viewer's queue lists (Engine::queue).
struct Queue {
  Date today;
  std::string tab;                // the tab listed ("" when none was asked)
  std::vector<QueueTab> tabs;     // the viewer's tabs, counted under the same filter
  long total = 0;                 // cases of the tab (or filter) in all pages
  int page = 1, per_page = 50;    // the page listed
  std::vector<LoadedCase> cases;  // the page, in the order asked
  // Of the tab's cases, how many wait on a year's holiday arrangement for their deadline, and
  // those years (every such case is in the tab's pages, its deadline shown as pending).
  long deadline_pending = 0;
  std::vector<int> pending_years;
};

// A queue request from a page's query parameters (tab, sort, order, page, per_page, q,
// procedure, state, uscc; anything else is ignored): each checked, an error naming the
// parameter in Chinese (invalid_input, field set) when one is not what it may be.
Result<QueueRequest> parse_queue_request(const std::map<std::string, std::string>& params);

// A batch checked and recorded (Engine::verify_batch).
struct BatchRun {
  nlohmann::json report;        // report.json's content
  std::vector<CaseLink> links;  // what became of each submission on the cases
};

// What pass_clean did with one case: the action taken and the state now, or why not.
struct PassOutcome {
  std::string case_id;
  std::string action, state, state_title;  // when passed
  std::optional<Error> error;              // when not
};

// An edited rule file once activated (Engine::activate_procedure).
struct ProcedureActivation {
  std::string id;
  std::string version, previous_version;
  bool changed = false;  // false: the text was the version in force
};

// An edited calendar once activated, and the deadlines it moved (Engine::activate_calendar).
struct CalendarEdit {
  CalendarActivation activation;
  Result<ReprojectReport> reprojection = ReprojectReport{};
};

// What became of one outbox message in a delivery round.
struct DeliveryLine {
  OutboxItem item;      // as it was claimed
  std::string outcome;  // sent | retry | failed
  std::string detail;   // English: the server's or curl's words
};

// One delivery round (Engine::send_notices).
struct DeliveryReport {
  bool configured = false;  // a mail server is named (mail.smtp_url or KEYDESK_SMTP_URL)
  long waiting = 0;         // e-mails waiting in the outbox (pending), before the round
  std::vector<DeliveryLine> lines;
  // Why the round stopped before the end (English): the server could not be reached, or the
  // counter's mail settings are at fault (stopped_by_settings), so the rest wait for the next
  // round without an attempt counted against them. "" when it did not.
  std::string stopped;
  bool stopped_by_settings = false;  // the certificate, the login, no STARTTLS: not the network
  long count(const std::string& outcome) const;
};

// One day's digest for one recipient group (Engine::queue_digests).
struct DigestLine {
  std::string whose;  // the authority's name, or "vendor"
  std::vector<std::string> to;
  long overdue = 0, due_today = 0;
  long queued = 0;  // messages added to the outbox (0: already queued for that day)
};

struct DigestRun {
  Date day;
  bool working_day = true;  // false: a rest day by the counter's calendar, nothing queued
  std::vector<DigestLine> digests;
  // Groups with overdue or due-today cases but no address under digest: in counter.yaml.
  std::vector<DigestLine> unaddressed;
};

// serve's periodic job (Engine::mail_round).
struct MailRound {
  std::optional<Result<DigestRun>> digest;  // when the morning's digest was due this round
  Result<DeliveryReport> delivery = DeliveryReport{};
};

class Engine {
 public:
  // `store` must outlive the Engine.
  Engine(CaseStore& store, std::filesystem::path rules_dir, CounterConfig counter);

  CaseStore& store() { return store_; }
  const CounterConfig& counter() const { return counter_; }
  const std::filesystem::path& rules_dir() const { return rules_dir_; }

  // Opens the case of `submission` on the procedure it names. The clock starts at `at` (ISO
  // time), else at its submitted_at, else now.
  Result<CaseRecord> open_case(const Submission& submission, const Actor& actor,
                               const std::string& at = "");

  // Takes `request` (action, actor, remark, inputs, expected version, resubmission, override) on
  // case `case_id` at `at` (ISO time; empty: now), on the procedure version the case runs on and
  // the calendar that procedure counts its deadlines on.
  Result<CaseRecord> act(const std::string& case_id, ActionRequest request,
                         const std::string& at = "");

  // The 备注 a return sends when the case's current document check failed: the failures'
  // remarks, numbered. An Error (refused) when there is no current check or it found no failure.
  Result<std::string> return_remark(const std::string& case_id);

  // Every open deadline on the calendar files as they are now (deadlines.h), as `actor`; the
  // calendars read before are forgotten first.
  Result<ReprojectReport> reproject(const Actor& actor, bool dry_run = false);

  // Case `id` and its procedure if `viewer` may see it; otherwise an Error: not_found, or
  // forbidden with the reason (access.h).
  Result<LoadedCase> visible_case(const std::string& id, const Actor& viewer);

  // Case `id` as `viewer` sees it: the access rules of access.h applied (not_found, forbidden),
  // ID data whole or masked, the latest check, the viewer's actions, the history.
  Result<CaseView> view_case(const std::string& id, const Actor& viewer);

  // The case as both fronts list it (case_json()), with where it stands against its deadline on
  // `day`: overdue, due_today, days_left.
  nlohmann::json case_summary(const LoadedCase& c, Date day);
  // The same, written as one object by `out` (a queue page writes hundreds of them).
  void write_case_summary(internal::JsonWriter& out, const LoadedCase& c, Date day);
  // The procedure's conditions (requirements) on the case as it stands on `day`, so a clerk sees
  // which one decided: [{id, title, applies, holds, remark}] in file order; `applies` false when
  // its `when` does not hold (then `holds` is null).
  Result<nlohmann::json> conditions(const LoadedCase& c, Date day);

  // One page of the cases `viewer` may list (a clerk's authority, the vendor's states; an
  // administrator none: forbidden) under the request's filter and tab, with every tab's count.
  Result<Queue> queue(const Actor& viewer, QueueRequest request, Date day);

  // The document checks of `options.inputs` (run_batch), each verdict then recorded on its case
  // in this engine's store as `actor` (opening the missing cases with `open_missing`).
  Result<BatchRun> verify_batch(const BatchOptions& options, const Actor& actor,
                                bool open_missing = false);

  // On each of `case_ids` the viewer may see, the action of `actor`'s role that a clean check
  // lets through (Workflow::passing_action), at `at` (ISO time; empty: now).
  std::vector<PassOutcome> pass_clean(const std::vector<std::string>& case_ids, const Actor& actor,
                                      const std::string& at = "");

  // The procedures in force (the newest of each id), read from the rules folder once. An Error
  // when none can be read.
  Result<const std::map<std::string, Procedure>*> procedures();
  // The (procedure, state) pairs where vendor staff act: a case there is at the vendor.
  std::vector<std::pair<std::string, std::string>> vendor_states();

  // `text`, an edited rule file of procedure `id`, linted; when clean, written over its file
  // (atomically) and remembered as the procedure's new version. Cases in flight stay on the
  // version they were opened with. An Error with the file's diagnostics when not clean; nothing
  // is written.
  Result<ProcedureActivation> activate_procedure(const std::string& id, const std::string& text,
                                                 const std::string& at = "");

  // `text`, an edited calendar file `id`, linted with every calendar that extends it; when
  // clean, written, then every open deadline re-projected on it as `actor`.
  Result<CalendarEdit> activate_calendar(const std::string& id, const std::string& text,
                                         const Actor& actor);

  // Sends every e-mail of the outbox due at `now` (Unix seconds), at most `limit`, through the
  // SMTP server of counter.yaml's mail: block (KEYDESK_SMTP_URL overrides its URL). Each is
  // claimed before it is sent (its Message-ID fixed at the first attempt, derived from the row),
  // then marked: sent; failed for good (5xx, a bad address; after kMaxAttempts); or tried again
  // after a delay that grows with each attempt (no connection, 4xx; the counter's own settings
  // at fault — certificate, login, STARTTLS — which is never given up on). A round stops at the
  // first message the server cannot be reached for, or the settings fail. With no server
  // configured, nothing is tried: `configured` is false and `waiting` says how many wait. An Error
  // when the mail settings cannot be used (no sender, an unreadable password file); nothing is
  // changed then.
  Result<DeliveryReport> send_notices(std::int64_t now, int limit = 500);

  // The failed notice `id` of case `case_id` made due again at `now`, by `actor`, who must be
  // able to see the case and act on cases (a clerk or vendor staff); recorded in its history.
  Result<OutboxItem> resend_notice(const std::string& case_id, long id, const Actor& actor,
                                   std::int64_t now);

  // Puts `day`'s digests in the outbox: for each authority with addresses under digest:, its
  // overdue and due-today cases that are not at the vendor; for the vendor, those at the
  // vendor. One message per address; a second run for the same day adds nothing. Nothing on a
  // rest day of the counter's calendar, or for a group without such cases.
  Result<DigestRun> queue_digests(Date day, std::int64_t now);

  // keydesk serve's job, run every minute or so: on a working day from digest.at (counter time)
  // on, the day's digests (once a day); then send_notices when a server is configured.
  MailRound mail_round(std::int64_t now);

  // The calendar `procedure` counts its deadlines on, read once.
  Result<const WorkingCalendar*> calendar_for(const Procedure& procedure);
  // Forgets the calendars read (after a calendar edit).
  void forget_calendars() { calendars_.clear(); }
  // Forgets the procedures and calendars read: the next use reads the rules folder again (after
  // an edit activated through another Engine on the same folder).
  void forget_rules() {
    procedures_.reset();
    calendars_.clear();
  }

 private:
  CaseStore& store_;
  std::filesystem::path rules_dir_;
  CounterConfig counter_;
  std::map<std::string, std::unique_ptr<WorkingCalendar>> calendars_;  // by calendar name
  std::optional<std::map<std::string, Procedure>> procedures_;         // read at first use
  std::optional<Date> digest_day_;  // mail_round: the day whose digests are queued
};

// Attempts before a notice that keeps failing temporarily is marked failed: with delays of
// 1, 2, 4 … minutes up to 6 hours, about a day and a half of trying.
inline constexpr int kMaxDeliveryAttempts = 14;
// The delay before attempt `attempts` + 1 when attempt `attempts` (1, 2, …) failed, in seconds.
std::int64_t retry_delay(int attempts);

// A notice's delivery as a clerk reads it: 已发送（…）/ 待发送（…）/ 发送失败：…
std::string delivery_status_text(const OutboxItem& item, const CounterHours& hours);
// A notice with its delivery status, as the case JSON and `keydesk outbox --json` list it.
nlohmann::json outbox_item_json(const OutboxItem& item, const CounterHours& hours);

// The case view as JSON, the same for `keydesk case show --json` and the web counter: the
// summary, the submission as the viewer may see it, the check (with its remark and materials),
// the actions (with their inputs and whether the check holds them back), the history and the
// notices with their delivery (outbox_item_json; can_resend only for those who may resend).
nlohmann::json case_view_json(Engine& engine, const CaseView& view, Date day);

// A queue page as JSON text (the web counter's GET /api/cases): {today, procedures [{id, title,
// states [{id, title}]}], tab, tabs [{id, title, count}], total, page, per_page, pages, cases
// [case_summary], deadline_pending {count, years}}. Written as it goes, without a tree: a page
// of 200 cases is 140 KB.
std::string queue_json(Engine& engine, const Queue& queue);

// An action request a client sends as JSON ({"action", "version", "remark", "inputs",
// "override_check"}), typed: a wrong type or size is an Error naming the field
// (invalid_input). The actor and time are the caller's to fill in.
Result<ActionRequest> parse_action_request(const nlohmann::json& body);

}  // namespace keydesk
