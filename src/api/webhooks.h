// Webhooks of schedules (docs/api.md, "Schedules"): HTTP POSTs of path changes to a URL the
// account gave, signed so that the receiver can check them, retried with backoff. A webhook is
// a request the server makes on someone's behalf: its host name is resolved by the server, and
// the target policy (`Admit`) judges the address before anything is sent (also at creation:
// Check), so that no account can make the server reach loopback, private or metadata
// addresses it was not allowed. Only http:// (docs/api.md says why).
//
// Threads: Send and Check from any thread; deliveries run on one thread of the sender's own
// ("ct-webhook").
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "model/result.h"
#include "net/ip_address.h"

namespace colotrace::api {

struct WebhookOptions {
  int max_attempts = 5;                           // then the delivery is given up (logged)
  std::chrono::milliseconds first_backoff{1000};  // doubles after each failed attempt
  std::chrono::milliseconds timeout{5000};        // connect, send and read the answer's head
  size_t max_queued = 10'000;                     // more are dropped (counted, logged)
  size_t max_answer_bytes = 16 * 1024;            // of the answer's head that is read
  std::function<int64_t()> now_s;                 // Unix seconds (signatures); default: clock
};

struct WebhookCounters {
  uint64_t delivered = 0;
  uint64_t failed_attempts = 0;  // each attempt that got no 2xx
  uint64_t given_up = 0;         // deliveries that failed every attempt
  uint64_t refused = 0;          // addresses the policy refused (never retried)
  uint64_t dropped = 0;          // the queue was full
};

// "t=<unix s>,v1=<64 hex digits of HMAC-SHA256(secret, "<t>.<body>")>": the value of the
// Colotrace-Signature header. Errors: libcrypto missing.
model::Result<std::string> WebhookSignature(std::string_view secret, int64_t unix_s,
                                            std::string_view body);

class WebhookSender {
 public:
  // The addresses of a host name (an address literal needs none); errors say why not.
  using Resolve =
      std::function<model::Result<std::vector<net::IpAddress>>(const std::string& host)>;
  // Whether the server may send to `address` (dispatch::TargetPolicy with its allow list).
  using Admit = std::function<bool(const net::IpAddress& address)>;

  WebhookSender(Resolve resolve, Admit admit, WebhookOptions options);
  // Stops after the delivery in progress; what is still queued is counted as given up.
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // The address `url` would be sent to, or why it may not be: not a webhook URL, does not
  // resolve, or the policy refuses its address ("... is a private address").
  model::Result<net::IpAddress> Check(const std::string& url);
  // Queues a POST of `body` (JSON) to `url`, signed with `secret`, with Colotrace-Delivery:
  // `delivery_id` (the same on every attempt). Never blocks.
  void Send(std::string url, std::string secret, std::string delivery_id, std::string body);
  WebhookCounters counters() const;

 private:
  struct Delivery {
    std::string url;
    std::string secret;
    std::string id;
    std::string body;
    int attempts = 0;
    std::chrono::steady_clock::time_point due;
  };
  void Loop();
  // One attempt: the HTTP status of the answer, or an error; `refused` when the policy said no.
  model::Result<int> Attempt(const Delivery& d, bool* refused);

  Resolve resolve_;
  Admit admit_;
  WebhookOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Delivery> queue_;  // by due time, guarded by mu_
  WebhookCounters counters_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace colotrace::api
