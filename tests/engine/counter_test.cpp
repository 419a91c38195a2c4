#include "engine/counter.h"

#include <catch2/catch.hpp>

#include "tests/support.h"

TEST_CASE("the bundled counter configuration uses the national calendar and a 17:00 cut-off") {
  auto cfg = keydesk::load_counter_config(KEYDESK_RULES_DIR "/counter.yaml");
  REQUIRE(cfg.ok());
  CHECK(cfg->calendar == "cn-national");
  CHECK(cfg->hours.cutoff_minutes == 17 * 60);
  CHECK(cfg->hours.utc_offset_minutes == 8 * 60);
  CHECK(cfg->web_batches.keep_days == 90);
}

TEST_CASE("a missing counter configuration gives the defaults") {
  keydesk::test::TempDir dir;
  auto cfg = keydesk::load_counter_config(dir.path() / "counter.yaml");
  REQUIRE(cfg.ok());
  CHECK(cfg->file.empty());
  CHECK(cfg->calendar == "cn-national");
  CHECK(cfg->hours.cutoff_minutes == 17 * 60);
  CHECK(cfg->web_batches.keep_days == 90);
}

TEST_CASE("a counter configuration sets how long web batches are kept, in whole days") {
  keydesk::test::TempDir dir;
  auto cfg =
      keydesk::load_counter_config(dir.write("counter.yaml", "web_batches:\n  keep_days: 7\n"));
  REQUIRE(cfg.ok());
  CHECK(cfg->web_batches.keep_days == 7);
  for (const char* wrong : {"0", "3651", "1.5", "\"90\""}) {
    auto path =
        dir.write("counter.yaml", std::string("web_batches:\n  keep_days: ") + wrong + "\n");
    cfg = keydesk::load_counter_config(path);
    INFO(wrong);
    REQUIRE_FALSE(cfg.ok());
    CHECK_THAT(keydesk::format_all(cfg.error().diagnostics),
               Catch::Contains(path.string() + ":2:14: error: keep_days: " + wrong));
  }
}

TEST_CASE("a counter configuration sets the calendar, cut-off and offset") {
  keydesk::test::TempDir dir;
  auto path =
      dir.write("counter.yaml", "calendar: xj-local\ncutoff: \"16:30\"\nutc_offset: \"-03:30\"\n");
  auto cfg = keydesk::load_counter_config(path);
  REQUIRE(cfg.ok());
  CHECK(cfg->calendar == "xj-local");
  CHECK(cfg->hours.cutoff_minutes == 16 * 60 + 30);
  CHECK(cfg->hours.utc_offset_minutes == -210);
}

TEST_CASE("a bad counter configuration names the file, line and column") {
  keydesk::test::TempDir dir;
  auto path = dir.write("counter.yaml", "calendar: cn-national\ncutoff: \"25:00\"\ncutof: x\n");
  auto cfg = keydesk::load_counter_config(path);
  REQUIRE_FALSE(cfg.ok());
  REQUIRE(cfg.error().diagnostics.size() == 2);
  std::string all = keydesk::format_all(cfg.error().diagnostics);
  CHECK_THAT(all, Catch::Contains(path.string() +
                                  ":2:9: error: cutoff: 25:00 格式不对：须为 HH:MM 形式的当地"
                                  "时间（00:00 到 23:59），如 16:30"));
  CHECK_THAT(all, Catch::Contains(path.string() +
                                  ":3:1: error: 未知的键“cutof”：是否应为“cutoff”？请改正拼写"));
  // A number where a time is wanted: the form is named with the type.
  path = dir.write("counter.yaml", "cutoff: 1730\n");
  cfg = keydesk::load_counter_config(path);
  REQUIRE_FALSE(cfg.ok());
  CHECK(keydesk::format_all(cfg.error().diagnostics) ==
        path.string() +
            ":1:9: error: cutoff: 1730 类型不对：须为文字，即 HH:MM 形式的当地时间"
            "（00:00 到 23:59），如 16:30");
  CHECK(cfg.error().message == path.string() + " 有 1 处错误：请按所列的行、列改正后再试");
}
