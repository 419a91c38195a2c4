// `keydesk docs …` as a clerk runs it: from the example JSON files and from cases in a database;
// exit codes, messages, masked ID numbers, atomic output.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/docs_gen/fax_probe.h"
#include "tests/support.h"

using keydesk::test::pdf_text;
using keydesk::test::run_keydesk;
using keydesk::test::TempDir;

namespace {

std::string example(const std::string& kind) {
  return std::string("'" KEYDESK_EXAMPLES_DIR "/docs/") + kind + ".json'";
}

std::string flat(std::string text) {
  std::erase(text, '\n');
  return text;
}

}  // namespace

TEST_CASE("docs prints each of the four documents from its example JSON") {
  TempDir dir;
  struct Want {
    const char* kind;
    std::vector<std::string> text;
  };
  for (const Want& w :
       {Want{"coversheet",
             {"传真封面", "S-2026-000201", "北京示例进出口有限公司", "S-2026-000205"}},
        Want{"manifest", {"快递交接单", "M-2026-1203-01", "SF1458200736538", "顺丰速运"}},
        Want{"receipt", {"受理回执", "S-2026-000206", "青岛永盛实业有限公司", "2026-11-26"}},
        Want{"notice", {"退回通知", "S-2026-000201", "营业执照副本复印件未加盖企业公章"}}}) {
    auto out = dir.path() / (std::string(w.kind) + ".pdf");
    auto r = run_keydesk(std::string("docs ") + w.kind + " --from " + example(w.kind) + " --out '" +
                         out.string() + "'");
    INFO(w.kind << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("1 page(s)"));
    std::string text = flat(pdf_text(out));
    for (const auto& t : w.text) CHECK_THAT(text, Catch::Contains(t));
  }
  // Written through a temporary file and a rename: nothing else is left in the directory.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    files += e.is_regular_file();
  CHECK(files == 4);
}

TEST_CASE("docs --json reports the file, its pages and its size") {
  TempDir dir;
  auto r = run_keydesk("--json docs receipt --from " + example("receipt") + " --out '" +
                       (dir.path() / "r.pdf").string() + "'");
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["document"] == "receipt");
  CHECK(j["pages"] == 1);
  auto size = std::filesystem::file_size(dir.path() / "r.pdf");
  CHECK(j["bytes"].get<std::uintmax_t>() == size);
}

TEST_CASE("a name with a character the font lacks exits 2 naming it, and writes nothing") {
  TempDir dir;
  std::ifstream in(KEYDESK_EXAMPLES_DIR "/docs/coversheet.json");
  std::string json(std::istreambuf_iterator<char>(in), {});
  json.replace(json.find("北京示例进出口有限公司"), std::string("北京").size(), "𠮷");
  auto input = dir.write("in.json", json);
  auto r = run_keydesk("docs coversheet --from '" + input.string() + "' --out '" +
                       (dir.path() / "c.pdf").string() + "'");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("'𠮷' (U+20BB7)"));
  CHECK_THAT(r.err, Catch::Contains("cases[0].enterprise"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "c.pdf"));
}

TEST_CASE("a document input that breaks its schema exits 2 with file:line:column") {
  TempDir dir;
  auto input =
      dir.write("bad.json",
                "{\n  \"case\": \"S-1\",\n  \"date\": \"2026-11-24\",\n"
                "  \"authority\": {\"organisation\": \"示例省商务厅\"},\n"
                "  \"enterprise\": {\"name\": \"青岛永盛实业有限公司\", \"uscc\": \"9137\"},\n"
                "  \"procedure\": \"补办\",\n  \"outcome\": \"退回\",\n"
                "  \"findigs\": []\n}\n");
  auto r = run_keydesk("docs notice --from '" + input.string() + "' --out '" +
                       (dir.path() / "n.pdf").string() + "'");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains(
                        "bad.json:8:3: error: 未知的键“findigs”：是否应为“findings”？请改正拼写"));
  CHECK_THAT(r.err, Catch::Contains("bad.json:7:14"));
  r = run_keydesk("docs notice --out '" + (dir.path() / "n.pdf").string() + "'");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("--from FILE.json or --case ID"));
}

TEST_CASE("a page count an int cannot hold exits 2 naming the field and its range") {
  TempDir dir;
  std::ifstream in(KEYDESK_EXAMPLES_DIR "/docs/coversheet.json");
  std::string json(std::istreambuf_iterator<char>(in), {});
  json.replace(json.find("\"pages\": 5"), std::string("\"pages\": 5").size(),
               "\"pages\": 4294967301");  // 5 + 2^32: an int would read 5
  auto input = dir.write("in.json", json);
  auto r = run_keydesk("docs coversheet --from '" + input.string() + "' --out '" +
                       (dir.path() / "c.pdf").string() + "'");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("in.json:17:") &&
                        Catch::Contains(": error: pages: 4294967301 超出范围：须为 0 到 1000 "
                                        "之间的整数（本案件传真的页数）"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "c.pdf"));
}

TEST_CASE("ID numbers in a document's input are printed masked") {
  TempDir dir;
  std::ifstream in(KEYDESK_EXAMPLES_DIR "/docs/coversheet.json");
  std::string json(std::istreambuf_iterator<char>(in), {});
  json.replace(json.find("为补正后"), std::string("为补正后").size(),
               "授权用户身份证号110105199001010029，为补正后");
  auto input = dir.write("in.json", json);
  auto out = dir.path() / "c.pdf";
  auto r =
      run_keydesk("docs coversheet --from '" + input.string() + "' --out '" + out.string() + "'");
  REQUIRE(r.exit_code == 0);
  std::string text = flat(pdf_text(out));
  CHECK_THAT(text, Catch::Contains("110105********0029"));
  CHECK(text.find("110105199001010029") == std::string::npos);
}

TEST_CASE("receipt, notice, cover sheet and manifest come from cases in the database") {
  TempDir dir;
  std::string k = "--db '" + (dir.path() / "k.db").string() + "' ";
  auto pdf = [&](const char* name) { return "'" + (dir.path() / name).string() + "'"; };
  REQUIRE(run_keydesk(k + "registry import '" KEYDESK_EXAMPLES_DIR "/registry.json'").exit_code ==
          0);
  for (const char* s : {"S-2026-000201", "S-2026-000206"})
    REQUIRE(
        run_keydesk(k + "case open '" KEYDESK_EXAMPLES_DIR "/submissions/" + s + "'").exit_code ==
        0);

  // Submitted Tue 2026-11-24 15:20, before the cut-off: accepted that day, due 2 WD later.
  auto r = run_keydesk(k + "docs receipt --case S-2026-000206 --out " + pdf("r.pdf"));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::string text = flat(pdf_text(dir.path() / "r.pdf"));
  CHECK_THAT(text, Catch::Contains("2026-11-24受理"));
  CHECK_THAT(text, Catch::Contains("2026-11-26"));
  CHECK_THAT(text, Catch::Contains("发证机构核验"));
  CHECK_THAT(text, Catch::Contains("营业执照副本复印件"));

  r = run_keydesk(k + "docs notice --case S-2026-000201 --out " + pdf("n.pdf"));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("no failed review"));
  REQUIRE(
      run_keydesk(
          k +
          "case act S-2026-000201 fail_review --version 1 --role authority_clerk "
          "--remark \"$(printf '1. 营业执照副本复印件未加盖企业公章，请盖章后重新提交全部材料。\\n"
          "2. 申请表“登录系统用户名”字迹不清。\\n\\n另：请法定代表人在申请表上签字。')\" "
          "--at 2026-11-23T10:12:00+08:00")
          .exit_code == 0);
  r = run_keydesk(k + "docs notice --case S-2026-000201 --out " + pdf("n.pdf"));
  REQUIRE(r.exit_code == 0);
  text = flat(pdf_text(dir.path() / "n.pdf"));
  CHECK_THAT(text, Catch::Contains("核验未通过"));
  // Every line of the remark sent, the clerk's own last line included.
  CHECK_THAT(text, Catch::Contains("营业执照副本复印件未加盖企业公章，请盖章后重新提交全部材料。"));
  CHECK_THAT(text, Catch::Contains("申请表“登录系统用户名”字迹不清。"));
  CHECK_THAT(text, Catch::Contains("另：请法定代表人在申请表上签字。"));
  CHECK_THAT(text, Catch::Contains("授权用户的授权委托书"));  // the full resubmission

  r = run_keydesk(k +
                  "docs coversheet --case S-2026-000206 --case S-2026-000201 --batch B-9 "
                  "--today 2026-11-25 --out " +
                  pdf("c.pdf"));
  REQUIRE(r.exit_code == 0);
  text = flat(pdf_text(dir.path() / "c.pdf"));
  CHECK_THAT(text, Catch::Contains("青岛永盛实业有限公司"));
  CHECK_THAT(text, Catch::Contains("电子钥匙服务商示例公司"));  // the vendor, from counter.yaml
  CHECK_THAT(text, Catch::Contains("共11页（含封面）"));
  CHECK_THAT(keydesk::test::fax_barcodes(dir.path() / "c.pdf"),
             Catch::Contains("batch=B-9;cases=S-2026-000206,S-2026-000201"));

  r = run_keydesk(k +
                  "docs manifest --case S-2026-000206 --manifest M-1 --courier 顺丰速运 --out " +
                  pdf("m.pdf"));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("no waybill"));
  // Verified and couriered to the vendor: the waybill comes from the send_to_vendor action.
  REQUIRE(run_keydesk(k + "case act S-2026-000206 pass_review --version 1 --role authority_clerk "
                          "--at 2026-11-25T09:00:00+08:00")
              .exit_code == 0);
  REQUIRE(run_keydesk(k +
                      "case act S-2026-000206 send_to_vendor --version 2 --role authority_clerk "
                      "--input method=courier --input waybill=SF1458200736521 "
                      "--at 2026-11-25T10:00:00+08:00")
              .exit_code == 0);
  r = run_keydesk(k +
                  "docs manifest --case S-2026-000206 --manifest M-2026-1125-01 --courier "
                  "顺丰速运 --today 2026-11-25 --out " +
                  pdf("m.pdf"));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  text = flat(pdf_text(dir.path() / "m.pdf"));
  CHECK_THAT(text, Catch::Contains("SF1458200736521"));
  CHECK_THAT(text, Catch::Contains("申请材料"));
  CHECK_THAT(text, Catch::Contains("电子钥匙服务商示例公司"));  // the receiver
  CHECK_THAT(keydesk::test::fax_barcodes(dir.path() / "m.pdf"),
             Catch::Contains("Text:       \"M-2026-1125-01\""));
}
