#include "engine/internal/yaml_document.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
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

namespace {

Diagnostic too_large(const std::string& file, const std::string& size) {
  std::string limit = std::to_string(YamlDocument::kMaxFileBytes);
  return {file, 0, 0,
          "文件过大（" + size +
              "），最多 1 MiB：请确认没有选错文件，或删减内容 (a rule or "
              "input file may have at most " +
              limit + " bytes)"};
}

enum class NumberForm { none, integer, real };

// Whether a plain scalar is an integer ([-+]?[0-9]+) or a real
// ([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?) of the YAML 1.2 core schema. Written
// out rather than matched with std::regex, whose libstdc++ matcher recurses once per character
// and overflows the stack on a long run of digits.
NumberForm number_form(const std::string& text) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t from = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    return i - from;
  };
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  std::size_t whole = digits(), fraction = 0;
  bool point = i < text.size() && text[i] == '.';
  if (point) {
    ++i;
    fraction = digits();
  }
  if (whole == 0 && fraction == 0) return NumberForm::none;
  bool exponent = i < text.size() && (text[i] == 'e' || text[i] == 'E');
  if (exponent) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    if (digits() == 0) return NumberForm::none;
  }
  if (i != text.size()) return NumberForm::none;
  return point || exponent ? NumberForm::real : NumberForm::integer;
}

}  // namespace

// Converts yaml-cpp nodes to JSON following the YAML 1.2 core schema for plain scalars, so
// `year: 2026` is a number and `from: 2026-01-01` a string; quoted scalars stay strings.
//
// The conversion is where a file's size can multiply (aliases copy their anchor, marks repeat
// the path above them), so it keeps to YamlDocument's limits: past one it reports once and
// builds nothing more.
struct YamlConverter {
  YamlConverter(YamlDocument& d, Diagnostics& o) : doc(d), out(o) {}

  YamlDocument& doc;
  Diagnostics& out;
  std::size_t values = 0;  // values built, aliases counted at each use
  std::size_t built = 0;   // bytes of text and mark paths built
  bool stopped = false;    // a limit was passed: the document is refused
  std::set<int> reported;  // positions of the problems reported, each once however often aliased
  // The position of the furthest node converted so far. Nodes are converted in the order the
  // text gives them, so one at or before it is being converted again: it was reached through an
  // alias (*name), and yaml-cpp gives it the position of its anchor (&name), not of the alias.
  int furthest = -1;

  int line_of(const YAML::Mark& m) const { return m.line + 1; }
  int column_of(const YAML::Mark& m) const { return doc.character_column(m.line, m.column); }

  void mark(std::map<std::string, YamlDocument::Mark>& marks, const std::string& pointer,
            const YAML::Mark& m) {
    if (m.line >= 0) marks[pointer] = {line_of(m), column_of(m)};
  }

  void report(const YAML::Mark& m, std::string message) {
    if (reported.insert(m.pos).second)
      out.push_back({doc.file_, line_of(m), column_of(m), std::move(message)});
  }

  // Reports a limit passed at `m` and stops the conversion.
  std::nullptr_t stop(const YAML::Mark& m, std::string message) {
    out.push_back({doc.file_, line_of(m), column_of(m), std::move(message)});
    stopped = true;
    return nullptr;
  }

  static nlohmann::json scalar(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    if (node.Tag() == "!") return text;  // quoted: always a string
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
      return nullptr;
    // A number too large for a 64-bit integer or a double stays the text it was, so the schema
    // calls it the wrong type rather than the reader receiving a wrapped or infinite value.
    try {
      switch (number_form(text)) {
        case NumberForm::integer:
          return std::stoll(text);
        case NumberForm::real:
          return std::stod(text);
        case NumberForm::none:
          break;
      }
    } catch (const std::out_of_range&) {
    }
    return text;
  }

  // `site` is the innermost node on the way here that the text writes out where it stands (not
  // reached through an alias): the value that holds the alias, where a limit passed inside what
  // the alias expands to is reported. `depth` counts the lists and mappings around `node`.
  nlohmann::json convert(const YAML::Node& node, const std::string& pointer, int depth,
                         YAML::Mark site) {
    if (stopped) return nullptr;
    const YAML::Mark& at = node.Mark();
    bool repeated = at.pos >= 0 && at.pos <= furthest;
    if (!repeated) {
      furthest = std::max(furthest, at.pos);
      site = at;
    }
    if (++values > YamlDocument::kMaxValues)
      return stop(site, "内容过多：展开后超过 " + std::to_string(YamlDocument::kMaxValues) +
                            " 个值，请删减；别名（*名称）每用一次都把锚点（&名称）的内容复制一遍，"
                            "层层引用会成倍增长 (more than " +
                            std::to_string(YamlDocument::kMaxValues) +
                            " values once aliases are expanded)");
    if (depth > YamlDocument::kMaxDepth)
      return stop(site, "嵌套过深：超过 " + std::to_string(YamlDocument::kMaxDepth) +
                            " 层，请减少嵌套；别名（*名称）展开后的层数也算在内，锚点不能包含"
                            "引用自身的别名 (nested more than " +
                            std::to_string(YamlDocument::kMaxDepth) +
                            " lists and mappings deep once aliases are expanded)");
    if (!built_within(pointer.size(), site)) return nullptr;
    mark(doc.value_marks_, pointer, at);
    switch (node.Type()) {
      case YAML::NodeType::Sequence: {
        nlohmann::json array = nlohmann::json::array();
        std::size_t i = 0;
        for (const auto& item : node) {
          array.push_back(convert(item, pointer_child(pointer, i++), depth + 1, site));
          if (stopped) break;
        }
        return array;
      }
      case YAML::NodeType::Map: {
        nlohmann::json object = nlohmann::json::object();
        for (const auto& kv : node) {
          if (stopped) break;
          std::string key = kv.first.Scalar();
          if (!text_fits(key, kv.first.Mark())) continue;
          if (object.contains(key)) {
            report(kv.first.Mark(), "key '" + key + "' is given twice in the same block; keep one");
            continue;
          }
          std::string child = pointer_child(pointer, key);
          if (!built_within(key.size() * 2 + child.size(), site)) break;
          mark(doc.key_marks_, child, kv.first.Mark());
          doc.key_order_[pointer].push_back(key);
          object[key] = convert(kv.second, child, depth + 1, site);
        }
        return object;
      }
      case YAML::NodeType::Scalar:
        if (!text_fits(node.Scalar(), at)) return nullptr;
        if (!built_within(node.Scalar().size(), site)) return nullptr;
        return scalar(node);
      default:
        return nullptr;
    }
  }

  // Counts `bytes` more built; false (and stopped) past kMaxBuiltBytes.
  bool built_within(std::size_t bytes, const YAML::Mark& site) {
    built += bytes;
    if (built <= YamlDocument::kMaxBuiltBytes) return true;
    std::string limit = std::to_string(YamlDocument::kMaxBuiltBytes >> 20);
    stop(site,
         "内容过多：展开后超过 " + limit +
             " MiB，请删减；别名（*名称）每用一次都把锚点（&名称）的内容复制一遍 (more than " +
             limit + " MiB of text and paths once aliases are expanded)");
    return false;
  }

  // Whether a value or key's text is within kMaxScalarBytes; if not, it is reported and left
  // out.
  bool text_fits(const std::string& text, const YAML::Mark& m) {
    if (text.size() <= YamlDocument::kMaxScalarBytes) return true;
    std::string limit = std::to_string(YamlDocument::kMaxScalarBytes);
    report(m, "这个值太长：" + std::to_string(text.size()) + " 字节，一个值或键最多 " + limit +
                  " 字节，请缩短 (a value or key may have at most " + limit + " bytes)");
    return false;
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
  if (text.size() > kMaxFileBytes) {
    out.push_back(too_large(name, std::to_string(text.size()) + " 字节"));
    return std::nullopt;
  }
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
  doc.json_ = converter.convert(root, "", 0, root.Mark());
  if (out.size() != before) return std::nullopt;
  return doc;
}

std::optional<std::string> YamlDocument::read(const std::filesystem::path& path, Diagnostics& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.push_back({path.string(), 0, 0, "cannot open the file: check the path and permissions"});
    return std::nullopt;
  }
  std::string text;
  char chunk[65536];
  while (text.size() <= kMaxFileBytes && in.read(chunk, sizeof chunk).gcount() > 0)
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) {
    out.push_back({path.string(), 0, 0, "cannot read the file: check the path and permissions"});
    return std::nullopt;
  }
  if (text.size() > kMaxFileBytes) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    out.push_back(too_large(path.string(), ec || size <= kMaxFileBytes
                                               ? "超过 " + std::to_string(kMaxFileBytes) + " 字节"
                                               : std::to_string(size) + " 字节"));
    return std::nullopt;
  }
  return text;
}

std::optional<YamlDocument> YamlDocument::load(const std::filesystem::path& path,
                                               Diagnostics& out) {
  auto text = read(path, out);
  if (!text) return std::nullopt;
  return parse(*text, path.string(), out);
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
// `node` with its local $ref followed; nullptr for any other $ref.
const nlohmann::json* resolve(const nlohmann::json& root, const nlohmann::json* node) {
  while (node && node->is_object() && node->contains("$ref")) {
    std::string ref = (*node)["$ref"].get<std::string>();
    if (ref.rfind("#", 0) != 0) return nullptr;
    try {
      node = &root.at(nlohmann::json::json_pointer(ref.substr(1)));
    } catch (const std::exception&) {
      return nullptr;
    }
  }
  return node;
}

const nlohmann::json* schema_at(const nlohmann::json& root, const nlohmann::json* node,
                                const nlohmann::json& value, const std::string& pointer) {
  node = resolve(root, node);
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

// The integers a schema node allows, itself or as one branch of its oneOf/anyOf (a deadline
// is a number of days or {carry_from: state}). Bounds are "" when the schema gives none.
struct IntegerRange {
  std::string min, max, description;
  bool only = true;  // false: the value may also be something else (another branch)
};

std::optional<IntegerRange> integer_range(const nlohmann::json& root, const nlohmann::json* node) {
  node = resolve(root, node);
  if (!node || !node->is_object()) return std::nullopt;
  if (node->value("type", nlohmann::json()) == "integer") {
    auto bound = [&](const char* key) {
      if (!node->contains(key)) return std::string();
      const auto& b = (*node)[key];
      return b.is_number_integer() ? std::to_string(b.get<std::int64_t>()) : b.dump();
    };
    return IntegerRange{bound("minimum"), bound("maximum"),
                        node->value("description", std::string()), true};
  }
  for (const char* alternatives : {"oneOf", "anyOf"})
    if (node->contains(alternatives) && (*node)[alternatives].is_array())
      for (const auto& branch : (*node)[alternatives])
        if (auto range = integer_range(root, &branch)) {
          range->only = false;
          return range;
        }
  return std::nullopt;
}

// "'states/review/deadline' 是 0：请改为 1 到 365 之间的整数 (…; an integer from 1 to 365)"
std::string range_message(const std::string& where, const nlohmann::json* value,
                          const IntegerRange& range) {
  std::string zh, en;
  if (!range.min.empty() && !range.max.empty()) {
    zh = " " + range.min + " 到 " + range.max + " 之间的整数";
    en = "an integer from " + range.min + " to " + range.max;
  } else if (!range.min.empty()) {
    zh = "不小于 " + range.min + " 的整数";
    en = "an integer of at least " + range.min;
  } else if (!range.max.empty()) {
    zh = "不大于 " + range.max + " 的整数";
    en = "an integer of at most " + range.max;
  } else {
    zh = "整数";
    en = "an integer";
  }
  return where + " 是 " + (value ? describe(*value) : "空的") + "：请改为" + zh + " (" +
         (range.description.empty() ? "" : range.description + "; ") + en + ")";
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
    // valijson also reports every enclosing array item and property, and, after the errors of
    // its branches, each oneOf/anyOf that no branch passed; keep the leaf causes.
    if (d.rfind("Failed to validate item", 0) == 0 ||
        d.rfind("Failed to validate against schema associated with property", 0) == 0 ||
        d.rfind("Failed to validate against child schema", 0) == 0 ||
        d.rfind("Failed to validate against additional properties schema", 0) == 0 ||
        d.rfind("Failed to validate against any child schemas allowed by oneOf", 0) == 0 ||
        d.rfind("Failed to validate against any schemas allowed by anyOf", 0) == 0)
      continue;
    std::string pointer = context_pointer(error.context);
    const nlohmann::json* value = nullptr;
    try {
      value = &json_.at(nlohmann::json::json_pointer(pointer));
    } catch (const std::exception&) {
    }
    std::string where = pointer.empty() ? "the file" : "'" + pointer.substr(1) + "'";
    bool type = d.find("'type'") != std::string::npos;
    bool bound = d.rfind("Expected number", 0) == 0;  // minimum, maximum
    std::optional<IntegerRange> range;
    if (type || bound)
      range = integer_range(schema_json, schema_at(schema_json, &schema_json, json_, pointer));
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
    } else if (range) {
      // A branch besides the integer one takes objects: its own errors say what is wrong.
      if (type && !range->only && value && value->is_object()) continue;
      // One message, whatever failed (type, minimum, maximum) in however many branches.
      diag = at(pointer, range_message(where, value, *range));
    } else if (type) {
      diag = at(pointer, where + ": " + (value ? describe(*value) : "value") +
                             " has the wrong type for this key");
    } else {
      diag = at(pointer, where + ": " + d);
    }
    if (seen.insert(diag.format()).second) out.push_back(std::move(diag));
  }
  return out;
}

std::optional<int> YamlDocument::integer(const std::string& pointer, int min, int max,
                                         Diagnostics& out) const {
  const nlohmann::json* value = nullptr;
  try {
    value = &json_.at(nlohmann::json::json_pointer(pointer));
  } catch (const nlohmann::json::exception&) {
  }
  // Compared in 64 bits, before any narrowing.
  std::optional<std::int64_t> number;
  if (value && value->is_number_unsigned()) {
    if (value->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))
      number = static_cast<std::int64_t>(value->get<std::uint64_t>());
  } else if (value && value->is_number_integer()) {
    number = value->get<std::int64_t>();
  }
  if (number && *number >= min && *number <= max) return static_cast<int>(*number);
  out.push_back(at(pointer, range_message("'" + pointer.substr(1) + "'", value,
                                          {std::to_string(min), std::to_string(max), "", true})));
  return std::nullopt;
}

}  // namespace keydesk::internal
