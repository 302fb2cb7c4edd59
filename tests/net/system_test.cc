// NotifyServiceManager against a datagram socket standing in for systemd's.
#include "net/system.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace colotrace::net {
namespace {

// A bound datagram socket at `path` ('@' first: abstract), read without waiting.
class Listener {
 public:
  explicit Listener(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, path.data(), path.size());
    if (path[0] == '@') a.sun_path[0] = '\0';
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a),
                    static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size())) == 0;
  }
  ~Listener() { ::close(fd_); }
  bool bound() const { return bound_; }
  std::string Read() {
    char buf[256];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

TEST(NotifyServiceManagerTest, TellsTheSocketNamedByTheEnvironment) {
  char dir[] = "/tmp/colotrace-notify-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/notify";
  {
    Listener listener(path);
    ASSERT_TRUE(listener.bound());
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    EXPECT_TRUE(NotifyServiceManager("READY=1").ok());
    EXPECT_EQ(listener.Read(), "READY=1");
    EXPECT_TRUE(NotifyServiceManager("STOPPING=1").ok());
    EXPECT_EQ(listener.Read(), "STOPPING=1");
  }
  ::unlink(path.c_str());
  // Nobody listens any more: an error, not a hang.
  EXPECT_FALSE(NotifyServiceManager("READY=1").ok());
  ::rmdir(dir);
  ::unsetenv("NOTIFY_SOCKET");
}

TEST(NotifyServiceManagerTest, AnAbstractSocket) {
  std::string name = "@colotrace-notify-test-" + std::to_string(::getpid());
  Listener listener(name);
  ASSERT_TRUE(listener.bound());
  ::setenv("NOTIFY_SOCKET", name.c_str(), 1);
  EXPECT_TRUE(NotifyServiceManager("READY=1").ok());
  EXPECT_EQ(listener.Read(), "READY=1");
  ::unsetenv("NOTIFY_SOCKET");
}

TEST(NotifyServiceManagerTest, NothingWithoutSystemdAndAnErrorForNonsense) {
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(NotifyServiceManager("READY=1").ok());
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  EXPECT_FALSE(NotifyServiceManager("READY=1").ok());
  ::unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace colotrace::net
