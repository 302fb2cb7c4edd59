// An HTTP receiver of a test's own on 127.0.0.1 (port 0: any free one): takes each request
// (head and Content-Length body), records it, and answers with the next status of a script
// (the last one repeats); 0 in the script means "say nothing, close". Header-only; for tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace colotrace::testing_support {

class HttpReceiver {
 public:
  struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
  };

  explicit HttpReceiver(std::vector<int> script = {204}) : script_(std::move(script)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 16);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~HttpReceiver() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  HttpReceiver(const HttpReceiver&) = delete;
  HttpReceiver& operator=(const HttpReceiver&) = delete;

  int port() const { return port_; }

  // Waits until `n` requests came (true) or `limit` passed.
  bool WaitFor(size_t n, std::chrono::milliseconds limit) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return requests_.size() >= n; });
  }
  std::vector<Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval tv{2, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      std::string in;
      char buf[4096];
      size_t head_end = std::string::npos;
      ssize_t n;
      while ((head_end = in.find("\r\n\r\n")) == std::string::npos &&
             (n = read(c, buf, sizeof buf)) > 0) {
        in.append(buf, static_cast<size_t>(n));
      }
      if (head_end == std::string::npos) {
        close(c);
        continue;
      }
      Request r;
      std::string head = in.substr(0, head_end);
      size_t line_end = head.find("\r\n");
      std::string first = head.substr(0, line_end);
      r.method = first.substr(0, first.find(' '));
      r.target = first.substr(first.find(' ') + 1, first.rfind(' ') - first.find(' ') - 1);
      size_t at = line_end == std::string::npos ? head.size() : line_end + 2;
      while (at < head.size()) {
        size_t end = head.find("\r\n", at);
        if (end == std::string::npos) end = head.size();
        std::string line = head.substr(at, end - at);
        size_t colon = line.find(':');
        if (colon != std::string::npos) {
          std::string name = line.substr(0, colon);
          std::transform(name.begin(), name.end(), name.begin(),
                         [](unsigned char ch) { return std::tolower(ch); });
          size_t v = line.find_first_not_of(' ', colon + 1);
          r.headers[name] = v == std::string::npos ? "" : line.substr(v);
        }
        at = end + 2;
      }
      size_t length =
          r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
      r.body = in.substr(head_end + 4);
      while (r.body.size() < length && (n = read(c, buf, sizeof buf)) > 0) {
        r.body.append(buf, static_cast<size_t>(n));
      }
      int status;
      {
        std::lock_guard lock(mu_);
        status = script_[std::min(requests_.size(), script_.size() - 1)];
        requests_.push_back(std::move(r));
      }
      cv_.notify_all();
      if (status != 0) {
        std::string answer = "HTTP/1.1 " + std::to_string(status) +
                             " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        (void)!write(c, answer.data(), answer.size());
      }
      close(c);
    }
  }

  std::vector<int> script_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
  std::thread thread_;
};

}  // namespace colotrace::testing_support
