// Reading procedure rule files and checking what they mean (lint).
#include "engine/procedure.h"

#include <algorithm>
#include <deque>
#include <set>

#include "engine/internal/schemas.h"
#include "engine/internal/sha256.h"
#include "engine/internal/yaml_document.h"
#include "engine/notice_template.h"

namespace keydesk {

using internal::pointer_child;
using internal::YamlDocument;

namespace {

// The facts a guard may read (docs/guards.md); anything else is a typo.
const std::set<std::string> kFactRoots = {"case",       "enterprise", "applicant", "key",
                                          "submission", "today",      "input"};

// Builds a Procedure from a schema-valid document, reporting every semantic problem.
class ProcedureReader {
 public:
  ProcedureReader(const YamlDocument& doc, Diagnostics& problems) : doc_(doc), out_(problems) {}

  Procedure read() {
    const auto& j = doc_.json();
    Procedure p;
    p.id = j["id"];
    p.title = j["title"];
    p.seed = j.value("seed", "");
    p.channel = j.value("channel", "");
    p.calendar = j.value("calendar", "");
    read_start(p, j["start"]);
    for (const auto& role : doc_.keys_in_order("/roles"))
      p.roles.emplace_back(role, j["roles"][role]);
    read_materials(p, j);
    read_requirements(p, j);
    for (const auto& sid : doc_.keys_in_order("/states")) read_state(p, sid, j["states"][sid]);
    for (std::size_t i = 0; i < j["actions"].size(); ++i) read_action(p, i, j["actions"][i]);
    if (j.contains("notices"))
      for (const auto& nid : doc_.keys_in_order("/notices")) {
        const auto& n = j["notices"][nid];
        p.notices.push_back({nid, n["channel"], n["to"], n["subject"], n.value("body", "")});
      }
    check(p);
    check_notice_texts(p);
    return p;
  }

 private:
  std::optional<Guard> guard(const std::string& pointer, const std::string& text) {
    auto g = Guard::parse(text);
    if (!g) {
      const auto& ds = g.error().diagnostics;
      int column = ds.empty() ? 1 : ds.front().column;
      std::string message = ds.empty() ? g.error().message : ds.front().message;
      out_.push_back(doc_.at_column(pointer, column,
                                    internal::field_name(pointer) + " 条件写法有误：" + message));
      return std::nullopt;
    }
    for (const auto& path : g->paths()) {
      std::string root = path.substr(0, path.find('.'));
      if (!kFactRoots.count(root)) {
        std::string known;
        for (const auto& r : kFactRoots) known += (known.empty() ? "" : "、") + r;
        out_.push_back(doc_.at(pointer, internal::field_name(pointer) + " 条件读取的“" + path +
                                            "”不存在：“" + root +
                                            "”不是可用的事实；请改为以下之一开头：" + known +
                                            "（见 docs/guards.md）"));
      }
    }
    return *g;
  }

  void read_materials(Procedure& p, const nlohmann::json& j) {
    if (!j.contains("materials")) return;
    std::set<std::string> ids;
    for (std::size_t i = 0; i < j["materials"].size(); ++i) {
      const auto& m = j["materials"][i];
      std::string mp = pointer_child("/materials", i);
      MaterialRule r;
      r.id = m["id"];
      r.title = m["title"];
      r.types = m["types"].get<std::vector<std::string>>();
      if (m.contains("copies"))
        r.copies = doc_.integer(mp + "/copies", 1, kMaxCopies, out_).value_or(r.copies);
      r.upload = m.value("upload", false);
      if (m.contains("required_when"))
        r.required_when = guard(mp + "/required_when", m["required_when"]);
      if (m.contains("checks")) {
        const auto& c = m["checks"];
        r.seal = c.value("seal", false);
        r.signature = c.value("signature", "");
        if (c.contains("max_kb"))
          r.max_kb = doc_.integer(mp + "/checks/max_kb", 1, kMaxUploadKb, out_).value_or(0);
        r.fields = c.value("fields", std::vector<std::string>{});
        r.tick = c.value("tick", std::vector<std::string>{});
        if (r.max_kb && !r.upload)
          out_.push_back(doc_.at(mp + "/checks/max_kb", "max_kb 只限制在线上传的扫描件：请给材料“" +
                                                            r.id +
                                                            "”加上 upload: true，或删除 max_kb"));
      }
      if (!ids.insert(r.id).second)
        out_.push_back(
            doc_.at(mp + "/id", "材料“" + r.id + "”列了两次：请删除其中一个，或改用不同的 id"));
      p.materials.push_back(std::move(r));
    }
  }

  void read_requirements(Procedure& p, const nlohmann::json& j) {
    if (!j.contains("requirements")) return;
    for (std::size_t i = 0; i < j["requirements"].size(); ++i) {
      const auto& r = j["requirements"][i];
      std::string rp = pointer_child("/requirements", i);
      auto require = guard(rp + "/require", r["require"]);
      std::optional<Guard> when;
      if (r.contains("when")) when = guard(rp + "/when", r["when"]);
      if (require)
        p.requirements.push_back(
            {r["id"], r.value("title", ""), when, *require, r["finding"], r["remark"]});
    }
  }

  void read_state(Procedure& p, const std::string& id, const nlohmann::json& s) {
    StateRule st;
    st.id = id;
    st.title = s["title"];
    st.actor = s.value("actor", "");
    if (s.contains("deadline")) {
      if (s["deadline"].is_object())
        st.carry_from = s["deadline"]["carry_from"];
      else
        st.deadline_days =
            doc_.integer(state_pointer(id) + "/deadline", 1, kMaxDeadlineDays, out_).value_or(0);
    }
    st.waits_on_enterprise = s.value("waits_on_enterprise", false);
    st.final = s.value("final", false);
    p.states.push_back(std::move(st));
  }

  void read_action(Procedure& p, std::size_t index, const nlohmann::json& a) {
    std::string ap = pointer_child("/actions", index);
    ActionRule r;
    r.id = a["id"];
    r.title = a["title"];
    r.outcome = a.value("outcome", "");
    r.from = a["from"].get<std::vector<std::string>>();
    r.to = a["to"];
    r.roles = a["roles"].get<std::vector<std::string>>();
    if (a.contains("guard")) r.guard = guard(ap + "/guard", a["guard"]);
    r.remark_required = a.value("remark", "") == "required";
    r.resubmission = a.value("resubmission", false);
    r.requires_check = a.value("requires_check", false);
    if (a.contains("inputs"))
      for (const auto& name : doc_.keys_in_order(ap + "/inputs"))
        r.inputs.push_back(read_input(ap + "/inputs", name, a["inputs"][name]));
    r.effects = consequences(ap + "/effects", a, "effects", "effect");
    r.notify = consequences(ap + "/notify", a, "notify", "notice");
    p.actions.push_back(std::move(r));
  }

  // `key` of action `a`: a list of names or {<name_key>: name, when: guard}.
  std::vector<Consequence> consequences(const std::string& pointer, const nlohmann::json& a,
                                        const char* key, const char* name_key) {
    std::vector<Consequence> out;
    if (!a.contains(key)) return out;
    const auto& list = a[key];
    for (std::size_t k = 0; k < list.size(); ++k) {
      if (list[k].is_string()) {
        out.push_back({list[k].get<std::string>()});
        continue;
      }
      Consequence c{list[k][name_key].get<std::string>()};
      c.when = guard(pointer_child(pointer, k) + "/when", list[k]["when"]);
      out.push_back(std::move(c));
    }
    return out;
  }

  // `start:` a state id, or [{state, when}, …, {state}] tried in order.
  void read_start(Procedure& p, const nlohmann::json& start) {
    if (start.is_string()) {
      p.start = start;
      p.starts.push_back({p.start});
      return;
    }
    for (std::size_t k = 0; k < start.size(); ++k) {
      StartRule r{start[k]["state"].get<std::string>()};
      std::string sp = pointer_child("/start", k);
      if (start[k].contains("when")) r.when = guard(sp + "/when", start[k]["when"]);
      const bool last = k + 1 == start.size();
      if (last && start[k].contains("when"))
        out_.push_back(doc_.at(sp + "/when",
                               "start 的最后一项是默认的起始状态，不能有条件：请删除这一项的 when，"
                               "或在其后加上一项不带 when 的 { state: … }"));
      if (!last && !start[k].contains("when"))
        out_.push_back(doc_.at(sp,
                               "start 中只有最后一项可以不写 when（其后的各项永远用不上）："
                               "请给这一项加上 when 条件，或把它移到最后"));
      p.starts.push_back(std::move(r));
    }
    p.start = p.starts.empty() ? std::string() : p.starts.back().state;
  }

  // One input of an action; `inputs` is the pointer of the mapping that declares it.
  InputRule read_input(const std::string& inputs, const std::string& name,
                       const nlohmann::json& in) {
    std::string ip = pointer_child(inputs, name);
    InputRule ir;
    ir.name = name;
    ir.title = in.value("title", "");
    ir.hint = in.value("hint", "");
    ir.required = in.value("required", false);
    if (in.contains("required_when"))
      ir.required_when = guard(ip + "/required_when", in["required_when"]);
    if (ir.title.empty())
      out_.push_back(doc_.at_key(inputs, name,
                                 "输入项“" + name +
                                     "”缺少中文名称：请加上 title（如 title: 运单号）；办理人员在"
                                     "表单和提示中看到的是它"));
    if (!in.contains("one_of")) return ir;
    const auto& one_of = in["one_of"];
    for (std::size_t k = 0; k < one_of.size(); ++k) {
      std::string cp = pointer_child(ip + "/one_of", k);
      InputChoice c;
      if (one_of[k].is_string()) {
        c.value = c.title = one_of[k];
        out_.push_back(doc_.at(cp, "选项“" + c.value + "”缺少中文名称：请写成 { value: " + c.value +
                                       ", title: 中文名称 }"));
      } else {
        c.value = one_of[k]["value"];
        c.title = one_of[k]["title"];
      }
      // A value or title must name one choice only: either may be typed.
      for (std::size_t e = 0; e < ir.choices.size(); ++e) {
        const InputChoice& earlier = ir.choices[e];
        for (const std::string* text : {&c.value, &c.title})
          if (*text == earlier.value || *text == earlier.title) {
            out_.push_back(
                doc_.at(cp, "选项“" + *text + "”与第 " + std::to_string(e + 1) +
                                " 项重复：每个选项的 value 和 title 都须与其他选项不同"));
            break;
          }
      }
      ir.one_of.push_back(c.value);
      ir.choices.push_back(std::move(c));
    }
    return ir;
  }

  std::string state_pointer(const std::string& id) const { return pointer_child("/states", id); }

  void check(const Procedure& p) {
    auto known_states = [&] {
      std::string s;
      for (const auto& st : p.states) s += (s.empty() ? "" : "、") + st.id;
      return s;
    }();
    auto known_roles = [&] {
      std::string s;
      for (const auto& [id, _] : p.roles) s += (s.empty() ? "" : "、") + id;
      return s;
    }();
    auto unknown_state = [&](const std::string& id) {
      return "未知的状态“" + id + "”：请改为已定义的状态之一（" + known_states +
             "），或在 states 下定义它";
    };
    auto unknown_role = [&](const std::string& id) {
      return "未知的角色“" + id + "”：请改为已定义的角色之一（" + known_roles +
             "），或在 roles 下定义它";
    };
    for (std::size_t k = 0; k < p.starts.size(); ++k)
      if (!p.state(p.starts[k].state))
        out_.push_back(doc_.at(p.starts.size() == 1 && doc_.json()["start"].is_string()
                                   ? std::string("/start")
                                   : pointer_child("/start", k) + "/state",
                               unknown_state(p.starts[k].state)));

    bool any_deadline = false;
    for (const auto& st : p.states) {
      std::string sp = state_pointer(st.id);
      if (!st.actor.empty() && !p.has_role(st.actor))
        out_.push_back(doc_.at(sp + "/actor", unknown_role(st.actor)));
      if (st.deadline_days > 0 || !st.carry_from.empty()) any_deadline = true;
      if (!st.carry_from.empty()) {
        const StateRule* from = p.state(st.carry_from);
        if (!from)
          out_.push_back(doc_.at(sp + "/deadline/carry_from", unknown_state(st.carry_from)));
        else if (from->deadline_days == 0)
          out_.push_back(doc_.at(sp + "/deadline/carry_from",
                                 "状态“" + st.carry_from +
                                     "”本身没有期限，无可沿用：请改为有 deadline 的状态，或给“" +
                                     st.carry_from + "”加上 deadline"));
      }
      if (st.final && (st.deadline_days > 0 || st.waits_on_enterprise))
        out_.push_back(doc_.at(sp, "终结状态“" + st.id +
                                       "”不能有期限，也不能等待企业：请删除 deadline 和 "
                                       "waits_on_enterprise，或去掉 final: true"));
    }
    if (any_deadline && p.calendar.empty())
      out_.push_back(doc_.at("",
                             "有状态设了期限，但流程没有指定日历：请加上 calendar: counter"
                             "（用柜台的日历），或写某个日历的 id"));

    std::set<std::string> action_ids;
    for (std::size_t i = 0; i < p.actions.size(); ++i) {
      const auto& a = p.actions[i];
      std::string ap = pointer_child("/actions", i);
      if (!action_ids.insert(a.id).second)
        out_.push_back(
            doc_.at(ap + "/id", "操作“" + a.id + "”定义了两次：请删除其中一个，或改用不同的 id"));
      for (std::size_t k = 0; k < a.from.size(); ++k) {
        const StateRule* from = p.state(a.from[k]);
        if (!from)
          out_.push_back(doc_.at(pointer_child(ap + "/from", k), unknown_state(a.from[k])));
        else if (from->final)
          out_.push_back(doc_.at(pointer_child(ap + "/from", k),
                                 "状态“" + a.from[k] +
                                     "”是终结状态，案件到此已办结，不能再有操作：请从 from "
                                     "中删除它"));
      }
      if (!p.state(a.to)) out_.push_back(doc_.at(ap + "/to", unknown_state(a.to)));
      if (a.roles.empty())
        out_.push_back(doc_.at(ap + "/roles", "操作“" + a.id +
                                                  "”没有指定角色，谁都不能办理：请在 roles "
                                                  "中至少写一个角色（" +
                                                  known_roles + "）"));
      for (std::size_t k = 0; k < a.roles.size(); ++k)
        if (!p.has_role(a.roles[k]))
          out_.push_back(doc_.at(pointer_child(ap + "/roles", k), unknown_role(a.roles[k])));
      if (is_failing_outcome(a.outcome) && !a.remark_required)
        out_.push_back(doc_.at(ap, "操作“" + a.id + "”的结论是“" + a.outcome +
                                       "”，未通过时必须写明备注：请加上 remark: required"));
      for (std::size_t k = 0; k < a.notify.size(); ++k)
        if (!p.notice(a.notify[k].name)) {
          std::string known;
          for (const auto& n : p.notices) known += (known.empty() ? "" : "、") + n.id;
          const bool conditional = doc_.json()["actions"][i]["notify"][k].is_object();
          out_.push_back(doc_.at(
              pointer_child(ap + "/notify", k) + (conditional ? "/notice" : ""),
              "未知的通知“" + a.notify[k].name + "”：请在 notices 下定义它" +
                  (known.empty() ? std::string() : "，或改为已定义的通知之一（" + known + "）")));
        }
    }

    // Reachability from the start state, and dead ends.
    std::set<std::string> reached;
    std::deque<std::string> todo;
    for (const StartRule& r : p.starts)
      if (p.state(r.state) && reached.insert(r.state).second) todo.push_back(r.state);
    while (!todo.empty()) {
      std::string s = todo.front();
      todo.pop_front();
      for (const auto& a : p.actions)
        if (std::find(a.from.begin(), a.from.end(), s) != a.from.end() && p.state(a.to) &&
            reached.insert(a.to).second)
          todo.push_back(a.to);
    }
    for (const auto& st : p.states) {
      if (!reached.count(st.id) && p.state(p.start))
        out_.push_back(doc_.at_key("/states", st.id,
                                   "状态“" + st.id + "”无法到达：从起始状态“" + p.start +
                                       "”出发，没有操作通向它；请添加通向它的操作，或删除它"));
      bool leaves = std::any_of(p.actions.begin(), p.actions.end(), [&](const ActionRule& a) {
        return std::find(a.from.begin(), a.from.end(), st.id) != a.from.end();
      });
      if (!st.final && !leaves)
        out_.push_back(doc_.at_key("/states", st.id,
                                   "状态“" + st.id +
                                       "”是死路：没有操作从它出发，案件会停在这里；请添加从它出发"
                                       "的操作，或标为 final: true"));
    }
    if (std::none_of(p.states.begin(), p.states.end(), [](const StateRule& s) { return s.final; }))
      out_.push_back(doc_.at("/states",
                             "没有终结状态，案件永远无法办结：请给办结、撤回等状态加上 "
                             "final: true"));
  }

  // Each notice's subject and body names only placeholders notice_template.h knows.
  void check_notice_texts(const Procedure& p) {
    for (const auto& n : p.notices)
      for (const char* field : {"subject", "body"}) {
        const std::string pointer = pointer_child(pointer_child("/notices", n.id), field);
        for (const auto& problem : template_problems(field[0] == 's' ? n.subject : n.body))
          out_.push_back(doc_.at_text(pointer, problem.text,
                                      "通知“" + n.id + "”的 " + field + "：" + problem.message));
      }
  }

  const YamlDocument& doc_;
  Diagnostics& out_;
};

}  // namespace

const StateRule* Procedure::state(const std::string& sid) const {
  for (const auto& s : states)
    if (s.id == sid) return &s;
  return nullptr;
}

const ActionRule* Procedure::action(const std::string& aid) const {
  for (const auto& a : actions)
    if (a.id == aid) return &a;
  return nullptr;
}

const NoticeRule* Procedure::notice(const std::string& nid) const {
  for (const auto& n : notices)
    if (n.id == nid) return &n;
  return nullptr;
}

bool Procedure::has_role(const std::string& rid) const {
  return std::any_of(roles.begin(), roles.end(), [&](const auto& r) { return r.first == rid; });
}

std::string Procedure::role_title(const std::string& rid) const {
  for (const auto& role : roles)
    if (role.first == rid) return role.second;
  return rid;
}

const InputChoice* InputRule::choice(const std::string& text) const {
  for (const auto& c : choices)
    if (c.value == text) return &c;
  for (const auto& c : choices)
    if (c.title == text) return &c;
  return nullptr;
}

std::string InputRule::choice_titles() const {
  std::string out;
  for (const auto& c : choices) out += (out.empty() ? "" : "、") + c.title;
  return out;
}

bool is_failing_outcome(const std::string& outcome) {
  return outcome == "核验未通过" || outcome == "复核未通过" || outcome == "复验未通过" ||
         outcome == "审核未通过";
}

Result<Procedure> parse_procedure(const std::string& text, const std::string& file) {
  Diagnostics problems;
  auto doc = YamlDocument::parse(text, file, problems);
  if (doc) {
    auto schema_problems = doc->validate(internal::procedure_schema());
    problems.insert(problems.end(), schema_problems.begin(), schema_problems.end());
  }
  if (!problems.empty()) return Error{problems_message(file, problems.size()), problems};
  Procedure p = ProcedureReader(*doc, problems).read();
  std::string stem = std::filesystem::path(file).stem().string();
  if (p.id != stem) problems.push_back(doc->at("/id", internal::id_mismatch(p.id, file)));
  if (!problems.empty()) return Error{problems_message(file, problems.size()), problems};
  p.file = file;
  p.source = text;
  p.version = internal::sha256_hex(text);
  return p;
}

Result<Procedure> load_procedure(const std::filesystem::path& path) {
  Diagnostics problems;  // cannot be opened, or too large
  auto text = YamlDocument::read(path, problems);
  if (!text) return Error{problems_message(path.string(), problems.size()), problems};
  return parse_procedure(*text, path.string());
}

std::map<std::string, Procedure> load_procedures(const std::filesystem::path& dir,
                                                 Diagnostics& problems) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    problems.push_back({dir.string(), 0, 0, "不是可读的文件夹：请检查规则目录"});
  std::map<std::string, Procedure> out;
  for (const auto& f : internal::yaml_files(dir, false)) {
    auto p = load_procedure(f);
    if (!p) {
      if (p.error().diagnostics.empty()) problems.push_back({f.string(), 0, 0, p.error().message});
      problems.insert(problems.end(), p.error().diagnostics.begin(), p.error().diagnostics.end());
      continue;
    }
    out.emplace(p->id, std::move(p).value());
  }
  return out;
}

}  // namespace keydesk
