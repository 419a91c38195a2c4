#include "engine/digest.h"

#include "engine/notice_template.h"

namespace keydesk {

namespace {

std::string listed(const std::vector<DigestCase>& cases, Date day, bool late) {
  std::string out;
  int n = 0;
  for (const auto& c : cases) {
    out += std::to_string(++n) + ". " + c.id + "  " + c.enterprise + "\n   " + c.procedure_title +
           "，当前环节：" + c.state_title + "，办结期限 " + chinese_date(format_date(c.due));
    if (late) out += "（已逾期 " + std::to_string((day - c.due).days()) + " 天）";
    out += "\n";
  }
  return out;
}

}  // namespace

OutboxMessage compose_digest(const std::string& whose, const std::string& to, Date day,
                             const std::vector<DigestCase>& overdue,
                             const std::vector<DigestCase>& due_today) {
  const std::string date = chinese_date(format_date(day));
  OutboxMessage m;
  m.notice = "digest";
  m.channel = "email";
  m.to = to;
  m.subject = "电子钥匙柜台每日提醒（" + date + "）：逾期 " + std::to_string(overdue.size()) +
              " 件，今日到期 " + std::to_string(due_today.size()) + " 件";
  m.body = whose + "：\n\n截至" + date +
           "，以下案件已逾期或今日到期，请尽快办理：登录电子钥匙柜台，在案件列表中按案件编号"
           "查找。\n";
  if (!overdue.empty())
    m.body +=
        "\n一、已逾期（" + std::to_string(overdue.size()) + " 件）\n" + listed(overdue, day, true);
  if (!due_today.empty())
    m.body += std::string("\n") + (overdue.empty() ? "一" : "二") + "、今日到期（" +
              std::to_string(due_today.size()) + " 件）\n" + listed(due_today, day, false);
  m.body += "\n本邮件由电子钥匙柜台系统在每个工作日上午自动发送，请勿直接回复。\n";
  return m;
}

}  // namespace keydesk
