#include "engine/access.h"

#include "engine/workflow.h"

namespace keydesk {

const char* const kAdministratorsDecideNoCases =
    "管理员管理规则和账户，不办理案件 (administrators manage rules and accounts, not cases)";

Actor viewer_of(const Account& account) { return {account.name, account.role, account.authority}; }

namespace {
// The case waits on the vendor now: its state has an action of the vendor's.
bool at_vendor_now(const Actor& a, const CaseRecord& c, const Procedure& p) {
  return a.role == "vendor_reviewer" && !Workflow::actions_for(p, c.state, a.role).empty();
}
}  // namespace

std::optional<std::string> cannot_see(const Actor& a, const CaseRecord& c, const Procedure& p) {
  if (a.role == "administrator") return std::string(kAdministratorsDecideNoCases);
  if (a.role == "authority_clerk" && c.authority != a.authority)
    return "案件 " + c.id + " 属于" + c.authority + "，不属于" + a.authority +
           " (the case belongs to another authority)";
  if (a.role == "auditor" && !a.authority.empty() && c.authority != a.authority)
    return "案件 " + c.id + " 属于" + c.authority + " (the case belongs to another authority)";
  if (a.role == "vendor_reviewer" && !c.vendor_handled && !at_vendor_now(a, c, p))
    return "案件 " + c.id + " 未转至服务商，服务商不能查看 (the case has not been at the vendor)";
  if (a.role != "authority_clerk" && a.role != "vendor_reviewer" && a.role != "auditor")
    return "角色“" + a.role + "”不能查看案件 (role " + a.role + " sees no case)";
  return std::nullopt;
}

bool sees_full_id(const Actor& a, const CaseRecord& c, const Procedure& p) {
  return a.role == "authority_clerk" || at_vendor_now(a, c, p);
}

const char* const kIdScanRefused =
    "此扫描件含身份证号码，仅发证机构经办人员和正在复核该案件的服务商人员可以查看 (only the "
    "authority's clerks, and vendor staff while the case is at the vendor, see scans that show "
    "an ID number)";

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
