// Small pieces of HTTP the handlers share: targets split into path and query, cookies, JSON
// and error responses, header values made from names.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <nlohmann/json.hpp>

#include "server/app.h"

namespace keydesk::server {

namespace http = boost::beast::http;

// Beast 1.74's string_view is Boost's.
inline std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

// "%E5%8C%97+x" -> "北 x". Malformed escapes are kept as they are.
std::string url_decode(std::string_view text, bool plus_is_space = true);

struct Target {
  std::string path;                          // decoded
  std::vector<std::string> segments;         // path split at '/', empty ones dropped
  std::map<std::string, std::string> query;  // decoded; the last of a repeated key wins

  // The query parameter `key`, "" when absent.
  std::string param(const std::string& key) const {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  }
};
// Splits a request target. False when the path is not absolute or holds "..", or when the path
// or a query parameter, decoded, is not UTF-8: then `*not_utf8` (optional) gets that parameter's
// name ("path" for the path), so that no handler ever meets bytes it cannot write back.
bool parse_target(std::string_view target, Target& out, std::string* not_utf8 = nullptr);

// The value of cookie `name` in a Cookie header ("" when absent).
std::string cookie_value(std::string_view header, std::string_view name);

// A Content-Disposition value (`disposition`: "inline" or "attachment") naming the download
// `filename`, which may hold anything a case id or a client ever held (CR, LF, quotes, Chinese).
// Never the raw name: filename="…" keeps only its A-Z a-z 0-9 . _ - (the rest dropped;
// "download" when nothing is left), and when that dropped anything, filename*=UTF-8''… (RFC 6266,
// RFC 8187) gives the whole name, every other byte percent-encoded (control characters dropped,
// malformed UTF-8 as U+FFFD). Every header value built from a name goes through here: nothing
// of the name can end the header or start another.
std::string content_disposition(std::string_view disposition, std::string_view filename);

inline constexpr const char* kJsonContentType = "application/json; charset=utf-8";
Response json_response(const Request& request, http::status status, const nlohmann::json& body);
// {"error": message, "field": field}: what was wrong and, when one field was, which.
// The HTTP status of an engine error's kind: the one place kinds become statuses.
http::status status_of(ErrorKind kind);

// An engine error as its response: the status of its kind, the message (Chinese first).
Response error_response(const Request& request, const Error& error, const std::string& field = "");

// The address a request is counted by: `peer`, or when `peer` is one of `trusted` (the reverse
// proxies in front), the last address of its X-Forwarded-For that is not itself trusted (each
// proxy appends the address it was reached from; the earlier ones the client may have written).
// An entry that is no IP address, or none left, is `peer`.
std::string client_address(const Request& request, const std::string& peer,
                           const std::vector<boost::asio::ip::address>& trusted);
// A message as keydesk writes them, "中文，说明下一步 (English detail)", split in two: the body
// of an error answer is {"error": the Chinese, "detail": the English, "kind"?, "field"?}; a
// message with no Chinese part stays whole in "error".
std::pair<std::string, std::string> split_detail(const std::string& message);
// A failure of the server's own storage (database, files it writes): its kind's status (503 when
// busy), 500 when it has no more telling kind than invalid input.
Response storage_error(const Request& request, const Error& error);

// The field an invalid-input message names at its start ("inputs.waybill：应为文字…"), or "".
std::string field_named(const Error& error);

Response error_response(const Request& request, http::status status, const std::string& message,
                        const std::string& field = "");
Response text_response(const Request& request, http::status status, std::string body,
                       const std::string& content_type);

}  // namespace keydesk::server
