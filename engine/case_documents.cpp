#include "engine/case_documents.h"

#include <sstream>

#include "engine/submission.h"

#include "engine/documents.h"
#include "engine/privacy.h"
#include "engine/rules.h"

namespace keydesk {

namespace {

// A case with its procedure and its submission, personal data masked.
struct CaseView {
  CaseRecord record;
  std::shared_ptr<const Procedure> procedure;
  nlohmann::json submission;  // masked
};

docs::Party party_of(const Contact& c) {
  return {c.organisation, c.person, c.phone, c.fax, c.address};
}

std::string enterprise_name(const CaseView& c) { return text_at(c.submission, "/enterprise/name"); }

// The Chinese name of a material type, from the procedure's material list.
std::string material_title(const Procedure& p, const std::string& type) {
  for (const auto& m : p.materials)
    for (const auto& t : m.types)
      if (t == type) return m.title;
  return type;
}

Result<CaseView> load_case(const DocumentContext& env, const std::string& id) {
  auto c = env.store.get(id);
  if (!c) return c.error();
  auto p = env.store.procedure_at(c->procedure, c->procedure_version);
  if (!p) return p.error();
  return CaseView{*c, *p, mask_personal_data(c->data)};
}

docs::CaseHeader header_of(const DocumentContext& env, const CaseView& c, const std::string& date) {
  return {c.record.id,        date,          party_of(env.counter.contact),
          enterprise_name(c), c.record.uscc, c.procedure->title};
}

}  // namespace

Result<docs::CoverSheet> coversheet_for(const DocumentContext& env, const std::string& batch,
                                        const std::vector<std::string>& cases) {
  if (batch.empty())
    return error_of(ErrorKind::invalid_input,
                    "传真封面须填写批次编号：请填写后再打印 (a cover sheet needs its batch id)");
  docs::CoverSheet sheet{batch,
                         format_date(env.today),
                         party_of(env.counter.contact),
                         party_of(env.counter.vendor),
                         {},
                         ""};
  if (sheet.to.organisation.empty())
    return error_of(ErrorKind::refused,
                    "柜台设置中没有服务商的名称和传真号码，无法打印传真封面：请联系管理员补充 "
                    "(the counter configuration has no vendor: add 'vendor: {organisation: …, "
                    "fax: …}' to " +
                        (env.counter.file.empty() ? "rules/counter.yaml" : env.counter.file) + ")");
  for (const auto& id : cases) {
    auto c = load_case(env, id);
    if (!c) return c.error();
    int pages = static_cast<int>(list_at(c->submission, "materials").size());
    sheet.cases.push_back({id, enterprise_name(*c), c->record.uscc, c->procedure->title, pages});
  }
  return sheet;
}

Result<docs::CourierManifest> manifest_for(const DocumentContext& env, const std::string& number,
                                           const std::string& courier,
                                           const std::vector<std::string>& cases) {
  if (number.empty() || courier.empty())
    return error_of(ErrorKind::invalid_input,
                    "快递交接单须填写交接单编号和快递公司：请填写后再打印 (a manifest needs its "
                    "number and the courier company)");
  docs::CourierManifest m{number, format_date(env.today), courier, {}, {}, {}};
  const docs::Party authority = party_of(env.counter.contact),
                    vendor = party_of(env.counter.vendor);
  for (const auto& id : cases) {
    auto c = load_case(env, id);
    if (!c) return c.error();
    auto events = env.store.history(id);
    if (!events) return events.error();
    // The newest event that recorded a waybill says what went where.
    const AuditEvent* shipped = nullptr;
    for (const auto& ev : *events)
      if (ev.data.contains("inputs") && ev.data["inputs"].contains("waybill")) shipped = &ev;
    if (!shipped)
      return error_of(ErrorKind::refused,
                      "案件 " + id +
                          " 还没有登记快递单号，不能列入快递交接单：请先在寄出时登记快递单号，"
                          "或取消勾选该案件 (case " +
                          id + " has no waybill in its history)");
    bool documents = shipped->action == "send_to_vendor";
    docs::Party sender = shipped->role == "vendor_reviewer" ? vendor : authority;
    docs::Party receiver = documents ? vendor
                           : shipped->role == "vendor_reviewer"
                               ? authority
                               : docs::Party{enterprise_name(*c), "", "", "", ""};
    if (m.items.empty()) {
      m.sender = sender;
      m.receiver = receiver;
    } else if (m.receiver.organisation != receiver.organisation) {
      return error_of(ErrorKind::refused,
                      "案件 " + id + " 寄往" + receiver.organisation + "，不是" +
                          m.receiver.organisation +
                          "：一张交接单只列寄往同一收件方的案件，请分开打印 (case " + id +
                          " goes to another receiver: one manifest per receiver)");
    }
    m.items.push_back({shipped->data["inputs"]["waybill"].get<std::string>(), id,
                       enterprise_name(*c), documents ? "documents" : "key", 1});
  }
  return m;
}

Result<docs::Receipt> receipt_for(const DocumentContext& env, const std::string& id) {
  auto c = load_case(env, id);
  if (!c) return c.error();
  const Procedure& p = *c->procedure;
  auto cal = calendar_for(p, env.rules_dir, env.counter);
  if (!cal) return cal.error();
  // Accepted on the submission's day, or the next working day after the cut-off.
  const std::string submitted = text_at(c->submission, "/submitted_at");
  auto at =
      parse_submission_time(submitted.empty() ? c->record.opened_at : submitted, env.counter.hours);
  if (!at)
    return error_of(ErrorKind::invalid_input,
                    "案件 " + id + " 的提交时间无法识别，不能打印受理回执：请联系管理员 (case " +
                        id + ": " + at.error().message + ")");
  // The acceptance date itself may wait on next year's arrangement (after the cut-off on the
  // year's last working day): said so, never guessed.
  auto accepted = cal->deadline(*at, 0, env.counter.hours);
  if (!accepted) return accepted.error();
  docs::Receipt r;
  r.header = header_of(
      env, *c,
      accepted->due ? format_date(*accepted->due)
                    : "待定（" + std::to_string(accepted->pending_year) + "年节假日安排尚未录入）");
  for (const auto& m : list_at(c->submission, "materials"))
    r.materials.push_back(material_title(p, text_at(m, "/type")));
  if (const StateRule* s = p.state(c->record.state)) {
    r.next_step = s->title;
    r.working_days = s->deadline_days;
  }
  if (c->record.due)
    r.deadline = format_date(*c->record.due);
  else if (c->record.due_pending_year)
    r.deadline = "待定：" + std::to_string(c->record.due_pending_year) +
                 "年节假日安排尚未录入，录入后即按工作日确定";
  r.query = env.counter.query;
  return r;
}

Result<docs::ReturnNotice> notice_for(const DocumentContext& env, const std::string& id) {
  auto c = load_case(env, id);
  if (!c) return c.error();
  auto events = env.store.history(id);
  if (!events) return events.error();
  const AuditEvent* failed = nullptr;
  std::optional<CheckRecord> check, latest;  // the document check the failed review followed
  for (const auto& ev : *events) {
    if (auto k = check_in(ev)) latest = std::move(k);
    if (is_failing_outcome(ev.outcome)) {
      failed = &ev;
      check = latest;
    }
  }
  if (!failed)
    return error_of(ErrorKind::refused,
                    "案件 " + id + " 没有退回记录，无需打印退回通知 (case " + id +
                        " has no failed review in its history: nothing to return)");
  const Procedure& p = *c->procedure;
  docs::ReturnNotice n;
  n.header = header_of(env, *c, failed->at.substr(0, 10));
  n.outcome = failed->outcome;
  // The 备注 exactly as it was sent, every line, one row each (a leading "1. " is the row's
  // number, shown in its own column); a line that is one of the document check's failures (sent
  // with --remark-from-check) names its material.
  std::optional<DocumentRules> documents;
  if (check && check->submission_hash == check_hash(c->record.data))
    if (auto d = load_document_rules(env.rules_dir / "documents.yaml")) documents = std::move(*d);
  std::istringstream remark(failed->remark);
  std::string line;
  while (std::getline(remark, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string number = std::to_string(n.findings.size() + 1);
    for (const char* sep : {". ", "、", ".", "．"})
      if (line.rfind(number + sep, 0) == 0) {
        line = line.substr(number.size() + std::string(sep).size());
        break;
      }
    docs::Finding row{"", "", mask_id_numbers_in(line)};
    if (documents)
      for (const auto& f : check->findings) {
        const std::string message = f.value("message", ""), material = f.value("material", "");
        if (f.value("severity", "") != "fail" || message.empty() ||
            line.find(message) == std::string::npos)
          continue;
        row.material = material == "submission" ? "" : documents->material_name(material);
        row.code = f.value("code", "");
        break;
      }
    n.findings.push_back(std::move(row));
  }
  // The seed: a failed review returns the case for a full resubmission.
  for (const auto& m : p.materials) n.resubmit.push_back(m.title);
  return n;
}

}  // namespace keydesk
