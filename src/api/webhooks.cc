#include "api/webhooks.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "api/schedule_request.h"
#include "net/crypto.h"
#include "net/log.h"
#include "net/system.h"

namespace colotrace::api {

using model::Result;
using Clock = std::chrono::steady_clock;

namespace {

// "http://user:pw@host:8080/path?k=v" -> "host:8080": what a log may say of a webhook's URL
// (its path, query and user part may hold a receiver's secret).
std::string UrlHost(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority =
      url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  size_t at = authority.rfind('@');
  return at == std::string::npos ? authority : authority.substr(at + 1);
}

int64_t SystemNowS() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Hex(const uint8_t* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

// A socket closed when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// Waits until `fd` is ready for `events` or `deadline` passed.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

}  // namespace

Result<std::string> WebhookSignature(std::string_view secret, int64_t unix_s,
                                     std::string_view body) {
  std::string signed_text = std::to_string(unix_s) + "." + std::string(body);
  auto mac = net::HmacSha256(secret, signed_text);
  if (!mac) return Result<std::string>::Error(mac.error());
  return "t=" + std::to_string(unix_s) + ",v1=" + Hex(mac->data(), mac->size());
}

WebhookSender::WebhookSender(Resolve resolve, Admit admit, WebhookOptions options)
    : resolve_(std::move(resolve)), admit_(std::move(admit)), options_(std::move(options)) {
  if (!options_.now_s) options_.now_s = SystemNowS;
  thread_ = std::thread([this] {
    net::NameThisThread("ct-webhook");
    Loop();
  });
}

WebhookSender::~WebhookSender() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (!queue_.empty()) {
    counters_.given_up += queue_.size();
    net::Log(net::LogLevel::kWarning, "webhooks", "deliveries not made at shutdown",
             {net::LogNumber("count", static_cast<double>(queue_.size()))});
  }
}

Result<net::IpAddress> WebhookSender::Check(const std::string& url) {
  using R = Result<net::IpAddress>;
  auto parsed = ParseWebhookUrl(url);
  if (!parsed) return R::Error("not an http:// URL colotrace can send to");
  std::vector<net::IpAddress> addresses;
  if (auto literal = net::IpAddress::Parse(parsed->host)) {
    addresses.push_back(*literal);
  } else {
    auto resolved = resolve_(parsed->host);
    if (!resolved) return R::Error(resolved.error());
    addresses = std::move(*resolved);
  }
  if (addresses.empty()) return R::Error("'" + parsed->host + "' has no address");
  // Every address the resolver gave must be admitted (the server's resolver gives the one it
  // picks), and the attempt connects to the first of them, the one checked.
  for (const auto& a : addresses) {
    if (!admit_(a)) {
      return R::Error("the server does not send webhooks to " + a.ToString() +
                      " (the target policy refuses it)");
    }
  }
  return addresses.front();
}

void WebhookSender::Send(std::string url, std::string secret, std::string delivery_id,
                         std::string body) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= options_.max_queued) {
      ++counters_.dropped;
      net::Log(net::LogLevel::kWarning, "webhooks", "delivery dropped: the queue is full",
               {{"delivery", delivery_id},
                net::LogNumber("queued", static_cast<double>(queue_.size()))});
      return;
    }
    queue_.push_back(Delivery{std::move(url), std::move(secret), std::move(delivery_id),
                              std::move(body), 0, Clock::now()});
  }
  cv_.notify_one();
}

WebhookCounters WebhookSender::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void WebhookSender::Loop() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    if (queue_.empty()) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      continue;
    }
    // The delivery due first.
    auto next = queue_.begin();
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (it->due < next->due) next = it;
    }
    if (next->due > Clock::now()) {
      cv_.wait_until(lock, next->due);
      continue;
    }
    Delivery d = std::move(*next);
    queue_.erase(next);
    lock.unlock();
    bool refused = false;
    Result<int> status = Attempt(d, &refused);
    lock.lock();
    ++d.attempts;
    if (status && *status >= 200 && *status < 300) {
      ++counters_.delivered;
      continue;
    }
    ++counters_.failed_attempts;
    std::string why = status ? "HTTP " + std::to_string(*status) : status.error();
    if (refused) {
      ++counters_.refused;
      net::Log(net::LogLevel::kWarning, "webhooks", "delivery refused",
               {{"delivery", d.id}, {"host", UrlHost(d.url)}, {"error", why}});
      continue;
    }
    if (d.attempts >= options_.max_attempts) {
      ++counters_.given_up;
      net::Log(net::LogLevel::kWarning, "webhooks", "delivery given up",
               {{"delivery", d.id},
                {"host", UrlHost(d.url)},
                net::LogNumber("attempts", d.attempts),
                {"error", why}});
      continue;
    }
    // Doubling, at most 2^16 x the first backoff (attempts may be up to 100).
    d.due = Clock::now() + options_.first_backoff * (1 << std::min(d.attempts - 1, 16));
    queue_.push_back(std::move(d));
  }
}

Result<int> WebhookSender::Attempt(const Delivery& d, bool* refused) {
  using R = Result<int>;
  auto address = Check(d.url);  // resolved and judged again at every attempt
  if (!address) {
    *refused = address.error().find("target policy") != std::string::npos;
    return R::Error(address.error());
  }
  auto url = *ParseWebhookUrl(d.url);
  auto signature = WebhookSignature(d.secret, options_.now_s(), d.body);
  if (!signature) return R::Error(signature.error());
  auto deadline = Clock::now() + options_.timeout;

  sockaddr_storage sa{};
  socklen_t sa_len = 0;
  if (address->is_v4()) {
    auto* a = reinterpret_cast<sockaddr_in*>(&sa);
    a->sin_family = AF_INET;
    a->sin_port = htons(url.port);
    std::memcpy(&a->sin_addr, address->data(), 4);
    sa_len = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&sa);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(url.port);
    std::memcpy(&a->sin6_addr, address->data(), 16);
    sa_len = sizeof(sockaddr_in6);
  }
  Fd s{socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return R::Error(std::string("socket: ") + std::strerror(errno));
  if (connect(s.fd, reinterpret_cast<sockaddr*>(&sa), sa_len) != 0 && errno != EINPROGRESS) {
    return R::Error(std::string("connect: ") + std::strerror(errno));
  }
  if (!WaitFor(s.fd, POLLOUT, deadline)) return R::Error("no connection within the timeout");
  int err = 0;
  socklen_t err_len = sizeof err;
  getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
  if (err != 0) return R::Error(std::string("connect: ") + std::strerror(err));

  // An IPv6 literal is bracketed in Host; a name is sent as it is, whatever it resolved to.
  bool v6_literal = url.host.find(':') != std::string::npos;
  std::string host = v6_literal ? "[" + url.host + "]" : url.host;
  if (url.port != 80) host += ":" + std::to_string(url.port);
  std::string request =
      "POST " + url.target + " HTTP/1.1\r\nHost: " + host +
      "\r\nUser-Agent: colotrace\r\nContent-Type: application/json\r\n"
      "Colotrace-Delivery: " +
      d.id + "\r\nColotrace-Signature: " + *signature +
      "\r\nConnection: close\r\nContent-Length: " + std::to_string(d.body.size()) + "\r\n\r\n" +
      d.body;
  size_t sent = 0;
  while (sent < request.size()) {
    if (!WaitFor(s.fd, POLLOUT, deadline)) return R::Error("could not send within the timeout");
    ssize_t n = send(s.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return R::Error(std::string("send: ") + std::strerror(errno));
    }
    if (n > 0) sent += static_cast<size_t>(n);
  }
  std::string answer;
  char buf[2048];
  while (answer.find("\r\n") == std::string::npos && answer.size() < options_.max_answer_bytes) {
    if (!WaitFor(s.fd, POLLIN, deadline)) return R::Error("no answer within the timeout");
    ssize_t n = recv(s.fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return R::Error(std::string("recv: ") + std::strerror(errno));
    }
    if (n > 0) answer.append(buf, static_cast<size_t>(n));
  }
  // "HTTP/1.1 204 No Content"
  if (answer.size() < 12 || answer.compare(0, 5, "HTTP/") != 0) {
    return R::Error("not an HTTP answer");
  }
  size_t space = answer.find(' ');
  if (space == std::string::npos || space + 4 > answer.size())
    return R::Error("not an HTTP answer");
  int status = 0;
  for (size_t i = space + 1; i < space + 4; ++i) {
    if (answer[i] < '0' || answer[i] > '9') return R::Error("not an HTTP answer");
    status = status * 10 + (answer[i] - '0');
  }
  return status;
}

}  // namespace colotrace::api
