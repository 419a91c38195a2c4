#include "engine/internal/schemas.h"

namespace keydesk::embedded {
extern const char calendar_schema_json[];
extern const char counter_schema_json[];
extern const char procedure_schema_json[];
extern const char scenario_schema_json[];
extern const char documents_schema_json[];
}  // namespace keydesk::embedded

namespace keydesk::internal {

const nlohmann::json& calendar_schema() {
  static const nlohmann::json schema = nlohmann::json::parse(embedded::calendar_schema_json);
  return schema;
}

const nlohmann::json& counter_schema() {
  static const nlohmann::json schema = nlohmann::json::parse(embedded::counter_schema_json);
  return schema;
}

const nlohmann::json& procedure_schema() {
  static const nlohmann::json schema = nlohmann::json::parse(embedded::procedure_schema_json);
  return schema;
}

const nlohmann::json& scenario_schema() {
  static const nlohmann::json schema = nlohmann::json::parse(embedded::scenario_schema_json);
  return schema;
}

const nlohmann::json& documents_schema() {
  static const nlohmann::json schema = nlohmann::json::parse(embedded::documents_schema_json);
  return schema;
}

}  // namespace keydesk::internal
