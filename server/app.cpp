#include "server/app.h"

#include <algorithm>
#include <map>
#include <set>

#include <boost/date_time/posix_time/posix_time.hpp>

#include "engine/accounts.h"
#include "engine/case_json.h"
#include "engine/case_store.h"
#include "engine/intake.h"
#include "engine/privacy.h"
#include "engine/rules.h"
#include "server/assets.h"
#include "server/http_util.h"

namespace keydesk::server {

namespace {

constexpr const char* kSessionCookie = "kd_session";

// Unix seconds as counter-local ISO 8601 with the counter's offset.
std::string iso_at(std::int64_t seconds, int offset_minutes) {
  auto t = boost::posix_time::from_time_t(static_cast<std::time_t>(seconds)) +
           boost::posix_time::minutes(offset_minutes);
  char zone[16];
  std::snprintf(zone, sizeof zone, "%c%02d:%02d", offset_minutes < 0 ? '-' : '+',
                std::abs(offset_minutes) / 60, std::abs(offset_minutes) % 60);
  return boost::posix_time::to_iso_extended_string(t).substr(0, 19) + zone;
}

nlohmann::json account_json(const Account& a) {
  return {{"name", a.name},
          {"display_name", a.display_name},
          {"role", a.role},
          {"authority", a.authority}};
}

bool changes_state(http::verb method) {
  return method != http::verb::get && method != http::verb::head;
}

}  // namespace

struct App::Impl {
  AppOptions options;
  Accounts accounts;
  CaseStore store;
  std::map<std::string, Procedure> procedures;       // newest, by id: for the vendor's states
  std::map<std::string, WorkingCalendar> calendars;  // by procedure id
  // Queue pages as sent (JSON), by what was asked, while the store's generation stays: clerks
  // read the queue far more often than cases change, and building a page of 200 cases (each
  // submission parsed, the JSON made and written out) is nearly all of such a request's time
  // (3 ms; with 200 connections on the one I/O thread, 0.7 s a request). Any write to the
  // database, or a new day, and the pages are built again.
  static constexpr std::size_t kQueuePagesKept = 16;
  std::int64_t queue_generation = -1;
  std::map<std::string, std::string> queue_pages;

  Impl(AppOptions o, Accounts a, CaseStore s)
      : options(std::move(o)), accounts(std::move(a)), store(std::move(s)) {}

  std::int64_t now() const { return options.clock(); }
  std::string now_text() const { return iso_at(now(), options.counter.hours.utc_offset_minutes); }
  Date today() const { return parse_date(now_text().substr(0, 10)).value_or(Date()); }

  // --- who is asking ---------------------------------------------------------------------------

  struct Caller {
    std::optional<Session> session;  // nullopt: nobody logged in
    const Account* account() const { return session ? &session->account : nullptr; }
  };

  Response refuse(const Request& req, const Caller& who, http::status status,
                  const std::string& reason) {
    const Account* a = who.account();
    // The audit of refusals; a failure to record it does not change the answer.
    (void)accounts.record_refusal({now_text(), a ? a->name : "", a ? a->role : "",
                                   std::string(req.method_string()), std::string(req.target()),
                                   static_cast<int>(status), reason});
    return error_response(req, status, reason);
  }

  // The states of every procedure where vendor staff may act: a case there is at the vendor.
  std::vector<std::string> vendor_states() const {
    std::set<std::string> states;
    for (const auto& [id, p] : procedures)
      for (const auto& a : p.actions)
        if (std::find(a.roles.begin(), a.roles.end(), "vendor_reviewer") != a.roles.end())
          states.insert(a.from.begin(), a.from.end());
    return {states.begin(), states.end()};
  }

  // Whether `a` may see case `c`, and if not why.
  std::optional<std::string> cannot_see(const Account& a, const CaseRecord& c,
                                        const Procedure& p) const {
    if (a.role == "administrator")
      return "管理员管理规则和账户，不办理案件 (administrators manage rules and accounts, not "
             "cases)";
    if (a.role == "authority_clerk" && c.authority != a.authority)
      return "案件 " + c.id + " 属于" + c.authority + "，不属于" + a.authority +
             " (the case belongs to another authority)";
    if (a.role == "auditor" && !a.authority.empty() && c.authority != a.authority)
      return "案件 " + c.id + " 属于" + c.authority + " (the case belongs to another authority)";
    if (a.role == "vendor_reviewer" && Workflow::actions_for(p, c.state, a.role).empty())
      return "案件 " + c.id + " 未转至服务商 (the case is not at the vendor)";
    return std::nullopt;
  }

  Result<const WorkingCalendar*> calendar_of(const Procedure& p) {
    auto found = calendars.find(p.id);
    if (found != calendars.end()) return &found->second;
    auto cal = calendar_for(p, options.rules_dir, options.counter);
    if (!cal) return cal.error();
    return &calendars.emplace(p.id, std::move(cal).value()).first->second;
  }

  // --- JSON of a case ----------------------------------------------------------------------------

  // The case as the CLI gives it, with where it stands against its deadline on `day`.
  nlohmann::json case_summary(const CaseRecord& c, const Procedure* p, Date day) {
    nlohmann::json j = case_json(c, p);
    if (c.due && !c.closed && !c.clock_stopped) {
      j["overdue"] = *c.due < day;
      j["due_today"] = *c.due == day;
      if (p)
        if (auto cal = calendar_of(*p); cal)
          if (auto left = (*cal)->working_days_between(day, *c.due); left) j["days_left"] = *left;
    }
    return j;
  }

  Result<std::pair<CaseRecord, std::shared_ptr<const Procedure>>> load_case(const std::string& id) {
    auto c = store.get(id);
    if (!c) return c.error();
    auto p = store.procedure_at(c->procedure, c->procedure_version);
    if (!p) return p.error();
    return std::make_pair(std::move(c).value(), std::move(p).value());
  }

  // --- handlers ----------------------------------------------------------------------------------

  Response login(const Request& req, const std::string& peer) {
    auto body = nlohmann::json::parse(req.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return error_response(req, http::status::bad_request,
                            "send JSON: {\"name\": …, \"password\": …}");
    for (const char* field : {"name", "password"})
      if (!body.contains(field) || !body[field].is_string() ||
          body[field].get<std::string>().empty())
        return error_response(req, http::status::bad_request,
                              std::string("请填写") +
                                  (field == std::string("name") ? "用户名" : "密码") + " (" +
                                  field + " is missing)",
                              field);
    auto session = accounts.log_in(body["name"], body["password"], peer, now());
    if (!session) {
      const bool limited = session.error().message.find("15") != std::string::npos;
      Caller nobody;
      return refuse(req, nobody,
                    limited ? http::status::too_many_requests : http::status::unauthorized,
                    session.error().message);
    }
    Response res =
        json_response(req, http::status::ok,
                      {{"account", account_json(session->account)}, {"csrf", session->csrf}});
    res.set(http::field::set_cookie, std::string(kSessionCookie) + "=" + session->token +
                                         "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                                         std::to_string(Accounts::kSessionSeconds));
    return res;
  }

  Response logout(const Request& req, const Caller& who) {
    if (who.session) (void)accounts.log_out(who.session->token);
    Response res{http::status::no_content, req.version()};
    res.set(http::field::set_cookie,
            std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return res;
  }

  Response queue(const Request& req, const Caller& who, const Target& t) {
    const Account& a = *who.account();
    if (a.role == "administrator")
      return refuse(req, who, http::status::forbidden, *cannot_see(a, {}, {}));
    CaseFilter f;
    f.authority = a.role == "vendor_reviewer" ? "" : a.authority;
    auto q = [&t](const char* key) {
      auto it = t.query.find(key);
      return it == t.query.end() ? std::string() : it->second;
    };
    f.procedure = q("procedure");
    f.state = q("state");
    f.uscc = q("uscc");
    f.search = q("q");
    f.include_closed = q("closed") == "1";
    if (std::string limit = q("limit"); !limit.empty()) {
      if (limit.find_first_not_of("0123456789") != std::string::npos || limit.size() > 4)
        return error_response(req, http::status::bad_request, "limit: a number up to 1000",
                              "limit");
      f.limit = std::clamp(std::stoi(limit), 1, 1000);
    }
    if (a.role == "vendor_reviewer") f.states = vendor_states();
    const Date day = today();
    auto generation = store.generation();
    if (!generation)
      return error_response(req, http::status::internal_server_error, generation.error().message);
    if (*generation != queue_generation) {
      queue_pages.clear();
      queue_generation = *generation;
    }
    // All the page depends on: what is asked (the account's role and authority among it) and the
    // day (days left, overdue).
    const std::string key =
        nlohmann::json{a.role,   f.authority,      f.procedure, f.state,  f.uscc,
                       f.search, f.include_closed, f.limit,     f.states, format_date(day)}
            .dump();
    if (auto kept = queue_pages.find(key); kept != queue_pages.end())
      return text_response(req, http::status::ok, kept->second, kJsonContentType);
    auto rows = store.list(f);
    if (!rows)
      return error_response(req, http::status::internal_server_error, rows.error().message);
    nlohmann::json cases = nlohmann::json::array();
    for (const CaseRecord& c : *rows) {
      auto p = store.procedure_at(c.procedure, c.procedure_version);
      cases.push_back(case_summary(c, p ? p->get() : nullptr, day));
    }
    Response res =
        json_response(req, http::status::ok, {{"today", format_date(day)}, {"cases", cases}});
    if (queue_pages.size() >= kQueuePagesKept) queue_pages.clear();
    queue_pages.emplace(key, res.body());
    return res;
  }

  Response show_case(const Request& req, const Caller& who, const std::string& id) {
    const Account& a = *who.account();
    auto loaded = load_case(id);
    if (!loaded) return error_response(req, http::status::not_found, loaded.error().message, "id");
    const auto& [c, p] = *loaded;
    if (auto why = cannot_see(a, c, *p)) return refuse(req, who, http::status::forbidden, *why);
    nlohmann::json j = case_summary(c, p.get(), today());
    // Clerks and vendor staff check the ID number against the ID card copy; others see it masked.
    const bool full_id = a.role == "authority_clerk" || a.role == "vendor_reviewer";
    j["submission"] = full_id ? c.data : mask_personal_data(c.data);
    auto check = store.latest_check(c.id);
    if (!check)
      return error_response(req, http::status::internal_server_error, check.error().message);
    if (*check) {
      const CheckRecord& k = **check;
      j["check"] = {{"batch", k.batch},           {"verdict", k.verdict},
                    {"current", k.current},       {"at", k.at},
                    {"findings", k.findings},     {"blocks", k.blocks()},
                    {"remark", k.remarks("fail")}};
    } else {
      j["check"] = nullptr;
    }
    j["actions"] = nlohmann::json::array();
    if (!c.closed && a.role != "auditor")
      for (const ActionRule* r : Workflow::actions_for(*p, c.state, a.role)) {
        nlohmann::json inputs = nlohmann::json::array();
        for (const auto& in : r->inputs)
          inputs.push_back({{"name", in.name}, {"required", in.required}, {"one_of", in.one_of}});
        j["actions"].push_back(
            {{"id", r->id},
             {"title", r->title},
             {"outcome", r->outcome},
             {"remark_required", r->remark_required},
             {"requires_check", r->requires_check},
             {"resubmission", r->resubmission},
             {"blocked_by_check", r->requires_check && *check && (*check)->blocks()},
             {"inputs", inputs}});
      }
    auto events = store.history(c.id);
    if (!events)
      return error_response(req, http::status::internal_server_error, events.error().message);
    j["history"] = nlohmann::json::array();
    for (const AuditEvent& e : *events)
      j["history"].push_back({{"seq", e.seq},
                              {"at", e.at},
                              {"user", e.user},
                              {"role", e.role},
                              {"action", e.action},
                              {"from", e.from},
                              {"to", e.to},
                              {"outcome", e.outcome},
                              {"remark", mask_id_numbers_in(e.remark)}});
    return json_response(req, http::status::ok, j);
  }

  Response act(const Request& req, const Caller& who, const std::string& id) {
    const Account& a = *who.account();
    if (a.role == "auditor" || a.role == "administrator")
      return refuse(req, who, http::status::forbidden,
                    a.role == "auditor" ? "审计员只读 (auditors read, they do not act)"
                                        : *cannot_see(a, {}, {}));
    auto loaded = load_case(id);
    if (!loaded) return error_response(req, http::status::not_found, loaded.error().message, "id");
    const auto& [c, p] = *loaded;
    if (auto why = cannot_see(a, c, *p)) return refuse(req, who, http::status::forbidden, *why);
    auto body = nlohmann::json::parse(req.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return error_response(req, http::status::bad_request,
                            "send JSON: {\"action\": …, \"version\": N, \"remark\": …}");
    if (!body.contains("action") || !body["action"].is_string())
      return error_response(req, http::status::bad_request, "action: say which action to take",
                            "action");
    if (!body.contains("version") || !body["version"].is_number_integer())
      return error_response(req, http::status::bad_request,
                            "version: the case version you saw (a number)", "version");
    for (const char* field : {"remark", "override_check"})
      if (body.contains(field) && !body[field].is_string())
        return error_response(req, http::status::bad_request, std::string(field) + ": text", field);
    if (body.contains("inputs") && !body["inputs"].is_object())
      return error_response(req, http::status::bad_request,
                            "inputs: an object of NAME: VALUE, e.g. {\"waybill\": \"SF123\"}",
                            "inputs");
    auto cal = calendar_of(*p);
    if (!cal) return error_response(req, http::status::internal_server_error, cal.error().message);
    auto when = moment(now_text(), options.counter.hours);
    if (!when)
      return error_response(req, http::status::internal_server_error, when.error().message);
    ActionRequest request;
    request.action = body["action"];
    request.actor = {a.name, a.role, a.role == "authority_clerk" ? a.authority : ""};
    request.at = when->first;
    request.remark = body.value("remark", "");
    request.check_override = body.value("override_check", "");
    request.expected_version = body["version"].get<long>();
    if (body.contains("inputs"))
      for (const auto& [k, v] : body["inputs"].items())
        request.inputs[k] = v.is_string() ? v.get<std::string>() : v.dump();
    Workflow workflow(**cal, options.counter.hours);
    auto done = store.act(id, workflow, request, when->second);
    if (!done) return error_response(req, http::status::conflict, done.error().message);
    return json_response(req, http::status::ok, case_summary(*done, p.get(), today()));
  }

  Response api(const Request& req, const Target& t, const std::string& peer) {
    const auto& s = t.segments;  // "api", …
    if (s.size() == 2 && s[1] == "login") {
      if (req.method() != http::verb::post)
        return error_response(req, http::status::method_not_allowed, "POST /api/login");
      return login(req, peer);
    }
    Caller who;
    if (std::string token = cookie_value(sv(req[http::field::cookie]), kSessionCookie);
        !token.empty()) {
      auto session = accounts.session(token, now());
      if (!session)
        return error_response(req, http::status::internal_server_error, session.error().message);
      who.session = std::move(session).value();
    }
    if (!who.session)
      return refuse(req, who, http::status::unauthorized, "请先登录 (log in first)");
    if (changes_state(req.method()) && req["X-CSRF-Token"] != who.session->csrf)
      return refuse(
          req, who, http::status::forbidden,
          "CSRF 令牌缺失或不符，请刷新页面 (missing or wrong X-CSRF-Token: reload the page)");
    if (s.size() == 2 && s[1] == "logout" && req.method() == http::verb::post)
      return logout(req, who);
    if (s.size() == 2 && s[1] == "me" && req.method() == http::verb::get)
      return json_response(
          req, http::status::ok,
          {{"account", account_json(*who.account())}, {"csrf", who.session->csrf}});
    if (s.size() == 2 && s[1] == "cases" && req.method() == http::verb::get)
      return queue(req, who, t);
    if (s.size() == 3 && s[1] == "cases" && req.method() == http::verb::get)
      return show_case(req, who, s[2]);
    if (s.size() == 4 && s[1] == "cases" && s[3] == "actions" && req.method() == http::verb::post)
      return act(req, who, s[2]);
    return error_response(req, http::status::not_found, "no such API: " + t.path);
  }

  Response handle(const Request& req, const std::string& peer) {
    Target t;
    if (!parse_target(sv(req.target()), t))
      return error_response(req, http::status::bad_request,
                            "the request path must be absolute, without '..'");
    if (!t.segments.empty() && t.segments[0] == "api") return api(req, t, peer);
    if (req.method() != http::verb::get && req.method() != http::verb::head)
      return error_response(req, http::status::method_not_allowed, "pages are read with GET");
    if (const Asset* asset = find_asset(t.path)) {
      Response res = text_response(req, http::status::ok, std::string(asset->body), asset->type);
      res.set("Content-Security-Policy",
              "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
      return res;
    }
    return error_response(req, http::status::not_found, "no such page: " + t.path);
  }
};

App::App(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
App::~App() = default;

Result<std::unique_ptr<App>> App::create(AppOptions options) {
  if (!options.clock) options.clock = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  auto accounts = Accounts::open(options.db);
  if (!accounts) return accounts.error();
  auto store = CaseStore::open(options.db);
  if (!store) return store.error();
  Diagnostics problems;
  auto procedures = load_procedures(options.rules_dir / "procedures", problems);
  if (procedures.empty())
    return Error{"no procedure could be read from " + (options.rules_dir / "procedures").string() +
                     ": run 'keydesk rules lint'",
                 problems};
  auto impl = std::make_unique<Impl>(std::move(options), std::move(accounts).value(),
                                     std::move(store).value());
  impl->procedures = std::move(procedures);
  return std::unique_ptr<App>(new App(std::move(impl)));
}

Response App::handle(const Request& request, const std::string& peer) {
  return impl_->handle(request, peer);
}

const AppOptions& App::options() const { return impl_->options; }

}  // namespace keydesk::server
