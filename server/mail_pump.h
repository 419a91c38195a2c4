// keydesk serve's postman: a thread of its own, with its own connection to the database, that
// runs Engine::mail_round every so often (the morning digest on a working day, then every
// e-mail that is due) and logs what it did. The I/O thread never waits on a mail server.
#pragma once

#include <chrono>
#include <memory>

#include "common/result.h"
#include "server/app.h"

namespace keydesk::server {

class MailPump {
 public:
  // Opens its own store on options.db and starts the thread: the first round at once, then one
  // every `interval`.
  static Result<std::unique_ptr<MailPump>> start(const AppOptions& options,
                                                 std::chrono::milliseconds interval);
  // Stops the thread, letting a message being sent finish (at most the SMTP timeout).
  ~MailPump();

 private:
  struct Impl;
  explicit MailPump(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keydesk::server
