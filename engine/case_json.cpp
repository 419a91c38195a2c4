#include "engine/case_json.h"

#include "engine/deadlines.h"
#include "engine/internal/json_writer.h"
#include "engine/submission.h"

namespace keydesk {

void write_case_members(internal::JsonWriter& out, const CaseRecord& c, const Procedure* p) {
  out.member("id", c.id)
      .member("procedure", c.procedure)
      .member("procedure_version", c.procedure_version)
      .member("authority", c.authority)
      .member("uscc", c.uscc)
      .member("state", c.state)
      .member("version", static_cast<std::int64_t>(c.version));
  out.key("due");
  c.due ? out.value(format_date(*c.due)) : out.null();
  out.key("due_pending_year");
  c.due_pending_year ? out.value(c.due_pending_year) : out.null();
  out.member("deadline_text", deadline_text(c))
      .member("clock_stopped", c.clock_stopped)
      .member("closed", c.closed)
      .member("opened_at", c.opened_at)
      .member("updated_at", c.updated_at)
      .member("enterprise", text_at(c.data, "/enterprise/name"));
  if (p) {
    if (const StateRule* s = p->state(c.state)) out.member("state_title", s->title);
    out.member("procedure_title", p->title);
  }
}

nlohmann::json case_json(const CaseRecord& c, const Procedure* p) {
  internal::JsonWriter out;
  out.begin_object();
  write_case_members(out, c, p);
  out.end_object();
  return nlohmann::json::parse(out.text());
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
