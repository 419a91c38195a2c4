#include "server/multipart.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace keydesk::server {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The value of parameter `key` in a header value ("form-data; name=\"x\"; filename=\"y\"").
std::string parameter(std::string_view value, std::string_view key) {
  for (size_t at = value.find(';'); at != std::string_view::npos; at = value.find(';', at + 1)) {
    std::string_view rest = trim(value.substr(at + 1));
    if (lower(rest.substr(0, key.size())) != key || rest.size() <= key.size() ||
        rest[key.size()] != '=')
      continue;
    rest.remove_prefix(key.size() + 1);
    if (!rest.empty() && rest.front() == '"') {
      size_t close = rest.find('"', 1);
      return std::string(
          rest.substr(1, close == std::string_view::npos ? rest.size() - 1 : close - 1));
    }
    return std::string(trim(rest.substr(0, rest.find(';'))));
  }
  return "";
}

}  // namespace

std::string multipart_boundary(std::string_view content_type) {
  if (lower(trim(content_type.substr(0, content_type.find(';')))) != "multipart/form-data")
    return "";
  std::string boundary = parameter(content_type, "boundary");
  return boundary.size() <= 70 ? boundary : "";
}

Result<std::vector<FormPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                              std::size_t max_parts) {
  if (boundary.empty()) return Error{"multipart body without a boundary"};
  const std::string delimiter = "--" + std::string(boundary);
  std::vector<FormPart> parts;
  size_t at = body.find(delimiter);
  if (at == std::string_view::npos) return Error{"multipart body without its boundary line"};
  for (;;) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") return parts;  // the closing delimiter
    if (body.substr(at, 2) != "\r\n") return Error{"multipart boundary not followed by a line end"};
    if (parts.size() == max_parts)
      return Error{"部分过多：至多 " + std::to_string(max_parts) + " 个 (more than " +
                   std::to_string(max_parts) +
                   " parts: send the submission and one file part per material)"};
    at += 2;
    size_t headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string_view::npos)
      return Error{"multipart part without a blank line after its headers"};
    FormPart part;
    for (std::string_view headers = body.substr(at, headers_end - at); !headers.empty();) {
      size_t eol = headers.find("\r\n");
      std::string_view line = headers.substr(0, eol);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string key = lower(trim(line.substr(0, colon)));
        std::string_view value = trim(line.substr(colon + 1));
        if (key == "content-disposition") {
          part.name = parameter(value, "name");
          part.filename = parameter(value, "filename");
        } else if (key == "content-type") {
          part.content_type = std::string(value);
        }
      }
      if (eol == std::string_view::npos) break;
      headers.remove_prefix(eol + 2);
    }
    const size_t data_start = headers_end + 4;
    size_t next = body.find("\r\n" + delimiter, data_start);
    if (next == std::string_view::npos) return Error{"multipart body cut off: no closing boundary"};
    if (part.name.empty()) return Error{"a multipart part without a field name"};
    part.data = body.substr(data_start, next - data_start);
    parts.push_back(std::move(part));
    at = next + 2;
  }
}

bool carries(const FormPart& part, std::string_view file) {
  return part.filename == file || part.name == file;
}

std::optional<StrayPart> stray_part(const std::vector<FormPart>& parts,
                                    const std::vector<std::string>& files) {
  bool submission = false;
  std::set<std::string_view> carried;
  for (const FormPart& p : parts) {
    if (p.name == "submission") {
      if (submission)
        return StrayPart{"重复的 submission 部分 (a second 'submission' part)", p.name};
      submission = true;
      continue;
    }
    const std::string& key = p.filename.empty() ? p.name : p.filename;
    if (!carried.insert(key).second)
      return StrayPart{
          "文件 '" + key + "' 重复提交 (part '" + key + "' sent twice: one part per material file)",
          key};
    if (std::none_of(files.begin(), files.end(),
                     [&](const std::string& file) { return carries(p, file); }))
      return StrayPart{"部分 '" + key + "' 不是 submission.json 所列材料 (part '" + key +
                           "' is not a material of submission.json)",
                       key};
  }
  return std::nullopt;
}

}  // namespace keydesk::server
