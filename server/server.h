// keydesk serve: the web counter (server/app.h) behind an asynchronous Boost.Beast listener in
// one process. N threads run its I/O context, each reading, handling and writing whichever
// connection is ready (each connection on a strand of its own), each handling with a database
// connection of its own. So a slow request (a PDF, a rule lint, a queue page built afresh) holds
// up one thread, while the others serve everyone else.
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
  // Threads that handle requests, each with its own database connection (app.connections is set
  // to it); 0: one per core of the machine.
  unsigned threads = 0;
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
  // The threads handling requests.
  unsigned threads() const;
  // Serves until stop() (from any thread) or SIGINT/SIGTERM when `signals` is set.
  void run(bool signals = false);
  void stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace keydesk::server
