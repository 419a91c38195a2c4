// Test helpers: `keydesk` processes run in the background (servers, workers, a batch that waits
// for them), and waiting for something they do.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

namespace keydesk::test {

// `keydesk ARGS` started in the background (ARGS is shell text; its output in LOG.out and
// LOG.err; run in `cwd` when given), waited for, or killed when the object dies.
class Keydesk {
 public:
  Keydesk(const std::string& args, const std::filesystem::path& log,
          const std::filesystem::path& cwd = {})
      : log_(log) {
    const std::string command = (cwd.empty() ? "" : "cd '" + cwd.string() + "' && ") + "exec '" +
                                std::string(KEYDESK_BINARY) + "' " + args + " >'" + log.string() +
                                ".out' 2>'" + log.string() + ".err'";
    pid_ = fork();
    if (pid_ == 0) {
      execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    REQUIRE(pid_ > 0);
  }
  ~Keydesk() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Keydesk(const Keydesk&) = delete;
  Keydesk& operator=(const Keydesk&) = delete;

  // Its exit code, waiting at most `seconds` (then killed: -1).
  int wait(int seconds = 600) {
    for (int i = 0; i < seconds * 10; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return -1;
  }
  // Whether it is still running.
  bool running() {
    int status = 0;
    return pid_ > 0 && waitpid(pid_, &status, WNOHANG) == 0;
  }
  void kill_hard() {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::string out() const { return slurp(".out"); }
  std::string err() const { return slurp(".err"); }

 private:
  std::string slurp(const char* ending) const {
    std::ifstream f(log_.string() + ending);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

// Waits up to `seconds` for `ready`; false when it never was.
inline bool wait_until(const std::function<bool()>& ready, int seconds = 300) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace keydesk::test
