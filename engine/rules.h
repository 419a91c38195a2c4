// The rules directory as a whole: rules/procedures/*.yaml, rules/calendars/*.yaml and
// rules/counter.yaml, checked together (keydesk rules lint).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "engine/calendar.h"
#include "engine/counter.h"
#include "engine/procedure.h"

namespace keydesk {

struct RulesReport {
  int procedure_files = 0;
  int calendar_files = 0;
  Diagnostics problems;  // empty: clean
};

struct CalendarLint {
  int files = 0;
  int files_with_problems = 0;
  Diagnostics problems;
};

// Loads each calendar file (every one below `calendars_dir` when `files` is empty) with the
// layers it extends, collecting every problem.
CalendarLint lint_calendars(const std::filesystem::path& calendars_dir,
                            std::vector<std::filesystem::path> files);

// Lints every file below `rules_dir` (procedures, calendars, counter.yaml and, when there,
// documents.yaml): each file on its own, then across files (a procedure's calendar must exist
// and cover the current year; the counter's calendar must load).
RulesReport lint_rules(const std::filesystem::path& rules_dir, Date today);

// An administrator's edit of calendar `id` (its whole YAML text), once activated.
struct CalendarActivation {
  std::string id;
  std::string file;                       // the file written
  std::string version, previous_version;  // WorkingCalendar::version() after and before
  bool changed = false;                   // false: the text was the file's own
};

// Checks an edit of calendar `id` as `calendar lint` does, in a copy of the calendars folder with
// the edit in place, together with every calendar that extends it; when clean, writes it over the
// calendar's file (atomically). Otherwise an Error whose diagnostics name the calendar's file,
// line and column, and nothing is written. Deadlines are not touched: reproject_deadlines()
// (deadlines.h) follows.
Result<CalendarActivation> activate_calendar_edit(const std::filesystem::path& rules_dir,
                                                  const std::string& id, const std::string& text);

// The id of the calendar a procedure counts its deadlines on: the counter's for "counter" (or
// none given), else the procedure's own.
std::string calendar_name(const Procedure& procedure, const CounterConfig& counter);

// Loads the calendar a procedure counts its deadlines on (calendar_name()).
Result<WorkingCalendar> calendar_for(const Procedure& procedure,
                                     const std::filesystem::path& rules_dir,
                                     const CounterConfig& counter);

// The rule files as files: each procedure's and calendar's file name, size and modification
// time, in one line. An edit activated by another process on the same folder (a second server
// of a national deployment) changes it, so a long-running process can tell when to read the
// rules again. Files that cannot be listed count as absent.
std::string rules_fingerprint(const std::filesystem::path& rules_dir);

}  // namespace keydesk
