#include "engine/case_json.h"

#include "engine/deadlines.h"
#include "engine/submission.h"

namespace keydesk {

nlohmann::json case_json(const CaseRecord& c, const Procedure* p) {
  nlohmann::json j = {{"id", c.id},
                      {"procedure", c.procedure},
                      {"procedure_version", c.procedure_version},
                      {"authority", c.authority},
                      {"uscc", c.uscc},
                      {"state", c.state},
                      {"version", c.version},
                      {"due", c.due ? nlohmann::json(format_date(*c.due)) : nlohmann::json()},
                      {"due_pending_year",
                       c.due_pending_year ? nlohmann::json(c.due_pending_year) : nlohmann::json()},
                      {"deadline_text", deadline_text(c)},
                      {"clock_stopped", c.clock_stopped},
                      {"closed", c.closed},
                      {"opened_at", c.opened_at},
                      {"updated_at", c.updated_at},
                      {"enterprise", text_at(c.data, "/enterprise/name")}};
  if (p) {
    if (const StateRule* s = p->state(c.state)) j["state_title"] = s->title;
    j["procedure_title"] = p->title;
  }
  return j;
}

nlohmann::json audit_event_json(const AuditEvent& e, bool with_chain) {
  nlohmann::json j = {{"seq", e.seq},
                      {"at", e.at},
                      {"user", e.user},
                      {"role", e.role},
                      {"authority", e.authority},
                      {"action", e.action},
                      {"from", e.from},
                      {"to", e.to},
                      {"outcome", e.outcome},
                      {"remark", e.remark}};
  if (with_chain) {
    j["data"] = e.data;
    j["hash"] = e.hash;
  }
  return j;
}

nlohmann::json action_json(const ActionRule& action) {
  nlohmann::json inputs = nlohmann::json::array();
  for (const auto& in : action.inputs) {
    nlohmann::json choices = nlohmann::json::array();
    for (const auto& c : in.choices) choices.push_back({{"value", c.value}, {"title", c.title}});
    inputs.push_back(
        {{"name", in.name},
         {"title", in.title},
         {"hint", in.hint},
         {"required", in.required},
         {"required_when", in.required_when ? nlohmann::json(in.required_when->text()) : nullptr},
         {"one_of", in.one_of},
         {"choices", choices}});
  }
  return {{"id", action.id},
          {"title", action.title},
          {"outcome", action.outcome},
          {"roles", action.roles},
          {"remark_required", action.remark_required},
          {"requires_check", action.requires_check},
          {"failing", is_failing_outcome(action.outcome)},  // returns the case (未通过)
          {"resubmission", action.resubmission},
          {"inputs", inputs}};
}

}  // namespace keydesk
