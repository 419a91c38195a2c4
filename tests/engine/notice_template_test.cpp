// Notice texts with placeholders (engine/notice_template.h), their lint at file:line:column, and
// the counter's mail: and digest: blocks.
#include "engine/notice_template.h"

#include <catch2/catch.hpp>

#include "engine/counter.h"
#include "engine/procedure.h"
#include "mail/mail.h"
#include "tests/support.h"

using namespace keydesk;

namespace {

const char* const kProcedure = R"(id: t
title: 测试
roles:
  clerk: 经办人
start: review
states:
  review: { title: 核验, actor: clerk }
  done: { title: 办结, final: true }
actions:
  - { id: pass, title: 通过, from: [review], to: done, roles: [clerk], notify: [mail] }
notices:
  mail:
    channel: email
    to: applicant.email
    subject: "{key.login_username}解锁"
    body: |-
      {enterprise.name}：
      您的申请已于{today}办结。
)";

std::string lint(const std::string& text) {
  auto p = parse_procedure(text, "/rules/procedures/t.yaml");
  if (p) return "ok";
  std::string out;
  for (const auto& d : p.error().diagnostics)
    out += std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message + "\n";
  return out;
}

std::string with(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

Result<CounterConfig> counter(const test::TempDir& dir, const std::string& text) {
  return load_counter_config(dir.write("rules/counter.yaml", text));
}

std::string problems(const Result<CounterConfig>& c) {
  if (c) return "ok";
  std::string out;
  for (const auto& d : c.error().diagnostics)
    out += std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message + "\n";
  return out;
}

}  // namespace

TEST_CASE(
    "placeholders are filled from the case's facts; a key not yet issued is the one applied for") {
  nlohmann::json facts = {{"enterprise", {{"name", "深圳前海联创供应链有限公司"}}},
                          {"applicant", {{"login_username", "qhlc_new"}}},
                          {"key", nullptr},
                          {"case", {{"id", "S-1"}, {"due", "2026-12-04"}}},
                          {"today", "2026-11-24"}};
  CHECK(render_notice_text("{key.login_username}解锁", facts, true) == "qhlc_new解锁");
  facts["key"] = {{"login_username", "qhlc_scm"}};
  CHECK(render_notice_text("{key.login_username}解锁", facts, true) == "qhlc_scm解锁");
  CHECK(render_notice_text("{enterprise.name}，请于{case.due}前领取（{{案件 {case.id}}}）", facts,
                           false) ==
        "深圳前海联创供应链有限公司，请于2026年12月4日前领取（{案件 S-1}）");
  // A value cannot break a header: line breaks in a subject become spaces.
  facts["enterprise"]["name"] = "A\r\nBcc: x@y";
  CHECK(render_notice_text("{enterprise.name}", facts, true) == "A  Bcc: x@y");
  CHECK(render_notice_text("{enterprise.uscc}", facts, false).empty());
}

TEST_CASE("the bundled notices use only known placeholders and the unlock subject names the key") {
  CHECK(lint(kProcedure) == "ok");
  auto p = load_procedure(KEYDESK_RULES_DIR "/procedures/pin_unlock.yaml");
  REQUIRE(p);
  CHECK(p->notice("unlock_email")->subject == "{key.login_username}解锁");
}

TEST_CASE("an unknown placeholder is reported at its line and column, in Chinese") {
  auto text = with(kProcedure, "您的申请已于{today}办结", "您的申请已于{todya}办结");
  std::string out = lint(text);
  CHECK_THAT(out, Catch::StartsWith("18:13: 通知“mail”的 body：未知的占位符“{todya}”：可用的有 "
                                    "{enterprise.name}（企业名称）"));
  CHECK(test::chinese_first(out.substr(out.find(": ") + 2)));
  out = lint(with(kProcedure, "\"{key.login_username}解锁\"", "\"{key.username}解锁\""));
  CHECK_THAT(out, Catch::StartsWith("15:15: 通知“mail”的 subject：未知的占位符“{key.username}”"));
  out = lint(with(kProcedure, "\"{key.login_username}解锁\"", "\"{key.login_username解锁\""));
  CHECK_THAT(out, Catch::Contains("没有对应的“}”"));
  // No ID numbers by e-mail: they are not placeholders.
  out = lint(with(kProcedure, "{today}", "{applicant.authorized_user.id_number}"));
  CHECK_THAT(out, Catch::Contains("未知的占位符“{applicant.authorized_user.id_number}”"));
}

TEST_CASE(
    "the subject goes out as RFC 2047 words and the message carries its Date and Message-ID") {
  CHECK(mail::encode_header_text("plain ascii") == "plain ascii");
  const std::string long_subject(40, 'x');
  std::string words =
      mail::encode_header_text("调用商务部统一用户管理平台激活企业账户" + long_subject);
  CHECK(words.rfind("=?UTF-8?B?", 0) == 0);
  CHECK(words.find("\r\n =?UTF-8?B?") != std::string::npos);  // folded: each word <= 75
  for (std::size_t start = 0, end; start < words.size(); start = end + 3) {
    end = words.find("\r\n ", start);
    if (end == std::string::npos) end = words.size();
    CHECK(end - start <= 75);
  }
  CHECK(mail::rfc5322_date(1795572000, 480) == "Wed, 25 Nov 2026 10:00:00 +0800");
  CHECK(mail::base64("中") == "5Lit");
  CHECK(!mail::valid_address("a@b.c\r\nRCPT TO:<x@y>"));
  CHECK(!mail::valid_address("张三 <a@b.c>"));
  CHECK(mail::valid_address("liuyang@qhlc.example.com"));
}

TEST_CASE("the mail: and digest: blocks are read, and their mistakes named at line and column") {
  test::TempDir dir;
  auto ok = counter(dir, R"(authority: 示例省商务厅
mail:
  smtp_url: smtp://mail.example.gov.cn:587
  from: ekey@example.gov.cn
  username: ekey
  password_env: KEYDESK_SMTP_PASSWORD
digest:
  at: "09:00"
  authorities:
    示例省商务厅: [chu@example.gov.cn, ke@example.gov.cn]
  vendor: [review@vendor.example]
)");
  REQUIRE(problems(ok) == "ok");
  CHECK(ok->mail.smtp_url == "smtp://mail.example.gov.cn:587");
  CHECK(ok->mail.require_tls);
  CHECK(ok->mail.password_env == "KEYDESK_SMTP_PASSWORD");
  CHECK(ok->digest.at_minutes == 9 * 60);
  CHECK(ok->digest.authorities.at("示例省商务厅").size() == 2);

  // A password file inside the rules folder, a bad address, a user without a password source.
  dir.write("rules/secret", "hunter2\n");
  auto bad = counter(dir, R"(mail:
  smtp_url: smtp://mail.example.gov.cn:587
  from: ekey@example.gov.cn
  username: ekey
  password_file: secret
digest:
  vendor: [review at vendor]
)");
  std::string out = problems(bad);
  CHECK_THAT(out, Catch::Contains("5:18: 密码文件不能放在规则目录"));
  CHECK_THAT(out, Catch::Contains("7:12: “review at vendor”不是有效的电子邮件地址"));
  CHECK(out.find("hunter2") == std::string::npos);

  out = problems(
      counter(dir, "mail:\n  smtp_url: smtp://u:pw@mail.example.gov.cn\n  from: a@b.cn\n"));
  CHECK_THAT(out, Catch::Contains("2:13:"));
  CHECK_THAT(out, Catch::Contains("不要把用户名、密码写在地址里"));
  out = problems(counter(dir, "mail:\n  smtp_url: smtp://mail.example.gov.cn\n  username: x\n"));
  CHECK_THAT(out, Catch::Contains("有邮件服务器却没有发件地址"));
  CHECK_THAT(out, Catch::Contains("3:13: 有用户名却没有说明密码从哪里读取"));
  out = problems(counter(
      dir, "mail:\n  smtp_url: smtps://mail.example.gov.cn\n  from: a@b.cn\n  tls: none\n"));
  CHECK_THAT(out, Catch::Contains("4:8: smtps:// 的连接本身就是加密的"));
}

TEST_CASE(
    "mail.ca_file is read against counter.yaml's folder, and a missing one named at its line") {
  test::TempDir dir;
  dir.write("rules/ca/internal-ca.pem", "-----BEGIN CERTIFICATE-----\n");
  auto ok = counter(dir,
                    "mail:\n  smtp_url: smtps://mail.example.gov.cn\n  from: a@b.cn\n"
                    "  ca_file: ca/internal-ca.pem\n");
  REQUIRE(problems(ok) == "ok");
  CHECK(ok->mail.ca_file == dir.path() / "rules/ca/internal-ca.pem");

  std::string out = problems(counter(
      dir,
      "mail:\n  smtp_url: smtps://mail.example.gov.cn\n  from: a@b.cn\n  ca_file: nope.pem\n"));
  CHECK_THAT(out, Catch::Contains("4:12: 找不到 CA 证书文件 " +
                                  (dir.path() / "rules/nope.pem").string()) &&
                      Catch::Contains("相对路径从 counter.yaml 所在的文件夹算起"));
  out = problems(counter(
      dir, "mail:\n  smtp_url: smtps://mail.example.gov.cn\n  from: a@b.cn\n  ca_file: ca\n"));
  CHECK_THAT(out, Catch::Contains("4:12: CA 证书文件") && Catch::Contains("不是普通文件"));
  out = problems(counter(dir, "mail:\n  from: a@b.cn\n  ca_file: \"\"\n"));
  CHECK_THAT(out, Catch::Contains("3:12:"));  // the schema: not empty
}

TEST_CASE("KEYDESK_SMTP_CA_FILE overrides the configured CA file") {
  MailSettings m;
  m.ca_file = "/etc/keydesk/internal-ca.pem";
  unsetenv("KEYDESK_SMTP_CA_FILE");
  CHECK(smtp_ca_file_in_force(m) == "/etc/keydesk/internal-ca.pem");
  setenv("KEYDESK_SMTP_CA_FILE", "/tmp/ca.pem", 1);
  CHECK(smtp_ca_file_in_force(m) == "/tmp/ca.pem");
  unsetenv("KEYDESK_SMTP_CA_FILE");
  CHECK(smtp_ca_file_in_force(MailSettings{}).empty());
}

TEST_CASE("KEYDESK_SMTP_URL overrides the configured server") {
  MailSettings m;
  m.smtp_url = "smtp://mail.example.gov.cn:587";
  unsetenv("KEYDESK_SMTP_URL");
  CHECK(smtp_url_in_force(m) == "smtp://mail.example.gov.cn:587");
  setenv("KEYDESK_SMTP_URL", "smtp://127.0.0.1:2525", 1);
  CHECK(smtp_url_in_force(m) == "smtp://127.0.0.1:2525");
  unsetenv("KEYDESK_SMTP_URL");
}
