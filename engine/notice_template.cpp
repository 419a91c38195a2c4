#include "engine/notice_template.h"

namespace keydesk {

namespace {

const nlohmann::json* at_path(const nlohmann::json& facts, const std::string& path) {
  const nlohmann::json* node = &facts;
  std::size_t start = 0;
  for (;;) {
    auto dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!node->is_object()) return nullptr;
    auto it = node->find(part);
    if (it == node->end()) return nullptr;
    node = &*it;
    if (dot == std::string::npos) return node;
    start = dot + 1;
  }
}

std::string text_of(const nlohmann::json* value) {
  if (!value || value->is_null()) return "";
  if (value->is_string()) return value->get<std::string>();
  if (value->is_number() || value->is_boolean()) return value->dump();
  return "";
}

bool known(const std::string& name) {
  for (const auto& p : notice_placeholders())
    if (name == p.name) return true;
  return false;
}

// The value of placeholder `name` (known(name)) in `facts`.
std::string value_of(const std::string& name, const nlohmann::json& facts) {
  if (name == "key.login_username") {
    // The key the case is about: the registry's when it has it, else the one applied for.
    std::string v = text_of(at_path(facts, "key.login_username"));
    return v.empty() ? text_of(at_path(facts, "applicant.login_username")) : v;
  }
  if (name == "case.due" || name == "today") return chinese_date(text_of(at_path(facts, name)));
  return text_of(at_path(facts, name));
}

}  // namespace

const std::vector<Placeholder>& notice_placeholders() {
  static const std::vector<Placeholder> kAll = {
      {"enterprise.name", "企业名称"},
      {"enterprise.uscc", "统一社会信用代码"},
      {"applicant.login_username", "申请的登录用户名"},
      {"applicant.legal_representative", "法定代表人"},
      {"applicant.authorized_user.name", "经办人姓名"},
      {"key.login_username", "电子钥匙的登录用户名"},
      {"case.id", "案件编号"},
      {"case.due", "办结期限（所进入环节的期限日期）"},
      {"procedure.title", "业务名称"},
      {"today", "办理日期"},
  };
  return kAll;
}

std::string placeholder_list() {
  std::string out;
  for (const auto& p : notice_placeholders())
    out += (out.empty() ? "{" : "、{") + std::string(p.name) + "}（" + p.title + "）";
  return out;
}

std::vector<TemplateProblem> template_problems(const std::string& text) {
  std::vector<TemplateProblem> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      ++i;
      continue;
    }
    if (text[i] == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        ++i;
        continue;
      }
      out.push_back(
          {i, "}", "单独的“}”：要写花括号本身请写 }}，占位符请写成 {enterprise.name} 的形式"});
      continue;
    }
    if (text[i] != '{') continue;
    auto close = text.find('}', i + 1);
    auto next_open = text.find('{', i + 1);
    if (close == std::string::npos || (next_open != std::string::npos && next_open < close)) {
      out.push_back(
          {i, "{",
           "“{”没有对应的“}”：占位符请写成 {enterprise.name} 的形式，要写花括号本身请写 {{"});
      continue;
    }
    std::string name = text.substr(i + 1, close - i - 1);
    if (!known(name)) {
      std::string shown = name.size() > 60 ? name.substr(0, 60) + "…" : name;
      out.push_back({i, "{" + name + "}",
                     "未知的占位符“{" + shown + "}”：可用的有 " + placeholder_list() +
                         "；要写花括号本身请写 {{ 和 }}"});
    }
    i = close;
  }
  return out;
}

std::string render_notice_text(const std::string& text, const nlohmann::json& facts, bool subject) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      out += c;
      ++i;
      continue;
    }
    if (c == '{') {
      auto close = text.find('}', i + 1);
      if (close != std::string::npos) {
        std::string name = text.substr(i + 1, close - i - 1);
        if (known(name)) {
          std::string value = value_of(name, facts);
          if (subject)
            for (char& v : value)
              if (v == '\r' || v == '\n' || v == '\t') v = ' ';
          out += value;
          i = close;
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

std::string chinese_date(const std::string& iso) {
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') return iso;
  try {
    return iso.substr(0, 4) + "年" + std::to_string(std::stoi(iso.substr(5, 2))) + "月" +
           std::to_string(std::stoi(iso.substr(8, 2))) + "日";
  } catch (const std::exception&) {
    return iso;
  }
}

}  // namespace keydesk
