#include "engine/privacy.h"

namespace keydesk {

std::string mask_id_number(std::string_view id) {
  if (id.size() >= 15)
    return std::string(id.substr(0, 6)) + std::string(id.size() - 10, '*') +
           std::string(id.substr(id.size() - 4));
  if (id.empty()) return {};
  return std::string(id.size() - 1, '*') + id.back();
}

nlohmann::json mask_personal_data(nlohmann::json j) {
  if (j.is_object()) {
    for (auto& [key, value] : j.items()) {
      if (key == "id_number" && value.is_string())
        value = mask_id_number(value.get<std::string>());
      else
        value = mask_personal_data(value);
    }
  } else if (j.is_array()) {
    for (auto& v : j) v = mask_personal_data(v);
  }
  return j;
}

}  // namespace keydesk
