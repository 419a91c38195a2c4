// Deadlines that follow the calendar: computed again when a year's holiday arrangement is
// entered or an arrangement in use is amended.
//
// A case's deadline runs on a clock (workflow.h: DeadlineClock, kept with the case). When the
// calendar lacks a year the deadline needs, the case has no due date and waits on that year
// (CaseRecord::due_pending_year). reproject_deadlines() computes every open case's deadline from
// its own clock on the calendar files as they are now and records each one that moved as an
// audit event (who, which calendar version, old and new), so a deadline that moved can always be
// explained. `keydesk calendar reproject` runs it from the shell; `keydesk serve` at start-up and
// whenever an administrator activates a calendar edit.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/case_store.h"
#include "engine/counter.h"

namespace keydesk {

struct ReprojectReport {
  std::vector<DeadlineChange> changes;  // applied (or, with dry_run, that would be)
  long checked = 0;                     // open cases with a clock, all looked at
  std::vector<std::string> skipped;     // acted on meanwhile: left as the action set them
  std::map<int, long> pending_years;    // open cases still waiting, by the year they wait on
};

// Computes the deadline of every open case with a clock on the calendar its procedure counts on
// (rules_dir/calendars, as the files are now) and records those that changed, all in one
// transaction. A calendar that does not load is an Error naming its file:line:column, and
// nothing changes. With `dry_run`, nothing is written.
Result<ReprojectReport> reproject_deadlines(CaseStore& store,
                                            const std::filesystem::path& rules_dir,
                                            const CounterConfig& counter, const Actor& actor,
                                            const std::string& at_text, bool dry_run = false);

// What the counter is told of its calendar on `today`: coverage_warnings() (calendar.h), saying
// how many open cases of `store` wait on the missing year (null `store`: not said).
struct CalendarWarnings {
  std::vector<std::string> lines;
  int year = 0;       // the missing year warned of (0: none)
  long waiting = -1;  // open cases waiting on it (-1: not known)
};
Result<CalendarWarnings> calendar_warnings(const WorkingCalendar& cal, Date today, CaseStore* store,
                                           CalendarEditor editor = CalendarEditor::file);

// A deadline as a clerk reads it: the date, 办结期限待定：YYYY年节假日安排尚未录入, 计时暂停…, …
std::string deadline_text(const CaseRecord& c);

// One change as a line: "S-2026-000301  办结期限待定（2027年）→ 2027-01-08".
std::string change_text(const DeadlineChange& change);

}  // namespace keydesk
