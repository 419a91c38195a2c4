#include "engine/counter.h"

#include <catch2/catch.hpp>

#include "tests/support.h"

TEST_CASE("the bundled counter configuration uses the national calendar and a 17:00 cut-off") {
  auto cfg = keydesk::load_counter_config(KEYDESK_RULES_DIR "/counter.yaml");
  REQUIRE(cfg.ok());
  CHECK(cfg->calendar == "cn-national");
  CHECK(cfg->hours.cutoff_minutes == 17 * 60);
  CHECK(cfg->hours.utc_offset_minutes == 8 * 60);
}

TEST_CASE("a missing counter configuration gives the defaults") {
  keydesk::test::TempDir dir;
  auto cfg = keydesk::load_counter_config(dir.path() / "counter.yaml");
  REQUIRE(cfg.ok());
  CHECK(cfg->file.empty());
  CHECK(cfg->calendar == "cn-national");
  CHECK(cfg->hours.cutoff_minutes == 17 * 60);
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
                                  ":2:9: error: 'cutoff': '25:00' is not in the expected form"));
  CHECK_THAT(all, Catch::Contains(path.string() +
                                  ":3:1: error: unknown key 'cutof' (did you mean 'cutoff'?)"));
}
