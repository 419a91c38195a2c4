// The web counter's handlers, called without sockets (App::handle) on a real SQLite file, with
// the clock injected: logins, sessions, CSRF, rate limits, who sees and does what.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "engine/accounts.h"
#include "engine/case_store.h"
#include "engine/intake.h"
#include "server/app.h"
#include "tests/support.h"

using namespace keydesk;
using namespace keydesk::server;
namespace http = boost::beast::http;
using keydesk::test::TempDir;

namespace {

const std::string kOwn = "示例省商务厅（发证机构）", kOther = "另一市商务局（发证机构）";
constexpr std::int64_t kMorning = 1795485600;  // 2026-11-24T10:00:00+08:00 (a Tuesday)

nlohmann::json example_submission() {
  std::ifstream in(std::string(KEYDESK_EXAMPLES_DIR) +
                   "/submissions/S-2026-000206/submission.json");
  return nlohmann::json::parse(in);
}

// A counter with cases of its own authority and of another, one of them at the vendor, and an
// account of every role.
struct Counter {
  TempDir dir;
  std::string db = (dir.path() / "keydesk.db").string();
  std::int64_t now = kMorning;
  std::unique_ptr<App> app;

  Counter() {
    auto counter = load_counter_config(std::string(KEYDESK_RULES_DIR) + "/counter.yaml");
    REQUIRE(counter);
    {
      auto store = CaseStore::open(db);
      REQUIRE(store);
      std::ifstream registry(std::string(KEYDESK_EXAMPLES_DIR) + "/registry.json");
      REQUIRE(store->import(nlohmann::json::parse(registry)));
      auto open = [&](const std::string& id, const std::string& authority) {
        nlohmann::json s = example_submission();
        s["id"] = id;
        auto c = open_submission_case(*store, KEYDESK_RULES_DIR, *counter, s,
                                      {"setup", "authority_clerk", authority},
                                      "2026-11-23T09:00:00+08:00");
        INFO((c ? "" : c.error().message));
        REQUIRE(c);
      };
      open("C-OWN", kOwn);
      open("C-OTHER", kOther);
      open("C-VENDOR", kOwn);
    }
    auto accounts = Accounts::open(db);
    REQUIRE(accounts);
    for (const auto& [name, role, authority] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"clerk", "authority_clerk", kOwn},
             {"clerk2", "authority_clerk", kOther},
             {"vendor", "vendor_reviewer", ""},
             {"admin", "administrator", ""},
             {"auditor", "auditor", kOwn}})
      REQUIRE(
          accounts->add({name, "", role, authority, false, ""}, "password-" + name, "2026-11-01"));
    AppOptions options;
    options.db = db;
    options.rules_dir = KEYDESK_RULES_DIR;
    options.counter = *counter;
    options.clock = [this] { return now; };
    auto made = App::create(options);
    REQUIRE(made);
    app = std::move(made).value();
    // C-VENDOR goes to the vendor: checked, then faxed.
    Client clerk = log_in("clerk");
    REQUIRE(clerk.post("/api/cases/C-VENDOR/actions", {{"action", "pass_review"}, {"version", 1}})
                .result() == http::status::ok);
    REQUIRE(
        clerk
            .post("/api/cases/C-VENDOR/actions",
                  {{"action", "send_to_vendor"}, {"version", 2}, {"inputs", {{"method", "fax"}}}})
            .result() == http::status::ok);
  }

  Response call(http::verb method, const std::string& target, const std::string& body = "",
                const std::map<std::string, std::string>& headers = {},
                const std::string& peer = "10.0.0.1") {
    Request req{method, target, 11};
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    return app->handle(req, peer);
  }

  // A logged-in browser: its cookie and CSRF token.
  struct Client {
    Counter* counter;
    std::string cookie, csrf;
    Response get(const std::string& target) const {
      return counter->call(http::verb::get, target, "", {{"Cookie", cookie}});
    }
    Response post(const std::string& target, const nlohmann::json& body) const {
      return counter->call(http::verb::post, target, body.dump(),
                           {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
    }
  };

  Response login(const std::string& name, const std::string& password,
                 const std::string& peer = "10.0.0.1") {
    return call(http::verb::post, "/api/login",
                nlohmann::json{{"name", name}, {"password", password}}.dump(), {}, peer);
  }

  Client log_in(const std::string& name) {
    Response res = login(name, "password-" + name);
    REQUIRE(res.result() == http::status::ok);
    std::string set_cookie(res[http::field::set_cookie]);
    return {this, set_cookie.substr(0, set_cookie.find(';')),
            nlohmann::json::parse(res.body())["csrf"].get<std::string>()};
  }
};

nlohmann::json body_of(const Response& res) { return nlohmann::json::parse(res.body()); }

std::vector<std::string> ids_in(const Response& res) {
  std::vector<std::string> ids;
  const nlohmann::json body = body_of(res);
  for (const auto& c : body["cases"]) ids.push_back(c["id"]);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

TEST_CASE("a login sets an HttpOnly SameSite session cookie and the session answers /api/me",
          "[server]") {
  Counter counter;
  Response res = counter.login("clerk", "password-clerk");
  REQUIRE(res.result() == http::status::ok);
  std::string cookie(res[http::field::set_cookie]);
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("SameSite=Strict") != std::string::npos);
  auto clerk = counter.log_in("clerk");
  Response me = clerk.get("/api/me");
  REQUIRE(me.result() == http::status::ok);
  CHECK(body_of(me)["account"]["authority"] == kOwn);
  // A wrong password and an unknown name get the same words.
  Response wrong = counter.login("clerk", "not-the-password");
  Response nobody = counter.login("no.such.person", "not-the-password");
  CHECK(wrong.result() == http::status::unauthorized);
  CHECK(body_of(wrong)["error"] == body_of(nobody)["error"]);
  // The session ends at logout; the cookie no longer opens anything.
  REQUIRE(clerk.post("/api/logout", nlohmann::json::object()).result() == http::status::no_content);
  CHECK(clerk.get("/api/cases").result() == http::status::unauthorized);
}

TEST_CASE("a session expires after its working day", "[server]") {
  Counter counter;
  auto clerk = counter.log_in("clerk");
  counter.now += Accounts::kSessionSeconds - 60;
  CHECK(clerk.get("/api/cases").result() == http::status::ok);
  counter.now += 120;
  CHECK(clerk.get("/api/cases").result() == http::status::unauthorized);
}

TEST_CASE("a state-changing request without the session's CSRF token is refused and audited",
          "[server]") {
  Counter counter;
  auto clerk = counter.log_in("clerk");
  nlohmann::json act = {{"action", "pass_review"}, {"version", 1}};
  Response none = counter.call(http::verb::post, "/api/cases/C-OWN/actions", act.dump(),
                               {{"Cookie", clerk.cookie}});
  Response forged =
      counter.call(http::verb::post, "/api/cases/C-OWN/actions", act.dump(),
                   {{"Cookie", clerk.cookie}, {"X-CSRF-Token", std::string(64, 'a')}});
  CHECK(none.result() == http::status::forbidden);
  CHECK(forged.result() == http::status::forbidden);
  CHECK(body_of(none)["error"].get<std::string>().find("CSRF") != std::string::npos);
  // Nothing was done, and both refusals are in the audit.
  CHECK(body_of(clerk.get("/api/cases/C-OWN"))["version"] == 1);
  auto accounts = Accounts::open(counter.db);
  REQUIRE(accounts);
  auto refusals = accounts->refusals();
  REQUIRE(refusals);
  REQUIRE(refusals->size() >= 2);
  CHECK((*refusals)[0].account == "clerk");
  CHECK((*refusals)[0].status == 403);
  CHECK((*refusals)[0].target == "/api/cases/C-OWN/actions");
}

TEST_CASE("five failed logins lock the name for 15 minutes, even for the right password",
          "[server]") {
  Counter counter;
  for (int i = 0; i < 5; ++i)
    CHECK(counter.login("clerk", "guess-" + std::to_string(i)).result() ==
          http::status::unauthorized);
  Response locked = counter.login("clerk", "password-clerk");
  CHECK(locked.result() == http::status::too_many_requests);
  // Another name from the same address is not locked by them.
  CHECK(counter.login("vendor", "password-vendor").result() == http::status::ok);
  counter.now += 15 * 60 + 1;
  CHECK(counter.login("clerk", "password-clerk").result() == http::status::ok);
}

TEST_CASE("a disabled account cannot log in and its open sessions end", "[server]") {
  Counter counter;
  auto clerk = counter.log_in("clerk");
  auto accounts = Accounts::open(counter.db);
  REQUIRE(accounts);
  REQUIRE(accounts->set_disabled("clerk", true, "2026-11-24"));
  CHECK(clerk.get("/api/cases").result() == http::status::unauthorized);
  CHECK(counter.login("clerk", "password-clerk").result() == http::status::unauthorized);
}

TEST_CASE("every role on every endpoint, for its own and another authority's case", "[server]") {
  Counter counter;
  using S = http::status;
  // An action the rule file does not know: let through, the engine refuses it (409) and nothing
  // changes; refused at the door, 403.
  const nlohmann::json no_op = {{"action", "no_such_action"}, {"version", 1}};
  struct Row {
    std::string role;
    S queue, own, other, vendor, act_own, act_other;
  };
  const std::vector<Row> matrix = {
      // role        queue     own case        other's case    at the vendor   act own         act
      // other's
      {"clerk", S::ok, S::ok, S::forbidden, S::ok, S::conflict, S::forbidden},
      {"clerk2", S::ok, S::forbidden, S::ok, S::forbidden, S::forbidden, S::conflict},
      {"vendor", S::ok, S::forbidden, S::forbidden, S::ok, S::forbidden, S::forbidden},
      {"auditor", S::ok, S::ok, S::forbidden, S::ok, S::forbidden, S::forbidden},
      {"admin", S::forbidden, S::forbidden, S::forbidden, S::forbidden, S::forbidden, S::forbidden},
  };
  for (const Row& row : matrix) {
    INFO("role " << row.role);
    auto who = counter.log_in(row.role);
    CHECK(who.get("/api/cases").result() == row.queue);
    CHECK(who.get("/api/cases/C-OWN").result() == row.own);
    CHECK(who.get("/api/cases/C-OTHER").result() == row.other);
    CHECK(who.get("/api/cases/C-VENDOR").result() == row.vendor);
    CHECK(who.post("/api/cases/C-OWN/actions", no_op).result() == row.act_own);
    CHECK(who.post("/api/cases/C-OTHER/actions", no_op).result() == row.act_other);
  }
  // Nobody logged in: 401 everywhere.
  for (const char* target : {"/api/cases", "/api/cases/C-OWN", "/api/me"})
    CHECK(counter.call(http::verb::get, target).result() == S::unauthorized);
  CHECK(counter.call(http::verb::post, "/api/cases/C-OWN/actions", no_op.dump()).result() ==
        S::unauthorized);
  // Each queue holds exactly what its role may open.
  CHECK(ids_in(counter.log_in("clerk").get("/api/cases")) ==
        std::vector<std::string>{"C-OWN", "C-VENDOR"});
  CHECK(ids_in(counter.log_in("clerk2").get("/api/cases")) == std::vector<std::string>{"C-OTHER"});
  CHECK(ids_in(counter.log_in("vendor").get("/api/cases")) == std::vector<std::string>{"C-VENDOR"});
}

TEST_CASE("the case page shows the ID number to the clerk and masks it for the auditor",
          "[server]") {
  Counter counter;
  auto id_of = [](const Response& res) {
    return body_of(res)["submission"]["applicant"]["authorized_user"]["id_number"]
        .get<std::string>();
  };
  CHECK(id_of(counter.log_in("clerk").get("/api/cases/C-OWN")) == "370202197906232799");
  CHECK(id_of(counter.log_in("auditor").get("/api/cases/C-OWN")) == "370202********2799");
  // The auditor is offered no action; the clerk the rule file's.
  CHECK(body_of(counter.log_in("auditor").get("/api/cases/C-OWN"))["actions"].empty());
  auto actions = body_of(counter.log_in("clerk").get("/api/cases/C-OWN"))["actions"];
  REQUIRE(!actions.empty());
  CHECK(actions[0]["id"] == "pass_review");
}

TEST_CASE("the queue gives each case its deadline in working days, overdue and due today marked",
          "[server]") {
  Counter counter;
  auto clerk = counter.log_in("clerk");
  auto cases = body_of(clerk.get("/api/cases"))["cases"];
  REQUIRE(cases.size() == 2);
  // Opened Monday 23 Nov 09:00 with 2 working days: due Wednesday 25th, one working day left.
  nlohmann::json own = cases[0]["id"] == "C-OWN" ? cases[0] : cases[1];
  CHECK(own["due"] == "2026-11-25");
  CHECK(own["days_left"] == 1);
  CHECK(own["overdue"] == false);
  counter.now += 86400;  // Wednesday: due today (and a new session: a day is longer than one)
  clerk = counter.log_in("clerk");
  own = body_of(clerk.get("/api/cases?q=C-OWN"))["cases"][0];
  CHECK(own["due_today"] == true);
  counter.now += 86400;  // Thursday: overdue by a working day
  clerk = counter.log_in("clerk");
  own = body_of(clerk.get("/api/cases?q=C-OWN"))["cases"][0];
  CHECK(own["overdue"] == true);
  CHECK(own["days_left"] == -1);
  // Search by the enterprise's name, in part.
  CHECK(ids_in(clerk.get("/api/cases?q=%E6%B0%B8%E7%9B%9B")) ==
        std::vector<std::string>{"C-OWN", "C-VENDOR"});
  CHECK(ids_in(clerk.get("/api/cases?q=nothing-like-it")).empty());
}

TEST_CASE("the queue shows every change: the server's own actions and other processes' writes",
          "[server]") {
  Counter counter;
  auto clerk = counter.log_in("clerk");
  auto state_of = [&](const std::string& id) {
    const nlohmann::json queue = body_of(clerk.get("/api/cases"));
    for (const auto& c : queue["cases"])
      if (c["id"] == id) return c["state"].get<std::string>();
    return std::string("not in the queue");
  };
  CHECK(state_of("C-OWN") == "authority_review");
  CHECK(clerk.get("/api/cases").body() == clerk.get("/api/cases").body());
  REQUIRE(clerk.post("/api/cases/C-OWN/actions", {{"action", "pass_review"}, {"version", 1}})
              .result() == http::status::ok);
  CHECK(state_of("C-OWN") == "to_vendor");
  // Another keydesk process (the CLI, batch intake) opens a case in the same database file.
  {
    auto store = CaseStore::open(counter.db);
    REQUIRE(store);
    auto config = load_counter_config(std::string(KEYDESK_RULES_DIR) + "/counter.yaml");
    REQUIRE(config);
    nlohmann::json s = example_submission();
    s["id"] = "C-NEW";
    REQUIRE(open_submission_case(*store, KEYDESK_RULES_DIR, *config, s,
                                 {"intake", "authority_clerk", kOwn}, "2026-11-24T09:30:00+08:00"));
  }
  CHECK(state_of("C-NEW") == "authority_review");
}

TEST_CASE("an action is taken once: a second click on the same version is refused", "[server]") {
  Counter counter;
  auto clerk = counter.log_in("clerk");
  nlohmann::json pass = {{"action", "pass_review"}, {"version", 1}};
  Response first = clerk.post("/api/cases/C-OWN/actions", pass);
  REQUIRE(first.result() == http::status::ok);
  CHECK(body_of(first)["state"] == "to_vendor");
  Response again = clerk.post("/api/cases/C-OWN/actions", pass);
  CHECK(again.result() == http::status::conflict);
  CHECK(body_of(again)["error"].get<std::string>().find("version") != std::string::npos);
  auto history = body_of(clerk.get("/api/cases/C-OWN"))["history"];
  CHECK(history.size() == 2);  // opened, passed
  CHECK(history[1]["user"] == "clerk");
}

TEST_CASE("a malformed request gets a 400 naming the field", "[server]") {
  Counter counter;
  auto clerk = counter.log_in("clerk");
  Response no_version = clerk.post("/api/cases/C-OWN/actions", {{"action", "pass_review"}});
  CHECK(no_version.result() == http::status::bad_request);
  CHECK(body_of(no_version)["field"] == "version");
  Response bad_inputs = clerk.post("/api/cases/C-OWN/actions",
                                   {{"action", "pass_review"}, {"version", 1}, {"inputs", "fax"}});
  CHECK(body_of(bad_inputs)["field"] == "inputs");
  Response not_json = counter.call(http::verb::post, "/api/login", "name=clerk");
  CHECK(not_json.result() == http::status::bad_request);
  Response no_password = counter.call(http::verb::post, "/api/login", R"({"name": "clerk"})");
  CHECK(body_of(no_password)["field"] == "password");
  CHECK(clerk.get("/api/cases?limit=lots").result() == http::status::bad_request);
  CHECK(counter.call(http::verb::get, "/../etc/passwd").result() == http::status::bad_request);
  CHECK(clerk.get("/api/cases/NO-SUCH-CASE").result() == http::status::not_found);
}

TEST_CASE("the pages are served by the binary itself, with a strict content policy", "[server]") {
  Counter counter;
  for (const char* page : {"/", "/login", "/cases/C-OWN"}) {
    Response res = counter.call(http::verb::get, page);
    INFO(page);
    REQUIRE(res.result() == http::status::ok);
    CHECK(std::string(res[http::field::content_type]).find("text/html") == 0);
    CHECK(res.body().find("/static/app.js") != std::string::npos);
    CHECK(std::string(res["Content-Security-Policy"]).find("default-src 'self'") == 0);
  }
  Response script = counter.call(http::verb::get, "/static/app.js");
  CHECK(script.result() == http::status::ok);
  CHECK(script.body().find("/api/login") != std::string::npos);
  CHECK(counter.call(http::verb::get, "/static/nothing.js").result() == http::status::not_found);
}
