#include "engine/privacy.h"

#include "ocr/codes.h"

namespace keydesk {

std::string mask_id_number(std::string_view id) {
  if (id.size() >= 15)
    return std::string(id.substr(0, 6)) + std::string(id.size() - 10, '*') +
           std::string(id.substr(id.size() - 4));
  if (id.empty()) return {};
  return std::string(id.size() - 1, '*') + id.back();
}

namespace {

bool shaped_like_id(const std::string& w) {
  for (size_t i = 0; i < 17; ++i)
    if (w[i] < '0' || w[i] > '9') return false;
  int province = std::stoi(w.substr(0, 2)), year = std::stoi(w.substr(6, 4));
  int month = std::stoi(w.substr(10, 2)), day = std::stoi(w.substr(12, 2));
  return province >= 11 && province <= 82 && year >= 1900 && year <= 2099 && month >= 1 &&
         month <= 12 && day >= 1 && day <= 31;
}

}  // namespace

std::string mask_id_numbers_in(std::string text) {
  auto id_char = [&](size_t i) {
    return (text[i] >= '0' && text[i] <= '9') || text[i] == 'X' || text[i] == 'x';
  };
  for (size_t i = 0; i + 18 <= text.size(); ++i) {
    if (!id_char(i)) continue;
    std::string window = text.substr(i, 18);
    for (char& c : window) c = c == 'x' ? 'X' : c;
    // Shaped like an ID number (a province code, a birth date) is enough: a mistyped one that
    // fails its check is still someone's.
    if (ocr::check_id_number(window, "99991231").valid || shaped_like_id(window)) {
      text.replace(i, 18, mask_id_number(window));
      i += 17;
    }
  }
  return text;
}

nlohmann::json mask_personal_data(nlohmann::json j) {
  if (j.is_string()) return mask_id_numbers_in(j.get<std::string>());
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
