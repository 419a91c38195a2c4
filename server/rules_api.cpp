// The administrators' requests: the rules overview, and an edited rule file or calendar linted
// and activated.
#include "server/app_impl.h"

#include <fstream>

#include "engine/deadlines.h"
#include "engine/graph.h"
#include "engine/rules.h"

namespace keydesk::server {

Response App::Impl::rules_overview(const Request& req) {
  nlohmann::json j = {{"procedures", nlohmann::json::array()}};
  auto procedures = engine.procedures();
  if (!procedures) return error_response(req, procedures.error());
  for (const auto& [id, p] : **procedures)
    j["procedures"].push_back({{"id", id},
                               {"title", p.title},
                               {"version", p.version},
                               {"file", std::filesystem::path(p.file).filename().string()},
                               {"states", p.states.size()},
                               {"actions", p.actions.size()}});
  RulesReport report = lint_rules(options.rules_dir, today());
  j["lint"] = nlohmann::json::array();
  for (const Diagnostic& d : report.problems)
    j["lint"].push_back(
        {{"file", d.file}, {"line", d.line}, {"column", d.column}, {"message", d.message}});
  auto cal = WorkingCalendar::load(options.rules_dir / "calendars", options.counter.calendar);
  if (cal) {
    nlohmann::json years = nlohmann::json::array();
    for (const auto& y : cal->covered_years()) years.push_back(y.year);
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& f : cal->files()) layers.push_back(std::filesystem::path(f).stem().string());
    j["calendar"] = {{"id", cal->id()},
                     {"title", cal->title()},
                     {"version", cal->version()},
                     {"layers", layers},
                     {"years", years},
                     {"warnings", warnings_of(*cal, CalendarEditor::rules_page)}};
  } else {
    j["calendar"] = {{"id", options.counter.calendar},
                     {"layers", {options.counter.calendar}},
                     {"years", nlohmann::json::array()},
                     {"warnings", {cal.error().message}}};
  }
  if (auto waiting = store.pending_years(); waiting) {
    nlohmann::json by_year = nlohmann::json::object();
    for (const auto& [year, n] : *waiting) by_year[std::to_string(year)] = n;
    j["calendar"]["pending_years"] = by_year;
  }
  return json_response(req, http::status::ok, j);
}

Response App::Impl::activate_rules(const Request& req, const std::string& id) {
  auto done = engine.activate_procedure(id, req.body(), now_text());
  if (!done) return diagnostics_response(req, done.error(), "id");
  if (done->changed) rules_changed();
  nlohmann::json j = {{"id", id}, {"version", done->version}, {"changed", done->changed}};
  if (done->changed) j["previous_version"] = done->previous_version;
  return json_response(req, http::status::ok, j);
}

Response App::Impl::activate_calendar(const Request& req, const Caller& who,
                                      const std::string& id) {
  auto done = engine.activate_calendar(id, req.body(), actor_of(*who.account()));
  if (!done) return diagnostics_response(req, done.error(), "id");
  rules_changed();
  const CalendarActivation& a = done->activation;
  nlohmann::json j = {{"id", a.id},
                      {"version", a.version},
                      {"previous_version", a.previous_version},
                      {"changed", a.changed}};
  if (a.changed)
    log("calendar " + id + " activated by " + who.account()->name + ": version " +
        a.version.substr(0, 12) + " (was " + a.previous_version.substr(0, 12) + ")");
  const auto& report = done->reprojection;
  log_reprojection(report);
  if (!report) {
    j["reprojection_error"] = report.error().message;
    return json_response(req, http::status::ok, j);
  }
  j["reprojected"] = nlohmann::json::array();
  for (const DeadlineChange& c : report->changes)
    j["reprojected"].push_back(
        {{"case", c.case_id},
         {"text", change_text(c)},
         {"due", c.new_due ? nlohmann::json(format_date(*c.new_due)) : nlohmann::json()}});
  j["pending_years"] = nlohmann::json::object();
  for (const auto& [year, n] : report->pending_years)
    if (n > 0) j["pending_years"][std::to_string(year)] = n;
  return json_response(req, http::status::ok, j);
}

Response App::Impl::diagnostics_response(const Request& req, const Error& error,
                                         const std::string& field) {
  if (error.kind != ErrorKind::invalid_input || error.diagnostics.empty())
    return error_response(req, error, error.kind == ErrorKind::not_found ? field : "");
  nlohmann::json problems = nlohmann::json::array();
  for (const Diagnostic& d : error.diagnostics)
    problems.push_back({{"file", std::filesystem::path(d.file).filename().string()},
                        {"line", d.line},
                        {"column", d.column},
                        {"message", d.message}});
  auto [people, detail] = split_detail(error.message);
  nlohmann::json body = {{"error", people}, {"diagnostics", problems}};
  if (!detail.empty()) body["detail"] = detail;
  return json_response(req, http::status::unprocessable_entity, body);
}

Response App::Impl::calendar_api(const Request& req, const Caller& who,
                                 const std::vector<std::string>& s) {
  const std::string& id = s[3];
  if (s.size() == 4 && req.method() == http::verb::post) return activate_calendar(req, who, id);
  if (s.size() == 5 && s[4] == "source" && req.method() == http::verb::get) {
    auto cal = WorkingCalendar::load(options.rules_dir / "calendars", options.counter.calendar);
    // Only the files of the counter's calendar are served (its layers), by id, never by path.
    std::filesystem::path file;
    if (cal)
      for (const auto& f : cal->files())
        if (std::filesystem::path(f).stem().string() == id) file = f;
    if (file.empty())
      return error_response(req, http::status::not_found, "没有名为“" + id + "”的日历", "id");
    std::ifstream in(file, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return text_response(req, http::status::ok, std::move(text), "text/yaml; charset=utf-8");
  }
  return error_response(req, http::status::not_found,
                        "没有这个接口，请从规则管理页面进入 (no such API)");
}

Response App::Impl::rules_api(const Request& req, const Caller& who,
                              const std::vector<std::string>& s) {
  if (who.account()->role != "administrator")
    return refuse(req, who, http::status::forbidden,
                  "只有管理员可管理规则 (only administrators manage the rules)");
  if (s.size() == 2 && req.method() == http::verb::get) return rules_overview(req);
  if (s.size() < 3)
    return error_response(req, http::status::not_found,
                          "没有这个接口，请从规则管理页面进入 (no such API)");
  if (s[2] == "calendars" && s.size() >= 4) return calendar_api(req, who, s);
  auto procedures = engine.procedures();
  if (!procedures) return error_response(req, procedures.error());
  auto p = (*procedures)->find(s[2]);
  if (p == (*procedures)->end())
    return error_response(req, http::status::not_found,
                          "没有业务“" + s[2] + "” (no procedure " + s[2] + ")", "id");
  if (s.size() == 3 && req.method() == http::verb::post) return activate_rules(req, s[2]);
  if (s.size() == 4 && s[3] == "source" && req.method() == http::verb::get) {
    std::ifstream in(p->second.file, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return text_response(req, http::status::ok, std::move(text), "text/yaml; charset=utf-8");
  }
  if (s.size() == 4 && s[3] == "diagram.svg" && req.method() == http::verb::get) {
    auto svg = dot_to_svg(procedure_dot(p->second));
    if (!svg) return error_response(req, http::status::internal_server_error, svg.error().message);
    return text_response(req, http::status::ok, std::move(svg).value(), "image/svg+xml");
  }
  return error_response(req, http::status::not_found,
                        "没有这个接口，请从规则管理页面进入 (no such API)");
}

}  // namespace keydesk::server
