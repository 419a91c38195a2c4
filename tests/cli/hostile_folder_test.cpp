// `keydesk batch verify` on hostile submission folders: links out of the folder, to a system
// file, to /dev/zero, a FIFO, a directory, a wrongly typed or linked submission.json. Each is a
// finding or an error naming the file or field; nothing is read through a link or hangs; the
// rest of the batch is verified and reported.
#include <fstream>

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support.h"

using keydesk::test::read_json;
using keydesk::test::run_keydesk;
using keydesk::test::TempDir;
namespace fs = std::filesystem;

namespace {

const nlohmann::json* entry_of(const nlohmann::json& report, const std::string& dir_name) {
  for (const auto& s : report["submissions"])
    if (fs::path(s["dir"].get<std::string>()).filename() == dir_name) return &s;
  return nullptr;
}

}  // namespace

TEST_CASE("a hostile submission folder gives findings naming each file, and the batch goes on") {
  TempDir dir;
  const fs::path in = dir.path() / "in";
  const fs::path outside = dir.write("outside/secret.jpg", "another enterprise's scan");
  nlohmann::json s = {
      {"id", "S-HOSTILE"},
      {"procedure", "reissue"},
      {"enterprise", {{"name", "北京示例进出口有限公司"}, {"uscc", "91110105MA01ABCD5F"}}},
      {"applicant", {{"login_username", "bjsl001"}}},
      {"reason", "丢失"},
      {"materials",
       {{{"type", "application_form"}, {"file", "form.jpg"}},
        {{"type", "trade_filing_form"}, {"file", "filing.jpg"}},
        {{"type", "business_licence"}, {"file", "licence.jpg"}},
        {{"type", "id_card_copy"}, {"file", "id.jpg"}},
        {{"type", "power_of_attorney"}, {"file", "poa.jpg"}}}}};
  dir.write("in/hostile/submission.json", s.dump());
  fs::create_symlink(outside, in / "hostile" / "form.jpg");              // a link out of the folder
  fs::create_symlink("/etc/passwd", in / "hostile" / "filing.jpg");      // to a system file
  REQUIRE(mkfifo((in / "hostile" / "licence.jpg").c_str(), 0600) == 0);  // would hang a read
  fs::create_symlink("/dev/zero", in / "hostile" / "id.jpg");            // endless
  fs::create_directories(in / "hostile" / "poa.jpg");                    // a directory
  // A wrongly typed field, and a submission.json that is itself a link out.
  nlohmann::json typed = s;
  typed["id"] = "S-TYPED";
  typed["enterprise"]["name"] = 42;
  dir.write("in/typed/submission.json", typed.dump());
  fs::create_directories(in / "linked");
  nlohmann::json linked = s;
  linked["id"] = "S-LINKED";
  const fs::path elsewhere = dir.write("outside/submission.json", linked.dump());
  fs::create_symlink(elsewhere, in / "linked" / "submission.json");

  const fs::path report = dir.path() / "report";
  // `timeout`: a FIFO read would block for ever; the test must fail, not hang.
  auto r = run_keydesk("--rules '" KEYDESK_RULES_DIR "' batch verify '" + in.string() +
                       "' --report '" + report.string() + "' --today 2026-11-24 --quiet");
  INFO(r.err);
  CHECK(r.exit_code == 1);
  const nlohmann::json j = read_json(report / "report.json");
  REQUIRE(j["submissions"].size() == 3);

  const nlohmann::json* hostile = entry_of(j, "hostile");
  REQUIRE(hostile);
  CHECK((*hostile)["verdict"] == "fail");
  std::map<std::string, std::string> unreadable;  // file -> reason
  for (const auto& f : (*hostile)["findings"])
    if (f["code"] == "material.unreadable")
      unreadable[f["evidence"]["file"].get<std::string>()] = f["evidence"]["reason"];
  for (const char* file : {"form.jpg", "filing.jpg", "licence.jpg", "id.jpg", "poa.jpg"}) {
    INFO(file);
    REQUIRE(unreadable.count(file));
    CHECK_THAT(unreadable[file], Catch::Contains(file) && Catch::Contains("不是普通文件"));
  }
  CHECK_THAT(unreadable["form.jpg"], Catch::Contains("链接"));
  CHECK_THAT(unreadable["licence.jpg"], Catch::Contains("管道"));
  CHECK_THAT(unreadable["poa.jpg"], Catch::Contains("文件夹"));
  // Nothing was read through a link: the report holds no hash of what they point at.
  for (const auto& m : (*hostile)["materials"]) {
    INFO(m.dump());
    CHECK(m.value("sha256", std::string()).empty());
  }

  const nlohmann::json* wrong = entry_of(j, "typed");
  REQUIRE(wrong);
  CHECK((*wrong)["verdict"] == "fail");
  CHECK_THAT((*wrong)["error"].get<std::string>(), Catch::Contains("enterprise.name：应为文字"));
  const nlohmann::json* link = entry_of(j, "linked");
  REQUIRE(link);
  CHECK_THAT((*link)["error"].get<std::string>(), Catch::Contains("不是普通文件"));
}
