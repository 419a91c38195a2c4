// keydesk serve's handler threads over loopback, on both backends: a request held in its handler
// does not hold up another connection's; a double click that lands on two connections at once
// applies the action once; a queue page kept is not served once another connection has written.
// No timing is asserted: the server's clock is injected, and the test stops requests inside it
// (GateClock) to force what happens while what.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "engine/accounts.h"
#include "engine/case_store.h"
#include "engine/intake.h"
#include "engine/submission.h"
#include "server/queue_pages.h"
#include "server/server.h"
#include "tests/backends.h"
#include "tests/http_client.h"

using namespace keydesk;
using keydesk::test::Answer;
using keydesk::test::kGiveUp;
using keydesk::test::PostgresBackend;
using keydesk::test::SqliteBackend;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

const std::string kOwn = "示例省商务厅（发证机构）";
constexpr std::int64_t kMorning = 1795485600;  // 2026-11-24T10:00:00+08:00 (a Tuesday)

// The server's clock, which the test can stop: after hold(n), the next n calls wait inside it,
// each on the thread of the request that called it, until release() (or kGiveUp). Every request
// that is signed in reads the clock first (its session's expiry), before it reads a case.
class GateClock {
 public:
  std::int64_t now() {
    std::unique_lock lock(mutex_);
    if (to_hold_ > 0) {
      --to_hold_;
      ++held_;
      changed_.notify_all();
      // Let go after kGiveUp at the latest, so a failing test ends rather than hangs.
      changed_.wait_for(lock, kGiveUp, [this] { return open_; });
    }
    return kMorning;
  }
  void hold(int calls) {
    std::lock_guard lock(mutex_);
    to_hold_ = calls;
    held_ = 0;
    open_ = false;
  }
  // Whether `calls` calls are held now (false when they were not within kGiveUp).
  bool wait_held(int calls) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kGiveUp, [&] { return held_ >= calls; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    open_ = true;
    to_hold_ = 0;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int to_hold_ = 0, held_ = 0;
  bool open_ = true;
};

// One kept-alive connection of the signed-in clerk.
struct Connection : keydesk::test::HttpClient {
  explicit Connection(unsigned short port) : HttpClient(port) { log_in("clerk", "password-clerk"); }
};

// keydesk serve with two handler threads on a fresh database of `Backend`: cases C-1 and C-2 of
// the counter's authority awaiting its clerk's review, and that clerk.
template <typename Backend>
struct PooledServer {
  Backend backend;
  GateClock clock;
  std::unique_ptr<server::Server> server;
  std::thread thread;

  PooledServer() {
    auto counter = load_counter_config(std::string(KEYDESK_RULES_DIR) + "/counter.yaml");
    REQUIRE(counter);
    {
      auto store = CaseStore::open(backend.target());
      INFO((store ? "" : store.error().message));
      REQUIRE(store);
      keydesk::test::open_example_cases(*store, {"C-1", "C-2"}, kOwn);
    }
    auto accounts = Accounts::open(backend.target());
    REQUIRE(accounts);
    REQUIRE(accounts->add({"clerk", "", "authority_clerk", kOwn, false, ""}, "password-clerk",
                          "2026-11-01"));
    server::ServeOptions options;
    options.port = 0;
    options.threads = 2;
    options.mail_interval = std::chrono::milliseconds(0);
    options.app.db = backend.target();
    options.app.rules_dir = KEYDESK_RULES_DIR;
    options.app.counter = *counter;
    options.app.clock = [this] { return clock.now(); };
    options.app.log = [](const std::string&) {};
    auto started = server::Server::start(options);
    INFO((started ? "" : started.error().message));
    REQUIRE(started);
    server = std::move(started).value();
    thread = std::thread([this] { server->run(); });
  }
  ~PooledServer() {
    clock.release();
    server->stop();
    thread.join();
  }
  unsigned short port() const { return server->port(); }
};

nlohmann::json body_of(const Answer& res) { return nlohmann::json::parse(res.body()); }

// The state of case `id` in the clerk's open queue ("not listed: …" when it is not).
std::string state_in_queue(Connection& c, const std::string& id) {
  const Answer queue = c.send(http::verb::get, "/api/cases?tab=open");
  REQUIRE(queue.result() == http::status::ok);
  const nlohmann::json cases = body_of(queue)["cases"];
  std::string listed;
  for (const auto& one : cases) {
    if (one.value("id", "") == id) return one.value("state", "");
    listed += " " + one.value("id", "");
  }
  return "not listed:" + listed;
}

}  // namespace

TEMPLATE_TEST_CASE("a request held up in its handler does not hold up another connection's",
                   "[server][pool]", SqliteBackend, PostgresBackend) {
  PooledServer<TestType> running;
  Connection slow(running.port()), other(running.port());
  // The slow one: a queue page, stopped inside its handler (as a PDF or a page built afresh
  // among 100,000 cases would take its time there).
  running.clock.hold(1);
  auto held = slow.send_async(http::verb::get, "/api/cases?tab=open");
  REQUIRE(running.clock.wait_held(1));
  // Meanwhile another clerk's connection is answered, reading the database too.
  const Answer seen = other.send(http::verb::get, "/api/cases/C-2");
  CHECK(seen.result() == http::status::ok);
  CHECK(body_of(seen)["id"] == "C-2");
  CHECK(held.wait_for(std::chrono::seconds(0)) != std::future_status::ready);
  // Let go, the held request is answered in full.
  running.clock.release();
  const Answer page = held.get();
  REQUIRE(page.result() == http::status::ok);
  CHECK(body_of(page)["cases"].size() == 2);
}

TEMPLATE_TEST_CASE(
    "a double click that lands on two connections at once applies the action once, on two "
    "handler threads",
    "[server][pool]", SqliteBackend, PostgresBackend) {
  PooledServer<TestType> running;
  Connection first(running.port()), second(running.port());
  const std::string pass = R"({"action": "pass_review", "version": 1})";
  // Both clicks stopped in their handlers at once (so each holds a thread and its database
  // connection), then let go together: they race to the same case's version 1.
  running.clock.hold(2);
  auto a = first.send_async(http::verb::post, "/api/cases/C-1/actions", pass);
  auto b = second.send_async(http::verb::post, "/api/cases/C-1/actions", pass);
  REQUIRE(running.clock.wait_held(2));
  running.clock.release();
  const Answer one = a.get(), two = b.get();
  const Answer& won = one.result() == http::status::ok ? one : two;
  const Answer& lost = one.result() == http::status::ok ? two : one;
  CHECK(won.result() == http::status::ok);
  CHECK(lost.result() == http::status::conflict);
  CHECK(body_of(lost)["error"].get<std::string>().find("已有变动") != std::string::npos);
  CHECK(body_of(won)["state"] == "to_vendor");
  // The history holds the action once, the case is at version 2.
  const nlohmann::json c = body_of(first.send(http::verb::get, "/api/cases/C-1"));
  CHECK(c["version"] == 2);
  int passed = 0;
  for (const auto& event : c["history"]) passed += event.value("action", "") == "pass_review";
  CHECK(passed == 1);
}

TEMPLATE_TEST_CASE(
    "a queue page kept is not served once a write went through another thread's connection",
    "[server][pool]", SqliteBackend, PostgresBackend) {
  PooledServer<TestType> running;
  Connection reader(running.port()), writer(running.port());
  REQUIRE(state_in_queue(reader, "C-1") == "authority_review");
  REQUIRE(state_in_queue(reader, "C-1") == "authority_review");  // the page kept
  // One thread held with its connection, so the write goes through the other one.
  running.clock.hold(1);
  auto held = reader.send_async(http::verb::get, "/api/me");
  REQUIRE(running.clock.wait_held(1));
  const Answer passed = writer.send(http::verb::post, "/api/cases/C-1/actions",
                                    R"({"action": "pass_review", "version": 1})");
  REQUIRE(passed.result() == http::status::ok);
  running.clock.release();
  REQUIRE(held.get().result() == http::status::ok);
  // Whichever thread reads it now, the queue shows the write.
  CHECK(state_in_queue(reader, "C-1") == "to_vendor");
  CHECK(state_in_queue(writer, "C-1") == "to_vendor");
}

TEST_CASE("a queue page read before a change another connection saw is not kept after it",
          "[server][pool]") {
  server::QueuePages pages;
  // Connection A looks and starts building a page; connection B sees a change meanwhile.
  const std::uint64_t a = pages.look(false);
  const std::uint64_t b = pages.look(true);
  CHECK(b != a);
  pages.keep(a, "page", "built before the change");
  CHECK(pages.find("page") == nullptr);
  // Built after B's look, it is kept, until the next change anyone sees.
  pages.keep(b, "page", "built after");
  REQUIRE(pages.find("page") != nullptr);
  CHECK(*pages.find("page") == "built after");
  CHECK(pages.look(false) == b);
  CHECK(pages.find("page") != nullptr);
  pages.look(true);
  CHECK(pages.find("page") == nullptr);
  // Turned off, nothing is kept.
  server::QueuePages off(false);
  off.keep(off.look(false), "page", "anything");
  CHECK(off.find("page") == nullptr);
}
