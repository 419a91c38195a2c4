#include "engine/access.h"

#include "engine/workflow.h"

namespace keydesk {

const char* const kAdministratorsDecideNoCases =
    "管理员管理规则和账户，不办理案件 (administrators manage rules and accounts, not cases)";

Actor viewer_of(const Account& account) { return {account.name, account.role, account.authority}; }

std::optional<std::string> cannot_see(const Actor& a, const CaseRecord& c, const Procedure& p) {
  if (a.role == "administrator") return std::string(kAdministratorsDecideNoCases);
  if (a.role == "authority_clerk" && c.authority != a.authority)
    return "案件 " + c.id + " 属于" + c.authority + "，不属于" + a.authority +
           " (the case belongs to another authority)";
  if (a.role == "auditor" && !a.authority.empty() && c.authority != a.authority)
    return "案件 " + c.id + " 属于" + c.authority + " (the case belongs to another authority)";
  if (a.role == "vendor_reviewer" && Workflow::actions_for(p, c.state, a.role).empty())
    return "案件 " + c.id + " 未转至服务商 (the case is not at the vendor)";
  if (a.role != "authority_clerk" && a.role != "vendor_reviewer" && a.role != "auditor")
    return "角色“" + a.role + "”不能查看案件 (role " + a.role + " sees no case)";
  return std::nullopt;
}

bool sees_full_id(const Actor& a) {
  return a.role == "authority_clerk" || a.role == "vendor_reviewer";
}

Result<std::string> listing_authority(const Actor& a) {
  if (a.role == "administrator")
    return error_of(ErrorKind::forbidden, kAdministratorsDecideNoCases);
  if (a.role == "vendor_reviewer") return std::string();
  if (a.role == "authority_clerk" || a.role == "auditor") return a.authority;
  return error_of(ErrorKind::forbidden,
                  "角色“" + a.role + "”不能查看案件 (role " + a.role + " sees no case)");
}

bool shows_id_number(const std::string& material_type) {
  return material_type == "id_card_copy" || material_type == "power_of_attorney";
}

}  // namespace keydesk
