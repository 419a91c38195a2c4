// A real SMTP server for tests: tests/mail/smtp_sink.py (Debian's python3-aiosmtpd) on a
// loopback port, recording what it accepts and how (over TLS, as which user); told to accept,
// answer 550 or 451, or hold its answer to DATA; stopped to play a server that is down. It
// speaks plain SMTP, offers STARTTLS, or TLS from the start (smtps), with a self-signed
// certificate made at start by the openssl command (ca_file()); it may require a login.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support.h"

namespace keydesk::test {

class SmtpSink {
 public:
  enum class Tls { none, starttls, smtps };

  // Starts on a free port, or on `port` (to come back up where it was).
  explicit SmtpSink(int port = 0) { start(port); }
  explicit SmtpSink(Tls tls, int port = 0) : tls_(tls) { start(port); }
  ~SmtpSink() { stop(); }
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  int port() const { return port_; }
  std::string url() const {
    return (tls_ == Tls::smtps ? "smtps://127.0.0.1:" : "smtp://127.0.0.1:") +
           std::to_string(port_);
  }

  // The server's self-signed certificate (PEM), which a client trusts as its CA file; the same
  // across restarts. Only with TLS.
  std::filesystem::path ca_file() const { return dir_.path() / "cert.pem"; }

  // ok | reject (550 to RCPT) | tempfail (451 to RCPT) | hang (DATA's answer held 30 s)
  void mode(const std::string& m) { dir_.write("mode", m); }

  // From the next connection on, a login as `user` with `password` is required (530 to MAIL
  // FROM without it), offered and accepted over TLS only; `mechanism` LOGIN or PLAIN offers that
  // one alone ("": both).
  void require_login(const std::string& user, const std::string& password,
                     const std::string& mechanism = "") {
    dir_.write("login", user + "\n" + password + "\n" + mechanism + "\n");
  }

  // The messages accepted so far, in order: {mail_from, rcpt_tos, subject (decoded), raw_subject,
  // from, to, date, message_id, content_type, charset, body (decoded), tls (over TLS: smtps or
  // after STARTTLS), tls_version, starttls, authenticated, auth_user, auth_mechanism}.
  std::vector<nlohmann::json> messages() const {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      const std::string name = e.path().filename().string();
      if (name.rfind("msg-", 0) == 0 && e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<nlohmann::json> out;
    for (const auto& f : files) out.push_back(read_json(f));
    return out;
  }

  // Waits until at least `n` messages have arrived (false after `seconds`).
  bool wait_for(std::size_t n, int seconds = 10) const {
    for (int i = 0; i < seconds * 20; ++i) {
      if (messages().size() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // Stops the server: connections to its port are refused until start() again.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  void start(int port = 0) {
    std::filesystem::remove(dir_.path() / "port");
    const std::string dir = dir_.path().string(), port_text = std::to_string(port);
    const char* tls = tls_ == Tls::starttls ? "starttls" : tls_ == Tls::smtps ? "smtps" : "none";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl("/usr/bin/python3", "python3", KEYDESK_SMTP_SINK, dir.c_str(), port_text.c_str(),
              "--tls", tls, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 200; ++i) {
      std::ifstream in(dir_.path() / "port");
      if (in >> port_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error(
        "smtp_sink.py did not start: is python3-aiosmtpd installed (and openssl, for TLS)?");
  }

 private:
  TempDir dir_;
  Tls tls_ = Tls::none;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace keydesk::test
