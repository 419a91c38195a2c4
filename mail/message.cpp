#include <cstdio>
#include <ctime>

#include "mail/mail.h"

namespace keydesk::mail {

namespace {

bool printable_ascii(const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x20 || c > 0x7E) return false;
  return true;
}

// The end of the UTF-8 sequence starting at `i` (or i + 1 on a stray byte).
std::size_t next_character(const std::string& text, std::size_t i) {
  ++i;
  while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  return i;
}

}  // namespace

bool valid_address(const std::string& address) {
  if (address.empty() || address.size() > 254) return false;
  auto at = address.find('@');
  if (at == 0 || at == std::string::npos || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string::npos)
    return false;
  for (unsigned char c : address) {
    if (c <= 0x20 || c >= 0x7F) return false;
    if (c == '<' || c == '>' || c == '"' || c == ',' || c == ';' || c == '(' || c == ')' ||
        c == '[' || c == ']' || c == '\\' || c == ':')
      return false;
  }
  const std::string domain = address.substr(at + 1);
  return domain.front() != '.' && domain.back() != '.' && domain.find("..") == std::string::npos;
}

std::string domain_of(const std::string& address) {
  auto at = address.rfind('@');
  return at == std::string::npos ? "" : address.substr(at + 1);
}

std::string base64(const std::string& bytes, bool wrap) {
  static const char* const kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t line = 0;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    char quad[4] = {kAlphabet[(n >> 18) & 63], kAlphabet[(n >> 12) & 63],
                    i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=',
                    i + 2 < bytes.size() ? kAlphabet[n & 63] : '='};
    if (wrap && line == 76) {
      out += "\r\n";
      line = 0;
    }
    out.append(quad, 4);
    line += 4;
  }
  return out;
}

std::string encode_header_text(const std::string& given) {
  std::string text;
  for (char c : given) text += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
  if (printable_ascii(text) && text.find("=?") == std::string::npos && text.size() <= 900)
    return text;
  // 45 bytes of UTF-8 make 60 base64 characters: with "=?UTF-8?B?" and "?=" a word of 72.
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      std::size_t next = next_character(text, end);
      if (next - i > 45) break;
      end = next;
    }
    if (end == i) end = next_character(text, i);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string rfc5322_date(std::int64_t unix_seconds, int utc_offset_minutes) {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t local = static_cast<std::time_t>(unix_seconds + utc_offset_minutes * 60LL);
  std::tm tm{};
  gmtime_r(&local, &tm);
  const int off = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
  char out[64];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d %c%02d%02d", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                utc_offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return out;
}

std::string compose(const Message& m) {
  std::string to;
  for (const auto& address : m.to) to += (to.empty() ? "" : ", ") + address;
  std::string from =
      m.from_name.empty() ? m.from : encode_header_text(m.from_name) + " <" + m.from + ">";
  std::string body;
  for (char c : m.body) {
    if (c == '\r') continue;
    if (c == '\n') body += '\r';
    body += c;
  }
  return "Date: " + rfc5322_date(m.date, m.utc_offset_minutes) + "\r\n" +  //
         "From: " + from + "\r\n" +                                        //
         "To: " + to + "\r\n" +                                            //
         "Subject: " + encode_header_text(m.subject) + "\r\n" +            //
         "Message-ID: " + m.message_id + "\r\n" +                          //
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=UTF-8\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "\r\n" +
         base64(body, true) + "\r\n";
}

}  // namespace keydesk::mail
