// Test helpers: a child process with its stdout captured, and one HTTP/1.1 exchange on
// 127.0.0.1. Header-only; for tests only.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace colotrace::testing_support {

// Runs argv (argv[0] looked up in PATH); keeps its first stdout line; SIGKILLed on destruction.
// Its stderr is the test's, or the file `stderr_path` (created or truncated) when one is given.
class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> argv, bool read_first_line = true,
                        const std::string& stderr_path = "") {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      if (!stderr_path.empty()) {
        int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (err >= 0) dup2(err, 2);
      }
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    close(out[1]);
    out_ = fdopen(out[0], "r");
    char line[512];
    if (read_first_line && fgets(line, sizeof line, out_) != nullptr) first_line_ = line;
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    Kill(SIGKILL);
    if (out_ != nullptr) fclose(out_);
  }

  void Kill(int sig) {
    if (pid_ <= 0) return;
    kill(pid_, sig);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // SIGTERM, then the exit status (128 + signal if killed), or -1 if it lived past `limit`.
  int Terminate(std::chrono::milliseconds limit) {
    kill(pid_, SIGTERM);
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return ExitCode(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  // Its exit status (128 + signal if killed) when it has ended, reaping it; nullopt while it
  // runs (or once reaped).
  std::optional<int> Ended() {
    int status = 0;
    if (pid_ <= 0 || waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
    pid_ = -1;
    return ExitCode(status);
  }
  std::string RestOfOutput() {
    std::string s;
    char line[512];
    while (out_ != nullptr && fgets(line, sizeof line, out_) != nullptr) s += line;
    return s;
  }
  const std::string& first_line() const { return first_line_; }
  // The port of the first "127.0.0.1:PORT" in the first line, or 0.
  int port() const {
    auto at = first_line_.find("127.0.0.1:");
    return at == std::string::npos ? 0 : std::atoi(first_line_.c_str() + at + 10);
  }
  pid_t pid() const { return pid_; }

 private:
  // A waitpid status as a shell shows it: the exit status, or 128 + the signal.
  static int ExitCode(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::string first_line_;
};

// Sends `request` on a new connection to 127.0.0.1:port and returns the whole response, or ""
// when nothing listens.
inline std::string HttpExchange(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  [[maybe_unused]] ssize_t w = write(fd, request.data(), request.size());
  std::string response;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) response.append(buf, static_cast<size_t>(n));
  close(fd);
  return response;
}

// The body of an HTTP response ("" without one).
inline std::string BodyOf(const std::string& response) {
  auto pos = response.find("\r\n\r\n");
  return pos == std::string::npos ? "" : response.substr(pos + 4);
}

}  // namespace colotrace::testing_support
