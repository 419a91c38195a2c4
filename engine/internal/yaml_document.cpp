#include "engine/internal/yaml_document.h"

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace keydesk::internal {

std::vector<std::filesystem::path> yaml_files(const std::filesystem::path& dir, bool recursive) {
  std::vector<std::filesystem::path> out;
  auto add = [&](const std::filesystem::path& p) {
    if (p.extension() == ".yaml" || p.extension() == ".yml") out.push_back(p);
  };
  std::error_code ec;
  if (recursive)
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      add(it->path());
  else
    for (auto it = std::filesystem::directory_iterator(dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
      add(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string pointer_child(const std::string& pointer, const std::string& token) {
  std::string escaped;
  for (char c : token) {
    if (c == '~')
      escaped += "~0";
    else if (c == '/')
      escaped += "~1";
    else
      escaped += c;
  }
  return pointer + "/" + escaped;
}

std::string pointer_child(const std::string& pointer, std::size_t index) {
  return pointer + "/" + std::to_string(index);
}

// Converts yaml-cpp nodes to JSON following the YAML 1.2 core schema for plain scalars, so
// `year: 2026` is a number and `from: 2026-01-01` a string; quoted scalars stay strings.
struct YamlConverter {
  YamlDocument& doc;
  Diagnostics& out;

  int line_of(const YAML::Mark& m) const { return m.line + 1; }
  int column_of(const YAML::Mark& m) const { return doc.character_column(m.line, m.column); }

  void mark(std::map<std::string, YamlDocument::Mark>& marks, const std::string& pointer,
            const YAML::Mark& m) {
    if (m.line >= 0) marks[pointer] = {line_of(m), column_of(m)};
  }

  static nlohmann::json scalar(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    if (node.Tag() == "!") return text;  // quoted: always a string
    static const std::regex integer(R"([-+]?[0-9]+)");
    static const std::regex real(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
      return nullptr;
    if (std::regex_match(text, integer)) {
      try {
        return std::stoll(text);
      } catch (const std::out_of_range&) {
        return text;
      }
    }
    if (std::regex_match(text, real)) return std::stod(text);
    return text;
  }

  nlohmann::json convert(const YAML::Node& node, const std::string& pointer) {
    mark(doc.value_marks_, pointer, node.Mark());
    switch (node.Type()) {
      case YAML::NodeType::Sequence: {
        nlohmann::json array = nlohmann::json::array();
        std::size_t i = 0;
        for (const auto& item : node) array.push_back(convert(item, pointer_child(pointer, i++)));
        return array;
      }
      case YAML::NodeType::Map: {
        nlohmann::json object = nlohmann::json::object();
        for (const auto& kv : node) {
          std::string key = kv.first.Scalar();
          std::string child = pointer_child(pointer, key);
          if (object.contains(key)) {
            out.push_back({doc.file_, line_of(kv.first.Mark()), column_of(kv.first.Mark()),
                           "key '" + key + "' is given twice in the same block; keep one"});
            continue;
          }
          mark(doc.key_marks_, child, kv.first.Mark());
          doc.key_order_[pointer].push_back(key);
          object[key] = convert(kv.second, child);
        }
        return object;
      }
      case YAML::NodeType::Scalar:
        return scalar(node);
      default:
        return nullptr;
    }
  }
};

int YamlDocument::character_column(int line, int byte_column) const {
  if (line < 0 || static_cast<std::size_t>(line) >= lines_.size() || byte_column < 0)
    return byte_column + 1;
  const std::string& text = lines_[static_cast<std::size_t>(line)];
  int column = 1;
  for (std::size_t i = 0; i < text.size() && i < static_cast<std::size_t>(byte_column); ++i)
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++column;  // count UTF-8 lead bytes
  return column;
}

std::optional<YamlDocument> YamlDocument::parse(const std::string& text, const std::string& name,
                                                Diagnostics& out) {
  YamlDocument doc;
  doc.file_ = name;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) doc.lines_.push_back(line);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    out.push_back({name, e.mark.line + 1, doc.character_column(e.mark.line, e.mark.column),
                   "YAML syntax: " + e.msg});
    return std::nullopt;
  }
  std::size_t before = out.size();
  YamlConverter converter{doc, out};
  doc.json_ = converter.convert(root, "");
  if (out.size() != before) return std::nullopt;
  return doc;
}

std::optional<YamlDocument> YamlDocument::load(const std::filesystem::path& path,
                                               Diagnostics& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.push_back({path.string(), 0, 0, "cannot open the file: check the path and permissions"});
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string(), out);
}

std::vector<std::string> YamlDocument::keys_in_order(const std::string& pointer) const {
  auto it = key_order_.find(pointer);
  return it == key_order_.end() ? std::vector<std::string>{} : it->second;
}

Diagnostic YamlDocument::at(const std::string& pointer, std::string message) const {
  std::string p = pointer;
  for (;;) {
    auto it = value_marks_.find(p);
    if (it != value_marks_.end())
      return {file_, it->second.line, it->second.column, std::move(message)};
    if (p.empty()) return {file_, 0, 0, std::move(message)};
    p.erase(p.rfind('/'));
  }
}

Diagnostic YamlDocument::at_column(const std::string& pointer, int column,
                                   std::string message) const {
  Diagnostic d = at(pointer, std::move(message));
  if (d.line <= 0 || static_cast<std::size_t>(d.line) > lines_.size()) return d;
  // Find the character at d.column on that line: a quote means the text starts one later.
  const std::string& text = lines_[static_cast<std::size_t>(d.line - 1)];
  int col = 1;
  std::size_t i = 0;
  while (i < text.size() && col < d.column) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++col;
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  bool quoted = i < text.size() && (text[i] == '"' || text[i] == '\'');
  d.column += column - 1 + (quoted ? 1 : 0);
  return d;
}

Diagnostic YamlDocument::at_key(const std::string& pointer, const std::string& key,
                                std::string message) const {
  auto it = key_marks_.find(pointer_child(pointer, key));
  if (it != key_marks_.end())
    return {file_, it->second.line, it->second.column, std::move(message)};
  return at(pointer, std::move(message));
}

namespace {

// valijson context ["<root>", "[years]", "[0]"] -> "/years/0"
std::string context_pointer(const std::vector<std::string>& context) {
  std::string pointer;
  for (const auto& part : context) {
    if (part == "<root>") continue;
    std::string token = part;
    if (token.size() >= 2 && token.front() == '[' && token.back() == ']')
      token = token.substr(1, token.size() - 2);
    pointer = pointer_child(pointer, token);
  }
  return pointer;
}

std::string quoted_name(const std::string& description) {
  auto last = description.rfind('\'');
  if (last == std::string::npos || last == 0) return {};
  auto first = description.rfind('\'', last - 1);
  if (first == std::string::npos) return {};
  return description.substr(first + 1, last - first - 1);
}

std::string describe(const nlohmann::json& value) {
  std::string text = value.is_string() ? "'" + value.get<std::string>() + "'" : value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

// Levenshtein distance, for "did you mean" on misspelt keys.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The schema node that governs `pointer`, following properties/items (no $ref resolution
// beyond local definitions), used only to suggest key names.
const nlohmann::json* schema_at(const nlohmann::json& root, const nlohmann::json* node,
                                const nlohmann::json& value, const std::string& pointer) {
  auto resolve = [&](const nlohmann::json* n) -> const nlohmann::json* {
    while (n && n->is_object() && n->contains("$ref")) {
      std::string ref = (*n)["$ref"].get<std::string>();
      if (ref.rfind("#", 0) != 0) return nullptr;
      try {
        n = &root.at(nlohmann::json::json_pointer(ref.substr(1)));
      } catch (const std::exception&) {
        return nullptr;
      }
    }
    return n;
  };
  node = resolve(node);
  if (pointer.empty() || !node) return node;
  auto slash = pointer.find('/', 1);
  std::string token = pointer.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  std::string rest = slash == std::string::npos ? "" : pointer.substr(slash);
  if (value.is_array() && node->contains("items")) {
    std::size_t index = std::stoul(token);
    if (index >= value.size()) return nullptr;
    return schema_at(root, &(*node)["items"], value[index], rest);
  }
  if (!value.is_object() || !value.contains(token)) return nullptr;
  if (node->contains("properties") && (*node)["properties"].contains(token))
    return schema_at(root, &(*node)["properties"][token], value[token], rest);
  if (node->contains("additionalProperties") && (*node)["additionalProperties"].is_object())
    return schema_at(root, &(*node)["additionalProperties"], value[token], rest);
  return nullptr;
}

std::string suggestion(const nlohmann::json& schema, const nlohmann::json& value,
                       const std::string& pointer, const std::string& key) {
  const nlohmann::json* node = schema_at(schema, &schema, value, pointer);
  if (!node || !node->contains("properties")) return {};
  std::string best;
  std::size_t best_distance = 3;
  std::string allowed;
  for (const auto& [name, _] : (*node)["properties"].items()) {
    allowed += (allowed.empty() ? "" : ", ") + name;
    std::size_t d = edit_distance(key, name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  if (!best.empty()) return " (did you mean '" + best + "'?)";
  return "; allowed keys here: " + allowed;
}

}  // namespace

Diagnostics YamlDocument::validate(const nlohmann::json& schema_json) const {
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_json);
  parser.populateSchema(schema_adapter, schema);

  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(json_);
  Diagnostics out;
  if (validator.validate(schema, target, &results)) return out;

  std::set<std::string> seen;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    const std::string& d = error.description;
    // valijson also reports every enclosing array item and property; keep the leaf causes.
    if (d.rfind("Failed to validate item", 0) == 0 ||
        d.rfind("Failed to validate against schema associated with property", 0) == 0 ||
        d.rfind("Failed to validate against child schema", 0) == 0 ||
        d.rfind("Failed to validate against additional properties schema", 0) == 0)
      continue;
    std::string pointer = context_pointer(error.context);
    const nlohmann::json* value = nullptr;
    try {
      value = &json_.at(nlohmann::json::json_pointer(pointer));
    } catch (const std::exception&) {
    }
    std::string where = pointer.empty() ? "the file" : "'" + pointer.substr(1) + "'";
    Diagnostic diag;
    if (d.find("additionalProperties") != std::string::npos) {
      std::string key = quoted_name(d);
      diag = at_key(pointer, key,
                    "unknown key '" + key + "'" + suggestion(schema_json, json_, pointer, key));
    } else if (d.rfind("Missing required property", 0) == 0) {
      diag = at(pointer, where + " lacks the required key '" + quoted_name(d) + "'");
    } else if (d.find("'pattern'") != std::string::npos || d.find("regex") != std::string::npos) {
      diag = at(
          pointer, where + ": " + (value ? describe(*value) : "value") +
                       " is not in the expected form" + [&] {
                         const nlohmann::json* node =
                             schema_at(schema_json, &schema_json, json_, pointer);
                         if (node && node->contains("description"))
                           return " (" + (*node)["description"].get<std::string>() + ")";
                         return std::string();
                       }());
    } else if (d.find("'type'") != std::string::npos) {
      diag = at(pointer, where + ": " + (value ? describe(*value) : "value") +
                             " has the wrong type for this key");
    } else {
      diag = at(pointer, where + ": " + d);
    }
    if (seen.insert(diag.format()).second) out.push_back(std::move(diag));
  }
  return out;
}

}  // namespace keydesk::internal
