// `keydesk outbox`, `keydesk outbox send` and `keydesk digest send` as cron or an administrator
// runs them, against a real SMTP server on loopback; and a process killed between sending a
// message and marking it sent.
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
  Counter() {
    std::filesystem::create_directories(dir.path() / "rules/procedures");
    std::filesystem::copy(KEYDESK_RULES_DIR "/calendars", dir.path() / "rules/calendars",
                          std::filesystem::copy_options::recursive);
    std::filesystem::copy(KEYDESK_TEST_DATA "/procedures/review_loop.yaml",
                          dir.path() / "rules/procedures/");
    dir.write("rules/counter.yaml",
              "authority: 测试省商务厅\nmail:\n  from: ekey@example.gov.cn\n  tls: none\n"
              "digest:\n  authorities:\n    测试省商务厅: [chu@example.gov.cn]\n");
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
  keydesk::test::Run run(const std::string& args, const std::string& smtp_url = "") {
    return run_keydesk(k + args, "",
                       smtp_url.empty() ? "-u KEYDESK_SMTP_URL" : "KEYDESK_SMTP_URL=" + smtp_url);
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
