// The morning digest's text: the overdue and due-today cases of one authority (or of the
// vendor), as the people who must act on them read it.
#pragma once

#include <string>
#include <vector>

#include "engine/calendar.h"
#include "engine/workflow.h"

namespace keydesk {

struct DigestCase {
  std::string id;
  std::string enterprise;
  std::string procedure_title;
  std::string state_title;
  Date due;
};

// The digest of `day` for `whose` (an authority's name, or the vendor's), listing `overdue`
// (due before `day`) and `due_today`: subject and body, in Chinese. `notice` is "digest".
OutboxMessage compose_digest(const std::string& whose, const std::string& to, Date day,
                             const std::vector<DigestCase>& overdue,
                             const std::vector<DigestCase>& due_today);

}  // namespace keydesk
