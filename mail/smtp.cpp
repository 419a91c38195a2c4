// Sending over SMTP with libcurl's easy interface: MAIL FROM, one RCPT TO per address, DATA
// fed from the composed message (CURLOPT_READFUNCTION with CURLOPT_UPLOAD).
#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "mail/mail.h"

namespace keydesk::mail {

namespace {

struct Payload {
  const std::string* text = nullptr;
  std::size_t at = 0;
};

std::size_t read_payload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* p = static_cast<Payload*>(user);
  const std::size_t n = std::min(size * count, p->text->size() - p->at);
  std::memcpy(buffer, p->text->data() + p->at, n);
  p->at += n;
  return n;
}

// What libcurl's debug stream tells of the exchange: the server's last refusal ("550 5.1.1
// <x@y>: mailbox unavailable"; CURLINFO_HEADER_IN carries the SMTP responses) and the last
// command sent, by its verb only (CURLINFO_HEADER_OUT; AUTH's arguments and the lines after it
// carry the credentials and are never kept).
struct Exchange {
  std::string answer;
  std::string command;  // EHLO, HELO, STARTTLS, AUTH, MAIL, RCPT or DATA; "": none yet
};

int keep_exchange(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  auto* x = static_cast<Exchange*>(user);
  if (type == CURLINFO_HEADER_IN) {
    std::string line(data, std::min<std::size_t>(size, 300));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    if (!line.empty() && (line[0] == '4' || line[0] == '5')) x->answer = line;
  } else if (type == CURLINFO_HEADER_OUT) {
    const std::string line(data, std::min<std::size_t>(size, 16));
    // Not QUIT: it may follow the refusal that matters.
    for (const char* verb : {"EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA"}) {
      const std::size_t n = std::strlen(verb);
      if (line.compare(0, n, verb) == 0 &&
          (line.size() == n || line[n] == ' ' || line[n] == '\r' || line[n] == '\n'))
        x->command = verb;
    }
  }
  return 0;
}

// The list libcurl sends RCPT TO for, freed with it.
struct Recipients {
  curl_slist* list = nullptr;
  ~Recipients() { curl_slist_free_all(list); }
};

bool reached_nobody(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
      return true;
    default:
      return false;
  }
}

// What the administrator has to mend when `rc` is the counter's settings' fault, not the
// message's nor the network's; "" otherwise. These used to pass for "the server could not be
// reached" (CURLE_SSL_CACERT_BADFILE and the other CURLE_SSL_* codes not even that: each message
// was tried in turn and failed alike), so a notice was marked failed after kMaxDeliveryAttempts
// although nothing was wrong with it and the same settings would send it once mended.
const char* settings_fault(CURLcode rc) {
  switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION:  // = CURLE_SSL_CACERT
      return "the mail server's certificate is not trusted: set mail.ca_file (or "
             "KEYDESK_SMTP_CA_FILE) to the CA certificate that signed it, or check smtp_url's "
             "host name";
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
      return "the CA file could not be used: check mail.ca_file (or KEYDESK_SMTP_CA_FILE), a PEM "
             "file of CA certificates";
    case CURLE_SSL_CONNECT_ERROR:  // e.g. smtps:// to a port that speaks STARTTLS, or the reverse
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return "TLS could not be set up with the mail server: check smtp_url (smtps:// for TLS "
             "from the start, usually port 465; smtp:// with STARTTLS, usually 587)";
    case CURLE_LOGIN_DENIED:
      return "the mail server refused the login: check mail.username and the password "
             "(password_file or password_env)";
    case CURLE_USE_SSL_FAILED:
      return "the mail server offers no STARTTLS and mail.tls is required, so nothing was sent "
             "in clear text: use a server or port with STARTTLS (or smtps://)";
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return "the mail server's address cannot be used: check smtp_url";
    default:
      return "";
  }
}

// `text` with every occurrence of `secret` masked: curl's and the server's words go to logs and
// last_error, and a server that echoed what it was given must not put the password there.
std::string masked(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (std::size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
    text.replace(at, secret.size(), "***");
  return text;
}

}  // namespace

struct Sender::Impl {
  Server server;
  CURL* curl = nullptr;
  ~Impl() {
    if (curl) curl_easy_cleanup(curl);
  }
};

Sender::Sender(Server server) : impl_(std::make_unique<Impl>()) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  impl_->server = std::move(server);
  impl_->curl = curl_easy_init();
}

Sender::~Sender() = default;

Delivery Sender::send(const Message& message) {
  CURL* curl = impl_->curl;
  const Server& s = impl_->server;
  if (!curl) return {Outcome::temporary, 0, "libcurl could not be initialised", true};
  for (const auto& address : message.to)
    if (!valid_address(address))
      return {Outcome::permanent, 0, "not a valid recipient address: " + address.substr(0, 80)};
  if (!valid_address(message.from))
    return {Outcome::temporary, 0, "the sender address (mail.from) is not valid", false, true};

  const std::string text = compose(message);
  Payload payload{&text, 0};
  Recipients rcpt;
  for (const auto& address : message.to) rcpt.list = curl_slist_append(rcpt.list, address.c_str());
  const std::string from = "<" + message.from + ">";
  char errors[CURL_ERROR_SIZE] = {};
  Exchange exchange;

  // Options are set afresh for every message; a reset keeps the open connection.
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, s.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   static_cast<long>(s.require_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  // The server's certificate and name are always verified (libcurl's defaults, said again so
  // that no later change turns them off); an internal CA is trusted through ca_file.
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!s.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, s.ca_file.c_str());
  if (!s.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, s.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, s.password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt.list);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_payload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &payload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(text.size()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, s.connect_timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, s.timeout_seconds);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errors);
  curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, keep_exchange);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);

  const CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  if (rc == CURLE_OK) return {Outcome::sent, code, "", false};

  std::string detail = std::string("curl: ") + (errors[0] ? errors : curl_easy_strerror(rc));
  if (!exchange.answer.empty())
    detail += "; server answered: " + exchange.answer;
  else if (code >= 400)  // not the 220 that let STARTTLS begin before the certificate failed
    detail += "; server answered " + std::to_string(code);
  Delivery d{Outcome::temporary, code, "", false, false};
  // A 530 (authentication required) anywhere, or a 5xx before any recipient was named (to
  // EHLO, STARTTLS, AUTH, MAIL FROM: the sender address, a login the server wants), refuses the
  // counter, not this message's address: it is the settings' fault like a refused login, not a
  // reason to mark the notice failed for good.
  const bool before_recipients = exchange.command != "RCPT" && exchange.command != "DATA";
  if (const char* fault = settings_fault(rc); *fault) {
    d.configuration = true;
    detail = fault + ("; " + detail);
  } else if (code == 530 || (code >= 500 && code < 600 && before_recipients)) {
    d.configuration = true;
    detail =
        "the mail server refused the counter before any recipient: check mail.from, and "
        "mail.username with its password if the server wants a login; " +
        detail;
  } else if (reached_nobody(rc) || code == 0) {
    d.connection = true;
  } else if (code >= 500 && code < 600) {
    d.outcome = Outcome::permanent;
  }
  d.detail = masked(detail, s.password);
  return d;
}

}  // namespace keydesk::mail
