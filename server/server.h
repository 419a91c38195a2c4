// keydesk serve: the web counter (server/app.h) behind an asynchronous Boost.Beast listener in
// one process. Requests are handled one at a time on the I/O thread: each is a few SQLite
// reads or one write transaction.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "server/app.h"

namespace keydesk::server {

struct ServeOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;  // 0: any free port (see on_listening)
  AppOptions app;
  // How often the notices due and the morning digest are sent (server/mail_pump.h); 0: never.
  std::chrono::milliseconds mail_interval{60000};
};

class Server {
 public:
  // Opens the app and binds the address; the Error says what to change (port in use, database
  // unreadable, rules broken).
  static Result<std::unique_ptr<Server>> start(ServeOptions options);
  ~Server();
  // The port bound (useful with port 0).
  unsigned short port() const;
  // Serves until stop() (from any thread) or SIGINT/SIGTERM when `signals` is set.
  void run(bool signals = false);
  void stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keydesk::server
