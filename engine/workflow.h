// The workflow engine: what an action does to a case, decided from the procedure's rules alone.
//
// Workflow plans; it touches no database. CaseStore (case_store.h) applies a plan in one
// transaction, and `rules simulate` applies plans in memory. Both go through these functions, so
// a rule is enforced the same way everywhere.
//
// Case states and their clock (SQLite pager.c style):
//
//   state kind            due date                          entered by
//   --------------------  --------------------------------  ------------------------------------
//   with deadline N       add(acceptance(entered_at), N)    open / an action into it
//   carry_from S          the due date it had in S          an action from S
//   waits_on_enterprise   none: the clock is stopped        a failed review (return with 备注)
//   final                 none                              the closing action
//
// acceptance() applies the counter's cut-off: entered after it, or on a rest day, the clock starts
// on the next working day (calendar.h). A resubmission re-enters a deadline state, so the clock
// restarts in full from the resubmission.
//
// A deadline never stops an action: when the calendar has no data for a year the due date needs,
// the state is entered with no due date and `due_pending_year` naming that year. The clock
// (entered_at, N) is kept with the case either way, so the due date can be computed again when
// the year is entered or an arrangement amended (deadlines.h), and carry_from carries it along.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/calendar.h"
#include "engine/procedure.h"

namespace keydesk {

// Who acts: a user in a role, for an authority (clerks) or the vendor.
struct Actor {
  std::string user;
  std::string role;
  std::string authority;
};

// The clock a state's deadline runs on: N working days from the acceptance date of `start`.
struct DeadlineClock {
  LocalTime start;  // counter time the deadline state was entered (or the submission made)
  long days = 0;
};

// The document check a case's submission last had (keydesk batch verify), as far as the rules
// care: an action marked requires_check is refused while a current check says fail or review,
// unless a person gives the reason they overrule it.
struct DocumentCheck {
  std::string batch;
  std::string verdict;   // pass | fail | review
  bool current = false;  // of the case's submission now, not of one since replaced
  std::string remarks;   // its findings' remarks, numbered, one per line
  bool blocks() const { return current && verdict != "pass"; }
};

// What the engine needs to know of a case between actions.
struct CaseSnapshot {
  std::string id;
  std::string state;
  long version = 0;  // increases by one with every action
  std::optional<Date> due;
  int due_pending_year = 0;  // no due date yet: the calendar lacks this year
  std::optional<DeadlineClock> clock = std::nullopt;  // the running deadline's clock
  std::optional<DocumentCheck> check = std::nullopt;  // the latest check (none, or not asked)
  // A resubmission replaced the materials and no document check has looked at the new ones:
  // an action marked requires_check waits for that check (or a person's reason).
  bool unchecked_resubmission = false;
};

// A 备注 is what the enterprise reads on its return notice: 2,000 characters hold any list of
// corrections (the check's remarks for all six materials take a few hundred).
inline constexpr std::size_t kMaxRemarkChars = 2000;

struct ActionRequest {
  std::string action;
  Actor actor;
  LocalTime at;        // when, in counter time (the clock is injected)
  std::string remark;  // 备注
  nlohmann::json inputs = nlohmann::json::object();
  long expected_version = -1;  // the case version the actor saw; -1: not checked (simulation)
  // For a resubmission: the enterprise's new, complete submission (null: unchanged).
  nlohmann::json submission;
  // Why the actor takes an action that needs a clean document check although the case's check
  // failed or needs review ("人工核对原件无误"); empty: no override.
  std::string check_override;
};

struct OutboxMessage {
  std::string notice;
  std::string channel;
  std::string to;
  std::string subject;
  std::string body;
};

// A requirement that failed: its finding code and remark.
struct FailedRequirement {
  std::string id;
  std::string finding;
  std::string remark;
  std::string title = {};  // the condition in a few words (证书未过期), or ""
};

// The planned effect of opening a case or of one action.
struct Step {
  std::string action;  // "open" for opening
  std::string action_title;
  std::string outcome;
  std::string from;  // "" when opening
  std::string to;
  std::optional<Date> due;   // of the state entered; nullopt: none, clock stopped, or pending
  int due_pending_year = 0;  // the deadline waits on this year's holiday arrangement
  std::optional<DeadlineClock> clock;  // what `due` is computed from (nullopt: no deadline)
  bool clock_stopped = false;
  bool closes = false;  // the state entered is final
  std::string remark;
  nlohmann::json inputs = nlohmann::json::object();
  std::vector<std::string> effects;
  std::vector<OutboxMessage> outbox;
  // For an action marked requires_check: the check it went on ({batch, verdict[, override]}, or
  // {verdict: none}); null otherwise. Kept in the audit event.
  nlohmann::json check_note;
};

class Workflow {
 public:
  Workflow(const WorkingCalendar& calendar, CounterHours hours)
      : calendar_(calendar), hours_(hours) {}

  // Plans opening a case of `procedure` at `at`. Refused when a requirement fails (the Error's
  // message gives each remark); a deadline in a year without data is pending, not a refusal.
  Result<Step> open(const Procedure& procedure, const nlohmann::json& facts,
                    const LocalTime& at) const;

  // Plans `request` on a case in `snapshot`. Refused, with a message for the person acting, when
  // the version is stale, the action is unknown or not allowed from this state, the role may not
  // take it, its guard does not hold, a required remark or input is missing, (resubmission)
  // a requirement fails, or (requires_check) the case's document check fails or needs review
  // and nobody gave the reason to overrule it.
  Result<Step> act(const Procedure& procedure, const CaseSnapshot& snapshot,
                   const ActionRequest& request, const nlohmann::json& facts) const;

  // Materials of `procedure` required on `facts` (required_when) of which the submission has
  // no document of an accepted type; the e-key itself is a requirement's business, not a scan's.
  static Result<std::vector<const MaterialRule*>> missing_materials(const Procedure& procedure,
                                                                    const nlohmann::json& facts);

  // Requirements of `procedure` that fail on `facts`.
  static Result<std::vector<FailedRequirement>> failed_requirements(
      const Procedure& procedure, const nlohmann::json& facts);

  // Actions `role` could take on a case in `state` (guards not evaluated).
  static std::vector<const ActionRule*> actions_for(const Procedure& procedure,
                                                    const std::string& state,
                                                    const std::string& role);

  // The action of `role` in `state` that says the material is in order: the one a clean
  // document check lets through (requires_check). Null when there is none.
  static const ActionRule* passing_action(const Procedure& procedure, const std::string& state,
                                          const std::string& role);

 private:
  // Sets step.due, due_pending_year and clock on entering `to` from `from` at `at`.
  Status enter(const StateRule& to, const CaseSnapshot& from, const LocalTime& at,
               Step& step) const;
  Result<std::vector<OutboxMessage>> messages(const Procedure& procedure, const ActionRule& action,
                                              const nlohmann::json& facts) const;
  // The names in `list` (an action's effects or notices) whose condition holds on `facts`.
  static Result<std::vector<std::string>> applying(const Procedure& procedure,
                                                   const ActionRule& action,
                                                   const std::vector<Consequence>& list,
                                                   const nlohmann::json& facts);

  const WorkingCalendar& calendar_;
  CounterHours hours_;
};

}  // namespace keydesk
