// A case as JSON, the same for `keydesk case … --json` and the web counter's API.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/case_store.h"

namespace keydesk {

namespace internal {
class JsonWriter;
}

// {id, procedure, procedure_version, authority, uscc, state, version, due, due_pending_year,
// deadline_text, clock_stopped, closed, opened_at, updated_at, enterprise} and, with `procedure`,
// its title and the state's title.
nlohmann::json case_json(const CaseRecord& c, const Procedure* procedure);
// The same members written into the object `out` is writing (case_json() is made from them).
void write_case_members(internal::JsonWriter& out, const CaseRecord& c, const Procedure* procedure);

// An audit event as JSON: {seq, at, user, role, authority, action, from, to, outcome, remark};
// `with_chain` adds its data and hash (keydesk case history --json).
nlohmann::json audit_event_json(const AuditEvent& e, bool with_chain = false);

// An action a client may offer: {id, title, outcome, roles, remark_required, requires_check,
// resubmission, inputs}. Each input is {name, title, hint, required, required_when (the guard's
// text, or null), one_of (the values), choices ([{value, title}])}: a form labels the field with
// its title and offers the choices by title; either a choice's value or its title may be sent.
nlohmann::json action_json(const ActionRule& action);

}  // namespace keydesk
