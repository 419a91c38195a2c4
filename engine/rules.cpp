#include "engine/rules.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "engine/atomic_file.h"
#include "engine/documents.h"
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

Result<CalendarActivation> activate_calendar_edit(const std::filesystem::path& rules_dir,
                                                  const std::string& id, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path dir = rules_dir / "calendars";
  if (id.empty() || id.size() > 64 ||
      id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos)
    return Error{"没有名为“" + id + "”的日历 (no such calendar)"};
  fs::path file;
  for (const auto& f : internal::yaml_files(dir, true))
    if (f.stem().string() == id) file = f;
  if (file.empty())
    return Error{"没有名为“" + id + "”的日历 (no calendar " + id + " in " + dir.string() + ")"};
  CalendarActivation done;
  done.id = id;
  done.file = file.string();
  if (auto before = WorkingCalendar::load(dir, id)) done.previous_version = before->version();

  // The edit is checked in a copy of the folder: calendars that extend it must still load.
  std::string pattern = (fs::temp_directory_path() / "keydesk-calendar-XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    return Error{
        "无法创建检查日历用的临时文件夹，日历未启用：请联系系统管理员 (cannot make a temporary "
        "folder: " +
        std::string(std::strerror(errno)) + ")"};
  const fs::path scratch = pattern;
  struct Remove {
    fs::path path;
    ~Remove() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  } remove{scratch};
  std::error_code ec;
  fs::copy(dir, scratch, fs::copy_options::recursive, ec);
  if (ec)
    return Error{"无法复制日历文件夹以检查修改，日历未启用：请联系系统管理员 (cannot copy " +
                 dir.string() + ": " + ec.message() + ")"};
  const fs::path candidate = scratch / fs::relative(file, dir);
  if (auto failed = write_synced(candidate, text, "calendar")) return *failed;
  CalendarLint lint = lint_calendars(scratch, {});
  if (lint.files_with_problems) {
    const std::string prefix = scratch.string();
    for (Diagnostic& d : lint.problems)
      if (d.file.rfind(prefix, 0) == 0) d.file = (dir / d.file.substr(prefix.size() + 1)).string();
    return Error{"日历文件有 " + std::to_string(lint.problems.size()) +
                     " 处错误，未启用：请按所列的行、列改正后再提交 (nothing changed)",
                 lint.problems};
  }
  auto after = WorkingCalendar::load(scratch, id);
  if (!after) return after.error();
  done.version = after->version();
  done.changed = done.version != done.previous_version;
  if (!done.changed) return done;
  if (auto written = write_file_atomically(file, text, "calendar"); !written)
    return written.error();
  return done;
}

std::string calendar_name(const Procedure& procedure, const CounterConfig& counter) {
  return procedure.calendar.empty() || procedure.calendar == "counter" ? counter.calendar
                                                                       : procedure.calendar;
}

Result<WorkingCalendar> calendar_for(const Procedure& procedure,
                                     const std::filesystem::path& rules_dir,
                                     const CounterConfig& counter) {
  return WorkingCalendar::load(rules_dir / "calendars", calendar_name(procedure, counter));
}

RulesReport lint_rules(const std::filesystem::path& rules_dir, Date today) {
  RulesReport report;
  std::error_code ec;
  if (!std::filesystem::is_directory(rules_dir, ec)) {
    report.problems.push_back(
        {rules_dir.string(), 0, 0,
         "不是文件夹：请指定规则目录（内有 procedures、calendars 和 counter.yaml）"});
    return report;
  }
  CalendarLint calendars = lint_calendars(rules_dir / "calendars", {});
  report.calendar_files = calendars.files;
  report.problems = calendars.problems;
  auto counter = load_counter_config(rules_dir / "counter.yaml");
  if (!counter) take(report.problems, counter.error(), (rules_dir / "counter.yaml").string());
  CounterConfig config = counter ? *counter : CounterConfig{};
  // The document types and remark templates the document checks read, when the folder has them.
  if (const auto documents = rules_dir / "documents.yaml"; std::filesystem::exists(documents, ec))
    if (auto loaded = load_document_rules(documents); !loaded)
      take(report.problems, loaded.error(), documents.string());
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
          {f.string(), 1, 1,
           "此流程的期限要按工作日历计算，但日历无法载入：" + cal.error().message});
    } else if (!cal->covers(today.year())) {
      report.problems.push_back({f.string(), 1, 1,
                                 "此流程所用的日历“" + cal->title() + "”（" + cal->id() +
                                     "）没有 " + std::to_string(today.year()) +
                                     " 年的节假日安排，今年的期限无法计算：请在 " +
                                     cal->files().back() + " 中录入 " +
                                     std::to_string(today.year()) + " 年的放假和调休上班日期"});
    }
  }
  if (report.procedure_files == 0)
    report.problems.push_back(
        {(rules_dir / "procedures").string(), 0, 0, "没有找到流程文件（*.yaml）：请检查规则目录"});
  return report;
}

std::string rules_fingerprint(const std::filesystem::path& rules_dir) {
  std::vector<std::string> files;
  for (const char* folder : {"procedures", "calendars"}) {
    std::error_code ec;
    for (std::filesystem::directory_iterator it(rules_dir / folder, ec), end; !ec && it != end;
         it.increment(ec)) {
      std::error_code stat_ec;
      const auto size = it->file_size(stat_ec);
      const auto written = it->last_write_time(stat_ec);
      if (stat_ec) continue;
      files.push_back(std::string(folder) + "/" + it->path().filename().string() + " " +
                      std::to_string(size) + " " +
                      std::to_string(written.time_since_epoch().count()));
    }
  }
  std::sort(files.begin(), files.end());
  std::string line;
  for (const std::string& f : files) line += f + "\n";
  return line;
}

}  // namespace keydesk
