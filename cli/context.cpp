#include "cli/context.h"

#include <cstdlib>
#include <iostream>

#ifndef KEYDESK_SOURCE_RULES_DIR
#define KEYDESK_SOURCE_RULES_DIR ""
#endif

namespace keydesk::cli {

std::filesystem::path Context::rules() const {
  if (!rules_dir.empty()) return rules_dir;
  if (const char* env = std::getenv("KEYDESK_RULES"); env && *env) return env;
  std::error_code ec;
  if (std::filesystem::is_directory("rules", ec)) return "rules";
  return KEYDESK_SOURCE_RULES_DIR;
}

Result<CounterConfig> Context::counter() const {
  auto path = config.empty() ? rules() / "counter.yaml" : std::filesystem::path(config);
  if (!config.empty() && !std::filesystem::exists(path))
    return Error{"no configuration file " + path.string() + ": check the --config path"};
  return load_counter_config(path);
}

Result<WorkingCalendar> Context::load_calendar() const {
  std::string name = calendar;
  if (name.empty()) {
    auto cfg = counter();
    if (!cfg) return cfg.error();
    name = cfg->calendar;
  }
  return WorkingCalendar::load(rules() / "calendars", name);
}

void print_error(const Context& ctx, const Error& error) {
  for (const auto& d : error.diagnostics) std::cerr << d.format() << '\n';
  std::cerr << "keydesk: " << error.message << '\n';
  if (!ctx.json) return;
  nlohmann::json j = {{"error", error.message}, {"diagnostics", nlohmann::json::array()}};
  for (const auto& d : error.diagnostics)
    j["diagnostics"].push_back(
        {{"file", d.file}, {"line", d.line}, {"column", d.column}, {"message", d.message}});
  print_json(j);
}

void print_json(const nlohmann::json& value) {
  std::cout << value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

}  // namespace keydesk::cli
