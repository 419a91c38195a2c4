// The typed submission (engine/submission.h) against its schema (schemas/submission.schema.json):
// every field with every wrong JSON type is refused naming the field, by the parser and by the
// schema alike; what is stored is the parse's own shape; hostile JSON (deep, large) is refused
// without being built.
#include "engine/submission.h"

#include <fstream>

#include <catch2/catch.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "tests/support.h"

using namespace keydesk;

namespace {

nlohmann::json example() {
  std::ifstream in(KEYDESK_EXAMPLES_DIR "/submissions/S-2026-000201/submission.json");
  return nlohmann::json::parse(in);
}

bool schema_accepts(const nlohmann::json& value) {
  static const nlohmann::json schema_json = [] {
    std::ifstream in(KEYDESK_RULES_DIR "/../schemas/submission.schema.json");
    return nlohmann::json::parse(in);
  }();
  static valijson::Schema schema;
  static const bool parsed = [] {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter adapter(schema_json);
    parser.populateSchema(adapter, schema);
    return true;
  }();
  (void)parsed;
  valijson::Validator validator;
  valijson::adapters::NlohmannJsonAdapter target(value);
  return validator.validate(schema, target, nullptr);
}

// Every JSON type, one value each.
const std::vector<nlohmann::json>& every_type() {
  static const std::vector<nlohmann::json> values = {
      nullptr, true, 42, -7, 3.5, "text", nlohmann::json::array({1}), nlohmann::json::object()};
  return values;
}

}  // namespace

TEST_CASE("the example submissions parse, and what is stored is what was sent") {
  for (const char* id : {"S-2026-000201", "S-2026-000202", "S-2026-000203", "S-2026-000204",
                         "S-2026-000205", "S-2026-000206"}) {
    std::ifstream in(std::string(KEYDESK_EXAMPLES_DIR "/submissions/") + id + "/submission.json");
    const nlohmann::json sent = nlohmann::json::parse(in);
    auto s = parse_submission(sent);
    INFO(id << ": " << (s ? "" : s.error().message));
    REQUIRE(s);
    CHECK(s->to_json() == sent);
    CHECK(schema_accepts(sent));
  }
}

TEST_CASE(
    "every field with every wrong JSON type is refused naming the field, by the parser and "
    "the schema alike") {
  const nlohmann::json good = example();
  std::vector<std::pair<std::string, std::string>> all;
  test::json_fields(good, "", "", all);
  int refused = 0;
  for (const auto& [pointer, name] : all) {
    const nlohmann::json& original = good.at(nlohmann::json::json_pointer(pointer));
    for (const nlohmann::json& wrong : every_type()) {
      if (wrong.type() == original.type()) continue;
      nlohmann::json sent = good;
      sent[nlohmann::json::json_pointer(pointer)] = wrong;
      auto s = parse_submission(sent, "submission.");
      INFO(name << " = " << wrong.dump());
      REQUIRE_FALSE(s);
      CHECK(s.error().kind == ErrorKind::invalid_input);
      // Named: the field itself, or, for an element of a list, the element.
      CHECK_THAT(s.error().message, Catch::StartsWith("submission." + name));
      CHECK_FALSE(schema_accepts(sent));
      ++refused;
    }
  }
  CHECK(refused > 100);
}

TEST_CASE(
    "missing, unknown, too long, too many and path-like values are refused naming the field") {
  nlohmann::json s = example();
  s.erase("id");
  CHECK_THAT(parse_submission(s).error().message, Catch::StartsWith("id：缺少此项"));
  s = example();
  s["enterprse"] = {{"name", "x"}};
  CHECK_THAT(parse_submission(s).error().message, Catch::StartsWith("enterprse：不认识的字段"));
  CHECK_FALSE(schema_accepts(s));
  s = example();
  s["enterprise"]["name"] = std::string(201, 'x');
  CHECK_THAT(parse_submission(s).error().message, Catch::StartsWith("enterprise.name：过长"));
  s = example();
  s["materials"] = nlohmann::json::array();
  for (int i = 0; i < 33; ++i) s["materials"].push_back({{"type", "ekey"}, {"file", "a.jpg"}});
  CHECK_THAT(parse_submission(s).error().message, Catch::StartsWith("materials：材料过多"));
  for (const char* file : {"../x.jpg", "/etc/passwd", "a/b.jpg", "..", ".hidden", "a\\b"}) {
    s = example();
    s["materials"][1]["file"] = file;
    INFO(file);
    CHECK_THAT(parse_submission(s).error().message, Catch::StartsWith("materials[1].file："));
    CHECK_FALSE(schema_accepts(s));
  }
  for (const char* id : {"S-1\r\nSet-Cookie: x", "../S-1", "", "-S", "S 1"}) {
    s = example();
    s["id"] = id;
    CHECK_FALSE(parse_submission(s));
    CHECK_FALSE(schema_accepts(s));
  }
  for (const char* procedure : {"../../etc/passwd", "/tmp/x", "Reissue", "reissue.yaml"}) {
    s = example();
    s["procedure"] = procedure;
    CHECK_THAT(parse_submission(s).error().message, Catch::StartsWith("procedure："));
    CHECK_FALSE(schema_accepts(s));
  }
}

TEST_CASE("JSON nested 100,000 deep or too large is refused without being built") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  auto r = parse_client_json(deep, "inputs");
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("嵌套层数过多"));
  const std::string deep_object =
      "{\"inputs\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
  CHECK_FALSE(parse_submission_text(deep_object));
  CHECK_FALSE(parse_client_json(std::string(2 << 20, ' '), "body"));
  CHECK(parse_client_json(R"({"a": [[[1]]]})", "body"));
  CHECK_THAT(parse_submission_text("{ not json").error().message,
             Catch::Contains("不是有效的 JSON"));
}

TEST_CASE("stored JSON of any shape is read without an exception") {
  for (const nlohmann::json& odd : every_type()) {
    nlohmann::json record = {{"enterprise", odd}, {"materials", odd}};
    CHECK(text_at(record, "/enterprise/name").empty());
    CHECK(list_at(record, "materials").is_array());
    CHECK(object_at(record, "enterprise").is_object());
    CHECK(text_at(odd, "/enterprise/name").empty());
  }
  CHECK(text_at({{"enterprise", {{"name", "某公司"}}}}, "/enterprise/name") == "某公司");
}
