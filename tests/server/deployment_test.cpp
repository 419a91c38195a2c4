// The national deployment on one machine: two `keydesk serve` processes (distinct loopback ports)
// and two `keydesk worker` processes on one database of the test PostgreSQL cluster (ctest
// fixture `postgres`), all real processes, run in one working directory (their shared intake/
// folder, as a shared file system would be across machines). A case taken in through one server
// is in the other's queue at once, its kept page included; a double click that lands on both
// servers applies once, and so does a submission sent to both (its folder whole); the checks a
// server enqueues are done by both workers, each job once; a batch started through one server is
// followed and passed through the other, which refuses a second batch while it runs, and shows
// it interrupted once its server is gone, and resumes it under its number; a server running two
// batches refuses a third (busy), which the other server takes; a rule file activated through one
// server is in force on the other within seconds. On a cluster of its own, stopped under a running
// server and worker: clerks are told in Chinese to try again (503), nothing is stored, and once the
// database is back every request is served again, by processes that never stopped. A web batch
// following the workers' queue while its database goes away writes its progress again once it is
// back, is never taken for interrupted, and ends done when a worker comes; one whose database
// goes away while it plans waits for it and goes on.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <future>
#include <map>
#include <optional>
#include <random>
#include <regex>

#include <nlohmann/json.hpp>

#include "engine/accounts.h"
#include "engine/case_store.h"
#include "engine/internal/sql.h"
#include "tests/backends.h"
#include "tests/http_client.h"
#include "tests/processes.h"
#include "tests/support.h"

using namespace keydesk;
using keydesk::test::Answer;
using keydesk::test::HttpClient;
using keydesk::test::Keydesk;
using keydesk::test::OwnCluster;
using keydesk::test::PostgresBackend;
using keydesk::test::query_number;
using keydesk::test::TempDir;
using keydesk::test::wait_until;
namespace http = boost::beast::http;
namespace fs = std::filesystem;

namespace {

const std::string kOwn = "示例省商务厅（发证机构）";
const std::string kOther = "另一省商务厅（发证机构）";

// The example registry and cases, a clerk and an administrator in the database at `uri`.
void seed(const std::string& uri) {
  auto store = CaseStore::open(uri);
  INFO((store ? "" : store.error().message));
  REQUIRE(store);
  keydesk::test::open_example_cases(*store, {}, kOwn);
  auto accounts = Accounts::open(uri);
  REQUIRE(accounts);
  REQUIRE(accounts->add({"clerk", "", "authority_clerk", kOwn, false, ""}, "password-clerk",
                        "2026-11-01"));
  REQUIRE(
      accounts->add({"admin", "", "administrator", "", false, ""}, "password-admin", "2026-11-01"));
  REQUIRE(accounts->add({"clerk2", "", "authority_clerk", kOther, false, ""}, "password-clerk2",
                        "2026-11-01"));
}

// The example registry and a clerk in a fresh PostgreSQL database; two servers on it with their
// checks left to workers, each on a port of its own.
// The port `server` (`keydesk serve --port 0`) listens on, once it prints it; 0 if it stopped
// first or did not say within a minute.
unsigned short listening_port(Keydesk& server) {
  const std::regex listening(R"(http://127\.0\.0\.1:(\d+)/)");
  unsigned short port = 0;
  wait_until(
      [&] {
        std::smatch m;
        const std::string out = server.out();
        if (!std::regex_search(out, m, listening)) return !server.running();
        port = static_cast<unsigned short>(std::stoi(m[1]));
        return true;
      },
      60);
  return port;
}

struct Deployment {
  PostgresBackend pg;
  TempDir work;
  std::unique_ptr<Keydesk> a, b;
  unsigned short port_a = 0, port_b = 0;

  Deployment() {
    seed(pg.target());
    // The rules folder both servers share, as a shared file system would hold it.
    fs::copy(KEYDESK_RULES_DIR, work.path() / "rules", fs::copy_options::recursive);
    a = serve("a", port_a);
    b = serve("b", port_b);
    REQUIRE(port_a != port_b);
  }

  // `keydesk serve` on any free port, which it prints once it listens.
  std::unique_ptr<Keydesk> serve(const std::string& name, unsigned short& port) {
    auto server = std::make_unique<Keydesk>(
        "--rules rules --db '" + pg.target() +
            "' serve --port 0 --threads 2 --mail-every 0 --checks-by-workers",
        work.path() / name, work.path());
    port = listening_port(*server);
    INFO(server->err());
    REQUIRE(port != 0);
    return server;
  }

  std::unique_ptr<Keydesk> worker(const std::string& name) {
    return std::make_unique<Keydesk>(
        "--rules rules --db '" + pg.target() + "' worker --name " + name + " --lease 30",
        work.path() / name, work.path());
  }
};

std::unique_ptr<HttpClient> clerk_at(unsigned short port, const std::string& name = "clerk") {
  auto client = std::make_unique<HttpClient>(port);
  client->log_in(name, "password-" + name);
  return client;
}

nlohmann::json body_of(const Answer& res) { return nlohmann::json::parse(res.body()); }

// Takes in example submission `example` as case `id` through `clerk`'s server (201).
void take_in(HttpClient& clerk, const std::string& example, const std::string& id) {
  const fs::path dir = fs::path(KEYDESK_EXAMPLES_DIR) / "submissions" / example;
  nlohmann::json submission = keydesk::test::read_json(dir / "submission.json");
  submission["id"] = id;
  const Answer taken =
      clerk.send(http::verb::post, "/api/submissions", keydesk::test::multipart(submission, dir),
                 {{"Content-Type", keydesk::test::kMultipartType}});
  INFO(taken.body());
  REQUIRE(taken.result() == http::status::created);
}

// A batch of the clerk's pending cases started through `clerk`'s server (202): its id.
std::string started_batch(HttpClient& clerk) {
  const Answer started = clerk.send(http::verb::post, "/api/batches", R"({"pending": true})");
  INFO(started.body());
  REQUIRE(started.result() == http::status::accepted);
  return body_of(started)["id"];
}

// Batch `id` as `clerk`'s server shows it (200).
nlohmann::json batch_at(HttpClient& clerk, const std::string& id) {
  const Answer status = clerk.send(http::verb::get, "/api/batches/" + id);
  INFO(status.body());
  REQUIRE(status.result() == http::status::ok);
  return body_of(status);
}

// On a PostgreSQL cluster of its own, seeded: a server whose checks are done by workers (none
// started), listening on `port`, and a clerk logged in there who has taken in case N-1
// (S-2026-000206).
struct WorkersServer {
  OwnCluster pg;
  TempDir work;
  std::string db;  // the options naming the rules and the database
  std::optional<Keydesk> server;
  unsigned short port = 0;
  std::unique_ptr<HttpClient> clerk;
  WorkersServer() {
    seed(pg.uri());
    db = " --rules '" + std::string(KEYDESK_RULES_DIR) + "' --db '" + pg.uri() + "' ";
    server.emplace(db + "serve --port 0 --threads 2 --mail-every 0 --checks-by-workers",
                   work.path() / "server", work.path());
    port = listening_port(*server);
    INFO(server->err());
    REQUIRE(port != 0);
    clerk = clerk_at(port);
    take_in(*clerk, "S-2026-000206", "N-1");
  }
};

// A worker started on `d`'s database: batch `id`, waiting for one, goes on and ends done, the
// verdict on its one case (N-1) kept once.
void ends_done_with_a_worker(HttpClient& clerk, const std::string& id, const WorkersServer& d) {
  const OwnCluster& pg = d.pg;
  Keydesk worker(d.db + "worker --name w --lease 30", d.work.path() / "worker", d.work.path());
  nlohmann::json status;
  const bool finished = wait_until(
      [&] {
        status = batch_at(clerk, id);
        const std::string state = status.value("state", "");
        return state != "running" && state != "queued" && !state.empty();
      },
      600);
  INFO(status.dump() << "\nworker: " << worker.err());
  REQUIRE(finished);
  CHECK(status["state"] == "done");
  REQUIRE(status["submissions"].size() == 1);
  CHECK(status["submissions"][0]["id"] == "N-1");
  CHECK_FALSE(status["submissions"][0].value("verdict", "").empty());
  CHECK(query_number(pg.uri(), "SELECT count(*) FROM events WHERE action = 'document_check'") == 1);
}

// The ids in the clerk's open queue, as that server lists them.
std::vector<std::string> open_queue(HttpClient& clerk) {
  const Answer queue = clerk.send(http::verb::get, "/api/cases?tab=open");
  REQUIRE(queue.result() == http::status::ok);
  const nlohmann::json cases = body_of(queue)["cases"];
  std::vector<std::string> ids;
  for (const auto& c : cases) ids.push_back(c["id"]);
  return ids;
}

// The same POST sent through two servers' clerks at once; their answers in that order.
std::pair<Answer, Answer> sent_together(HttpClient& a, HttpClient& b, const std::string& target,
                                        const std::string& body) {
  auto send = [&](HttpClient& clerk) {
    return std::async(std::launch::async, [&clerk, &target, &body] {
      return clerk.send(http::verb::post, target, body,
                        {{"Content-Type", keydesk::test::kMultipartType}});
    });
  };
  auto one = send(a), two = send(b);
  Answer first = one.get(), second = two.get();
  return {std::move(first), std::move(second)};
}

// Whether `folder` holds `submission`'s files as read from `example`, each whole (kept under names
// of their own, in the same order).
void check_kept_as_sent(const fs::path& folder, const nlohmann::json& submission,
                        const fs::path& example) {
  const nlohmann::json kept = keydesk::test::read_json(folder / "submission.json");
  REQUIRE(kept["materials"].size() == submission["materials"].size());
  for (std::size_t i = 0; i < kept["materials"].size(); ++i)
    CHECK(
        keydesk::test::slurp_file(folder / kept["materials"][i]["file"].get<std::string>()) ==
        keydesk::test::slurp_file(example / submission["materials"][i]["file"].get<std::string>()));
}

}  // namespace

TEST_CASE(
    "a case taken in through one server is in the other server's queue at once, its kept "
    "page included",
    "[server][deployment]") {
  Deployment d;
  auto at_a = clerk_at(d.port_a), at_b = clerk_at(d.port_b);
  take_in(*at_a, "S-2026-000206", "N-1");
  // B's queue page, built and then kept while nothing changes.
  REQUIRE(open_queue(*at_b) == std::vector<std::string>{"N-1"});
  REQUIRE(open_queue(*at_b) == std::vector<std::string>{"N-1"});
  // A second case through A: B's next page shows it, no wait, no reload of anything.
  take_in(*at_a, "S-2026-000201", "N-2");
  const auto seen = open_queue(*at_b);
  CHECK(std::find(seen.begin(), seen.end(), "N-2") != seen.end());
  CHECK(seen.size() == 2);
  // And the other way round, an action through B is in A's queue at once.
  REQUIRE(open_queue(*at_a).size() == 2);
  const Answer passed = at_b->send(http::verb::post, "/api/cases/N-1/actions",
                                   R"({"action": "pass_review", "version": 1})");
  REQUIRE(passed.result() == http::status::ok);
  const nlohmann::json cases = body_of(at_a->send(http::verb::get, "/api/cases?tab=open"))["cases"];
  REQUIRE(cases.size() == 2);
  for (const auto& c : cases)
    if (c["id"] == "N-1") CHECK(c["state"] == "to_vendor");
}

TEST_CASE("a double click that lands on two servers at once applies the action once",
          "[server][deployment]") {
  Deployment d;
  auto at_a = clerk_at(d.port_a), at_b = clerk_at(d.port_b);
  take_in(*at_a, "S-2026-000206", "N-1");
  // The same action on the same version of the case, sent to both servers together.
  const std::string pass = R"({"action": "pass_review", "version": 1})";
  auto one = at_a->send_async(http::verb::post, "/api/cases/N-1/actions", pass);
  auto two = at_b->send_async(http::verb::post, "/api/cases/N-1/actions", pass);
  const Answer first = one.get(), second = two.get();
  INFO(first.body() << "\n" << second.body());
  const bool a_won = first.result() == http::status::ok;
  const Answer& won = a_won ? first : second;
  const Answer& lost = a_won ? second : first;
  CHECK(won.result() == http::status::ok);
  CHECK(lost.result() == http::status::conflict);
  CHECK(body_of(lost)["kind"] == "stale");
  // Each server now shows the case once moved, its history holding the action once.
  for (HttpClient* clerk : {at_a.get(), at_b.get()}) {
    const nlohmann::json c = body_of(clerk->send(http::verb::get, "/api/cases/N-1"));
    CHECK(c["version"] == 2);
    CHECK(c["state"] == "to_vendor");
    int passed = 0;
    for (const auto& event : c["history"]) passed += event.value("action", "") == "pass_review";
    CHECK(passed == 1);
  }
  CHECK(query_number(d.pg.target(), "SELECT count(*) FROM events WHERE action = 'pass_review'") ==
        1);
}

TEST_CASE(
    "the same submission sent to both servers at once is taken in once, its folder whole and "
    "nothing else left",
    "[server][deployment]") {
  Deployment d;
  auto at_a = clerk_at(d.port_a), at_b = clerk_at(d.port_b);
  const fs::path example = fs::path(KEYDESK_EXAMPLES_DIR) / "submissions" / "S-2026-000206";
  const fs::path intake = d.work.path() / "intake";
  for (int round = 0; round < 6; ++round) {
    const std::string id = "D-" + std::to_string(round);
    nlohmann::json submission = keydesk::test::read_json(example / "submission.json");
    submission["id"] = id;
    const auto [first, second] = sent_together(*at_a, *at_b, "/api/submissions",
                                               keydesk::test::multipart(submission, example));
    INFO(id << ": " << first.body() << "\n" << second.body());
    const bool a_won = first.result() == http::status::created;
    CHECK((a_won ? second : first).result() == http::status::conflict);
    CHECK((a_won ? first : second).result() == http::status::created);
    // The winner's files, each as sent; no attempt's folder left beside it.
    check_kept_as_sent(intake / id, submission, example);
    CHECK(!keydesk::test::attempt_left(intake, id, "partial"));
  }
  CHECK(query_number(d.pg.target(), "SELECT count(*) FROM cases WHERE id LIKE 'D-%'") == 6);
}

TEST_CASE("the same 补正材料 sent to both servers at once is taken once, the set before kept whole",
          "[server][deployment]") {
  Deployment d;
  auto at_a = clerk_at(d.port_a), at_b = clerk_at(d.port_b);
  const fs::path example = fs::path(KEYDESK_EXAMPLES_DIR) / "submissions" / "S-2026-000201";
  const fs::path intake = d.work.path() / "intake";
  for (int round = 0; round < 4; ++round) {
    const std::string id = "R-" + std::to_string(round);
    take_in(*at_a, "S-2026-000201", id);
    const std::string before = keydesk::test::slurp_file(intake / id / "submission.json");
    REQUIRE(at_a->send(http::verb::post, "/api/cases/" + id + "/actions",
                       R"({"action": "fail_review", "version": 1, "remark": "营业执照未盖章"})")
                .result() == http::status::ok);
    nlohmann::json submission = keydesk::test::read_json(example / "submission.json");
    submission["id"] = id;
    const auto [first, second] =
        sent_together(*at_a, *at_b, "/api/cases/" + id + "/resubmission?action=resubmit&version=2",
                      keydesk::test::multipart(submission, example));
    INFO(id << ": " << first.body() << "\n" << second.body());
    const bool a_won = first.result() == http::status::ok;
    CHECK((a_won ? first : second).result() == http::status::ok);
    const Answer& lost = a_won ? second : first;
    CHECK(lost.result() == http::status::conflict);
    CHECK(body_of(lost)["kind"] == "stale");
    // The set before kept as ID.v2, the new one in the case's folder, each whole.
    CHECK(keydesk::test::slurp_file(intake / (id + ".v2") / "submission.json") == before);
    check_kept_as_sent(intake / id, submission, example);
    CHECK(!keydesk::test::attempt_left(intake, id, "resubmission"));
    CHECK(query_number(d.pg.target(), "SELECT count(*) FROM events WHERE case_id = '" + id +
                                          "' AND action = 'resubmit'") == 1);
  }
}

TEST_CASE("the checks one server enqueues are done by two workers, each job once",
          "[server][deployment]") {
  Deployment d;
  auto at_a = clerk_at(d.port_a), at_b = clerk_at(d.port_b);
  take_in(*at_a, "S-2026-000206", "N-1");
  take_in(*at_b, "S-2026-000201", "N-2");
  auto w1 = d.worker("w1"), w2 = d.worker("w2");
  const std::string batch = started_batch(*at_a);
  nlohmann::json status;
  const bool finished = wait_until(
      [&] {
        const Answer progress = at_a->send(http::verb::get, "/api/batches/" + batch);
        status = body_of(progress);
        return status.value("state", "") != "running" && status.value("state", "") != "queued" &&
               status.value("state", "") != "";
      },
      600);
  INFO(status.dump() << "\n" << w1->err() << "\n" << w2->err());
  REQUIRE(finished);
  CHECK(status["state"] == "done");
  const std::string jobs = "SELECT count(*) FROM check_jobs";
  const long total = query_number(d.pg.target(), jobs);
  CHECK(total >= 10);  // five scans a submission
  CHECK(query_number(d.pg.target(), jobs + " WHERE state = 'done'") == total);
  // Each job claimed once and finished once: one attempt, its result kept.
  CHECK(query_number(d.pg.target(), jobs + " WHERE attempts <> 1") == 0);
  CHECK(query_number(d.pg.target(), jobs + " j WHERE NOT EXISTS (SELECT 1 FROM scan_results s "
                                           "WHERE s.key = j.result_key)") == 0);
  // Both workers took some.
  CHECK(query_number(d.pg.target(),
                     "SELECT count(DISTINCT split_part(claimed_by, '/', 1)) FROM check_jobs") == 2);
  // Each case's verdict recorded once, and seen through the other server.
  CHECK(query_number(d.pg.target(),
                     "SELECT count(*) FROM events WHERE action = 'document_check'") == 2);
  const nlohmann::json c = body_of(at_b->send(http::verb::get, "/api/cases/N-1"));
  CHECK(c["check"].is_object());
}

TEST_CASE(
    "a batch started through one server is followed to its end and passed through the other, "
    "another authority's runs beside it, "
    "which refuses a second batch while it runs",
    "[server][deployment]") {
  Deployment d;
  auto at_a = clerk_at(d.port_a), at_b = clerk_at(d.port_b);
  take_in(*at_a, "S-2026-000201", "N-1");  // clean
  take_in(*at_a, "S-2026-000203", "N-2");  // its licence copy bears no company seal
  const std::string id = started_batch(*at_a);
  CHECK(id.starts_with("W-"));
  // B shows it at once: running, its scans waiting for a worker.
  nlohmann::json status = batch_at(*at_b, id);
  CHECK(status["state"] == "running");
  CHECK(status["cases"] == 2);
  // A second batch through B while A's runs: refused, naming the one that runs.
  const Answer twin = at_b->send(http::verb::post, "/api/batches", R"({"cases": ["N-1"]})");
  INFO(twin.body());
  CHECK(twin.result() == http::status::conflict);
  CHECK_THAT(body_of(twin)["error"].get<std::string>(), Catch::Contains(id));
  // Another authority's clerk starts a batch of theirs through B beside it (one batch runs per
  // authority, not one for the whole deployment).
  auto other = clerk_at(d.port_b, "clerk2");
  take_in(*other, "S-2026-000206", "O-1");
  const std::string other_id = started_batch(*other);
  CHECK(other_id != id);
  CHECK(batch_at(*other, other_id)["state"] == "running");
  // A worker drains its scans; B follows it to the end, its progress written as it goes.
  auto w1 = d.worker("w1");
  long done_seen = 0;
  const bool finished = wait_until(
      [&] {
        status = batch_at(*at_b, id);
        if (status["state"] == "running")
          done_seen = std::max(done_seen, status["done"].get<long>());
        return status["state"] != "running";
      },
      600);
  INFO(status.dump() << "\n" << w1->err());
  REQUIRE(finished);
  REQUIRE(status["state"] == "done");
  CHECK(status["done"] == status["total"]);
  CHECK(status["total"].get<int>() >= 10);
  CHECK(status["batch"].get<std::string>().starts_with("B-"));
  std::map<std::string, std::string> verdicts;
  for (const auto& s : status["submissions"]) verdicts[s["id"]] = s["verdict"];
  CHECK(verdicts == std::map<std::string, std::string>{{"N-1", "pass"}, {"N-2", "fail"}});
  CHECK(batch_at(*at_a, id) == status);
  nlohmann::json other_status;
  REQUIRE(wait_until(
      [&] {
        other_status = batch_at(*other, other_id);
        return other_status["state"] != "running";
      },
      600));
  CHECK(other_status["state"] == "done");
  REQUIRE(other_status["submissions"].size() == 1);
  CHECK(other_status["submissions"][0]["id"] == "O-1");
  // The clean case passed in one step through B.
  const Answer passed = at_b->send(http::verb::post, "/api/batches/" + id + "/pass", "{}");
  INFO(passed.body());
  REQUIRE(passed.result() == http::status::ok);
  const nlohmann::json cases = body_of(passed)["cases"];
  REQUIRE(cases.size() == 1);
  CHECK(cases[0]["id"] == "N-1");
  CHECK(cases[0]["state"] == "to_vendor");
  CHECK(body_of(at_a->send(http::verb::get, "/api/cases/N-1"))["state"] == "to_vendor");
  CHECK(body_of(at_a->send(http::verb::get, "/api/cases/N-2"))["version"] == 1);
}

TEST_CASE(
    "a server runs two batches at once: a third is refused as busy, saying so, while the other "
    "server takes it, and once one has finished the next goes ahead",
    "[server][deployment]") {
  Deployment d;
  const std::string kThird = "第三省商务厅（发证机构）";
  {
    auto accounts = Accounts::open(d.pg.target());
    REQUIRE(accounts);
    REQUIRE(accounts->add({"clerk3", "", "authority_clerk", kThird, false, ""}, "password-clerk3",
                          "2026-11-01"));
  }
  auto own = clerk_at(d.port_a), other = clerk_at(d.port_a, "clerk2");
  auto third = clerk_at(d.port_a, "clerk3");
  take_in(*own, "S-2026-000201", "N-1");
  take_in(*other, "S-2026-000206", "O-1");
  take_in(*third, "S-2026-000204", "T-1");
  // Two authorities' batches run on A (no worker yet: they wait).
  const std::string first = started_batch(*own);
  started_batch(*other);
  // A third authority's is refused on A: 503, in Chinese, how many run and what to do.
  const Answer busy = third->send(http::verb::post, "/api/batches", R"({"pending": true})");
  INFO(busy.body());
  CHECK(busy.result() == http::status::service_unavailable);
  CHECK_THAT(body_of(busy).value("error", ""),
             Catch::StartsWith("服务器繁忙：本服务器正在核验 2 个批次") &&
                 Catch::Contains("请等其中一批核验完成后再发起"));
  // B runs none: it takes it.
  started_batch(*clerk_at(d.port_b, "clerk3"));
  // A worker drains the queue; once A's first batch has finished, A starts the next.
  auto w1 = d.worker("w1");
  REQUIRE(wait_until([&] { return batch_at(*own, first)["state"] != "running"; }, 600));
  CHECK(started_batch(*own) != first);
}

TEST_CASE(
    "a batch whose server is gone shows interrupted on the other server, saying what to do, and "
    "goes on there under its own number",
    "[server][deployment]") {
  Deployment d;
  auto at_a = clerk_at(d.port_a), at_b = clerk_at(d.port_b);
  take_in(*at_a, "S-2026-000201", "N-1");
  const std::string id = started_batch(*at_a);
  REQUIRE(batch_at(*at_b, id)["state"] == "running");  // no worker: it waits
  // A is killed: nothing records the batch's end, its heartbeat stops. Its last one taken back
  // past the limit, as when the limit has passed since.
  d.a->kill_hard();
  REQUIRE(query_number(d.pg.target(), "SELECT count(*) FROM web_batches WHERE state = 'running'") ==
          1);
  {
    auto conn = internal::open_unmigrated(d.pg.target());
    REQUIRE(conn);
    REQUIRE((*conn)->exec("UPDATE web_batches SET heartbeat_at = heartbeat_at - 600"));
  }
  const nlohmann::json status = batch_at(*at_b, id);
  INFO(status.dump());
  CHECK(status["state"] == "interrupted");
  const std::string error = status["error"];
  CHECK_THAT(error, Catch::Contains("中断") && Catch::Contains("继续核验"));
  CHECK_THAT(error, !Catch::Contains(d.pg.target()) && !Catch::Contains("/"));
  // It goes on through B under its own number: the row running again, on B.
  const Answer resumed = at_b->send(http::verb::post, "/api/batches/" + id + "/resume", "{}");
  INFO(resumed.body());
  REQUIRE(resumed.result() == http::status::accepted);
  CHECK(body_of(resumed)["id"] == id);
  CHECK(body_of(resumed)["state"] == "running");
  // A is gone: B runs it, and no second row was made.
  CHECK(batch_at(*at_b, id)["state"] == "running");
  CHECK(query_number(d.pg.target(), "SELECT count(*) FROM web_batches") == 1);
  // A second click is refused, saying it runs; so is a new batch while it runs.
  const Answer twice = at_b->send(http::verb::post, "/api/batches/" + id + "/resume", "{}");
  CHECK(twice.result() == http::status::conflict);
  CHECK_THAT(body_of(twice)["error"].get<std::string>(), Catch::Contains("正在核验"));
  const Answer other = at_b->send(http::verb::post, "/api/batches", R"({"pending": true})");
  CHECK(other.result() == http::status::conflict);
}

TEST_CASE(
    "a rule file activated through one server is in force on the other within seconds, its "
    "kept queue pages included",
    "[server][deployment]") {
  Deployment d;
  auto admin = clerk_at(d.port_a, "admin");
  auto at_b = clerk_at(d.port_b);
  auto revocation_title = [&] {
    const Answer queue = at_b->send(http::verb::get, "/api/cases?tab=open");
    REQUIRE(queue.result() == http::status::ok);
    const nlohmann::json page = body_of(queue);
    for (const auto& p : page["procedures"])
      if (p["id"] == "revocation") return p["title"].get<std::string>();
    return std::string();
  };
  // B has read the rules and keeps its queue page.
  REQUIRE(revocation_title() == "注销");
  REQUIRE(revocation_title() == "注销");
  const Answer source = admin->send(http::verb::get, "/api/rules/revocation/source");
  REQUIRE(source.result() == http::status::ok);
  std::string edited = source.body();
  edited.replace(edited.find("title: 注销"), std::string("title: 注销").size(),
                 "title: 注销（电子钥匙）");
  const Answer activated = admin->send(http::verb::post, "/api/rules/revocation", edited,
                                       {{"Content-Type", "text/yaml"}});
  INFO(activated.body());
  REQUIRE(activated.result() == http::status::ok);
  REQUIRE(body_of(activated)["changed"] == true);
  // B looks at the rule files at most once a second: within a few, its pages carry the edit.
  CHECK(wait_until([&] { return revocation_title() == "注销（电子钥匙）"; }, 10));
  const Answer overview = clerk_at(d.port_b, "admin")->send(http::verb::get, "/api/rules");
  REQUIRE(overview.result() == http::status::ok);
  const nlohmann::json rules = body_of(overview);
  int seen = 0;
  for (const auto& p : rules["procedures"])
    if (p["id"] == "revocation") {
      CHECK(p["version"] == body_of(activated)["version"]);
      ++seen;
    }
  CHECK(seen == 1);
}

TEST_CASE(
    "the database stopped under a running server and worker: clerks are told to try again, "
    "nothing is stored, and once it is back every request is served by the same processes",
    "[server][deployment]") {
  OwnCluster pg;
  TempDir work;
  seed(pg.uri());
  auto pass_review = [](HttpClient& clerk) {
    return clerk.send(http::verb::post, "/api/cases/N-1/actions",
                      R"({"action": "pass_review", "version": 1})");
  };
  const std::string db =
      " --rules '" + std::string(KEYDESK_RULES_DIR) + "' --db '" + pg.uri() + "' ";
  Keydesk server(db + "serve --port 0 --threads 2 --mail-every 0 --checks-by-workers",
                 work.path() / "server", work.path());
  Keydesk worker(db + "worker --name w --lease 30", work.path() / "worker", work.path());
  const unsigned short port = listening_port(server);
  INFO(server.err());
  REQUIRE(port != 0);
  auto clerk = clerk_at(port);
  take_in(*clerk, "S-2026-000206", "N-1");
  const std::vector<std::string> before = open_queue(*clerk);
  REQUIRE(std::find(before.begin(), before.end(), "N-1") != before.end());

  REQUIRE(pg.cluster("down") == 0);
  for (int i = 0; i < 4; ++i) {
    // On the kept connection, and on new ones (another thread, its own database connection),
    // the clerk's session with them.
    HttpClient fresh(port);
    fresh.cookie = clerk->cookie;
    fresh.csrf = clerk->csrf;
    for (HttpClient* c : {clerk.get(), &fresh}) {
      const Answer queue = c->send(http::verb::get, "/api/cases?tab=open");
      INFO(queue.body());
      CHECK(queue.result() == http::status::service_unavailable);
      const std::string error = body_of(queue).value("error", "");
      CHECK_THAT(error, Catch::Contains("数据库") && Catch::Contains("请稍后重试"));
    }
    const Answer pass = pass_review(*clerk);
    INFO(pass.body());
    CHECK(pass.result() == http::status::service_unavailable);
  }
  INFO("server: " << server.err() << "\nworker: " << worker.err());
  CHECK(server.running());
  CHECK(worker.running());

  REQUIRE(pg.cluster("up") == 0);
  // Every thread's first request after the outage is served (each finds its connection dropped
  // and makes it again before answering): new connections, each logged in afresh.
  for (int i = 0; i < 6; ++i) {
    auto again = clerk_at(port);
    CHECK(open_queue(*again) == before);
  }
  CHECK(open_queue(*clerk) == before);
  const nlohmann::json c = body_of(clerk->send(http::verb::get, "/api/cases/N-1"));
  CHECK(c["version"] == 1);
  CHECK(c["state"] != "to_vendor");
  CHECK(query_number(pg.uri(), "SELECT count(*) FROM events WHERE action = 'pass_review'") == 0);
  // And it moves on now.
  const Answer pass = pass_review(*clerk);
  INFO(pass.body());
  CHECK(pass.result() == http::status::ok);
  CHECK(server.running());
  const bool worker_ran = worker.running();
  INFO("worker at the end: " << worker.err());
  CHECK(worker_ran);
}

TEST_CASE(
    "a web batch whose database goes away while it runs: its progress is written again once the "
    "database is back, it is not taken for interrupted, and it ends done",
    "[server][deployment]") {
  WorkersServer d;
  Keydesk& server = *d.server;
  OwnCluster& pg = d.pg;
  auto& clerk = d.clerk;
  // No worker yet: the batch enqueues its scans and waits for one, following the queue and
  // writing its progress.
  const std::string id = started_batch(*clerk);
  REQUIRE(wait_until([&] { return batch_at(*clerk, id).value("total", 0) > 0; }, 60));

  REQUIRE(pg.cluster("down") == 0);
  const bool failing = wait_until(
      [&] { return server.err().find("progress not recorded, trying again") != std::string::npos; },
      30);
  INFO("server: " << server.err());
  CHECK(failing);
  const auto down_since = std::time(nullptr);
  REQUIRE(pg.cluster("up") == 0);
  const bool again = wait_until(
      [&] { return server.err().find("progress recorded again") != std::string::npos; }, 60);
  CHECK(again);
  // Its heartbeat is fresh: no other server would take it for stopped and resume it.
  CHECK(query_number(pg.uri(), "SELECT max(heartbeat_at) FROM web_batches") >= down_since);
  // A new connection: the server closes one idle for 30 s.
  clerk = clerk_at(d.port);
  const nlohmann::json after = batch_at(*clerk, id);
  INFO(after.dump());
  CHECK(after["state"] == "running");

  // A worker comes: the batch goes on from where it was and ends done, its case's verdict kept.
  ends_done_with_a_worker(*clerk, id, d);
  CHECK(server.running());
}

TEST_CASE(
    "a web batch whose database goes away while it plans waits for it: it records its run once "
    "the database is back and ends done",
    "[server][deployment]") {
  WorkersServer d;
  Keydesk& server = *d.server;
  OwnCluster& pg = d.pg;
  auto& clerk = d.clerk;
  // The table of batch runs locked by another session: the batch's planning waits on it to
  // record its run, and the database goes away right there.
  auto holder = internal::open_unmigrated(pg.uri());
  REQUIRE(holder);
  REQUIRE((*holder)->exec("BEGIN"));
  REQUIRE((*holder)->exec("LOCK TABLE batch_runs IN ACCESS EXCLUSIVE MODE"));
  const std::string id = started_batch(*clerk);
  REQUIRE(wait_until(
      [&] {
        return query_number(pg.uri(),
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND query LIKE '%batch_runs%'") == 1;
      },
      60));
  REQUIRE(pg.cluster("down") == 0);
  const bool waiting = wait_until(
      [&] {
        return server.err().find("recording the batch's run failed, trying again") !=
               std::string::npos;
      },
      30);
  INFO("server: " << server.err());
  CHECK(waiting);
  REQUIRE(pg.cluster("up") == 0);
  // A new connection: the one before may have been idle for 30 s.
  clerk = clerk_at(d.port);
  ends_done_with_a_worker(*clerk, id, d);
  // Its run was recorded, and recorded ended: a batch over the same folders is a new one.
  CHECK(query_number(pg.uri(), "SELECT count(*) FROM batch_runs WHERE finished_at IS NOT NULL") ==
        1);
  CHECK(server.running());
}
