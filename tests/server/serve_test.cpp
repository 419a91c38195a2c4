// keydesk serve end to end over loopback: the Beast listener, real sockets, keep-alive, and
// an oversize upload cut off at the limit.
#include <catch2/catch.hpp>

#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "engine/accounts.h"
#include "server/server.h"
#include "tests/support.h"

using namespace keydesk;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// The server on a free loopback port, run on its own thread for the test's life.
struct Running {
  keydesk::test::TempDir dir;
  std::unique_ptr<server::Server> server;
  std::thread thread;

  explicit Running(std::uint64_t body_limit = 16 * 1024 * 1024) {
    const std::string db = (dir.path() / "keydesk.db").string();
    auto accounts = Accounts::open(db);
    REQUIRE(accounts);
    REQUIRE(accounts->add({"clerk", "", "authority_clerk", "示例省商务厅（发证机构）", false, ""},
                          "password-clerk", "2026-11-01"));
    server::ServeOptions options;
    options.port = 0;
    options.app.db = db;
    options.app.rules_dir = KEYDESK_RULES_DIR;
    options.app.body_limit = body_limit;
    auto started = server::Server::start(options);
    REQUIRE(started);
    server = std::move(started).value();
    thread = std::thread([this] { server->run(); });
  }
  ~Running() {
    server->stop();
    thread.join();
  }
};

// One connection, kept alive across requests.
struct Connection {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;

  explicit Connection(unsigned short port) {
    stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }
  http::response<http::string_body> send(http::verb method, const std::string& target,
                                         const std::string& body = "",
                                         const std::string& cookie = "") {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return res;
  }
};

}  // namespace

TEST_CASE("over loopback a clerk logs in and reads the queue on one kept-alive connection",
          "[server]") {
  Running running;
  Connection c(running.server->port());
  auto page = c.send(http::verb::get, "/");
  REQUIRE(page.result() == http::status::ok);
  CHECK(page.body().find("<script src=\"/static/app.js\">") != std::string::npos);
  auto login =
      c.send(http::verb::post, "/api/login", R"({"name": "clerk", "password": "password-clerk"})");
  REQUIRE(login.result() == http::status::ok);
  std::string cookie(login[http::field::set_cookie]);
  cookie = cookie.substr(0, cookie.find(';'));
  auto queue = c.send(http::verb::get, "/api/cases", "", cookie);
  REQUIRE(queue.result() == http::status::ok);
  CHECK(nlohmann::json::parse(queue.body())["cases"].is_array());
  CHECK(queue.keep_alive());
}

TEST_CASE("an upload over the body limit is refused with 413 while it is read", "[server]") {
  Running running(64 * 1024);
  Connection c(running.server->port());
  auto res = c.send(http::verb::post, "/api/submissions", std::string(200 * 1024, 'x'));
  CHECK(res.result() == http::status::payload_too_large);
  CHECK(nlohmann::json::parse(res.body())["error"].get<std::string>().find("limit") !=
        std::string::npos);
}
