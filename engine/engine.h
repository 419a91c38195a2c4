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
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "engine/case_store.h"
#include "engine/counter.h"
#include "engine/deadlines.h"
#include "common/result.h"
#include "engine/submission.h"
#include "engine/workflow.h"

namespace keydesk {

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

  // The calendar `procedure` counts its deadlines on, read once.
  Result<const WorkingCalendar*> calendar_for(const Procedure& procedure);
  // Forgets the calendars read (after a calendar edit).
  void forget_calendars() { calendars_.clear(); }

 private:
  CaseStore& store_;
  std::filesystem::path rules_dir_;
  CounterConfig counter_;
  std::map<std::string, std::unique_ptr<WorkingCalendar>> calendars_;  // by calendar name
};

}  // namespace keydesk
