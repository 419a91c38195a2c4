#include "cli/context.h"

#include <cstdlib>
#include <iostream>

#include <boost/date_time/gregorian/gregorian.hpp>

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
  print_json({{"error", error.message}, {"diagnostics", diagnostics_json(error.diagnostics)}});
}

int exit_code_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::refused:
    case ErrorKind::forbidden:
    case ErrorKind::stale:
      return kProblems;
    default:
      return kUsage;
  }
}

Result<Date> today_option(const std::string& text) {
  if (text.empty()) return boost::gregorian::day_clock::local_day();
  if (auto d = parse_date(text)) return *d;
  return Error{"--today: " + why_not_a_date(text)};
}

nlohmann::json diagnostics_json(const Diagnostics& diagnostics) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : diagnostics)
    out.push_back(
        {{"file", d.file}, {"line", d.line}, {"column", d.column}, {"message", d.message}});
  return out;
}

void print_json(const nlohmann::json& value) {
  std::cout << value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

Result<std::shared_ptr<EngineEnv>> open_engine(const Context& ctx) {
  auto counter = ctx.counter();
  if (!counter) return counter.error();
  auto store = CaseStore::open(ctx.db);
  if (!store) return store.error();
  auto e = std::make_shared<EngineEnv>();
  e->counter = *counter;
  e->store = std::make_unique<CaseStore>(std::move(store).value());
  e->engine = std::make_unique<Engine>(*e->store, ctx.rules(), e->counter);
  return e;
}

}  // namespace keydesk::cli
