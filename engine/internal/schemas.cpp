#include "engine/internal/schemas.h"

namespace keydesk::embedded {
extern const unsigned char calendar_schema_json[];
extern const unsigned char counter_schema_json[];
extern const unsigned char procedure_schema_json[];
extern const unsigned char scenario_schema_json[];
extern const unsigned char documents_schema_json[];
}  // namespace keydesk::embedded

namespace keydesk::internal {

namespace {
nlohmann::json parse(const unsigned char* text) {
  return nlohmann::json::parse(reinterpret_cast<const char*>(text));
}
}  // namespace

const nlohmann::json& calendar_schema() {
  static const nlohmann::json schema = parse(embedded::calendar_schema_json);
  return schema;
}

const nlohmann::json& counter_schema() {
  static const nlohmann::json schema = parse(embedded::counter_schema_json);
  return schema;
}

const nlohmann::json& procedure_schema() {
  static const nlohmann::json schema = parse(embedded::procedure_schema_json);
  return schema;
}

const nlohmann::json& scenario_schema() {
  static const nlohmann::json schema = parse(embedded::scenario_schema_json);
  return schema;
}

const nlohmann::json& documents_schema() {
  static const nlohmann::json schema = parse(embedded::documents_schema_json);
  return schema;
}

}  // namespace keydesk::internal
