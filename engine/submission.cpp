#include "engine/submission.h"

#include <initializer_list>
#include <optional>

namespace keydesk {

namespace {

const char* const kMaterialTypes[] = {
    "application_form", "esign_confirmation", "trade_filing_form", "fie_approval_certificate",
    "business_licence", "id_card_copy",       "power_of_attorney", "ekey"};
constexpr std::size_t kMaxMaterials = 32;

bool id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Reads one JSON object against a fixed set of keys, collecting the first error.
class Reader {
 public:
  Reader(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {}

  // The object itself, and no key but `keys`.
  bool object(std::initializer_list<const char*> keys) {
    if (!j_.is_object())
      return fail(path_.empty() ? "submission" : path_, "应为对象", "an object", j_);
    for (const auto& [key, _] : j_.items()) {
      bool known = false;
      for (const char* k : keys) known = known || key == k;
      if (!known) {
        std::string shown = key.size() > 40 ? key.substr(0, 40) + "…" : key;
        return set_error(field(shown) + "：不认识的字段，请删除或改正拼写 (" + field(shown) +
                         ": unknown field; allowed: " +
                         [&] {
                           std::string list;
                           for (const char* k : keys)
                             list += (list.empty() ? "" : ", ") + std::string(k);
                           return list;
                         }() +
                         ")");
      }
    }
    return true;
  }

  bool has(const char* key) const { return j_.is_object() && j_.contains(key); }

  // A text field of at most `max` bytes; `required`: it must be there and not empty.
  bool text(const char* key, std::string& out, std::size_t max, bool required) {
    if (!has(key)) {
      if (!required) return true;
      return set_error(field(key) + "：缺少此项，请填写 (" + field(key) + ": missing)");
    }
    const nlohmann::json& v = j_[key];
    if (!v.is_string()) return fail(field(key), "应为文字", "text", v);
    out = v.get<std::string>();
    if (out.size() > max)
      return set_error(field(key) + "：过长（最多" + std::to_string(max) + "字节），请改短 (" +
                       field(key) + ": longer than " + std::to_string(max) + " bytes)");
    if (required && out.empty())
      return set_error(field(key) + "：不能为空，请填写 (" + field(key) + ": empty)");
    return true;
  }

  // A true/false field (absent: left as it is).
  bool flag(const char* key, bool& out) {
    if (!has(key)) return true;
    const nlohmann::json& v = j_[key];
    if (!v.is_boolean()) return fail(field(key), "应为 true 或 false", "true or false", v);
    out = v.get<bool>();
    return true;
  }

  // A text field that must be one of `allowed` (given as "value（中文）") when present.
  bool one_of(const char* key, std::string& out,
              std::initializer_list<std::pair<const char*, const char*>> allowed) {
    if (!text(key, out, 32, false) || out.empty()) return !error_;
    std::string zh, en;
    for (const auto& [value, title] : allowed) {
      if (out == value) return true;
      zh += (zh.empty() ? "" : "或 ") + std::string(value) + "（" + title + "）";
      en += (en.empty() ? "" : " or ") + std::string(value);
    }
    return set_error(field(key) + "：应为 " + zh + " (" + field(key) + ": " + en + ")");
  }

  const nlohmann::json& at(const char* key) const { return j_[key]; }
  std::string field(const std::string& key) const {
    return path_.empty() ? key : path_ + "." + key;
  }

  bool fail(const std::string& name, const char* expected_zh, const char* expected,
            const nlohmann::json& found) {
    return set_error(name + "：" + expected_zh + "，实为" + json_type_zh(found) + " (" + name +
                     ": expected " + expected + ", found " + found.type_name() + ")");
  }
  bool set_error(std::string message) {
    if (!error_) error_ = std::move(message);
    return false;
  }
  const std::optional<std::string>& error() const { return error_; }
  void take(const Reader& inner) {
    if (inner.error_ && !error_) error_ = inner.error_;
  }

 private:
  const nlohmann::json& j_;
  std::string path_;
  std::optional<std::string> error_;
};

}  // namespace

std::string json_type_zh(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      return "空值（null）";
    case nlohmann::json::value_t::boolean:
      return "真假值";
    case nlohmann::json::value_t::string:
      return "文字";
    case nlohmann::json::value_t::array:
      return "列表";
    case nlohmann::json::value_t::object:
      return "对象";
    case nlohmann::json::value_t::discarded:
      return "无效值";
    default:
      return "数字";
  }
}

std::string text_at(const nlohmann::json& j, const char* pointer) {
  const nlohmann::json* node = &j;
  std::string_view rest(pointer);
  while (!rest.empty()) {
    rest.remove_prefix(1);  // '/'
    const auto slash = rest.find('/');
    const std::string key(rest.substr(0, slash));
    if (!node->is_object()) return {};
    auto it = node->find(key);
    if (it == node->end()) return {};
    node = &*it;
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  return node->is_string() ? node->get<std::string>() : std::string();
}

nlohmann::json object_at(const nlohmann::json& j, const char* key) {
  if (j.is_object())
    if (auto it = j.find(key); it != j.end() && it->is_object()) return *it;
  return nlohmann::json::object();
}

nlohmann::json list_at(const nlohmann::json& j, const char* key) {
  if (j.is_object())
    if (auto it = j.find(key); it != j.end() && it->is_array()) return *it;
  return nlohmann::json::array();
}

bool valid_case_id(std::string_view id) {
  if (id.empty() || id.size() > 64 || id[0] == '-' || id[0] == '_') return false;
  for (char c : id)
    if (!id_char(c)) return false;
  return true;
}

bool valid_procedure_id(std::string_view id) {
  if (id.empty() || id.size() > 64 || id[0] < 'a' || id[0] > 'z') return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

bool plain_file_name(std::string_view name) {
  return !name.empty() && name.size() <= 255 && name[0] != '.' &&
         name.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

Result<Submission> parse_submission(const nlohmann::json& j, const std::string& where) {
  std::string root = where;
  if (!root.empty() && root.back() == '.') root.pop_back();
  Reader r(j, root);
  Submission s;
  auto invalid = [](const std::string& m) { return error_of(ErrorKind::invalid_input, m); };
  if (!r.object({"id", "procedure", "submitted_at", "channel", "enterprise", "applicant", "reason",
                 "key_lost", "delivered_by", "courier_reason", "materials"}))
    return invalid(*r.error());
  r.text("id", s.id, 64, true);
  if (!r.error() && !valid_case_id(s.id))
    r.set_error(r.field("id") +
                "：案件编号只能由字母、数字、“-”和“_”组成，以字母或数字开头，最多64个字符，例如 "
                "S-2026-000123 (" +
                r.field("id") + ": letters, digits, '-' and '_' only)");
  r.text("procedure", s.procedure, 64, true);
  if (!r.error() && !valid_procedure_id(s.procedure))
    r.set_error(r.field("procedure") + "：应为业务编号，例如 reissue (" + r.field("procedure") +
                ": a procedure id such as reissue, never a path)");
  r.text("submitted_at", s.submitted_at, 40, false);
  r.text("channel", s.channel, 32, false);
  s.has_reason = r.has("reason");
  r.text("reason", s.reason, 1000, false);
  s.has_key_lost = r.has("key_lost");
  r.flag("key_lost", s.key_lost);
  r.one_of("delivered_by", s.delivered_by, {{"in_person", "现场递交"}, {"courier", "快递"}});
  r.text("courier_reason", s.courier_reason, 1000, false);
  if (r.error()) return invalid(*r.error());

  if (!r.has("enterprise"))
    return invalid(r.field("enterprise") + "：缺少企业信息 (" + r.field("enterprise") +
                   ": missing)");
  Reader e(r.at("enterprise"), r.field("enterprise"));
  if (e.object({"name", "uscc", "kind", "code13"})) {
    e.text("name", s.enterprise.name, 200, true);
    e.text("uscc", s.enterprise.uscc, 64, true);
    e.text("kind", s.enterprise.kind, 32, false);
    e.text("code13", s.enterprise.code13, 64, false);
    if (!e.error() && !s.enterprise.kind.empty() && s.enterprise.kind != "domestic" &&
        s.enterprise.kind != "foreign_invested")
      e.set_error(e.field("kind") + "：应为 domestic（内资）或 foreign_invested（外资） (" +
                  e.field("kind") + ": domestic or foreign_invested)");
  }
  if (e.error()) return invalid(*e.error());

  if ((s.has_applicant = r.has("applicant"))) {
    Reader a(r.at("applicant"), r.field("applicant"));
    if (a.object({"login_username", "legal_representative", "email", "authorized_user"})) {
      a.text("login_username", s.applicant.login_username, 100, false);
      a.text("legal_representative", s.applicant.legal_representative, 200, false);
      a.text("email", s.applicant.email, 254, false);
      if ((s.applicant.has_authorized_user = a.has("authorized_user"))) {
        Reader u(a.at("authorized_user"), a.field("authorized_user"));
        if (u.object({"name", "id_number"})) {
          u.text("name", s.applicant.user_name, 200, false);
          u.text("id_number", s.applicant.user_id_number, 64, false);
        }
        a.take(u);
      }
    }
    if (a.error()) return invalid(*a.error());
  }

  if ((s.has_materials = r.has("materials"))) {
    const nlohmann::json& list = r.at("materials");
    const std::string name = r.field("materials");
    if (!list.is_array()) {
      r.fail(name, "应为材料列表", "a list of {type, file}", list);
      return invalid(*r.error());
    }
    if (list.size() > kMaxMaterials)
      return invalid(name + "：材料过多（最多" + std::to_string(kMaxMaterials) + "份） (" + name +
                     ": more than " + std::to_string(kMaxMaterials) + " materials)");
    for (std::size_t i = 0; i < list.size(); ++i) {
      Reader m(list[i], name + "[" + std::to_string(i) + "]");
      SubmittedMaterial material;
      if (m.object({"type", "file", "channel"})) {
        m.text("type", material.type, 64, true);
        m.text("file", material.file, 255, true);
        m.one_of("channel", material.channel,
                 {{"upload", "在线上传的扫描件"}, {"paper", "纸质材料的扫描件"}});
        if (!m.error()) {
          bool known = false;
          for (const char* t : kMaterialTypes) known = known || material.type == t;
          if (!known)
            m.set_error(m.field("type") + "：不认识的材料类型“" + material.type + "” (" +
                        m.field("type") + ": unknown material type)");
        }
        if (!m.error() && !plain_file_name(material.file))
          m.set_error(m.field("file") +
                      "：应为提交文件夹中的文件名，不能含“/”或“\\”，不能以“.”开头 (" +
                      m.field("file") + ": a plain file name in the submission folder)");
      }
      if (m.error()) return invalid(*m.error());
      s.materials.push_back(std::move(material));
    }
  }
  return s;
}

nlohmann::json Submission::to_json() const {
  nlohmann::json j = {{"id", id}, {"procedure", procedure}};
  if (!submitted_at.empty()) j["submitted_at"] = submitted_at;
  if (!channel.empty()) j["channel"] = channel;
  j["enterprise"] = {{"name", enterprise.name}, {"uscc", enterprise.uscc}};
  if (!enterprise.kind.empty()) j["enterprise"]["kind"] = enterprise.kind;
  if (!enterprise.code13.empty()) j["enterprise"]["code13"] = enterprise.code13;
  if (has_applicant) {
    nlohmann::json a = nlohmann::json::object();
    if (!applicant.login_username.empty()) a["login_username"] = applicant.login_username;
    if (!applicant.legal_representative.empty())
      a["legal_representative"] = applicant.legal_representative;
    if (!applicant.email.empty()) a["email"] = applicant.email;
    if (applicant.has_authorized_user) {
      a["authorized_user"] = nlohmann::json::object();
      if (!applicant.user_name.empty()) a["authorized_user"]["name"] = applicant.user_name;
      if (!applicant.user_id_number.empty())
        a["authorized_user"]["id_number"] = applicant.user_id_number;
    }
    j["applicant"] = std::move(a);
  }
  if (has_reason) j["reason"] = reason;
  if (has_key_lost) j["key_lost"] = key_lost;
  if (!delivered_by.empty()) j["delivered_by"] = delivered_by;
  if (!courier_reason.empty()) j["courier_reason"] = courier_reason;
  if (has_materials) {
    j["materials"] = nlohmann::json::array();
    for (const auto& m : materials) {
      nlohmann::json entry = {{"type", m.type}, {"file", m.file}};
      if (!m.channel.empty()) entry["channel"] = m.channel;
      j["materials"].push_back(std::move(entry));
    }
  }
  return j;
}

Result<nlohmann::json> parse_client_json(std::string_view text, const std::string& what,
                                         std::size_t max_bytes) {
  if (text.size() > max_bytes)
    return error_of(ErrorKind::invalid_input,
                    what + "：内容过大（最多" + std::to_string(max_bytes / 1024) + " KB） (" +
                        what + ": larger than " + std::to_string(max_bytes) + " bytes)");
  bool too_deep = false;
  // The parser is iterative; values nested too deep are discarded as they are read, so a
  // 100,000-deep document is refused without ever being built.
  nlohmann::json j = nlohmann::json::parse(
      text.begin(), text.end(),
      [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxJsonDepth) too_deep = true;
        return !too_deep;
      },
      false);
  if (too_deep)
    return error_of(ErrorKind::invalid_input,
                    what + "：嵌套层数过多（最多" + std::to_string(kMaxJsonDepth) + "层） (" +
                        what + ": nested deeper than " + std::to_string(kMaxJsonDepth) + ")");
  if (j.is_discarded())
    return error_of(ErrorKind::invalid_input,
                    what + "：不是有效的 JSON，请检查格式 (" + what + ": not valid JSON)");
  return j;
}

Result<Submission> parse_submission_text(std::string_view text, const std::string& where) {
  auto j = parse_client_json(text, where.empty() ? "submission.json" : where);
  if (!j) return j.error();
  return parse_submission(*j, where);
}

}  // namespace keydesk
