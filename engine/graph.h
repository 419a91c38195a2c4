// A procedure's state diagram as Graphviz DOT or Mermaid text (keydesk rules graph).
#pragma once

#include <string>

#include "engine/procedure.h"

namespace keydesk {

// States are boxes (with their deadline, doubled when final, dashed while the clock is stopped);
// actions are edges labelled with their title and the roles that may take them.
std::string procedure_dot(const Procedure& procedure);
std::string procedure_mermaid(const Procedure& procedure);

}  // namespace keydesk
