// What the benchmarks that drive `colotrace serve` share: a keep-alive HTTP connection, a
// server with the bench's token and no rate limit, a folder it can write in, quantiles.
// Header-only; for bench/ only. Errors throw (main reports them, and stack objects such as
// the lab and PostgreSQL are removed on the way out).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "api/auth.h"
#include "support/child_process.h"
#include "support/scratch_dir.h"

namespace colotrace::bench {

using testing_support::ChildProcess;

inline double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

// Ends the bench through main's handler, so that the lab, the servers and PostgreSQL are
// stopped and removed on the way out.
[[noreturn]] inline void Die(const std::string& why) {
  throw std::runtime_error(why);
}

// One keep-alive HTTP/1.1 connection to 127.0.0.1:port.
class Connection {
 public:
  explicit Connection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) Die("cannot connect");
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval limit{30, 0};  // a server that stops answering ends the bench, saying so
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  }
  ~Connection() { close(fd_); }

  // Sends `method path` (with `body`), returns the status and fills `body_out`.
  int Exchange(const std::string& method, const std::string& path, const std::string& body,
               std::string* body_out = nullptr) {
    std::string req = method + " " + path +
                      " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bench\r\n"
                      "Content-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    if (write(fd_, req.data(), req.size()) != static_cast<ssize_t>(req.size())) Die("write");
    std::string in;
    size_t header_end;
    while ((header_end = in.find("\r\n\r\n")) == std::string::npos) Read(in);
    size_t length_at = in.find("Content-Length: ");
    if (length_at == std::string::npos || length_at > header_end) {
      length_at = in.find("content-length: ");
    }
    if (length_at == std::string::npos || length_at > header_end) Die("no Content-Length");
    size_t length = std::stoul(in.substr(length_at + 16));
    while (in.size() < header_end + 4 + length) Read(in);
    if (body_out != nullptr) *body_out = in.substr(header_end + 4, length);
    return std::stoi(in.substr(9, 3));
  }

 private:
  void Read(std::string& in) {
    char buf[65536];
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) Die(n == 0 ? "connection closed" : "no answer within 30 s");
    in.append(buf, static_cast<size_t>(n));
  }
  int fd_ = -1;
};

// A folder of the bench's own that `colotrace serve` (as nobody) can write in.
inline std::unique_ptr<colotrace::testing_support::ScratchDir> WritableDir(
    const std::string& prefix) {
  auto dir = std::make_unique<colotrace::testing_support::ScratchDir>(prefix);
  passwd* nobody = getpwnam("nobody");
  if (nobody == nullptr || chown(dir->path().c_str(), nobody->pw_uid, nobody->pw_gid) != 0) {
    Die("cannot give " + dir->path() + " to nobody");
  }
  return dir;
}

// `colotrace serve` in `netns`, with the bench's token and no rate limit worth the name, its
// configuration written into `dir`.
inline std::unique_ptr<ChildProcess> Serve(const std::string& dir, const std::string& netns,
                                           const std::string& db,
                                           const std::string& extra_config = "") {
  std::string config = dir + "/serve.toml";
  FILE* f = std::fopen(config.c_str(), "w");
  if (f == nullptr) Die("cannot write " + config);
  std::fprintf(f,
               "[[tokens]]\nsha256 = \"%s\"\naccounts = [\"acc1\"]\n[limits]\n"
               "requests_per_window = 100000000\nprobes_per_window = 100000000000\n",
               colotrace::api::Authenticator::HashSecret("bench").c_str());
  std::fputs(extra_config.c_str(), f);
  std::fclose(f);
  std::vector<std::string> args = {COLOTRACE_BIN,    "serve",          "--config",  config,
                                   "--listen",       "127.0.0.1:0",    "--netns",   netns,
                                   "--allow-target", "203.0.113.0/24", "--no-names"};
  if (db.empty()) {
    args.push_back("--no-db");
  } else {
    args.insert(args.end(), {"--db", db});
  }
  auto server = std::make_unique<ChildProcess>(args);
  if (server->port() <= 0) Die("serve did not start: " + server->first_line());
  return server;
}

}  // namespace colotrace::bench
