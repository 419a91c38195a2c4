#include "engine/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace keydesk {

namespace fs = std::filesystem;

std::optional<Error> write_synced(const fs::path& path, std::string_view content,
                                  const std::string& what) {
  auto fail = [&](int err) {
    return Error{"cannot write " + what + " '" + path.string() + "': " + std::strerror(err)};
  };
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(errno);
  while (!content.empty()) {
    ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return fail(err);
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return fail(errno);
  return std::nullopt;
}

Result<bool> write_file_atomically(const fs::path& path, std::string_view content,
                                   const std::string& what) {
  fs::path temp = path;
  temp += "." + std::to_string(::getpid()) + ".tmp";
  if (auto error = write_synced(temp, content, what)) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return *error;
  }
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    fs::remove(temp, ec);
    return Error{"cannot write " + what + " '" + path.string() + "': " + ec.message()};
  }
  return true;
}

}  // namespace keydesk
