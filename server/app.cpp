// The web counter without sockets: routing, sign-in, start-up (App::create) and the last catch.
// The handlers of each area are in cases_api.cpp, intake_api.cpp, batches_api.cpp and
// rules_api.cpp; App::Impl is declared in app_impl.h.
#include "server/app_impl.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "engine/accounts.h"
#include "engine/deadlines.h"
#include "engine/rules.h"
#include "server/assets.h"

namespace keydesk::server {

namespace {

constexpr const char* kSessionCookie = "kd_session";

nlohmann::json account_json(const Account& a) {
  return {{"name", a.name},
          {"display_name", a.display_name},
          {"role", a.role},
          {"role_title", account_role_title(a.role)},
          {"authority", a.authority}};
}

bool changes_state(http::verb method) {
  return method != http::verb::get && method != http::verb::head;
}

}  // namespace

Response App::Impl::refuse(const Request& req, const Caller& who, http::status status,
                           const std::string& reason) {
  const Account* a = who.account();
  // The audit of refusals; a failure to record it does not change the answer.
  (void)accounts.record_refusal({now_text(), a ? a->name : "", a ? a->role : "",
                                 std::string(req.method_string()), std::string(req.target()),
                                 static_cast<int>(status), reason});
  return error_response(req, status, reason);
}

void App::Impl::log(const std::string& line) const {
  if (options.log)
    options.log(line);
  else
    std::fprintf(stderr, "keydesk serve: %s\n", line.c_str());
}

void App::Impl::log_reprojection(const Result<ReprojectReport>& report) const {
  if (!report) {
    log("deadlines not re-projected: " + report.error().message);
    for (const Diagnostic& d : report.error().diagnostics) log("  " + d.format());
    return;
  }
  for (const DeadlineChange& c : report->changes) log("deadline re-projected: " + change_text(c));
}

std::vector<std::string> App::Impl::warnings_of(const WorkingCalendar& cal, CalendarEditor editor) {
  auto warned = calendar_warnings(cal, today(), &store, editor);
  return warned ? std::move(warned->lines) : coverage_warnings(cal, today(), -1, editor);
}

Response App::Impl::login(const Request& req, const std::string& peer) {
  auto parsed = parse_client_json(req.body(), "body", 64 * 1024);
  const nlohmann::json body = parsed ? std::move(parsed).value() : nlohmann::json();
  if (!body.is_object())
    return error_response(req, http::status::bad_request,
                          "send JSON: {\"name\": …, \"password\": …}");
  for (const char* field : {"name", "password"})
    if (!body.contains(field) || !body[field].is_string() || body[field].get<std::string>().empty())
      return error_response(req, http::status::bad_request,
                            std::string("请填写") +
                                (field == std::string("name") ? "用户名" : "密码") + " (" + field +
                                " is missing)",
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

Response App::Impl::logout(const Request& req, const Caller& who) {
  if (who.session) (void)accounts.log_out(who.session->token);
  Response res{http::status::no_content, req.version()};
  res.set(http::field::set_cookie,
          std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

Response App::Impl::api(const Request& req, const Target& t, const std::string& peer) {
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
    if (!token) return storage_error(req, token.error());
    if (!*token)
      return refuse(req, who, http::status::unauthorized,
                    "API 令牌无效或已停用 (unknown or disabled API token)");
    if (s.size() == 2 && s[1] == "submissions" && req.method() == http::verb::post)
      return take_submission(req, "api:" + (*token)->label, (*token)->authority);
    // The enterprise's new set for a returned case, uploaded online (补正材料): as the
    // enterprise, on cases of the token's authority.
    if (s.size() == 4 && s[1] == "cases" && s[3] == "resubmission" &&
        req.method() == http::verb::post) {
      auto c = store.get(s[2]);
      if (!c || c->authority != (*token)->authority)
        return error_response(req, http::status::not_found,
                              "没有案件 " + s[2] + " (no case " + s[2] + " of this authority)",
                              "id");
      return take_resubmission(req, {"api:" + (*token)->label, "enterprise", ""}, s[2], t);
    }
    return refuse(req, who, http::status::forbidden,
                  "API 令牌只能提交申请和补正材料 (an API token may only POST /api/submissions "
                  "and /api/cases/ID/resubmission)");
  }
  if (std::string token = cookie_value(sv(req[http::field::cookie]), kSessionCookie);
      !token.empty()) {
    auto session = accounts.session(token, now());
    if (!session) return storage_error(req, session.error());
    who.session = std::move(session).value();
  }
  if (!who.session) return refuse(req, who, http::status::unauthorized, "请先登录 (log in first)");
  if (changes_state(req.method()) && req["X-CSRF-Token"] != who.session->csrf)
    return refuse(
        req, who, http::status::forbidden,
        "CSRF 令牌缺失或不符，请刷新页面 (missing or wrong X-CSRF-Token: reload the page)");
  if (s.size() == 2 && s[1] == "logout" && req.method() == http::verb::post)
    return logout(req, who);
  if (s.size() == 2 && s[1] == "me" && req.method() == http::verb::get)
    return json_response(req, http::status::ok,
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
  if (s.size() == 4 && s[1] == "batches" && s[3] == "resume" && req.method() == http::verb::post)
    return resume_batch(req, who, s[2]);
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
  if (s.size() == 4 && s[1] == "cases" && s[3] == "resubmission" &&
      req.method() == http::verb::post)
    return resubmit(req, who, s[2], t);
  if (s.size() == 6 && s[1] == "cases" && s[3] == "notices" && s[5] == "resend" &&
      req.method() == http::verb::post)
    return resend_notice(req, who, s[2], s[4]);
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
  return error_response(req, http::status::not_found,
                        "没有这个接口，请从页面上的菜单进入 (no such API: " + t.path + ")");
}

Response App::Impl::handle(const Request& req, const std::string& peer) {
  Target t;
  std::string not_utf8;
  if (!parse_target(sv(req.target()), t, &not_utf8))
    return not_utf8.empty()
               ? error_response(req, http::status::bad_request,
                                "the request path must be absolute, without '..'")
               : error_response(
                     req, http::status::bad_request,
                     "请求中含有无法识别的字符（不是 UTF-8 编码的文字），请重新输入后再试 (" +
                         not_utf8 + " is not UTF-8)",
                     not_utf8);
  if (!t.segments.empty() && t.segments[0] == "api") return api(req, t, peer);
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    return error_response(
        req, http::status::method_not_allowed,
        "页面只能打开，不能提交，请使用页面上的按钮操作 (pages are read with GET)");
  if (const Asset* asset = find_asset(t.path)) {
    Response res = text_response(req, http::status::ok, std::string(asset->body), asset->type);
    res.set("Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
    return res;
  }
  return error_response(req, http::status::not_found,
                        "没有这个页面，请从页面上的菜单进入 (no such page: " + t.path + ")");
}

// The connections, lent one per request: take() waits while all are lent. A thread is given the
// connection it had last when that one is free, so with as many connections as threads each
// thread keeps its own.
struct App::Pool {
  AppShared shared;  // declared first: the connections refer to it
  std::vector<std::unique_ptr<Impl>> lanes;
  std::mutex mutex;
  std::condition_variable returned;
  std::vector<Impl*> idle;

  explicit Pool(AppOptions options) : shared(std::move(options)) {}

  Impl& take() {
    thread_local const Impl* last = nullptr;
    std::unique_lock lock(mutex);
    returned.wait(lock, [this] { return !idle.empty(); });
    auto mine = std::find(idle.begin(), idle.end(), last);
    if (mine == idle.end()) mine = idle.end() - 1;
    Impl* lane = *mine;
    idle.erase(mine);
    last = lane;
    return *lane;
  }
  void give_back(Impl& lane) {
    {
      std::lock_guard lock(mutex);
      idle.push_back(&lane);
    }
    returned.notify_one();
  }
};

App::App(std::unique_ptr<Pool> pool) : pool_(std::move(pool)) {}
App::~App() = default;

Result<std::unique_ptr<App>> App::create(AppOptions options) {
  if (!options.clock) options.clock = [] { return static_cast<std::int64_t>(std::time(nullptr)); };
  const unsigned connections = options.db == ":memory:" ? 1 : std::max(1u, options.connections);
  auto pool = std::make_unique<Pool>(std::move(options));
  AppShared& shared = pool->shared;
  for (const std::string& proxy : shared.options.trusted_proxies) {
    boost::system::error_code ec;
    shared.trusted_proxies.push_back(boost::asio::ip::make_address(proxy, ec));
    if (ec)
      return error_of(
          ErrorKind::invalid_input,
          "--trusted-proxy " + proxy +
              "：不是 IP 地址，请写反向代理（nginx）所在机器的地址，如 10.0.0.5 (not an "
              "IP address)");
  }
  for (unsigned n = 0; n < connections; ++n) {
    auto accounts = Accounts::open(shared.options.db);
    if (!accounts) return accounts.error();
    auto store = CaseStore::open(shared.options.db);
    if (!store) return store.error();
    pool->lanes.push_back(
        std::make_unique<Impl>(shared, std::move(accounts).value(), std::move(store).value()));
    if (auto procedures = pool->lanes.back()->engine.procedures(); !procedures)
      return procedures.error();
    pool->idle.push_back(pool->lanes.back().get());
  }
  Impl& first = *pool->lanes.front();
  WebBatches::Setup batches;
  batches.db = shared.options.db;
  batches.rules_dir = shared.options.rules_dir;
  batches.work_dir = first.intake_dir().parent_path() / "batches";
  batches.counter = shared.options.counter;
  batches.by_workers = shared.options.checks_by_workers;
  batches.max_running = shared.options.max_batches;
  batches.clock = shared.options.clock;
  auto opened = WebBatches::open(std::move(batches));
  if (!opened) return opened.error();
  shared.batches = std::move(opened).value();
  // Deadlines follow the calendar files as they are now (edited while the server was down).
  first.log_reprojection(first.engine.reproject({"keydesk serve", "administrator", ""}));
  if (auto cal = WorkingCalendar::load(shared.options.rules_dir / "calendars",
                                       shared.options.counter.calendar))
    for (const auto& w : first.warnings_of(*cal)) first.log("warning: " + w);
  return std::unique_ptr<App>(new App(std::move(pool)));
}

void AppShared::look_at_rules() {
  std::unique_lock lock(rules_watch, std::try_to_lock);
  if (!lock) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - rules_looked_at < std::chrono::seconds(1)) return;
  rules_looked_at = now;
  std::string seen = rules_fingerprint(options.rules_dir);
  if (seen == rules_seen) return;
  rules_seen = std::move(seen);
  ++rules_edition;
}

Response App::handle(const Request& request, const std::string& peer) {
  Impl& lane = pool_->take();
  struct Lent {
    Pool& pool;
    Impl& lane;
    ~Lent() { pool.give_back(lane); }
  } lent{*pool_, lane};
  // The last catch: a bug met by one request is that request's 500, logged, and the counter goes
  // on serving everyone else.
  try {
    lane.follow_rules();
    return lane.handle(request, client_address(request, peer, lane.shared.trusted_proxies));
  } catch (const std::exception& e) {
    lane.log(std::string("internal error on ") + std::string(request.method_string()) + " " +
             std::string(request.target().substr(0, 200)) + ": " + e.what());
  } catch (...) {
    lane.log("internal error on " + std::string(request.target().substr(0, 200)));
  }
  return error_response(
      request, http::status::internal_server_error,
      "服务器内部错误，已记录；请重试，仍不行请联系管理员 (internal error, logged)");
}

const AppOptions& App::options() const { return pool_->shared.options; }

}  // namespace keydesk::server
