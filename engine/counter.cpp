#include "engine/counter.h"

#include "engine/internal/schemas.h"
#include "engine/internal/yaml_document.h"

namespace keydesk {

Result<CounterConfig> load_counter_config(const std::filesystem::path& path) {
  CounterConfig config;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return config;
  Diagnostics problems;
  auto doc = internal::YamlDocument::load(path, problems);
  if (doc) {
    auto schema_problems = doc->validate(internal::counter_schema());
    problems.insert(problems.end(), schema_problems.begin(), schema_problems.end());
  }
  if (!problems.empty()) return Error{problems_message(path.string(), problems.size()), problems};
  const auto& j = doc->json();
  if (j.is_null()) return config;  // an empty file: defaults
  config.file = path.string();
  config.authority = j.value("authority", "");
  config.calendar = j.value("calendar", config.calendar);
  auto contact = [&j](const char* key) {
    const auto& c = j.value(key, nlohmann::json::object());
    return Contact{c.value("organisation", ""), c.value("person", ""), c.value("phone", ""),
                   c.value("fax", ""), c.value("address", "")};
  };
  config.contact = contact("contact");
  if (config.contact.organisation.empty()) config.contact.organisation = config.authority;
  config.vendor = contact("vendor");
  config.query = j.value("query", std::vector<std::string>{});
  if (j.contains("cutoff")) {
    std::string t = j["cutoff"];
    config.hours.cutoff_minutes = std::stoi(t.substr(0, 2)) * 60 + std::stoi(t.substr(3, 2));
  }
  if (j.contains("utc_offset")) {
    std::string t = j["utc_offset"];
    int minutes = std::stoi(t.substr(1, 2)) * 60 + std::stoi(t.substr(4, 2));
    config.hours.utc_offset_minutes = t[0] == '-' ? -minutes : minutes;
  }
  return config;
}

}  // namespace keydesk
