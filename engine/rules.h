// The rules directory as a whole: rules/procedures/*.yaml, rules/calendars/*.yaml and
// rules/counter.yaml, checked together (keydesk rules lint).
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "engine/calendar.h"
#include "engine/counter.h"
#include "engine/diagnostic.h"
#include "engine/procedure.h"

namespace keydesk {

struct RulesReport {
  int procedure_files = 0;
  int calendar_files = 0;
  Diagnostics problems;  // empty: clean
};

// Lints every file below `rules_dir`: each file on its own, then across files (a procedure's
// calendar must exist and cover the current year; the counter's calendar must load).
RulesReport lint_rules(const std::filesystem::path& rules_dir, Date today);

// Loads the calendar a procedure counts its deadlines on: the counter's for "counter".
Result<WorkingCalendar> calendar_for(const Procedure& procedure,
                                     const std::filesystem::path& rules_dir,
                                     const CounterConfig& counter);

}  // namespace keydesk
