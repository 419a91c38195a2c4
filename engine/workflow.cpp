#include "engine/workflow.h"

#include <algorithm>

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

std::string join_remarks(const std::vector<FailedRequirement>& failed) {
  std::string out;
  for (const auto& f : failed) out += (out.empty() ? "" : " ") + f.remark + "（" + f.finding + "）";
  return out;
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
    if (!*holds) failed.push_back({r.id, r.finding, r.remark});
  }
  return failed;
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

std::vector<OutboxMessage> Workflow::messages(const Procedure& procedure, const ActionRule& action,
                                              const nlohmann::json& facts) const {
  std::vector<OutboxMessage> out;
  for (const auto& id : action.notify) {
    const NoticeRule* n = procedure.notice(id);
    if (!n) continue;  // lint refuses unknown notices; nothing to send
    nlohmann::json to = fact_at(facts, n->to);
    out.push_back(
        {n->id, n->channel, to.is_string() ? to.get<std::string>() : "", n->subject, n->body});
  }
  return out;
}

Result<Step> Workflow::open(const Procedure& procedure, const nlohmann::json& facts,
                            const LocalTime& at) const {
  auto failed = failed_requirements(procedure, facts);
  if (!failed) return failed.error();
  if (!failed->empty())
    return Error{"cannot open a " + procedure.title + " (" + procedure.id +
                 ") case: " + join_remarks(*failed)};
  const StateRule* start = procedure.state(procedure.start);
  if (!start)
    return Error{procedure.file + ": the start state '" + procedure.start + "' is not declared"};
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

Result<Step> Workflow::act(const Procedure& procedure, const CaseSnapshot& snapshot,
                           const ActionRequest& request, const nlohmann::json& case_facts) const {
  if (request.expected_version >= 0 && request.expected_version != snapshot.version)
    return Error{"case " + snapshot.id + " has changed since you saw it (you saw version " +
                 std::to_string(request.expected_version) + ", it is now at version " +
                 std::to_string(snapshot.version) +
                 "): nothing was done; reload the case and decide again"};
  const ActionRule* action = procedure.action(request.action);
  const StateRule* current = procedure.state(snapshot.state);
  if (!action) {
    std::string known;
    for (const auto* a : actions_for(procedure, snapshot.state, ""))
      known += (known.empty() ? "" : ", ") + a->id + "（" + a->title + "）";
    return Error{"'" + request.action + "' is not an action of " + procedure.id +
                 (known.empty() ? std::string() : "; possible now: " + known)};
  }
  if (!contains(action->from, snapshot.state)) {
    std::string known;
    for (const auto* a : actions_for(procedure, snapshot.state, request.actor.role))
      known += (known.empty() ? "" : ", ") + a->id + "（" + a->title + "）";
    return Error{
        "case " + snapshot.id + " is in state '" + snapshot.state + "'（" +
        (current ? current->title : "?") + "）, where '" + action->id + "'（" + action->title +
        "） is not possible" +
        (known.empty() ? std::string() : "; possible for " + request.actor.role + ": " + known)};
  }
  if (!contains(action->roles, request.actor.role)) {
    std::string who;
    for (const auto& r : action->roles) who += (who.empty() ? "" : ", ") + procedure.role_title(r);
    return Error{"'" + action->title + "' may be taken by " + who + ", not by role '" +
                 request.actor.role + "'"};
  }
  nlohmann::json facts = case_facts;
  facts["input"] = request.inputs;
  if (action->guard) {
    auto holds = action->guard->evaluate(facts);
    if (!holds)
      return Error{procedure.file + ": guard of '" + action->id + "': " + holds.error().message};
    if (!*holds)
      return Error{"'" + action->title +
                   "' is not allowed for this case: its condition does not "
                   "hold (" +
                   action->guard->text() + ")"};
  }
  const StateRule* next = procedure.state(action->to);
  bool returns_to_enterprise =
      is_failing_outcome(action->outcome) || (next && next->waits_on_enterprise);
  if (action->remark_required && request.remark.find_first_not_of(" \t\r\n") == std::string::npos)
    return Error{"'" + action->title + "' needs a remark (备注)" +
                 (returns_to_enterprise ? " telling the enterprise what to correct"
                                        : std::string(": say why"))};
  for (const auto& in : action->inputs) {
    bool required = in.required;
    if (in.required_when) {
      auto holds = in.required_when->evaluate(facts);
      if (!holds)
        return Error{procedure.file + ": input '" + in.name + "': " + holds.error().message};
      required = required || *holds;
    }
    const auto& value =
        request.inputs.contains(in.name) ? request.inputs[in.name] : nlohmann::json();
    bool given = value.is_string() ? !value.get<std::string>().empty() : !value.is_null();
    if (required && !given)
      return Error{"'" + action->title + "' needs the input '" + in.name + "'" +
                   (in.one_of.empty() ? std::string() : " (one of: " + [&] {
                     std::string s;
                     for (const auto& o : in.one_of) s += (s.empty() ? "" : ", ") + o;
                     return s;
                   }() + ")")};
    if (given && !in.one_of.empty() &&
        (!value.is_string() || !contains(in.one_of, value.get<std::string>())))
      return Error{"input '" + in.name + "' of '" + action->title +
                   "' must be one of the listed values, not " + value.dump()};
  }
  for (const auto& [name, _] : request.inputs.items())
    if (std::none_of(action->inputs.begin(), action->inputs.end(),
                     [&](const InputRule& in) { return in.name == name; }))
      return Error{"'" + action->title + "' takes no input '" + name + "'"};
  if (action->resubmission) {
    auto failed = failed_requirements(procedure, facts);
    if (!failed) return failed.error();
    if (!failed->empty()) return Error{"the resubmission is refused: " + join_remarks(*failed)};
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
  if (auto entered = enter(*target, snapshot, request.at, step); !entered)
    return entered.error();
  step.clock_stopped = target->waits_on_enterprise;
  step.closes = target->final;
  step.remark = request.remark;
  step.inputs = request.inputs;
  step.effects = action->effects;
  step.outbox = messages(procedure, *action, facts);
  return step;
}

}  // namespace keydesk
