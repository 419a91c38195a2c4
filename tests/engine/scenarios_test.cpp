// Golden tests: every scenario in examples/scenarios/ runs through its procedure (the real rule
// files, the real calendar) and must meet its own expectations and print exactly its .out file.
// After an intended change of behaviour, regenerate with
//   build/cli/keydesk rules simulate examples/scenarios/X.yaml > examples/scenarios/X.out
// and read the difference before committing it.
#include <fstream>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include "engine/rules.h"
#include "engine/simulate.h"

using namespace keydesk;

namespace {
std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST_CASE("every scenario meets its expectations and matches its golden output") {
  const std::filesystem::path rules = KEYDESK_RULES_DIR;
  auto counter = load_counter_config(rules / "counter.yaml");
  REQUIRE(counter.ok());
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(KEYDESK_EXAMPLES_DIR "/scenarios"))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::set<std::string> procedures_covered;
  for (const auto& file : files) {
    INFO(file.string());
    auto scenario = load_scenario(file, counter->hours);
    REQUIRE(scenario.ok());
    auto procedure = load_procedure(rules / "procedures" / (scenario->procedure + ".yaml"));
    REQUIRE(procedure.ok());
    auto calendar = calendar_for(*procedure, rules, *counter);
    REQUIRE(calendar.ok());
    auto sim = simulate(*scenario, *procedure, *calendar, counter->hours);
    REQUIRE(sim.ok());
    std::string text = format_simulation(*sim);
    CHECK(sim->expectations_met);
    auto golden = file;
    golden.replace_extension(".out");
    REQUIRE(std::filesystem::exists(golden));
    CHECK(text == slurp(golden));
    procedures_covered.insert(scenario->procedure);
  }
  std::set<std::string> all = {"first_issue_online",   "first_issue_offline", "reissue",
                               "additional",           "renewal_online",      "pin_unlock",
                               "code_change_domestic", "code_change_foreign", "revocation"};
  for (const auto& id : all) {
    INFO("procedure without a scenario: " << id);
    CHECK(procedures_covered.count(id) == 1);
  }
}

TEST_CASE("a scenario with a bad time names the file and the step") {
  auto counter = CounterConfig{};
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "keydesk-scenario-test";
  std::filesystem::create_directories(dir);
  auto file = dir / "bad.yaml";
  std::ofstream(file)
      << "procedure: reissue\nsubmission: {}\nopened: { at: 2026-11-20T10:00:00+08:00 }\n"
         "steps:\n  - { at: 2026-11-31T10:00:00+08:00, role: authority_clerk, action: pass_review "
         "}\n";
  auto s = load_scenario(file, counter.hours);
  REQUIRE_FALSE(s.ok());
  REQUIRE(s.error().diagnostics.size() == 1);
  CHECK_THAT(s.error().diagnostics[0].format(), Catch::Contains("bad.yaml:5:11: error:") &&
                                                    Catch::Contains("2026 年 11 月只有 30 天"));
  std::filesystem::remove_all(dir);
}
