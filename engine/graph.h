// A procedure's state diagram as Graphviz DOT or Mermaid text (keydesk rules graph).
#pragma once

#include <string>

#include "common/result.h"
#include "engine/procedure.h"

namespace keydesk {

// States are boxes (with their deadline, doubled when final, dashed while the clock is stopped);
// actions are edges labelled with their title and the roles that may take them.
std::string procedure_dot(const Procedure& procedure);
std::string procedure_mermaid(const Procedure& procedure);

// Runs Graphviz `dot -Tsvg` on `dot_text`; the SVG, or an Error saying how to get Graphviz.
Result<std::string> dot_to_svg(const std::string& dot_text);

}  // namespace keydesk
