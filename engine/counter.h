// The counter's configuration (rules/counter.yaml, schemas/counter.schema.json): which calendar
// its deadlines use and when its daily intake closes. Defaults apply to every key left out.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/calendar.h"

namespace keydesk {

// Contact details printed on the counter's documents.
struct Contact {
  std::string organisation, person, phone, fax, address;
};

struct CounterConfig {
  std::string authority;
  Contact contact;  // the authority's own (organisation: `authority` unless given)
  Contact vendor;   // the key vendor (电子钥匙服务商) cases are faxed or couriered to
  std::vector<std::string> query;  // where enterprises ask about a case
  std::string calendar = "cn-national";
  CounterHours hours;
  std::string file;  // where it was read from; empty when defaults were used
};

// Reads `path`. A missing file gives the defaults; a file with problems gives an Error listing
// them (file:line:column).
Result<CounterConfig> load_counter_config(const std::filesystem::path& path);

}  // namespace keydesk
