#include "server/app.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "engine/access.h"
#include "engine/accounts.h"
#include "engine/atomic_file.h"
#include "engine/case_documents.h"
#include "engine/case_json.h"
#include "engine/case_store.h"
#include "engine/deadlines.h"
#include "engine/engine.h"
#include "engine/graph.h"
#include "engine/intake.h"
#include "engine/privacy.h"
#include "engine/rules.h"
#include "engine/submission.h"
#include "ocr/file_check.h"
#include "server/assets.h"
#include "server/batches.h"
#include "server/http_util.h"
#include "server/multipart.h"

namespace keydesk::server {

namespace {

constexpr const char* kSessionCookie = "kd_session";

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
  std::optional<docs::Generator> generator;          // opened at the first PDF (reads the font)
  std::unique_ptr<BatchJobs> batches;                // made with the app (it knows the folders)
  // Queue pages as sent (JSON), by what was asked, while the store's generation stays: clerks
  // read the queue far more often than cases change, and building a page of 200 cases (the
  // JSON made and written out) is nearly all of such a request's time (1.75 ms; with 200
  // connections on the one I/O thread, 0.35 s a request). Any write to the database, or a new
  // day, and the pages are built again.
  static constexpr std::size_t kQueuePagesKept = 16;
  std::int64_t queue_generation = -1;
  std::map<std::string, std::string> queue_pages;

  // The operations this front shares with the CLI (engine/engine.h), over `store`.
  Engine engine;

  Impl(AppOptions o, Accounts a, CaseStore s)
      : options(std::move(o)),
        accounts(std::move(a)),
        store(std::move(s)),
        engine(store, options.rules_dir, options.counter) {}

  std::int64_t now() const { return options.clock(); }
  std::string now_text() const { return counter_time_text(now(), options.counter.hours); }
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

  // The (procedure, state) pairs where vendor staff may act: a case there is at the vendor.
  std::vector<std::pair<std::string, std::string>> vendor_states() const {
    std::set<std::pair<std::string, std::string>> states;
    for (const auto& [id, p] : procedures)
      for (const auto& a : p.actions)
        if (std::find(a.roles.begin(), a.roles.end(), "vendor_reviewer") != a.roles.end())
          for (const auto& from : a.from) states.emplace(id, from);
    return {states.begin(), states.end()};
  }

  void log(const std::string& line) const {
    if (options.log)
      options.log(line);
    else
      std::fprintf(stderr, "keydesk serve: %s\n", line.c_str());
  }

  // Brings every open case's deadline up to date with the calendar files (a year entered, an
  // arrangement amended), as `who`, logging each change. The calendars kept for actions are read
  // again first.
  Result<ReprojectReport> reproject(const std::string& who) {
    auto report = engine.reproject({who, "administrator", ""});
    if (!report) {
      log("deadlines not re-projected: " + report.error().message);
      for (const Diagnostic& d : report.error().diagnostics) log("  " + d.format());
      return report;
    }
    for (const DeadlineChange& c : report->changes) log("deadline re-projected: " + change_text(c));
    return report;
  }

  // The calendar coverage warnings of `cal` today, with how many open cases wait on the year
  // (without the count when the database cannot say).
  std::vector<std::string> warnings_of(const WorkingCalendar& cal) {
    auto warned = calendar_warnings(cal, today(), &store);
    return warned ? std::move(warned->lines) : coverage_warnings(cal, today());
  }

  // --- JSON of a case ----------------------------------------------------------------------------

  // The case as the CLI gives it, with where it stands against its deadline on `day`.
  nlohmann::json case_summary(const CaseRecord& c, const Procedure* p, Date day) {
    nlohmann::json j = case_json(c, p);
    if (c.due && !c.closed && !c.clock_stopped) {
      j["overdue"] = *c.due < day;
      j["due_today"] = *c.due == day;
      if (p)
        if (auto cal = engine.calendar_for(*p); cal)
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
  using LoadedCase = std::pair<CaseRecord, std::shared_ptr<const Procedure>>;
  // Case `id` if `who` may see it. Otherwise nullopt, with *answer the response to send: 404
  // naming `field`, or a 403 with the reason (audited).
  std::optional<LoadedCase> visible_case(const Request& req, const Caller& who,
                                         const std::string& id, const std::string& field,
                                         Response* answer) {
    auto loaded = load_case(id);
    if (!loaded) {
      *answer = error_response(req, loaded.error(), field);
      return std::nullopt;
    }
    if (auto why = cannot_see(*who.account(), loaded->first, *loaded->second)) {
      *answer = refuse(req, who, http::status::forbidden, *why);
      return std::nullopt;
    }
    return std::move(loaded).value();
  }

  // Takes `request` (action, remark, inputs, version filled in) on `loaded` for `a`, now.
  Result<CaseRecord> take_action(const Account& a, const LoadedCase& loaded,
                                 ActionRequest request) {
    request.actor = {a.name, a.role, a.role == "authority_clerk" ? a.authority : ""};
    return engine.act(loaded.first.id, std::move(request), now_text());
  }

  // --- handlers ----------------------------------------------------------------------------------

  Response login(const Request& req, const std::string& peer) {
    auto parsed = parse_client_json(req.body(), "body", 64 * 1024);
    const nlohmann::json body = parsed ? std::move(parsed).value() : nlohmann::json();
    if (!body.is_object())
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
    bool locked_out = false;
    auto session = accounts.log_in(body["name"], body["password"], peer, now(), &locked_out);
    if (!session) {
      Caller nobody;
      return refuse(req, nobody,
                    locked_out ? http::status::too_many_requests : http::status::unauthorized,
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
      return refuse(req, who, http::status::forbidden, kAdministratorsDecideNoCases);
    CaseFilter f;
    f.authority = a.role == "vendor_reviewer" ? "" : a.authority;
    f.procedure = t.param("procedure");
    f.state = t.param("state");
    f.uscc = t.param("uscc");
    f.search = t.param("q");
    f.include_closed = t.param("closed") == "1";
    if (std::string limit = t.param("limit"); !limit.empty()) {
      if (limit.find_first_not_of("0123456789") != std::string::npos || limit.size() > 4)
        return error_response(req, http::status::bad_request, "limit: a number up to 1000",
                              "limit");
      f.limit = std::clamp(std::stoi(limit), 1, 1000);
    }
    if (a.role == "vendor_reviewer") f.procedure_states = vendor_states();
    f.summary = true;
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
                       f.search, f.include_closed, f.limit,     f.procedure_states, format_date(day)}
            .dump();
    if (auto kept = queue_pages.find(key); kept != queue_pages.end())
      return text_response(req, http::status::ok, kept->second, kJsonContentType);
    // The cases of `filter` as the page shows them.
    auto listing = [&](const CaseFilter& filter) -> Result<nlohmann::json> {
      auto rows = store.list(filter);
      if (!rows) return rows.error();
      nlohmann::json out = nlohmann::json::array();
      for (const CaseRecord& c : *rows) {
        auto p = store.procedure_at(c.procedure, c.procedure_version);
        out.push_back(case_summary(c, p ? p->get() : nullptr, day));
      }
      return out;
    };
    auto cases = listing(f);
    if (!cases)
      return error_response(req, http::status::internal_server_error, cases.error().message);
    // Cases whose deadline waits on a year's holiday arrangement: a group of their own, never
    // lost below the page's limit.
    CaseFilter waiting = f;
    waiting.deadline_pending = true;
    waiting.limit = 1000;
    auto pending_cases = listing(waiting);
    if (!pending_cases)
      return error_response(req, http::status::internal_server_error,
                            pending_cases.error().message);
    Response res = json_response(
        req, http::status::ok,
        {{"today", format_date(day)},
         {"cases", *cases},
         {"deadline_pending", {{"count", pending_cases->size()}, {"cases", *pending_cases}}}});
    if (queue_pages.size() >= kQueuePagesKept) queue_pages.clear();
    queue_pages.emplace(key, res.body());
    return res;
  }

  Response show_case(const Request& req, const Caller& who, const std::string& id) {
    const Account& a = *who.account();
    Response answer;
    auto loaded = visible_case(req, who, id, "id", &answer);
    if (!loaded) return answer;
    const auto& [c, p] = *loaded;
    nlohmann::json j = case_summary(c, p.get(), today());
    // Clerks and vendor staff check the ID number against the ID card copy; others see it masked.
    const bool full_id = sees_full_id(a);
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
      nlohmann::json materials = nlohmann::json::array();
      for (size_t n = 0; n < k.materials.size(); ++n) {
        nlohmann::json m = k.materials[n];
        const bool preview = m.contains("preview") && m["preview"].is_string() &&
                             (full_id || !shows_id_number(text_at(m, "/material")));
        m["preview"] = preview
                           ? nlohmann::json("/api/cases/" + c.id + "/previews/" + std::to_string(n))
                           : nlohmann::json();
        materials.push_back(m);
      }
      j["check"]["materials"] = materials;
    } else {
      j["check"] = nullptr;
    }
    // The scans, when the case was taken in here.
    j["scans"] = nlohmann::json::array();
    const nlohmann::json submitted = list_at(c.data, "materials");
    for (size_t n = 0; n < submitted.size(); ++n) {
      const std::string file = text_at(submitted[n], "/file");
      if (!full_id && shows_id_number(text_at(submitted[n], "/type"))) continue;
      if (plain_file_name(file) && std::filesystem::exists(intake_dir() / c.id / file))
        j["scans"].push_back({{"material", text_at(submitted[n], "/type")},
                              {"url", "/api/cases/" + c.id + "/scans/" + std::to_string(n)}});
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
                                        : kAdministratorsDecideNoCases);
    Response answer;
    auto loaded = visible_case(req, who, id, "id", &answer);
    if (!loaded) return answer;
    const auto& [c, p] = *loaded;
    auto parsed = parse_client_json(req.body(), "body");
    if (!parsed)
      return error_response(req, http::status::bad_request, parsed.error().message, "body");
    const nlohmann::json& body = *parsed;
    if (!body.is_object())
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
    ActionRequest request;
    request.action = body["action"];
    request.remark = body.value("remark", "");
    request.check_override = body.value("override_check", "");
    request.expected_version = body["version"].get<long>();
    if (body.contains("inputs"))
      for (const auto& [k, v] : body["inputs"].items()) {
        // Inputs are what a clerk types: text (a number is taken as its digits), nothing deeper.
        if (!v.is_string() && !v.is_number() && !v.is_null())
          return error_response(req, http::status::bad_request,
                                "inputs." + k.substr(0, 40) + "：应为文字，实为" + json_type_zh(v) +
                                    " (inputs." + k.substr(0, 40) + ": expected text)",
                                "inputs." + k.substr(0, 40));
        if (k.size() > 64 || (v.is_string() && v.get<std::string>().size() > 1000))
          return error_response(req, http::status::bad_request,
                                "inputs：名称或内容过长 (an input's name or value is too long)",
                                "inputs");
        request.inputs[k] = v.is_string() ? v.get<std::string>() : v.dump();
      }
    auto done = take_action(a, *loaded, std::move(request));
    if (!done) return error_response(req, done.error());
    return json_response(req, http::status::ok, case_summary(*done, p.get(), today()));
  }

  // A document of the cases `ids` (each of which the caller must be able to see) as a PDF.
  Response document(const Request& req, const Caller& who, const std::string& kind,
                    const std::vector<std::string>& ids, const Target& t) {
    const Account& a = *who.account();
    if (a.role == "administrator")
      return refuse(req, who, http::status::forbidden, kAdministratorsDecideNoCases);
    if (ids.empty())
      return error_response(req, http::status::bad_request,
                            "cases: name the cases, e.g. ?cases=S-1,S-2", "cases");
    for (const std::string& id : ids) {
      Response answer;
      if (!visible_case(req, who, id, "cases", &answer)) return answer;
    }
    if (!generator) {
      auto opened = docs::Generator::open();
      if (!opened) return error_response(req, opened.error());
      generator.emplace(std::move(opened).value());
    }
    DocumentContext env{options.counter, store, today(), options.rules_dir};
    std::optional<Result<docs::Pdf>> pdf;
    auto render = [&](auto filled, auto draw) -> std::optional<std::string> {
      if (!filled) return filled.error().message;
      pdf.emplace(draw(*filled));
      return std::nullopt;
    };
    std::optional<std::string> refused;
    if (kind == "receipt")
      refused =
          render(receipt_for(env, ids[0]), [&](const auto& d) { return generator->receipt(d); });
    else if (kind == "notice")
      refused =
          render(notice_for(env, ids[0]), [&](const auto& d) { return generator->notice(d); });
    else if (kind == "coversheet")
      refused = render(coversheet_for(env, t.param("batch"), ids),
                       [&](const auto& d) { return generator->coversheet(d); });
    else if (kind == "manifest")
      refused = render(manifest_for(env, t.param("number"), t.param("courier"), ids),
                       [&](const auto& d) { return generator->manifest(d); });
    else
      return error_response(req, http::status::not_found,
                            "no document '" + kind + "': receipt, notice, coversheet or manifest");
    if (refused) return error_response(req, http::status::conflict, *refused);
    if (!*pdf) return error_response(req, pdf->error());
    Response res = text_response(req, http::status::ok, (*pdf)->bytes, "application/pdf");
    res.set(http::field::content_disposition,
            content_disposition("inline", kind + (ids.size() == 1 ? "-" + ids[0] : "") + ".pdf"));
    return res;
  }

  std::filesystem::path intake_dir() const {
    return options.intake_dir.empty()
               ? std::filesystem::absolute(options.db).parent_path() / "intake"
               : options.intake_dir;
  }

  // The action of `role` in the case's state that says the material is in order (the one a
  // clean document check lets through), if any.
  static const ActionRule* passing_action(const Procedure& p, const std::string& state,
                                          const std::string& role) {
    for (const ActionRule* a : Workflow::actions_for(p, state, role))
      if (a->requires_check) return a;
    return nullptr;
  }

  // POST /api/batches {"cases": [ids]} or {"pending": true}: the document check of those cases'
  // submissions (taken in under the intake folder), run in the background.
  Response start_batch(const Request& req, const Caller& who) {
    const Account& a = *who.account();
    if (a.role != "authority_clerk")
      return refuse(req, who, http::status::forbidden,
                    "只有发证机构经办人可发起核验 (only clerks verify batches)");
    auto parsed = parse_client_json(req.body(), "body", 256 * 1024);
    if (!parsed)
      return error_response(req, http::status::bad_request, parsed.error().message, "body");
    const nlohmann::json& body = *parsed;
    if (!body.is_object())
      return error_response(req, http::status::bad_request,
                            "send JSON: {\"cases\": [ids]} or {\"pending\": true}");
    if (body.contains("pending") && !body["pending"].is_boolean())
      return error_response(req, http::status::bad_request,
                            "pending：应为 true 或 false，实为" + json_type_zh(body["pending"]) +
                                " (pending: expected true or false)",
                            "pending");
    std::vector<std::string> ids;
    if (body.contains("pending") && body["pending"].get<bool>()) {
      // The clerk's open cases waiting for a check-guarded decision.
      CaseFilter f;
      f.authority = a.authority;
      f.limit = 1000;
      auto rows = store.list(f);
      if (!rows)
        return error_response(req, http::status::internal_server_error, rows.error().message);
      for (const CaseRecord& c : *rows) {
        auto p = store.procedure_at(c.procedure, c.procedure_version);
        if (p && passing_action(**p, c.state, a.role) &&
            std::filesystem::exists(intake_dir() / c.id / "submission.json"))
          ids.push_back(c.id);
      }
      if (ids.empty())
        return error_response(req, http::status::conflict,
                              "没有待核验的案件 (no pending case with a submission folder)");
    } else if (body.contains("cases") && body["cases"].is_array() && !body["cases"].empty()) {
      for (const auto& id : body["cases"]) {
        if (!id.is_string() || !valid_case_id(id.get<std::string>()))
          return error_response(req, http::status::bad_request,
                                "cases：应为案件编号列表 (cases: case numbers)", "cases");
        ids.push_back(id);
      }
    } else {
      return error_response(req, http::status::bad_request,
                            "cases: a list of case numbers (or \"pending\": true)", "cases");
    }
    std::vector<std::filesystem::path> folders;
    for (const std::string& id : ids) {
      Response answer;
      if (!visible_case(req, who, id, "cases", &answer)) return answer;
      const std::filesystem::path folder = intake_dir() / id;
      if (!std::filesystem::exists(folder / "submission.json"))
        return error_response(req, http::status::conflict,
                              "case " + id + " has no submission folder under " +
                                  intake_dir().string() +
                                  ": check it with 'keydesk batch verify FOLDER --db'",
                              "cases");
      folders.push_back(folder);
    }
    auto job = batches->start(std::move(folders), {a.name, a.role, a.authority}, today());
    if (!job) return error_response(req, http::status::conflict, job.error().message);
    return json_response(req, http::status::accepted, *batches->status(*job));
  }

  // Whether `who` may see batch `id` (started by a clerk of their authority).
  std::optional<std::string> cannot_see_batch(const Account& a, const std::string& id) const {
    auto owner = batches->owner(id);
    if (!owner) return std::nullopt;  // a 404 follows
    if ((a.role == "authority_clerk" || (a.role == "auditor" && !a.authority.empty())) &&
        owner->authority == a.authority)
      return std::nullopt;
    if (a.role == "auditor" && a.authority.empty()) return std::nullopt;
    return "批次 " + id + " 不属于" + a.authority + " (the batch is another authority's)";
  }

  Response batch_status(const Request& req, const Caller& who, const std::string& id) {
    if (auto why = cannot_see_batch(*who.account(), id))
      return refuse(req, who, http::status::forbidden, *why);
    auto status = batches->status(id);
    if (!status) return error_response(req, http::status::not_found, "no batch " + id, "id");
    return json_response(req, http::status::ok, *status);
  }

  // POST /api/batches/{id}/pass: every case of a finished batch whose check passed, passed in
  // one step (the action its rule file guards with the check). Each case's outcome is listed;
  // one refused does not stop the others.
  Response pass_clean(const Request& req, const Caller& who, const std::string& id) {
    const Account& a = *who.account();
    if (a.role != "authority_clerk")
      return refuse(req, who, http::status::forbidden,
                    "只有发证机构经办人可办理 (only clerks pass cases)");
    if (auto why = cannot_see_batch(a, id)) return refuse(req, who, http::status::forbidden, *why);
    auto status = batches->status(id);
    if (!status) return error_response(req, http::status::not_found, "no batch " + id, "id");
    if ((*status)["state"] != "done")
      return error_response(req, http::status::conflict,
                            "批次尚未完成 (the batch has not finished)");
    nlohmann::json results = nlohmann::json::array();
    for (const std::string& case_id : batches->passed(id)) {
      nlohmann::json r = {{"id", case_id}};
      auto loaded = load_case(case_id);
      const ActionRule* action = nullptr;
      if (!loaded) {
        r["error"] = loaded.error().message;
      } else if (auto why = cannot_see(a, loaded->first, *loaded->second)) {
        r["error"] = *why;
      } else if (!(action = passing_action(*loaded->second, loaded->first.state, a.role))) {
        r["error"] =
            "当前状态无可通过的操作 (nothing to pass in state " + loaded->first.state + ")";
      } else {
        ActionRequest request;
        request.action = action->id;
        request.expected_version = loaded->first.version;
        auto done = take_action(a, *loaded, std::move(request));
        if (done) {
          r["action"] = action->id;
          r["state"] = done->state;
          if (const StateRule* st = loaded->second->state(done->state))
            r["state_title"] = st->title;
        } else {
          r["error"] = done.error().message;
        }
      }
      results.push_back(r);
    }
    return json_response(req, http::status::ok, {{"batch", id}, {"cases", results}});
  }

  // --- rules (administrators) --------------------------------------------------------------------

  // GET /api/rules: every procedure, the lint of the whole rules folder, calendar coverage.
  Response rules_overview(const Request& req) {
    nlohmann::json j = {{"procedures", nlohmann::json::array()}};
    for (const auto& [id, p] : procedures)
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
      j["calendar"] = {
          {"id", cal->id()},  {"title", cal->title()}, {"version", cal->version()},
          {"layers", layers}, {"years", years},        {"warnings", warnings_of(*cal)}};
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

  // POST /api/rules/{id}: an edited rule file (YAML text) is linted and, when clean, activated
  // as the procedure's new version; cases in flight stay on the version they were opened with.
  Response activate_rules(const Request& req, const std::string& id) {
    auto current = procedures.find(id);
    if (current == procedures.end())
      return error_response(req, http::status::not_found, "no procedure '" + id + "'", "id");
    // Written over the file it was read from, so no second file holds the same procedure.
    const std::filesystem::path file = current->second.file;
    auto parsed = parse_procedure(req.body(), file.string());
    if (!parsed) {
      nlohmann::json problems = nlohmann::json::array();
      for (const Diagnostic& d : parsed.error().diagnostics)
        problems.push_back({{"line", d.line}, {"column", d.column}, {"message", d.message}});
      return json_response(
          req, http::status::unprocessable_entity,
          {{"error", "规则文件有误，未启用 (the rule file has problems; nothing changed): " +
                         parsed.error().message},
           {"diagnostics", problems}});
    }
    if (parsed->id != id)
      return error_response(req, http::status::bad_request,
                            "the file says id: " + parsed->id + ", but it was sent for " + id,
                            "id");
    const std::string previous = current->second.version;
    if (parsed->version == previous)
      return json_response(req, http::status::ok,
                           {{"id", id}, {"version", previous}, {"changed", false}});
    if (auto written = write_file_atomically(file, req.body(), "rule file"); !written)
      return error_response(req, http::status::internal_server_error, written.error().message);
    if (auto st = store.remember(*parsed, now_text()); !st)
      return error_response(req, http::status::internal_server_error, st.error().message);
    engine.forget_calendars();
    current->second = std::move(parsed).value();
    return json_response(req, http::status::ok,
                         {{"id", id},
                          {"version", current->second.version},
                          {"previous_version", previous},
                          {"changed", true}});
  }

  // POST /api/rules/calendars/{id}: an edited calendar file (YAML text) is linted and, when clean,
  // activated; then every open case's deadline is computed again on it (a year entered, an
  // arrangement amended), each change an event in the case's history.
  Response activate_calendar(const Request& req, const Caller& who, const std::string& id) {
    auto done = activate_calendar_edit(options.rules_dir, id, req.body());
    if (!done) {
      nlohmann::json problems = nlohmann::json::array();
      for (const Diagnostic& d : done.error().diagnostics)
        problems.push_back({{"file", std::filesystem::path(d.file).filename().string()},
                            {"line", d.line},
                            {"column", d.column},
                            {"message", d.message}});
      return json_response(req, http::status::unprocessable_entity,
                           {{"error", done.error().message}, {"diagnostics", problems}});
    }
    nlohmann::json j = {{"id", done->id},
                        {"version", done->version},
                        {"previous_version", done->previous_version},
                        {"changed", done->changed}};
    if (done->changed)
      log("calendar " + id + " activated by " + who.account()->name + ": version " +
          done->version.substr(0, 12) + " (was " + done->previous_version.substr(0, 12) + ")");
    auto report = reproject(who.account()->name);
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

  Response calendar_api(const Request& req, const Caller& who, const std::vector<std::string>& s) {
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
    return error_response(req, http::status::not_found, "no such API");
  }

  Response rules_api(const Request& req, const Caller& who, const std::vector<std::string>& s) {
    if (who.account()->role != "administrator")
      return refuse(req, who, http::status::forbidden,
                    "只有管理员可管理规则 (only administrators manage the rules)");
    if (s.size() == 2 && req.method() == http::verb::get) return rules_overview(req);
    if (s.size() < 3) return error_response(req, http::status::not_found, "no such API");
    if (s[2] == "calendars" && s.size() >= 4) return calendar_api(req, who, s);
    auto p = procedures.find(s[2]);
    if (p == procedures.end())
      return error_response(req, http::status::not_found, "no procedure '" + s[2] + "'", "id");
    if (s.size() == 3 && req.method() == http::verb::post) return activate_rules(req, s[2]);
    if (s.size() == 4 && s[3] == "source" && req.method() == http::verb::get) {
      std::ifstream in(p->second.file, std::ios::binary);
      std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      return text_response(req, http::status::ok, std::move(text), "text/yaml; charset=utf-8");
    }
    if (s.size() == 4 && s[3] == "diagram.svg" && req.method() == http::verb::get) {
      auto svg = dot_to_svg(procedure_dot(p->second));
      if (!svg)
        return error_response(req, http::status::internal_server_error, svg.error().message);
      return text_response(req, http::status::ok, std::move(svg).value(), "image/svg+xml");
    }
    return error_response(req, http::status::not_found, "no such API");
  }

  // GET /api/cases/{id}/scans/{n}: the n-th material file of a case taken in under the intake
  // folder; GET /api/cases/{id}/previews/{n}: the normalised page of the n-th material of its
  // latest document check (the findings' boxes are in its coordinates). Only paths the server
  // itself wrote are ever opened.
  Response case_image(const Request& req, const Caller& who, const std::string& id,
                      const std::string& kind, const std::string& index) {
    Response answer;
    auto loaded = visible_case(req, who, id, "id", &answer);
    if (!loaded) return answer;
    if (index.empty() || index.size() > 3 ||
        index.find_first_not_of("0123456789") != std::string::npos)
      return error_response(req, http::status::bad_request, "the material's number: 0, 1, 2, …",
                            "n");
    const size_t n = std::stoul(index);
    std::filesystem::path path;
    std::string material;  // its type
    if (kind == "scans") {
      const nlohmann::json materials = list_at(loaded->first.data, "materials");
      const std::string file = n < materials.size() ? text_at(materials[n], "/file") : "";
      if (!plain_file_name(file))
        return error_response(req, http::status::not_found, "no material " + index, "n");
      material = text_at(materials[n], "/type");
      path = intake_dir() / id / file;
    } else {
      auto check = store.latest_check(id);
      if (!check) return error_response(req, check.error());
      if (!*check || n >= (*check)->materials.size() ||
          !(*check)->materials[n]["preview"].is_string())
        return error_response(req, http::status::not_found, "no preview of material " + index, "n");
      material = text_at((*check)->materials[n], "/material");
      path = (*check)->materials[n]["preview"].get<std::string>();
    }
    // ID numbers are masked for auditors; the scans that show one whole are not theirs to see.
    if (!sees_full_id(*who.account()) && shows_id_number(material))
      return refuse(
          req, who, http::status::forbidden,
          "审计人员不能查看含身份证号码的扫描件 (auditors do not see scans that show an ID "
          "number)");
    std::ifstream in(path, std::ios::binary);
    if (!in)
      return error_response(
          req, http::status::not_found,
          "the scan is not kept here (the case was not taken in by keydesk serve)", "n");
    std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const ocr::FileKind type = ocr::inspect_bytes(bytes).kind;
    const char* content_type = type == ocr::FileKind::jpeg  ? "image/jpeg"
                               : type == ocr::FileKind::png ? "image/png"
                                                            : "application/octet-stream";
    Response res = text_response(req, http::status::ok, std::move(bytes), content_type);
    res.set(http::field::cache_control, "private, max-age=3600");
    return res;
  }

  // POST /api/submissions: a submission (DESIGN.md's folder format) as multipart/form-data, a
  // `submission` part holding submission.json and one part per material file, matched by the
  // file name submission.json gives it. Kept under the intake folder by case number and
  // material type (no client file name reaches the file system), then opened as a case of
  // `authority`, taken in by `by`.
  Response take_submission(const Request& req, const std::string& by,
                           const std::string& authority) {
    std::string boundary = multipart_boundary(sv(req[http::field::content_type]));
    if (boundary.empty())
      return error_response(req, http::status::unsupported_media_type,
                            "send multipart/form-data: a 'submission' part and the material files");
    auto parts = parse_multipart(req.body(), boundary);
    if (!parts) return error_response(req, http::status::bad_request, parts.error().message);
    const FormPart* json_part = nullptr;
    for (const FormPart& p : *parts)
      if (p.name == "submission" && !json_part) json_part = &p;  // a second: see stray_part
    if (!json_part)
      return error_response(req, http::status::bad_request,
                            "no 'submission' part (submission.json)", "submission");
    // One parse, as at every door: a wrong type, a missing field, an unknown key is a 400 naming
    // the field, and nothing is written.
    auto typed = parse_submission_text(json_part->data, "submission.");
    if (!typed) {
      const std::string& why = typed.error().message;
      return error_response(req, http::status::bad_request, why, why.substr(0, why.find("：")));
    }
    const std::string id = typed->id;
    if (!procedures.count(typed->procedure))
      return error_response(req, http::status::bad_request,
                            "submission.procedure：没有业务“" + typed->procedure +
                                "” (no procedure " + typed->procedure + " is loaded)",
                            "submission.procedure");
    if (!typed->has_materials)
      return error_response(req, http::status::bad_request,
                            "submission.materials：缺少材料列表 (a list of {type, file})",
                            "submission.materials");
    nlohmann::json submission = typed->to_json();
    // One part, one file (each is written out): refused before anything is.
    std::vector<std::string> files;
    for (const SubmittedMaterial& m : typed->materials) files.push_back(m.file);
    if (auto stray = stray_part(*parts, files))
      return error_response(req, http::status::bad_request, stray->message, stray->part);
    if (auto existing = store.get(id); existing)
      return error_response(req, http::status::conflict,
                            "案件 " + id +
                                " 已受理，重复提交未处理；补正材料请在案件中办理 (case " + id +
                                " exists already: a resubmission is an action on it)",
                            "submission.id");
    const std::filesystem::path intake = intake_dir();
    const std::filesystem::path partial = intake / (id + ".partial"), folder = intake / id;
    std::error_code ec;
    std::filesystem::remove_all(partial, ec);
    std::filesystem::create_directories(partial, ec);
    if (ec)
      return error_response(req, http::status::internal_server_error,
                            "cannot write " + partial.string() + ": " + ec.message());
    // Whatever goes wrong from here leaves no half-written folder behind.
    struct Cleanup {
      std::filesystem::path dir;
      ~Cleanup() {
        std::error_code ignored;
        if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
      }
    } cleanup{partial};
    std::set<const FormPart*> used{json_part};
    auto& materials = submission["materials"];
    for (size_t i = 0; i < materials.size(); ++i) {
      const std::string field = "submission.materials[" + std::to_string(i) + "]";
      auto& m = materials[i];
      const std::string& type = typed->materials[i].type;
      const std::string& file = typed->materials[i].file;
      auto part = std::find_if(parts->begin(), parts->end(), [&](const FormPart& p) {
        return &p != json_part && carries(p, file);
      });
      if (part == parts->end())
        return error_response(req, http::status::bad_request,
                              field + ".file: no part holds '" + file + "'; send it as a file part",
                              field + ".file");
      if (!used.insert(&*part).second)
        return error_response(req, http::status::bad_request,
                              field + ".file: '" + file +
                                  "' 已是前一项材料的文件 (an earlier material's file too: one "
                                  "part, one material)",
                              field + ".file");
      const std::string bytes(part->data);
      // Named by position and type, with the extension of what the bytes are.
      const ocr::FileFacts facts = ocr::inspect_bytes(bytes);
      const std::string extension =
          facts.kind == ocr::FileKind::jpeg ? "jpg" : ocr::file_kind_name(facts.kind);
      const std::string stored =
          (i < 9 ? "0" : "") + std::to_string(i + 1) + "-" + type + "." + extension;
      if (auto written = write_file_atomically(partial / stored, bytes, type); !written)
        return error_response(req, http::status::internal_server_error, written.error().message);
      m["file"] = stored;
    }
    for (const FormPart& p : *parts)
      if (!used.count(&p))
        return error_response(req, http::status::bad_request,
                              "part '" + p.name + "' is not a material of submission.json", p.name);
    if (auto written =
            write_file_atomically(partial / "submission.json", submission.dump(2), "submission");
        !written)
      return error_response(req, http::status::internal_server_error, written.error().message);
    // A folder left by an attempt whose case was never opened is replaced.
    std::filesystem::remove_all(folder, ec);
    std::filesystem::rename(partial, folder, ec);
    if (ec)
      return error_response(req, http::status::internal_server_error,
                            "cannot keep " + folder.string() + ": " + ec.message());
    cleanup.dir = folder;
    // The clock starts when the enterprise submitted (as `keydesk case open`), else now.
    for (size_t i = 0; i < materials.size(); ++i) typed->materials[i].file = materials[i]["file"];
    auto opened = engine.open_case(*typed, {by, "authority_clerk", authority},
                                   typed->submitted_at.empty() ? now_text() : std::string());
    if (!opened)
      return error_response(req,
                            opened.error().kind == ErrorKind::invalid_input
                                ? http::status::unprocessable_entity
                                : status_of(opened.error().kind),
                            opened.error().message);
    cleanup.dir.clear();
    auto p = store.procedure_at(opened->procedure, opened->procedure_version);
    nlohmann::json j = case_summary(*opened, p ? p->get() : nullptr, today());
    j["folder"] = folder.string();
    return json_response(req, http::status::created, j);
  }

  Response api(const Request& req, const Target& t, const std::string& peer) {
    const auto& s = t.segments;  // "api", …
    if (s.size() == 2 && s[1] == "login") {
      if (req.method() != http::verb::post)
        return error_response(req, http::status::method_not_allowed, "POST /api/login");
      return login(req, peer);
    }
    Caller who;
    // Machine intake with an API token (no cookie, so no CSRF to check).
    if (std::string auth(sv(req[http::field::authorization])); auth.rfind("Bearer ", 0) == 0) {
      auto token = accounts.api_token(auth.substr(7));
      if (!token)
        return error_response(req, http::status::internal_server_error, token.error().message);
      if (!*token)
        return refuse(req, who, http::status::unauthorized,
                      "API 令牌无效或已停用 (unknown or disabled API token)");
      if (s.size() == 2 && s[1] == "submissions" && req.method() == http::verb::post)
        return take_submission(req, "api:" + (*token)->label, (*token)->authority);
      return refuse(req, who, http::status::forbidden,
                    "API 令牌只能提交申请 (an API token may only POST /api/submissions)");
    }
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
    if (s.size() >= 2 && s[1] == "rules") return rules_api(req, who, s);
    if (s.size() == 2 && s[1] == "batches" && req.method() == http::verb::post)
      return start_batch(req, who);
    if (s.size() == 3 && s[1] == "batches" && req.method() == http::verb::get)
      return batch_status(req, who, s[2]);
    if (s.size() == 4 && s[1] == "batches" && s[3] == "pass" && req.method() == http::verb::post)
      return pass_clean(req, who, s[2]);
    if (s.size() == 2 && s[1] == "submissions" && req.method() == http::verb::post) {
      // A clerk taking in a submission at the counter, for their own authority.
      if (who.account()->role != "authority_clerk")
        return refuse(req, who, http::status::forbidden,
                      "只有发证机构经办人可受理申请 (only clerks take in submissions)");
      return take_submission(req, who.account()->name, who.account()->authority);
    }
    if (s.size() == 3 && s[1] == "cases" && req.method() == http::verb::get)
      return show_case(req, who, s[2]);
    if (s.size() == 4 && s[1] == "cases" && s[3] == "actions" && req.method() == http::verb::post)
      return act(req, who, s[2]);
    if (s.size() == 5 && s[1] == "cases" && (s[3] == "scans" || s[3] == "previews") &&
        req.method() == http::verb::get)
      return case_image(req, who, s[2], s[3], s[4]);
    auto pdf_name = [](const std::string& segment) {
      return segment.size() > 4 && segment.ends_with(".pdf") ? segment.substr(0, segment.size() - 4)
                                                             : std::string();
    };
    // /api/cases/{id}/receipt.pdf, /api/cases/{id}/notice.pdf
    if (s.size() == 4 && s[1] == "cases" && req.method() == http::verb::get &&
        !pdf_name(s[3]).empty())
      return document(req, who, pdf_name(s[3]), {s[2]}, t);
    // /api/documents/coversheet.pdf?batch=…&cases=A,B and manifest.pdf?number=…&courier=…&cases=…
    if (s.size() == 3 && s[1] == "documents" && req.method() == http::verb::get &&
        !pdf_name(s[2]).empty()) {
      std::vector<std::string> ids;
      const std::string cases = t.param("cases");
      for (std::string_view rest = cases; !rest.empty();) {
        size_t comma = rest.find(',');
        if (comma != 0) ids.emplace_back(rest.substr(0, comma));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      return document(req, who, pdf_name(s[2]), ids, t);
    }
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
  impl->batches = std::make_unique<BatchJobs>(
      BatchJobs::Setup{impl->options.db, impl->options.rules_dir,
                       impl->intake_dir().parent_path() / "batches", impl->options.counter});
  // Deadlines follow the calendar files as they are now (edited while the server was down).
  (void)impl->reproject("keydesk serve");
  if (auto cal = WorkingCalendar::load(impl->options.rules_dir / "calendars",
                                       impl->options.counter.calendar))
    for (const auto& w : impl->warnings_of(*cal)) impl->log("warning: " + w);
  return std::unique_ptr<App>(new App(std::move(impl)));
}

Response App::handle(const Request& request, const std::string& peer) {
  // The last catch: a bug met by one request is that request's 500, logged, and the counter goes
  // on serving everyone else.
  try {
    return impl_->handle(request, peer);
  } catch (const std::exception& e) {
    impl_->log(std::string("internal error on ") + std::string(request.method_string()) + " " +
               std::string(request.target().substr(0, 200)) + ": " + e.what());
  } catch (...) {
    impl_->log("internal error on " + std::string(request.target().substr(0, 200)));
  }
  return error_response(
      request, http::status::internal_server_error,
      "服务器内部错误，已记录；请重试，仍不行请联系管理员 (internal error, logged)");
}

const AppOptions& App::options() const { return impl_->options; }

}  // namespace keydesk::server
