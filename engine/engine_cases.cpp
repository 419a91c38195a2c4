// The Engine's read side (engine.h): a case as a viewer sees it, the queue, and the typed action
// request a client sends.
#include <algorithm>
#include <set>
#include <utility>

#include "common/utf8.h"
#include "engine/access.h"
#include "engine/batch_report.h"
#include "engine/case_json.h"
#include "engine/engine.h"
#include "engine/internal/json_writer.h"
#include "engine/privacy.h"
#include "engine/submission.h"

namespace keydesk {

namespace {

// The case's procedure version, or null when it cannot be read (the listing goes on).
std::shared_ptr<const Procedure> procedure_of(CaseStore& store, const CaseRecord& c) {
  auto p = store.procedure_at(c.procedure, c.procedure_version);
  return p ? std::move(p).value() : nullptr;
}

}  // namespace

Result<LoadedCase> Engine::visible_case(const std::string& id, const Actor& viewer) {
  auto c = store_.get(id);
  if (!c) return c.error();
  auto p = store_.procedure_at(c->procedure, c->procedure_version);
  if (!p) return p.error();
  if (auto why = cannot_see(viewer, *c, **p)) return error_of(ErrorKind::forbidden, *why);
  return LoadedCase{std::move(c).value(), std::move(p).value()};
}

Result<CaseView> Engine::view_case(const std::string& id, const Actor& viewer) {
  auto loaded = visible_case(id, viewer);
  if (!loaded) return loaded.error();
  CaseView v;
  v.loaded = std::move(loaded).value();
  const CaseRecord& c = v.loaded.record;
  v.full_id = sees_full_id(viewer, c, *v.loaded.procedure);
  v.submission = v.full_id ? c.data : mask_personal_data(c.data);
  auto events = store_.history(c.id);
  if (!events) return events.error();
  CheckStanding standing = check_standing(*events, c.data);
  v.check = std::move(standing.check);
  v.unchecked_resubmission = standing.unchecked_resubmission;
  if (!c.closed && viewer.role != "auditor")
    v.actions = Workflow::actions_for(*v.loaded.procedure, c.state, viewer.role);
  v.history = std::move(events).value();
  for (AuditEvent& e : v.history) e.remark = mask_id_numbers_in(e.remark);
  auto notices = store_.outbox_of(c.id);
  if (!notices) return notices.error();
  v.notices = std::move(notices).value();
  v.may_resend = viewer.role == "authority_clerk" || viewer.role == "vendor_reviewer";
  return v;
}

namespace {

// Whether a case in `state` is at the vendor, or to be sent there: one action away by an action
// that decides nothing (no outcome: sending it, as 传真或快递至服务商), not by a review that passes
// it. What a fax cover sheet or a courier manifest to the vendor lists.
bool bound_for_vendor(const Procedure& p, const std::string& state) {
  auto at_vendor = [&](const std::string& id) {
    const StateRule* s = p.state(id);
    return s && !s->final && s->actor == "vendor_reviewer";
  };
  if (at_vendor(state)) return true;
  return std::any_of(p.actions.begin(), p.actions.end(), [&](const ActionRule& a) {
    return a.outcome.empty() && std::find(a.from.begin(), a.from.end(), state) != a.from.end() &&
           at_vendor(a.to);
  });
}

}  // namespace

void Engine::write_case_summary(internal::JsonWriter& out, const LoadedCase& loaded, Date day) {
  const CaseRecord& c = loaded.record;
  out.begin_object();
  write_case_members(out, c, loaded.procedure.get());
  out.member("for_vendor",
             loaded.procedure && !c.closed && bound_for_vendor(*loaded.procedure, c.state));
  if (c.due && !c.closed && !c.clock_stopped) {
    out.member("overdue", *c.due < day).member("due_today", *c.due == day);
    if (loaded.procedure)
      if (auto cal = calendar_for(*loaded.procedure); cal)
        if (auto left = (*cal)->working_days_between(day, *c.due); left) {
          out.member("days_left", static_cast<std::int64_t>(*left));
          // 超期 N 个工作日: the working days since the due date (0: overdue since a rest day).
          if (*c.due < day) out.member("overdue_working_days", static_cast<std::int64_t>(-*left));
        }
  }
  out.end_object();
}

nlohmann::json Engine::case_summary(const LoadedCase& loaded, Date day) {
  internal::JsonWriter out;
  write_case_summary(out, loaded, day);
  return nlohmann::json::parse(out.text());
}

namespace {

struct TabRule {
  const char* id;
  const char* title;
};
constexpr TabRule kTabs[] = {{"mine", "我的待办"},   {"enterprise", "等待企业"},
                             {"vendor", "在服务商"}, {"open", "全部在办"},
                             {"closed", "已办结"},   {"handled", "已处理"}};

// Who a case in `s` waits on: the enterprise, or the role that acts next.
std::string holder(const StateRule& s) {
  return s.waits_on_enterprise ? std::string("enterprise") : s.actor;
}

// Whether an open case in (procedure, state) belongs to `tab` for a viewer of `role`.
// `procedures` are those in force; a state no longer in its procedure is only under "open".
bool in_tab(const std::string& tab, const std::string& role, const StateRule* s) {
  if (tab == "open") return true;
  if (!s) return false;
  const std::string h = holder(*s);
  if (tab == "mine") return h == role;
  if (tab == "enterprise") return h == "enterprise";
  if (tab == "vendor") return h == "vendor_reviewer";
  return false;
}

// The tabs a role has: the vendor's staff see the cases at the vendor (their 待办) and those
// they handled that have left them since, shipped or returned (已处理, open and closed);
// an auditor acts nowhere, so has no 我的待办.
std::vector<std::string> tabs_of(const std::string& role) {
  if (role == "vendor_reviewer") return {"mine", "handled"};
  if (role == "auditor") return {"open", "enterprise", "vendor", "closed"};
  return {"mine", "enterprise", "vendor", "open", "closed"};
}

}  // namespace

Result<Queue> Engine::queue(const Actor& viewer, QueueRequest request, Date day) {
  CaseFilter& filter = request.filter;
  // The filters reach the database as text: bytes that are not UTF-8 (a client's, a terminal's
  // in another encoding) are refused, named, before any query (PostgreSQL failed on them).
  for (const auto& [value, what] : {std::pair{&filter.search, "查询内容"},
                                    {&filter.procedure, "办理事项"},
                                    {&filter.state, "状态"},
                                    {&filter.uscc, "统一社会信用代码"},
                                    {&filter.authority, "发证机构"}})
    if (!decode_utf8(*value))
      return error_of(ErrorKind::invalid_input,
                      std::string(what) +
                          "含有无法识别的字符（不是 UTF-8 编码的文字），请重新输入后再查询 (a "
                          "filter is not UTF-8)");
  auto authority = listing_authority(viewer);
  if (!authority) return authority.error();
  if (!authority->empty()) filter.authority = *authority;  // else as asked: every authority
  auto all = procedures();
  if (!all) return all.error();
  const StateRule* none = nullptr;
  auto state_of = [&](const std::string& procedure, const std::string& state) {
    auto p = (*all)->find(procedure);
    return p == (*all)->end() ? none : p->second.state(state);
  };
  // What the viewer may list at all: the vendor's staff, the cases at the vendor.
  std::set<std::pair<std::string, std::string>> visible;
  const bool vendor = viewer.role == "vendor_reviewer";
  if (vendor)
    for (auto& pair : vendor_states()) visible.insert(pair);
  const std::vector<std::string> tabs = tabs_of(viewer.role);
  if (request.tab.empty() && request.first_tab) request.tab = tabs.front();
  if (!request.tab.empty() && std::find(tabs.begin(), tabs.end(), request.tab) == tabs.end())
    return error_of(ErrorKind::invalid_input,
                    "tab：没有这个列表，请从页面上方的列表中选择 (no tab " + request.tab +
                        " for role " + viewer.role + ")");

  // Every tab counted under the filter in one pass over (procedure, state) counts.
  CaseFilter counting = filter;
  counting.include_closed = true;
  counting.closed_only = false;
  auto tally = store_.tally(counting);
  if (!tally) return tally.error();
  Queue q;
  q.today = day;
  q.tab = request.tab;
  auto member = [&](const std::string& tab, const CaseTally& t) {
    const bool at_vendor = visible.count({t.procedure, t.state}) && !t.closed;
    if (tab == "handled") return t.vendor_handled && !at_vendor;
    if (vendor && !at_vendor) return false;
    if (tab.empty()) return filter.include_closed || !t.closed;
    if (tab == "closed") return t.closed;
    return !t.closed && in_tab(tab, viewer.role, state_of(t.procedure, t.state));
  };
  std::set<int> years;
  for (const std::string& id : tabs) {
    QueueTab tab{id, "", 0};
    for (const TabRule& r : kTabs)
      if (id == r.id) tab.title = r.title;
    for (const CaseTally& t : *tally)
      if (member(id, t)) tab.count += t.count;
    q.tabs.push_back(tab);
  }
  for (const CaseTally& t : *tally)
    if (member(request.tab, t)) {
      q.total += t.count;
      if (t.pending_year && !t.closed) {
        q.deadline_pending += t.count;
        years.insert(t.pending_year);
      }
    }
  q.pending_years.assign(years.begin(), years.end());

  // The tab as the pairs it lists (the store reads the page in order from its indexes).
  if (request.tab == "closed") {
    filter.closed_only = true;
  } else if (request.tab == "handled") {
    filter.vendor_handled = true;
    filter.include_closed = true;
    filter.pairs_excluded = true;
    filter.procedure_states.assign(visible.begin(), visible.end());
  } else if (!request.tab.empty() && request.tab != "open") {
    filter.restricted = true;
    for (const auto& [id, p] : **all)
      for (const StateRule& s : p.states)
        if (!s.final && in_tab(request.tab, viewer.role, &s) &&
            (!vendor || visible.count({id, s.id})))
          filter.procedure_states.emplace_back(id, s.id);
  } else if (vendor) {
    filter.restricted = true;
    filter.procedure_states.assign(visible.begin(), visible.end());
  }
  // Unless asked otherwise: the soonest deadline first; waiting on the enterprise (no deadline
  // runs), the longest waiting first; closed, the most recently closed first.
  filter.order = request.order.value_or(request.tab == "closed" || request.tab == "enterprise" ||
                                                request.tab == "handled"
                                            ? CaseOrder::updated
                                            : CaseOrder::due);
  filter.descending =
      request.order ? request.descending : request.tab == "closed" || request.tab == "handled";
  q.per_page = std::clamp(request.per_page, 1, 1000);  // a page asks at most kMaxPerPage
  const long pages = std::max(1L, (q.total + q.per_page - 1) / q.per_page);
  q.page = static_cast<int>(std::clamp<long>(request.page, 1, pages));
  filter.limit = q.per_page;
  filter.offset = static_cast<long>(q.page - 1) * q.per_page;
  auto rows = store_.list(filter);
  if (!rows) return rows.error();
  for (CaseRecord& c : *rows) {
    auto p = procedure_of(store_, c);
    q.cases.push_back({std::move(c), std::move(p)});
  }
  return q;
}

Result<QueueRequest> parse_queue_request(const std::map<std::string, std::string>& params) {
  QueueRequest r;
  auto param = [&](const char* name) {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  };
  auto number = [&](const char* name, const char* what, long max, int& out) -> Status {
    const std::string v = param(name);
    if (v.empty()) return std::monostate{};
    if (v.size() > 7 || v.find_first_not_of("0123456789") != std::string::npos ||
        std::stol(v) < 1 || std::stol(v) > max)
      return error_of(ErrorKind::invalid_input,
                      std::string(name) + "：" + what + "应为 1 到 " + std::to_string(max) +
                          " 之间的整数，请返回列表重新打开 (" + name + ": a number from 1 to " +
                          std::to_string(max) + ")");
    out = static_cast<int>(std::stol(v));
    return std::monostate{};
  };
  if (auto st = number("page", "页码", 1000000, r.page); !st) return st.error();
  if (auto st = number("per_page", "每页件数", kMaxPerPage, r.per_page); !st) return st.error();
  r.tab = param("tab");
  if (!r.tab.empty() && std::none_of(std::begin(kTabs), std::end(kTabs),
                                     [&](const TabRule& t) { return r.tab == t.id; }))
    return error_of(ErrorKind::invalid_input,
                    "tab：没有这个列表，请从页面上方的列表中选择 (tab: mine, enterprise, "
                    "vendor, open, closed or handled)");
  static const std::pair<const char*, CaseOrder> kOrders[] = {{"due", CaseOrder::due},
                                                              {"opened", CaseOrder::opened},
                                                              {"updated", CaseOrder::updated},
                                                              {"id", CaseOrder::id},
                                                              {"enterprise", CaseOrder::enterprise},
                                                              {"procedure", CaseOrder::procedure},
                                                              {"state", CaseOrder::state}};
  if (const std::string sort = param("sort"); !sort.empty()) {
    for (const auto& [name, order] : kOrders)
      if (sort == name) r.order = order;
    if (!r.order)
      return error_of(ErrorKind::invalid_input,
                      "sort：不能按这一列排序，请点击列表的列标题排序 (sort: due, opened, "
                      "updated, id, enterprise, procedure or state)");
  }
  if (const std::string order = param("order"); order == "desc")
    r.descending = true;
  else if (!order.empty() && order != "asc")
    return error_of(ErrorKind::invalid_input,
                    "order：排序方向应为升序或降序，请点击列标题切换 (order: asc or desc)");
  auto text = [&](const char* name, const char* what, size_t max, std::string& out) -> Status {
    out = param(name);
    if (out.size() > max)
      return error_of(ErrorKind::invalid_input, std::string(name) + "：" + what + "太长，最多 " +
                                                    std::to_string(max) +
                                                    " 个字节，请缩短后再查询 (" + name +
                                                    ": at most " + std::to_string(max) + " bytes)");
    return std::monostate{};
  };
  if (auto st = text("q", "查询内容", 200, r.filter.search); !st) return st.error();
  if (auto st = text("procedure", "办理事项", 100, r.filter.procedure); !st) return st.error();
  if (auto st = text("state", "状态", 100, r.filter.state); !st) return st.error();
  if (auto st = text("uscc", "统一社会信用代码", 18, r.filter.uscc); !st) return st.error();
  r.filter.summary = true;
  r.first_tab = true;
  return r;
}

namespace {

const char* effect_label(const std::string& effect) {
  if (effect == "issue_key" || effect == "add_key") return "电子钥匙登记为企业所有";
  if (effect == "reissue_key") return "补办的电子钥匙登记启用";
  if (effect == "renew_key") return "证书有效期已更新";
  if (effect == "unlock_key") return "电子钥匙已解锁";
  if (effect == "revoke_key") return "数字证书已注销";
  if (effect == "mark_key_lost") return "电子钥匙登记为丢失";
  if (effect == "add_18_digit_code") return "18位代码已写入证书";
  if (effect == "record_filing_change") return "备案变更已登记";
  return "登记库已变更";
}

// An audit event as a clerk reads it: titles for the action, states and role, and every detail
// recorded with it ({label, value}), as the procedure the case is on names them.
nlohmann::json readable_event(const AuditEvent& e, const Procedure* p) {
  nlohmann::json j = audit_event_json(e);
  const ActionRule* a = p ? p->action(e.action) : nullptr;
  auto state_title = [&](const std::string& id) {
    const StateRule* s = p ? p->state(id) : nullptr;
    return s ? s->title : id;
  };
  j["action_title"] = a                                    ? a->title
                      : e.action == "open"                 ? std::string("受理")
                      : e.action == "document_check"       ? std::string("文书核验")
                      : e.action == "deadline_reprojected" ? std::string("办结期限重新计算")
                      : e.action == "notice_resent"        ? std::string("重发通知")
                                                           : e.action;
  j["from_title"] = e.from.empty() ? "" : state_title(e.from);
  j["to_title"] = state_title(e.to);
  j["role_title"] = p && p->has_role(e.role) ? p->role_title(e.role)
                    : e.role == "auditor"    ? std::string("审计")
                                             : e.role;
  nlohmann::json details = nlohmann::json::array();
  auto add = [&](const std::string& label, const std::string& value) {
    if (!value.empty()) details.push_back({{"label", label}, {"value", value}});
  };
  const nlohmann::json& d = e.data;
  if (e.action == "document_check") {
    j["outcome"] = verdict_label(e.outcome);
    add("批次", text_at(d, "/batch"));
  }
  if (d.is_object() && d.contains("inputs") && d["inputs"].is_object())
    for (const auto& [name, value] : d["inputs"].items()) {
      const InputRule* rule = nullptr;
      if (a)
        for (const InputRule& in : a->inputs)
          if (in.name == name) rule = &in;
      std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
      if (rule)
        if (const InputChoice* c = rule->choice(shown)) shown = c->title;
      add(rule ? rule->title : name, shown);
    }
  if (d.is_object() && d.value("resubmitted", false)) add("材料", "企业重新提交了全部材料");
  if (d.is_object() && d.contains("check") && d["check"].is_object()) {
    const std::string verdict = text_at(d, "/check/verdict");
    add("文书核验", verdict == "none"        ? "无"
                    : verdict == "unchecked" ? "新提交的材料尚未核验"
                                             : verdict_label(verdict));
    add("不采纳核验结论的理由", text_at(d, "/check/override"));
  }
  if (d.is_object() && d.contains("effects") && d["effects"].is_array())
    for (const auto& effect : d["effects"])
      if (effect.is_string()) add("登记库", effect_label(effect.get<std::string>()));
  if (e.action == "deadline_reprojected") {
    add("原办结期限", text_at(d, "/old_due"));
    add("新办结期限", text_at(d, "/due"));
  } else {
    add("办结期限", text_at(d, "/due"));
  }
  j["details"] = std::move(details);
  return j;
}

}  // namespace

Result<nlohmann::json> Engine::conditions(const LoadedCase& loaded, Date day) {
  const CaseRecord& c = loaded.record;
  nlohmann::json out = nlohmann::json::array();
  if (!loaded.procedure) return out;
  auto facts = case_facts(store_, c.data, c.id, c.state, day);
  if (!facts) return facts.error();
  for (const Requirement& r : loaded.procedure->requirements) {
    nlohmann::json row = {{"id", r.id},
                          {"title", r.title.empty() ? r.id : r.title},
                          {"applies", true},
                          {"holds", nullptr},
                          {"remark", r.remark}};
    if (r.when) {
      auto applies = r.when->evaluate(*facts);
      row["applies"] = applies && *applies;
    }
    if (row["applies"] == true) {
      auto holds = r.require.evaluate(*facts);
      row["holds"] = holds ? nlohmann::json(*holds) : nlohmann::json();
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::string queue_json(Engine& engine, const Queue& q) {
  internal::JsonWriter out;
  out.reserve(1024 + q.cases.size() * 800);  // a case is about 700 bytes
  out.begin_object().member("today", format_date(q.today)).key("procedures").begin_array();
  // The filters' choices with their titles: the procedures in force and their states.
  if (auto all = engine.procedures(); all)
    for (const auto& [id, p] : **all) {
      out.begin_object().member("id", id).member("title", p.title).key("states").begin_array();
      for (const StateRule& st : p.states)
        out.begin_object().member("id", st.id).member("title", st.title).end_object();
      out.end_array().end_object();
    }
  out.end_array().member("tab", q.tab).key("tabs").begin_array();
  for (const QueueTab& t : q.tabs)
    out.begin_object()
        .member("id", t.id)
        .member("title", t.title)
        .member("count", static_cast<std::int64_t>(t.count))
        .end_object();
  out.end_array()
      .member("total", static_cast<std::int64_t>(q.total))
      .member("page", q.page)
      .member("per_page", q.per_page)
      .member("pages",
              static_cast<std::int64_t>(std::max(1L, (q.total + q.per_page - 1) / q.per_page)))
      .key("cases")
      .begin_array();
  for (const LoadedCase& c : q.cases) engine.write_case_summary(out, c, q.today);
  out.end_array()
      .key("deadline_pending")
      .begin_object()
      .member("count", static_cast<std::int64_t>(q.deadline_pending))
      .member("years", nlohmann::json(q.pending_years))
      .end_object()
      .end_object();
  return out.take();
}

nlohmann::json case_view_json(Engine& engine, const CaseView& v, Date day) {
  nlohmann::json j = engine.case_summary(v.loaded, day);
  auto conditions = engine.conditions(v.loaded, day);
  j["conditions"] = conditions ? *conditions : nlohmann::json::array();
  j["submission"] = v.submission;
  j["unchecked_resubmission"] = v.unchecked_resubmission;
  const bool blocked = (v.check && v.check->blocks()) || v.unchecked_resubmission;
  if (v.check) {
    const CheckRecord& k = *v.check;
    j["check"] = {{"batch", k.batch},           {"verdict", k.verdict},
                  {"current", k.current},       {"at", k.at},
                  {"findings", k.findings},     {"blocks", k.blocks()},
                  {"remark", k.remarks("fail")}};
    // Whether each material's normalised page may be shown: never an ID scan to those who see
    // ID numbers masked. Where it is kept is the server's to know, not the client's.
    nlohmann::json materials = nlohmann::json::array();
    for (nlohmann::json m : k.materials) {
      m["preview"] = m.contains("preview") && m["preview"].is_string() &&
                     (v.full_id || !shows_id_number(text_at(m, "/material")));
      materials.push_back(std::move(m));
    }
    j["check"]["materials"] = materials;
  } else {
    j["check"] = nullptr;
  }
  // What can be printed for it: the receipt always; the return notice once it was returned.
  j["documents"] = nlohmann::json::array({{{"kind", "receipt"}, {"title", "受理回执"}}});
  if (std::any_of(v.history.begin(), v.history.end(),
                  [](const AuditEvent& e) { return is_failing_outcome(e.outcome); }))
    j["documents"].push_back({{"kind", "notice"}, {"title", "退回通知"}});
  // The materials by their Chinese titles (the 补正材料 form names each by its title).
  j["material_titles"] = nlohmann::json::object();
  if (v.loaded.procedure)
    for (const MaterialRule& m : v.loaded.procedure->materials)
      for (const std::string& type : m.types)
        if (!j["material_titles"].contains(type)) j["material_titles"][type] = m.title;
  j["actions"] = nlohmann::json::array();
  for (const ActionRule* r : v.actions) {
    nlohmann::json a = action_json(*r);
    a["blocked_by_check"] = r->requires_check && blocked;
    // Ends the case for good (its next state is final): the page asks to confirm. One that needs
    // a reason to end it (a withdrawal, not the procedure's success) is drawn as a danger.
    const StateRule* to = v.loaded.procedure ? v.loaded.procedure->state(r->to) : nullptr;
    a["closes"] = to && to->final;
    a["ends_unfinished"] = to && to->final && r->remark_required && !is_failing_outcome(r->outcome);
    j["actions"].push_back(std::move(a));
  }
  j["history"] = nlohmann::json::array();
  for (const AuditEvent& e : v.history)
    j["history"].push_back(readable_event(e, v.loaded.procedure.get()));
  j["notices"] = nlohmann::json::array();
  for (const OutboxItem& n : v.notices) {
    nlohmann::json item = outbox_item_json(n, engine.counter().hours);
    item["can_resend"] = item["can_resend"].get<bool>() && v.may_resend;
    j["notices"].push_back(std::move(item));
  }
  return j;
}

Result<ActionRequest> parse_action_request(const nlohmann::json& body) {
  auto invalid = [](std::string message) {
    return error_of(ErrorKind::invalid_input, std::move(message));
  };
  if (!body.is_object())
    return invalid(
        "请求内容应为 JSON 对象：{\"action\": …, \"version\": N, \"remark\": …} "
        "(send a JSON object)");
  if (body.contains("action") && !body["action"].is_string())
    return invalid("action：应为操作名称（文字），实为" + json_type_zh(body["action"]) +
                   " (action: expected text)");
  if (!body.contains("action") || body["action"].get<std::string>().empty())
    return invalid("action：请说明要办理的操作 (say which action to take)");
  if (body["action"].get<std::string>().size() > 64)
    return invalid("action：操作名称过长 (too long)");
  if (!body.contains("version") || !body["version"].is_number_integer())
    return invalid("version：应为您所看到的案件版本号（数字），实为" +
                   (body.contains("version") ? json_type_zh(body["version"]) : std::string("空")) +
                   " (version: the case version you saw, a number)");
  for (const char* field : {"remark", "override_check"})
    if (body.contains(field) && !body[field].is_string())
      return invalid(std::string(field) + "：应为文字，实为" + json_type_zh(body[field]) + " (" +
                     field + ": expected text)");
  for (const char* field : {"remark", "override_check"})
    if (body.contains(field) && body[field].get<std::string>().size() > 20000)
      return invalid(std::string(field) + "：内容过长，请精简后再提交 (" + field + ": too long)");
  if (body.contains("inputs") && !body["inputs"].is_object())
    return invalid("inputs：应为“名称: 内容”的对象，实为" + json_type_zh(body["inputs"]) +
                   " (inputs: an object of NAME: VALUE, e.g. {\"waybill\": \"SF123\"})");
  ActionRequest request;
  request.action = body["action"].get<std::string>();
  request.remark = body.value("remark", "");
  request.check_override = body.value("override_check", "");
  request.expected_version = body["version"].get<long>();
  if (body.contains("inputs")) {
    if (body["inputs"].size() > 32) return invalid("inputs：项目过多 (too many inputs)");
    for (const auto& [k, value] : body["inputs"].items()) {
      const std::string name = k.substr(0, 40);
      // Inputs are what a clerk types: text (a number is taken as its digits), nothing deeper.
      if (!value.is_string() && !value.is_number() && !value.is_null())
        return invalid("inputs." + name + "：应为文字，实为" + json_type_zh(value) + " (inputs." +
                       name + ": expected text)");
      if (k.size() > 64 || (value.is_string() && value.get<std::string>().size() > 1000))
        return invalid("inputs：名称或内容过长 (an input's name or value is too long)");
      request.inputs[k] = value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  return request;
}

}  // namespace keydesk
