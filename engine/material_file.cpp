#include "engine/material_file.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace keydesk {

namespace {

std::string what_it_is(mode_t mode) {
  if (S_ISLNK(mode)) return "链接 (a symbolic link)";
  if (S_ISDIR(mode)) return "文件夹 (a directory)";
  if (S_ISFIFO(mode)) return "管道 (a FIFO)";
  if (S_ISSOCK(mode)) return "套接字 (a socket)";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "设备 (a device)";
  return "特殊文件 (not a regular file)";
}

}  // namespace

Result<std::string> read_regular_file(const std::filesystem::path& path, std::size_t max_bytes) {
  const std::string name = path.string();
  struct stat st {};
  if (::lstat(name.c_str(), &st) != 0)
    return error_of(errno == ENOENT ? ErrorKind::not_found : ErrorKind::io,
                    "找不到文件 " + name + " (" + std::strerror(errno) + ")");
  if (!S_ISREG(st.st_mode))
    return error_of(ErrorKind::invalid_input,
                    name + " 不是普通文件，而是" + what_it_is(st.st_mode) +
                        "，未读取；请提交文件本身 (not read: only regular files inside the "
                        "submission folder are)");
  const int fd = ::open(name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return error_of(errno == ELOOP ? ErrorKind::invalid_input : ErrorKind::io,
                    "无法打开 " + name + " (" + std::strerror(errno) + ")");
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } close_it{fd};
  // What was opened is what is read: the name may have been swapped since lstat.
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    return error_of(ErrorKind::invalid_input, name + " 不是普通文件，未读取 (not a regular file)");
  if (static_cast<std::size_t>(st.st_size) > max_bytes)
    return error_of(ErrorKind::invalid_input,
                    name + " 过大（" + std::to_string(st.st_size / 1024) + " KB，最多读取 " +
                        std::to_string(max_bytes / 1024) + " KB），未读取 (file too large)");
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return error_of(ErrorKind::io, "读取 " + name + " 失败 (" + std::strerror(errno) + ")");
    if (n == 0) break;  // shrank while read: what is there
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

}  // namespace keydesk
