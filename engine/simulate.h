// Simulation: a procedure, a registry, a submission and timed actions in; the state path with
// every deadline, refusal, outbox message and registry change out. Touches no database: the
// same Workflow as real cases runs over a MemoryRegistry.
//
// Scenario files (examples/scenarios/*.yaml, schemas/scenario.schema.json):
//   procedure: reissue
//   registry: { enterprises: [...], keys: [...] }          # registry.h import format
//   submission: { id: S-…, enterprise: {…}, applicant: {…}, reason: …, materials: […] }
//   opened: { at: 2026-11-20T16:40:00+08:00, role: authority_clerk, user: 王芳 }
//   steps:
//     - { at: …, role: authority_clerk, user: 王芳, action: fail_review, remark: …,
//         inputs: {…}, submission: {…}   # a JSON merge patch on the submission (resubmission)
//         expect: returned               # the state the case must be in afterwards
//         refused: "needs a remark" }    # or: the action must be refused with this text
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "engine/calendar.h"
#include "engine/procedure.h"
#include "engine/workflow.h"

namespace keydesk {

struct ScenarioStep {
  std::string at_text;
  LocalTime at;
  Actor actor;
  std::string action;
  std::string remark;
  nlohmann::json inputs = nlohmann::json::object();
  nlohmann::json submission_patch;  // null: unchanged
  std::string expect_state;         // "" : not checked
  std::string expect_refusal;       // "" : the action must succeed
  // Instead of an action: a document check of the submission as it is now, with this verdict
  // (pass | fail | review), as keydesk batch verify would record it.
  std::string check;
  // What the applicant's key must look like in the registry afterwards ({status: lost, …};
  // {registered: false}: no such key at all); null: not checked.
  nlohmann::json expect_key;
};

struct Scenario {
  std::string file;
  std::string procedure;
  nlohmann::json registry = nlohmann::json::object();
  nlohmann::json submission = nlohmann::json::object();
  std::string opened_at_text;
  LocalTime opened_at;
  Actor opened_by;
  std::string expect_open_refusal;
  std::vector<ScenarioStep> steps;
};

// Reads a scenario file; problems come back as file:line:column diagnostics.
Result<Scenario> load_scenario(const std::filesystem::path& path, const CounterHours& hours);

struct SimulationLine {
  std::string at;
  Actor actor;
  std::string action;
  std::string action_title;
  std::string outcome;
  std::string from;
  std::string to;
  std::string to_title;
  std::optional<Date> due;
  int due_pending_year = 0;  // no due date: the calendar lacks this year
  bool clock_stopped = false;
  std::string remark;
  std::string refused;  // the refusal message, when the engine refused the step
  std::vector<OutboxMessage> outbox;
  std::vector<std::string> effects;
  std::string expectation_failed;  // what the scenario expected and did not happen
};

struct Simulation {
  std::string procedure;
  std::string title;
  std::string version;
  std::string final_state;
  std::vector<SimulationLine> lines;
  nlohmann::json registry_after;  // the applicant's key and enterprise after the run
  bool expectations_met = true;
};

// Runs `scenario` on `procedure`. Refused steps are part of the result (the case stays where it
// was); an Error only when the scenario cannot run at all (e.g. its registry is invalid).
Result<Simulation> simulate(const Scenario& scenario, const Procedure& procedure,
                            const WorkingCalendar& calendar, const CounterHours& hours);

// The simulation as text, one line per step: the form golden tests compare.
std::string format_simulation(const Simulation& simulation);
nlohmann::json simulation_json(const Simulation& simulation);

}  // namespace keydesk
