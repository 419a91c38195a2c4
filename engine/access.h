// Who sees which case, and how much of it: the rules both fronts (and any later one) apply.
//
//   role              cases                                          ID numbers and ID scans
//   ----------------  ---------------------------------------------  -----------------------
//   authority_clerk   of their own authority                          whole (they check the
//                                                                      form against the ID card
//                                                                      and hand the key over)
//   vendor_reviewer   at the vendor now (a state with a vendor        whole while at the vendor
//                     action), or handled by the vendor before (an    (re-review, the key's
//                     action of theirs in the history), of every      certificate); masked and
//                     authority                                       no ID scans once it has
//                                                                      left them
//   auditor           of their authority (all when they have none)    masked; no ID scans
//   administrator     none: rules and accounts, never cases           —
#pragma once

#include <optional>
#include <string>

#include "engine/accounts.h"
#include "engine/case_store.h"
#include "engine/procedure.h"
#include "engine/workflow.h"

namespace keydesk {

// 管理员管理规则和账户，不办理案件 — the refusal of every case request by an administrator.
extern const char* const kAdministratorsDecideNoCases;

// The person looking, as the access rules see them: name, role and authority.
Actor viewer_of(const Account& account);

// Why `viewer` may not see case `c` (of procedure `p`), in Chinese with English detail; nullopt
// when they may.
std::optional<std::string> cannot_see(const Actor& viewer, const CaseRecord& c, const Procedure& p);

// Whether `viewer` is shown the ID numbers of case `c` (of procedure `p`) whole, and its scans
// that show one (else masked, mask_personal_data(), and those scans refused).
bool sees_full_id(const Actor& viewer, const CaseRecord& c, const Procedure& p);

// Why a viewer who sees ID numbers masked is not shown a scan with one, in Chinese.
extern const char* const kIdScanRefused;

// Whether `viewer` may see the cases of some authority at all, and which: the authority their
// listings are limited to ("" for all). An Error (forbidden) for administrators and unknown
// roles.
Result<std::string> listing_authority(const Actor& viewer);

// Material types whose scan shows a resident ID number whole: the ID card copy, and the power of
// attorney that names the authorized user by it. Not shown to those who see ID numbers masked.
bool shows_id_number(const std::string& material_type);

}  // namespace keydesk
