#include "net/system.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace colotrace::net {

using model::Status;

void NameThisThread(const char* name) {
  prctl(PR_SET_NAME, name, 0, 0, 0);
}

Status EnterNetns(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return Status::Error("invalid network namespace name '" + name + "'");
  }
  std::string path = "/run/netns/" + name;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Error("network namespace '" + name + "': " + std::strerror(errno) +
                         (errno == ENOENT ? " (see `ip netns list`)" : ""));
  }
  int rc = setns(fd, CLONE_NEWNET);
  int err = errno;
  close(fd);
  if (rc != 0) {
    return Status::Error("cannot enter network namespace '" + name + "': " + std::strerror(err) +
                         (err == EPERM ? " (needs CAP_SYS_ADMIN, e.g. run as root)" : ""));
  }
  return Status::Ok();
}

Status RunInNetns(const std::string& name, const std::function<void()>& fn) {
  if (name.empty()) {
    fn();
    return Status::Ok();
  }
  Status status = Status::Ok();
  std::thread t([&] {
    status = EnterNetns(name);
    if (status) fn();
  });
  t.join();
  return status;
}

Status DropThreadCapabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  if (syscall(SYS_capset, &header, data) != 0) {
    return Status::Error(std::string("capset: ") + std::strerror(errno));
  }
  return Status::Ok();
}

void DropThreadCapabilitiesUnlessRoot() {
  if (getuid() != 0 && geteuid() != 0) DropThreadCapabilities();
}

Status DropPrivileges(const std::string& user) {
  if (getuid() == 0 || geteuid() == 0) {
    errno = 0;
    struct passwd* pw = getpwnam(user.c_str());
    if (pw == nullptr) return Status::Error("no such user '" + user + "' to run as");
    if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
      return Status::Error("cannot switch to user '" + user + "': " + std::strerror(errno));
    }
    if (setuid(0) == 0) return Status::Error("privileges could be regained after dropping them");
  } else if (Status s = DropThreadCapabilities(); !s) {
    return s;
  }
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  return Status::Ok();
}

Status NotifyServiceManager(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return Status::Ok();
  size_t length = std::strlen(path);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if ((path[0] != '/' && path[0] != '@') || length >= sizeof address.sun_path) {
    return Status::Error(std::string("NOTIFY_SOCKET is not a socket path: ") + path);
  }
  std::memcpy(address.sun_path, path, length);
  if (path[0] == '@') address.sun_path[0] = '\0';  // an abstract socket
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(std::string("notify socket: ") + std::strerror(errno));
  auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                          reinterpret_cast<const sockaddr*>(&address), size);
  int error = errno;
  ::close(fd);
  if (sent < 0) {
    return Status::Error(std::string("notify ") + path + ": " + std::strerror(error));
  }
  return Status::Ok();
}

}  // namespace colotrace::net
