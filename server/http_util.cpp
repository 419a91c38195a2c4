#include "server/http_util.h"

#include <algorithm>
#include <cctype>

#include "common/utf8.h"

namespace keydesk::server {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool plain_filename_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

void common_headers(Response& res, const Request& req) {
  res.set(http::field::server, "keydesk");
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "same-origin");
  res.keep_alive(req.keep_alive());
}

}  // namespace

std::string url_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

bool parse_target(std::string_view target, Target& out, std::string* not_utf8) {
  if (target.empty() || target[0] != '/') return false;
  size_t q = target.find('?');
  out.path = url_decode(target.substr(0, q), false);
  if (out.path.find("..") != std::string::npos || out.path.find('\0') != std::string::npos)
    return false;
  auto refuse = [not_utf8](const std::string& name) {
    if (not_utf8) *not_utf8 = decode_utf8(name) ? name : "query";
    return false;
  };
  if (!decode_utf8(out.path)) return refuse("path");
  out.segments.clear();
  for (size_t at = 0; at < out.path.size();) {
    size_t slash = out.path.find('/', at);
    if (slash == std::string::npos) slash = out.path.size();
    if (slash > at) out.segments.push_back(out.path.substr(at, slash - at));
    at = slash + 1;
  }
  out.query.clear();
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    if (!pair.empty()) {
      std::string key = url_decode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
      if (!decode_utf8(key) || !decode_utf8(value)) return refuse(key);
      out.query[std::move(key)] = std::move(value);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return true;
}

std::string cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view part = header.substr(0, semi);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name)
      return std::string(part.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    header.remove_prefix(semi + 1);
  }
  return "";
}

std::string content_disposition(std::string_view disposition, std::string_view filename) {
  std::string plain;
  for (char c : filename)
    if (plain_filename_char(c)) plain += c;
  std::string value = std::string(disposition) + "; filename=\"" +
                      (plain.empty() ? std::string("download") : plain) + "\"";
  if (plain.size() == filename.size()) return value;
  std::string utf8;
  for (char32_t cp : decode_utf8_lossy(filename))
    if (cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0)) utf8 += encode_utf8(cp);
  static constexpr char kHex[] = "0123456789ABCDEF";
  value += "; filename*=UTF-8''";
  for (unsigned char c : utf8) {
    if (plain_filename_char(static_cast<char>(c))) {
      value += static_cast<char>(c);
    } else {
      value += '%';
      value += kHex[c >> 4];
      value += kHex[c & 0xF];
    }
  }
  return value;
}

Response text_response(const Request& req, http::status status, std::string body,
                       const std::string& content_type) {
  Response res{status, req.version()};
  common_headers(res, req);
  res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(const Request& req, http::status status, const nlohmann::json& body) {
  return text_response(req, status,
                       body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                       kJsonContentType);
}

namespace {
bool ascii_only(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}
}  // namespace

std::pair<std::string, std::string> split_detail(const std::string& message) {
  // "请重新打开案件 (case S-1 changed …)": the parenthesis closing the message, matched
  // backwards; what precedes it is for people, what it holds the English detail.
  if (message.size() < 4 || message.back() != ')') return {message, ""};
  int depth = 0;
  for (std::size_t i = message.size(); i-- > 0;) {
    if (message[i] == ')') ++depth;
    if (message[i] == '(' && --depth == 0) {
      if (i == 0 || message[i - 1] != ' ') return {message, ""};
      std::string people = message.substr(0, i - 1);
      // Only when people get something of their own: an English message stays whole.
      if (ascii_only(people)) return {message, ""};
      return {people, message.substr(i + 1, message.size() - i - 2)};
    }
  }
  return {message, ""};
}

namespace {

// What people read when a message has nothing of theirs (English only, from a library or a
// check that predates the Chinese messages): a Chinese sentence by the status saying what to do,
// the English kept as the detail.
std::string generic_message(http::status status) {
  switch (status) {
    case http::status::bad_request:
      return "请求内容有误，请检查填写的内容后重试";
    case http::status::unauthorized:
      return "请先登录";
    case http::status::forbidden:
      return "您没有权限进行此操作";
    case http::status::not_found:
      return "没有找到要打开的内容，请返回列表重新打开";
    case http::status::method_not_allowed:
      return "不支持这种请求方式，请使用页面上的按钮操作";
    case http::status::conflict:
      return "操作未能完成，请刷新页面后重试";
    case http::status::payload_too_large:
      return "上传的内容太大，请缩小文件后重试";
    case http::status::service_unavailable:
      return "服务器正忙，请稍后重试";
    default:
      return "服务器出错，操作没有完成：请稍后重试，如仍不行请联系管理员";
  }
}

nlohmann::json error_body(http::status status, const std::string& message,
                          const std::string& field) {
  auto [people, detail] = split_detail(message);
  if (ascii_only(people)) {
    detail = message;
    people = generic_message(status);
  }
  nlohmann::json body = {{"error", people}};
  if (!detail.empty()) body["detail"] = detail;
  if (!field.empty()) body["field"] = field;
  return body;
}
}  // namespace

Response error_response(const Request& req, http::status status, const std::string& message,
                        const std::string& field) {
  return json_response(req, status, error_body(status, message, field));
}

http::status status_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input:
      return http::status::bad_request;
    case ErrorKind::not_found:
      return http::status::not_found;
    case ErrorKind::refused:
      return http::status::conflict;
    case ErrorKind::forbidden:
      return http::status::forbidden;
    case ErrorKind::stale:
      return http::status::conflict;
    case ErrorKind::busy:
    case ErrorKind::unavailable:
      return http::status::service_unavailable;
    case ErrorKind::io:
    case ErrorKind::corrupt:
      return http::status::internal_server_error;
  }
  return http::status::internal_server_error;
}

Response storage_error(const Request& request, const Error& error) {
  return error_response(request,
                        error.kind == ErrorKind::invalid_input ? http::status::internal_server_error
                                                               : status_of(error.kind),
                        error.message);
}

std::string field_named(const Error& error) {
  const std::string& m = error.message;
  const size_t colon = m.find("：");
  if (colon == std::string::npos || colon == 0 || colon > 80) return "";
  for (size_t i = 0; i < colon; ++i) {
    const char ch = m[i];
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.' && ch != '[' &&
        ch != ']')
      return "";
  }
  return m.substr(0, colon);
}

std::string client_address(const Request& request, const std::string& peer,
                           const std::vector<boost::asio::ip::address>& trusted) {
  if (trusted.empty()) return peer;  // the usual case: no proxy named, nothing to parse
  auto is_trusted = [&](const boost::asio::ip::address& a) {
    return std::find(trusted.begin(), trusted.end(), a) != trusted.end();
  };
  boost::system::error_code ec;
  const auto from = boost::asio::ip::make_address(peer, ec);
  if (ec || !is_trusted(from)) return peer;
  std::string_view forwarded = sv(request["X-Forwarded-For"]);
  while (!forwarded.empty()) {
    const std::size_t comma = forwarded.rfind(',');
    std::string_view entry =
        comma == std::string_view::npos ? forwarded : forwarded.substr(comma + 1);
    forwarded = comma == std::string_view::npos ? std::string_view() : forwarded.substr(0, comma);
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t'))
      entry.remove_prefix(1);
    while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) entry.remove_suffix(1);
    const auto address = boost::asio::ip::make_address(std::string(entry), ec);
    if (ec) return peer;
    if (!is_trusted(address)) return address.to_string();
  }
  return peer;
}

Response error_response(const Request& request, const Error& error, const std::string& field) {
  nlohmann::json body = error_body(status_of(error.kind), error.message, field);
  if (error.kind == ErrorKind::stale) body["kind"] = "stale";  // the page offers to reload
  return json_response(request, status_of(error.kind), body);
}

}  // namespace keydesk::server
