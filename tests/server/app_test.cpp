// The web counter's handlers, called without sockets (App::handle) on a real SQLite file, with
// the clock injected: logins, sessions, CSRF, rate limits, who sees and does what.
#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/utf8.h"
#include "engine/accounts.h"
#include "engine/case_store.h"
#include "engine/check_worker.h"
#include "engine/intake.h"
#include "engine/internal/yaml_document.h"
#include "server/app.h"
#include "server/http_util.h"
#include "server/multipart.h"
#include "tests/docs_gen/fax_probe.h"
#include "tests/fault_vfs.h"
#include "tests/http_client.h"
#include "tests/support.h"

using namespace keydesk;
using namespace keydesk::server;
namespace http = boost::beast::http;
using keydesk::test::multipart;
using keydesk::test::pdf_text;
using keydesk::test::slurp_file;
using keydesk::test::TempDir;

using keydesk::test::attempt_left;

namespace {

const std::string kOwn = "示例省商务厅（发证机构）", kOther = "另一市商务局（发证机构）";
constexpr std::int64_t kMorning = 1795485600;  // 2026-11-24T10:00:00+08:00 (a Tuesday)

std::filesystem::path example_dir(const std::string& id) {
  return std::filesystem::path(KEYDESK_EXAMPLES_DIR) / "submissions" / id;
}

nlohmann::json example_submission(const std::string& id = "S-2026-000206") {
  std::ifstream in(example_dir(id) / "submission.json");
  return nlohmann::json::parse(in);
}

// `j` parsed as every door parses a submission.
Submission typed(const nlohmann::json& j) {
  auto s = parse_submission(j);
  INFO((s ? "" : s.error().message));
  REQUIRE(s);
  return *s;
}

// A counter with cases of its own authority and of another, one of them at the vendor, and an
// account of every role.
struct Counter {
  TempDir dir;
  std::string db = (dir.path() / "keydesk.db").string();
  std::int64_t now = kMorning;
  std::unique_ptr<App> app;

  std::filesystem::path rules = KEYDESK_RULES_DIR;

  // `own_rules`: on a copy of rules/ that the test may edit. `faulty_store`: the server opens the
  // database on the VFS that fails on demand (tests/fault_vfs.h). `checks_by_workers`: batch
  // checks are enqueued for keydesk worker (AppOptions).
  explicit Counter(bool own_rules = false, bool faulty_store = false,
                   bool checks_by_workers = false, std::vector<std::string> trusted_proxies = {}) {
    if (own_rules) {
      rules = dir.path() / "rules";
      std::filesystem::copy(KEYDESK_RULES_DIR, rules, std::filesystem::copy_options::recursive);
    }
    auto counter = load_counter_config(rules / "counter.yaml");
    REQUIRE(counter);
    {
      auto store = CaseStore::open(db);
      REQUIRE(store);
      std::ifstream registry(std::string(KEYDESK_EXAMPLES_DIR) + "/registry.json");
      REQUIRE(store->import(nlohmann::json::parse(registry)));
      auto open = [&](const std::string& id, const std::string& authority) {
        nlohmann::json s = example_submission();
        s["id"] = id;
        auto c = open_submission_case(*store, rules, *counter, typed(s),
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
    options.db = faulty_store ? test::FaultVfs::uri(db) : db;
    if (faulty_store) options.intake_dir = dir.path() / "intake";
    options.rules_dir = rules;
    options.counter = *counter;
    options.clock = [this] { return now; };
    options.log = [](const std::string&) {};  // start-up notes: tested on their own
    options.checks_by_workers = checks_by_workers;
    options.trusted_proxies = std::move(trusted_proxies);
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

// Calls `send(pointer, name, wrong)` for each field of `good` and each JSON type it is not
// (numbers count as one type); returns how many were sent.
template <typename Send>
int for_each_wrong_type(const nlohmann::json& good, Send send) {
  const std::vector<nlohmann::json> wrong_types = {
      nullptr, true, 42, 3.5, "text", nlohmann::json::array({1}), nlohmann::json::object()};
  std::vector<std::pair<std::string, std::string>> fields;
  keydesk::test::json_fields(good, "", "", fields);
  int tried = 0;
  for (const auto& [pointer, name] : fields) {
    const nlohmann::json& original = good.at(nlohmann::json::json_pointer(pointer));
    for (const nlohmann::json& wrong : wrong_types) {
      if (wrong.type() == original.type() || (wrong.is_number() && original.is_number())) continue;
      if (send(pointer, name, wrong)) ++tried;
    }
  }
  return tried;
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
  CHECK(body_of(me)["account"]["role_title"] == "发证机构经办人");  // as the pages show it
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

TEST_CASE(
    "behind a trusted proxy, failed logins count against the address it forwards; from anyone "
    "else X-Forwarded-For counts for nothing",
    "[server]") {
  Counter counter(false, false, false, {"10.0.0.1"});  // the requests' peer: the proxy
  auto via = [&](const std::string& forwarded, const std::string& name, const std::string& password,
                 const std::string& peer = "10.0.0.1") {
    return counter
        .call(http::verb::post, "/api/login",
              nlohmann::json{{"name", name}, {"password", password}}.dump(),
              {{"X-Forwarded-For", forwarded}}, peer)
        .result();
  };
  // Twenty failed logins from one client behind the proxy, each for another name.
  for (int i = 0; i < 20; ++i)
    CHECK(via("203.0.113.7", "nobody-" + std::to_string(i), "guess") == http::status::unauthorized);
  // That client is refused by its address; everyone else behind the same proxy logs in.
  CHECK(via("203.0.113.7", "clerk", "password-clerk") == http::status::too_many_requests);
  CHECK(via("203.0.113.8", "clerk", "password-clerk") == http::status::ok);
  // What a client writes before the proxy's own entry changes nothing.
  CHECK(via("198.51.100.1, 203.0.113.7", "clerk", "password-clerk") ==
        http::status::too_many_requests);
  // Not through the proxy, the header is the client's own: ignored, the peer is counted.
  for (int i = 0; i < 20; ++i)
    CHECK(via("192.0.2." + std::to_string(i), "stranger-" + std::to_string(i), "guess",
              "10.9.9.9") == http::status::unauthorized);
  CHECK(via("192.0.2.99", "vendor", "password-vendor", "10.9.9.9") ==
        http::status::too_many_requests);
  CHECK(via("192.0.2.99", "vendor", "password-vendor") == http::status::ok);
  // A proxy that is no IP address: the server does not start, and says which.
  AppOptions bad;
  bad.db = (counter.dir.path() / "other.db").string();
  bad.rules_dir = counter.rules;
  bad.trusted_proxies = {"nginx.local"};
  auto refused = App::create(bad);
  REQUIRE(!refused);
  CHECK_THAT(refused.error().message, Catch::Contains("nginx.local"));
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
  constexpr S ok = S::ok, no = S::forbidden, out = S::unauthorized;
  // An action the rule file does not know: let through, the engine refuses it (409) and nothing
  // changes; refused at the door, 403. Requests that would change something are made so that,
  // let through, they fail after the door (409, 415, 422), and nothing changes.
  const std::string no_op = nlohmann::json{{"action", "no_such_action"}, {"version", 1}}.dump();
  const std::string own_batch = nlohmann::json{{"cases", {"C-OWN"}}}.dump();
  struct Row {
    http::verb method;
    std::string target, body;
    // clerk (own authority), clerk2 (the other), vendor, auditor (own authority), admin, nobody
    std::array<S, 6> expected;
  };
  const auto get = http::verb::get, post = http::verb::post;
  const std::vector<Row> matrix = {
      {get, "/api/me", "", {ok, ok, ok, ok, ok, out}},
      {get, "/api/cases", "", {ok, ok, ok, ok, no, out}},
      {get, "/api/cases/C-OWN", "", {ok, no, no, ok, no, out}},
      {get, "/api/cases/C-OTHER", "", {no, ok, no, no, no, out}},
      {get, "/api/cases/C-VENDOR", "", {ok, no, ok, ok, no, out}},
      {post, "/api/cases/C-OWN/actions", no_op, {S::conflict, no, no, no, no, out}},
      {post, "/api/cases/C-OTHER/actions", no_op, {no, S::conflict, no, no, no, out}},
      {post, "/api/cases/C-VENDOR/actions", no_op, {S::conflict, no, S::conflict, no, no, out}},
      {get, "/api/cases/C-OWN/receipt.pdf", "", {ok, no, no, ok, no, out}},
      {get, "/api/cases/C-OTHER/receipt.pdf", "", {no, ok, no, no, no, out}},
      {get, "/api/documents/coversheet.pdf?batch=B-1&cases=C-OWN", "", {ok, no, no, ok, no, out}},
      // No intake folder for these cases: 404 once past the door.
      {get, "/api/cases/C-OWN/scans/0", "", {S::not_found, no, no, S::not_found, no, out}},
      {post, "/api/batches", own_batch, {S::conflict, no, no, no, no, out}},
      {post,
       "/api/submissions",
       "{}",
       {S::unsupported_media_type, S::unsupported_media_type, no, no, no, out}},
      {get, "/api/rules", "", {no, no, no, no, ok, out}},
      {get, "/api/rules/reissue/diagram.svg", "", {no, no, no, no, ok, out}},
      {post,
       "/api/rules/reissue",
       "not: [a rule file",
       {no, no, no, no, S::unprocessable_entity, out}},
  };
  const std::array<std::string, 5> roles = {"clerk", "clerk2", "vendor", "auditor", "admin"};
  std::vector<Counter::Client> clients;
  for (const auto& role : roles) clients.push_back(counter.log_in(role));
  for (const Row& row : matrix)
    for (size_t r = 0; r < 6; ++r) {
      std::map<std::string, std::string> headers;
      if (r < 5) headers = {{"Cookie", clients[r].cookie}, {"X-CSRF-Token", clients[r].csrf}};
      INFO(std::string(http::to_string(row.method))
           << " " << row.target << " as " << (r < 5 ? roles[r] : "nobody"));
      CHECK(counter.call(row.method, row.target, row.body, headers).result() == row.expected[r]);
    }
  // Nothing was changed by any of it.
  for (const char* id : {"C-OWN", "C-OTHER"})
    CHECK(body_of(clients[std::string(id) == "C-OWN" ? 0 : 1].get(std::string("/api/cases/") +
                                                                  id))["version"] == 1);
  // Each queue holds exactly what its role may open: the clerk's own work first (我的待办), and
  // every open case of the authority under 全部在办.
  CHECK(ids_in(clients[0].get("/api/cases")) == std::vector<std::string>{"C-OWN"});
  CHECK(ids_in(clients[0].get("/api/cases?tab=open")) ==
        std::vector<std::string>{"C-OWN", "C-VENDOR"});
  CHECK(ids_in(clients[1].get("/api/cases")) == std::vector<std::string>{"C-OTHER"});
  CHECK(ids_in(clients[2].get("/api/cases")) == std::vector<std::string>{"C-VENDOR"});
  CHECK(ids_in(clients[3].get("/api/cases")) == std::vector<std::string>{"C-OWN", "C-VENDOR"});
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
  auto cases = body_of(clerk.get("/api/cases?tab=open"))["cases"];
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
  CHECK(own["overdue_working_days"] == 1);  // 超期 1 个工作日
  // Search by the enterprise's name, in part.
  CHECK(ids_in(clerk.get("/api/cases?tab=open&q=%E6%B0%B8%E7%9B%9B")) ==
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
    REQUIRE(open_submission_case(*store, KEYDESK_RULES_DIR, *config, typed(s),
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
  CHECK(body_of(again)["error"].get<std::string>().find("已有变动") != std::string::npos);
  // What a clerk reads is Chinese only; the English detail is apart, and the page may offer to
  // reload the case.
  CHECK(body_of(again)["error"].get<std::string>().find("changed") == std::string::npos);
  CHECK(body_of(again)["detail"].get<std::string>().find("has changed since you saw it") !=
        std::string::npos);
  CHECK(body_of(again)["kind"] == "stale");
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
  Response bad_page = clerk.get("/api/cases?page=lots");
  CHECK(bad_page.result() == http::status::bad_request);
  CHECK(body_of(bad_page)["field"] == "page");
  CHECK(body_of(clerk.get("/api/cases?sort=password"))["field"] == "sort");
  CHECK(body_of(clerk.get("/api/cases?per_page=100000"))["field"] == "per_page");
  CHECK(body_of(clerk.get("/api/cases?tab=everything"))["field"] == "tab");
  // Bytes that are not UTF-8 (a lone continuation byte, an overlong form, a cut sequence) in a
  // search, another parameter or the path never reach a handler (the queue's page key could not
  // be written: a 500; PostgreSQL failed on such a search).
  for (const char* q : {"%80abc", "%C0%AFxyz", "%E4%BA"}) {
    for (const std::string& target :
         {std::string("/api/cases?q=") + q, std::string("/api/cases?tab=open&state=") + q,
          std::string("/api/cases/") + q}) {
      INFO(target);
      Response bad = clerk.get(target);
      CHECK(bad.result() == http::status::bad_request);
      const std::string field = target.find("q=") != std::string::npos       ? "q"
                                : target.find("state=") != std::string::npos ? "state"
                                                                             : "path";
      CHECK(body_of(bad)["field"] == field);
      CHECK_THAT(body_of(bad).value("error", ""), Catch::Contains("无法识别的字符"));
    }
  }
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

TEST_CASE("a case's receipt and return notice come as PDFs to those who may see the case",
          "[server]") {
  Counter counter;
  auto clerk = counter.log_in("clerk");
  Response receipt = clerk.get("/api/cases/C-OWN/receipt.pdf");
  REQUIRE(receipt.result() == http::status::ok);
  CHECK(std::string(receipt[http::field::content_type]) == "application/pdf");
  REQUIRE(receipt.body().rfind("%PDF-", 0) == 0);
  // Read back as its receiver would.
  auto pdf = counter.dir.write("receipt.pdf", receipt.body());
  std::string text = pdf_text(pdf);
  CHECK(text.find("C-OWN") != std::string::npos);
  CHECK(text.find("受理回执") != std::string::npos);
  // No failed review yet: no notice, and the answer says why.
  Response notice = clerk.get("/api/cases/C-OWN/notice.pdf");
  CHECK(notice.result() == http::status::conflict);
  CHECK(body_of(notice)["error"].get<std::string>().find("没有退回记录") != std::string::npos);
  CHECK(body_of(notice)["detail"].get<std::string>().find("no failed review") != std::string::npos);
  REQUIRE(clerk
              .post("/api/cases/C-OWN/actions", {{"action", "fail_review"},
                                                 {"version", 1},
                                                 {"remark", "营业执照副本复印件未加盖公章"}})
              .result() == http::status::ok);
  notice = clerk.get("/api/cases/C-OWN/notice.pdf");
  REQUIRE(notice.result() == http::status::ok);
  pdf = counter.dir.write("notice.pdf", notice.body());
  text = pdf_text(pdf);
  CHECK(text.find("营业执照副本复印件未加盖公章") != std::string::npos);
  // Another authority's clerk and the administrator get none.
  CHECK(counter.log_in("clerk2").get("/api/cases/C-OWN/receipt.pdf").result() ==
        http::status::forbidden);
  CHECK(counter.log_in("admin").get("/api/cases/C-OWN/receipt.pdf").result() ==
        http::status::forbidden);
  CHECK(clerk.get("/api/cases/C-OWN/nothing.pdf").result() == http::status::not_found);
  // A cover sheet lists the cases named, all of which must be the caller's.
  Response cover = clerk.get("/api/documents/coversheet.pdf?batch=B-1&cases=C-OWN,C-VENDOR");
  REQUIRE(cover.result() == http::status::ok);
  CHECK(clerk.get("/api/documents/coversheet.pdf?batch=B-1&cases=C-OWN,C-OTHER").result() ==
        http::status::forbidden);
  CHECK(body_of(clerk.get("/api/documents/coversheet.pdf?batch=B-1"))["field"] == "cases");
}

namespace {

// An API token of the online filing system, for the counter's own authority.
std::string intake_token(Counter& counter) {
  auto accounts = Accounts::open(counter.db);
  REQUIRE(accounts);
  auto token = accounts->issue_api_token("online-filing", kOwn, "2026-11-24");
  REQUIRE(token);
  return *token;
}

// What the online filing system sends with a multipart body.
std::map<std::string, std::string> intake_headers(const std::string& token) {
  return {{"Authorization", "Bearer " + token}, {"Content-Type", keydesk::test::kMultipartType}};
}

// Example submission `id` taken in through the online filing system's door, as sent.
void take_in_example(Counter& counter, const std::string& id) {
  Response taken = counter.call(http::verb::post, "/api/submissions",
                                multipart(example_submission(id), example_dir(id)),
                                intake_headers(intake_token(counter)));
  INFO(taken.body());
  REQUIRE(taken.result() == http::status::created);
}

}  // namespace

TEST_CASE("the online filing system posts a submission with its scans and a case is opened",
          "[server]") {
  Counter counter;
  const std::string token = intake_token(counter);
  const std::filesystem::path example = example_dir("S-2026-000201");
  const nlohmann::json submission = example_submission("S-2026-000201");
  // A client file name that tries to climb out of the intake folder is refused at the parse,
  // naming the field, and nothing is written: the JSON and the part both call the application
  // form ../../../escape.jpg.
  Response climbing = counter.call(
      http::verb::post, "/api/submissions",
      multipart(submission, example, {{"application_form.jpg", "../../../escape.jpg"}}),
      intake_headers(token));
  CHECK(climbing.result() == http::status::bad_request);
  CHECK(body_of(climbing)["field"] == "submission.materials[0].file");
  CHECK(!std::filesystem::exists(counter.dir.path() / "intake" / "S-2026-000201"));
  // The names a client gives are only labels: the files are kept under names the server chose.
  Response created = counter.call(
      http::verb::post, "/api/submissions",
      multipart(submission, example, {{"application_form.jpg", "scan of the form (1).jpg"}}),
      intake_headers(token));
  INFO(created.body());
  REQUIRE(created.result() == http::status::created);
  nlohmann::json c = body_of(created);
  CHECK(c["id"] == "S-2026-000201");
  CHECK(c["authority"] == kOwn);
  // Kept by case number and material type, with the bytes' own extension.
  const std::filesystem::path folder = c["folder"].get<std::string>();
  CHECK(folder.filename() == "S-2026-000201");
  CHECK(std::filesystem::exists(folder / "01-application_form.jpg"));
  CHECK(slurp_file(folder / "01-application_form.jpg") ==
        slurp_file(example / "application_form.jpg"));
  CHECK(!std::filesystem::exists(counter.dir.path() / "escape.jpg"));
  CHECK(!std::filesystem::exists(folder.parent_path().parent_path() / "escape.jpg"));
  auto kept = nlohmann::json::parse(slurp_file(folder / "submission.json"));
  CHECK(kept["materials"][0]["file"] == "01-application_form.jpg");
  // The clerk of that authority finds it in the queue; its history says who took it in.
  auto clerk = counter.log_in("clerk");
  auto shown = body_of(clerk.get("/api/cases/S-2026-000201"));
  CHECK(shown["history"][0]["user"] == "api:online-filing");
  // Posted twice (a retry): refused, and the case is untouched.
  Response again = counter.call(http::verb::post, "/api/submissions",
                                multipart(submission, example), intake_headers(token));
  CHECK(again.result() == http::status::conflict);
  CHECK(body_of(clerk.get("/api/cases/S-2026-000201"))["version"] == 1);
}

TEST_CASE("a submission missing a file, or with a bad token, is refused and leaves nothing",
          "[server]") {
  Counter counter;
  const std::string token = intake_token(counter);
  const std::filesystem::path example = example_dir("S-2026-000201");
  const nlohmann::json submission = example_submission("S-2026-000201");
  const auto headers = intake_headers;
  // The JSON names a file that no part carries.
  nlohmann::json missing = submission;
  missing["materials"].push_back({{"type", "power_of_attorney"}, {"file", "not-sent.jpg"}});
  std::string b = multipart(submission, example);
  // Swap the submission part's JSON for the one with the extra material.
  b.replace(b.find(submission.dump()), submission.dump().size(), missing.dump());
  Response res = counter.call(http::verb::post, "/api/submissions", b, headers(token));
  CHECK(res.result() == http::status::bad_request);
  CHECK(body_of(res)["field"].get<std::string>().find(".file") != std::string::npos);
  CHECK(!std::filesystem::exists(counter.dir.path() / "intake" / "S-2026-000201"));
  CHECK(!attempt_left(counter.dir.path() / "intake", "S-2026-000201", "partial"));
  // A wrong token, a token used for anything else, and no multipart at all.
  CHECK(counter
            .call(http::verb::post, "/api/submissions", multipart(submission, example),
                  headers(std::string(64, '0')))
            .result() == http::status::unauthorized);
  CHECK(counter.call(http::verb::get, "/api/cases", "", headers(token)).result() ==
        http::status::forbidden);
  CHECK(counter
            .call(http::verb::post, "/api/submissions", submission.dump(),
                  {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}})
            .result() == http::status::unsupported_media_type);
  // A bad case number never becomes a folder name.
  nlohmann::json climbing = submission;
  climbing["id"] = "../S-1";
  std::string c = multipart(submission, example);
  c.replace(c.find(submission.dump()), submission.dump().size(), climbing.dump());
  Response bad_id = counter.call(http::verb::post, "/api/submissions", c, headers(token));
  CHECK(bad_id.result() == http::status::bad_request);
  CHECK(body_of(bad_id)["field"] == "submission.id");
  // Vendor staff may not take in submissions at all.
  auto vendor = counter.log_in("vendor");
  Response by_vendor =
      counter.call(http::verb::post, "/api/submissions", multipart(submission, example),
                   {{"Cookie", vendor.cookie},
                    {"X-CSRF-Token", vendor.csrf},
                    {"Content-Type", keydesk::test::kMultipartType}});
  CHECK(by_vendor.result() == http::status::forbidden);
}

TEST_CASE(
    "the store failing under an intake or an action answers 500 (503 when busy) in Chinese, "
    "leaves nothing, and the next request is served",
    "[server]") {
  Counter counter(false, true);
  test::FaultVfs& vfs = test::FaultVfs::get();
  const std::string token = intake_token(counter);
  auto clerk = counter.log_in("clerk");
  const std::filesystem::path intake = counter.dir.path() / "intake";
  // `request` with the store failing at its 1st operation and every one after, then at its
  // 2nd, … (SQLite's own loop) until one meets no fault. Each failure is a 500 (503: busy) whose
  // error is Chinese first, and `served` checks the next request; the last is the answer.
  auto until_served = [&](test::Fault fault, const std::function<Response()>& request,
                          const std::function<void()>& served) {
    for (long nth = 1; nth < 1000; ++nth) {
      INFO(test::fault_name(fault) << " from operation " << nth);
      vfs.arm(fault, nth, true);
      Response res = request();
      const long injected = vfs.injected();
      vfs.clear();
      INFO(res.body());
      if (injected == 0) return res;
      if (res.result() == http::status::ok || res.result() == http::status::created) {
        CHECK(fault == test::Fault::busy);  // only a busy lock is ridden out
        return res;
      }
      CHECK(res.result() == (fault == test::Fault::busy ? http::status::service_unavailable
                                                        : http::status::internal_server_error));
      const std::string error = body_of(res).value("error", "");
      CHECK(test::chinese_first(error));
      CHECK_THAT(error, Catch::StartsWith(test::store_message_start(fault)));
      served();
    }
    FAIL("the request never got through");
    return Response();
  };
  int n = 0;
  for (test::Fault fault : {test::Fault::io_error, test::Fault::disk_full, test::Fault::busy}) {
    const std::string id = "S-2026-00030" + std::to_string(++n);
    nlohmann::json submission = example_submission("S-2026-000201");
    submission["id"] = id;
    // Taken in over the API: no case, no folder left by a failure; the queue is still served.
    Response created = until_served(
        fault,
        [&] {
          return counter.call(http::verb::post, "/api/submissions",
                              multipart(submission, example_dir("S-2026-000201")),
                              intake_headers(token));
        },
        [&] {
          CHECK(!std::filesystem::exists(intake / id));
          CHECK(!attempt_left(intake, id, "partial"));
          Response queue = clerk.get("/api/cases");
          REQUIRE(queue.result() == http::status::ok);
          const auto ids = ids_in(queue);
          CHECK(std::find(ids.begin(), ids.end(), id) == ids.end());
        });
    REQUIRE(created.result() == http::status::created);
    // Acted on by the clerk: the case is as it was after a failure, and its page is served.
    Response acted = until_served(
        fault,
        [&] {
          return clerk.post("/api/cases/" + id + "/actions",
                            {{"action", "pass_review"}, {"version", 1}});
        },
        [&] {
          Response page = clerk.get("/api/cases/" + id);
          REQUIRE(page.result() == http::status::ok);
          CHECK(body_of(page)["version"] == 1);
          CHECK(body_of(page)["history"].size() == 1);
        });
    REQUIRE(acted.result() == http::status::ok);
    CHECK(body_of(clerk.get("/api/cases/" + id))["version"] == 2);
  }
}

TEST_CASE("with checks by workers, a batch from the page waits in the job table for keydesk worker",
          "[server]") {
  Counter counter(false, false, true);
  take_in_example(counter, "S-2026-000201");
  auto clerk = counter.log_in("clerk");
  Response started = clerk.post("/api/batches", {{"cases", {"S-2026-000201"}}});
  INFO(started.body());
  REQUIRE(started.result() == http::status::accepted);
  const std::string job = body_of(started)["id"];
  // Enqueued, and left to the workers: nothing is checked while none runs.
  nlohmann::json status;
  for (int i = 0; i < 300; ++i) {
    status = body_of(clerk.get("/api/batches/" + job));
    if (status["total"].get<int>() > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(status["total"].get<int>() > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  status = body_of(clerk.get("/api/batches/" + job));
  INFO(status.dump());
  CHECK(status["state"] == "running");
  CHECK(status["done"] == 0);
  CHECK_THAT(status["current"].get<std::string>(), Catch::Contains("待处理"));
  // A worker drains the queue; the batch then ends as one run on the server's thread would.
  CheckWorkerOptions worker;
  worker.db = counter.db;
  worker.rules_dir = counter.rules;
  worker.until = CheckWorkerOptions::Until::idle;
  auto tally = run_check_worker(worker);
  INFO((tally ? "" : tally.error().message));
  REQUIRE(tally);
  CHECK(tally->done == status["total"].get<int>());
  CHECK(tally->failed == 0);
  for (int i = 0; i < 300; ++i) {
    status = body_of(clerk.get("/api/batches/" + job));
    if (status["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(status["state"] == "done");
  CHECK(status["done"] == status["total"]);
  REQUIRE(status["submissions"].size() == 1);
  CHECK(status["submissions"][0]["verdict"] == "pass");
  CHECK(body_of(clerk.get("/api/cases/S-2026-000201"))["check"]["verdict"] == "pass");
}

TEST_CASE("a clerk verifies the pending submissions in the background and passes the clean ones",
          "[server]") {
  Counter counter;
  const std::string token = intake_token(counter);
  // Three example submissions taken in: S-2026-000201 is clean, S-2026-000203's licence copy has
  // no company seal, S-2026-000204's licence bears another code.
  for (const char* id : {"S-2026-000201", "S-2026-000203", "S-2026-000204"}) {
    Response res =
        counter.call(http::verb::post, "/api/submissions",
                     multipart(example_submission(id), example_dir(id)), intake_headers(token));
    INFO(res.body());
    REQUIRE(res.result() == http::status::created);
  }
  auto clerk = counter.log_in("clerk");
  Response started = clerk.post("/api/batches", {{"pending", true}});
  INFO(started.body());
  REQUIRE(started.result() == http::status::accepted);
  const std::string job = body_of(started)["id"];
  CHECK(body_of(started)["cases"] == 3);
  // A clerk of another authority cannot watch it.
  CHECK(counter.log_in("clerk2").get("/api/batches/" + job).result() == http::status::forbidden);
  // Polled as the page does, until it is done (bounded: the OCR of 11 scans).
  nlohmann::json status;
  for (int i = 0; i < 600; ++i) {
    status = body_of(clerk.get("/api/batches/" + job));
    if (status["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  INFO(status.dump());
  REQUIRE(status["state"] == "done");
  std::map<std::string, std::string> verdicts;
  for (const auto& s : status["submissions"]) verdicts[s["id"]] = s["verdict"];
  CHECK(verdicts["S-2026-000201"] == "pass");
  CHECK(verdicts["S-2026-000203"] == "fail");
  CHECK(verdicts["S-2026-000204"] == "fail");
  // The verdicts are on the cases.
  CHECK(body_of(clerk.get("/api/cases/S-2026-000203"))["check"]["verdict"] == "fail");
  // One step passes the clean one; the failed one stays for a person.
  Response passed = clerk.post("/api/batches/" + job + "/pass", nlohmann::json::object());
  REQUIRE(passed.result() == http::status::ok);
  auto results = body_of(passed)["cases"];
  REQUIRE(results.size() == 1);
  CHECK(results[0]["id"] == "S-2026-000201");
  CHECK(results[0].contains("state"));
  CHECK(body_of(clerk.get("/api/cases/S-2026-000201"))["version"] == 2);
  CHECK(body_of(clerk.get("/api/cases/S-2026-000203"))["version"] == 1);
  // The case page's scans: the files as taken in.
  auto c203 = body_of(clerk.get("/api/cases/S-2026-000203"));
  REQUIRE(c203["scans"].size() == 6);
  Response scan = clerk.get(c203["scans"][0]["url"].get<std::string>());
  REQUIRE(scan.result() == http::status::ok);
  CHECK(std::string(scan[http::field::content_type]) == "image/jpeg");
  CHECK(scan.body() == slurp_file(example_dir("S-2026-000203") / "application_form.jpg"));
  CHECK(counter.log_in("clerk2").get(c203["scans"][0]["url"].get<std::string>()).result() ==
        http::status::forbidden);
  CHECK(clerk.get("/api/cases/S-2026-000203/scans/99").result() == http::status::not_found);
  // A boxed finding (S-2026-000204's licence code) comes with the checked page to draw it on.
  auto c204 = body_of(clerk.get("/api/cases/S-2026-000204"));
  nlohmann::json boxed;
  for (const auto& f : c204["check"]["findings"])
    if (f["evidence"].contains("box")) boxed = f;
  REQUIRE(boxed.is_object());
  std::string preview;
  for (const auto& m : c204["check"]["materials"])
    if (m["material"] == boxed["material"] && m["preview"].is_string()) preview = m["preview"];
  REQUIRE(!preview.empty());
  Response page = clerk.get(preview);
  REQUIRE(page.result() == http::status::ok);
  CHECK(std::string(page[http::field::content_type]) == "image/jpeg");
}

TEST_CASE("a case returned to the enterprise is not in the vendor's queue", "[server]") {
  // Regression: the vendor's states were taken without their procedure, and `returned` is a
  // vendor state in procedures where the vendor may withdraw a returned case.
  Counter counter;
  auto clerk = counter.log_in("clerk");
  REQUIRE(clerk
              .post("/api/cases/C-OWN/actions",
                    {{"action", "fail_review"}, {"version", 1}, {"remark", "身份证复印件不清晰"}})
              .result() == http::status::ok);
  CHECK(body_of(clerk.get("/api/cases/C-OWN"))["state"] == "returned");
  CHECK(ids_in(counter.log_in("vendor").get("/api/cases")) == std::vector<std::string>{"C-VENDOR"});
}

TEST_CASE(
    "the vendor keeps sight of the cases it shipped (已处理) and prints their courier manifest",
    "[server]") {
  Counter counter;
  auto vendor = counter.log_in("vendor");
  auto clerk = counter.log_in("clerk");
  auto act = [&](const std::string& action, int version, const nlohmann::json& inputs) {
    nlohmann::json body = {{"action", action}, {"version", version}};
    if (!inputs.is_null()) body["inputs"] = inputs;
    Response res = vendor.post("/api/cases/C-VENDOR/actions", body);
    INFO(res.body());
    REQUIRE(res.result() == http::status::ok);
  };
  const std::string manifest = "/api/documents/manifest.pdf?number=M-7&courier=%E9%A1%BA%E4%B8%B0";
  // Before it has shipped anything, the vendor's manifest of the case is refused in Chinese:
  // no waybill of its own yet (the clerk's fax carried none either).
  Response early = vendor.get(manifest + "&cases=C-VENDOR");
  CHECK(early.result() == http::status::conflict);
  CHECK_THAT(body_of(early)["error"].get<std::string>(), Catch::Contains("还没有登记快递单号"));
  act("receive_at_vendor", 3, nullptr);
  act("pass_vendor_review", 4, nullptr);
  act("ship_key", 5, {{"waybill", "SF1234567890"}, {"serial", "EK-0001"}});
  // Shipped: gone from its 待办, under 已处理, and still open to it.
  nlohmann::json q = body_of(vendor.get("/api/cases"));
  CHECK(q["cases"].empty());
  std::map<std::string, long> counts;
  for (const auto& t : q["tabs"]) counts[t["id"]] = t["count"];
  CHECK(counts == std::map<std::string, long>{{"mine", 0}, {"handled", 1}});
  CHECK(ids_in(vendor.get("/api/cases?tab=handled")) == std::vector<std::string>{"C-VENDOR"});
  nlohmann::json shipped = body_of(vendor.get("/api/cases/C-VENDOR"));
  CHECK(shipped["state"] == "key_in_transit");
  // Its ID numbers were the vendor's to see while it re-reviewed the case; no longer.
  const std::string id_number =
      shipped["submission"]["applicant"]["authorized_user"]["id_number"].get<std::string>();
  CHECK(id_number.find('*') != std::string::npos);
  CHECK(body_of(clerk.get(
            "/api/cases/C-VENDOR"))["submission"]["applicant"]["authorized_user"]["id_number"] !=
        id_number);
  Response pdf = vendor.get(manifest + "&cases=C-VENDOR");
  REQUIRE(pdf.result() == http::status::ok);
  CHECK(pdf.body().rfind("%PDF-", 0) == 0);
  // A case never at the vendor stays closed to it, its manifest too; the clerk's tabs are theirs.
  CHECK(vendor.get("/api/cases/C-OWN").result() == http::status::forbidden);
  CHECK(vendor.get(manifest + "&cases=C-OWN").result() == http::status::forbidden);
  Response tab = vendor.get("/api/cases?tab=open");
  CHECK(tab.result() == http::status::bad_request);
  CHECK_THAT(body_of(tab)["error"].get<std::string>(), Catch::StartsWith("tab：没有这个列表"));
  // Closed after hand-over, it stays under 已处理.
  REQUIRE(clerk.post("/api/cases/C-VENDOR/actions", {{"action", "receive_key"}, {"version", 6}})
              .result() == http::status::ok);
  REQUIRE(clerk
              .post("/api/cases/C-VENDOR/actions",
                    {{"action", "hand_over"}, {"version", 7}, {"inputs", {{"method", "on_site"}}}})
              .result() == http::status::ok);
  CHECK(body_of(vendor.get("/api/cases/C-VENDOR"))["closed"] == true);
  CHECK(ids_in(vendor.get("/api/cases?tab=handled")) == std::vector<std::string>{"C-VENDOR"});
}

TEST_CASE("whatever fails, the page reads Chinese: English-only errors get a Chinese sentence",
          "[server]") {
  Counter counter;
  auto clerk = counter.log_in("clerk");
  for (const char* target : {"/api/no-such-thing", "/api/rules/x/y/z", "/api/batches/nope"}) {
    Response res = clerk.get(target);
    INFO(target << ": " << res.body());
    const std::string error = body_of(res)["error"];
    CHECK(std::any_of(error.begin(), error.end(),
                      [](char c) { return static_cast<unsigned char>(c) >= 0x80; }));
  }
  // A message with no Chinese of its own (the path check's): a Chinese sentence by its status,
  // the English kept as the detail.
  Response odd = clerk.get("/api/../cases");
  CHECK(odd.result() == http::status::bad_request);
  CHECK(body_of(odd)["error"] == "请求内容有误，请检查填写的内容后重试");
  CHECK_THAT(body_of(odd)["detail"].get<std::string>(), Catch::Contains("without '..'"));
  // The clerk's manifest of a case with no waybill: in Chinese, saying what to do.
  Response res = clerk.get("/api/documents/manifest.pdf?number=M-1&courier=SF&cases=C-OWN");
  CHECK(res.result() == http::status::conflict);
  CHECK_THAT(body_of(res)["error"].get<std::string>(), Catch::Contains("请先在寄出时登记快递单号"));
  // A cut multipart body: Chinese first, the parser's English as the detail.
  Response cut = counter.call(http::verb::post, "/api/submissions",
                              "--XYZ\r\nContent-Disposition: form-data; name=\"submission\"\r\n",
                              {{"Cookie", clerk.cookie},
                               {"X-CSRF-Token", clerk.csrf},
                               {"Content-Type", "multipart/form-data; boundary=XYZ"}});
  CHECK(cut.result() == http::status::bad_request);
  CHECK_THAT(body_of(cut)["error"].get<std::string>(), Catch::StartsWith("上传的内容不完整"));
  CHECK(body_of(cut).contains("detail"));
}

TEST_CASE(
    "an administrator edits a rule file: a broken one is refused, a clean one is a new version",
    "[server]") {
  Counter counter(true);
  auto admin = counter.log_in("admin");
  Response overview = admin.get("/api/rules");
  REQUIRE(overview.result() == http::status::ok);
  auto o = body_of(overview);
  CHECK(o["procedures"].size() == 9);
  CHECK(o["lint"].empty());
  CHECK(!o["calendar"]["years"].empty());
  // Other roles may not.
  CHECK(counter.log_in("clerk").get("/api/rules").result() == http::status::forbidden);
  CHECK(counter.log_in("auditor").get("/api/rules").result() == http::status::forbidden);
  // The diagram, drawn by Graphviz.
  Response svg = admin.get("/api/rules/reissue/diagram.svg");
  REQUIRE(svg.result() == http::status::ok);
  CHECK(svg.body().find("<svg") != std::string::npos);
  CHECK(svg.body().find("authority_review") != std::string::npos);
  Response source = admin.get("/api/rules/reissue/source");
  REQUIRE(source.result() == http::status::ok);
  const std::string yaml = source.body();
  const std::string old_version =
      body_of(counter.log_in("clerk").get("/api/cases/C-OWN"))["procedure_version"];
  auto post_yaml = [&](const std::string& text) {
    return counter.call(
        http::verb::post, "/api/rules/reissue", text,
        {{"Cookie", admin.cookie}, {"X-CSRF-Token", admin.csrf}, {"Content-Type", "text/yaml"}});
  };
  // A typo in a state name: refused with the line, and the file is untouched.
  std::string broken = yaml;
  broken.replace(broken.find("to: to_vendor"), 13, "to: to_vendr");
  Response refused = post_yaml(broken);
  CHECK(refused.result() == http::status::unprocessable_entity);
  REQUIRE(!body_of(refused)["diagnostics"].empty());
  CHECK(body_of(refused)["diagnostics"][0]["line"].get<int>() > 0);
  CHECK(slurp_file(counter.rules / "procedures" / "reissue.yaml") == yaml);
  // A clean edit (a new title) is activated as a new version.
  std::string edited = yaml;
  edited.replace(edited.find("title: 补办（丢失、损坏）"),
                 std::string("title: 补办（丢失、损坏）").size(),
                 "title: 补办（丢失、损坏、被盗）");
  Response activated = post_yaml(edited);
  INFO(activated.body());
  REQUIRE(activated.result() == http::status::ok);
  CHECK(body_of(activated)["changed"] == true);
  CHECK(body_of(activated)["previous_version"] == old_version);
  CHECK(slurp_file(counter.rules / "procedures" / "reissue.yaml") == edited);
  // A case in flight keeps its version and title; a new case takes the new one.
  auto clerk = counter.log_in("clerk");
  auto in_flight = body_of(clerk.get("/api/cases/C-OWN"));
  CHECK(in_flight["procedure_version"] == old_version);
  CHECK(in_flight["procedure_title"] == "补办（丢失、损坏）");
  auto store = CaseStore::open(counter.db);
  REQUIRE(store);
  auto config = load_counter_config(counter.rules / "counter.yaml");
  REQUIRE(config);
  nlohmann::json s = example_submission();
  s["id"] = "C-NEW";
  auto opened =
      open_submission_case(*store, counter.rules, *config, typed(s),
                           {"setup", "authority_clerk", kOwn}, "2026-11-24T09:00:00+08:00");
  REQUIRE(opened);
  CHECK(opened->procedure_version == body_of(activated)["version"]);
  CHECK(body_of(clerk.get("/api/cases/C-NEW"))["procedure_title"] == "补办（丢失、损坏、被盗）");
}

namespace {

// Opens `id` (the example reissue) on `counter`'s rules, submitted at `at`.
void open_case_at(Counter& counter, const std::string& id, const std::string& at) {
  auto store = CaseStore::open(counter.db);
  REQUIRE(store);
  auto config = load_counter_config(counter.rules / "counter.yaml");
  REQUIRE(config);
  nlohmann::json s = example_submission();
  s["id"] = id;
  auto c = open_submission_case(*store, counter.rules, *config, typed(s),
                                {"setup", "authority_clerk", kOwn}, at);
  INFO((c ? "" : c.error().message));
  REQUIRE(c);
}

std::string fixture_2027() { return slurp_file(KEYDESK_TEST_DATA "/calendar-2027-fixture.yaml"); }

}  // namespace

TEST_CASE(
    "a deadline pending on next year: grouped in the queue, counted on the rules page, and "
    "computed when the administrator activates the year's calendar edit",
    "[server]") {
  Counter counter(true);
  open_case_at(counter, "C-PENDING", "2026-12-30T10:00:00+08:00");
  auto clerk = counter.log_in("clerk");
  auto queue = body_of(clerk.get("/api/cases"));
  REQUIRE(queue["deadline_pending"]["count"] == 1);
  CHECK(queue["deadline_pending"]["years"] == nlohmann::json::array({2027}));
  // In the pages with the others, after those with a date (no deadline sorts last).
  REQUIRE(queue["cases"].size() == 2);
  CHECK(queue["cases"][1]["id"] == "C-PENDING");
  CHECK(queue["cases"][1]["due_pending_year"] == 2027);
  auto one = body_of(clerk.get("/api/cases/C-PENDING"));
  CHECK(one["due"].is_null());
  CHECK(one["deadline_text"] == "办结期限待定：2027年节假日安排尚未录入");

  auto admin = counter.log_in("admin");
  auto rules = body_of(admin.get("/api/rules"));
  REQUIRE(rules["calendar"]["warnings"].size() == 1);
  CHECK_THAT(rules["calendar"]["warnings"][0].get<std::string>(),
             Catch::Contains("下一年度（2027年）") &&
                 Catch::Contains("1件在办案件的办结期限待定") &&
                 Catch::Contains("点击下方“编辑日历”"));
  // On the page, where to edit it, not the file's path.
  CHECK_THAT(rules["calendar"]["warnings"][0].get<std::string>(),
             !Catch::Contains("cn-national.yaml"));
  CHECK(rules["calendar"]["pending_years"]["2027"] == 1);
  Response source = admin.get("/api/rules/calendars/cn-national/source");
  REQUIRE(source.result() == http::status::ok);
  const std::string yaml = source.body();
  const auto file = counter.rules / "calendars" / "cn-national.yaml";
  CHECK(yaml == slurp_file(file));
  CHECK(admin.get("/api/rules/calendars/..%2Fcounter/source").result() != http::status::ok);
  CHECK(admin.get("/api/rules/calendars/counter/source").result() == http::status::not_found);
  auto post_calendar = [&](const Counter::Client& who, const std::string& text) {
    return counter.call(
        http::verb::post, "/api/rules/calendars/cn-national", text,
        {{"Cookie", who.cookie}, {"X-CSRF-Token", who.csrf}, {"Content-Type", "text/yaml"}});
  };
  // Clerks may not edit calendars.
  CHECK(post_calendar(clerk, yaml + fixture_2027()).result() == http::status::forbidden);
  // A broken year: refused with its line, the file untouched, the case still pending.
  std::string broken = yaml + fixture_2027();
  broken.replace(broken.find("from: 2027-01-01"), 16, "from: 2027-02-30");
  Response refused = post_calendar(admin, broken);
  CHECK(refused.result() == http::status::unprocessable_entity);
  REQUIRE(!body_of(refused)["diagnostics"].empty());
  CHECK(body_of(refused)["diagnostics"][0]["file"] == "cn-national.yaml");
  CHECK(body_of(refused)["diagnostics"][0]["line"].get<int>() > 0);
  CHECK(slurp_file(file) == yaml);
  CHECK(body_of(clerk.get("/api/cases/C-PENDING"))["due_pending_year"] == 2027);
  // The year entered: activated, and the pending deadline computed (12-31, then 4 January).
  Response activated = post_calendar(admin, yaml + fixture_2027());
  INFO(activated.body());
  REQUIRE(activated.result() == http::status::ok);
  auto a = body_of(activated);
  CHECK(a["changed"] == true);
  REQUIRE(a["reprojected"].size() == 1);
  CHECK(a["reprojected"][0]["case"] == "C-PENDING");
  CHECK(a["reprojected"][0]["due"] == "2027-01-04");
  CHECK(a["pending_years"].empty());
  one = body_of(clerk.get("/api/cases/C-PENDING"));
  CHECK(one["due"] == "2027-01-04");
  CHECK(one["due_pending_year"].is_null());
  CHECK(body_of(clerk.get("/api/cases"))["deadline_pending"]["count"] == 0);
  const auto& last = one["history"].back();
  CHECK(last["action"] == "deadline_reprojected");
  CHECK(last["user"] == "admin");
  CHECK(body_of(admin.get("/api/rules"))["calendar"]["warnings"].empty());
}

TEST_CASE(
    "keydesk serve brings deadlines up to date with the calendar files at start-up, and logs "
    "the warning and each change",
    "[server]") {
  Counter counter(true);
  open_case_at(counter, "C-PENDING", "2026-12-30T10:00:00+08:00");
  AppOptions options = counter.app->options();
  std::vector<std::string> lines;
  options.log = [&](const std::string& line) { lines.push_back(line); };
  counter.app.reset();
  {
    auto app = App::create(options);
    REQUIRE(app);
  }
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::StartsWith("warning: 下一年度（2027年）") &&
                           Catch::Contains("1件在办案件的办结期限待定"));
  // The year is typed into the file while the server is down.
  std::ofstream(counter.rules / "calendars" / "cn-national.yaml", std::ios::app) << fixture_2027();
  lines.clear();
  auto app = App::create(options);
  REQUIRE(app);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "deadline re-projected: C-PENDING  办结期限待定（2027年） → 2027-01-04");
  auto store = CaseStore::open(counter.db);
  REQUIRE(store);
  CHECK(format_date(*store->get("C-PENDING")->due) == "2027-01-04");
}

namespace {

void exec_sql(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error);
  INFO((error ? error : ""));
  sqlite3_free(error);
  sqlite3_close(handle);
  REQUIRE(rc == SQLITE_OK);
}

// The one number `sql` (SELECT count(*) …) gives.
long count_sql(const std::string& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(handle, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const long n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(handle);
  return n;
}

}  // namespace

TEST_CASE(
    "every submission field with every wrong JSON type is a 400 naming it at the web "
    "intake, nothing is stored, and the counter goes on",
    "[server]") {
  Counter counter;
  const std::string token = intake_token(counter);
  const std::filesystem::path example = example_dir("S-2026-000201");
  const nlohmann::json good = example_submission("S-2026-000201");
  const std::string body = multipart(good, example);
  const int tried = for_each_wrong_type(
      good, [&](const std::string& pointer, const std::string& name, const nlohmann::json& wrong) {
        nlohmann::json sent = good;
        sent[nlohmann::json::json_pointer(pointer)] = wrong;
        std::string b = body;
        b.replace(b.find(good.dump()), good.dump().size(), sent.dump());
        Response res = counter.call(http::verb::post, "/api/submissions", b, intake_headers(token));
        INFO(name << " = " << wrong.dump() << ": " << res.body());
        REQUIRE(res.result() == http::status::bad_request);
        CHECK_THAT(body_of(res)["field"].get<std::string>(),
                   Catch::StartsWith("submission." + name));
        return true;
      });
  CHECK(tried > 100);
  // Nothing stored, and the counter answers as before.
  auto store = CaseStore::open(counter.db);
  REQUIRE(store);
  CHECK_FALSE(store->get("S-2026-000201"));
  CHECK(!std::filesystem::exists(counter.dir.path() / "intake" / "S-2026-000201"));
  auto clerk = counter.log_in("clerk");
  CHECK(clerk.get("/api/cases").result() == http::status::ok);
  CHECK(counter.call(http::verb::post, "/api/submissions", body, intake_headers(token)).result() ==
        http::status::created);
}

TEST_CASE("wrongly typed or nested action inputs and batch requests are 400s naming the field",
          "[server]") {
  Counter counter;
  auto clerk = counter.log_in("clerk");
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  Response res =
      counter.call(http::verb::post, "/api/cases/C-OWN/actions",
                   R"({"action": "pass_review", "version": 1, "inputs": {"x": )" + deep + "}}",
                   {{"Cookie", clerk.cookie}, {"X-CSRF-Token", clerk.csrf}});
  CHECK(res.result() == http::status::bad_request);
  CHECK_THAT(body_of(res)["error"].get<std::string>(), Catch::Contains("嵌套层数过多"));
  res =
      clerk.post("/api/cases/C-OWN/actions",
                 {{"action", "pass_review"}, {"version", 1}, {"inputs", {{"method", {{"a", 1}}}}}});
  CHECK(res.result() == http::status::bad_request);
  CHECK(body_of(res)["field"] == "inputs.method");
  res = clerk.post("/api/batches", {{"pending", "yes"}});
  CHECK(res.result() == http::status::bad_request);
  CHECK(body_of(res)["field"] == "pending");
  res = clerk.post("/api/batches", {{"cases", {"../../etc"}}});
  CHECK(res.result() == http::status::bad_request);
  CHECK(body_of(clerk.get("/api/cases/C-OWN"))["version"] == 1);
}

TEST_CASE("a damaged stored record never takes the queue down: the rest is served", "[server]") {
  Counter counter;
  // As an older keydesk could have stored it: a number for the enterprise's name, a string for
  // the materials.
  exec_sql(counter.db,
           "UPDATE cases SET data = json_set(data, '$.enterprise.name', 42, '$.materials', 'x', "
           "'$.enterprise.uscc', json('[1]')) WHERE id = 'C-OWN'");
  auto clerk = counter.log_in("clerk");
  Response queue = clerk.get("/api/cases");
  REQUIRE(queue.result() == http::status::ok);
  CHECK(ids_in(queue) == std::vector<std::string>{"C-OWN"});
  CHECK(ids_in(clerk.get("/api/cases?tab=open&sort=enterprise")) ==
        std::vector<std::string>{"C-OWN", "C-VENDOR"});
  CHECK(clerk.get("/api/cases/C-OWN").result() != http::status::internal_server_error);
  CHECK(clerk.get("/api/cases/C-OWN/receipt.pdf").result() != http::status::internal_server_error);
  auto r = keydesk::test::run_keydesk("--rules '" + counter.rules.string() + "' --db '" +
                                      counter.db + "' case list");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("C-OWN"));
}

TEST_CASE("auditors, for whom ID numbers are masked, are never served the scans that show one",
          "[server]") {
  Counter counter;
  const std::string token = intake_token(counter);
  const nlohmann::json submission = example_submission("S-2026-000201");
  REQUIRE(counter
              .call(http::verb::post, "/api/submissions",
                    multipart(submission, example_dir("S-2026-000201")), intake_headers(token))
              .result() == http::status::created);
  std::map<std::string, std::size_t> index;  // material type -> n
  for (std::size_t n = 0; n < submission["materials"].size(); ++n)
    index[submission["materials"][n]["type"]] = n;
  const std::string scans = "/api/cases/S-2026-000201/scans/";
  auto clerk = counter.log_in("clerk");
  auto auditor = counter.log_in("auditor");
  CHECK(clerk.get(scans + std::to_string(index["id_card_copy"])).result() == http::status::ok);
  CHECK(auditor.get(scans + std::to_string(index["id_card_copy"])).result() ==
        http::status::forbidden);
  CHECK(auditor.get(scans + std::to_string(index["power_of_attorney"])).result() ==
        http::status::forbidden);
  CHECK(auditor.get(scans + std::to_string(index["business_licence"])).result() ==
        http::status::ok);
  // The case page lists only the scans the auditor may open.
  auto page = body_of(auditor.get("/api/cases/S-2026-000201"));
  for (const auto& s : page["scans"]) CHECK(s["material"] != "id_card_copy");
  CHECK(page["scans"].size() == submission["materials"].size() - 2);
}

// --- hardening: nothing a client sends makes a header, writes files or grows the audit unbounded
// --

TEST_CASE("a case id with CR/LF is never written into a header: its PDF's file name is made safe",
          "[server]") {
  Counter counter;
  // `keydesk case open` took any id once, so an old database can hold this one (today's parse
  // refuses it: put it there behind keydesk's back).
  open_case_at(counter, "C-EVILX", "2026-11-23T09:00:00+08:00");
  exec_sql(counter.db,
           "UPDATE cases SET id = 'C-EVIL' || char(13, 10) || 'Set-Cookie: kd_session=stolen' "
           "WHERE id = 'C-EVILX'");
  auto clerk = counter.log_in("clerk");
  Response receipt =
      clerk.get("/api/cases/C-EVIL%0D%0ASet-Cookie:%20kd_session=stolen/receipt.pdf");
  INFO(receipt.body().substr(0, 300));
  REQUIRE(receipt.result() == http::status::ok);
  const std::string disposition(receipt[http::field::content_disposition]);
  CHECK(disposition ==
        "inline; filename=\"receipt-C-EVILSet-Cookiekd_sessionstolen.pdf\"; "
        "filename*=UTF-8''receipt-C-EVILSet-Cookie%3A%20kd_session%3Dstolen.pdf");
  // The header as it goes on the wire: no line of the id's own.
  std::ostringstream wire;
  wire << receipt.base();
  CHECK(wire.str().find("\r\nSet-Cookie") == std::string::npos);
  CHECK(wire.str().find("\nSet-Cookie") == std::string::npos);
  // An ordinary id is the file name as it is; a Chinese one keeps its name in filename*.
  CHECK(std::string(clerk.get("/api/cases/C-OWN/receipt.pdf")[http::field::content_disposition]) ==
        "inline; filename=\"receipt-C-OWN.pdf\"");
  CHECK(content_disposition("inline", "receipt-京A1.pdf") ==
        "inline; filename=\"receipt-A1.pdf\"; filename*=UTF-8''receipt-%E4%BA%ACA1.pdf");
  CHECK(content_disposition("attachment", "\"\r\n") ==
        "attachment; filename=\"download\"; "
        "filename*=UTF-8''%22");
}

TEST_CASE(
    "one part, one file: a repeated, stray or surplus part and a file named twice are refused",
    "[server]") {
  Counter counter;
  const std::string token = intake_token(counter);
  const std::filesystem::path example = example_dir("S-2026-000201");
  const nlohmann::json submission = example_submission("S-2026-000201");
  const std::string boundary = "kd-boundary-7MA4YWxk", end = "--" + boundary + "--\r\n";
  auto file_part = [&](const std::string& name, const std::string& bytes) {
    return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
           name + "\"\r\nContent-Type: image/jpeg\r\n\r\n" + bytes + "\r\n";
  };
  const std::string form = slurp_file(example / "application_form.jpg");
  // Parts added before the closing delimiter of the example's body.
  auto with = [&](const std::string& parts, const nlohmann::json& json = nullptr) {
    std::string b = multipart(submission, example);
    b.insert(b.size() - end.size(), parts);
    if (!json.is_null())
      b.replace(b.find(submission.dump()), submission.dump().size(), json.dump());
    return counter.call(http::verb::post, "/api/submissions", b, intake_headers(token));
  };
  auto nothing_kept = [&] {
    return !std::filesystem::exists(counter.dir.path() / "intake" / "S-2026-000201") &&
           !attempt_left(counter.dir.path() / "intake", "S-2026-000201", "partial");
  };
  // The application form's part twice.
  Response twice = with(file_part("application_form.jpg", form));
  CHECK(twice.result() == http::status::bad_request);
  CHECK(body_of(twice)["field"] == "application_form.jpg");
  CHECK(body_of(twice)["detail"].get<std::string>().find("sent twice") != std::string::npos);
  // A part no material names, and a second submission part.
  Response stray = with(file_part("holiday.jpg", form));
  CHECK(stray.result() == http::status::bad_request);
  CHECK(body_of(stray)["field"] == "holiday.jpg");
  Response second = with("--" + boundary +
                         "\r\nContent-Disposition: form-data; name=\"submission\"\r\n\r\n{}\r\n");
  CHECK(second.result() == http::status::bad_request);
  CHECK(body_of(second)["field"] == "submission");
  // One file named by 2000 materials: refused at the parse (32 materials at most), not written
  // 2000 times; named by a second material, refused at the second.
  nlohmann::json repeated = submission;
  for (int i = 0; i < 2000; ++i)
    repeated["materials"].push_back(
        {{"type", "application_form"}, {"file", "application_form.jpg"}});
  Response many = with("", repeated);
  CHECK(many.result() == http::status::bad_request);
  CHECK(body_of(many)["field"] == "submission.materials");
  nlohmann::json named_twice = submission;
  named_twice["materials"].push_back(
      {{"type", "application_form"}, {"file", "application_form.jpg"}});
  Response doubled = with("", named_twice);
  CHECK(doubled.result() == http::status::bad_request);
  CHECK(body_of(doubled)["field"] == "submission.materials[5].file");
  // More parts than any submission has materials, each named by one: refused unread.
  nlohmann::json surplus = submission;
  std::string extra;
  for (size_t i = 0; i < kMaxFormParts; ++i) {
    const std::string name = "scan-" + std::to_string(i) + ".jpg";
    surplus["materials"].push_back({{"type", "application_form"}, {"file", name}});
    extra += file_part(name, form);
  }
  Response too_many = with(extra, surplus);
  CHECK(too_many.result() == http::status::bad_request);
  CHECK(body_of(too_many)["detail"].get<std::string>().find("more than 32 parts") !=
        std::string::npos);
  CHECK(nothing_kept());
  // And the example as it is still goes in.
  CHECK(with("").result() == http::status::created);
}

TEST_CASE("the refusal audit keeps the newest rows, refusals of nobody capped apart, texts clipped",
          "[server]") {
  Counter counter;
  // A clerk's refusal, then a flood of requests from nobody logged in.
  REQUIRE(counter.log_in("clerk2").get("/api/cases/C-OWN").result() == http::status::forbidden);
  const int flood = Accounts::kAnonymousRefusalsKept + 100;
  for (int i = 0; i < flood; ++i)
    REQUIRE(counter.call(http::verb::get, "/api/cases?n=" + std::to_string(i)).result() ==
            http::status::unauthorized);
  auto accounts = Accounts::open(counter.db);
  REQUIRE(accounts);
  auto rows = accounts->refusals(100000);
  REQUIRE(rows);
  long anonymous =
      std::count_if(rows->begin(), rows->end(), [](const Refusal& r) { return r.account.empty(); });
  CHECK(anonymous == Accounts::kAnonymousRefusalsKept);
  CHECK(rows->front().target == "/api/cases?n=" + std::to_string(flood - 1));
  // The flood pushed out only older refusals of nobody: the clerk's is kept.
  CHECK(rows->back().account == "clerk2");
  CHECK(rows->back().target == "/api/cases/C-OWN");
  CHECK((*rows)[rows->size() - 2].target == "/api/cases?n=100");
  // A long target: kept as well-formed UTF-8 of at most 1 KB, cut between characters. (One with
  // a broken byte is refused at the door, 400, before anyone is asked who they are; the audit's
  // clipping mends such bytes all the same.)
  std::string target = "/api/";
  for (int i = 0; i < 3000; ++i) target += "案";
  REQUIRE(counter.call(http::verb::get, target).result() == http::status::unauthorized);
  auto newest = accounts->refusals(1);
  REQUIRE(newest);
  const std::string kept = (*newest)[0].target;
  CHECK(kept.size() <= Accounts::kRefusalTextBytes);
  CHECK(kept.size() > Accounts::kRefusalTextBytes - 6);
  CHECK(decode_utf8(kept).has_value());
  CHECK_THAT(kept, Catch::StartsWith("/api/案案") && Catch::EndsWith("案…"));
  std::string broken = target;
  broken.insert(8, "\xff");  // after the first 案
  CHECK(counter.call(http::verb::get, broken).result() == http::status::bad_request);
  CHECK(clip_utf8("/api/案\xff案", 100) == "/api/案\xEF\xBF\xBD案");
  CHECK(clip_utf8("短", 3) == "短");
  CHECK(clip_utf8("abcd", 3) == "…");
}

TEST_CASE("the refusal audit keeps its newest 10 000 rows whoever is refused", "[server]") {
  auto accounts = Accounts::open(":memory:");
  REQUIRE(accounts);
  const int total = Accounts::kRefusalsKept + 50;
  for (int i = 0; i < total; ++i)
    REQUIRE(accounts->record_refusal({"2026-11-24T10:00:00+08:00", "clerk", "authority_clerk",
                                      "GET", "/api/cases/C-" + std::to_string(i), 403, "no"}));
  auto rows = accounts->refusals(2 * total);
  REQUIRE(rows);
  CHECK(rows->size() == static_cast<size_t>(Accounts::kRefusalsKept));
  CHECK(rows->front().target == "/api/cases/C-" + std::to_string(total - 1));
  CHECK(rows->back().target == "/api/cases/C-50");
}

TEST_CASE(
    "every field of an action request with every wrong JSON type is a 400 naming it; the "
    "case is unchanged and the counter goes on",
    "[server]") {
  Counter counter;
  auto clerk = counter.log_in("clerk");
  const nlohmann::json good = {{"action", "pass_review"},
                               {"version", 1},
                               {"remark", "材料齐全"},
                               {"override_check", "人工核对原件无误"},
                               {"inputs", {{"method", "fax"}}}};
  const int tried = for_each_wrong_type(
      good, [&](const std::string& pointer, const std::string& name, const nlohmann::json& wrong) {
        // An input may be typed as digits, or left empty (null).
        if (name.rfind("inputs.", 0) == 0 && (wrong.is_number() || wrong.is_null())) return false;
        nlohmann::json sent = good;
        sent[nlohmann::json::json_pointer(pointer)] = wrong;
        Response res = clerk.post("/api/cases/C-OWN/actions", sent);
        INFO(name << " = " << wrong.dump() << ": " << res.body());
        REQUIRE(res.result() == http::status::bad_request);
        CHECK(body_of(res)["field"] == name);
        CHECK_THAT(body_of(res)["error"].get<std::string>(), Catch::Contains("应为"));
        return true;
      });
  CHECK(tried >= 25);
  // A missing action or version is named too; the case never moved.
  for (const char* field : {"action", "version"}) {
    nlohmann::json sent = good;
    sent.erase(field);
    Response res = clerk.post("/api/cases/C-OWN/actions", sent);
    CHECK(res.result() == http::status::bad_request);
    CHECK(body_of(res)["field"] == field);
  }
  auto seen = body_of(clerk.get("/api/cases/C-OWN"));
  CHECK(seen["version"] == 1);
  CHECK(seen["state"] == "authority_review");
  CHECK(clerk.post("/api/cases/C-OWN/actions", {{"action", "pass_review"}, {"version", 1}})
            .result() == http::status::ok);
}

TEST_CASE("every field of a batch request with every wrong JSON type is a 400 naming it",
          "[server]") {
  Counter counter;
  auto clerk = counter.log_in("clerk");
  const std::vector<nlohmann::json> wrong_types = {
      nullptr, true, 42, 3.5, "text", nlohmann::json::array({1}), nlohmann::json::object()};
  for (const nlohmann::json& wrong : wrong_types) {
    INFO(wrong.dump());
    if (!wrong.is_boolean()) {
      Response res = clerk.post("/api/batches", {{"pending", wrong}});
      CHECK(res.result() == http::status::bad_request);
      CHECK(body_of(res)["field"] == "pending");
    }
    Response res = clerk.post("/api/batches", {{"cases", wrong}});
    CHECK(res.result() == http::status::bad_request);
    CHECK(body_of(res)["field"] == "cases");
    if (!wrong.is_string()) {  // a text may be a case number
      res = clerk.post("/api/batches", {{"cases", {"C-OWN", wrong}}});
      CHECK(res.result() == http::status::bad_request);
      CHECK(body_of(res)["field"] == "cases");
    }
  }
  // Not an object at all, and too many cases at once.
  CHECK(clerk.post("/api/batches", nlohmann::json::array()).result() == http::status::bad_request);
  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 1001; ++i) many.push_back("C-" + std::to_string(i));
  Response res = clerk.post("/api/batches", {{"cases", many}});
  CHECK(res.result() == http::status::bad_request);
  CHECK(body_of(res)["field"] == "cases");
  CHECK(clerk.get("/api/cases").result() == http::status::ok);
}

TEST_CASE(
    "every value of a rule file with every wrong type is refused with its line, and the "
    "file is untouched",
    "[server]") {
  Counter counter(true);
  auto admin = counter.log_in("admin");
  const std::filesystem::path file = counter.rules / "procedures" / "reissue.yaml";
  const std::string yaml = slurp_file(file);
  Diagnostics problems;
  auto doc = keydesk::internal::YamlDocument::parse(yaml, "reissue.yaml", problems);
  REQUIRE(doc);
  const nlohmann::json good = doc->json();
  const int tried = for_each_wrong_type(
      good, [&](const std::string& pointer, const std::string& name, const nlohmann::json& wrong) {
        const nlohmann::json& original = good.at(nlohmann::json::json_pointer(pointer));
        // YAML reads an unquoted 42 or true as text where text is asked for, so a number or a
        // boolean in place of text is no mistake; lists, mappings and nothing are.
        if (original.is_string() && (wrong.is_number() || wrong.is_boolean())) return false;
        // A deadline is working days or {carry_from: STATE}: a number is no mistake there.
        if (name.ends_with(".deadline") && wrong.is_number()) return false;
        nlohmann::json sent = good;
        sent[nlohmann::json::json_pointer(pointer)] = wrong;
        // JSON is YAML: the file as an administrator might have typed it.
        Response res = counter.call(http::verb::post, "/api/rules/reissue", sent.dump(2),
                                    {{"Cookie", admin.cookie},
                                     {"X-CSRF-Token", admin.csrf},
                                     {"Content-Type", "text/yaml"}});
        INFO(name << " = " << wrong.dump() << ": " << res.body());
        CHECK((res.result() == http::status::unprocessable_entity ||
               res.result() == http::status::bad_request));
        if (res.result() == http::status::unprocessable_entity)
          CHECK(!body_of(res)["diagnostics"].empty());
        return true;
      });
  CHECK(tried > 100);
  CHECK(slurp_file(file) == yaml);
  CHECK(admin.get("/api/rules").result() == http::status::ok);
  CHECK(counter.log_in("clerk").get("/api/cases/C-OWN").result() == http::status::ok);
}

TEST_CASE(
    "failed logins are forgotten once they count no more: names sprayed from many addresses "
    "do not grow the table",
    "[server]") {
  Counter counter;
  for (int i = 0; i < 40; ++i)
    CHECK(counter
              .login("nobody-" + std::to_string(i) + std::string(5000, 'x'), "guess",
                     "10.1.0." + std::to_string(i))
              .result() == http::status::unauthorized);
  CHECK(count_sql(counter.db, "SELECT count(*) FROM login_failures") == 40);
  CHECK(count_sql(counter.db, "SELECT max(length(account)) FROM login_failures") <= 200);
  counter.now += 15 * 60 + 1;
  CHECK(counter.login("nobody", "guess").result() == http::status::unauthorized);
  CHECK(count_sql(counter.db, "SELECT count(*) FROM login_failures") == 1);
}

TEST_CASE("a clerk sees a case's failed notice with its reason and sends it again", "[server]") {
  Counter counter;
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(counter.db.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "INSERT INTO outbox (case_id, event_seq, notice, channel, recipient, "
                         "subject, body, created_at, status, attempts, last_error, message_id) "
                         "VALUES ('C-OWN', 1, 'activation_email', 'email', 'bad@example.com', "
                         "'调用商务部统一用户管理平台激活企业账户', '…', "
                         "'2026-11-23T09:00:00+08:00', 'failed', 1, "
                         "'curl: RCPT failed: 550; server answered: 550 5.1.1 no such user', "
                         "'<keydesk.1.x@example.gov.cn>')",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  Counter::Client clerk = counter.log_in("clerk");
  Response res = clerk.get("/api/cases/C-OWN");
  REQUIRE(res.result() == http::status::ok);
  const nlohmann::json notice = body_of(res)["notices"][0];
  CHECK(notice["status"] == "failed");
  CHECK(notice["can_resend"] == true);
  CHECK_THAT(notice["status_text"].get<std::string>(),
             Catch::StartsWith("发送失败") && Catch::Contains("550 5.1.1 no such user"));
  const std::string target = "/api/cases/C-OWN/notices/" + notice["id"].dump() + "/resend";

  Counter::Client auditor = counter.log_in("auditor");
  CHECK(body_of(auditor.get("/api/cases/C-OWN"))["notices"][0]["can_resend"] == false);
  CHECK(auditor.post(target, nlohmann::json::object()).result() == http::status::forbidden);
  CHECK(counter.log_in("clerk2").post(target, nlohmann::json::object()).result() ==
        http::status::forbidden);
  CHECK(clerk.post("/api/cases/C-OWN/notices/x1/resend", nlohmann::json::object()).result() ==
        http::status::not_found);
  CHECK(clerk.post("/api/cases/C-OWN/notices/999/resend", nlohmann::json::object()).result() ==
        http::status::not_found);

  res = clerk.post(target, nlohmann::json::object());
  REQUIRE(res.result() == http::status::ok);
  CHECK(body_of(res)["status"] == "pending");
  res = clerk.post(target, nlohmann::json::object());
  CHECK(res.result() == http::status::conflict);
  CHECK(test::chinese_first(body_of(res)["error"]));
  const auto history = body_of(clerk.get("/api/cases/C-OWN"))["history"];
  CHECK(history.back()["action"] == "notice_resent");
}

TEST_CASE(
    "the queue: tabs counted under the filter, pages that neither overlap nor miss, sortable "
    "columns, and search by part of a number, a name or a login name, closed cases included",
    "[server]") {
  Counter counter;
  {
    auto store = CaseStore::open(counter.db);
    REQUIRE(store);
    auto config = load_counter_config(counter.rules / "counter.yaml");
    REQUIRE(config);
    // 23 more cases of the clerk's authority, 25 minutes apart, one with names of its own.
    for (int i = 1; i <= 23; ++i) {
      nlohmann::json s = example_submission();
      s["id"] = "Q-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
      if (i == 7) {
        s["applicant"]["legal_representative"] = "张　伟";  // spaced, as forms often have it
        s["enterprise"]["name"] = "青岛港湾贸易有限公司";
      }
      char at[40];
      std::snprintf(at, sizeof at, "2026-11-23T%02d:%02d:00+08:00", 9 + i * 25 / 60, i * 25 % 60);
      auto c = open_submission_case(*store, counter.rules, *config, typed(s),
                                    {"setup", "authority_clerk", kOwn}, at);
      INFO((c ? "" : c.error().message));
      REQUIRE(c);
    }
  }
  auto clerk = counter.log_in("clerk");
  // One returned to the enterprise, one withdrawn (closed).
  REQUIRE(clerk
              .post("/api/cases/Q-02/actions",
                    {{"action", "fail_review"}, {"version", 1}, {"remark", "营业执照复印件不清晰"}})
              .result() == http::status::ok);
  REQUIRE(clerk
              .post("/api/cases/Q-03/actions",
                    {{"action", "withdraw"}, {"version", 1}, {"remark", "企业来电撤回"}})
              .result() == http::status::ok);
  auto tab_counts = [](const nlohmann::json& q) {
    std::map<std::string, long> out;
    for (const auto& t : q["tabs"]) out[t["id"].get<std::string>()] = t["count"].get<long>();
    return out;
  };
  // C-OWN and 21 of Q-… wait on the clerk; Q-02 on the enterprise; C-VENDOR at the vendor.
  auto q = body_of(clerk.get("/api/cases"));
  CHECK(q["tab"] == "mine");
  CHECK(tab_counts(q) ==
        std::map<std::string, long>{
            {"mine", 22}, {"enterprise", 1}, {"vendor", 1}, {"open", 24}, {"closed", 1}});
  CHECK(q["total"] == 22);
  CHECK(q["pages"] == 1);
  CHECK(ids_in(clerk.get("/api/cases?tab=enterprise")) == std::vector<std::string>{"Q-02"});
  CHECK(ids_in(clerk.get("/api/cases?tab=vendor")) == std::vector<std::string>{"C-VENDOR"});
  CHECK(ids_in(clerk.get("/api/cases?tab=closed")) == std::vector<std::string>{"Q-03"});
  CHECK(body_of(clerk.get("/api/cases?tab=closed"))["cases"][0]["closed"] == true);

  // Pages of 5 over the 24 open cases, in every order: together exactly the 24, each once.
  for (const char* sort : {"due", "opened", "updated", "id", "enterprise", "procedure", "state"})
    for (const char* order : {"asc", "desc"}) {
      INFO(sort << " " << order);
      std::vector<std::string> seen;
      const std::string base =
          std::string("/api/cases?tab=open&per_page=5&sort=") + sort + "&order=" + order;
      auto first = body_of(clerk.get(base));
      CHECK(first["total"] == 24);
      REQUIRE(first["pages"] == 5);
      for (int page = 1; page <= 5; ++page) {
        auto ids = ids_in(clerk.get(base + "&page=" + std::to_string(page)));
        CHECK(ids.size() == (page < 5 ? 5u : 4u));
        seen.insert(seen.end(), ids.begin(), ids.end());
      }
      std::set<std::string> unique(seen.begin(), seen.end());
      CHECK(unique.size() == 24);
      CHECK(seen.size() == 24);
    }
  // Past the last page: the last page.
  auto past = body_of(clerk.get("/api/cases?tab=open&per_page=5&page=99"));
  CHECK(past["page"] == 5);
  CHECK(past["cases"].size() == 4);
  // By case number, both ways; by opening time, newest first (in the page's order).
  auto in_order = [&](const std::string& target) {
    std::vector<std::string> ids;
    const nlohmann::json body = body_of(clerk.get(target));
    for (const auto& c : body["cases"]) ids.push_back(c["id"]);
    return ids;
  };
  CHECK(in_order("/api/cases?tab=open&sort=id&per_page=2") ==
        std::vector<std::string>{"C-OWN", "C-VENDOR"});
  CHECK(in_order("/api/cases?tab=open&sort=id&order=desc&per_page=2") ==
        std::vector<std::string>{"Q-23", "Q-22"});
  CHECK(in_order("/api/cases?tab=open&sort=opened&order=desc&per_page=1") ==
        std::vector<std::string>{"Q-23"});
  // By the enterprise's name: 青岛永盛… (U+6C38) before 青岛港湾… (U+6E2F), and the reverse.
  CHECK(in_order("/api/cases?tab=open&sort=enterprise&per_page=1") ==
        std::vector<std::string>{"C-OWN"});
  CHECK(in_order("/api/cases?tab=open&sort=enterprise&order=desc&per_page=1") ==
        std::vector<std::string>{"Q-07"});
  // The soonest deadline first; no deadline (Q-02, returned: the clock stopped) last.
  auto due = in_order("/api/cases?tab=open&per_page=200");
  CHECK(due.back() == "Q-02");

  // Search: part of a case number, a name with or without its space, part of a login name in any
  // letter case, a USCC prefix; the tabs count what is found, so a closed case is one click away.
  CHECK(ids_in(clerk.get("/api/cases?tab=open&q=q-0")).size() == 8);  // Q-01…Q-09 but Q-03
  CHECK(ids_in(clerk.get("/api/cases?q=%E5%BC%A0%E4%BC%9F")) ==       // 张伟
        std::vector<std::string>{"Q-07"});
  CHECK(ids_in(clerk.get("/api/cases?q=%E5%BC%A0%20%E4%BC%9F")) ==  // 张 伟
        std::vector<std::string>{"Q-07"});
  CHECK(body_of(clerk.get("/api/cases?tab=open&q=QDYS31"))["total"] == 24);  // qdys311
  CHECK(ids_in(clerk.get("/api/cases?q=%E6%B8%AF%E6%B9%BE")) ==              // 港湾
        std::vector<std::string>{"Q-07"});
  auto found = body_of(clerk.get("/api/cases?q=Q-03"));
  CHECK(found["total"] == 0);
  CHECK(tab_counts(found)["closed"] == 1);
  CHECK(ids_in(clerk.get("/api/cases?tab=closed&q=Q-03")) == std::vector<std::string>{"Q-03"});
  CHECK(body_of(clerk.get("/api/cases?tab=open&q=913702028"))["total"] == 24);
  // A search that looks like SQL is text like any other.
  CHECK(body_of(clerk.get("/api/cases?q=%25%27%20OR%201%3D1%20--"))["total"] == 0);
  CHECK(body_of(clerk.get("/api/cases?q=_"))["total"] == 0);
  // The other authority's clerk sees none of it.
  CHECK(body_of(counter.log_in("clerk2").get("/api/cases?tab=open&q=Q-"))["total"] == 0);
}

namespace {

// Case `id` (an example submission) taken in through the online filing system's API token, then
// returned by the clerk with `fail_action`; the token is returned.
std::string taken_in_and_returned(Counter& counter, const std::string& id,
                                  const std::string& fail_action) {
  const std::string token = intake_token(counter);
  REQUIRE(counter
              .call(http::verb::post, "/api/submissions",
                    multipart(example_submission(id), example_dir(id)), intake_headers(token))
              .result() == http::status::created);
  REQUIRE(counter.log_in("clerk")
              .post("/api/cases/" + id + "/actions",
                    {{"action", fail_action}, {"version", 1}, {"remark", "营业执照复印件未盖章"}})
              .result() == http::status::ok);
  return token;
}

}  // namespace

TEST_CASE(
    "补正材料 on the case page: the complete new set taken in as a form, kept as the case's "
    "folder with the old set beside it, the case waiting for a new check; a refusal changes "
    "nothing",
    "[server]") {
  Counter counter;
  const std::string id = "S-2026-000201";
  const std::filesystem::path example = example_dir(id);
  const nlohmann::json submission = example_submission(id);
  taken_in_and_returned(counter, id, "fail_review");
  auto clerk = counter.log_in("clerk");
  const std::filesystem::path intake = counter.dir.path() / "intake";
  auto send = [&](const std::string& query, const std::string& body) {
    return counter.call(http::verb::post, "/api/cases/" + id + "/resubmission?" + query, body,
                        {{"Cookie", clerk.cookie},
                         {"X-CSRF-Token", clerk.csrf},
                         {"Content-Type", keydesk::test::kMultipartType}});
  };
  const std::string before = slurp_file(intake / id / "submission.json");
  auto unchanged = [&] {
    CHECK(slurp_file(intake / id / "submission.json") == before);
    CHECK(!attempt_left(intake, id, "resubmission"));
    CHECK(!std::filesystem::exists(intake / (id + ".v2")));
    CHECK(body_of(clerk.get("/api/cases/" + id))["version"] == 2);
  };
  // Refused, nothing changed: a file missing, another case's submission, a stale version, an
  // action that takes no materials.
  nlohmann::json short_set = submission;
  short_set["materials"].erase(short_set["materials"].begin());
  Response missing = send("action=resubmit&version=2", multipart(short_set, example));
  CHECK(missing.result() == http::status::conflict);  // the procedure's material rule
  CHECK_THAT(body_of(missing)["error"].get<std::string>(), Catch::Contains("缺少"));
  unchanged();
  nlohmann::json other = submission;
  other["id"] = "S-2026-000999";
  Response wrong_case = send("action=resubmit&version=2", multipart(other, example));
  CHECK(body_of(wrong_case)["field"] == "submission.id");
  unchanged();
  Response stale = send("action=resubmit&version=1", multipart(submission, example));
  CHECK(stale.result() == http::status::conflict);
  CHECK(body_of(stale)["kind"] == "stale");
  unchanged();
  Response not_resubmission = send("action=withdraw&version=2", multipart(submission, example));
  CHECK(not_resubmission.result() != http::status::ok);
  unchanged();
  CHECK(body_of(send("action=resubmit", multipart(submission, example)))["field"] == "version");
  // The auditor reads only.
  auto auditor = counter.log_in("auditor");
  CHECK(counter
            .call(http::verb::post, "/api/cases/" + id + "/resubmission?action=resubmit&version=2",
                  multipart(submission, example),
                  {{"Cookie", auditor.cookie},
                   {"X-CSRF-Token", auditor.csrf},
                   {"Content-Type", keydesk::test::kMultipartType}})
            .result() == http::status::forbidden);
  unchanged();

  // Accepted: the new set is the case's folder, the old one kept as ID.v2, the case resubmitted
  // and its earlier check no longer current.
  Response done = send("action=resubmit&version=2", multipart(submission, example));
  INFO(done.body());
  REQUIRE(done.result() == http::status::ok);
  CHECK(body_of(done)["version"] == 3);
  CHECK(slurp_file(intake / (id + ".v2") / "submission.json") == before);
  CHECK(std::filesystem::exists(intake / id / "submission.json"));
  CHECK(!attempt_left(intake, id, "resubmission"));
  auto c = body_of(clerk.get("/api/cases/" + id));
  CHECK(c["unchecked_resubmission"] == true);
  CHECK(c["history"].back()["action"] == "resubmit");
  // The page can print the receipt and, the case having been returned, the return notice.
  std::vector<std::string> documents;
  for (const auto& d : c["documents"]) documents.push_back(d["url"]);
  CHECK(documents == std::vector<std::string>{"/api/cases/" + id + "/receipt.pdf",
                                              "/api/cases/" + id + "/notice.pdf"});
  CHECK(clerk.get(documents[1]).result() == http::status::ok);
  CHECK(c["material_titles"]["business_licence"].is_string());
}

TEST_CASE(
    "an online case's 补正材料 come from the online filing system as the enterprise, not from "
    "the clerk",
    "[server]") {
  Counter counter;
  const std::string id = "S-2026-000203";  // first_issue_online: the enterprise re-uploads
  const std::filesystem::path example = example_dir(id);
  const nlohmann::json submission = example_submission(id);
  const std::string token = taken_in_and_returned(counter, id, "fail_prereview");
  auto clerk = counter.log_in("clerk");
  // The clerk may not upload for an online applicant: the rule file gives it to the enterprise.
  Response by_clerk =
      counter.call(http::verb::post, "/api/cases/" + id + "/resubmission?action=resubmit&version=2",
                   multipart(submission, example),
                   {{"Cookie", clerk.cookie},
                    {"X-CSRF-Token", clerk.csrf},
                    {"Content-Type", keydesk::test::kMultipartType}});
  CHECK(by_clerk.result() != http::status::ok);
  CHECK(body_of(clerk.get("/api/cases/" + id))["version"] == 2);
  // A token never reaches another authority's case, nor one that does not exist.
  CHECK(counter
            .call(http::verb::post, "/api/cases/C-OTHER/resubmission?action=resubmit&version=1",
                  multipart(submission, example), intake_headers(token))
            .result() == http::status::not_found);
  Response online =
      counter.call(http::verb::post, "/api/cases/" + id + "/resubmission?action=resubmit&version=2",
                   multipart(submission, example), intake_headers(token));
  INFO(online.body());
  REQUIRE(online.result() == http::status::ok);
  auto c = body_of(clerk.get("/api/cases/" + id));
  CHECK(c["version"] == 3);
  CHECK(c["unchecked_resubmission"] == true);
  CHECK(c["history"].back()["role"] == "enterprise");
}

TEST_CASE("an interrupted batch goes on under its own number when its clerk resumes it",
          "[server]") {
  Counter counter;
  take_in_example(counter, "S-2026-000201");
  const std::string folder =
      (std::filesystem::path(counter.db).parent_path() / "intake" / "S-2026-000201").string();
  REQUIRE(std::filesystem::exists(std::filesystem::path(folder) / "submission.json"));
  // Batches another server left: one of this clerk's authority interrupted with its folder kept,
  // one started before folders were kept, and one of another authority.
  auto row = [&](const std::string& id, const std::string& authority, const std::string& folders) {
    exec_sql(counter.db,
             "INSERT INTO web_batches (id, started_by, role, authority, state, cases, done, "
             "total, error, started_at, finished_at, server, heartbeat_at, folders) VALUES ('" +
                 id + "', 'clerk', 'authority_clerk', '" + authority +
                 "', 'interrupted', 1, 2, 5, '已中断', '2026-11-23T09:00:00+08:00', "
                 "'2026-11-23T09:10:00+08:00', 'gone/1', 1, '" +
                 folders + "')");
  };
  row("W-20261123-00000001", kOwn, nlohmann::json::array({folder}).dump());
  row("W-20261123-00000002", kOwn, "[]");
  row("W-20261123-00000003", kOther, nlohmann::json::array({folder}).dump());
  auto clerk = counter.log_in("clerk");
  auto resume = [&](auto& who, const std::string& id) {
    return who.post("/api/batches/" + id + "/resume", nlohmann::json::object());
  };
  // Refused, saying why and what to do: another authority's, one without its folders, none.
  auto clerk2 = counter.log_in("clerk2");
  CHECK(resume(clerk2, "W-20261123-00000001").result() == http::status::forbidden);
  CHECK(resume(clerk, "W-20261123-00000003").result() == http::status::forbidden);
  Response old = resume(clerk, "W-20261123-00000002");
  CHECK(old.result() == http::status::conflict);
  CHECK_THAT(body_of(old)["error"].get<std::string>(),
             Catch::StartsWith("批次 W-20261123-00000002 发起于本功能之前") &&
                 Catch::Contains("请重新发起核验"));
  CHECK(resume(clerk, "W-20261123-99999999").result() == http::status::not_found);
  CHECK(counter.log_in("vendor")
            .post("/api/batches/W-20261123-00000001/resume", nlohmann::json::object())
            .result() == http::status::forbidden);
  // Resumed: the same number, running, its old progress gone; then done, the verdict on the case.
  Response resumed = resume(clerk, "W-20261123-00000001");
  INFO(resumed.body());
  REQUIRE(resumed.result() == http::status::accepted);
  CHECK(body_of(resumed)["id"] == "W-20261123-00000001");
  CHECK(body_of(resumed)["state"] == "running");
  CHECK(body_of(resumed)["error"] == "");
  nlohmann::json status;
  for (int i = 0; i < 600; ++i) {
    status = body_of(clerk.get("/api/batches/W-20261123-00000001"));
    if (status["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  INFO(status.dump());
  REQUIRE(status["state"] == "done");
  REQUIRE(status["submissions"].size() == 1);
  CHECK(status["submissions"][0]["id"] == "S-2026-000201");
  CHECK(status["submissions"][0]["verdict"] == "pass");
  CHECK(body_of(clerk.get("/api/cases/S-2026-000201"))["check"]["verdict"] == "pass");
  // Done: resuming it again is refused, and so is a double click's second request.
  Response again = resume(clerk, "W-20261123-00000001");
  CHECK(again.result() == http::status::conflict);
  CHECK_THAT(body_of(again)["error"].get<std::string>(), Catch::Contains("已核验完成"));
}
