// The JSON Schemas of schemas/, compiled into the binary (cmake/embed.cmake) and parsed once.
#pragma once

#include <nlohmann/json.hpp>

namespace keydesk::internal {

const nlohmann::json& calendar_schema();
const nlohmann::json& counter_schema();
const nlohmann::json& procedure_schema();
const nlohmann::json& scenario_schema();
const nlohmann::json& documents_schema();

}  // namespace keydesk::internal
