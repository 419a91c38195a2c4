// Who sees which case and how much of it (engine/access.h), decided in the engine for every
// front: the table of access.h, role by role.
#include "engine/access.h"

#include <catch2/catch.hpp>

using namespace keydesk;

TEST_CASE("each role sees the cases and the ID data the access table gives it, and no more") {
  auto procedure = load_procedure(KEYDESK_RULES_DIR "/procedures/reissue.yaml");
  REQUIRE(procedure);
  CaseRecord own;
  own.id = "C-1";
  own.authority = "示例省商务厅（发证机构）";
  own.state = "authority_review";
  CaseRecord at_vendor = own;
  at_vendor.state = "vendor_review";
  const Actor clerk{"c", "authority_clerk", "示例省商务厅（发证机构）"};
  const Actor other_clerk{"o", "authority_clerk", "另一市商务局（发证机构）"};
  const Actor vendor{"v", "vendor_reviewer", ""};
  const Actor auditor{"a", "auditor", "示例省商务厅（发证机构）"};
  const Actor auditor_all{"a2", "auditor", ""};
  const Actor other_auditor{"a3", "auditor", "另一市商务局（发证机构）"};
  const Actor admin{"x", "administrator", ""};

  CHECK_FALSE(cannot_see(clerk, own, *procedure));
  CHECK_THAT(*cannot_see(other_clerk, own, *procedure), Catch::Contains("不属于"));
  CHECK_THAT(*cannot_see(vendor, own, *procedure), Catch::Contains("未转至服务商"));
  CHECK_FALSE(cannot_see(vendor, at_vendor, *procedure));
  CHECK_FALSE(cannot_see(auditor, own, *procedure));
  CHECK_FALSE(cannot_see(auditor_all, own, *procedure));
  CHECK(cannot_see(other_auditor, own, *procedure));
  CHECK(*cannot_see(admin, own, *procedure) == kAdministratorsDecideNoCases);

  // Shipped back by the vendor: still theirs to see (已处理), its ID numbers no longer.
  CaseRecord shipped = own;
  shipped.state = "key_in_transit";
  shipped.vendor_handled = true;
  CHECK_FALSE(cannot_see(vendor, shipped, *procedure));
  CaseRecord never_at_vendor = shipped;
  never_at_vendor.vendor_handled = false;
  CHECK(cannot_see(vendor, never_at_vendor, *procedure));

  CHECK(sees_full_id(clerk, own, *procedure));
  CHECK(sees_full_id(clerk, shipped, *procedure));
  CHECK(sees_full_id(vendor, at_vendor, *procedure));
  CHECK_FALSE(sees_full_id(vendor, shipped, *procedure));
  CHECK_FALSE(sees_full_id(auditor, own, *procedure));
  CHECK_FALSE(sees_full_id(auditor, at_vendor, *procedure));
  CHECK(shows_id_number("id_card_copy"));
  CHECK(shows_id_number("power_of_attorney"));
  CHECK_FALSE(shows_id_number("business_licence"));
}
