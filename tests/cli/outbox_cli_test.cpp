// `keydesk outbox`, `keydesk outbox send` and `keydesk digest send` as cron or an administrator
// runs them, against a real SMTP server on loopback; a process killed between sending a message
// and marking it sent; STARTTLS, TLS from the start (smtps://), a server whose certificate only
// an internal CA vouches for (mail.ca_file), and a login, right and wrong.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/mail/smtp_sink.h"
#include "tests/support.h"

using keydesk::test::run_keydesk;
using keydesk::test::SmtpSink;
using keydesk::test::TempDir;

namespace {

// A counter (the test procedure review_loop, a digest address for its authority) with case S-1
// approved by the vendor: its activation e-mail waits in the outbox.
struct Counter {
  TempDir dir;
  std::string k;
  // `mail`: the lines of counter.yaml's mail: block after its from:.
  explicit Counter(const std::string& mail = "  tls: none\n") {
    std::filesystem::create_directories(dir.path() / "rules/procedures");
    std::filesystem::copy(KEYDESK_RULES_DIR "/calendars", dir.path() / "rules/calendars",
                          std::filesystem::copy_options::recursive);
    std::filesystem::copy(KEYDESK_TEST_DATA "/procedures/review_loop.yaml",
                          dir.path() / "rules/procedures/");
    configure_mail(mail);
    dir.write(
        "registry.json",
        R"({"enterprises": [{"uscc": "91110105MA01ABCD5F", "name": "北京示例进出口有限公司", "kind": "domestic"}],
      "keys": [{"login_username": "bjsl001", "uscc": "91110105MA01ABCD5F", "status": "lost"}]})");
    for (const char* id : {"S-1", "S-2"})
      dir.write(std::string(id) + "/submission.json",
                std::string(R"({"id": ")") + id + R"(", "procedure": "review_loop",
      "enterprise": {"name": "北京示例进出口有限公司", "uscc": "91110105MA01ABCD5F"},
      "applicant": {"login_username": "bjsl001", "email": "zhang@example.com",
                    "authorized_user": {"name": "张三", "id_number": "110105199001010029"}},
      "reason": "丢失"})");
    k = "--rules '" + (dir.path() / "rules").string() + "' --db '" +
        (dir.path() / "k.db").string() + "' ";
    REQUIRE(run("registry import '" + (dir.path() / "registry.json").string() + "'").exit_code ==
            0);
    REQUIRE(run("case open '" + (dir.path() / "S-1").string() + "' --at 2026-11-20T10:00:00+08:00")
                .exit_code == 0);
    REQUIRE(run("case act S-1 pass --version 1 --role authority_clerk --at "
                "2026-11-23T10:00:00+08:00")
                .exit_code == 0);
    REQUIRE(run("case act S-1 approve --version 2 --role vendor_reviewer --at "
                "2026-11-24T10:00:00+08:00")
                .exit_code == 0);
  }
  void configure_mail(const std::string& mail) {
    dir.write("rules/counter.yaml",
              "authority: 测试省商务厅\nmail:\n  from: ekey@example.gov.cn\n" + mail +
                  "digest:\n  authorities:\n    测试省商务厅: [chu@example.gov.cn]\n");
  }
  // `env`: more VAR=value words for the process.
  keydesk::test::Run run(const std::string& args, const std::string& smtp_url = "",
                         const std::string& env = "") {
    return run_keydesk(
        k + args, "",
        "-u KEYDESK_SMTP_CA_FILE " +
            (smtp_url.empty() ? "-u KEYDESK_SMTP_URL" : "KEYDESK_SMTP_URL=" + smtp_url) + " " +
            env);
  }
  nlohmann::json notice() {
    auto r = run("outbox --all --json");
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out.substr(0, r.out.find('\n')));
  }
};

}  // namespace

TEST_CASE("outbox send with no mail server configured says the notices wait, and sends nothing") {
  Counter c;
  auto r = c.run("outbox send");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("未配置邮件服务器：1 条通知在待发送队列中等待"));
  CHECK(keydesk::test::chinese_first(r.out));
  r = c.run("outbox");
  CHECK_THAT(r.out,
             Catch::Contains(
                 "#1  S-1  zhang@example.com  「调用商务部统一用户管理平台激活企业账户」  待发送"));
  CHECK_THAT(r.out, Catch::Contains("未配置邮件服务器，通知在队列中等待"));
  CHECK(c.notice()["attempts"] == 0);
}

TEST_CASE("a process killed between sending and marking: the retry carries the same Message-ID") {
  Counter c;
  SmtpSink sink;
  sink.mode("hang");  // the server has the message but holds back its 250
  const std::string args = c.k + "outbox send --at 2026-11-25T10:00:00+08:00";
  pid_t child = fork();
  if (child == 0) {
    setenv("KEYDESK_SMTP_URL", sink.url().c_str(), 1);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl("/bin/sh", "sh", "-c", ("exec '" + std::string(KEYDESK_BINARY) + "' " + args).c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  REQUIRE(sink.wait_for(1));
  kill(child, SIGKILL);  // the crash: sent, never marked
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFSIGNALED(status));
  auto claimed = c.notice();
  CHECK(claimed["status"] == "pending");
  CHECK(claimed["attempts"] == 1);
  CHECK(claimed["message_id"] == sink.messages()[0]["message_id"]);

  sink.mode("ok");
  // Not before the claimed retry time (a minute on): then once, with the same Message-ID.
  auto r = c.run("outbox send --at 2026-11-25T10:00:30+08:00", sink.url());
  CHECK(r.exit_code == 0);
  CHECK(sink.messages().size() == 1);
  r = c.run("outbox send --at 2026-11-25T10:01:01+08:00", sink.url());
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("已发送  #1  S-1  zhang@example.com"));
  REQUIRE(sink.messages().size() == 2);
  CHECK(sink.messages()[1]["message_id"] == sink.messages()[0]["message_id"]);
  CHECK(sink.messages()[1]["subject"] == "调用商务部统一用户管理平台激活企业账户");
  CHECK(c.notice()["status"] == "sent");
  r = c.run("outbox send --at 2026-11-26T10:00:00+08:00", sink.url());
  CHECK(sink.messages().size() == 2);
  r = c.run("case show S-1");
  CHECK_THAT(r.out, Catch::Contains("通知      「调用商务部统一用户管理平台激活企业账户」→ "
                                    "zhang@example.com  已发送（2026-11-25T10:01）"));
}

TEST_CASE("outbox send against a server that is down exits 1 and keeps the notice for later") {
  Counter c;
  SmtpSink sink;
  sink.stop();
  auto r = c.run("outbox send --at 2026-11-25T10:00:00+08:00", sink.url());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("邮件服务器暂时连接不上，其余通知留在队列中，稍后会自动重试"));
  auto n = c.notice();
  CHECK(n["status"] == "pending");
  CHECK(n["next_attempt_at"] == "2026-11-25T10:01:00+08:00");
}

TEST_CASE("digest send --today sends the authority its overdue and due-today cases, once a day") {
  Counter c;
  SmtpSink sink;
  REQUIRE(
      c.run("case open '" + (c.dir.path() / "S-2").string() + "' --at 2026-11-20T10:00:00+08:00")
          .exit_code == 0);  // due 11-24
  auto r = c.run("digest send --today 2026-11-25 --at 2026-11-25T08:30:00+08:00", sink.url());
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains(
                        "每日提醒  测试省商务厅  逾期 1 件，今日到期 0 件 → chu@example.gov.cn"));
  REQUIRE(sink.messages().size() == 2);  // S-1's activation e-mail and the digest
  nlohmann::json digest;
  for (const auto& m : sink.messages())
    if (m["rcpt_tos"][0] == "chu@example.gov.cn") digest = m;
  CHECK_THAT(digest["body"].get<std::string>(), Catch::Contains("1. S-2  北京示例进出口有限公司"));
  r = c.run("digest send --today 2026-11-25 --at 2026-11-25T09:00:00+08:00", sink.url());
  CHECK_THAT(r.out, Catch::Contains("此前已加入队列，不重复"));
  CHECK(sink.messages().size() == 2);
  r = c.run("digest send --today 2026-11-28", sink.url());
  CHECK_THAT(r.out, Catch::Contains("2026-11-28 按柜台日历是休息日，不发送每日提醒"));
}

namespace {

const char* const kSendAt = "outbox send --at 2026-11-25T10:00:00+08:00";
const std::string kPassword = "Pa55-word-8c1f";

// The sink's self-signed certificate as the counter's internal CA, rules/internal-ca.pem (a CA
// certificate is public: it may sit in the rules folder).
void trust(Counter& c, const SmtpSink& sink) {
  std::filesystem::copy_file(sink.ca_file(), c.dir.path() / "rules/internal-ca.pem",
                             std::filesystem::copy_options::overwrite_existing);
}

// `outbox send` at the time the notice's retry is due.
keydesk::test::Run send_when_due(Counter& c, const std::string& options = "") {
  return c.run("outbox send " + options + " --at " +
               c.notice()["next_attempt_at"].get<std::string>());
}

}  // namespace

TEST_CASE("STARTTLS to a server whose certificate an internal CA signed (mail.ca_file)") {
  SmtpSink sink(SmtpSink::Tls::starttls);
  Counter c;
  trust(c, sink);
  // tls: required is the default; ca_file is relative to counter.yaml's folder.
  c.configure_mail("  smtp_url: " + sink.url() + "\n  ca_file: internal-ca.pem\n");
  auto r = c.run(kSendAt);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::StartsWith("已发送  #1  S-1  zhang@example.com"));
  REQUIRE(sink.messages().size() == 1);
  const auto m = sink.messages()[0];
  CHECK(m["tls"] == true);
  CHECK(m["starttls"] == true);
  CHECK_THAT(m["tls_version"].get<std::string>(), Catch::StartsWith("TLSv1."));
  CHECK(m["authenticated"] == false);
  CHECK(m["subject"] == "调用商务部统一用户管理平台激活企业账户");
  CHECK(c.notice()["status"] == "sent");
}

TEST_CASE("tls: required and a server without STARTTLS: nothing goes in clear, the notice waits") {
  SmtpSink sink;  // plain SMTP: no STARTTLS offered
  Counter c;
  c.configure_mail("  smtp_url: " + sink.url() + "\n");
  auto r = c.run(kSendAt);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::StartsWith("稍后重试  #1  S-1  zhang@example.com"));
  CHECK_THAT(r.out, Catch::Contains("柜台的邮件设置有问题，通知一条也没有丢失"));
  CHECK(sink.messages().empty());
  auto n = c.notice();
  CHECK(n["status"] == "pending");
  CHECK(n["attempts"] == 1);
  CHECK_THAT(n["last_error"].get<std::string>(),
             Catch::StartsWith("the mail server offers no STARTTLS and mail.tls is required, so "
                               "nothing was sent in clear text"));
  CHECK_THAT(n["status_text"].get<std::string>(),
             Catch::Contains("邮件服务器不支持加密连接（STARTTLS），为免明文传输未发送"));

  // tls: none (a relay on the same host): plain text, as the administrator said.
  c.configure_mail("  smtp_url: " + sink.url() + "\n  tls: none\n");
  r = send_when_due(c);
  CHECK(r.exit_code == 0);
  REQUIRE(sink.messages().size() == 1);
  CHECK(sink.messages()[0]["tls"] == false);
  CHECK(c.notice()["status"] == "sent");
}

TEST_CASE("smtps:// is TLS from the first byte; KEYDESK_SMTP_CA_FILE names the CA") {
  SmtpSink sink(SmtpSink::Tls::smtps);
  Counter c;
  c.configure_mail("  smtp_url: smtp://mail.example.gov.cn:587\n");
  // An override naming no file: nothing is tried, and the administrator is told what to mend.
  auto r = c.run(kSendAt, sink.url(),
                 "KEYDESK_SMTP_CA_FILE='" + (c.dir.path() / "no-such-ca.pem").string() + "'");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("找不到 CA 证书文件") &&
                        Catch::Contains("KEYDESK_SMTP_CA_FILE") &&
                        Catch::Contains("通知仍在待发送队列中"));
  CHECK(c.notice()["attempts"] == 0);
  CHECK(sink.messages().empty());

  r = c.run(kSendAt, sink.url(), "KEYDESK_SMTP_CA_FILE='" + sink.ca_file().string() + "'");
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  REQUIRE(sink.messages().size() == 1);
  const auto m = sink.messages()[0];
  CHECK(m["tls"] == true);
  CHECK(m["starttls"] == false);
  CHECK_THAT(m["tls_version"].get<std::string>(), Catch::StartsWith("TLSv1."));
  CHECK(c.notice()["status"] == "sent");
}

TEST_CASE(
    "a certificate the counter does not trust: nothing is sent, lost or failed; with the CA "
    "named the notice goes") {
  SmtpSink sink(SmtpSink::Tls::starttls);
  Counter c;
  c.configure_mail("  smtp_url: " + sink.url() + "\n");  // no ca_file: the system's CAs
  auto r = c.run(kSendAt);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("柜台的邮件设置有问题") &&
                        Catch::Contains("certificate is not trusted"));
  CHECK(sink.messages().empty());
  auto n = c.notice();
  CHECK(n["status"] == "pending");
  CHECK_THAT(n["last_error"].get<std::string>(),
             Catch::StartsWith("the mail server's certificate is not trusted: set mail.ca_file") &&
                 Catch::Contains("self-signed certificate"));
  CHECK_THAT(n["status_text"].get<std::string>(), Catch::Contains("邮件服务器的证书不受信任"));

  // However long it lasts, a fault of the counter's settings never fails the notice: past
  // kMaxDeliveryAttempts (14), it still waits.
  for (int i = 0; i < 14; ++i) CHECK(send_when_due(c).exit_code == 1);
  n = c.notice();
  CHECK(n["attempts"] == 15);
  CHECK(n["status"] == "pending");
  CHECK(sink.messages().empty());

  // The administrator names the internal CA: the notice goes, with its Message-ID.
  trust(c, sink);
  c.configure_mail("  smtp_url: " + sink.url() + "\n  ca_file: internal-ca.pem\n");
  r = send_when_due(c);
  CHECK(r.exit_code == 0);
  REQUIRE(sink.messages().size() == 1);
  CHECK(sink.messages()[0]["tls"] == true);
  CHECK(sink.messages()[0]["message_id"] == n["message_id"]);
  CHECK(c.notice()["status"] == "sent");
}

namespace {

// `r` (an outbox send) delivered the one notice over TLS, logged in as ekey with `mechanism`.
void sent_logged_in(const SmtpSink& sink, Counter& c, const keydesk::test::Run& r,
                    const std::string& mechanism) {
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  REQUIRE(sink.messages().size() == 1);
  const auto m = sink.messages()[0];
  CHECK(m["authenticated"] == true);
  CHECK(m["auth_user"] == "ekey");
  CHECK(m["auth_mechanism"] == mechanism);
  CHECK(m["tls"] == true);
  CHECK(c.notice()["status"] == "sent");
}

}  // namespace

TEST_CASE("a login with the password from password_file: it arrives over TLS as that user") {
  SmtpSink sink(SmtpSink::Tls::starttls);
  sink.require_login("ekey", kPassword, "PLAIN");
  Counter c;
  trust(c, sink);
  c.dir.write("secret/smtp-password", kPassword + "\n");  // outside the rules folder
  c.configure_mail("  smtp_url: " + sink.url() +
                   "\n  ca_file: internal-ca.pem\n  username: ekey\n"
                   "  password_file: ../secret/smtp-password\n");
  sent_logged_in(sink, c, c.run(kSendAt), "PLAIN");
}

TEST_CASE("a login with the password from password_env (AUTH LOGIN): it arrives as that user") {
  SmtpSink sink(SmtpSink::Tls::smtps);
  sink.require_login("ekey", kPassword, "LOGIN");
  Counter c;
  trust(c, sink);
  c.configure_mail("  smtp_url: " + sink.url() +
                   "\n  ca_file: internal-ca.pem\n  username: ekey\n"
                   "  password_env: KEYDESK_TEST_SMTP_PASSWORD\n");
  sent_logged_in(sink, c, c.run(kSendAt, "", "KEYDESK_TEST_SMTP_PASSWORD=" + kPassword), "LOGIN");
}

TEST_CASE(
    "a refused login: nothing sent, the notice waits (not failed), the password shown "
    "nowhere") {
  SmtpSink sink(SmtpSink::Tls::starttls);
  sink.require_login("ekey", "the-right-one");
  Counter c;
  trust(c, sink);
  c.dir.write("secret/smtp-password", kPassword + "\n");  // not the right one
  c.configure_mail("  smtp_url: " + sink.url() +
                   "\n  ca_file: internal-ca.pem\n  username: ekey\n"
                   "  password_file: ../secret/smtp-password\n");
  auto r = c.run(kSendAt);
  std::string shown = r.out + r.err;
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out,
             Catch::Contains("柜台的邮件设置有问题") && Catch::Contains("refused the login"));
  CHECK(sink.messages().empty());
  auto n = c.notice();
  CHECK(n["status"] == "pending");
  CHECK_THAT(n["last_error"].get<std::string>(),
             Catch::StartsWith("the mail server refused the login: check mail.username and the "
                               "password") &&
                 Catch::Contains("535"));
  CHECK_THAT(n["status_text"].get<std::string>(), Catch::Contains("邮件服务器拒绝登录"));
  r = send_when_due(c, "--json");  // again, as JSON
  shown += r.out + r.err;
  CHECK(r.exit_code == 1);
  CHECK(c.notice()["status"] == "pending");
  for (const char* look : {"outbox --all --json", "outbox --all", "case show S-1"}) {
    r = c.run(look);
    shown += r.out + r.err;
  }
  CHECK_THAT(shown, Catch::Contains("refused the login"));
  CHECK(shown.find(kPassword) == std::string::npos);
}

TEST_CASE("a server that wants a login the counter cannot give in clear (530): the notice waits") {
  SmtpSink sink;  // plain SMTP: AUTH offered only over TLS, so never here
  sink.require_login("ekey", kPassword);
  Counter c;
  c.configure_mail("  smtp_url: " + sink.url() +
                   "\n  tls: none\n  username: ekey\n"
                   "  password_env: KEYDESK_TEST_SMTP_PASSWORD\n");
  auto r = c.run(kSendAt, "", "KEYDESK_TEST_SMTP_PASSWORD=" + kPassword);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(sink.messages().empty());
  auto n = c.notice();
  // A 5xx, but to MAIL FROM, not to the enterprise's address: the counter's settings.
  CHECK(n["status"] == "pending");
  CHECK_THAT(n["last_error"].get<std::string>(),
             Catch::StartsWith("the mail server refused the counter before any recipient") &&
                 Catch::Contains("530"));
  CHECK((r.out + r.err).find(kPassword) == std::string::npos);
}
