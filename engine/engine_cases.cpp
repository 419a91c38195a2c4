// The Engine's read side (engine.h): a case as a viewer sees it, the queue, and the typed action
// request a client sends.
#include <algorithm>

#include "engine/access.h"
#include "engine/case_json.h"
#include "engine/engine.h"
#include "engine/privacy.h"
#include "engine/submission.h"

namespace keydesk {

namespace {

// The case's procedure version, or null when it cannot be read (the listing goes on).
std::shared_ptr<const Procedure> procedure_of(CaseStore& store, const CaseRecord& c) {
  auto p = store.procedure_at(c.procedure, c.procedure_version);
  return p ? std::move(p).value() : nullptr;
}

}  // namespace

Result<LoadedCase> Engine::visible_case(const std::string& id, const Actor& viewer) {
  auto c = store_.get(id);
  if (!c) return c.error();
  auto p = store_.procedure_at(c->procedure, c->procedure_version);
  if (!p) return p.error();
  if (auto why = cannot_see(viewer, *c, **p)) return error_of(ErrorKind::forbidden, *why);
  return LoadedCase{std::move(c).value(), std::move(p).value()};
}

Result<CaseView> Engine::view_case(const std::string& id, const Actor& viewer) {
  auto loaded = visible_case(id, viewer);
  if (!loaded) return loaded.error();
  CaseView v;
  v.loaded = std::move(loaded).value();
  const CaseRecord& c = v.loaded.record;
  v.full_id = sees_full_id(viewer);
  v.submission = v.full_id ? c.data : mask_personal_data(c.data);
  auto events = store_.history(c.id);
  if (!events) return events.error();
  CheckStanding standing = check_standing(*events, c.data);
  v.check = std::move(standing.check);
  v.unchecked_resubmission = standing.unchecked_resubmission;
  if (!c.closed && viewer.role != "auditor")
    v.actions = Workflow::actions_for(*v.loaded.procedure, c.state, viewer.role);
  v.history = std::move(events).value();
  for (AuditEvent& e : v.history) e.remark = mask_id_numbers_in(e.remark);
  auto notices = store_.outbox_of(c.id);
  if (!notices) return notices.error();
  v.notices = std::move(notices).value();
  v.may_resend = viewer.role == "authority_clerk" || viewer.role == "vendor_reviewer";
  return v;
}

nlohmann::json Engine::case_summary(const LoadedCase& loaded, Date day) {
  const CaseRecord& c = loaded.record;
  nlohmann::json j = case_json(c, loaded.procedure.get());
  if (c.due && !c.closed && !c.clock_stopped) {
    j["overdue"] = *c.due < day;
    j["due_today"] = *c.due == day;
    if (loaded.procedure)
      if (auto cal = calendar_for(*loaded.procedure); cal)
        if (auto left = (*cal)->working_days_between(day, *c.due); left) j["days_left"] = *left;
  }
  return j;
}

Result<Queue> Engine::queue(const Actor& viewer, CaseFilter filter, Date day) {
  auto authority = listing_authority(viewer);
  if (!authority) return authority.error();
  if (!authority->empty()) filter.authority = *authority;  // else as asked: every authority
  if (viewer.role == "vendor_reviewer") filter.procedure_states = vendor_states();
  Queue q;
  q.today = day;
  auto listing = [&](const CaseFilter& f, std::vector<LoadedCase>& out) -> Status {
    auto rows = store_.list(f);
    if (!rows) return rows.error();
    for (CaseRecord& c : *rows) {
      auto p = procedure_of(store_, c);
      out.push_back({std::move(c), std::move(p)});
    }
    return std::monostate{};
  };
  if (auto listed = listing(filter, q.cases); !listed) return listed.error();
  // Cases whose deadline waits on a year's holiday arrangement: never lost below the limit.
  CaseFilter waiting = filter;
  waiting.deadline_pending = true;
  waiting.limit = 1000;
  if (auto listed = listing(waiting, q.deadline_pending); !listed) return listed.error();
  return q;
}

Result<nlohmann::json> Engine::conditions(const LoadedCase& loaded, Date day) {
  const CaseRecord& c = loaded.record;
  nlohmann::json out = nlohmann::json::array();
  if (!loaded.procedure) return out;
  auto facts = case_facts(store_, c.data, c.id, c.state, day);
  if (!facts) return facts.error();
  for (const Requirement& r : loaded.procedure->requirements) {
    nlohmann::json row = {{"id", r.id},
                          {"title", r.title.empty() ? r.id : r.title},
                          {"applies", true},
                          {"holds", nullptr},
                          {"remark", r.remark}};
    if (r.when) {
      auto applies = r.when->evaluate(*facts);
      row["applies"] = applies && *applies;
    }
    if (row["applies"] == true) {
      auto holds = r.require.evaluate(*facts);
      row["holds"] = holds ? nlohmann::json(*holds) : nlohmann::json();
    }
    out.push_back(std::move(row));
  }
  return out;
}

nlohmann::json case_view_json(Engine& engine, const CaseView& v, Date day) {
  nlohmann::json j = engine.case_summary(v.loaded, day);
  auto conditions = engine.conditions(v.loaded, day);
  j["conditions"] = conditions ? *conditions : nlohmann::json::array();
  j["submission"] = v.submission;
  j["unchecked_resubmission"] = v.unchecked_resubmission;
  const bool blocked = (v.check && v.check->blocks()) || v.unchecked_resubmission;
  if (v.check) {
    const CheckRecord& k = *v.check;
    j["check"] = {{"batch", k.batch},           {"verdict", k.verdict},
                  {"current", k.current},       {"at", k.at},
                  {"findings", k.findings},     {"blocks", k.blocks()},
                  {"remark", k.remarks("fail")}};
    // Whether each material's normalised page may be shown: never an ID scan to those who see
    // ID numbers masked. Where it is kept is the server's to know, not the client's.
    nlohmann::json materials = nlohmann::json::array();
    for (nlohmann::json m : k.materials) {
      m["preview"] = m.contains("preview") && m["preview"].is_string() &&
                     (v.full_id || !shows_id_number(text_at(m, "/material")));
      materials.push_back(std::move(m));
    }
    j["check"]["materials"] = materials;
  } else {
    j["check"] = nullptr;
  }
  j["actions"] = nlohmann::json::array();
  for (const ActionRule* r : v.actions) {
    nlohmann::json a = action_json(*r);
    a["blocked_by_check"] = r->requires_check && blocked;
    j["actions"].push_back(std::move(a));
  }
  j["history"] = nlohmann::json::array();
  for (const AuditEvent& e : v.history) j["history"].push_back(audit_event_json(e));
  j["notices"] = nlohmann::json::array();
  for (const OutboxItem& n : v.notices) {
    nlohmann::json item = outbox_item_json(n, engine.counter().hours);
    item["can_resend"] = item["can_resend"].get<bool>() && v.may_resend;
    j["notices"].push_back(std::move(item));
  }
  return j;
}

Result<ActionRequest> parse_action_request(const nlohmann::json& body) {
  auto invalid = [](std::string message) {
    return error_of(ErrorKind::invalid_input, std::move(message));
  };
  if (!body.is_object())
    return invalid(
        "请求内容应为 JSON 对象：{\"action\": …, \"version\": N, \"remark\": …} "
        "(send a JSON object)");
  if (body.contains("action") && !body["action"].is_string())
    return invalid("action：应为操作名称（文字），实为" + json_type_zh(body["action"]) +
                   " (action: expected text)");
  if (!body.contains("action") || body["action"].get<std::string>().empty())
    return invalid("action：请说明要办理的操作 (say which action to take)");
  if (body["action"].get<std::string>().size() > 64)
    return invalid("action：操作名称过长 (too long)");
  if (!body.contains("version") || !body["version"].is_number_integer())
    return invalid("version：应为您所看到的案件版本号（数字），实为" +
                   (body.contains("version") ? json_type_zh(body["version"]) : std::string("空")) +
                   " (version: the case version you saw, a number)");
  for (const char* field : {"remark", "override_check"})
    if (body.contains(field) && !body[field].is_string())
      return invalid(std::string(field) + "：应为文字，实为" + json_type_zh(body[field]) + " (" +
                     field + ": expected text)");
  for (const char* field : {"remark", "override_check"})
    if (body.contains(field) && body[field].get<std::string>().size() > 20000)
      return invalid(std::string(field) + "：内容过长，请精简后再提交 (" + field + ": too long)");
  if (body.contains("inputs") && !body["inputs"].is_object())
    return invalid("inputs：应为“名称: 内容”的对象，实为" + json_type_zh(body["inputs"]) +
                   " (inputs: an object of NAME: VALUE, e.g. {\"waybill\": \"SF123\"})");
  ActionRequest request;
  request.action = body["action"].get<std::string>();
  request.remark = body.value("remark", "");
  request.check_override = body.value("override_check", "");
  request.expected_version = body["version"].get<long>();
  if (body.contains("inputs")) {
    if (body["inputs"].size() > 32) return invalid("inputs：项目过多 (too many inputs)");
    for (const auto& [k, value] : body["inputs"].items()) {
      const std::string name = k.substr(0, 40);
      // Inputs are what a clerk types: text (a number is taken as its digits), nothing deeper.
      if (!value.is_string() && !value.is_number() && !value.is_null())
        return invalid("inputs." + name + "：应为文字，实为" + json_type_zh(value) + " (inputs." +
                       name + ": expected text)");
      if (k.size() > 64 || (value.is_string() && value.get<std::string>().size() > 1000))
        return invalid("inputs：名称或内容过长 (an input's name or value is too long)");
      request.inputs[k] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  return request;
}

}  // namespace keydesk
