// Procedures (办理流程) as administrators declare them in rules/procedures/*.yaml
// (schemas/procedure.schema.json; the format is described in docs/rules.md).
//
// A procedure is a state machine over a case:
//
//      open ──► start state ──action──► state ──action──► … ──► final state
//                    ▲                     │
//                    └──── resubmission ◄──┘ (a failed review returns the case to the
//                                             enterprise; the clock stops until it resubmits)
//
// Each state names the role expected to act and may carry a working-day deadline; each action
// names the roles that may take it, its source states, its target, an optional guard, the review
// outcome it records (核验通过 …), whether a remark (备注) is required, registry effects and the
// notices it puts in the outbox. Requirements are the seed's business rules (original username
// for a reissue, reason required …): they must hold to open a case and to resubmit it.
//
// Loading validates the file against the schema and then its meaning (lint): unknown
// roles/states/materials/notices, unreachable states, dead ends, deadlines without a calendar,
// failing outcomes without a required remark, guard syntax and unknown facts. Every problem is a
// Diagnostic at file:line:column.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "common/result.h"
#include "engine/guard.h"

namespace keydesk {

// The ranges procedure.schema.json gives a procedure file's numbers. The reader checks them
// again as it reads, in 64 bits, so a value the schema let through is never narrowed into an int.
//
// Paper copies of a material: counters ask for one to three; more than 20 is a slip of the key.
inline constexpr int kMaxCopies = 20;
// An upload's size limit in KB: a scanned page is well under 10 MB; 102,400 KB (100 MB) bounds
// any file the document check would read.
inline constexpr int kMaxUploadKb = 102400;
// A state's deadline in working days: the procedures' time limits are days to a few weeks
// (行政许可法: 20 working days, 10 more when extended). 365 working days, about a year and a
// half, is past anything a counter promises, and a due date further off would lie beyond the
// holiday data (published a year at a time) anyway.
inline constexpr int kMaxDeadlineDays = 365;

struct MaterialRule {
  std::string id;
  std::string title;
  std::vector<std::string> types;  // any one of them is accepted
  int copies = 1;                  // 1..kMaxCopies
  std::optional<Guard> required_when;
  bool upload = false;
  bool seal = false;
  std::string signature;  // "", "legal_representative", "authorized_user"
  int max_kb = 0;         // 1..kMaxUploadKb; 0: no limit
  // The items of the form's tick list of which one must be ticked (补办); empty: not checked.
  std::vector<std::string> tick;
  std::vector<std::string> fields;

  // The e-key itself, handed in: an object, not a scan (no file to check; a requirement says
  // when it must be there).
  bool is_ekey() const { return types.size() == 1 && types.front() == "ekey"; }
};

struct Requirement {
  std::string id;
  std::string title = {};  // the condition in a few Chinese words (证书未过期), or ""
  std::optional<Guard> when;
  Guard require;
  std::string finding;  // e.g. "username.not_original"
  std::string remark;   // 备注 for the enterprise
};

struct StateRule {
  std::string id;
  std::string title;
  std::string actor;
  int deadline_days = 0;   // 1..kMaxDeadlineDays; 0: no deadline of its own
  std::string carry_from;  // keeps the due date set in that state
  bool waits_on_enterprise = false;
  bool final = false;
};

// One value an input may take (one_of), with the Chinese label people see and may type.
struct InputChoice {
  std::string value;  // what is recorded and what guards compare: fax
  std::string title;  // 传真
};

// Something the person taking an action fills in (运单号, 寄送方式 …), declared under the
// action's `inputs:`. Refusals and forms name it by its title, never by its name.
struct InputRule {
  std::string name;        // the key in the file and in the request: waybill
  std::string title = {};  // the Chinese label: 运单号 (lint requires it)
  std::string hint = {};   // a help line shown with the field, or ""
  bool required = false;
  std::optional<Guard> required_when;
  std::vector<InputChoice> choices = {};  // the values allowed, file order; empty: any text
  std::vector<std::string> one_of;        // the choices' values, in the same order

  // The choice `text` names, by its value (fax) or by its title (传真); nullptr when none.
  const InputChoice* choice(const std::string& text) const;
  // "传真、快递": the choices' titles, for messages.
  std::string choice_titles() const;
};

// An effect on the registry or a notice an action has, and the condition under which it does
// (`{effect: mark_key_lost, when: "submission.key_lost == true"}`); none: always.
struct Consequence {
  std::string name;
  std::optional<Guard> when = std::nullopt;
};

// Where a new case starts: the first entry of `start:` whose condition holds.
struct StartRule {
  std::string state;
  std::optional<Guard> when = std::nullopt;
};

struct ActionRule {
  std::string id;
  std::string title;
  std::string outcome;  // 核验通过 / 核验未通过 / 复核通过 / 复核未通过 / 复验通过 / 复验未通过 /
                        // 审核通过 / 审核未通过 or ""
  std::vector<std::string> from;
  std::string to;
  std::vector<std::string> roles;
  std::optional<Guard> guard;
  bool remark_required = false;
  bool resubmission = false;
  // The action says the material is in order: refused while the case's current document check
  // (keydesk batch verify) is fail or review, unless the actor gives a reason to override it.
  bool requires_check = false;
  std::vector<InputRule> inputs;
  std::vector<Consequence> effects;
  std::vector<Consequence> notify;
};

struct NoticeRule {
  std::string id;
  std::string channel;
  std::string to;  // fact path of the address
  std::string subject;
  std::string body;
};

struct Procedure {
  std::string id;
  std::string title;
  std::string seed;
  std::string channel;
  std::string calendar;  // "counter", a calendar id, or "" when no deadlines
  std::vector<std::pair<std::string, std::string>> roles;  // (id, title), file order
  std::vector<MaterialRule> materials;
  std::vector<Requirement> requirements;
  std::string start;              // the default start state (the last of `starts`)
  std::vector<StartRule> starts;  // file order; the last has no condition
  std::vector<StateRule> states;  // file order
  std::vector<ActionRule> actions;
  std::vector<NoticeRule> notices;
  std::string file;
  std::string version;  // content hash of the file (SHA-256, hex): a new version per edit
  std::string source;   // the file's text, kept with the version

  const StateRule* state(const std::string& id) const;
  const ActionRule* action(const std::string& id) const;
  const NoticeRule* notice(const std::string& id) const;
  bool has_role(const std::string& id) const;
  std::string role_title(const std::string& id) const;
};

// Review outcomes that fail a case; an action recording one must require a remark.
bool is_failing_outcome(const std::string& outcome);

// Parses and lints one procedure from `text` (read from `file`). Errors carry diagnostics.
Result<Procedure> parse_procedure(const std::string& text, const std::string& file);
// Reads `path` and parses it.
Result<Procedure> load_procedure(const std::filesystem::path& path);

// Every procedure file in `dir` (*.yaml), by id. Files with problems are left out and their
// diagnostics collected in `problems`, so one broken file does not stop the others.
std::map<std::string, Procedure> load_procedures(const std::filesystem::path& dir,
                                                 Diagnostics& problems);

}  // namespace keydesk
