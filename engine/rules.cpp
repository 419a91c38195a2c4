#include "engine/rules.h"

#include "engine/internal/yaml_document.h"

#include <algorithm>

namespace keydesk {

namespace {

void take(Diagnostics& into, const Error& error, const std::string& file) {
  if (error.diagnostics.empty()) into.push_back({file, 0, 0, error.message});
  into.insert(into.end(), error.diagnostics.begin(), error.diagnostics.end());
}

}  // namespace

CalendarLint lint_calendars(const std::filesystem::path& calendars_dir,
                            std::vector<std::filesystem::path> files) {
  if (files.empty()) files = internal::yaml_files(calendars_dir, true);
  CalendarLint lint;
  for (const auto& f : files) {
    ++lint.files;
    auto cal = WorkingCalendar::load(calendars_dir, f.string());
    if (cal) continue;
    ++lint.files_with_problems;
    take(lint.problems, cal.error(), f.string());
  }
  return lint;
}

Result<WorkingCalendar> calendar_for(const Procedure& procedure,
                                     const std::filesystem::path& rules_dir,
                                     const CounterConfig& counter) {
  std::string name = procedure.calendar.empty() || procedure.calendar == "counter"
                         ? counter.calendar
                         : procedure.calendar;
  return WorkingCalendar::load(rules_dir / "calendars", name);
}

RulesReport lint_rules(const std::filesystem::path& rules_dir, Date today) {
  RulesReport report;
  std::error_code ec;
  if (!std::filesystem::is_directory(rules_dir, ec)) {
    report.problems.push_back(
        {rules_dir.string(), 0, 0, "not a directory: pass the rules directory"});
    return report;
  }
  CalendarLint calendars = lint_calendars(rules_dir / "calendars", {});
  report.calendar_files = calendars.files;
  report.problems = calendars.problems;
  auto counter = load_counter_config(rules_dir / "counter.yaml");
  if (!counter) take(report.problems, counter.error(), (rules_dir / "counter.yaml").string());
  CounterConfig config = counter ? *counter : CounterConfig{};
  for (const auto& f : internal::yaml_files(rules_dir / "procedures", false)) {
    ++report.procedure_files;
    auto p = load_procedure(f);
    if (!p) {
      take(report.problems, p.error(), f.string());
      continue;
    }
    bool has_deadline = std::any_of(p->states.begin(), p->states.end(),
                                    [](const StateRule& s) { return s.deadline_days > 0; });
    if (!has_deadline) continue;
    auto cal = calendar_for(*p, rules_dir, config);
    if (!cal) {
      report.problems.push_back(
          {f.string(), 1, 1, "its deadlines need a calendar: " + cal.error().message});
    } else if (!cal->covers(today.year())) {
      report.problems.push_back({f.string(), 1, 1,
                                 "its calendar '" + cal->id() + "' has no data for " +
                                     std::to_string(today.year()) +
                                     ": no deadline could be computed this year"});
    }
  }
  if (report.procedure_files == 0)
    report.problems.push_back(
        {(rules_dir / "procedures").string(), 0, 0, "no procedure files (*.yaml) found"});
  return report;
}

}  // namespace keydesk
