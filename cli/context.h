// What every sub-command shares: where the rules are, the counter's configuration, output mode.
// The CLI is thin: it parses, calls the engine, formats.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include <memory>

#include "common/result.h"
#include "engine/calendar.h"
#include "engine/case_store.h"
#include "engine/counter.h"
#include "engine/engine.h"

namespace keydesk::cli {

// Exit codes of DESIGN.md.
enum Exit : int { kOk = 0, kProblems = 1, kUsage = 2 };

// The exit code of an engine error's kind, the one place kinds become exit codes: a rule that
// says no (refused, forbidden, stale) is 1, the job found a problem; bad input, a missing case,
// a busy or broken database are 2.
int exit_code_of(ErrorKind kind);

struct Context {
  std::string rules_dir;  // empty: $KEYDESK_RULES, ./rules, then the source tree's rules/
  std::string config;     // empty: <rules>/counter.yaml
  std::string calendar;   // empty: the counter configuration's calendar
  bool json = false;
  std::string db = "keydesk.db";  // the case database (--db)

  std::filesystem::path rules() const;
  Result<CounterConfig> counter() const;
  Result<WorkingCalendar> load_calendar() const;
};

// Prints an engine error (and its file diagnostics) to stderr, "keydesk: …"; with --json also
// as {"error": …, "diagnostics": […]} on stdout.
void print_error(const Context& ctx, const Error& error);

// `text` as the --today date, or the real date when empty.
Result<Date> today_option(const std::string& text);

// Diagnostics as a JSON array of {file, line, column, message}.
nlohmann::json diagnostics_json(const Diagnostics& diagnostics);

// One JSON value per line on stdout.
void print_json(const nlohmann::json& value);

// The counter, its case store and the engine over it: what the case and outbox commands act on.
struct EngineEnv {
  CounterConfig counter;
  std::unique_ptr<CaseStore> store;
  std::unique_ptr<Engine> engine;  // over `store`
};
Result<std::shared_ptr<EngineEnv>> open_engine(const Context& ctx);

}  // namespace keydesk::cli
