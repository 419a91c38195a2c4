// keydesk serve end to end over loopback: the Beast listener, real sockets, keep-alive, an
// oversize upload cut off at the limit, requests past the limits or with bad framing answered
// before the close, the listener at the open-files limit; its mail thread sending, and logging a
// refused login without the password.
#include <sqlite3.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "engine/accounts.h"
#include "engine/case_store.h"
#include "server/server.h"
#include "tests/mail/smtp_sink.h"
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

// A loopback connection on a bare socket: the bytes exactly as given, no HTTP client between.
// Every send and receive gives up after 5 s.
class RawSocket {
 public:
  RawSocket() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    timeval five{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &five, sizeof five);
  }
  ~RawSocket() { ::close(fd_); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connect(unsigned short port) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  // As much of `bytes` as the server takes before it closes.
  void send(const std::string& bytes) {
    for (size_t at = 0; at < bytes.size();) {
      ssize_t n = ::send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return;
      at += static_cast<size_t>(n);
    }
  }
  // Everything received until the server closes (or resets, or 5 s pass).
  std::string receive() {
    std::string got;
    char chunk[4096];
    for (ssize_t n; (n = ::recv(fd_, chunk, sizeof chunk, 0)) > 0;) got.append(chunk, n);
    return got;
  }

 private:
  int fd_;
};

// Sends `request` on a new connection and returns the server's whole answer. With `pause_at`,
// its first `pause_at` bytes go alone, 100 ms before the rest (as a slow network splits them).
std::string exchange(unsigned short port, const std::string& request, size_t pause_at = 0) {
  RawSocket socket;
  REQUIRE(socket.connect(port));
  if (pause_at > 0) {
    socket.send(request.substr(0, pause_at));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  socket.send(request.substr(pause_at));
  return socket.receive();
}

// The status code of an answer (0 when there is none).
int status_of(const std::string& answer) {
  return answer.rfind("HTTP/1.1 ", 0) == 0 && answer.size() >= 12 ? std::stoi(answer.substr(9, 3))
                                                                  : 0;
}

const std::string kNormalRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

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
  const auto body = nlohmann::json::parse(res.body());
  CHECK(body["detail"].get<std::string>().find("limit") != std::string::npos);
  CHECK(body["error"].get<std::string>().find("limit") == std::string::npos);  // Chinese only
}

TEST_CASE(
    "requests past the limits or with bad framing get their 4xx before the close, and the "
    "server goes on serving",
    "[server]") {
  Running running;
  const unsigned short port = running.server->port();
  std::string filler;  // 100 KB of header fields
  for (int i = 0; filler.size() < 100 * 1024; ++i)
    filler += "X-Filler-" + std::to_string(i) + ": " + std::string(100, 'x') + "\r\n";
  const std::string host = "Host: 127.0.0.1\r\n";
  const struct {
    const char* what;
    std::string request;
    int status;
    size_t pause_at = 0;
  } cases[] = {
      {"a 20 KB URL", "GET /" + std::string(20 * 1024, 'a') + " HTTP/1.1\r\n" + host + "\r\n", 414},
      {"a 10 KB URL (within the parser's header limit)",
       "GET /api/cases?q=" + std::string(10 * 1024, 'a') + " HTTP/1.1\r\n" + host + "\r\n", 414},
      {"100 KB of headers", "GET / HTTP/1.1\r\n" + host + filler + "\r\n", 431},
      {"100 KB of headers after a request line split in two",
       "GET / HTTP/1.1\r\n" + host + filler + "\r\n", 431, 8},
      {"Content-Length and Transfer-Encoding: chunked",
       "POST /api/login HTTP/1.1\r\n" + host +
           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400},
      {"Transfer-Encoding: chunked and Content-Length",
       "POST /api/login HTTP/1.1\r\n" + host +
           "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
       400},
      {"two different Content-Lengths",
       "POST /api/login HTTP/1.1\r\n" + host +
           "Content-Length: 5\r\nContent-Length: 6\r\n\r\n{}{}{}",
       400},
      {"a malformed chunk",
       "POST /api/login HTTP/1.1\r\n" + host +
           "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
       400},
      {"a body announced over the limit",
       "POST /api/submissions HTTP/1.1\r\n" + host + "Content-Length: 1073741824\r\n\r\n--", 413},
      {"an HTTP version that does not exist", "GET / HTTP/9.9\r\n" + host + "\r\n", 400},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    const std::string answer = exchange(port, c.request, c.pause_at);
    INFO(answer.substr(0, 400));
    CHECK(status_of(answer) == c.status);
    CHECK(answer.find("\r\nConnection: close\r\n") != std::string::npos);
    const size_t blank = answer.find("\r\n\r\n");
    auto body = blank == std::string::npos
                    ? nlohmann::json()
                    : nlohmann::json::parse(answer.substr(blank + 4), nullptr, false);
    CHECK((body.is_object() && body.contains("error")));
    // And everyone else is still served.
    CHECK(status_of(exchange(port, kNormalRequest)) == 200);
  }
}

namespace {

// The process's stderr into `file` while it lives (the server reports on stderr).
class StderrTo {
 public:
  explicit StderrTo(const std::filesystem::path& file) : saved_(::dup(2)) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0);
    ::dup2(fd, 2);
    ::close(fd);
  }
  ~StderrTo() {
    ::dup2(saved_, 2);
    ::close(saved_);
  }

 private:
  int saved_;
};

// The process's descriptor limit lowered to `limit` while it lives.
class FileLimit {
 public:
  explicit FileLimit(rlim_t limit) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &old_) == 0);
    rlimit low = old_;
    low.rlim_cur = limit;
    REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
  }
  ~FileLimit() { ::setrlimit(RLIMIT_NOFILE, &old_); }

 private:
  rlimit old_{};
};

// The descriptor the process would get next: the lowest number free.
int next_descriptor() {
  int fd = ::dup(0);
  REQUIRE(fd >= 0);
  ::close(fd);
  return fd;
}

double cpu_seconds() {
  rusage used{};
  ::getrusage(RUSAGE_SELF, &used);
  return static_cast<double>(used.ru_utime.tv_sec + used.ru_stime.tv_sec) +
         static_cast<double>(used.ru_utime.tv_usec + used.ru_stime.tv_usec) / 1e6;
}

}  // namespace

// In this process rather than a forked child: the server runs on its own thread here, and the
// test's clients make their sockets before the limit is lowered (connecting needs no new
// descriptor), so only the server's accepts meet it.
TEST_CASE(
    "at the open-files limit the listener waits and retries instead of spinning, reports "
    "once, and accepts again when descriptors are free",
    "[server]") {
  Running running;
  const unsigned short port = running.server->port();
  keydesk::test::TempDir logs;
  double spent = 0;
  {
    StderrTo captured(logs.path() / "stderr");
    std::vector<std::unique_ptr<RawSocket>> clients;
    for (int i = 0; i < 12; ++i) clients.push_back(std::make_unique<RawSocket>());
    {
      // A new descriptor must be numbered below the limit (those open above it stay open): the
      // server accepts one or two of the twelve, then meets EMFILE.
      FileLimit limit(static_cast<rlim_t>(next_descriptor() + 2));
      for (auto& c : clients) REQUIRE(c->connect(port));  // completed by the kernel's backlog
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      const double before = cpu_seconds();
      std::this_thread::sleep_for(std::chrono::seconds(1));
      spent = cpu_seconds() - before;
    }
    clients.clear();  // the server's sessions end, and their descriptors are free again
    // Accepting again within the longest wait (1 s).
    CHECK(status_of(exchange(port, kNormalRequest)) == 200);
  }
  // A listener retrying at once burns the second; waiting 0.1, 0.2, 0.4 s it barely wakes.
  CHECK(spent < 0.25);
  std::ifstream in(logs.path() / "stderr");
  const std::string log{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  INFO(log.substr(0, 1000));
  size_t reports = 0;
  for (size_t at = log.find("keydesk serve: accept"); at != std::string::npos;
       at = log.find("keydesk serve: accept", at + 1))
    ++reports;
  CHECK(reports == 1);
  CHECK(log.find("Too many open files") != std::string::npos);
}

namespace {

// A database whose outbox holds case S-1's activation e-mail, due.
std::string database_with_a_notice(const keydesk::test::TempDir& dir) {
  const std::string db = (dir.path() / "keydesk.db").string();
  REQUIRE(CaseStore::open(db));  // migrated
  sqlite3* handle = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &handle) == SQLITE_OK);
  REQUIRE(sqlite3_exec(handle,
                       "INSERT INTO outbox (case_id, event_seq, notice, channel, recipient, "
                       "subject, body, created_at) VALUES ('S-1', 1, 'activation_email', "
                       "'email', 'zhang@example.com', '调用商务部统一用户管理平台激活企业账户', "
                       "'正文', '2026-11-24T10:00:00+08:00')",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(handle);
  return db;
}

// keydesk serve on `db` with `mail`, its mail thread trying every 100 ms, until `done` says so
// of what it logged (at most 10 s); what it logged.
std::vector<std::string> serve_mail(
    const std::string& db, const MailSettings& mail,
    const std::function<bool(const std::vector<std::string>&)>& done) {
  server::ServeOptions options;
  options.port = 0;
  options.app.db = db;
  options.app.rules_dir = KEYDESK_RULES_DIR;
  options.app.counter.mail = mail;
  std::vector<std::string> logged;
  std::mutex log_mutex;
  options.app.log = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(log_mutex);
    logged.push_back(line);
  };
  options.mail_interval = std::chrono::milliseconds(100);
  auto started = server::Server::start(options);
  REQUIRE(started);
  std::thread serving([&] { (*started)->run(); });
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard<std::mutex> lock(log_mutex);
      if (done(logged)) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  (*started)->stop();
  serving.join();
  started->reset();  // the mail thread stops with the server
  return logged;
}

bool logged_that(const std::vector<std::string>& logged, const std::string& start) {
  return std::any_of(logged.begin(), logged.end(),
                     [&](const std::string& l) { return l.rfind(start, 0) == 0; });
}

}  // namespace

TEST_CASE("keydesk serve sends the notices due in the background, on a thread of its own",
          "[server]") {
  keydesk::test::SmtpSink sink;
  keydesk::test::TempDir dir;
  const std::string db = database_with_a_notice(dir);
  MailSettings mail;
  mail.smtp_url = sink.url();
  mail.from = "ekey@example.gov.cn";
  mail.require_tls = false;
  const auto logged = serve_mail(
      db, mail, [&](const std::vector<std::string>&) { return !sink.messages().empty(); });
  REQUIRE(sink.messages().size() == 1);
  CHECK(sink.messages()[0]["subject"] == "调用商务部统一用户管理平台激活企业账户");
  auto store = CaseStore::open(db);
  REQUIRE(store);
  CHECK(store->outbox_of("S-1")->front().status == "sent");
  CHECK(logged_that(logged, "mail sent: #1 case S-1 to zhang@example.com"));
}

TEST_CASE("keydesk serve logs a refused login, never the password, and keeps the notice",
          "[server]") {
  keydesk::test::SmtpSink sink(keydesk::test::SmtpSink::Tls::starttls);
  sink.require_login("ekey", "the-right-one");
  keydesk::test::TempDir dir;
  const std::string db = database_with_a_notice(dir);
  const std::string password = "Pa55-word-8c1f";
  MailSettings mail;
  mail.smtp_url = sink.url();
  mail.from = "ekey@example.gov.cn";
  mail.ca_file = sink.ca_file();
  mail.username = "ekey";
  mail.password_file = dir.write("smtp-password", password + "\n");
  const auto logged = serve_mail(db, mail, [](const std::vector<std::string>& lines) {
    return logged_that(lines, "mail retry: #1");
  });
  REQUIRE(logged_that(logged,
                      "mail retry: #1 case S-1 to zhang@example.com (the mail server "
                      "refused the login"));
  for (const auto& line : logged) CHECK(line.find(password) == std::string::npos);
  CHECK(sink.messages().empty());
  auto store = CaseStore::open(db);
  REQUIRE(store);
  const auto notice = store->outbox_of("S-1")->front();
  CHECK(notice.status == "pending");
  CHECK(notice.last_error.find(password) == std::string::npos);
}
