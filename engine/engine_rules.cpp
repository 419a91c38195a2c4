// The Engine's rules side (engine.h): the procedures in force, and an administrator's edit of a
// rule file or a calendar, activated.
#include <algorithm>
#include <set>

#include "engine/atomic_file.h"
#include "engine/engine.h"

namespace keydesk {

Result<const std::map<std::string, Procedure>*> Engine::procedures() {
  if (!procedures_) {
    Diagnostics problems;
    auto loaded = load_procedures(rules_dir_ / "procedures", problems);
    if (loaded.empty())
      return Error{"规则目录 " + (rules_dir_ / "procedures").string() +
                       " 中没有可读的业务规则文件，请检查规则文件 (no procedure could be read: run "
                       "'keydesk rules lint')",
                   problems, ErrorKind::invalid_input};
    procedures_ = std::move(loaded);
  }
  return &*procedures_;
}

std::vector<std::pair<std::string, std::string>> Engine::vendor_states() {
  std::set<std::pair<std::string, std::string>> states;
  if (auto all = procedures(); all)
    for (const auto& [id, p] : **all)
      for (const auto& a : p.actions)
        if (std::find(a.roles.begin(), a.roles.end(), "vendor_reviewer") != a.roles.end())
          for (const auto& from : a.from) states.emplace(id, from);
  return {states.begin(), states.end()};
}

Result<ProcedureActivation> Engine::activate_procedure(const std::string& id,
                                                       const std::string& text,
                                                       const std::string& at) {
  auto all = procedures();
  if (!all) return all.error();
  auto current = (*all)->find(id);
  if (current == (*all)->end())
    return error_of(ErrorKind::not_found, "没有业务“" + id + "” (no procedure " + id + ")");
  // Written over the file it was read from, so no second file holds the same procedure.
  const std::filesystem::path file = current->second.file;
  auto parsed = parse_procedure(text, file.string());
  if (!parsed)
    return Error{
        "规则文件有误，未启用：请按所列行列修改后再保存 (the rule file has problems; "
        "nothing changed: " +
            parsed.error().message + ")",
        parsed.error().diagnostics, ErrorKind::invalid_input};
  if (parsed->id != id)
    return error_of(ErrorKind::invalid_input,
                    "id：文件写的是“" + parsed->id + "”，但保存的是业务“" + id +
                        "”，请改回 id: " + id + " (the file says id: " + parsed->id + ")");
  ProcedureActivation done;
  done.id = id;
  done.previous_version = current->second.version;
  done.version = parsed->version;
  if (done.version == done.previous_version) return done;
  if (auto written = write_file_atomically(file, text, "rule file"); !written)
    return written.error();
  auto when = moment(at, counter_.hours);
  if (!when) return when.error();
  if (auto st = store_.remember(*parsed, when->second); !st) return st.error();
  forget_calendars();
  procedures_->at(id) = std::move(parsed).value();
  done.changed = true;
  return done;
}

Result<CalendarEdit> Engine::activate_calendar(const std::string& id, const std::string& text,
                                               const Actor& actor) {
  auto activated = activate_calendar_edit(rules_dir_, id, text);
  if (!activated) return activated.error();
  CalendarEdit edit{std::move(activated).value(), ReprojectReport{}};
  edit.reprojection = reproject(actor);
  return edit;
}

}  // namespace keydesk
