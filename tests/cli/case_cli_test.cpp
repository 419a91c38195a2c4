// `keydesk case`, `keydesk registry` and `keydesk rules` as a user runs them: a real database
// file, exit codes, masked personal data, refusals.
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support.h"

using keydesk::test::run_keydesk;
using keydesk::test::TempDir;

namespace {

// A rules directory with the national calendar and the test procedure, and a database.
struct Counter {
  TempDir dir;
  std::string k;
  Counter() {
    std::filesystem::create_directories(dir.path() / "rules/procedures");
    std::filesystem::copy(KEYDESK_RULES_DIR "/calendars", dir.path() / "rules/calendars",
                          std::filesystem::copy_options::recursive);
    std::filesystem::copy(KEYDESK_TEST_DATA "/procedures/review_loop.yaml",
                          dir.path() / "rules/procedures/");
    dir.write("rules/counter.yaml", "authority: 测试省商务厅\ncalendar: cn-national\n");
    dir.write(
        "registry.json",
        R"({"enterprises": [{"uscc": "91110105MA01ABCD5F", "name": "北京示例进出口有限公司", "kind": "domestic"}],
      "keys": [{"login_username": "bjsl001", "uscc": "91110105MA01ABCD5F", "status": "lost"}]})");
    dir.write("S-1/submission.json", R"({"id": "S-1", "procedure": "review_loop",
      "enterprise": {"name": "北京示例进出口有限公司", "uscc": "91110105MA01ABCD5F"},
      "applicant": {"login_username": "bjsl001", "email": "z@example.com",
                    "authorized_user": {"name": "张三", "id_number": "110105199001010029"}},
      "reason": "丢失", "materials": [{"type": "application_form", "file": "application_form.jpg"}]})");
    dir.write("S-1/application_form.jpg", "not read by these tests");
    k = "--rules '" + (dir.path() / "rules").string() + "' --db '" +
        (dir.path() / "k.db").string() + "' ";
    REQUIRE(run_keydesk(k + "registry import '" + (dir.path() / "registry.json").string() + "'")
                .exit_code == 0);
  }
  keydesk::test::Run run(const std::string& args) { return run_keydesk(k + args); }
  std::string path(const char* p) { return "'" + (dir.path() / p).string() + "'"; }
};

}  // namespace

TEST_CASE("a clerk opens a case from a submission folder and sees its deadline and actions") {
  Counter c;
  auto r = c.run("case open " + c.path("S-1") + " --user 王芳 --at 2026-11-20T16:40:00+08:00");
  REQUIRE(r.exit_code == 0);
  CHECK(r.out ==
        "S-1  review_loop  review（核验）  v1  办结期限 2026-11-24  北京示例进出口有限公司\n");
  r = c.run("case show S-1");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("经办人 张三 110105********0029"));
  CHECK(r.out.find("110105199001010029") == std::string::npos);
  CHECK_THAT(r.out, Catch::Contains("fail「核验未通过」  [authority_clerk]  须填写备注 --remark"));
  CHECK_THAT(r.out, Catch::Contains("发证机构  测试省商务厅"));
  r = c.run("case open " + c.path("S-1") + " --at 2026-11-20T16:41:00+08:00");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("already open"));
}

TEST_CASE("a returned case is resubmitted, passed on, and its history and audit hold") {
  Counter c;
  REQUIRE(c.run("case open " + c.path("S-1") + " --at 2026-11-20T16:40:00+08:00").exit_code == 0);
  auto r =
      c.run("case act S-1 fail --version 1 --role authority_clerk --at 2026-11-23T10:00:00+08:00");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("needs a remark"));
  r = c.run(
      "case act S-1 fail --version 1 --role authority_clerk --remark 缺少授权委托书 --at "
      "2026-11-23T10:00:00+08:00");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("returned（退回）  v2  计时暂停（等待企业补正后重新提交）"));
  r = c.run(
      "case act S-1 fail --version 1 --role authority_clerk --remark again --at "
      "2026-11-23T10:00:01+08:00");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("has changed since you saw it"));
  r = c.run("case act S-1 resubmit --version 2 --role enterprise --submission " + c.path("S-1") +
            " --at 2026-11-24T09:00:00+08:00");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("review（核验）  v3  办结期限 2026-11-26"));
  r = c.run("case history S-1");
  CHECK_THAT(r.out, Catch::StartsWith("#1  2026-11-20T16:40:00+08:00  authority_clerk("));
  CHECK_THAT(r.out, Catch::Contains("#2  2026-11-23T10:00:00+08:00  authority_clerk(") &&
                        Catch::Contains("review → returned  核验未通过  备注: 缺少授权委托书"));
  r = c.run("case verify-audit");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("3 event(s): the audit chain is intact"));
}

TEST_CASE("case show lists an action's inputs by title, and a choice may be typed by its title") {
  Counter c;
  REQUIRE(c.run("case open " + c.path("S-1") + " --at 2026-11-20T16:40:00+08:00").exit_code == 0);
  REQUIRE(c.run("case act S-1 pass --version 1 --role authority_clerk --at "
                "2026-11-23T10:00:00+08:00")
              .exit_code == 0);
  REQUIRE(c.run("case act S-1 approve --version 2 --role vendor_reviewer --at "
                "2026-11-24T10:00:00+08:00")
              .exit_code == 0);
  auto r = c.run("case show S-1 --role vendor_reviewer");
  CHECK_THAT(
      r.out,
      Catch::Contains("      --input method=fax（传真）|courier（快递）  寄送方式\n") &&
          Catch::Contains("      --input waybill=…  运单号（视情况必填）：快递寄出时填写\n") &&
          Catch::Contains(
              "      --input serial=…  电子钥匙序列号（必填）：新制电子钥匙上的序列号\n"));
  auto j = nlohmann::json::parse(c.run("--json case show S-1 --role vendor_reviewer").out);
  REQUIRE(j["actions"].size() == 1);
  const auto& method = j["actions"][0]["inputs"][0];
  CHECK(method["title"] == "寄送方式");
  CHECK(method["one_of"] == nlohmann::json::array({"fax", "courier"}));
  CHECK(method["choices"][1] == nlohmann::json({{"value", "courier"}, {"title", "快递"}}));
  CHECK(j["actions"][0]["inputs"][1]["required_when"] == "input.method == 'courier'");
  // Typed by its title, 快递 is courier: the waybill is then wanted, by its title.
  auto ship = [&](const std::string& typed) {
    return c.run("case act S-1 ship --version 3 --role vendor_reviewer --input method=" + typed +
                 " --input serial=K-1 --at 2026-11-25T10:00:00+08:00");
  };
  r = ship("快递");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("“寄出”须填写“运单号”"));
  r = ship("邮寄");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("“寄送方式”须为以下之一：传真、快递（填写的是“邮寄”）"));
}

TEST_CASE("case list --search finds a case by name, and refuses bytes that are not UTF-8") {
  Counter c;
  REQUIRE(c.run("case open " + c.path("S-1") + " --at 2026-11-20T16:40:00+08:00").exit_code == 0);
  auto r = c.run("case list --search 示例进出口");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("S-1") && Catch::Contains("共 1 件"));
  // A terminal in GBK sends 示例 as CA BE C0 FD: refused in Chinese before any query.
  r = c.run("case list --search \"$(printf '\\312\\276\\300\\375')\"");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("查询内容含有无法识别的字符"));
}

TEST_CASE("overdue lists late cases first and exits 1 when there are any") {
  Counter c;
  REQUIRE(c.run("case open " + c.path("S-1") + " --at 2026-11-20T16:40:00+08:00").exit_code == 0);
  auto r = c.run("case overdue --today 2026-11-24");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out,
             Catch::Contains("overdue on 2026-11-24: 0") && Catch::Contains("due today: 1\nS-1"));
  r = c.run("--json case overdue --today 2026-11-25");
  CHECK(r.exit_code == 1);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["overdue"][0]["id"] == "S-1");
}

TEST_CASE("a submission that is not JSON, or names an unknown procedure, is refused clearly") {
  Counter c;
  c.dir.write("bad/submission.json", "{ not json");
  auto r = c.run("case open " + c.path("bad"));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("不是有效的 JSON"));
  c.dir.write(
      "odd/submission.json",
      R"({"id": "S-7", "procedure": "teleport", "enterprise": {"name": "某公司", "uscc": "1"}})");
  r = c.run("case open " + c.path("odd"));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("没有业务“teleport”"));
  r = c.run("case show S-404");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("no case S-404"));
}

TEST_CASE("registry pin locks a key on the sixth wrong entry") {
  Counter c;
  c.dir.write("k.json", R"({"keys": [{"login_username": "pin01", "uscc": "91110105MA01ABCD5F"}]})");
  REQUIRE(c.run("registry import " + c.path("k.json")).exit_code == 0);
  for (int i = 0; i < 5; ++i) REQUIRE(c.run("registry pin pin01 --wrong").exit_code == 0);
  auto r = c.run("registry pin pin01 --wrong");
  CHECK(r.out == "pin01  locked  wrong PIN entries in a row: 6\n");
  r = c.run("registry pin pin01 --correct");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("PIN 解锁"));
}

TEST_CASE("rules lint exits 1 with file:line:column on a broken procedure and 0 when clean") {
  Counter c;
  auto r = c.run("rules lint --today 2026-11-24");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("：流程文件 1 个，日历文件 1 个，没有错误"));
  c.dir.write(
      "rules/procedures/broken.yaml",
      "id: broken\ntitle: x\nroles: { a: b }\nstart: s\nstates:\n  s: { title: s }\nactions: []\n");
  r = c.run("rules lint --today 2026-11-24");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("broken.yaml:7:10: error:"));
}

TEST_CASE("rules graph renders dot, mermaid and svg through Graphviz") {
  Counter c;
  auto r = c.run("rules graph review_loop --format svg");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("<svg") && Catch::Contains("核验未通过"));
  r = c.run("rules graph review_loop --format mermaid");
  CHECK_THAT(r.out, Catch::StartsWith("---\ntitle: 测试流程 (review_loop)"));
  r = c.run("rules graph nope");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("找不到流程“nope”") && Catch::Contains("现有：review_loop"));
}

TEST_CASE(
    "a case whose deadline reaches a year without holiday data opens pending, is listed as "
    "such, and gets its due date from calendar reproject once the year is entered") {
  Counter c;
  auto r = c.run("case open " + c.path("S-1") + " --at 2026-12-30T10:00:00+08:00");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("办结期限待定：2027年节假日安排尚未录入"));
  r = c.run("--json case show S-1");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["due"].is_null());
  CHECK(j["due_pending_year"] == 2027);
  CHECK_THAT(c.run("case list").out, Catch::Contains("办结期限待定：2027年节假日安排尚未录入"));
  // Never lost from sight: case overdue lists it in a group of its own.
  r = c.run("case overdue --today 2027-02-01");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("deadline pending (办结期限待定，节假日安排尚未录入): 1\nS-1"));
  j = nlohmann::json::parse(c.run("--json case overdue --today 2027-02-01").out);
  REQUIRE(j["deadline_pending"].size() == 1);
  CHECK(j["deadline_pending"][0]["id"] == "S-1");
  // The counter goes on: the case is passed to the vendor (3 working days, pending too).
  r = c.run("case act S-1 pass --version 1 --role authority_clerk --at 2026-12-30T11:00:00+08:00");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("vendor（复核）  v2  办结期限待定：2027年"));
  CHECK_THAT(c.run("calendar status --today 2026-12-02").out,
             Catch::Contains("1件在办案件的办结期限待定"));
  // The 2027 block (a test fixture) is entered: the deadline is computed from the case's clock.
  std::ofstream(c.dir.path() / "rules/calendars/cn-national.yaml", std::ios::app)
      << std::ifstream(KEYDESK_TEST_DATA "/calendar-2027-fixture.yaml").rdbuf();
  r = c.run("calendar reproject --user 管理员");
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("S-1  办结期限待定（2027年） → 2027-01-05"));
  CHECK_THAT(r.out, Catch::Contains("办结期限已变更 1 件"));
  j = nlohmann::json::parse(c.run("--json case show S-1").out);
  CHECK(j["due"] == "2027-01-05");
  CHECK(j["due_pending_year"].is_null());
  CHECK(j["version"] == 2);
  r = c.run("case history S-1");
  CHECK_THAT(r.out, Catch::Contains("deadline_reprojected"));
  CHECK_THAT(r.out, Catch::Contains("办结期限重新计算：办结期限待定（2027年） → 2027-01-05"));
  CHECK(c.run("case verify-audit").exit_code == 0);
  r = c.run("calendar reproject");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("办结期限已变更 0 件"));
}

TEST_CASE("calendar reproject on a broken calendar file changes nothing and names the line") {
  Counter c;
  REQUIRE(c.run("case open " + c.path("S-1") + " --at 2026-12-30T10:00:00+08:00").exit_code == 0);
  std::ofstream(c.dir.path() / "rules/calendars/cn-national.yaml", std::ios::app)
      << "  - year: 2027\n    notices: []\n    holidays: [{ name: 元旦, from: 2027-02-30 }]\n";
  auto r = c.run("calendar reproject");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("cn-national.yaml:"));
  CHECK_THAT(r.err, Catch::Contains("办结期限均未重新计算"));
  auto j = nlohmann::json::parse(c.run("--json case show S-1").out);
  CHECK(j["due_pending_year"] == 2027);
  CHECK(c.run("case history S-1").out.find("deadline_reprojected") == std::string::npos);
}
