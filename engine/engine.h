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
//   queue                the cases a viewer may list, and those whose     case list, GET cases
//                        deadline waits on a year's calendar
//   verify_batch         document checks of submission folders, each      batch verify --db,
//                        verdict recorded on its case                     POST batches
//   pass_clean           the passing action on each case whose check      batch verify
//                        passed; one refused does not stop the others     --pass-clean, POST pass
//   activate_procedure   an edited rule file, linted, written, and its    rules activate,
//                        version remembered                               POST rules/ID
//   activate_calendar    an edited calendar, linted, written; deadlines   calendar activate,
//                        re-projected                                     POST rules/calendars/ID
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
};

// The cases a viewer's queue lists (Engine::queue).
struct Queue {
  Date today;
  std::vector<LoadedCase> cases;             // as asked, soonest deadline first
  std::vector<LoadedCase> deadline_pending;  // of those, all whose deadline waits on a year
};

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
  // The procedure's conditions (requirements) on the case as it stands on `day`, so a clerk sees
  // which one decided: [{id, title, applies, holds, remark}] in file order; `applies` false when
  // its `when` does not hold (then `holds` is null).
  Result<nlohmann::json> conditions(const LoadedCase& c, Date day);

  // The cases of `filter` that `viewer` may list (a clerk's authority, the vendor's states; an
  // administrator none: forbidden), and apart from the page's limit all whose deadline waits on
  // a year's holiday arrangement.
  Result<Queue> queue(const Actor& viewer, CaseFilter filter, Date day);

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

  // The calendar `procedure` counts its deadlines on, read once.
  Result<const WorkingCalendar*> calendar_for(const Procedure& procedure);
  // Forgets the calendars read (after a calendar edit).
  void forget_calendars() { calendars_.clear(); }

 private:
  CaseStore& store_;
  std::filesystem::path rules_dir_;
  CounterConfig counter_;
  std::map<std::string, std::unique_ptr<WorkingCalendar>> calendars_;  // by calendar name
  std::optional<std::map<std::string, Procedure>> procedures_;         // read at first use
};

// The case view as JSON, the same for `keydesk case show --json` and the web counter: the
// summary, the submission as the viewer may see it, the check (with its remark and materials),
// the actions (with their inputs and whether the check holds them back) and the history.
nlohmann::json case_view_json(Engine& engine, const CaseView& view, Date day);

// An action request a client sends as JSON ({"action", "version", "remark", "inputs",
// "override_check"}), typed: a wrong type or size is an Error naming the field
// (invalid_input). The actor and time are the caller's to fill in.
Result<ActionRequest> parse_action_request(const nlohmann::json& body);

}  // namespace keydesk
