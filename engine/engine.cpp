#include "engine/engine.h"

#include "engine/intake.h"
#include "engine/rules.h"

namespace keydesk {

Engine::Engine(CaseStore& store, std::filesystem::path rules_dir, CounterConfig counter)
    : store_(store), rules_dir_(std::move(rules_dir)), counter_(std::move(counter)) {}

Result<const WorkingCalendar*> Engine::calendar_for(const Procedure& procedure) {
  const std::string name = calendar_name(procedure, counter_);
  if (auto it = calendars_.find(name); it != calendars_.end()) return it->second.get();
  auto cal = keydesk::calendar_for(procedure, rules_dir_, counter_);
  if (!cal) return cal.error();
  auto kept = std::make_unique<WorkingCalendar>(std::move(cal).value());
  const WorkingCalendar* p = kept.get();
  calendars_.emplace(name, std::move(kept));
  return p;
}

Result<CaseRecord> Engine::open_case(const Submission& submission, const Actor& actor,
                                     const std::string& at) {
  return open_submission_case(store_, rules_dir_, counter_, submission, actor, at);
}

Result<CaseRecord> Engine::act(const std::string& case_id, ActionRequest request,
                               const std::string& at) {
  auto c = store_.get(case_id);
  if (!c) return c.error();
  auto procedure = store_.procedure_at(c->procedure, c->procedure_version);
  if (!procedure) return procedure.error();
  auto cal = calendar_for(**procedure);
  if (!cal) return cal.error();
  auto when = moment(at, counter_.hours);
  if (!when) return when.error();
  request.at = when->first;
  Workflow workflow(**cal, counter_.hours);
  return store_.act(case_id, workflow, request, when->second);
}

Result<std::string> Engine::return_remark(const std::string& case_id) {
  auto check = store_.latest_check(case_id);
  if (!check) return check.error();
  if (!*check || !(*check)->current)
    return error_of(ErrorKind::refused,
                    "案件 " + case_id +
                        " 没有针对当前提交材料的文书核验，请先核验，或自行填写备注 (case " +
                        case_id + " has no document check of its current submission)");
  std::string listed = (*check)->remarks("fail");
  if (listed.empty())
    return error_of(
        ErrorKind::refused,
        "案件 " + case_id +
            " 的文书核验没有发现须退回的问题（需人工核对的事项不发给企业），请自行填写备注 "
            "(the check found no failure to remark on)");
  return listed;
}

Result<ReprojectReport> Engine::reproject(const Actor& actor, bool dry_run) {
  forget_calendars();
  auto now = moment("", counter_.hours);
  if (!now) return now.error();
  return reproject_deadlines(store_, rules_dir_, counter_, actor, now->second, dry_run);
}

}  // namespace keydesk
