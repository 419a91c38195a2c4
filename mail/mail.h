// E-mail out of keydesk: a message composed for the wire and sent over SMTP (libcurl).
//
// A message is plain text: the subject as RFC 2047 encoded words (UTF-8, base64), the body
// UTF-8 in base64 (no 8BITMIME needed on the way), a Date in the counter's offset and the
// Message-ID the caller gives, so that a message sent again after a crash is recognisably the
// same one. Addresses are checked before anything is sent: a header is never built from a
// value that could carry a line break.
//
// Sending answers one of three outcomes; the caller (the engine's outbox) decides what to keep:
//   sent        the server took the message (250 after DATA)
//   temporary   try again later: no connection, a timeout, a 4xx answer; or the counter's own
//               settings are wrong (Delivery::configuration: the server's certificate not
//               trusted, the login refused, no STARTTLS), which is no fault of the message
//   permanent   the server refused the message for good: a 5xx answer to its recipient or its
//               content (a bad address, a policy)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace keydesk::mail {

struct Message {
  std::string from;       // addr-spec: counter@example.gov.cn
  std::string from_name;  // display name, UTF-8; may be empty
  std::vector<std::string> to;
  std::string subject;     // UTF-8, one line
  std::string body;        // UTF-8 text, lines separated by \n
  std::string message_id;  // "<…@…>"
  std::int64_t date = 0;   // Unix seconds
  int utc_offset_minutes = 480;
};

// Whether `address` is an addr-spec SMTP can be given as it is: local@domain in printable ASCII,
// no spaces, quotes, angle brackets or line breaks, at most 254 bytes.
bool valid_address(const std::string& address);

// The domain of an address ("example.gov.cn"), or "" when it has none.
std::string domain_of(const std::string& address);

// `text` (UTF-8) as RFC 2047 encoded words (=?UTF-8?B?…?=), each at most 75 characters, folded
// with CRLF + space; plain printable ASCII is left as it is. Line breaks become spaces.
std::string encode_header_text(const std::string& text);

// RFC 5322 date: "Wed, 02 Dec 2026 22:00:00 +0800".
std::string rfc5322_date(std::int64_t unix_seconds, int utc_offset_minutes);

// Standard base64 of `bytes`, in lines of at most 76 characters joined by CRLF when `wrap`.
std::string base64(const std::string& bytes, bool wrap = false);

// The whole message as sent after DATA: headers and body, CRLF line ends.
std::string compose(const Message& message);

// Where to send and how.
struct Server {
  std::string url;          // smtp://host:port (STARTTLS) or smtps://host:port (TLS)
  bool require_tls = true;  // smtp:// only: STARTTLS or give up (false: plain text)
  std::string username;     // empty: no login
  std::string password;     // never logged
  // A PEM file of the CA certificate(s) the server's certificate is verified against (an
  // internal CA); empty: the system's. The certificate is always verified.
  std::string ca_file;
  long connect_timeout_seconds = 10;
  long timeout_seconds = 60;  // the whole exchange of one message
};

enum class Outcome { sent, temporary, permanent };

struct Delivery {
  Outcome outcome = Outcome::temporary;
  long smtp_code = 0;       // the server's last answer (0: none, e.g. no connection)
  std::string detail;       // English, for logs and last_error: what curl and the server said
  bool connection = false;  // temporary because the server could not be reached at all
  // Temporary because of the counter's own settings, not the message: the server's certificate
  // not trusted, TLS not possible, the login refused, no STARTTLS where TLS is required, the
  // session refused before any recipient. Every message would fail alike until an
  // administrator mends them; `detail` begins with what to mend.
  bool configuration = false;
};

// One SMTP client; connections are kept between messages. Not thread-safe: one per thread.
class Sender {
 public:
  explicit Sender(Server server);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  Delivery send(const Message& message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keydesk::mail
