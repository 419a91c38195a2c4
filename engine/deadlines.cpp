#include "engine/deadlines.h"

#include <algorithm>

#include "engine/rules.h"

namespace keydesk {

namespace {

std::string due_or_pending(const std::optional<Date>& due, int pending_year) {
  if (due) return format_date(*due);
  if (pending_year) return "办结期限待定（" + std::to_string(pending_year) + "年）";
  return "无办结期限";
}

}  // namespace

Result<ReprojectReport> reproject_deadlines(CaseStore& store,
                                            const std::filesystem::path& rules_dir,
                                            const CounterConfig& counter, const Actor& actor,
                                            const std::string& at_text, bool dry_run) {
  auto cases = store.clocked();
  if (!cases) return cases.error();
  ReprojectReport report;
  std::map<std::string, WorkingCalendar> calendars;  // by the name a procedure gives
  for (const CaseRecord& c : *cases) {
    ++report.checked;
    auto procedure = store.procedure_at(c.procedure, c.procedure_version);
    if (!procedure) return procedure.error();
    const std::string name = calendar_name(**procedure, counter);
    auto found = calendars.find(name);
    if (found == calendars.end()) {
      auto cal = calendar_for(**procedure, rules_dir, counter);
      if (!cal)
        return Error{"工作日历“" + name +
                         "”无法载入，办结期限均未重新计算；请按下列位置改正日历文件后再试 "
                         "(the calendar does not load; no deadline was changed): " +
                         cal.error().message,
                     cal.error().diagnostics};
      found = calendars.emplace(name, std::move(cal).value()).first;
    }
    const WorkingCalendar& cal = found->second;
    auto deadline = cal.deadline(c.clock->start, c.clock->days, counter.hours);
    if (!deadline) return Error{"case " + c.id + ": " + deadline.error().message};
    if (deadline->pending_year) ++report.pending_years[deadline->pending_year];
    if (deadline->due == c.due && deadline->pending_year == c.due_pending_year) continue;
    DeadlineChange change{c.id,
                          c.version,
                          c.state,
                          c.due,
                          deadline->due,
                          c.due_pending_year,
                          deadline->pending_year,
                          *c.clock,
                          cal.id(),
                          cal.version(),
                          ""};
    change.explanation =
        "办结期限重新计算：" + due_or_pending(change.old_due, change.old_pending_year) + " → " +
        due_or_pending(change.new_due, change.new_pending_year) + "（依据工作日历“" + cal.title() +
        "”，版本 " + cal.version().substr(0, 12) + "）";
    report.changes.push_back(std::move(change));
  }
  if (dry_run || report.changes.empty()) return report;
  auto applied = store.reproject(report.changes, actor, at_text);
  if (!applied) return applied.error();
  std::vector<DeadlineChange> kept;
  for (auto& change : report.changes) {
    if (std::find(applied->begin(), applied->end(), change.case_id) != applied->end())
      kept.push_back(std::move(change));
    else
      report.skipped.push_back(change.case_id);
  }
  report.changes = std::move(kept);
  auto waiting = store.pending_years();
  if (!waiting) return waiting.error();
  report.pending_years = std::move(waiting).value();
  return report;
}

Result<CalendarWarnings> calendar_warnings(const WorkingCalendar& cal, Date today, CaseStore* store,
                                           CalendarEditor editor) {
  CalendarWarnings w;
  w.year = missing_year_to_warn(cal, today);
  if (w.year && store) {
    auto years = store->pending_years();
    if (!years) return years.error();
    auto it = years->find(w.year);
    w.waiting = it == years->end() ? 0 : it->second;
  }
  w.lines = coverage_warnings(cal, today, w.waiting, editor);
  return w;
}

std::string deadline_text(const CaseRecord& c) {
  if (c.closed) return "已办结";
  if (c.clock_stopped) return "计时暂停（等待企业补正后重新提交）";
  if (c.due) return format_date(*c.due);
  if (c.due_pending_year) return pending_deadline_text(c.due_pending_year);
  return "无办结期限";
}

std::string change_text(const DeadlineChange& change) {
  return change.case_id + "  " + due_or_pending(change.old_due, change.old_pending_year) + " → " +
         due_or_pending(change.new_due, change.new_pending_year);
}

}  // namespace keydesk
