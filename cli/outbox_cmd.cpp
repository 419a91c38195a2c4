#include "cli/outbox_cmd.h"

#include <ctime>
#include <iostream>
#include <memory>

#include "engine/case_store.h"
#include "engine/engine.h"

namespace keydesk::cli {

namespace {

struct Args {
  bool all = false;
  std::string at, today;
};

// `at` (ISO time; empty: now) as Unix seconds.
Result<std::int64_t> unix_time(const std::string& at, const CounterHours& hours) {
  if (at.empty()) return static_cast<std::int64_t>(std::time(nullptr));
  auto t = parse_submission_time(at, hours);
  if (!t) return Error{"--at: " + t.error().message};
  const long days = (t->date - Date(1970, 1, 1)).days();
  return static_cast<std::int64_t>(days) * 86400 + t->minutes * 60LL -
         hours.utc_offset_minutes * 60LL;
}

const char* outcome_title(const std::string& outcome) {
  if (outcome == "sent") return "已发送";
  if (outcome == "retry") return "稍后重试";
  return "发送失败";
}

// Prints a delivery round; the exit code: 0 when nothing is left undone, 1 when a message
// waits for a retry or failed.
int print_delivery(const Context& ctx, const DeliveryReport& r) {
  if (ctx.json) {
    nlohmann::json j = {{"configured", r.configured},
                        {"waiting", r.waiting},
                        {"sent", r.count("sent")},
                        {"retry", r.count("retry")},
                        {"failed", r.count("failed")},
                        {"stopped", r.stopped},
                        {"stopped_by_settings", r.stopped_by_settings},
                        {"messages", nlohmann::json::array()}};
    for (const auto& l : r.lines)
      j["messages"].push_back({{"id", l.item.id},
                               {"case", l.item.case_id},
                               {"to", l.item.message.to},
                               {"subject", l.item.message.subject},
                               {"message_id", l.item.message_id},
                               {"attempts", l.item.attempts},
                               {"outcome", l.outcome},
                               {"detail", l.detail}});
    print_json(j);
  } else if (!r.configured) {
    std::cout << "未配置邮件服务器：" << r.waiting
              << " 条通知在待发送队列中等待，一条也没有发出。请在 counter.yaml 的 mail 下写明 "
                 "smtp_url 和 from（或设置环境变量 KEYDESK_SMTP_URL），之后再发送\n";
  } else {
    for (const auto& l : r.lines) {
      std::cout << outcome_title(l.outcome) << "  #" << l.item.id << "  "
                << (l.item.case_id.empty() ? "每日提醒" : l.item.case_id) << "  "
                << l.item.message.to << "  「" << l.item.message.subject << "」";
      if (l.outcome != "sent") std::cout << "  (" << l.detail << ")";
      std::cout << '\n';
    }
    if (r.stopped_by_settings)
      std::cout << "柜台的邮件设置有问题，通知一条也没有丢失，都留在队列中，改正后会自动发送；"
                   "请按括号中的说明检查 counter.yaml 的 mail（CA 证书 ca_file、用户名和密码、"
                   "tls）("
                << r.stopped << ")\n";
    else if (!r.stopped.empty())
      std::cout << "邮件服务器暂时连接不上，其余通知留在队列中，稍后会自动重试；请检查邮件服务器"
                   "和网络 ("
                << r.stopped << ")\n";
    std::cout << "已发送 " << r.count("sent") << " 条，稍后重试 " << r.count("retry")
              << " 条，发送失败 " << r.count("failed") << " 条\n";
  }
  if (!r.configured) return kOk;
  return r.count("retry") || r.count("failed") || !r.stopped.empty() ? kProblems : kOk;
}

}  // namespace

void add_outbox_commands(CLI::App& app, Context& ctx, int& exit_code) {
  auto args = std::make_shared<Args>();
  auto env = [&ctx] { return open_engine(ctx); };
  auto fail = [&ctx, &exit_code](const Error& e) {
    print_error(ctx, e);
    exit_code = exit_code_of(e.kind);
  };

  // --- outbox: the list ---
  auto* outbox = app.add_subcommand(
      "outbox", "notices (activation, unlock e-mails) and digests, with their delivery status");
  outbox->add_flag("--all", args->all, "include the messages already sent");
  auto* send = outbox->add_subcommand(
      "send", "send every e-mail that is due through the counter's mail server, then exit");
  send->add_option("--at", args->at, "take this as the time now (ISO time; default: now)");
  outbox->callback([=, &ctx, &exit_code] {
    if (outbox->got_subcommand(send)) return;
    auto e = env();
    if (!e) return fail(e.error());
    auto items = (*e)->store->outbox(!args->all);
    if (!items) return fail(items.error());
    const CounterHours& hours = (*e)->counter.hours;
    std::map<std::string, int> counts;
    for (const auto& i : *items) {
      ++counts[i.status];
      if (ctx.json) {
        print_json(outbox_item_json(i, hours));
        continue;
      }
      std::cout << "#" << i.id << "  " << (i.case_id.empty() ? "每日提醒" : i.case_id) << "  "
                << i.message.to << "  「" << i.message.subject << "」  "
                << delivery_status_text(i, hours) << '\n';
    }
    if (!ctx.json)
      std::cout << "待发送 " << counts["pending"] << " 条，发送失败 " << counts["failed"] << " 条"
                << (args->all ? "，已发送 " + std::to_string(counts["sent"]) + " 条" : "")
                << (smtp_url_in_force((*e)->counter.mail).empty()
                        ? "；未配置邮件服务器，通知在队列中等待（见 counter.yaml 的 mail）"
                        : "")
                << '\n';
    exit_code = kOk;
  });
  send->callback([=, &ctx, &exit_code] {
    auto e = env();
    if (!e) return fail(e.error());
    auto now = unix_time(args->at, (*e)->counter.hours);
    if (!now) return fail(now.error());
    auto report = (*e)->engine->send_notices(*now);
    if (!report) return fail(report.error());
    exit_code = print_delivery(ctx, *report);
  });

  // --- digest send ---
  auto* digest = app.add_subcommand("digest", "the morning digest of overdue and due-today cases");
  digest->require_subcommand(1);
  auto* dsend = digest->add_subcommand(
      "send", "queue the day's digest for each authority and the vendor, and send what is due");
  dsend->add_option("--today", args->today, "the day (YYYY-MM-DD; default: today)");
  dsend->add_option("--at", args->at, "take this as the time now (ISO time; default: now)");
  dsend->callback([=, &ctx, &exit_code] {
    auto e = env();
    if (!e) return fail(e.error());
    auto day = today_option(args->today);
    if (!day) return fail(day.error());
    auto now = unix_time(args->at, (*e)->counter.hours);
    if (!now) return fail(now.error());
    auto run = (*e)->engine->queue_digests(*day, *now);
    if (!run) return fail(run.error());
    auto title = [&](const std::string& whose) {
      return whose == "vendor" ? std::string("服务商") : whose;
    };
    if (!ctx.json) {
      if (!run->working_day)
        std::cout << format_date(*day) << " 按柜台日历是休息日，不发送每日提醒\n";
      else if (run->digests.empty() && run->unaddressed.empty())
        std::cout << format_date(*day) << " 没有逾期或今日到期的案件，不发送每日提醒\n";
      for (const auto& d : run->digests) {
        std::string to;
        for (const auto& a : d.to) to += (to.empty() ? "" : ", ") + a;
        std::cout << "每日提醒  " << title(d.whose) << "  逾期 " << d.overdue << " 件，今日到期 "
                  << d.due_today << " 件 → " << to
                  << (d.queued ? "" : "（今日的提醒此前已加入队列，不重复）") << '\n';
      }
      for (const auto& d : run->unaddressed)
        std::cout << "未发送  " << title(d.whose) << " 有逾期 " << d.overdue << " 件、今日到期 "
                  << d.due_today << " 件，但 counter.yaml 的 digest 中没有它的收件地址：请在 "
                  << (d.whose == "vendor" ? std::string("digest.vendor")
                                          : "digest.authorities 下为“" + d.whose + "”")
                  << " 写明地址\n";
    } else {
      nlohmann::json j = {{"day", format_date(*day)},
                          {"working_day", run->working_day},
                          {"digests", nlohmann::json::array()},
                          {"unaddressed", nlohmann::json::array()}};
      for (const auto& d : run->digests)
        j["digests"].push_back({{"whose", d.whose},
                                {"to", d.to},
                                {"overdue", d.overdue},
                                {"due_today", d.due_today},
                                {"queued", d.queued}});
      for (const auto& d : run->unaddressed)
        j["unaddressed"].push_back(
            {{"whose", d.whose}, {"overdue", d.overdue}, {"due_today", d.due_today}});
      print_json(j);
    }
    auto report = (*e)->engine->send_notices(*now);
    if (!report) return fail(report.error());
    exit_code = print_delivery(ctx, *report);
    if (!run->unaddressed.empty()) exit_code = kProblems;
  });
}

}  // namespace keydesk::cli
