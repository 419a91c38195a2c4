// multipart/form-data bodies (RFC 7578), as the online filing system and browsers send
// submissions: a JSON part and the scans. Beast 1.74 has no parser for them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

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

// The most parts a body may have: the submission and one file per material. Each file part is
// written out as a file on the I/O thread; the procedures ask for at most 6 materials, so 32
// leaves room for new ones while a body of thousands of tiny parts is refused unread.
inline constexpr std::size_t kMaxFormParts = 32;

// The parts of `body`. An Error says what is malformed (no closing boundary, a part without
// headers, a part without a name) or that there are more than `max_parts`, found before the
// parts beyond it are read.
Result<std::vector<FormPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                              std::size_t max_parts = kMaxFormParts);

// Whether `part` carries the material file a submission calls `file` (its file name, or its
// field name).
bool carries(const FormPart& part, std::string_view file);

// One part, one file, checked before anything is written: the first part of `parts` that is a
// second `submission` part, carries the same file as an earlier part (same file name, or same
// field name when it has none), or carries none of `files` (the file each material names).
// nullopt when every part is the submission or the one part of a file.
struct StrayPart {
  std::string message;  // for people, naming the part
  std::string part;     // its file name, else its field name
};
std::optional<StrayPart> stray_part(const std::vector<FormPart>& parts,
                                    const std::vector<std::string>& files);

}  // namespace keydesk::server
