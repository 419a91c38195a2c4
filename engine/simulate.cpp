#include "engine/simulate.h"

#include <sstream>

#include "engine/internal/schemas.h"
#include "engine/internal/yaml_document.h"
#include "engine/registry.h"
#include "engine/submission.h"

namespace keydesk {

using internal::pointer_child;
using internal::YamlDocument;

Result<Scenario> load_scenario(const std::filesystem::path& path, const CounterHours& hours) {
  Diagnostics problems;
  auto doc = YamlDocument::load(path, problems);
  if (doc) {
    auto schema_problems = doc->validate(internal::scenario_schema());
    problems.insert(problems.end(), schema_problems.begin(), schema_problems.end());
  }
  if (!problems.empty()) return Error{problems_message(path.string(), problems.size()), problems};
  const auto& j = doc->json();
  Scenario s;
  s.file = path.string();
  s.procedure = j["procedure"];
  s.registry = j.value("registry", nlohmann::json::object());
  s.submission = j["submission"];
  auto time_at = [&](const std::string& pointer, const std::string& text, LocalTime& into) {
    auto t = parse_submission_time(text, hours);
    if (!t)
      problems.push_back(doc->at(pointer, t.error().message));
    else
      into = *t;
  };
  const auto& opened = j["opened"];
  s.opened_at_text = opened["at"];
  time_at("/opened/at", s.opened_at_text, s.opened_at);
  s.opened_by = {opened.value("user", "clerk"), opened.value("role", "authority_clerk"),
                 opened.value("authority", "")};
  s.expect_open_refusal = opened.value("refused", "");
  for (std::size_t i = 0; i < j["steps"].size(); ++i) {
    const auto& js = j["steps"][i];
    ScenarioStep step;
    step.at_text = js["at"];
    time_at(pointer_child("/steps", i) + "/at", step.at_text, step.at);
    const std::string role = js.value("role", "authority_clerk");
    step.actor = {js.value("user", role), role, js.value("authority", "")};
    step.action = js.value("action", "");
    step.check = js.value("check", "");
    if (step.action.empty() == step.check.empty())
      problems.push_back(doc->at(pointer_child("/steps", i),
                                 "每一步须写 action（一项操作）或 check（一次文书核验的结论），"
                                 "二者选一"));
    if (js.contains("expect_key")) step.expect_key = js["expect_key"];
    step.remark = js.value("remark", "");
    step.inputs = js.value("inputs", nlohmann::json::object());
    if (js.contains("submission")) step.submission_patch = js["submission"];
    step.expect_state = js.value("expect", "");
    step.expect_refusal = js.value("refused", "");
    s.steps.push_back(std::move(step));
  }
  if (!problems.empty()) return Error{problems_message(path.string(), problems.size()), problems};
  return s;
}

namespace {

std::string state_title(const Procedure& p, const std::string& id) {
  const StateRule* s = p.state(id);
  return s ? s->title : id;
}

void expect(SimulationLine& line, const std::string& expected_refusal,
            const std::string& expected_state, const std::string& state) {
  if (!expected_refusal.empty() && line.refused.find(expected_refusal) == std::string::npos)
    line.expectation_failed = line.refused.empty()
                                  ? "expected a refusal containing '" + expected_refusal + "'"
                                  : "refused, but not with '" + expected_refusal + "'";
  else if (expected_refusal.empty() && !line.refused.empty())
    line.expectation_failed = "expected the step to succeed";
  else if (!expected_state.empty() && expected_state != state)
    line.expectation_failed =
        "expected state '" + expected_state + "', the case is in '" + state + "'";
}

}  // namespace

Result<Simulation> simulate(const Scenario& scenario, const Procedure& procedure,
                            const WorkingCalendar& calendar, const CounterHours& hours) {
  MemoryRegistry registry;
  if (auto st = import_registry(registry, scenario.registry); !st)
    return Error{scenario.file + ": registry: " + st.error().message};
  Workflow workflow(calendar, hours);
  Simulation sim;
  sim.procedure = procedure.id;
  sim.title = procedure.title;
  sim.version = procedure.version;
  nlohmann::json submission = scenario.submission;
  std::string case_id = submission.value("id", "SIMULATED");

  SimulationLine opening;
  opening.at = scenario.opened_at_text;
  opening.actor = scenario.opened_by;
  opening.action = "open";
  opening.action_title = "受理";
  CaseSnapshot snapshot;
  snapshot.id = case_id;
  auto facts = case_facts(registry, submission, case_id, "", scenario.opened_at.date);
  if (!facts) return facts.error();
  auto opened = workflow.open(procedure, *facts, scenario.opened_at);
  if (!opened) {
    opening.refused = opened.error().message;
  } else {
    opening.to = opened->to;
    opening.to_title = state_title(procedure, opened->to);
    opening.due = opened->due;
    opening.due_pending_year = opened->due_pending_year;
    opening.clock_stopped = opened->clock_stopped;
    snapshot = {case_id, opened->to, 1, opened->due, opened->due_pending_year, opened->clock};
  }
  expect(opening, scenario.expect_open_refusal, "", snapshot.state);
  sim.expectations_met = opening.expectation_failed.empty();
  sim.lines.push_back(opening);
  if (!opened) {
    sim.final_state = "";
    return sim;
  }

  nlohmann::json recorded = nlohmann::json::object();  // the inputs recorded so far
  for (const auto& step : scenario.steps) {
    SimulationLine line;
    line.at = step.at_text;
    line.actor = step.actor;
    line.action = step.action;
    line.from = snapshot.state;
    if (!step.check.empty()) {
      // A document check of the submission as it is now: current until a resubmission.
      line.action = "document_check";
      line.action_title = "文书核验";
      line.outcome = step.check;
      line.to = snapshot.state;
      line.to_title = state_title(procedure, line.to);
      snapshot.check = DocumentCheck{"SIMULATED", step.check, true, ""};
      snapshot.unchecked_resubmission = false;
      sim.lines.push_back(std::move(line));
      continue;
    }
    if (const ActionRule* a = procedure.action(step.action)) {
      line.action_title = a->title;
      line.outcome = a->outcome;
    }
    nlohmann::json next = submission;
    if (!step.submission_patch.is_null()) next.merge_patch(step.submission_patch);
    auto step_facts = case_facts(registry, next, case_id, snapshot.state, step.at.date);
    if (!step_facts) return step_facts.error();
    ActionRequest request{step.action,
                          step.actor,
                          step.at,
                          step.remark,
                          step.inputs,
                          snapshot.version,
                          step.submission_patch.is_null() ? nlohmann::json() : next,
                          ""};
    auto planned = workflow.act(procedure, snapshot, request, *step_facts);
    nlohmann::json inputs = recorded;
    if (planned) {
      inputs.update(planned->inputs);
      if (auto st = apply_effects(registry, planned->effects, next, inputs, step.at.date); !st)
        planned = st.error();
    }
    if (!planned) {
      line.refused = planned.error().message;
      line.to = snapshot.state;
    } else {
      submission = next;
      line.to = planned->to;
      line.due = planned->due;
      line.due_pending_year = planned->due_pending_year;
      line.clock_stopped = planned->clock_stopped;
      line.remark = planned->remark;
      line.outbox = planned->outbox;
      line.effects = planned->effects;
      recorded = std::move(inputs);
      snapshot.state = planned->to;
      snapshot.version += 1;
      snapshot.due = planned->due;
      snapshot.due_pending_year = planned->due_pending_year;
      snapshot.clock = planned->clock;
      if (!request.submission.is_null()) {
        if (snapshot.check) snapshot.check->current = false;
        snapshot.unchecked_resubmission = true;
      }
    }
    line.to_title = state_title(procedure, line.to);
    expect(line, step.expect_refusal, step.expect_state, snapshot.state);
    if (line.expectation_failed.empty() && !step.expect_key.is_null()) {
      auto key = registry.key(text_at(next, "/applicant/login_username"));
      nlohmann::json now = key && *key ? key_json(**key) : nlohmann::json();
      for (const auto& [name, want] : step.expect_key.items())
        if (name == "registered") {
          if (want != nlohmann::json(now.is_object())) {
            line.expectation_failed = now.is_object()
                                          ? "expected no key in the registry, found " + now.dump()
                                          : "expected the key in the registry";
            break;
          }
        } else if (!now.is_object() || now.value(name, nlohmann::json()) != want) {
          line.expectation_failed = "expected the key's " + name + " to be " + want.dump() +
                                    ", it is " +
                                    (now.is_object() ? now.value(name, nlohmann::json()).dump()
                                                     : std::string("(no key)"));
          break;
        }
    }
    if (!line.expectation_failed.empty()) sim.expectations_met = false;
    sim.lines.push_back(std::move(line));
  }
  sim.final_state = snapshot.state;
  std::string username =
      submission.value("applicant", nlohmann::json::object()).value("login_username", "");
  auto k = registry.key(username);
  if (k && *k) sim.registry_after["key"] = key_json(**k);
  std::string uscc = submission.value("enterprise", nlohmann::json::object()).value("uscc", "");
  auto e = registry.enterprise(uscc);
  if (e && *e)
    sim.registry_after["enterprise"] = {{"uscc", (*e)->uscc},
                                        {"filing_has_uscc", (*e)->filing_has_uscc}};
  return sim;
}

std::string format_simulation(const Simulation& sim) {
  std::ostringstream out;
  out << sim.procedure << "  " << sim.title << '\n';
  for (const auto& l : sim.lines) {
    out << l.at << "  " << l.actor.role;
    if (!l.actor.user.empty() && l.actor.user != l.actor.role) out << "(" << l.actor.user << ")";
    out << "  " << l.action;
    if (!l.action_title.empty()) out << "「" << l.action_title << "」";
    if (!l.refused.empty()) {
      out << "\n    REFUSED: " << l.refused << '\n';
    } else if (l.action == "document_check") {
      out << "\n    check: " << l.outcome << "  (state unchanged: " << l.to << ")\n";
    } else {
      out << "\n    " << (l.from.empty() ? "" : l.from + " → ") << l.to << "（" << l.to_title
          << "）";
      if (l.due) out << "  due " << format_date(*l.due);
      if (l.due_pending_year) out << "  " << pending_deadline_text(l.due_pending_year);
      if (l.clock_stopped) out << "  clock stopped";
      out << '\n';
      if (!l.outcome.empty()) out << "    outcome: " << l.outcome << '\n';
      if (!l.remark.empty()) out << "    备注: " << l.remark << '\n';
      for (const auto& e : l.effects) out << "    registry: " << e << '\n';
      for (const auto& m : l.outbox)
        out << "    outbox: " << m.channel << " to " << (m.to.empty() ? "(no address)" : m.to)
            << ": " << m.subject << '\n';
    }
    if (!l.expectation_failed.empty())
      out << "    EXPECTATION FAILED: " << l.expectation_failed << '\n';
  }
  out << "final state: " << (sim.final_state.empty() ? "(not opened)" : sim.final_state) << '\n';
  if (sim.registry_after.contains("key"))
    out << "key after: " << sim.registry_after["key"].dump() << '\n';
  return out.str();
}

nlohmann::json simulation_json(const Simulation& sim) {
  nlohmann::json j = {
      {"procedure", sim.procedure},           {"version", sim.version},
      {"final_state", sim.final_state},       {"expectations_met", sim.expectations_met},
      {"registry_after", sim.registry_after}, {"steps", nlohmann::json::array()}};
  for (const auto& l : sim.lines) {
    nlohmann::json s = {{"at", l.at},
                        {"role", l.actor.role},
                        {"user", l.actor.user},
                        {"action", l.action},
                        {"outcome", l.outcome},
                        {"from", l.from},
                        {"to", l.to},
                        {"due", l.due ? nlohmann::json(format_date(*l.due)) : nlohmann::json()},
                        {"due_pending_year", l.due_pending_year ? nlohmann::json(l.due_pending_year)
                                                                : nlohmann::json()},
                        {"clock_stopped", l.clock_stopped},
                        {"remark", l.remark},
                        {"effects", l.effects}};
    if (!l.refused.empty()) s["refused"] = l.refused;
    if (!l.expectation_failed.empty()) s["expectation_failed"] = l.expectation_failed;
    s["outbox"] = nlohmann::json::array();
    for (const auto& m : l.outbox)
      s["outbox"].push_back(
          {{"notice", m.notice}, {"channel", m.channel}, {"to", m.to}, {"subject", m.subject}});
    j["steps"].push_back(s);
  }
  return j;
}

}  // namespace keydesk
