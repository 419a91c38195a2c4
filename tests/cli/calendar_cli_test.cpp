// The `keydesk calendar` command as a user runs it: arguments, stdin, exit codes, --json.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support.h"

using keydesk::test::run_keydesk;

namespace {
const std::string kRules = std::string("--rules '") + KEYDESK_RULES_DIR + "' ";
}

TEST_CASE("calendar add and between answer one query given as arguments") {
  auto r = run_keydesk(kRules + "calendar add 2026-09-30 1");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "2026-10-08\n");
  r = run_keydesk(kRules + "calendar between 2026-09-30 2026-10-09");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "2\n");
}

TEST_CASE("calendar add reads one query per line from stdin and answers one line each") {
  auto r = run_keydesk(kRules + "calendar add",
                       "# deadlines\n2026-09-30 1\n\n2026-12-31 1\n2026-02-30 1\n2025-12-31 1\n");
  CHECK(r.exit_code == 2);  // some queries failed
  CHECK(r.out ==
        "# deadlines\n2026-10-08\n\n"
        "error: 工作日历“全国法定节假日（国务院办公厅通知）”还没有 2027 年的节假日安排（现有 "
        "2019–2026 年），工作日不作推测：请管理员在规则管理页面按国务院办公厅通知补充 2027 "
        "年的安排后再试 (no holiday data for 2027: calendar 'cn-national' covers 2019–2026; "
        "add the 2027 block (from the State Council's notice) to " KEYDESK_RULES_DIR
        "/calendars/cn-national.yaml. Working days are never guessed.)\n"
        "error: “2026-02-30”不是日期：2026 年 2 月只有 28 天\n"
        "2026-01-04\n");
  CHECK_THAT(r.err, Catch::Contains("2 of 4 queries failed"));
}

TEST_CASE("calendar between reads stdin and exits 0 when every query is answered") {
  auto r =
      run_keydesk(kRules + "calendar between", "2026-09-30 2026-10-09\n2026-10-09 2026-09-30\n");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "2\n-2\n");
}

TEST_CASE("a date in a year without data exits 2 and names the year") {
  auto r = run_keydesk(kRules + "calendar add 2026-12-31 3");
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK_THAT(r.err, Catch::Contains("no holiday data for 2027"));
}

TEST_CASE("--json gives one JSON object per answer, errors included") {
  auto r = run_keydesk(kRules + "--json calendar add", "2026-09-30 1\n2027-01-04 1\n");
  CHECK(r.exit_code == 2);
  auto nl = r.out.find('\n');
  auto first = nlohmann::json::parse(r.out.substr(0, nl));
  auto second = nlohmann::json::parse(r.out.substr(nl + 1));
  CHECK(first["result"] == "2026-10-08");
  CHECK(first["n"] == 1);
  CHECK_THAT(second["error"].get<std::string>(), Catch::Contains("2027"));
}

TEST_CASE("calendar accept applies the cut-off and gives the deadline") {
  auto r = run_keydesk(kRules + "calendar accept 2026-11-20T17:40:00+08:00 2");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "2026-11-23 2026-11-25\n");
  r = run_keydesk(kRules + "--json calendar accept 2026-11-20T16:40:00+08:00");
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["accepted_on"] == "2026-11-20");
}

TEST_CASE("the counter configuration's cut-off is used") {
  keydesk::test::TempDir dir;
  auto cfg = dir.write("counter.yaml", "cutoff: \"16:00\"\n");
  auto r = run_keydesk(kRules + "--config '" + cfg.string() +
                       "' calendar accept 2026-11-20T16:40:00+08:00");
  CHECK(r.out == "2026-11-23\n");
}

TEST_CASE("calendar show lists the year's holidays on weekdays and its make-up weekends") {
  auto r = run_keydesk(kRules + "calendar show 2026");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("国办发明电〔2025〕7号"));
  CHECK_THAT(r.out, Catch::Contains("2026-01-04  周日  班  元旦（调休上班）"));
  CHECK_THAT(r.out, Catch::Contains("2026-10-01  周四  休  国庆节"));
  r = run_keydesk(kRules + "calendar show 2027");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("no holiday data for 2027"));
}

TEST_CASE(
    "calendar status warns from 1 November when next year has no data, and fails when this "
    "year has none") {
  keydesk::test::TempDir dir;  // no case database here: status never makes one
  const std::string db = "--db '" + (dir.path() / "none.db").string() + "' ";
  auto r = run_keydesk(kRules + db + "calendar status --today 2026-11-24");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("2019  国办发明电〔2018〕15号, 国办发明电〔2019〕2号"));
  CHECK_THAT(r.out, Catch::Contains("warning: 下一年度（2027年）的节假日安排尚未录入"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "none.db"));
  r = run_keydesk(kRules + db + "calendar status --today 2026-10-31");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("warning") == std::string::npos);
  r = run_keydesk(kRules + db + "calendar status --today 2025-03-01");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("warning") == std::string::npos);
  r = run_keydesk(kRules + db + "calendar status --today 2027-01-04");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("本年度（2027年）的节假日安排尚未录入"));
}

TEST_CASE("calendar lint reports every broken file with file:line:column and exits 1") {
  keydesk::test::TempDir dir;
  dir.write("calendars/good.yaml",
            "id: good\ntitle: g\nyears:\n  - year: 2026\n    notices: [{ number: n, title: t, "
            "issued: 2025-11-04 }]\n");
  auto bad = dir.write("calendars/bad.yaml",
                       "id: bad\ntitle: b\nyears:\n  - year: 2026\n    notices: [{ number: n, "
                       "title: t, issued: 2025-11-04 }]\n"
                       "    holidays:\n      - { name: x, from: 2026-02-30, to: 2026-03-01 }\n");
  auto r = run_keydesk("--rules '" + dir.path().string() + "' calendar lint");
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains(bad.string() +
                                    ":7:26: error: “2026-02-30”不是日期：2026 年 2 月只有 28 天"));
  CHECK_THAT(r.out, Catch::Contains("日历文件 2 个，其中 1 个有错误"));
  r = run_keydesk(kRules + "calendar lint");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("没有错误"));
}

TEST_CASE("bad usage exits 2 with a message saying what was expected") {
  auto r = run_keydesk(kRules + "calendar add 2026-01-01");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("expected DATE N"));
  r = run_keydesk(kRules + "calendar add 2026-01-01 two");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("'two' is not a whole number"));
  r = run_keydesk(kRules + "calendar frobnicate");
  CHECK(r.exit_code == 2);
  r = run_keydesk(kRules + "--calendar cn-natonal calendar add 2026-01-01 1");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("现有：cn-national"));
  r = run_keydesk(kRules + "--json --calendar cn-natonal calendar show 2026");
  CHECK(r.exit_code == 2);
  CHECK_THAT(nlohmann::json::parse(r.out)["error"].get<std::string>(),
             Catch::Contains("no calendar 'cn-natonal'"));
}

TEST_CASE("--calendar takes a regional calendar file that extends the national one") {
  auto r = run_keydesk(kRules + "--calendar '" KEYDESK_EXAMPLES_DIR
                                "/calendars/example-regional.yaml' calendar add 2026-03-19 1");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "2026-03-23\n");
}
