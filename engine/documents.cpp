#include "engine/documents.h"

#include "engine/internal/schemas.h"
#include "engine/internal/yaml_document.h"

namespace keydesk {
namespace {

std::vector<std::string> words(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key))
    for (const auto& w : j.at(key)) out.push_back(w.get<std::string>());
  return out;
}

void replace_all(std::string& text, const std::string& what, const std::string& with) {
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size()))
    text.replace(at, what.size(), with);
}

}  // namespace

const ocr::DocumentType* DocumentRules::type(const std::string& id) const {
  for (const auto& t : types)
    if (t.id == id) return &t;
  return nullptr;
}

std::string DocumentRules::material_name(const std::string& id) const {
  const ocr::DocumentType* t = type(id);
  return t ? t->title : id;
}

std::string DocumentRules::remark(const std::string& code, const std::string& material,
                                  const std::map<std::string, std::string>& values) const {
  auto it = remarks.find(code);
  std::string text = it != remarks.end() ? it->second : code + "：{material}{detail}";
  replace_all(text, "{material}", material == "submission" ? "申请表填写内容" : material_name(material));
  for (const char* key : {"expected", "found", "detail"}) {
    auto v = values.find(key);
    replace_all(text, std::string("{") + key + "}", v != values.end() ? v->second : "");
  }
  // A template whose {detail} was left empty keeps no empty brackets behind.
  replace_all(text, "（）", "");
  return text;
}

Result<DocumentRules> load_document_rules(const std::filesystem::path& path) {
  Diagnostics problems;
  auto doc = internal::YamlDocument::load(path, problems);
  if (doc) {
    auto schema_problems = doc->validate(internal::documents_schema());
    problems.insert(problems.end(), schema_problems.begin(), schema_problems.end());
  }
  if (!problems.empty()) return Error{problems_message(path.string(), problems.size()), problems};
  DocumentRules rules;
  rules.file = path.string();
  const nlohmann::json& j = doc->json();
  for (const std::string& id : doc->keys_in_order("/documents")) {
    const nlohmann::json& d = j.at("documents").at(id);
    ocr::DocumentType t;
    t.id = id;
    t.title = d.at("remark_name").get<std::string>();
    t.title_words = words(d, "title_words");
    t.exclusive_words = words(d, "exclusive_words");
    t.body_words = words(d, "body_words");
    t.body_codes = words(d, "body_codes");
    t.uscc_labels = words(d, "uscc_labels");
    t.name_labels = words(d, "name_labels");
    t.person_labels = words(d, "person_labels");
    t.id_labels = words(d, "id_labels");
    t.other_labels = words(d, "other_labels");
    t.tick_items = words(d, "tick_items");
    if (d.contains("signatures"))
      for (const std::string& signer : doc->keys_in_order("/documents/" + id + "/signatures"))
        t.signature_labels.emplace_back(signer, words(d.at("signatures"), signer.c_str()));
    rules.types.push_back(std::move(t));
  }
  if (j.contains("remarks"))
    for (const auto& [code, text] : j.at("remarks").items()) rules.remarks[code] = text.get<std::string>();
  return rules;
}

}  // namespace keydesk
