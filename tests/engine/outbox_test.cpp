// The outbox delivered against a real SMTP server on loopback (tests/mail/smtp_sink.py): what
// arrives, decoded; the server down, a 550, a clerk's resend; the morning digest's cases.
#include <cstdlib>

#include <catch2/catch.hpp>

#include "engine/engine.h"
#include "tests/mail/smtp_sink.h"
#include "tests/support.h"

using namespace keydesk;

namespace {

const char* const kUscc = "91110105MA01ABCD5F";
const char* const kAuthorityA = "示例省商务厅";
const char* const kAuthorityB = "另一省商务厅";

// 2026-11-25 10:00 +08:00, a Wednesday.
constexpr std::int64_t kWednesday = 1795572000;

std::string lf(std::string s) {
  std::string out;
  for (char c : s)
    if (c != '\r') out += c;
  return out;
}

// A counter with the test procedure review_loop (clerk 2 WD → vendor 3 WD → production, whose
// approval sends the activation e-mail) and the pin_unlock procedure of rules/, a database and
// an engine whose mail goes to `smtp_url`.
struct Counter {
  test::TempDir dir;
  std::filesystem::path rules = dir.path() / "rules";
  CaseStore store = std::move(CaseStore::open((dir.path() / "k.db").string())).value();
  CounterConfig config;
  std::unique_ptr<Engine> engine;
  Actor clerk_a{"王芳", "authority_clerk", kAuthorityA};
  Actor clerk_b{"李娜", "authority_clerk", kAuthorityB};
  Actor vendor{"赵敏", "vendor_reviewer", ""};

  explicit Counter(const std::string& smtp_url) {
    unsetenv("KEYDESK_SMTP_URL");
    std::filesystem::create_directories(rules / "procedures");
    std::filesystem::copy(KEYDESK_RULES_DIR "/calendars", rules / "calendars",
                          std::filesystem::copy_options::recursive);
    std::filesystem::copy(KEYDESK_TEST_DATA "/procedures/review_loop.yaml", rules / "procedures/");
    std::filesystem::copy(KEYDESK_RULES_DIR "/procedures/pin_unlock.yaml", rules / "procedures/");
    config.authority = kAuthorityA;
    config.mail.smtp_url = smtp_url;
    config.mail.from = "ekey@example.gov.cn";
    config.mail.require_tls = false;
    config.digest.authorities[kAuthorityA] = {"chu-a@example.gov.cn"};
    config.digest.authorities[kAuthorityB] = {"chu-b@example.gov.cn"};
    config.digest.vendor = {"review@vendor.example"};
    config.vendor.organisation = "电子钥匙服务商示例公司";
    engine = std::make_unique<Engine>(store, rules, config);
    auto registry = test::lost_key_registry(kUscc);
    registry["enterprises"].push_back({{"uscc", "91440300MA5G2JNA4Y"},
                                       {"name", "深圳前海联创供应链有限公司"},
                                       {"kind", "domestic"}});
    registry["keys"].push_back({{"login_username", "qhlc_scm"},
                                {"uscc", "91440300MA5G2JNA4Y"},
                                {"status", "locked"},
                                {"wrong_pin_entries", 6}});
    REQUIRE(store.import(registry));
  }

  void open(const std::string& id, const Actor& clerk, const std::string& at,
            const std::string& email = "zhang@example.com") {
    nlohmann::json s = {
        {"id", id},
        {"procedure", "review_loop"},
        {"enterprise",
         {{"name", "北京示例进出口有限公司" + id}, {"uscc", kUscc}, {"kind", "domestic"}}},
        {"applicant",
         {{"login_username", "bjsl001"},
          {"email", email},
          {"authorized_user", {{"name", "张三"}, {"id_number", "110105199001010029"}}}}},
        {"reason", "电子钥匙丢失"}};
    auto submission = parse_submission(s);
    REQUIRE(submission);
    auto c = engine->open_case(*submission, clerk, at);
    INFO((c ? "" : c.error().message));
    REQUIRE(c);
  }

  void act(const std::string& id, const std::string& action, const Actor& who,
           const std::string& at) {
    ActionRequest r;
    r.action = action;
    r.actor = who;
    r.expected_version = store.get(id)->version;
    auto done = engine->act(id, r, at);
    INFO((done ? "" : done.error().message));
    REQUIRE(done);
  }

  // A case whose approval put the activation e-mail in the outbox.
  void approved(const std::string& id, const std::string& email = "zhang@example.com") {
    open(id, clerk_a, "2026-11-20T10:00:00+08:00", email);
    act(id, "pass", clerk_a, "2026-11-23T10:00:00+08:00");
    act(id, "approve", vendor, "2026-11-24T10:00:00+08:00");
  }

  OutboxItem only_notice(const std::string& id) {
    auto items = store.outbox_of(id);
    REQUIRE(items);
    REQUIRE(items->size() == 1);
    return items->front();
  }
};

}  // namespace

TEST_CASE("an unlock e-mail arrives with the key's username in its Chinese subject") {
  test::SmtpSink sink;
  Counter k(sink.url());
  nlohmann::json s = {
      {"id", "S-2026-000270"},
      {"procedure", "pin_unlock"},
      {"channel", "online"},
      {"enterprise",
       {{"name", "深圳前海联创供应链有限公司"},
        {"uscc", "91440300MA5G2JNA4Y"},
        {"kind", "domestic"}}},
      {"applicant",
       {{"login_username", "qhlc_scm"},
        {"email", "liuyang@qhlc.example.com"},
        {"authorized_user", {{"name", "刘洋"}, {"id_number", "440305199306066311"}}}}}};
  auto submission = parse_submission(s);
  REQUIRE(submission);
  REQUIRE(k.engine->open_case(*submission, Actor{"刘洋", "enterprise", kAuthorityA},
                              "2026-11-24T09:30:00+08:00"));
  k.act("S-2026-000270", "pass_review", k.vendor, "2026-11-24T14:00:00+08:00");

  auto report = k.engine->send_notices(kWednesday);
  REQUIRE(report);
  CHECK(report->configured);
  CHECK(report->count("sent") == 1);
  REQUIRE(sink.messages().size() == 1);
  const auto m = sink.messages().front();
  CHECK(m["rcpt_tos"] == nlohmann::json::array({"liuyang@qhlc.example.com"}));
  CHECK(m["mail_from"] == "ekey@example.gov.cn");
  CHECK(m["subject"] == "qhlc_scm解锁");
  CHECK(m["raw_subject"].get<std::string>().rfind("=?UTF-8?B?", 0) == 0);  // RFC 2047 on the wire
  CHECK(m["content_type"] == "text/plain");
  CHECK(m["charset"] == "utf-8");
  CHECK(lf(m["body"]) ==
        "深圳前海联创供应链有限公司：\n\n电子钥匙服务商已于2026年11月24日审核通过您的电子钥匙（登录"
        "系统用户名 qhlc_scm）PIN密码解锁申请（案件编号 S-2026-000270），请按本邮件说明进行解锁操作"
        "。\n请妥善保存PIN密码，连续错误输入6次（隔日不清零）将再次锁死。");
  CHECK(m["date"] == "Wed, 25 Nov 2026 10:00:00 +0800");
  const auto item = k.only_notice("S-2026-000270");
  CHECK(m["message_id"] == item.message_id);
  CHECK_THAT(item.message_id, Catch::StartsWith("<keydesk." + std::to_string(item.id) + ".") &&
                                  Catch::EndsWith("@example.gov.cn>"));
  CHECK(item.status == "sent");
  CHECK(item.sent_at == "2026-11-25T10:00:00+08:00");
  CHECK(item.attempts == 1);

  // Once marked sent, never sent again.
  REQUIRE(k.engine->send_notices(kWednesday + 86400));
  CHECK(sink.messages().size() == 1);
}

TEST_CASE("with the mail server down nothing is lost: the notice waits and goes out later") {
  test::SmtpSink sink;
  const int port = sink.port();
  sink.stop();
  Counter k(sink.url());
  k.approved("S-1");
  k.approved("S-2");

  auto round = k.engine->send_notices(kWednesday);
  REQUIRE(round);
  CHECK(!round->stopped.empty());   // the round stops at the first refused connection
  CHECK(round->lines.size() == 1);  // S-2's notice is not even tried
  auto first = k.only_notice("S-1");
  CHECK(first.status == "pending");
  CHECK(first.attempts == 1);
  CHECK(first.next_attempt_at == kWednesday + retry_delay(1));
  CHECK_THAT(first.last_error, Catch::Contains("connect"));
  CHECK(k.only_notice("S-2").attempts == 0);

  // The delays grow with every attempt, up to a ceiling.
  CHECK(retry_delay(1) == 60);
  CHECK(retry_delay(2) == 120);
  CHECK(retry_delay(3) == 240);
  CHECK(retry_delay(30) == 6 * 3600);

  // The server is back: S-2's notice, never tried, goes out; S-1's waits for its delay.
  sink.start(port);
  auto soon = k.engine->send_notices(kWednesday + 30);
  REQUIRE(soon);
  REQUIRE(soon->lines.size() == 1);
  CHECK(soon->lines[0].item.case_id == "S-2");
  CHECK(k.only_notice("S-1").status == "pending");
  auto later = k.engine->send_notices(kWednesday + 61);
  REQUIRE(later);
  CHECK(later->count("sent") == 1);
  REQUIRE(sink.messages().size() == 2);
  CHECK(sink.messages()[1]["message_id"] == k.only_notice("S-1").message_id);
  CHECK(k.only_notice("S-1").status == "sent");
  CHECK(k.only_notice("S-1").attempts == 2);
  CHECK(k.only_notice("S-2").status == "sent");
}

TEST_CASE("a 550 answer marks the notice failed with the server's words, and a clerk resends it") {
  test::SmtpSink sink;
  sink.mode("reject");
  Counter k(sink.url());
  k.approved("S-1", "nobody@example.com");
  auto round = k.engine->send_notices(kWednesday);
  REQUIRE(round);
  CHECK(round->count("failed") == 1);
  auto failed = k.only_notice("S-1");
  CHECK(failed.status == "failed");
  CHECK_THAT(failed.last_error,
             Catch::Contains("550 5.1.1 <nobody@example.com>: mailbox unavailable"));
  // A failed notice is not tried again by itself.
  REQUIRE(k.engine->send_notices(kWednesday + 86400)->lines.empty());

  // Visible on the case, with the reason, to the clerk who may resend it.
  auto view = k.engine->view_case("S-1", k.clerk_a);
  REQUIRE(view);
  auto j = case_view_json(*k.engine, *view, *parse_date("2026-11-25"));
  REQUIRE(j["notices"].size() == 1);
  CHECK(j["notices"][0]["status"] == "failed");
  CHECK(j["notices"][0]["can_resend"] == true);
  CHECK_THAT(j["notices"][0]["status_text"].get<std::string>(),
             Catch::StartsWith("发送失败") && Catch::Contains("nobody@example.com"));
  auto auditor = k.engine->view_case("S-1", Actor{"审计", "auditor", kAuthorityA});
  REQUIRE(auditor);
  CHECK(case_view_json(*k.engine, *auditor,
                       *parse_date("2026-11-25"))["notices"][0]["can_resend"] == false);

  // Who may not: an auditor, a clerk of another authority; what may not: a notice not failed.
  CHECK(k.engine->resend_notice("S-1", failed.id, Actor{"审计", "auditor", kAuthorityA}, kWednesday)
            .error()
            .kind == ErrorKind::forbidden);
  CHECK(!k.engine->resend_notice("S-1", failed.id, k.clerk_b, kWednesday));
  CHECK(k.engine->resend_notice("S-1", failed.id + 1, k.clerk_a, kWednesday).error().kind ==
        ErrorKind::not_found);

  sink.mode("ok");
  auto resent = k.engine->resend_notice("S-1", failed.id, k.clerk_a, kWednesday + 3600);
  REQUIRE(resent);
  CHECK(resent->status == "pending");
  CHECK(k.engine->resend_notice("S-1", failed.id, k.clerk_a, kWednesday + 3600).error().kind ==
        ErrorKind::refused);
  auto history = k.store.history("S-1");
  CHECK(history->back().action == "notice_resent");
  CHECK(history->back().user == "王芳");
  REQUIRE(k.engine->send_notices(kWednesday + 3600)->count("sent") == 1);
  REQUIRE(sink.messages().size() == 1);
  CHECK(sink.messages()[0]["message_id"] == failed.message_id);
  CHECK(k.store.verify_audit()->problems.empty());
}

TEST_CASE("a 451 answer is retried; a notice without an address fails at once") {
  test::SmtpSink sink;
  sink.mode("tempfail");
  Counter k(sink.url());
  k.approved("S-1");
  k.approved("S-2", "");
  auto round = k.engine->send_notices(kWednesday);
  REQUIRE(round);
  CHECK(round->stopped.empty());
  CHECK(k.only_notice("S-1").status == "pending");
  CHECK_THAT(k.only_notice("S-1").last_error, Catch::Contains("451"));
  CHECK(k.only_notice("S-2").status == "failed");
  CHECK_THAT(delivery_status_text(k.only_notice("S-2"), CounterHours{}),
             Catch::Contains("申请中没有填写电子邮箱"));
}

TEST_CASE("with no mail server configured nothing is tried and the notices wait") {
  Counter k("");
  k.approved("S-1");
  auto round = k.engine->send_notices(kWednesday);
  REQUIRE(round);
  CHECK(!round->configured);
  CHECK(round->waiting == 1);
  CHECK(k.only_notice("S-1").attempts == 0);
}

TEST_CASE("the morning digest lists exactly each authority's overdue and due-today cases") {
  test::SmtpSink sink;
  Counter k(sink.url());
  k.open("A-LATE", k.clerk_a, "2026-11-20T10:00:00+08:00");   // due 11-24: overdue
  k.open("A-TODAY", k.clerk_a, "2026-11-23T10:00:00+08:00");  // due 11-25: today
  k.open("A-LATER", k.clerk_a, "2026-11-24T10:00:00+08:00");  // due 11-26: not yet
  k.open("B-LATE", k.clerk_b, "2026-11-20T10:00:00+08:00");
  k.open("C-LATE", Actor{"周", "authority_clerk", "无地址省商务厅"}, "2026-11-20T10:00:00+08:00");
  k.open("V-LATE", k.clerk_a, "2026-11-18T10:00:00+08:00");
  k.act("V-LATE", "pass", k.clerk_a, "2026-11-19T10:00:00+08:00");  // at the vendor, due 11-24

  auto run = k.engine->queue_digests(*parse_date("2026-11-25"), kWednesday);
  REQUIRE(run);
  CHECK(run->working_day);
  REQUIRE(run->digests.size() == 3);
  REQUIRE(run->unaddressed.size() == 1);
  CHECK(run->unaddressed[0].whose == "无地址省商务厅");
  auto round = k.engine->send_notices(kWednesday);
  REQUIRE(round);
  CHECK(round->count("sent") == 3);
  std::map<std::string, nlohmann::json> by_recipient;
  for (const auto& m : sink.messages()) by_recipient[m["rcpt_tos"][0]] = m;
  REQUIRE(by_recipient.size() == 3);

  const auto a = by_recipient["chu-a@example.gov.cn"];
  CHECK(a["subject"] == "电子钥匙柜台每日提醒（2026年11月25日）：逾期 1 件，今日到期 1 件");
  const std::string a_body = lf(a["body"]);
  CHECK_THAT(a_body, Catch::StartsWith("示例省商务厅："));
  CHECK_THAT(a_body, Catch::Contains(
                         "一、已逾期（1 件）\n1. A-LATE  北京示例进出口有限公司A-LATE\n"
                         "   测试流程，当前环节：核验，办结期限 2026年11月24日（已逾期 1 天）"));
  CHECK_THAT(a_body, Catch::Contains("二、今日到期（1 件）\n1. A-TODAY"));
  for (const char* absent : {"A-LATER", "B-LATE", "C-LATE", "V-LATE"})
    CHECK(a_body.find(absent) == std::string::npos);

  const std::string b_body = lf(by_recipient["chu-b@example.gov.cn"]["body"]);
  CHECK_THAT(b_body, Catch::Contains("1. B-LATE"));
  CHECK(b_body.find("A-") == std::string::npos);

  const std::string v_body = lf(by_recipient["review@vendor.example"]["body"]);
  CHECK_THAT(v_body, Catch::StartsWith("电子钥匙服务商示例公司："));
  CHECK_THAT(v_body, Catch::Contains("1. V-LATE") && Catch::Contains("当前环节：复核"));
  CHECK(v_body.find("A-LATE") == std::string::npos);

  // The same day again adds nothing; a Saturday sends nothing.
  auto again = k.engine->queue_digests(*parse_date("2026-11-25"), kWednesday + 60);
  REQUIRE(again);
  for (const auto& d : again->digests) CHECK(d.queued == 0);
  auto saturday = k.engine->queue_digests(*parse_date("2026-11-28"), kWednesday + 3 * 86400);
  REQUIRE(saturday);
  CHECK(!saturday->working_day);
  CHECK(saturday->digests.empty());
}

TEST_CASE("serve's round sends the digest once on a working morning, from digest.at on") {
  test::SmtpSink sink;
  Counter k(sink.url());
  k.open("A-LATE", k.clerk_a, "2026-11-20T10:00:00+08:00");
  const std::int64_t seven = kWednesday - 3 * 3600;  // 07:00, before 08:30
  auto early = k.engine->mail_round(seven);
  CHECK(!early.digest);
  auto morning = k.engine->mail_round(kWednesday);
  REQUIRE(morning.digest);
  REQUIRE(*morning.digest);
  REQUIRE(morning.delivery);
  CHECK(morning.delivery->count("sent") == 1);
  CHECK(!k.engine->mail_round(kWednesday + 60).digest);  // once a day
  CHECK(sink.messages().size() == 1);
}
