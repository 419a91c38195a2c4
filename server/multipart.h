// multipart/form-data bodies (RFC 7578), as the online filing system and browsers send
// submissions: a JSON part and the scans. Beast 1.74 has no parser for them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/result.h"

namespace keydesk::server {

struct FormPart {
  std::string name;          // the form field
  std::string filename;      // as the client named it: for matching only, never a path here
  std::string content_type;  // as the client said (the bytes decide the type, not this)
  std::string_view data;     // into the body given to parse_multipart
};

// The boundary of a Content-Type header value ("multipart/form-data; boundary=…"); empty when
// it is not multipart/form-data or has none.
std::string multipart_boundary(std::string_view content_type);

// The parts of `body`. An Error says what is malformed (no closing boundary, a part without
// headers, a part without a name).
Result<std::vector<FormPart>> parse_multipart(std::string_view body, std::string_view boundary);

}  // namespace keydesk::server
