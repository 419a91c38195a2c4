#include "engine/workflow.h"

#include <algorithm>

#include "common/utf8.h"
#include "engine/notice_template.h"

namespace keydesk {

namespace {

// "applicant.email" -> the value in facts, or null.
nlohmann::json fact_at(const nlohmann::json& facts, const std::string& path) {
  const nlohmann::json* node = &facts;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto dot = path.find('.', start);
    std::string part =
        path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!node->is_object() || !node->contains(part)) return nullptr;
    node = &(*node)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *node;
}

// The failed requirements for the person reading: each condition that decided, by its title
// when it has one, and its remark. The finding codes go in the English detail (codes_of).
std::string join_remarks(const std::vector<FailedRequirement>& failed) {
  std::string out;
  for (const auto& f : failed)
    out += (out.empty() ? "" : " ") + (f.title.empty() ? "" : "〔未满足：" + f.title + "〕") +
           f.remark;
  return out;
}

std::string codes_of(const std::vector<FailedRequirement>& failed) {
  std::string out;
  for (const auto& f : failed) out += (out.empty() ? "" : ", ") + f.finding;
  return out;
}

// At most `n` characters of `text` for a message, never cutting a UTF-8 sequence in two.
std::string clip(const std::string& text, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t characters = 0; i < text.size() && characters < n; ++characters) do
      ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80);
  return i < text.size() ? text.substr(0, i) + "…" : text;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

Result<std::vector<FailedRequirement>> Workflow::failed_requirements(
    const Procedure& procedure, const nlohmann::json& facts) {
  std::vector<FailedRequirement> failed;
  for (const auto& r : procedure.requirements) {
    if (r.when) {
      auto applies = r.when->evaluate(facts);
      if (!applies)
        return Error{procedure.file + ": requirement '" + r.id + "': " + applies.error().message};
      if (!*applies) continue;
    }
    auto holds = r.require.evaluate(facts);
    if (!holds)
      return Error{procedure.file + ": requirement '" + r.id + "': " + holds.error().message};
    if (!*holds) failed.push_back({r.id, r.finding, r.remark, r.title});
  }
  return failed;
}

Result<std::vector<const MaterialRule*>> Workflow::missing_materials(const Procedure& procedure,
                                                                     const nlohmann::json& facts) {
  std::vector<const MaterialRule*> missing;
  const nlohmann::json given = fact_at(facts, "submission.material_types");
  for (const MaterialRule& m : procedure.materials) {
    if (m.is_ekey()) continue;
    if (m.required_when) {
      auto holds = m.required_when->evaluate(facts);
      if (!holds)
        return Error{procedure.file + ": material '" + m.id + "': " + holds.error().message};
      if (!*holds) continue;
    }
    const bool present =
        given.is_array() && std::any_of(m.types.begin(), m.types.end(), [&](const std::string& t) {
          return std::find(given.begin(), given.end(), t) != given.end();
        });
    if (!present) missing.push_back(&m);
  }
  return missing;
}

Status Workflow::enter(const StateRule& to, const CaseSnapshot& from, const LocalTime& at,
                       Step& step) const {
  step.due.reset();
  step.due_pending_year = 0;
  step.clock.reset();
  if (to.deadline_days > 0) {
    step.clock = DeadlineClock{at, to.deadline_days};
  } else if (!to.carry_from.empty() && to.carry_from == from.state) {
    step.due = from.due;
    step.due_pending_year = from.due_pending_year;
    step.clock = from.clock;
    return std::monostate{};
  }
  if (!step.clock) return std::monostate{};
  auto deadline = calendar_.deadline(step.clock->start, step.clock->days, hours_);
  if (!deadline) return deadline.error();
  step.due = deadline->due;
  step.due_pending_year = deadline->pending_year;
  return std::monostate{};
}

Result<std::vector<std::string>> Workflow::applying(const Procedure& procedure,
                                                    const ActionRule& action,
                                                    const std::vector<Consequence>& list,
                                                    const nlohmann::json& facts) {
  std::vector<std::string> out;
  for (const Consequence& c : list) {
    if (c.when) {
      auto holds = c.when->evaluate(facts);
      if (!holds)
        return Error{procedure.file + ": '" + c.name + "' of '" + action.id +
                     "': " + holds.error().message};
      if (!*holds) continue;
    }
    out.push_back(c.name);
  }
  return out;
}

Result<std::vector<OutboxMessage>> Workflow::messages(const Procedure& procedure,
                                                      const ActionRule& action,
                                                      const nlohmann::json& facts) const {
  auto notices = applying(procedure, action, action.notify, facts);
  if (!notices) return notices.error();
  std::vector<OutboxMessage> out;
  for (const auto& id : *notices) {
    const NoticeRule* n = procedure.notice(id);
    if (!n) continue;  // lint refuses unknown notices; nothing to send
    nlohmann::json to = fact_at(facts, n->to);
    out.push_back({n->id, n->channel, to.is_string() ? to.get<std::string>() : "",
                   render_notice_text(n->subject, facts, true),
                   render_notice_text(n->body, facts, false)});
  }
  return out;
}

Result<Step> Workflow::open(const Procedure& procedure, const nlohmann::json& facts,
                            const LocalTime& at) const {
  auto failed = failed_requirements(procedure, facts);
  if (!failed) return failed.error();
  if (!failed->empty())
    return error_of(ErrorKind::refused, "不能受理此“" + procedure.title + "”申请：" +
                                            join_remarks(*failed) + " (" + procedure.id +
                                            ": the case is not opened: " + codes_of(*failed) + ")");
  std::string first = procedure.start;
  for (const StartRule& r : procedure.starts) {
    if (!r.when) {
      first = r.state;
      break;
    }
    auto holds = r.when->evaluate(facts);
    if (!holds)
      return Error{procedure.file + ": start '" + r.state + "': " + holds.error().message};
    if (*holds) {
      first = r.state;
      break;
    }
  }
  const StateRule* start = procedure.state(first);
  if (!start) return Error{procedure.file + ": the start state '" + first + "' is not declared"};
  Step step;
  step.action = "open";
  step.action_title = "受理";
  step.to = start->id;
  if (auto entered = enter(*start, CaseSnapshot{}, at, step); !entered) return entered.error();
  step.clock_stopped = start->waits_on_enterprise;
  step.closes = start->final;
  return step;
}

std::vector<const ActionRule*> Workflow::actions_for(const Procedure& procedure,
                                                     const std::string& state,
                                                     const std::string& role) {
  std::vector<const ActionRule*> out;
  for (const auto& a : procedure.actions)
    if (contains(a.from, state) && (role.empty() || contains(a.roles, role))) out.push_back(&a);
  return out;
}

const ActionRule* Workflow::passing_action(const Procedure& procedure, const std::string& state,
                                           const std::string& role) {
  for (const ActionRule* a : actions_for(procedure, state, role))
    if (a->requires_check) return a;
  return nullptr;
}

Result<Step> Workflow::act(const Procedure& procedure, const CaseSnapshot& snapshot,
                           const ActionRequest& request, const nlohmann::json& case_facts) const {
  if (request.expected_version >= 0 && request.expected_version != snapshot.version)
    return error_of(ErrorKind::stale, "案件 " + snapshot.id + " 在您查看后已有变动（您看到的是第" +
                                          std::to_string(request.expected_version) + "版，现为第" +
                                          std::to_string(snapshot.version) +
                                          "版），本次未办理；请重新打开案件后再决定 (case " +
                                          snapshot.id +
                                          " has changed since you saw it: nothing was done)");
  const ActionRule* action = procedure.action(request.action);
  const StateRule* current = procedure.state(snapshot.state);
  if (!action) {
    std::string known;
    for (const auto* a : actions_for(procedure, snapshot.state, ""))
      known += (known.empty() ? "" : ", ") + a->id + "（" + a->title + "）";
    return error_of(
        ErrorKind::refused,
        "“" + request.action + "”不是“" + procedure.title + "”的办理操作" +
            (known.empty() ? std::string("；当前无可办理的操作") : "；当前可办理：" + known) +
            " ('" + request.action + "' is not an action of " + procedure.id + ")");
  }
  if (!contains(action->from, snapshot.state)) {
    std::string known;
    for (const auto* a : actions_for(procedure, snapshot.state, request.actor.role))
      known += (known.empty() ? "" : ", ") + a->id + "（" + a->title + "）";
    return error_of(ErrorKind::refused,
                    "案件 " + snapshot.id + " 当前状态为“" +
                        (current ? current->title : snapshot.state) + "”，不能“" + action->title +
                        "”" + (known.empty() ? std::string() : "；您当前可办理：" + known) +
                        " (case " + snapshot.id + " is in state '" + snapshot.state + "', where '" +
                        action->id + "' is not possible)");
  }
  if (!contains(action->roles, request.actor.role)) {
    std::string who;
    for (const auto& r : action->roles) who += (who.empty() ? "" : ", ") + procedure.role_title(r);
    return error_of(ErrorKind::forbidden, "“" + action->title + "”只能由" + who + "办理 ('" +
                                              action->id + "' may be taken by " + who +
                                              ", not by role '" + request.actor.role + "')");
  }
  // A choice may be typed as its title (传真) as well as its value (fax); the value is what
  // guards compare and what is recorded.
  nlohmann::json inputs = request.inputs.is_object() ? request.inputs : nlohmann::json::object();
  for (const auto& in : action->inputs)
    if (auto it = inputs.find(in.name); it != inputs.end() && it->is_string())
      if (const InputChoice* c = in.choice(it->get<std::string>())) *it = c->value;
  nlohmann::json facts = case_facts;
  facts["input"] = inputs;
  if (action->guard) {
    auto holds = action->guard->evaluate(facts);
    if (!holds)
      return Error{procedure.file + ": guard of '" + action->id + "': " + holds.error().message};
    if (!*holds)
      return error_of(ErrorKind::refused,
                      "本案件不符合“" + action->title + "”的办理条件 ('" + action->id +
                          "' is not allowed for this case: its condition does not hold (" +
                          action->guard->text() + "))");
  }
  const StateRule* next = procedure.state(action->to);
  bool returns_to_enterprise =
      is_failing_outcome(action->outcome) || (next && next->waits_on_enterprise);
  if (const std::size_t chars = decode_utf8_lossy(request.remark).size(); chars > kMaxRemarkChars)
    return error_of(ErrorKind::invalid_input, "备注最多" + std::to_string(kMaxRemarkChars) +
                                                  "字，现为" + std::to_string(chars) +
                                                  "字，请精简后再提交 (the remark is longer than " +
                                                  std::to_string(kMaxRemarkChars) + " characters)");
  if (action->remark_required && request.remark.find_first_not_of(" \t\r\n") == std::string::npos)
    return error_of(ErrorKind::refused, "“" + action->title + "”须填写备注" +
                                            (returns_to_enterprise ? "，写明企业需要改正什么"
                                                                   : std::string("，写明原因")) +
                                            " ('" + action->id + "' needs a remark)");
  for (const auto& in : action->inputs) {
    bool required = in.required;
    if (in.required_when) {
      auto holds = in.required_when->evaluate(facts);
      if (!holds)
        return Error{procedure.file + ": input '" + in.name + "': " + holds.error().message};
      required = required || *holds;
    }
    const auto& value = inputs.contains(in.name) ? inputs[in.name] : nlohmann::json();
    bool given = value.is_string() ? !value.get<std::string>().empty() : !value.is_null();
    if (required && !given)
      return error_of(
          ErrorKind::refused,
          "“" + action->title + "”须填写“" + in.title + "”" +
              (in.choices.empty() ? std::string() : "（可选：" + in.choice_titles() + "）") +
              " ('" + action->id + "' needs the input '" + in.name + "')");
    if (given && !in.choices.empty() &&
        (!value.is_string() || !in.choice(value.get<std::string>())))
      return error_of(ErrorKind::invalid_input,
                      "“" + in.title + "”须为以下之一：" + in.choice_titles() + "（填写的是“" +
                          clip(value.is_string() ? value.get<std::string>() : value.dump(), 40) +
                          "”） (input '" + in.name + "' of '" + action->id +
                          "' must be one of the listed values)");
  }
  for (const auto& [name, _] : inputs.items())
    if (std::none_of(action->inputs.begin(), action->inputs.end(),
                     [&](const InputRule& in) { return in.name == name; })) {
      std::string known;
      for (const auto& in : action->inputs) known += (known.empty() ? "" : "、") + in.title;
      return error_of(ErrorKind::invalid_input,
                      "“" + action->title + "”没有“" + clip(name, 40) + "”这一项" +
                          (known.empty() ? "：此操作无需填写任何项" : "：可填写的有 " + known) +
                          " ('" + action->id + "' takes no input '" + clip(name, 40) + "')");
    }
  if (!action->resubmission && request.submission.is_object())
    return error_of(ErrorKind::invalid_input,
                    "“" + action->title +
                        "”不接收新材料：补正材料请在“已退回”的案件上通过重新提交办理 ('" +
                        action->id + "' is not a resubmission: it takes no submission)");
  if (action->resubmission) {
    // 根据备注提示重新提交上传所有符合要求的资料: a complete new set, never the old one again.
    if (!request.submission.is_object())
      return error_of(ErrorKind::refused,
                      "“" + action->title +
                          "”须附上企业重新提交的完整一套材料（按退回备注补正后的全部材料），"
                          "原有材料不能再次使用 ('" +
                          action->id + "' needs the enterprise's new, complete submission)");
    auto missing = missing_materials(procedure, facts);
    if (!missing) return missing.error();
    if (!missing->empty()) {
      std::string titles;
      for (const MaterialRule* m : *missing) titles += (titles.empty() ? "" : "；") + m->title;
      return error_of(ErrorKind::refused, "重新提交的材料不全，须提交完整的一套材料，缺少：" +
                                              titles + " (the resubmission lacks " +
                                              std::to_string(missing->size()) +
                                              " required material(s))");
    }
    auto failed = failed_requirements(procedure, facts);
    if (!failed) return failed.error();
    if (!failed->empty())
      return error_of(ErrorKind::refused,
                      "重新提交的材料仍不符合要求：" + join_remarks(*failed) +
                          " (the resubmission is refused: " + codes_of(*failed) + ")");
  }
  // An action that says the material is in order needs the case's document check to agree, or
  // a person's reason to overrule it. A check of a replaced submission no longer speaks.
  nlohmann::json check_note;
  if (action->requires_check) {
    const std::optional<DocumentCheck>& k = snapshot.check;
    check_note = {{"verdict", "none"}};
    if (k && k->current) check_note = {{"batch", k->batch}, {"verdict", k->verdict}};
    if (snapshot.unchecked_resubmission && !(k && k->current)) {
      check_note = {{"verdict", "unchecked"}};
      if (request.check_override.empty())
        return error_of(
            ErrorKind::refused,
            "案件 " + snapshot.id + " 企业重新提交的材料尚未进行文书核验，不能“" + action->title +
                "”。请先核验新材料（批量核验），或在核对原件后写明不经核验即通过的理由 "
                "(the materials resubmitted have not been checked: check them first, or give "
                "the reason to pass without a check)");
      check_note["override"] = request.check_override;
    } else if (k && k->blocks()) {
      if (request.check_override.empty()) {
        std::string why = k->remarks.empty() ? "" : "\n  " + k->remarks;
        for (auto at = why.find('\n', 1); at != std::string::npos; at = why.find('\n', at + 1))
          why.insert(at + 1, "  ");
        return error_of(
            ErrorKind::refused,
            "案件 " + snapshot.id + " 的文书核验（批次 " + k->batch + "）结论为“" +
                (k->verdict == "fail" ? std::string("未通过") : std::string("需人工核对")) +
                "”，不能“" + action->title +
                "”。请退回案件（核验发现的问题可作为备注），或在核对原件后写明不采纳核验结论的理由"
                "：" +
                why + " (the document check says '" + k->verdict +
                "': return the case, or give the reason to overrule the check)");
      }
      check_note["override"] = request.check_override;
    }
  }
  const StateRule* target = procedure.state(action->to);
  if (!target)
    return Error{procedure.file + ": action '" + action->id + "' leads to an undeclared state"};
  Step step;
  step.action = action->id;
  step.action_title = action->title;
  step.outcome = action->outcome;
  step.from = snapshot.state;
  step.to = target->id;
  if (auto entered = enter(*target, snapshot, request.at, step); !entered) return entered.error();
  step.clock_stopped = target->waits_on_enterprise;
  step.closes = target->final;
  step.remark = request.remark;
  step.inputs = std::move(inputs);
  auto effects = applying(procedure, *action, action->effects, facts);
  if (!effects) return effects.error();
  step.effects = std::move(*effects);
  step.check_note = std::move(check_note);
  // What notice texts may name besides the facts: the deadline entered, the procedure's title.
  facts["case"]["due"] = step.due ? nlohmann::json(format_date(*step.due)) : nlohmann::json();
  facts["procedure"] = {{"title", procedure.title}};
  auto outbox = messages(procedure, *action, facts);
  if (!outbox) return outbox.error();
  step.outbox = std::move(*outbox);
  return step;
}

}  // namespace keydesk
