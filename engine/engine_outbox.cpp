// The outbox delivered: notices and digests over SMTP (mail/mail.h), with retries.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>

#include "engine/access.h"
#include "engine/digest.h"
#include "engine/engine.h"
#include "engine/intake.h"
#include "engine/internal/sha256.h"
#include "engine/submission.h"
#include "mail/mail.h"

namespace keydesk {

namespace {

constexpr std::int64_t kFirstRetrySeconds = 60;
constexpr std::int64_t kLastRetrySeconds = 6 * 3600;
// A password file is a line, not a document.
constexpr std::uintmax_t kMaxPasswordBytes = 4096;

// The Message-ID of outbox row `item`: the same for every attempt, and never the same for two
// rows (its id, and a hash of what the row was made from).
std::string message_id_of(const OutboxItem& item, const std::string& from) {
  const std::string digest = internal::sha256_hex(
      std::to_string(item.id) + "\n" + item.case_id + "\n" + std::to_string(item.event_seq) + "\n" +
      item.message.notice + "\n" + item.created_at + "\n" + item.digest_key);
  std::string domain = mail::domain_of(from);
  if (domain.empty()) domain = "keydesk.invalid";
  return "<keydesk." + std::to_string(item.id) + "." + digest.substr(0, 16) + "@" + domain + ">";
}

bool smtp_url_usable(const std::string& url) {
  const bool scheme = url.rfind("smtp://", 0) == 0 || url.rfind("smtps://", 0) == 0;
  return scheme && url.find('@') == std::string::npos &&
         url.find_first_of(" \r\n\t") == std::string::npos && url.size() < 512;
}

// The server of `settings` (its URL already known to be set), with its password read.
Result<mail::Server> server_of(const MailSettings& settings, const std::string& url) {
  if (!smtp_url_usable(url))
    return error_of(
        ErrorKind::invalid_input,
        "邮件服务器地址不是 smtp://主机:端口 或 smtps://主机:端口 的形式（用户名和密码"
        "不能写在地址里）：请改正 counter.yaml 的 mail.smtp_url 或环境变量 "
        "KEYDESK_SMTP_URL；通知仍在待发送队列中 (the SMTP URL is not smtp://host:port)");
  if (settings.from.empty())
    return error_of(ErrorKind::invalid_input,
                    "counter.yaml 的 mail 下没有发件地址：请加上 from（如 from: "
                    "ekey@example.gov.cn）；通知仍在待发送队列中 (mail.from is not set)");
  mail::Server s;
  s.url = url;
  s.require_tls = settings.require_tls && url.rfind("smtp://", 0) == 0;
  s.username = settings.username;
  // Checked again here: KEYDESK_SMTP_CA_FILE is not checked at load, and the file may have gone
  // since; without it libcurl would fail every message alike.
  if (const auto ca_file = smtp_ca_file_in_force(settings); !ca_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(ca_file, ec))
      return error_of(ErrorKind::invalid_input,
                      "找不到 CA 证书文件 " + ca_file.string() +
                          "（counter.yaml 的 mail.ca_file 或环境变量 KEYDESK_SMTP_CA_FILE）："
                          "请放回签发邮件服务器证书的 CA 证书（PEM 格式），或改正路径；"
                          "通知仍在待发送队列中 (the CA file is not a readable file)");
    s.ca_file = ca_file.string();
  }
  if (!settings.password_env.empty()) {
    const char* value = std::getenv(settings.password_env.c_str());
    if (!value || !*value)
      return error_of(ErrorKind::invalid_input,
                      "环境变量 " + settings.password_env +
                          " 没有设置，读不到邮件服务器的密码：请为运行 keydesk 的账户设置它；"
                          "通知仍在待发送队列中 (mail.password_env names an unset variable)");
    s.password = value;
  } else if (!settings.password_file.empty()) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(settings.password_file, ec);
    std::ifstream in(settings.password_file, std::ios::binary);
    if (ec || !in || size > kMaxPasswordBytes ||
        !std::filesystem::is_regular_file(settings.password_file, ec))
      return error_of(ErrorKind::io, "读不到邮件服务器的密码文件 " +
                                         settings.password_file.string() +
                                         "：请检查它是否存在、是否为运行 keydesk 的账户可读；"
                                         "通知仍在待发送队列中 (cannot read mail.password_file)");
    std::getline(in, s.password);
    while (!s.password.empty() && (s.password.back() == '\r' || s.password.back() == '\n'))
      s.password.pop_back();
  }
  return s;
}

std::string clipped(const std::string& text, std::size_t n = 500) {
  return text.size() <= n ? text : text.substr(0, n) + "…";
}

}  // namespace

std::int64_t retry_delay(int attempts) {
  std::int64_t delay = kFirstRetrySeconds;
  for (int i = 1; i < attempts && delay < kLastRetrySeconds; ++i) delay *= 2;
  return std::min(delay, kLastRetrySeconds);
}

long DeliveryReport::count(const std::string& outcome) const {
  return static_cast<long>(std::count_if(
      lines.begin(), lines.end(), [&](const DeliveryLine& l) { return l.outcome == outcome; }));
}

Result<DeliveryReport> Engine::send_notices(std::int64_t now, int limit) {
  DeliveryReport report;
  const std::string url = smtp_url_in_force(counter_.mail);
  report.configured = !url.empty();
  auto waiting = store_.outbox_pending();
  if (!waiting) return waiting.error();
  report.waiting = *waiting;
  if (!report.configured) return report;
  auto due = store_.outbox_due(now, limit);
  if (!due) return due.error();
  if (due->empty()) return report;
  auto server = server_of(counter_.mail, url);
  if (!server) return server.error();
  mail::Sender sender(*server);
  const std::string now_text = counter_time_text(now, counter_.hours);
  for (const OutboxItem& listed : *due) {
    const std::string id = message_id_of(listed, counter_.mail.from);
    auto claimed = store_.claim_outbox(listed.id, now, now + retry_delay(listed.attempts + 1), id);
    if (!claimed) return claimed.error();
    if (!*claimed) continue;  // another process has it
    const OutboxItem& item = **claimed;
    DeliveryLine line{item, "", ""};
    Status marked = std::monostate{};
    if (!mail::valid_address(item.message.to)) {
      line.outcome = "failed";
      line.detail = item.message.to.empty()
                        ? "no recipient address: the submission gives no e-mail"
                        : "not a valid recipient address: " + clipped(item.message.to, 80);
      marked = store_.mark_outbox_failed(item.id, line.detail);
    } else {
      mail::Message m;
      m.from = counter_.mail.from;
      m.from_name = counter_.mail.from_name.empty() ? counter_.authority : counter_.mail.from_name;
      m.to = {item.message.to};
      m.subject = item.message.subject;
      m.body = item.message.body;
      m.message_id = item.message_id;
      m.date = now;
      m.utc_offset_minutes = counter_.hours.utc_offset_minutes;
      const mail::Delivery d = sender.send(m);
      line.detail = clipped(d.detail);
      if (d.outcome == mail::Outcome::sent) {
        line.outcome = "sent";
        marked = store_.mark_outbox_sent(item.id, now_text);
      } else if (d.outcome == mail::Outcome::permanent) {
        line.outcome = "failed";
        marked = store_.mark_outbox_failed(item.id, line.detail);
      } else if (item.attempts >= kMaxDeliveryAttempts && !d.configuration) {
        // A fault of the counter's settings (certificate, login, STARTTLS) is never held against
        // the notice: it waits until an administrator mends them, however long that takes.
        line.outcome = "failed";
        line.detail =
            "gave up after " + std::to_string(item.attempts) + " attempts: " + line.detail;
        marked = store_.mark_outbox_failed(item.id, line.detail);
      } else {
        line.outcome = "retry";
        marked = store_.mark_outbox_retry(item.id, line.detail);
      }
      if (d.outcome == mail::Outcome::temporary && (d.connection || d.configuration)) {
        report.stopped = line.detail;
        report.stopped_by_settings = d.configuration;
      }
    }
    // Not marked (the database failed): the claim stands, and the message is sent again at
    // the claimed time with the same Message-ID.
    if (!marked) return marked.error();
    report.lines.push_back(std::move(line));
    if (!report.stopped.empty()) break;
  }
  return report;
}

Result<OutboxItem> Engine::resend_notice(const std::string& case_id, long id, const Actor& actor,
                                         std::int64_t now) {
  if (actor.role != "authority_clerk" && actor.role != "vendor_reviewer")
    return error_of(ErrorKind::forbidden,
                    "只有发证机构经办人员或服务商复核人员可以重发通知 "
                    "(only clerks and vendor staff may resend a notice)");
  auto seen = visible_case(case_id, actor);
  if (!seen) return seen.error();
  return store_.resend_outbox(case_id, id, actor, now, counter_time_text(now, counter_.hours));
}

Result<DigestRun> Engine::queue_digests(Date day, std::int64_t now) {
  DigestRun run;
  run.day = day;
  auto cal = keydesk::WorkingCalendar::load(rules_dir_ / "calendars", counter_.calendar);
  if (!cal) return cal.error();
  auto working = cal->is_working_day(day);
  if (!working) return working.error();
  run.working_day = *working;
  if (!run.working_day) return run;
  auto late = store_.overdue(day, "", 100000);
  if (!late) return late.error();
  auto due = store_.due_on(day, "", 100000);
  if (!due) return due.error();
  const auto at_vendor_list = vendor_states();
  const std::set<std::pair<std::string, std::string>> at_vendor(at_vendor_list.begin(),
                                                                at_vendor_list.end());
  const std::string vendor_key = "vendor";
  // whose -> (overdue, due today)
  std::map<std::string, std::pair<std::vector<DigestCase>, std::vector<DigestCase>>> groups;
  auto sort_in = [&](const std::vector<CaseRecord>& cases, bool overdue) {
    for (const CaseRecord& c : cases) {
      DigestCase d{c.id, text_at(c.data, "/enterprise/name"), c.procedure, c.state,
                   c.due.value_or(day)};
      if (auto p = store_.procedure_at(c.procedure, c.procedure_version); p) {
        d.procedure_title = (*p)->title;
        if (const StateRule* s = (*p)->state(c.state)) d.state_title = s->title;
      }
      const bool vendor = at_vendor.count({c.procedure, c.state}) > 0;
      auto& group = groups[vendor ? vendor_key : c.authority];
      (overdue ? group.first : group.second).push_back(std::move(d));
    }
  };
  sort_in(*late, true);
  sort_in(*due, false);
  const std::string created = counter_time_text(now, counter_.hours);
  for (const auto& [whose, cases] : groups) {
    DigestLine line;
    line.whose = whose;
    line.overdue = static_cast<long>(cases.first.size());
    line.due_today = static_cast<long>(cases.second.size());
    if (whose == vendor_key) {
      line.to = counter_.digest.vendor;
    } else if (auto it = counter_.digest.authorities.find(whose);
               it != counter_.digest.authorities.end()) {
      line.to = it->second;
    }
    if (line.to.empty()) {
      run.unaddressed.push_back(std::move(line));
      continue;
    }
    const std::string title =
        whose == vendor_key ? (counter_.vendor.organisation.empty() ? std::string("电子钥匙服务商")
                                                                    : counter_.vendor.organisation)
                            : whose;
    for (const std::string& address : line.to) {
      OutboxMessage m = compose_digest(title, address, day, cases.first, cases.second);
      auto added = store_.add_digest(m, format_date(day) + "/" + whose + "/" + address, created);
      if (!added) return added.error();
      line.queued += *added ? 1 : 0;
    }
    run.digests.push_back(std::move(line));
  }
  return run;
}

MailRound Engine::mail_round(std::int64_t now) {
  MailRound round;
  auto local = moment(counter_time_text(now, counter_.hours), counter_.hours);
  const bool has_addresses =
      !counter_.digest.vendor.empty() || !counter_.digest.authorities.empty();
  if (local && has_addresses && local->first.minutes >= counter_.digest.at_minutes &&
      digest_day_ != local->first.date) {
    round.digest = queue_digests(local->first.date, now);
    // Tried again next round only when the database was busy; any other error (a calendar
    // without the year) is logged once a day, not every minute.
    if (*round.digest || round.digest->error().kind != ErrorKind::busy)
      digest_day_ = local->first.date;
  }
  if (!smtp_url_in_force(counter_.mail).empty()) round.delivery = send_notices(now);
  return round;
}

std::string delivery_status_text(const OutboxItem& item, const CounterHours& hours) {
  // The server's own answer is shown as it said it; curl's words stay in last_error (the API).
  const std::string marker = "server answered: ";
  const auto at = item.last_error.find(marker);
  const auto says = [&item](const char* words) {
    return item.last_error.find(words) != std::string::npos;
  };
  // The counter's settings at fault (mail/smtp.cpp): the clerk is told to call the
  // administrator, not to check the enterprise's address.
  const std::string why =
      says("certificate is not trusted")
          ? "邮件服务器的证书不受信任，请系统管理员检查 counter.yaml 的 mail.ca_file"
      : says("refused the login") ? "邮件服务器拒绝登录，请系统管理员检查邮件账户的用户名和密码"
      : says("offers no STARTTLS")
          ? "邮件服务器不支持加密连接（STARTTLS），为免明文传输未发送，请联系系统管理员"
      : says("TLS could not be set up") || says("the CA file could not be used") ||
              says("refused the counter before any recipient")
          ? "柜台的邮件设置有问题，请系统管理员检查 counter.yaml 的 mail"
      : at != std::string::npos ? "邮件服务器答复：" + item.last_error.substr(at + marker.size())
      : item.last_error.rfind("gave up", 0) == 0               ? "多次发送未成功"
      : item.last_error.rfind("not a valid recipient", 0) == 0 ? "收件地址格式不正确"
      : item.last_error.empty()                                ? ""
                                                               : "未能连接邮件服务器";
  if (item.status == "sent") return "已发送（" + item.sent_at.value_or("").substr(0, 16) + "）";
  if (item.status == "failed") {
    if (item.message.to.empty()) return "发送失败：申请中没有填写电子邮箱；请向企业索取邮箱";
    return "发送失败" + (why.empty() ? std::string() : "（" + why + "）") + "：请核对企业邮箱“" +
           item.message.to + "”，无误后点“重发”";
  }
  if (item.message.channel != "email") return "待办理（非电子邮件通知，请按规定方式送达）";
  if (item.attempts == 0) return "待发送";
  return "待发送（已尝试 " + std::to_string(item.attempts) + " 次未成功" +
         (why.empty() ? std::string() : "：" + why) + "；将于 " +
         counter_time_text(item.next_attempt_at, hours).substr(0, 16) + " 自动重试）";
}

nlohmann::json outbox_item_json(const OutboxItem& item, const CounterHours& hours) {
  return {{"id", item.id},
          {"case", item.case_id},
          {"notice", item.message.notice},
          {"channel", item.message.channel},
          {"to", item.message.to},
          {"subject", item.message.subject},
          {"body", item.message.body},
          {"created_at", item.created_at},
          {"status", item.status},
          {"status_text", delivery_status_text(item, hours)},
          {"attempts", item.attempts},
          {"next_attempt_at", item.status == "pending" && item.attempts > 0
                                  ? nlohmann::json(counter_time_text(item.next_attempt_at, hours))
                                  : nlohmann::json()},
          {"sent_at", item.sent_at ? nlohmann::json(*item.sent_at) : nlohmann::json()},
          {"last_error", item.last_error},
          {"message_id", item.message_id},
          {"can_resend", item.status == "failed" && !item.case_id.empty()}};
}

}  // namespace keydesk
