// A PostgreSQL server of a test's own: a cluster made with initdb in a scratch folder, owned by
// an unprivileged user (nobody, when the test runs as root: PostgreSQL refuses to run as
// root), listening on 127.0.0.1 and a free port only, with trust authentication for that
// address. Stopped and removed when the object goes, also when the test fails. Header-only; for
// tests only. Needs Debian's postgresql package (initdb and postgres under
// /usr/lib/postgresql/<version>/bin) and util-linux's runuser.
#pragma once

#include <arpa/inet.h>
#include <glob.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "support/scratch_dir.h"

namespace colotrace::testing_support {

class PostgresCluster {
 public:
  // The directory of initdb, or "" (with the reason) when PostgreSQL is not installed.
  static std::string BinDir(std::string* why = nullptr) {
    glob_t g{};
    std::string dir;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &g) == 0 && g.gl_pathc > 0) {
      dir = g.gl_pathv[g.gl_pathc - 1];  // the newest version
      dir.resize(dir.size() - std::string("/initdb").size());
    } else if (why != nullptr) {
      *why = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)";
    }
    globfree(&g);
    return dir;
  }

  struct Options {
    // As a server runs with PostgreSQL's defaults (benchmarks): fsync on, 128 MB of shared
    // buffers. Tests run without fsync, with 32 MB.
    bool durable = false;
  };

  // Makes and starts the cluster; throws std::runtime_error saying what failed.
  PostgresCluster() : PostgresCluster(Options{}) {}
  explicit PostgresCluster(Options options) : dir_("colotrace-pg") {
    bin_ = BinDir();
    if (bin_.empty() || dir_.path().empty()) throw std::runtime_error("no PostgreSQL or no /tmp");
    data_ = dir_.path() + "/data";
    port_ = FreePort();
    if (geteuid() == 0) {
      user_ = "nobody";
      passwd* pw = getpwnam(user_.c_str());
      if (pw == nullptr) throw std::runtime_error("no user nobody");
      if (chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        throw std::runtime_error("cannot chown " + dir_.path());
      }
    }
    Run(bin_ + "/initdb -D " + data_ + " -U colotrace -A trust -E UTF8 --no-sync >" + dir_.path() +
        "/initdb.log 2>&1");
    std::ofstream conf(data_ + "/postgresql.conf", std::ios::app);
    conf << "listen_addresses = '127.0.0.1'\nport = " << port_ << "\nunix_socket_directories = '"
         << dir_.path() << "'\nfsync = " << (options.durable ? "on" : "off") << "\n"
         << "max_connections = 100\nshared_buffers = " << (options.durable ? "128MB" : "32MB")
         << "\n";
    conf.close();
    Start();
  }

  ~PostgresCluster() {
    if (running_) {
      std::string cmd = bin_ + "/pg_ctl -D " + data_ + " -m immediate -w stop >/dev/null 2>&1";
      (void)RunQuietly(cmd);
    }
  }

  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  // libpq's URL for database `db`.
  std::string Url(const std::string& db = "postgres") const {
    return "postgresql://colotrace@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }
  int port() const { return port_; }

  void Start() {
    Run(bin_ + "/pg_ctl -D " + data_ + " -l " + dir_.path() + "/server.log -w -t 30 start " +
        ">/dev/null");
    running_ = true;
  }

  // Ends the server at once, as a crash would (SIGKILL to every process of it).
  void Kill() {
    std::ifstream pid_file(data_ + "/postmaster.pid");
    pid_t pid = 0;
    pid_file >> pid;
    if (pid > 0) {
      // The backends first (children of the postmaster), then the postmaster itself.
      (void)std::system(("pkill -9 -P " + std::to_string(pid) + " >/dev/null 2>&1").c_str());
      kill(pid, SIGKILL);
      for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    running_ = false;
  }

  // The single value that a query (SQL without double quotes) answers, as psql prints it.
  std::string Query(const std::string& sql, const std::string& db = "postgres") {
    std::string cmd = "psql -At -h 127.0.0.1 -p " + std::to_string(port_) + " -U colotrace -d " +
                      db + " -v ON_ERROR_STOP=1 -c \"" + sql + "\"";
    FILE* out = popen(cmd.c_str(), "r");
    if (out == nullptr) throw std::runtime_error("failed: " + cmd);
    std::string text;
    char buf[256];
    while (fgets(buf, sizeof buf, out) != nullptr) text += buf;
    if (pclose(out) != 0) throw std::runtime_error("failed: " + cmd);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }

  // Runs SQL with psql as the cluster's superuser (SQL without double quotes).
  void Sql(const std::string& sql, const std::string& db = "postgres") {
    std::string cmd = "psql -q -h 127.0.0.1 -p " + std::to_string(port_) + " -U colotrace -d " +
                      db + " -v ON_ERROR_STOP=1 -c \"" + sql + "\" >/dev/null";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
  }

 private:
  static int FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      throw std::runtime_error("no free port");
    }
    close(fd);
    return ntohs(a.sin_port);
  }

  int RunQuietly(const std::string& cmd) const {
    std::string full = user_.empty() ? cmd : "runuser -u " + user_ + " -- sh -c '" + cmd + "'";
    return std::system(full.c_str());
  }

  void Run(const std::string& cmd) const {
    if (RunQuietly(cmd) != 0) {
      throw std::runtime_error("failed: " + cmd + " (logs in " + dir_.path() + ")");
    }
  }

  ScratchDir dir_;
  std::string bin_;
  std::string data_;
  std::string user_;
  int port_ = 0;
  bool running_ = false;
};

}  // namespace colotrace::testing_support
