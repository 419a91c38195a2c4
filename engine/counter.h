// The counter's configuration (rules/counter.yaml, schemas/counter.schema.json): which calendar
// its deadlines use, when its daily intake closes, the mail server its notices go out through,
// who gets the morning digest and how long the web counter's batches are kept. Defaults apply to
// every key left out.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "engine/calendar.h"

namespace keydesk {

// Contact details printed on the counter's documents.
struct Contact {
  std::string organisation, person, phone, fax, address;
};

// The SMTP server notices are sent through (`mail:`). The password is never in the file: it is
// read, when a message is sent, from `password_file` or the environment variable `password_env`.
struct MailSettings {
  std::string smtp_url;     // smtp://host:port or smtps://host:port; "" when the file names none
  std::string from;         // the sender's address
  std::string from_name;    // display name; "" gives the counter's authority
  bool require_tls = true;  // tls: required (STARTTLS on smtp://); false: tls: none
  std::string username;     // "" : no login
  std::filesystem::path password_file;  // resolved against the configuration's folder
  std::string password_env;
  // A PEM file of the CA certificate(s) the server's certificate is verified against, for a
  // server with an internal CA; resolved against the configuration's folder; "": the system's.
  std::filesystem::path ca_file;
};

// The morning digest of overdue and due-today cases (`digest:`).
struct DigestSettings {
  int at_minutes = 8 * 60 + 30;  // counter-local time from which keydesk serve sends it
  std::map<std::string, std::vector<std::string>> authorities;  // authority -> addresses
  std::vector<std::string> vendor;                              // the vendor's addresses
};

// The batch checks started from the web counter (`web_batches:`, engine/web_batches.h).
struct WebBatchSettings {
  // A batch that ended (done, failed, interrupted) is kept this many days, then removed when a
  // batch starts; a running one is never removed.
  int keep_days = 90;
};

struct CounterConfig {
  std::string authority;
  Contact contact;  // the authority's own (organisation: `authority` unless given)
  Contact vendor;   // the key vendor (电子钥匙服务商) cases are faxed or couriered to
  std::vector<std::string> query;  // where enterprises ask about a case
  std::string calendar = "cn-national";
  CounterHours hours;
  MailSettings mail;
  DigestSettings digest;
  WebBatchSettings web_batches;
  std::string file;  // where it was read from; empty when defaults were used
};

// Reads `path`. A missing file gives the defaults; a file with problems gives an Error listing
// them (file:line:column).
Result<CounterConfig> load_counter_config(const std::filesystem::path& path);

// The SMTP server URL in force: the environment variable KEYDESK_SMTP_URL when set (tests, cron
// jobs), else the configuration's; "" when neither names one (notices wait in the outbox).
std::string smtp_url_in_force(const MailSettings& mail);

// The CA file in force, likewise: the environment variable KEYDESK_SMTP_CA_FILE when set, else
// the configuration's ca_file; "" when neither names one (the system's CAs).
std::filesystem::path smtp_ca_file_in_force(const MailSettings& mail);

}  // namespace keydesk
