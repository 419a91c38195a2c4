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

// The server's last refusal ("550 5.1.1 <x@y>: mailbox unavailable"), from libcurl's debug
// stream of what came in (CURLINFO_HEADER_IN carries the SMTP responses).
int keep_answer(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  if (type != CURLINFO_HEADER_IN) return 0;
  std::string line(data, std::min<std::size_t>(size, 300));
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (!line.empty() && (line[0] == '4' || line[0] == '5')) *static_cast<std::string*>(user) = line;
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
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_LOGIN_DENIED:    // the counter's credentials, not this message
    case CURLE_USE_SSL_FAILED:  // the server offers no STARTTLS
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return true;
    default:
      return false;
  }
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
    return {Outcome::temporary, 0, "the sender address (mail.from) is not valid", true};

  const std::string text = compose(message);
  Payload payload{&text, 0};
  Recipients rcpt;
  for (const auto& address : message.to) rcpt.list = curl_slist_append(rcpt.list, address.c_str());
  const std::string from = "<" + message.from + ">";
  char errors[CURL_ERROR_SIZE] = {};
  std::string answer;

  // Options are set afresh for every message; a reset keeps the open connection.
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, s.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   static_cast<long>(s.require_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
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
  curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, keep_answer);
  curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &answer);
  curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);

  const CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  if (rc == CURLE_OK) return {Outcome::sent, code, "", false};

  std::string detail = std::string("curl: ") + (errors[0] ? errors : curl_easy_strerror(rc));
  if (!answer.empty())
    detail += "; server answered: " + answer;
  else if (code)
    detail += "; server answered " + std::to_string(code);
  Delivery d{Outcome::temporary, code, detail, false};
  if (reached_nobody(rc) || code == 0) {
    d.connection = true;
  } else if (code >= 500 && code < 600) {
    d.outcome = Outcome::permanent;
  }
  return d;
}

}  // namespace keydesk::mail
